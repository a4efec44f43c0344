//! `licit eval`: decide one case and explain it, or stream decisions for a JSONL batch.

use std::io::{BufRead, BufWriter, IsTerminal};

use super::args::{DecisionFormat, EvalArgs};
use super::batch::{BatchRun, Progress};
use super::{
    CliError, Exit, checked_policy, parse_as_of, parse_params, print_failure, print_out,
    print_plain, program,
};
use crate::api::batch::BatchOptions;
use crate::api::decision_log::{DecisionLog, LoggedOutput};
use crate::api::receipt::ReceiptStamp;
use crate::eval::{Program, Value, case_date, check_assumptions, decode_case};
use crate::report::decision::{TextStyle, render_json, render_markdown, render_text};
use crate::syntax::calendar::Date;

/// Runs `licit eval`.
pub fn run(args: &EvalArgs) -> Exit {
    if args.format == DecisionFormat::Markdown {
        let conflict = match (&args.batch, &args.why_not) {
            (Some(_), _) => Some(("--batch", "a batch is written as JSON lines")),
            (None, Some(_)) => Some((
                "--why-not",
                "use `--format text` or `--format json` for the changes that would give a verdict",
            )),
            (None, None) => None,
        };
        if let Some((flag, help)) = conflict {
            print_plain(&super::CliError::FormatConflict {
                flag,
                format: "markdown",
                help,
            });
            return Exit::Usage;
        }
    }
    let checked = match checked_policy(&args.path, args.format == DecisionFormat::Json) {
        Ok(checked) => checked,
        Err(exit) => return exit,
    };
    let json = args.format == DecisionFormat::Json;
    let params = match parse_params(&checked.policy, &args.params) {
        Ok(params) => params,
        Err(error) => {
            super::print_plain_failure(json, &error);
            return Exit::Usage;
        }
    };
    let as_of = match parse_as_of(&args.as_of) {
        Ok(as_of) => as_of,
        Err(error) => {
            super::print_plain_failure(json, &error);
            return Exit::Usage;
        }
    };
    let program = program(&checked.policy, &params);
    let log = match &args.decision_log {
        Some(path) => match super::receipt::open_log(path) {
            Ok(log) => Some(log),
            Err(exit) => return exit,
        },
        None => None,
    };
    match (&args.case, &args.batch) {
        (Some(path), _) => {
            let Ok((text, case)) = read_case(&program, path, args.format) else {
                return Exit::Invalid;
            };
            if !args.what_if.is_empty() || args.why_not.is_some() {
                super::whatif::run(&program, &text, as_of, args)
            } else {
                decide_one(&program, path, (&text, &case), as_of, args.format, log)
            }
        }
        (None, Some(batch)) => decide_batch(&program, batch, as_of, (args.explain, args.jobs), log),
        (None, None) => Exit::Usage,
    }
}

/// Reads a case file and decodes it with the strict reader: its text and value, or its problems
/// printed (as JSON on standard output with `--format json`).
fn read_case(
    program: &Program,
    path: &std::path::Path,
    format: DecisionFormat,
) -> Result<(String, Value), ()> {
    let json = format == DecisionFormat::Json;
    let name = path.display().to_string();
    let text = match crate::project::Files::read(&crate::project::OsFiles, path) {
        Ok(text) => text,
        Err(error) => {
            print_failure(json, &name, "", &[error]);
            return Err(());
        }
    };
    match decode_case(program, &text) {
        Ok(case) => Ok((text, case)),
        Err(errors) => {
            print_failure(json, &name, &text, &errors);
            Err(())
        }
    }
}

