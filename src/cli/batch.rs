//! `licit eval --batch` on a terminal: the batch decisions of `api::batch` with a progress line
//! on standard error.

use std::io::{BufRead, Write};

use crate::api::batch::{BatchOptions, BatchSummary, decide_batch};
use crate::eval::Program;

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

/** How a batch run is made, from the command line. */
pub struct BatchRun {
    pub options: BatchOptions,
    pub progress: Progress,
}

/// Decides every line of `reader` into `out`, drawing progress as it goes: at most ten times a
/// second, and once at the end.
pub fn run(
    program: &Program,
    name: &str,
    reader: &mut dyn BufRead,
    out: &mut dyn Write,
    run: &BatchRun,
) -> BatchSummary {
    let started = std::time::Instant::now();
    let mut shown = started;
    let shown_any = run.progress != Progress::Off;
    let summary = decide_batch(program, name, reader, out, &run.options, &mut |done| {
        if shown_any && (done.finished || shown.elapsed().as_millis() >= 100) {
            shown = std::time::Instant::now();
            let seconds = started.elapsed().as_secs_f64();
            eprint!(
                "\r{}",
                progress_line(run.progress, done.bytes, done.lines, seconds)
            );
        }
    });
    if shown_any {
        eprintln!();
    }
    summary
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
