//! Rendering `licit diff`: every case whose outcome changes, with both explanations and the
//! rules responsible, as text, JSON or Markdown.

use serde::Serialize;

use crate::analysis::Comparison;
use crate::eval::Program;

use super::decision::{DecisionJson, TextStyle, decision_json, render_text};

/// A compared case with its label (`file`, `file:line`, or a test's name).
pub struct Compared<'a> {
    pub label: &'a str,
    pub comparison: &'a Comparison,
    /// A witness found by the search: the case, in the case format.
    pub case: Option<&'a serde_json::Value>,
}

/// The two policies compared.
pub struct Sides<'a> {
    pub old_name: &'a str,
    pub new_name: &'a str,
    pub old: &'a Program,
    pub new: &'a Program,
}

/// The summary line(s): kinds of difference the search found, and given cases that change.
fn summary(sides: &Sides<'_>, cases: &[Compared<'_>], total: usize) -> String {
    let found = cases.iter().filter(|c| c.case.is_some()).count();
    let given = total - found;
    let given_changed = cases
        .iter()
        .filter(|c| c.case.is_none() && c.comparison.changed())
        .count();
    let mut out = String::new();
    if found > 0 || given == 0 {
        out.push_str(&format!(
            "{found} kind{} of case decided differently by {} and {}\n",
            if found == 1 { "" } else { "s" },
            sides.old_name,
            sides.new_name
        ));
    }
    if given > 0 {
        out.push_str(&format!(
            "{given_changed} of {given} given case{} change{}\n",
            if given == 1 { "" } else { "s" },
            if given_changed == 1 { "s" } else { "" }
        ));
    }
    out
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|line| format!("{by}{line}\n")).collect()
}

/// The text report: a summary line, then each changed case.
pub fn render_text_report(
    sides: &Sides<'_>,
    cases: &[Compared<'_>],
    total: usize,
    style: TextStyle,
) -> String {
    let changed: Vec<&Compared<'_>> = cases.iter().filter(|c| c.comparison.changed()).collect();
    let mut out = summary(sides, cases, total);
    for case in changed {
        let comparison = case.comparison;
        out.push_str(&format!("\n{}\n", case.label));
        out.push_str(&format!(
            "  verdict: {} → {}\n",
            comparison.old_outcome.verdict, comparison.new_outcome.verdict
        ));
        if comparison.old_outcome.obligations != comparison.new_outcome.obligations {
            out.push_str(&format!(
                "  obligations: [{}] → [{}]\n",
                comparison.old_outcome.obligations.join(", "),
                comparison.new_outcome.obligations.join(", ")
            ));
        }
        if !comparison.responsible.is_empty() {
            out.push_str(&format!(
                "  rules responsible: {}\n",
                comparison.responsible.join(", ")
            ));
        }
        if let Some(witness) = case.case {
            out.push_str(&format!("  case: {witness}\n"));
        }
        out.push_str(&format!("  under {}:\n", sides.old_name));
        out.push_str(&indent(
            &render_text(sides.old, &comparison.old.0, &comparison.old.1, style),
            "    ",
        ));
        out.push_str(&format!("  under {}:\n", sides.new_name));
        out.push_str(&indent(
            &render_text(sides.new, &comparison.new.0, &comparison.new.1, style),
            "    ",
        ));
    }
    super::escape::for_terminal(&out, style.colour).into_owned()
}

/// The JSON report of `licit diff --format json`.
#[derive(Debug, Serialize)]
pub struct DiffJson<'p> {
    pub old: String,
    pub new: String,
    pub cases: usize,
    pub changed: Vec<ChangeJson<'p>>,
}

/// One changed case.
#[derive(Debug, Serialize)]
pub struct ChangeJson<'p> {
    pub case: String,
    pub old_verdict: String,
    pub new_verdict: String,
    pub old_obligations: Vec<String>,
    pub new_obligations: Vec<String>,
    pub rules_responsible: Vec<String>,
    /// The witness case, when the search found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<serde_json::Value>,
    pub old_decision: DecisionJson<'p>,
    pub new_decision: DecisionJson<'p>,
}

/// Builds the JSON report.
pub fn diff_json<'p>(sides: &Sides<'p>, cases: &[Compared<'_>], total: usize) -> DiffJson<'p> {
    DiffJson {
        old: sides.old_name.to_string(),
        new: sides.new_name.to_string(),
        cases: total,
        changed: cases
            .iter()
            .filter(|c| c.comparison.changed())
            .map(|case| {
                let comparison = case.comparison;
                ChangeJson {
                    case: case.label.to_string(),
                    old_verdict: comparison.old_outcome.verdict.clone(),
                    new_verdict: comparison.new_outcome.verdict.clone(),
                    old_obligations: comparison.old_outcome.obligations.clone(),
                    new_obligations: comparison.new_outcome.obligations.clone(),
                    rules_responsible: comparison.responsible.clone(),
                    witness: case.case.cloned(),
                    old_decision: decision_json(sides.old, &comparison.old.0, &comparison.old.1),
                    new_decision: decision_json(sides.new, &comparison.new.0, &comparison.new.1),
                }
            })
            .collect(),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown report: a table of changes, then each change with both explanations.
pub fn render_markdown_report(sides: &Sides<'_>, cases: &[Compared<'_>], total: usize) -> String {
    let changed: Vec<&Compared<'_>> = cases.iter().filter(|c| c.comparison.changed()).collect();
    let mut out = format!(
        "# Changes from {} to {}\n\n{}\n",
        sides.old_name,
        sides.new_name,
        summary(sides, cases, total)
            .replace('\n', "\n\n")
            .trim_end()
    );
    out.push('\n');
    if changed.is_empty() {
        return out;
    }
    out.push_str("| case | before | after | rules responsible |\n|---|---|---|---|\n");
    for case in &changed {
        out.push_str(&format!(
            "| {} | `{}` | `{}` | {} |\n",
            cell(case.label),
            cell(&case.comparison.old_outcome.verdict),
            cell(&case.comparison.new_outcome.verdict),
            cell(&case.comparison.responsible.join(", "))
        ));
    }
    for case in &changed {
        let comparison = case.comparison;
        out.push_str(&format!("\n## {}\n\n", case.label));
        if let Some(witness) = case.case {
            out.push_str(&format!(
                "Case:\n\n```json\n{}\n```\n\n",
                serde_json::to_string_pretty(witness).unwrap_or_default()
            ));
        }
        out.push_str(&format!("Before ({}):\n\n```\n", sides.old_name));
        out.push_str(&render_text(
            sides.old,
            &comparison.old.0,
            &comparison.old.1,
            TextStyle::default(),
        ));
        out.push_str(&format!("```\n\nAfter ({}):\n\n```\n", sides.new_name));
        out.push_str(&render_text(
            sides.new,
            &comparison.new.0,
            &comparison.new.1,
            TextStyle::default(),
        ));
        out.push_str("```\n");
    }
    super::escape::for_terminal(&out, false).into_owned()
}
