//! `licit eval --what-if FIELD=VALUE` and `--why-not VERDICT`: the decision with facts changed,
//! and the smallest changes that would give another verdict.

use super::args::{DecisionFormat, EvalArgs};
use super::{CliError, Exit, print_out, print_plain_failure};
use crate::api::ask::{AskError, Change, ask_why_not, change_case};
use crate::eval::Program;
use crate::report::decision::{TextStyle, render_json, render_markdown, render_text};
use crate::report::why_not::{render_why_not_text, why_not_json};
use crate::syntax::calendar::Date;

/// Runs `--what-if` and `--why-not` on one case, given as its text, already read by the strict
/// reader.
pub fn run(program: &Program, text: &str, as_of: Option<Date>, args: &EvalArgs) -> Exit {
    let json_errors = args.format == DecisionFormat::Json;
    // Every failure is printed as `eval` prints its own: JSON on standard output with
    // `--format json`.
    let fail = |error: &dyn miette::Diagnostic| print_plain_failure(json_errors, error);
    let mut changes = Vec::new();
    for change in &args.what_if {
        let Some((field, value)) = change.split_once('=') else {
            fail(&CliError::WhatIfForm {
                change: change.clone(),
            });
            return Exit::Usage;
        };
        let value: serde_json::Value = serde_json::from_str(value.trim())
            .unwrap_or_else(|_| serde_json::Value::String(value.trim().to_string()));
        changes.push(Change {
            field: field.trim(),
            value,
            written: format!("--what-if {change}"),
        });
    }
    let changed = change_case(
        program,
        text,
        &changes,
        as_of,
        "run with `--as-of YYYY-MM-DD`",
    );
    let (case, date) = match changed {
        Ok(changed) => (changed.case, changed.date),
        Err(problems) => {
            // A field that is not there is a usage error; a changed case that does not fit
            // is an invalid case.
            let usage = problems.iter().any(|p| {
                p.code()
                    .is_some_and(|c| c.to_string() == "licit::usage::what_if_field")
            });
            for problem in &problems {
                fail(problem.as_ref());
            }
            return if usage { Exit::Usage } else { Exit::Invalid };
        }
    };
    let style = TextStyle {
        colour: super::stdout_colour(),
    };
    let Some(target) = &args.why_not else {
        let (decision, trace) = program.explain(&case, date);
        let rendered = match args.format {
            DecisionFormat::Text => {
                format!(
                    "what if {}:\n{}",
                    args.what_if.join(", "),
                    render_text(program, &decision, &trace, style)
                )
            }
            DecisionFormat::Json => {
                format!("{}\n", render_json(program, &decision, &trace, None, true))
            }
            DecisionFormat::Markdown => render_markdown(program, &decision, &trace),
        };
        print_out(&rendered);
        return Exit::Ok;
    };
    let answer = match ask_why_not(program, &case, date, target) {
        Ok(answer) => answer,
        Err(error) => {
            let exit = match error {
                AskError::UnknownVerdict { .. } | AskError::MalformedVerdict { .. } => Exit::Usage,
                _ => Exit::Invalid,
            };
            fail(&error);
            return exit;
        }
    };
    let (decision, trace, answers, already) = (
        answer.decision,
        answer.trace,
        answer.answers,
        answer.already,
    );
    let rendered = match args.format {
        DecisionFormat::Json => {
            let json = why_not_json(program, &decision, target, &answers, date, already);
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            )
        }
        DecisionFormat::Text | DecisionFormat::Markdown => render_why_not_text(
            program,
            (&decision, &trace),
            target,
            (&answers, already),
            date,
            style,
        ),
    };
    print_out(&rendered);
    Exit::Ok
}
