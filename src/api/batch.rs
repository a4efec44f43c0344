//! Batch decisions (`licit eval --batch`): decide a JSONL stream on several threads, writing one
//! JSON object per line in input order, in chunks so that memory stays constant whatever the
//! stream's length.

use std::io::{BufRead, Write};

use super::receipt::ReceiptStamp;
use crate::eval::{Program, Trace, case_date, check_assumptions, decode_case, recycle_case};
use crate::report::decision_line::{DecisionTexts, write_decision_line, write_explained_line};
use crate::report::diagnostic::{Diagnostic, Sourced};
use crate::syntax::calendar::Date;

/// How many lines are read, decided and written at a time.
const CHUNK: usize = 8192;
/// The same with `--explain`, whose lines are a thousand times longer: memory stays small.
const EXPLAINED_CHUNK: usize = 256;

/// How a batch run is made.
pub struct BatchOptions {
    /// Decide every case as of this date instead of its own.
    pub as_of: Option<Date>,
    /// Write the whole explanation on each line.
    pub explain: bool,
    /// How many threads decide: at least one, and at most the number of cores
    /// ([`max_jobs`]); more would only add threads that wait.
    pub jobs: usize,
}

/// How far a batch run has come, told after each chunk.
#[derive(Debug, Clone, Copy)]
pub struct BatchProgress {
    /// The bytes of input read.
    pub bytes: u64,
    /// The lines decided (or found bad).
    pub lines: usize,
    /// Whether the input is finished.
    pub finished: bool,
}

/// What a batch run saw.
#[derive(Debug, Clone, Copy)]
pub struct BatchSummary {
    /// Lines with a case (blank lines are skipped).
    pub lines: usize,
    /// Lines that could not be decided.
    pub bad_lines: usize,
}

/// Decides every line of `reader` and writes the results to `out`; `name` is the input's name
/// in diagnostics, and `progress` is told how far the run has come after each chunk.
pub fn decide_batch(
    program: &Program,
    name: &str,
    reader: &mut dyn BufRead,
    out: &mut dyn Write,
    options: &BatchOptions,
    progress: &mut dyn FnMut(BatchProgress),
) -> BatchSummary {
    let BatchOptions {
        as_of,
        explain,
        jobs,
    } = *options;
    let jobs = jobs.clamp(1, max_jobs());
    let mut bytes: u64 = 0;
    let mut summary = BatchSummary {
        lines: 0,
        bad_lines: 0,
    };
    let size = if explain { EXPLAINED_CHUNK } else { CHUNK };
    // A chunk's lines, one after another in one text, and for each its number and where it
    // is (or what is wrong with it); the output of each thread in a buffer of its own. All of
    // them serve one chunk after another: a line is read, decided and written without an
    // allocation of its own.
    let mut chunk = Chunk {
        text: String::new(),
        lines: Vec::with_capacity(size),
    };
    let mut outputs: Vec<String> = vec![String::new(); jobs];
    // The constant part of every line's receipt, made once.
    let stamp = ReceiptStamp::of(program);
    // The names, citations and other texts of every line, escaped once.
    let texts = DecisionTexts::of(program);
    let mut buffer = Vec::new();
    let mut number = 0usize;
    loop {
        chunk.text.clear();
        chunk.lines.clear();
        let mut finished = false;
        while chunk.lines.len() < size {
            buffer.clear();
            match read_line(reader, &mut buffer) {
                Ok(Line::End) => {
                    finished = true;
                    break;
                }
                Ok(Line::TooLong { read, ended }) => {
                    bytes += read;
                    number += 1;
                    chunk.lines.push((number, Err(LineProblem::TooLong)));
                    if !ended {
                        // No line end within the most a batch skips: the input is not JSONL
                        // (`/dev/zero`); the rest of it is not read.
                        finished = true;
                        break;
                    }
                }
                Ok(Line::Read(read)) => {
                    bytes += read as u64;
                    number += 1;
                    while buffer.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                        buffer.pop();
                    }
                    if buffer.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let line = match std::str::from_utf8(&buffer) {
                        Ok(text) => {
                            let start = chunk.text.len();
                            chunk.text.push_str(text);
                            Ok(start..chunk.text.len())
                        }
                        Err(_) => Err(LineProblem::NotUtf8),
                    };
                    chunk.lines.push((number, line));
                }
                Err(_) => {
                    finished = true;
                    break;
                }
            }
        }
        let bad = decide_chunk(
            (program, &stamp, &texts),
            name,
            &chunk,
            as_of,
            explain,
            &mut outputs,
        );
        summary.lines += chunk.lines.len();
        summary.bad_lines += bad;
        for output in &outputs {
            if out.write_all(output.as_bytes()).is_err() {
                return summary;
            }
        }
        progress(BatchProgress {
            bytes,
            lines: summary.lines,
            finished,
        });
        if finished {
            break;
        }
    }
    let _ = out.flush();
    summary
}

