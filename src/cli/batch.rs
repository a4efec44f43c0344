//! `licit eval --batch`: decide a JSONL stream on all cores, writing one JSON object per line in
//! input order, in chunks so that memory stays constant whatever the stream's length.

use std::io::{BufRead, Write};

use crate::eval::{Program, Trace, case_date, decode_case};
use crate::report::decision::{decision_json, render_decision_line};
use crate::report::diagnostic::{JsonDiagnostic, Sourced, to_json};
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
    /// How many threads decide.
    pub jobs: usize,
    pub progress: Progress,
}

/// What a batch run shows on standard error as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Off,
    /// Cases decided and the rate: the input's size is not known (standard input).
    Count,
    /// A bar over the input's size in bytes, cases decided and the rate.
    Bar {
        total_bytes: u64,
    },
}

/// One line of progress: `[#########-----------]  45%  450,000 cases  1.08 M/s`.
pub fn progress_line(progress: Progress, bytes: u64, cases: usize, seconds: f64) -> String {
    let rate = if seconds > 0.0 {
        cases as f64 / seconds
    } else {
        0.0
    };
    let rate = match rate {
        r if r >= 1e6 => format!("{:.2} M/s", r / 1e6),
        r if r >= 1e3 => format!("{:.1} k/s", r / 1e3),
        r => format!("{r:.0}/s"),
    };
    let cases = thousands(cases);
    match progress {
        Progress::Bar { total_bytes } if total_bytes > 0 => {
            const WIDTH: u64 = 20;
            let done = bytes.min(total_bytes);
            let filled = (done * WIDTH / total_bytes) as usize;
            let bar = format!(
                "{}{}",
                "#".repeat(filled),
                "-".repeat(WIDTH as usize - filled)
            );
            format!(
                "[{bar}] {:>3}%  {cases} cases  {rate}",
                done * 100 / total_bytes
            )
        }
        _ => format!("{cases} cases  {rate}"),
    }
}

/// `1234567` as `1,234,567`.
fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// What a batch run saw.
pub struct BatchSummary {
    pub lines: usize,
    pub bad_lines: usize,
}

/// Decides every line of `reader` and writes the results to `out`.
pub fn run(
    program: &Program,
    name: &str,
    reader: &mut dyn BufRead,
    out: &mut dyn Write,
    options: &BatchOptions,
) -> BatchSummary {
    let BatchOptions {
        as_of,
        explain,
        jobs,
        progress,
    } = *options;
    let started = std::time::Instant::now();
    let mut shown = started;
    let mut bytes: u64 = 0;
    let mut summary = BatchSummary {
        lines: 0,
        bad_lines: 0,
    };
    let size = if explain { EXPLAINED_CHUNK } else { CHUNK };
    let mut chunk: Vec<(usize, Result<String, ()>)> = Vec::with_capacity(size);
    let mut buffer = Vec::new();
    let mut number = 0usize;
    loop {
        chunk.clear();
        let mut finished = false;
        while chunk.len() < size {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) => {
                    finished = true;
                    break;
                }
                Ok(read) => {
                    bytes += read as u64;
                    number += 1;
                    while buffer.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                        buffer.pop();
                    }
                    if buffer.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    chunk.push((number, String::from_utf8(buffer.clone()).map_err(|_| ())));
                }
                Err(_) => {
                    finished = true;
                    break;
                }
            }
        }
        let results = decide_chunk(program, name, &chunk, as_of, explain, jobs);
        for (line, ok) in &results {
            summary.lines += 1;
            if !ok {
                summary.bad_lines += 1;
            }
            if out.write_all(line.as_bytes()).is_err() || out.write_all(b"\n").is_err() {
                return summary;
            }
        }
        // At most ten times a second, and once at the end.
        if progress != Progress::Off && (finished || shown.elapsed().as_millis() >= 100) {
            shown = std::time::Instant::now();
            let seconds = started.elapsed().as_secs_f64();
            eprint!(
                "\r{}",
                progress_line(progress, bytes, summary.lines, seconds)
            );
        }
        if finished {
            break;
        }
    }
    if progress != Progress::Off {
        eprintln!();
    }
    let _ = out.flush();
    summary
}