/// Decides one case, given as its text and value, and prints its explanation.
fn decide_one(
    program: &Program,
    path: &std::path::Path,
    (text, case): (&str, &Value),
    as_of: Option<Date>,
    format: DecisionFormat,
    log: Option<DecisionLog>,
) -> Exit {
    let json = format == DecisionFormat::Json;
    let name = path.display().to_string();
    let Some(date) = as_of.or_else(|| case_date(&program.policy, case)) else {
        let no_date = crate::eval::case::NoDate {
            help: "give the date of the act in the case, or run with `--as-of YYYY-MM-DD`",
        };
        print_failure(json, &name, "", &[no_date]);
        return Exit::Invalid;
    };
    if let Err(error) = check_assumptions(program, case, date, Some(text.as_bytes())) {
        print_failure(json, &name, text, &[error]);
        return Exit::Invalid;
    }
    let (decision, trace) = program.explain(case, date);
    let receipt = ReceiptStamp::of(program).receipt(text, decision.date);
    if let Some(mut log) = log {
        let verdict = &program.policy.verdicts[decision.verdict].name;
        let rule = decision
            .decided_by
            .map(|rule| program.policy.rules[rule].name.as_str());
        // The decision is given out only once the log holds it.
        if let Err(error) = log.append_line(&crate::api::receipt::log_line(&receipt, verdict, rule))
        {
            super::print_plain_failure(json, &CliError::from(error));
            return Exit::Invalid;
        }
    }
    let rendered = match format {
        DecisionFormat::Text => render_text(
            program,
            &decision,
            &trace,
            TextStyle {
                colour: super::stdout_colour(),
            },
        ),
        DecisionFormat::Json => {
            format!(
                "{}\n",
                render_json(program, &decision, &trace, Some(receipt), true)
            )
        }
        DecisionFormat::Markdown => render_markdown(program, &decision, &trace),
    };
    print_out(&rendered);
    Exit::Ok
}

/// Decides every line of a JSONL stream, writing one JSON object per line in input order. A
/// line that is not a valid case gets an error object with its line number; the rest go on.
fn decide_batch(
    program: &Program,
    path: &std::path::Path,
    as_of: Option<Date>,
    (explain, jobs): (bool, Option<usize>),
    log: Option<DecisionLog>,
) -> Exit {
    // Progress only for a person watching, and not over decisions written to the same
    // terminal: a bar when the input's size is known.
    let watched =
        std::io::stderr().is_terminal() && !std::io::stdout().is_terminal() && !super::quiet();
    let mut progress = match watched {
        true => Progress::Count,
        false => Progress::Off,
    };
    let mut reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        // A directory opens on some systems and reads as nothing: say what it is instead.
        if let Ok(crate::project::EntryKind::Directory) =
            crate::project::Files::kind(&crate::project::OsFiles, path)
        {
            print_plain(&crate::project::LoadError::Unreadable {
                path: path.display().to_string(),
                reason: "it is a directory".to_string(),
            });
            return Exit::Invalid;
        }
        match std::fs::File::open(path) {
            Ok(file) => {
                if let Some(total_bytes) = file.metadata().ok().map(|m| m.len()).filter(|_| watched)
                {
                    progress = Progress::Bar { total_bytes };
                }
                Box::new(std::io::BufReader::with_capacity(1 << 20, file))
            }
            Err(error) => {
                print_plain(&crate::project::LoadError::Unreadable {
                    path: path.display().to_string(),
                    reason: crate::project::io_reason(&error),
                });
                return Exit::Invalid;
            }
        }
    };
    let name = path.display().to_string();
    let jobs = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let run = BatchRun {
        options: BatchOptions {
            as_of,
            explain,
            jobs,
        },
        progress,
    };
    let (summary, failure) = match log {
        Some(log) => {
            let mut logged = LoggedOutput::new(&mut out, log);
            let summary = super::batch::run(program, &name, &mut *reader, &mut logged, &run);
            (summary, logged.failure())
        }
        None => (
            super::batch::run(program, &name, &mut *reader, &mut out, &run),
            None,
        ),
    };
    // A log that could not be written ended the batch where it failed.
    if let Some(error) = failure {
        let _ = std::io::Write::flush(&mut out);
        print_plain(&CliError::from(error));
        return Exit::Invalid;
    }
    if summary.bad_lines > 0 {
        eprintln!(
            "{} of {} line{} of `{name}` could not be decided; see the error objects",
            summary.bad_lines,
            summary.lines,
            if summary.lines == 1 { "" } else { "s" }
        );
        Exit::Invalid
    } else {
        Exit::Ok
    }
}