/// The lines of a chunk: their text one after another, and each line's number and its range of
/// the text, or what is wrong with it.
struct Chunk {
    text: String,
    lines: Vec<(usize, Result<std::ops::Range<usize>, LineProblem>)>,
}

/// The most threads a batch uses: the number of cores this process may run on.
pub fn max_jobs() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}

/// Decides a chunk of lines on as many threads as there are `outputs`, each writing its
/// consecutive share of the lines, each ended by a line end, into its output (the outputs in
/// turn are the chunk's output in input order); returns the number of lines not decided.
fn decide_chunk(
    (program, stamp, texts): (&Program, &ReceiptStamp, &DecisionTexts),
    name: &str,
    chunk: &Chunk,
    as_of: Option<Date>,
    explain: bool,
    outputs: &mut [String],
) -> usize {
    for output in outputs.iter_mut() {
        output.clear();
    }
    let decide_part = |lines: &[(usize, Result<std::ops::Range<usize>, LineProblem>)],
                       out: &mut String| {
        let mut trace = Trace::default();
        let mut bad = 0;
        for (number, line) in lines {
            let line = line
                .as_ref()
                .map(|range| chunk.text.get(range.clone()).unwrap_or_default())
                .map_err(|problem| *problem);
            if !decide_line(
                (program, stamp, texts),
                name,
                *number,
                line,
                as_of,
                explain,
                &mut trace,
                out,
            ) {
                bad += 1;
            }
            out.push('\n');
        }
        bad
    };
    let jobs = outputs.len().max(1);
    if jobs == 1 || chunk.lines.len() < 64 {
        return match outputs.first_mut() {
            Some(out) => decide_part(&chunk.lines, out),
            None => 0,
        };
    }
    let per_job = chunk.lines.len().div_ceil(jobs);
    let results: Vec<Option<usize>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunk
            .lines
            .chunks(per_job)
            .zip(outputs.iter_mut())
            .map(|(part, out)| {
                let decide_part = &decide_part;
                scope.spawn(move || decide_part(part, out))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().ok())
            .collect()
    });
    let mut bad = 0;
    for (result, output) in results.into_iter().zip(outputs.iter_mut()) {
        match result {
            Some(count) => bad += count,
            None => {
                // A worker that stopped: its share of the chunk is one error object.
                output.clear();
                output.push_str("{\"error\":{\"message\":\"a worker stopped\"}}\n");
                bad += 1;
            }
        }
    }
    bad
}

/// Writes one line's output to `out` (without its line end); whether it was decided. An
/// explanation is written into `trace`, whose memory serves one line after another.
#[allow(clippy::too_many_arguments)]
fn decide_line(
    (program, stamp, texts): (&Program, &ReceiptStamp, &DecisionTexts),
    name: &str,
    number: usize,
    line: Result<&str, LineProblem>,
    as_of: Option<Date>,
    explain: bool,
    trace: &mut Trace,
    out: &mut String,
) -> bool {
    // A line that is not a case: an object with its number and its diagnostics.
    let mut error_line = |errors: Vec<Diagnostic>| {
        let json = ErrorLine {
            line: number,
            errors,
        };
        out.push_str(&serde_json::to_string(&json).unwrap_or_default());
        false
    };
    let line = match line {
        Ok(line) => line,
        Err(problem) => return error_line(errors_json(name, number, "", &[problem])),
    };
    let case = match decode_case(program, line) {
        Ok(case) => case,
        Err(errors) => return error_line(errors_json(name, number, line, &errors)),
    };
    let Some(date) = as_of.or_else(|| case_date(&program.policy, &case)) else {
        let no_date = crate::eval::case::NoDate {
            help: "give the case a `date`, or decide the batch as of one with `--as-of DATE`",
        };
        return error_line(errors_json(name, number, line, &[no_date]));
    };
    if let Err(error) = check_assumptions(program, &case, date, Some(line)) {
        return error_line(errors_json(name, number, line, &[error]));
    }
    if explain {
        let decision = program.explain_into(&case, date, trace);
        write_explained_line(out, program, texts, &decision, trace, number);
        stamp.append_to_object(out, line, decision.date);
        recycle_case(case);
        return true;
    }
    let decision = program.decide(&case, date);
    write_decision_line(out, program, texts, &decision, number);
    stamp.append_to_object(out, line, decision.date);
    // Its records serve the next line's case.
    recycle_case(case);
    true
}

