//! Rendering the answer of `--why-not VERDICT`: the case's decision and the smallest changes of
//! its facts that would give that verdict, as text or as the JSON of `docs/decision-json.md`.

use serde::Serialize;
use serde_json::Value as Json;

use super::decision::{DecisionJson, TextStyle, decision_json, render_text, value_json};
use crate::analysis::FactChange;
use crate::eval::{Decision, Program, Trace, Value};
use crate::syntax::calendar::Date;

/// One way to the wanted verdict: the facts changed, and the case changed.
pub type Alternative = (Vec<FactChange>, Value);

/// The JSON answer of `--why-not`.
#[derive(Debug, Serialize)]
pub struct WhyNotJson<'p> {
    /// The case's verdict as it is, with its arguments.
    pub verdict: String,
    /// The verdict asked about.
    pub why_not: &'p str,
    /// Whether the case already has that verdict (then no change is listed).
    pub already: bool,
    /// Each smallest change that gives it, with the decision it gives.
    pub alternatives: Vec<AlternativeJson<'p>>,
}

/// One change of facts and the decision it gives.
#[derive(Debug, Serialize)]
pub struct AlternativeJson<'p> {
    /// The facts changed and their new values.
    pub changes: Vec<ChangeJson>,
    /// The changed case's decision, explained.
    pub decision: DecisionJson<'p>,
}

/// A fact changed.
#[derive(Debug, Serialize)]
pub struct ChangeJson {
    /// The fact, as a path from the case (`item.cyber_surveillance`).
    pub fact: String,
    /// Its new value, as in a case.
    pub to: Json,
}

/// The answer as JSON.
pub fn why_not_json<'p>(
    program: &'p Program,
    decision: &Decision,
    target: &'p str,
    answers: &[Alternative],
    date: Date,
    already: bool,
) -> WhyNotJson<'p> {
    let verdict = program.format_conclusion(
        &program.policy.verdicts[decision.verdict],
        &decision.verdict_args,
    );
    let alternatives = answers
        .iter()
        .map(|(changes, changed_case)| {
            let (decision, trace) = program.explain(changed_case, answer_date(changes, date));
            AlternativeJson {
                changes: changes
                    .iter()
                    .map(|change| ChangeJson {
                        fact: change.fact.clone(),
                        to: value_json(program, &change.to),
                    })
                    .collect(),
                decision: decision_json(program, &decision, &trace),
            }
        })
        .collect();
    WhyNotJson {
        verdict,
        why_not: target,
        already,
        alternatives,
    }
}

/// The answer as text: the decision's first line, then each change with the verdict it gives.
pub fn render_why_not_text(
    program: &Program,
    (decision, trace): (&Decision, &Trace),
    target: &str,
    (answers, already): (&[Alternative], bool),
    date: Date,
    style: TextStyle,
) -> String {
    let mut out = format!("why not {target}? The case is decided:\n");
    for line in render_text(program, decision, trace, style).lines().take(1) {
        out.push_str(&format!("  {line}\n"));
    }
    if already {
        out.push_str(&format!(
            "The case is already decided {target}: no change is needed.\n"
        ));
        return super::escape::for_terminal(&out, style.colour).into_owned();
    }
    if answers.is_empty() {
        out.push_str(&format!("No change of one or two facts gives {target}.\n"));
        return out;
    }
    let size = answers
        .first()
        .map(|(changes, _)| changes.len())
        .unwrap_or(1);
    out.push_str(&format!(
        "Changing {} would give {target}:\n",
        if size == 1 { "one fact" } else { "two facts" }
    ));
    for (changes, changed_case) in answers {
        let described: Vec<String> = changes
            .iter()
            .map(|c| format!("{} = {}", c.fact, program.format_value(&c.to)))
            .collect();
        let (decision, trace) = program.explain(changed_case, answer_date(changes, date));
        let first = render_text(program, &decision, &trace, TextStyle::default());
        out.push_str(&format!(
            "  - {}\n      {}\n",
            described.join(" and "),
            first.lines().next().unwrap_or("")
        ));
    }
    super::escape::for_terminal(&out, style.colour).into_owned()
}

/// The date a changed case is decided on: the new date when the date is among the changes.
fn answer_date(changes: &[FactChange], date: Date) -> Date {
    changes
        .iter()
        .find_map(|change| match (change.fact.as_str(), &change.to) {
            ("date", Value::Date(new)) => Some(*new),
            _ => None,
        })
        .unwrap_or(date)
}
