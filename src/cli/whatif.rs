//! `licit eval --what-if FIELD=VALUE` and `--why-not VERDICT`: the decision with facts changed,
//! and the smallest changes that would give another verdict.

use super::args::{DecisionFormat, EvalArgs};
use super::{CliError, Exit, print_out, print_plain_failure};
use crate::analysis::why_not;
use crate::eval::case::NoDate;
use crate::eval::{Program, case_date, check_assumptions, decode_case};
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
    // The strict reader accepted the text, so it is JSON.
    let mut json: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    for change in &args.what_if {
        let Some((field, value)) = change.split_once('=') else {
            fail(&CliError::WhatIfForm {
                change: change.clone(),
            });
            return Exit::Usage;
        };
        let value: serde_json::Value = serde_json::from_str(value.trim())
            .unwrap_or_else(|_| serde_json::Value::String(value.trim().to_string()));
        if !set_path(&mut json, field.trim(), value) {
            fail(&CliError::WhatIfField {
                change: change.clone(),
                field: field.trim().to_string(),
            });
            return Exit::Usage;
        }
    }
    let changed = json.to_string();
    let case = match decode_case(program, &changed) {
        Ok(case) => case,
        Err(errors) => {
            for error in &errors {
                fail(&CliError::ChangedCase {
                    problem: error.to_string(),
                });
            }
            return Exit::Invalid;
        }
    };
    let Some(date) = as_of.or_else(|| case_date(&program.policy, &case)) else {
        fail(&NoDate {
            help: "run with `--as-of YYYY-MM-DD`",
        });
        return Exit::Invalid;
    };
    // The changed case is not the file's text, so the diagnostic has no place to point at.
    if let Err(error) = check_assumptions(program, &case, date, None) {
        fail(&error);
        return Exit::Invalid;
    }
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
    // A verdict with its arguments (`authorised(basis: "EU001")`) asks for those arguments.
    let (target_name, written) = match target.split_once('(') {
        Some((name, _)) => (name.trim(), Some(target.as_str())),
        None => (target.trim(), None),
    };
    let Some(verdict) = program
        .policy
        .verdicts
        .iter()
        .position(|v| v.name == target_name)
    else {
        let names: Vec<&str> = program
            .policy
            .verdicts
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        let close = crate::check::closest_name(target_name, names.iter().copied());
        let hint = crate::check::did_you_mean_or(
            close.as_deref(),
            format!("the verdicts are {}", names.join(", ")),
        );
        fail(&CliError::UnknownVerdict {
            target: target.clone(),
            hint,
        });
        return Exit::Usage;
    };
    let (decision, trace) = program.explain(&case, date);
    // A case that already has the verdict needs no change: say so, and search nothing.
    let already = crate::analysis::gives(program, &decision, verdict, written);
    let answers = match already {
        true => Ok(Vec::new()),
        false => why_not(program, &case, date, verdict, written),
    };
    let answers = match answers {
        Ok(answers) => answers,
        Err(error) => {
            fail(&CliError::WhyNotCannotSearch {
                reason: error.to_string(),
            });
            return Exit::Invalid;
        }
    };
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

/// Sets a dotted path of a JSON object; false when a step is not an object.
fn set_path(json: &mut serde_json::Value, path: &str, value: serde_json::Value) -> bool {
    let mut current = json;
    let parts: Vec<&str> = path.split('.').collect();
    for (index, part) in parts.iter().enumerate() {
        let Some(object) = current.as_object_mut() else {
            return false;
        };
        if index + 1 == parts.len() {
            object.insert((*part).to_string(), value);
            return true;
        }
        current = object
            .entry((*part).to_string())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    }
    false
}
