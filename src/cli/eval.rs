//! `licit eval`: decide one case and explain it, or stream decisions for a JSONL batch.

use std::io::{BufRead, BufWriter, Write};

use super::args::{DecisionFormat, EvalArgs};
use super::{Exit, checked_policy, parse_as_of, parse_params, print_out, print_plain, program};
use crate::eval::{CaseError, Program, case_date, decode_case};
use crate::report::decision::{
    TextStyle, decision_json, render_json, render_markdown, render_text,
};
use crate::report::diagnostic::{Sourced, render_human, to_json};
use crate::syntax::calendar::Date;

/// Runs `licit eval`.
pub fn run(args: &EvalArgs) -> Exit {
    let checked = match checked_policy(&args.path) {
        Ok(checked) => checked,
        Err(exit) => return exit,
    };
    let params = match parse_params(&checked.policy, &args.params) {
        Ok(params) => params,
        Err(exit) => return exit,
    };
    let as_of = match parse_as_of(&args.as_of) {
        Ok(as_of) => as_of,
        Err(exit) => return exit,
    };
    let program = program(&checked.policy, &params);
    match (&args.case, &args.batch) {
        (Some(case), _) if !args.what_if.is_empty() || args.why_not.is_some() => {
            super::whatif::run(&program, case, as_of, args)
        }
        (Some(case), _) => decide_one(&program, case, as_of, args.format),
        (None, Some(batch)) => decide_batch(&program, batch, as_of, args.explain),
        (None, None) => Exit::Usage,
    }
}

pub(super) fn decide_one(
    program: &Program,
    path: &std::path::Path,
    as_of: Option<Date>,
    format: DecisionFormat,
) -> Exit {
    let text = match super::load::read_text(path) {
        Ok(text) => text,
        Err(error) => {
            print_plain(&error);
            return Exit::Invalid;
        }
    };
    let name = path.display().to_string();
    let case = match decode_case(program, &text) {
        Ok(case) => case,
        Err(errors) => {
            if format == DecisionFormat::Json {
                let json = serde_json::json!({ "errors": errors_json(&name, &text, &errors) });
                print_out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&json).unwrap_or_default()
                ));
            } else {
                let style = super::style_for_stderr();
                for error in &errors {
                    let item = Sourced {
                        name: &name,
                        text: &text,
                        diagnostic: error,
                    };
                    eprint!("{}", render_human(&item, style));
                }
            }
            return Exit::Invalid;
        }
    };
    let Some(date) = as_of.or_else(|| case_date(&program.policy, &case)) else {
        eprintln!(
            "error: the case has no `date`\n  help: give the date of the act in the case, or run with `--as-of YYYY-MM-DD`"
        );
        return Exit::Invalid;
    };
    let (decision, trace) = program.explain(&case, date);
    let rendered = match format {
        DecisionFormat::Text => render_text(
            program,
            &decision,
            &trace,
            TextStyle {
                colour: super::stdout_colour(),
            },
        ),
        DecisionFormat::Json => format!("{}\n", render_json(program, &decision, &trace, true)),
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
    explain: bool,
) -> Exit {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(file) => Box::new(std::io::BufReader::new(file)),
            Err(error) => {
                print_plain(&super::load::LoadError::Unreadable {
                    path: path.display().to_string(),
                    reason: super::load::io_reason(&error),
                });
                return Exit::Invalid;
            }
        }
    };
    let name = path.display().to_string();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut bad_lines = 0usize;
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(_) => {
                bad_lines += 1;
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::json!({"line": number, "error": {"code": "licit::io::not_utf8", "message": "the line is not valid UTF-8"}})
                );
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let result =
            decode_case(program, &line).map_err(|errors| errors_json(&name, &line, &errors));
        let object = match result {
            Ok(case) => match as_of.or_else(|| case_date(&program.policy, &case)) {
                Some(date) => {
                    let (decision, trace) = program.explain(&case, date);
                    let mut json = decision_json(program, &decision, &trace);
                    if !explain {
                        json.explanation.clear();
                    }
                    let mut value = serde_json::to_value(&json).unwrap_or_default();
                    if let Some(object) = value.as_object_mut() {
                        object.insert("line".to_string(), serde_json::json!(number));
                        if !explain {
                            object.remove("explanation");
                        }
                    }
                    value
                }
                None => {
                    bad_lines += 1;
                    serde_json::json!({"line": number, "error": {"code": "licit::case::missing_field", "message": "the case has no `date`"}})
                }
            },
            Err(errors) => {
                bad_lines += 1;
                serde_json::json!({"line": number, "errors": errors})
            }
        };
        if writeln!(out, "{object}").is_err() {
            break;
        }
    }
    let _ = out.flush();
    if bad_lines > 0 {
        eprintln!(
            "{bad_lines} line{} of `{name}` could not be decided; see the error objects",
            if bad_lines == 1 { "" } else { "s" }
        );
        Exit::Invalid
    } else {
        Exit::Ok
    }
}

fn errors_json(name: &str, line: &str, errors: &[CaseError]) -> Vec<serde_json::Value> {
    errors
        .iter()
        .map(|error| {
            serde_json::to_value(to_json(&Sourced {
                name,
                text: line,
                diagnostic: error,
            }))
            .unwrap_or_default()
        })
        .collect()
}
