//! JUnit XML for `licit test --format junit`: one `testsuite` per policy, one `testcase` per
//! test, failures with their message and the explanation of the actual decision.

use crate::check::Source;
use crate::eval::TestOutcome;

use super::decision::{TextStyle, render_text};
use super::escape::for_xml as escape;
use super::test_results::location;

/// One policy's outcomes with its name and sources.
pub struct Suite<'a> {
    pub name: &'a str,
    pub sources: &'a [Source],
    pub outcomes: &'a [TestOutcome],
    /// Why the policy could not be loaded or checked (its diagnostics, drawn): the suite then
    /// has one test case, in error.
    pub error: Option<&'a str>,
}

/// The whole JUnit document.
pub fn render_junit(suites: &[Suite<'_>]) -> String {
    let tests: usize = suites
        .iter()
        .map(|s| s.outcomes.len() + usize::from(s.error.is_some()))
        .sum();
    let errors = suites.iter().filter(|s| s.error.is_some()).count();
    let failures: usize = suites
        .iter()
        .map(|s| s.outcomes.iter().filter(|o| !o.passed()).count())
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"licit\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n"
    ));
    for suite in suites {
        let failed = suite.outcomes.iter().filter(|o| !o.passed()).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"{}\" skipped=\"0\">\n",
            escape(suite.name),
            suite.outcomes.len() + usize::from(suite.error.is_some()),
            usize::from(suite.error.is_some())
        ));
        if let Some(error) = suite.error {
            out.push_str(&format!(
                "    <testcase name=\"the policy loads and checks\" classname=\"{name}\" file=\"{name}\">\n      <error message=\"the policy has errors; its tests were not run\" type=\"invalid_policy\">{}</error>\n    </testcase>\n",
                escape(error),
                name = escape(suite.name)
            ));
        }
        for outcome in suite.outcomes {
            let (file, line) = location(suite.sources, outcome);
            out.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line}\"",
                escape(&outcome.name),
                escape(&file),
                escape(&file)
            ));
            if outcome.passed() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            let message = outcome.failures.first().cloned().unwrap_or_default();
            let mut body = outcome.failures.join("\n");
            if let Some((decision, trace)) = &outcome.decision {
                body.push_str("\n\nexplanation of the actual decision:\n");
                body.push_str(&render_text(
                    &outcome.program,
                    decision,
                    trace,
                    TextStyle::default(),
                ));
            }
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"expectation\">{}</failure>\n",
                escape(&message),
                escape(&body)
            ));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
