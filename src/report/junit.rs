//! JUnit XML for `licit test --format junit`: one `testsuite` per policy, one `testcase` per
//! test, failures with their message and the explanation of the actual decision.

use crate::check::Source;
use crate::eval::TestOutcome;

use super::decision::{TextStyle, render_text};
use super::test_results::location;

/// One policy's outcomes with its name and sources.
pub struct Suite<'a> {
    pub name: &'a str,
    pub sources: &'a [Source],
    pub outcomes: &'a [TestOutcome],
}

/// Escapes text for XML attributes and content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters; keep tabs and newlines.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The whole JUnit document.
pub fn render_junit(suites: &[Suite<'_>]) -> String {
    let tests: usize = suites.iter().map(|s| s.outcomes.len()).sum();
    let failures: usize = suites
        .iter()
        .map(|s| s.outcomes.iter().filter(|o| !o.passed()).count())
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"licit\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n"
    ));
    for suite in suites {
        let failed = suite.outcomes.iter().filter(|o| !o.passed()).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">\n",
            escape(suite.name),
            suite.outcomes.len()
        ));
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
