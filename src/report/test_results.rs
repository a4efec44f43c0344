//! Rendering the results of `licit test`: failures with expected against actual and the
//! explanation, a summary line, and the JSON report.

use serde::Serialize;

use crate::check::{Source, line_column};
use crate::eval::TestOutcome;

use super::decision::{DecisionJson, TextStyle, decision_json, render_text};

/// `file:line` of a test.
pub fn location(sources: &[Source], outcome: &TestOutcome) -> (String, usize) {
    match sources.get(outcome.place.file) {
        Some(source) => {
            let (line, _) = line_column(&source.text, outcome.place.span.start as usize);
            (source.name.clone(), line)
        }
        None => (String::from("?"), 0),
    }
}

/// The failures of a run, each with its explanation; passing tests are not listed.
pub fn render_failures(sources: &[Source], outcomes: &[TestOutcome], style: TextStyle) -> String {
    let mut out = String::new();
    for outcome in outcomes.iter().filter(|o| !o.passed()) {
        let (file, line) = location(sources, outcome);
        out.push_str(&format!("FAIL {file}:{line} \"{}\"\n", outcome.name));
        for failure in &outcome.failures {
            for (index, line) in failure.lines().enumerate() {
                let indent = if index == 0 { "  " } else { "    " };
                out.push_str(&format!("{indent}{line}\n"));
            }
        }
        if let Some((decision, trace)) = &outcome.decision {
            out.push_str("  explanation of the actual decision:\n");
            for text in render_text(&outcome.program, decision, trace, style).lines() {
                out.push_str(&format!("    {text}\n"));
            }
        }
        out.push('\n');
    }
    super::escape::for_terminal(&out, style.colour).into_owned()
}

/// The closing line: `N passed, N failed`.
pub fn summary(outcomes: &[TestOutcome]) -> String {
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    format!("{passed} passed, {} failed", outcomes.len() - passed)
}

/// The JSON report of `licit test --format json`.
#[derive(Debug, Serialize)]
pub struct TestReportJson<'p> {
    pub passed: usize,
    pub failed: usize,
    pub tests: Vec<TestJson<'p>>,
    /// With `--coverage`: one entry per policy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<super::coverage::CoverageJson>,
}

/// One test in the JSON report.
#[derive(Debug, Serialize)]
pub struct TestJson<'p> {
    pub name: String,
    pub file: String,
    pub line: usize,
    pub passed: bool,
    pub failures: Vec<String>,
    pub decision: Option<DecisionJson<'p>>,
}

/// Builds the JSON report entries of one policy's tests.
pub fn tests_json<'p>(sources: &[Source], outcomes: &'p [TestOutcome]) -> Vec<TestJson<'p>> {
    outcomes
        .iter()
        .map(|outcome| {
            let (file, line) = location(sources, outcome);
            TestJson {
                name: outcome.name.clone(),
                file,
                line,
                passed: outcome.passed(),
                failures: outcome.failures.clone(),
                decision: outcome
                    .decision
                    .as_ref()
                    .map(|(decision, trace)| decision_json(&outcome.program, decision, trace)),
            }
        })
        .collect()
}
