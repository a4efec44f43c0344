//! Rendering test coverage: a summary per file and per rule, the rules not fully covered with
//! their citations, and the JSON form of `licit test --coverage --format json`.

use serde::Serialize;

use crate::check::{Policy, Source, line_column};
use crate::eval::coverage::RuleCoverage;

/// The share of items covered, in percent (100 when there is nothing to cover).
pub fn percent(covered: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        covered as f64 * 100.0 / total as f64
    }
}

/// Covered and total items over several rules.
pub fn totals(rules: &[RuleCoverage]) -> (usize, usize) {
    rules
        .iter()
        .map(RuleCoverage::counts)
        .fold((0, 0), |(c, t), (rc, rt)| (c + rc, t + rt))
}

fn gaps(policy: &Policy, rule: &RuleCoverage) -> Vec<String> {
    let definition = &policy.rules[rule.rule];
    let mut gaps = Vec::new();
    if !rule.applied {
        gaps.push("no test makes it apply".to_string());
    }
    if !rule.not_applied {
        gaps.push("no test has it in force but not applying".to_string());
    }
    if rule.suppressed_base == Some(false) {
        gaps.push("no test shows it suppressing the rule it is an exception to".to_string());
    }
    for (index, (seen_true, seen_false)) in rule.conditions.iter().enumerate() {
        let text = definition
            .conditions
            .get(index)
            .map(|c| c.text.as_str())
            .unwrap_or("");
        match (seen_true, seen_false) {
            (true, true) => {}
            (false, false) => gaps.push(format!("condition `{text}` is never evaluated")),
            (true, false) => gaps.push(format!("condition `{text}` is never false")),
            (false, true) => gaps.push(format!("condition `{text}` is never true")),
        }
    }
    gaps
}

/// The terminal report for one policy.
pub fn render_coverage(
    name: &str,
    sources: &[Source],
    policy: &Policy,
    rules: &[RuleCoverage],
) -> String {
    let (covered, total) = totals(rules);
    let mut out = format!(
        "coverage of {name}: {:.1}% ({covered} of {total} items; {} of {} rules fully covered)\n",
        percent(covered, total),
        rules.iter().filter(|r| r.complete()).count(),
        rules.len()
    );
    let mut files: Vec<usize> = rules
        .iter()
        .map(|r| policy.rules[r.rule].place.file)
        .collect();
    files.sort_unstable();
    files.dedup();
    for file in files {
        let in_file: Vec<RuleCoverage> = rules
            .iter()
            .filter(|r| policy.rules[r.rule].place.file == file)
            .cloned()
            .collect();
        let (covered, total) = totals(&in_file);
        let file_name = sources.get(file).map(|s| s.name.as_str()).unwrap_or("?");
        out.push_str(&format!(
            "  {:>5.1}%  {file_name} ({} rule{})\n",
            percent(covered, total),
            in_file.len(),
            if in_file.len() == 1 { "" } else { "s" }
        ));
    }
    let uncovered: Vec<&RuleCoverage> = rules.iter().filter(|r| !r.complete()).collect();
    if !uncovered.is_empty() {
        out.push_str("not fully covered:\n");
        for rule in uncovered {
            let definition = &policy.rules[rule.rule];
            let place = sources
                .get(definition.place.file)
                .map(|s| {
                    let (line, _) = line_column(&s.text, definition.place.span.start as usize);
                    format!("{}:{line}", s.name)
                })
                .unwrap_or_default();
            out.push_str(&format!(
                "  {} ({}) at {place}\n",
                definition.name, definition.citation
            ));
            for gap in gaps(policy, rule) {
                out.push_str(&format!("    - {gap}\n"));
            }
        }
    }
    super::escape::for_terminal(&out, false).into_owned()
}

/// The coverage of one policy in the JSON report.
#[derive(Debug, Serialize)]
pub struct CoverageJson {
    pub policy: String,
    pub percent: f64,
    pub covered: usize,
    pub total: usize,
    pub rules: Vec<RuleCoverageJson>,
}

/// The coverage of one rule in the JSON report.
#[derive(Debug, Serialize)]
pub struct RuleCoverageJson {
    pub rule: String,
    pub citation: String,
    pub file: String,
    pub line: usize,
    pub applied: bool,
    pub not_applied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_base: Option<bool>,
    pub conditions: Vec<ConditionCoverageJson>,
    pub gaps: Vec<String>,
}

/// Whether a condition was seen true and false.
#[derive(Debug, Serialize)]
pub struct ConditionCoverageJson {
    pub condition: String,
    pub seen_true: bool,
    pub seen_false: bool,
}

/// Builds the JSON coverage of one policy.
pub fn coverage_json(
    name: &str,
    sources: &[Source],
    policy: &Policy,
    rules: &[RuleCoverage],
) -> CoverageJson {
    let (covered, total) = totals(rules);
    CoverageJson {
        policy: name.to_string(),
        percent: percent(covered, total),
        covered,
        total,
        rules: rules
            .iter()
            .map(|rule| {
                let definition = &policy.rules[rule.rule];
                let (file, line) = sources
                    .get(definition.place.file)
                    .map(|s| {
                        (
                            s.name.clone(),
                            line_column(&s.text, definition.place.span.start as usize).0,
                        )
                    })
                    .unwrap_or_default();
                RuleCoverageJson {
                    rule: definition.name.clone(),
                    citation: definition.citation.clone(),
                    file,
                    line,
                    applied: rule.applied,
                    not_applied: rule.not_applied,
                    suppressed_base: rule.suppressed_base,
                    conditions: rule
                        .conditions
                        .iter()
                        .enumerate()
                        .map(|(index, (seen_true, seen_false))| ConditionCoverageJson {
                            condition: definition
                                .conditions
                                .get(index)
                                .map(|c| c.text.clone())
                                .unwrap_or_default(),
                            seen_true: *seen_true,
                            seen_false: *seen_false,
                        })
                        .collect(),
                    gaps: gaps(policy, rule),
                }
            })
            .collect(),
    }
}
