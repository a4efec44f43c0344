//! `licit eval --what-if FIELD=VALUE` and `--why-not VERDICT`: the decision with facts changed,
//! and the smallest changes that would give another verdict.

use std::path::Path;

use super::args::{DecisionFormat, EvalArgs};
use super::{Exit, load, print_out, print_plain};
use crate::analysis::why_not;
use crate::eval::{Program, case_date, decode_case};
use crate::report::decision::{
    TextStyle, decision_json, render_json, render_markdown, render_text, value_json,
};
use crate::syntax::calendar::Date;

/// Runs `--what-if` and `--why-not` on one case.
pub fn run(program: &Program, path: &Path, as_of: Option<Date>, args: &EvalArgs) -> Exit {
    let text = match load::read_text(path) {
        Ok(text) => text,
        Err(error) => {
            print_plain(&error);
            return Exit::Invalid;
        }
    };
    let mut json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(json) => json,
        Err(_) => {
            // The ordinary path reports the case's problems with their places.
            return super::eval::decide_one(program, path, as_of, args.format);
        }
    };
    for change in &args.what_if {
        let Some((field, value)) = change.split_once('=') else {
            eprintln!("error: `--what-if {change}` needs the form `field=value`");
            return Exit::Usage;
        };
        let value: serde_json::Value = serde_json::from_str(value.trim())
            .unwrap_or_else(|_| serde_json::Value::String(value.trim().to_string()));
        if !set_path(&mut json, field.trim(), value) {
            eprintln!(
                "error: `--what-if {change}`: `{}` is not a field of the case",
                field.trim()
            );
            return Exit::Usage;
        }
    }
    let changed = json.to_string();
    let case = match decode_case(program, &changed) {
        Ok(case) => case,
        Err(errors) => {
            for error in &errors {
                eprintln!("error: after the changes, the case does not fit: {error}");
            }
            return Exit::Invalid;
        }
    };
    let Some(date) = as_of.or_else(|| case_date(&program.policy, &case)) else {
        eprintln!("error: the case has no `date`\n  help: run with `--as-of YYYY-MM-DD`");
        return Exit::Invalid;
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
            DecisionFormat::Json => format!("{}\n", render_json(program, &decision, &trace, true)),
            DecisionFormat::Markdown => render_markdown(program, &decision, &trace),
        };
        print_out(&rendered);
        return Exit::Ok;
    };
    let Some(verdict) = program
        .policy
        .verdicts
        .iter()
        .position(|v| v.name == *target)
    else {
        let names: Vec<&str> = program
            .policy
            .verdicts
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        let hint = crate::check::closest_name(target, names.iter().copied())
            .map(|name| format!("did you mean `{name}`?"))
            .unwrap_or_else(|| format!("the verdicts are {}", names.join(", ")));
        eprintln!("error: `{target}` is not a verdict of the policy\n  help: {hint}");
        return Exit::Usage;
    };
    let (decision, trace) = program.explain(&case, date);
    let answers = match why_not(program, &case, date, verdict) {
        Ok(answers) => answers,
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Invalid;
        }
    };
    let now = program.format_conclusion(
        &program.policy.verdicts[decision.verdict],
        &decision.verdict_args,
    );
    match args.format {
        DecisionFormat::Json => {
            let alternatives: Vec<serde_json::Value> = answers
                .iter()
                .map(|(changes, changed_case)| {
                    let (decision, trace) = program.explain(changed_case, date);
                    serde_json::json!({
                        "changes": changes.iter().map(|c| serde_json::json!({
                            "fact": c.fact,
                            "to": value_json(program, &c.to),
                        })).collect::<Vec<_>>(),
                        "decision": decision_json(program, &decision, &trace),
                    })
                })
                .collect();
            let json = serde_json::json!({
                "verdict": now,
                "why_not": target,
                "alternatives": alternatives,
            });
            print_out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            ));
        }
        DecisionFormat::Text | DecisionFormat::Markdown => {
            let mut out = format!("why not {target}? The case is decided:\n");
            for line in render_text(program, &decision, &trace, style)
                .lines()
                .take(1)
            {
                out.push_str(&format!("  {line}\n"));
            }
            if answers.is_empty() {
                out.push_str(&format!("No change of one or two facts gives {target}.\n"));
            } else {
                let size = answers
                    .first()
                    .map(|(changes, _)| changes.len())
                    .unwrap_or(1);
                out.push_str(&format!(
                    "Changing {} would give {target}:\n",
                    if size == 1 { "one fact" } else { "two facts" }
                ));
                for (changes, changed_case) in &answers {
                    let described: Vec<String> = changes
                        .iter()
                        .map(|c| format!("{} = {}", c.fact, program.format_value(&c.to)))
                        .collect();
                    let (decision, trace) = program.explain(changed_case, date);
                    let first = render_text(program, &decision, &trace, TextStyle::default());
                    out.push_str(&format!(
                        "  - {}\n      {}\n",
                        described.join(" and "),
                        first.lines().next().unwrap_or("")
                    ));
                }
            }
            print_out(&out);
        }
    }
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