/// Case errors as diagnostics JSON, pointing into the text: a case file, or the line of a batch
/// that starts on line `first_line` of its file.
pub fn errors_json<D: miette::Diagnostic>(
    name: &str,
    first_line: usize,
    text: &str,
    errors: &[D],
) -> Vec<Diagnostic> {
    errors
        .iter()
        .map(|error| {
            Diagnostic::new(&Sourced {
                name,
                text,
                diagnostic: error,
            })
            .shifted(first_line)
        })
        .collect()
}

/// A line of a batch that cannot be read as a case, besides what decoding finds.
#[derive(Debug, Clone, Copy, thiserror::Error, miette::Diagnostic)]
enum LineProblem {
    #[error("the line is not valid UTF-8")]
    #[diagnostic(code(licit::io::not_utf8), help("save the file as UTF-8"))]
    NotUtf8,
    #[error("the line is longer than 1 MiB")]
    #[diagnostic(
        code(licit::io::too_large),
        help("a batch holds one case per line, each at most 1 MiB")
    )]
    TooLong,
}

/// The longest line of a batch: 1 MiB. A longer line gets an error object and is skipped.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The most of an over-long line that is skipped looking for its end: 64 MiB. Past it the
/// input is not JSON lines, and the batch ends there.
const MAX_SKIPPED_BYTES: u64 = 64 << 20;

/// What reading one line found.
enum Line {
    /// The input is finished.
    End,
    /// A line (in the buffer, with its line end) of this many bytes.
    Read(usize),
    /// A line longer than [`MAX_LINE_BYTES`], skipped: the bytes read, and whether its end was
    /// found within [`MAX_SKIPPED_BYTES`].
    TooLong { read: u64, ended: bool },
}

/// Reads one line into `buffer`, never holding more than [`MAX_LINE_BYTES`] of it. Reading goes
/// through `BufRead::read_until` on a bounded `take`, which finds line ends a word at a time.
fn read_line(reader: &mut dyn BufRead, buffer: &mut Vec<u8>) -> std::io::Result<Line> {
    // A line end may be `\r\n`: the longest line held is the limit and its two end bytes.
    let held = (MAX_LINE_BYTES + 2) as u64;
    let read = read_until_interrupted(reader, held + 1, buffer)?;
    if read == 0 {
        return Ok(Line::End);
    }
    if buffer.len() as u64 <= held {
        return Ok(Line::Read(buffer.len()));
    }
    // Too long: skip to the end of the line, a bounded piece at a time.
    let mut skipped = read as u64;
    let mut ended = buffer.last() == Some(&b'\n');
    while !ended && skipped <= MAX_SKIPPED_BYTES {
        buffer.clear();
        let piece = read_until_interrupted(reader, 1 << 20, buffer)?;
        skipped += piece as u64;
        // The end of the input ends the line too.
        ended = piece == 0 || buffer.last() == Some(&b'\n');
    }
    buffer.clear();
    Ok(Line::TooLong {
        read: skipped,
        ended,
    })
}

/// `read_until` a line end, reading at most `limit` bytes, retried when interrupted.
fn read_until_interrupted(
    reader: &mut dyn BufRead,
    limit: u64,
    buffer: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let start = buffer.len();
    let mut bounded = std::io::Read::take(&mut *reader, limit);
    loop {
        match bounded.read_until(b'\n', buffer) {
            Ok(_) => return Ok(buffer.len() - start),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        }
    }
}

/// The object a line that cannot be decided gets: its number first, as decided lines have.
#[derive(serde::Serialize)]
struct ErrorLine {
    line: usize,
    errors: Vec<Diagnostic>,
}

#[cfg(test)]
mod tests {
    use super::{Line, MAX_LINE_BYTES, read_line};

    /// A line over the limit is skipped without being held, and the next line is read.
    #[test]
    fn an_overlong_line_is_skipped_and_the_rest_goes_on() {
        let mut input = vec![b'x'; MAX_LINE_BYTES * 3];
        input.extend_from_slice(b"\n{\"a\": 1}\n");
        let mut reader = std::io::BufReader::new(input.as_slice());
        let mut buffer = Vec::new();
        let Ok(Line::TooLong { ended: true, .. }) = read_line(&mut reader, &mut buffer) else {
            panic!("the long line is too long");
        };
        assert!(buffer.len() <= MAX_LINE_BYTES + 2);
        buffer.clear();
        let Ok(Line::Read(_)) = read_line(&mut reader, &mut buffer) else {
            panic!("the next line is read");
        };
        assert_eq!(buffer, b"{\"a\": 1}\n");
        buffer.clear();
        assert!(matches!(read_line(&mut reader, &mut buffer), Ok(Line::End)));
    }
}
