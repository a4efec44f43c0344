//! `POST /v1/rulebooks/{name}/batch`: NDJSON in, NDJSON out, streamed both ways in constant
//! memory. The body is fed, a chunk at a time, to the library's batch on a blocking thread
//! (which decides on every core), and its output is sent back as it is written.

use std::io::{Read, Write};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State as Shared};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::State;
use super::errors::{Failure, ServeError};
use crate::api::batch::{BatchOptions, max_jobs};
use crate::api::decision_log::{LogError, LoggedOutput};
use crate::syntax::calendar::Date;

/// How many chunks wait in each direction: the memory a batch holds is this many chunks.
const CHANNEL: usize = 8;

/// The query of a batch.
#[derive(Debug, Deserialize)]
pub(super) struct BatchQuery {
    as_of: Option<String>,
    /// Write the whole explanation on each line.
    #[serde(default)]
    explain: bool,
}

/// Decides every line of the body; each output line is written as the batch goes.
pub(super) async fn batch(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    Query(query): Query<BatchQuery>,
    body: Body,
) -> Response {
    let served = match state.rulebook(&name) {
        Ok(served) => served.clone(),
        Err(error) => return Failure::from(error).into_response(),
    };
    let as_of = match &query.as_of {
        None => None,
        Some(text) => match Date::parse(text) {
            Ok(date) => Some(date),
            Err(problem) => {
                return Failure::from(ServeError::bad_request(
                    format!("`as_of={text}` is not a date: {problem}"),
                    "write the date as `YYYY-MM-DD`",
                ))
                .into_response();
            }
        },
    };
    let (input, input_chunks) = mpsc::channel::<Bytes>(CHANNEL);
    let (output, output_chunks) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHANNEL);
    // The body, into the channel the blocking reader takes it from.
    tokio::spawn(async move {
        let mut stream = body.into_data_stream();
        while let Some(Ok(chunk)) = stream.next().await {
            if input.send(chunk).await.is_err() {
                break;
            }
        }
    });
    let loaded = served.current();
    let options = BatchOptions {
        as_of,
        explain: query.explain,
        jobs: max_jobs(),
    };
    let metrics_state = state.clone();
    tokio::task::spawn_blocking(move || {
        let mut reader = std::io::BufReader::with_capacity(
            1 << 16,
            ChannelReader {
                chunks: input_chunks,
                current: Bytes::new(),
            },
        );
        let mut writer = std::io::BufWriter::with_capacity(1 << 16, ChannelWriter { output });
        let summary = match &metrics_state.decision_log {
            // Every decision is in the log before it is sent.
            Some(log) => {
                let mut logged = LoggedOutput::new(&mut writer, log);
                let summary = loaded
                    .rulebook
                    .decide_batch(&mut reader, &mut logged, &options);
                if let Some(error) = logged.failure() {
                    // The batch ended where the log failed: its last line says why.
                    let _ = writer.write_all(&log_failed_line(error));
                }
                summary
            }
            None => loaded
                .rulebook
                .decide_batch(&mut reader, &mut writer, &options),
        };
        let _ = writer.flush();
        metrics_state
            .metrics
            .batch_lines(&served.name, summary.lines);
    });
    let stream = futures_util::stream::unfold(output_chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// The line that ends a batch whose decision log could not be written:
/// `{"errors":[diagnostic]}`, as an error answer is.
fn log_failed_line(error: LogError) -> Vec<u8> {
    let error = ServeError::CannotLog {
        path: error.path,
        reason: error.reason,
    };
    let diagnostics = [crate::report::diagnostic::Diagnostic::plain(&error)];
    let mut line =
        serde_json::to_vec(&serde_json::json!({ "errors": diagnostics })).unwrap_or_default();
    line.push(b'\n');
    line
}

/// The request body as a blocking reader.
struct ChannelReader {
    chunks: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let count = buffer.len().min(self.current.len());
        buffer[..count].copy_from_slice(&self.current.split_to(count));
        Ok(count)
    }
}

/// The response body as a blocking writer: a closed connection is a write error, which ends
/// the batch.
struct ChannelWriter {
    output: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.output
            .blocking_send(Ok(Bytes::copy_from_slice(bytes)))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
