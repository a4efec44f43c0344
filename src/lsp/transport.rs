//! The server's end of stdio: JSON-RPC frames read with a bound on their size, and a frame that
//! is not a message answered with a JSON-RPC error rather than ending the server.
//!
//! `lsp-server`'s own stdio transport allocates whatever `Content-Length` a client announces
//! (a huge one aborts the process) and stops at the first body that is not a message; this one
//! reads into `lsp-server`'s in-memory [`Connection`] instead.
//!
//! An error response goes to the server as an [`INVALID`] notification and comes back to be
//! written, so that it takes its place among the server's answers in the order the frames came.
//!
//! Invariant: every frame whose end is known gets an answer or is a message; only a header
//! that hides where the next frame begins (no `Content-Length`, or one that is not a number)
//! stops the server, after an error response saying so.

use std::io::{BufRead, Read, Write};
use std::thread::JoinHandle;

use lsp_server::{Connection, Message, Notification};
use serde_json::{Value, json};

/// The longest message read: a document of the largest text licit reads
/// ([`crate::project::MAX_FILE_BYTES`]) with room for its escapes. A longer body is skipped
/// unread and answered with an error.
pub const MAX_MESSAGE_BYTES: u64 = 4 * crate::project::MAX_FILE_BYTES;

/// The longest header line read, to keep a line without an end from growing without bound.
const MAX_HEADER_BYTES: u64 = 4096;

/// The method of the notification that carries an error response through the server: the
/// server sends it back as it is and the writer writes its parameters, the response. A client's
/// message of that method is dropped.
pub const INVALID: &str = "$/licit/invalidMessage";

/// JSON-RPC's error codes for a body that is not JSON, and for JSON that is not a message.
const PARSE_ERROR: i32 = -32700;
const INVALID_REQUEST: i32 = -32600;

/// One frame from the client.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A body, read whole.
    Body(Vec<u8>),
    /// A body longer than [`MAX_MESSAGE_BYTES`], skipped: its announced length.
    TooLarge(u64),
    /// The end of the input.
    End,
}

/// Reads one frame. An error is a header that hides where the frame ends.
pub fn read_frame(input: &mut impl BufRead) -> Result<Frame, String> {
    let mut length: Option<u64> = None;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        let read = input
            .by_ref()
            .take(MAX_HEADER_BYTES)
            .read_until(b'\n', &mut line)
            .map_err(|error| format!("cannot read the input: {error}"))?;
        if read == 0 {
            return match first {
                true => Ok(Frame::End),
                false => Err("the input ends inside a header".to_string()),
            };
        }
        first = false;
        if !line.ends_with(b"\n") {
            return Err(format!(
                "a header line longer than {MAX_HEADER_BYTES} bytes or without its end"
            ));
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("`{line}` is not a header (`Name: value`)"));
        };
        if name.trim().eq_ignore_ascii_case("Content-Length") {
            let value = value.trim();
            length = Some(
                value
                    .parse::<u64>()
                    .map_err(|_| format!("`Content-Length: {value}` is not a length in bytes"))?,
            );
        }
    }
    let length = length.ok_or_else(|| "a message without `Content-Length`".to_string())?;
    if length > MAX_MESSAGE_BYTES {
        let skipped = std::io::copy(&mut input.by_ref().take(length), &mut std::io::sink())
            .map_err(|error| format!("cannot read the input: {error}"))?;
        return match skipped == length {
            true => Ok(Frame::TooLarge(length)),
            false => Ok(Frame::End),
        };
    }
    let mut body = Vec::new();
    let read = input
        .by_ref()
        .take(length)
        .read_to_end(&mut body)
        .map_err(|error| format!("cannot read the input: {error}"))?;
    match read as u64 == length {
        true => Ok(Frame::Body(body)),
        // The input ended inside the body: nothing more will come.
        false => Ok(Frame::End),
    }
}

/// A body as a message, or the error response it gets: JSON-RPC's parse error for a body that
/// is not JSON, invalid request for JSON that is not a message (with the body's `id` when it
/// has one that can be answered).
pub fn message(body: &[u8]) -> Result<Message, Value> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        error_response(
            Value::Null,
            PARSE_ERROR,
            &format!("the message is not JSON: {error}"),
        )
    })?;
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    let valid_id = matches!(
        value.get("id"),
        None | Some(Value::Number(_) | Value::String(_))
    );
    let has_method = value.get("method").is_some_and(Value::is_string);
    let is_response = value.get("result").is_some() || value.get("error").is_some();
    if !value.is_object() || !valid_id || !(has_method || is_response) {
        return Err(error_response(
            id,
            INVALID_REQUEST,
            "not a JSON-RPC message: an object with a `method` (and a number or text `id` for a request), or a response",
        ));
    }
    serde_json::from_value(value).map_err(|error| {
        error_response(
            id,
            INVALID_REQUEST,
            &format!("not a JSON-RPC message: {error}"),
        )
    })
}