/// Decides a chunk of lines on `jobs` threads; results in input order.
fn decide_chunk(
    program: &Program,
    name: &str,
    chunk: &[(usize, Result<String, ()>)],
    as_of: Option<Date>,
    explain: bool,
    jobs: usize,
) -> Vec<(String, bool)> {
    let jobs = jobs.max(1);
    if jobs == 1 || chunk.len() < 64 {
        let mut trace = Trace::default();
        return chunk
            .iter()
            .map(|(n, line)| decide_line(program, name, *n, line, as_of, explain, &mut trace))
            .collect();
    }
    let per_job = chunk.len().div_ceil(jobs);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunk
            .chunks(per_job)
            .map(|part| {
                scope.spawn(move || {
                    let mut trace = Trace::default();
                    part.iter()
                        .map(|(n, line)| {
                            decide_line(program, name, *n, line, as_of, explain, &mut trace)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    vec![(
                        r#"{"error":{"message":"a worker stopped"}}"#.to_string(),
                        false,
                    )]
                })
            })
            .collect()
    })
}

/// One line's output and whether it was decided. An explanation is written into `trace`, whose
/// memory serves one line after another.
fn decide_line(
    program: &Program,
    name: &str,
    number: usize,
    line: &Result<String, ()>,
    as_of: Option<Date>,
    explain: bool,
    trace: &mut Trace,
) -> (String, bool) {
    // A line that is not a case: an object with its number and its diagnostics.
    let error_line = |errors: Vec<JsonDiagnostic>| {
        let json = ErrorLine {
            line: number,
            errors,
        };
        (serde_json::to_string(&json).unwrap_or_default(), false)
    };
    let Ok(line) = line else {
        return error_line(errors_json(name, number, "", &[LineProblem::NotUtf8]));
    };
    let case = match decode_case(program, line) {
        Ok(case) => case,
        Err(errors) => return error_line(errors_json(name, number, line, &errors)),
    };
    let Some(date) = as_of.or_else(|| case_date(&program.policy, &case)) else {
        return error_line(errors_json(name, number, line, &[LineProblem::NoDate]));
    };
    if explain {
        let decision = program.explain_into(&case, date, trace);
        let mut json = decision_json(program, &decision, trace);
        json.line = Some(number);
        return (serde_json::to_string(&json).unwrap_or_default(), true);
    }
    let decision = program.decide(&case, date);
    (render_decision_line(program, &decision, number), true)
}

/// Case errors as diagnostics JSON, pointing into the text: a case file, or the line of a batch
/// that starts on line `first_line` of its file.
pub fn errors_json<D: miette::Diagnostic>(
    name: &str,
    first_line: usize,
    text: &str,
    errors: &[D],
) -> Vec<JsonDiagnostic> {
    let shift = first_line.saturating_sub(1);
    errors
        .iter()
        .map(|error| {
            let mut json = to_json(&Sourced {
                name,
                text,
                diagnostic: error,
            });
            json.line += shift;
            json.end_line += shift;
            for label in &mut json.labels {
                label.line += shift;
                label.end_line += shift;
            }
            json
        })
        .collect()
}

/// A line of a batch that cannot be read as a case, besides what decoding finds.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum LineProblem {
    #[error("the line is not valid UTF-8")]
    #[diagnostic(code(licit::io::not_utf8), help("save the file as UTF-8"))]
    NotUtf8,
    #[error("the case has no `date`")]
    #[diagnostic(
        code(licit::case::missing_field),
        help("give the case a `date`, or decide the batch as of one with `--as-of DATE`")
    )]
    NoDate,
}

/// The object a line that cannot be decided gets: its number first, as decided lines have.
#[derive(serde::Serialize)]
struct ErrorLine {
    line: usize,
    errors: Vec<JsonDiagnostic>,
}

#[cfg(test)]
mod tests {
    use super::{Progress, progress_line};

    #[test]
    fn progress_lines() {
        let bar = Progress::Bar { total_bytes: 1000 };
        assert_eq!(
            progress_line(bar, 450, 450_000, 0.5),
            "[#########-----------]  45%  450,000 cases  900.0 k/s"
        );
        assert_eq!(
            progress_line(bar, 1000, 1_234_567, 1.0),
            "[####################] 100%  1,234,567 cases  1.23 M/s"
        );
        assert_eq!(progress_line(Progress::Count, 0, 12, 0.0), "12 cases  0/s");
    }
}