/// A JSON-RPC error response.
pub fn error_response(id: Value, code: i32, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// Writes one frame of a body, whole, while holding standard output.
fn write_frame(body: &str) -> std::io::Result<()> {
    write_bytes(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes())
}

/// Writes bytes, whole, while holding standard output, so frames of two threads never mix.
fn write_bytes(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// The threads that move messages between stdio and the server's [`Connection`].
pub struct Threads {
    reader: JoinHandle<Result<(), String>>,
    writer: JoinHandle<()>,
}

impl Threads {
    /// Waits for the writer to send what the server sent, then for the reader; the reader's
    /// error (a header that stopped it) is the server's. Called once the server's connection is
    /// dropped, after `exit` or the end of the input, so neither waits on the client.
    pub fn join(self) -> Result<(), String> {
        self.writer
            .join()
            .map_err(|_| "the writer of the output stopped".to_string())?;
        self.reader
            .join()
            .map_err(|_| "the reader of the input stopped".to_string())?
    }
}

/// A connection over standard input and output, and the threads that serve it.
pub fn stdio() -> (Connection, Threads) {
    let (server, client) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    let writer = std::thread::spawn(move || {
        for message in from_server {
            let written = match message {
                Message::Notification(answer) if answer.method == INVALID => {
                    write_frame(&answer.params.to_string())
                }
                // `lsp-server` frames it, with its `"jsonrpc": "2.0"`.
                message => {
                    let mut frame = Vec::new();
                    message.write(&mut frame).and_then(|()| write_bytes(&frame))
                }
            };
            if written.is_err() {
                return;
            }
        }
    });
    let reader = std::thread::spawn(move || {
        let mut input = std::io::stdin().lock();
        let answer = |response: Value| {
            Message::Notification(Notification::new(INVALID.to_string(), response))
        };
        loop {
            let response = match read_frame(&mut input) {
                Ok(Frame::End) => return Ok(()),
                Ok(Frame::TooLarge(length)) => error_response(
                    Value::Null,
                    INVALID_REQUEST,
                    &format!(
                        "a message of {length} bytes is longer than licit reads (at most {MAX_MESSAGE_BYTES}); it was skipped"
                    ),
                ),
                Ok(Frame::Body(body)) => match message(&body) {
                    Ok(Message::Notification(n)) if n.method == INVALID => continue,
                    Ok(message) => {
                        let exit =
                            matches!(&message, Message::Notification(n) if n.method == "exit");
                        if to_server.send(message).is_err() || exit {
                            return Ok(());
                        }
                        continue;
                    }
                    Err(response) => response,
                },
                Err(reason) => {
                    let response = error_response(
                        Value::Null,
                        PARSE_ERROR,
                        &format!(
                            "{reason}; the server stops, as it cannot tell where the next message begins"
                        ),
                    );
                    let _ = to_server.send(answer(response));
                    return Err(reason);
                }
            };
            if to_server.send(answer(response)).is_err() {
                return Ok(());
            }
        }
    });
    (server, Threads { reader, writer })
}

#[cfg(test)]
mod tests {
    use super::{Frame, MAX_MESSAGE_BYTES, message, read_frame};

    fn frames(input: &[u8]) -> Vec<Result<Frame, String>> {
        let mut input = input;
        let mut found = Vec::new();
        loop {
            let frame = read_frame(&mut input);
            let end = !matches!(frame, Ok(Frame::Body(_) | Frame::TooLarge(_)));
            found.push(frame);
            if end {
                return found;
            }
        }
    }

    #[test]
    fn frames_are_bounded_and_malformed_ones_named() {
        let huge = format!("Content-Length: {}\r\n\r\n{{}}", MAX_MESSAGE_BYTES + 1);
        assert_eq!(frames(huge.as_bytes()), [Ok(Frame::End)]);
        let found = frames(b"Content-Length: 2\n\n{}Content-Length: 1\r\n\r\n[");
        assert_eq!(
            found,
            [
                Ok(Frame::Body(b"{}".to_vec())),
                Ok(Frame::Body(b"[".to_vec())),
                Ok(Frame::End)
            ]
        );
        for bad in [
            &b"Content-Length: -5\r\n\r\n{}"[..],
            b"Content-Length: 99999999999999999999999\r\n\r\n",
            b"Content-Type: x\r\n\r\n{}",
            b"garbage\r\n\r\n",
        ] {
            assert!(matches!(frames(bad)[..], [Err(_)]), "{bad:?}");
        }
        assert_eq!(frames(b"Content-Length: 9\r\n\r\n{}"), [Ok(Frame::End)]);
        assert!(message(b"{\"id\": 1, \"method\": \"x\"}").is_ok());
        for (body, id) in [
            (&b"{\"id\": 1,"[..], serde_json::Value::Null),
            (b"\"\xff\"", serde_json::Value::Null),
            (b"[1, 2]", serde_json::Value::Null),
            (
                b"{\"id\": null, \"method\": \"initialize\"}",
                serde_json::Value::Null,
            ),
            (b"{\"id\": 7, \"method\": 5}", serde_json::json!(7)),
        ] {
            let answer = message(body).err().unwrap_or_default();
            assert_eq!(answer["id"], id, "{body:?}");
            assert!(answer["error"]["code"].is_i64(), "{body:?}");
        }
    }
}
