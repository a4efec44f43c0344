//! Findings of `licit check --analyze` as diagnostics: a code, the rule's place, its citation,
//! and a witness case in the case format.

use std::fmt;

use miette::{Diagnostic, LabeledSpan, Severity};

use crate::analysis::{AssertOutcome, Finding, FindingKind};
use crate::eval::Program;

use super::decision::value_json;

/// One finding or one broken assertion, ready to render with its source.
#[derive(Debug, Clone)]
pub struct AnalysisDiagnostic {
    code: String,
    message: String,
    help: String,
    label: String,
    span: (usize, usize),
    error: bool,
    /// The file the place is in.
    pub file: usize,
}

impl fmt::Display for AnalysisDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AnalysisDiagnostic {}

impl Diagnostic for AnalysisDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<Severity> {
        Some(if self.error {
            Severity::Error
        } else {
            Severity::Warning
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.label.clone()),
            self.span.0,
            self.span.1.saturating_sub(self.span.0),
        ))))
    }
}

impl AnalysisDiagnostic {
    /// Whether this is an error (a broken assertion) rather than a warning.
    pub fn is_error(&self) -> bool {
        self.error
    }
}

fn witness_text(
    program: &Program,
    witness: &Option<(crate::eval::Value, crate::syntax::calendar::Date)>,
) -> String {
    match witness {
        Some((case, _)) => format!("for example: {}", value_json(program, case)),
        None => String::new(),
    }
}

/// A finding as a diagnostic at its rule (the rule's first line).
pub fn finding_diagnostic(
    program: &Program,
    finding: &Finding,
    rule_name_span: (usize, usize),
) -> AnalysisDiagnostic {
    let rules = &program.policy.rules;
    let rule = &rules[finding.rule];
    let other = finding
        .other
        .map(|o| format!("`{}` ({})", rules[o].name, rules[o].citation));
    let (message, label) = match finding.kind {
        FindingKind::NeverApplies => (
            format!("rule `{}` ({}) never applies", rule.name, rule.citation),
            "no case satisfies its conditions on any date it is in force".to_string(),
        ),
        FindingKind::AlwaysMasked => (
            format!(
                "rule `{}` ({}) never decides a case",
                rule.name, rule.citation
            ),
            format!(
                "wherever it applies, {} wins",
                other
                    .clone()
                    .unwrap_or_else(|| "a stronger verdict or an exception".to_string())
            ),
        ),
        FindingKind::ExceptionNeverBites => (
            format!("exception `{}` ({}) never bites", rule.name, rule.citation),
            format!(
                "its conditions hold only where {} does not apply",
                other
                    .clone()
                    .unwrap_or_else(|| "the rule it is an exception to".to_string())
            ),
        ),
        FindingKind::Redundant => (
            format!("rule `{}` ({}) is redundant", rule.name, rule.citation),
            format!(
                "wherever it applies, {} applies with the same conclusion",
                other.clone().unwrap_or_default()
            ),
        ),
        FindingKind::Conflict => (
            format!(
                "rules `{}` and {} conclude the same verdict with different arguments",
                rule.name,
                other.clone().unwrap_or_default()
            ),
            "both apply to one case, and no exception orders them".to_string(),
        ),
    };
    let mut help = witness_text(program, &finding.witness);
    let advice = match finding.kind {
        FindingKind::Conflict => "make one an exception to the other to say which wins".to_string(),
        _ => format!(
            "if this is intended, say why in the rule: `allow {} \"…\"`",
            finding.kind.name()
        ),
    };
    if help.is_empty() {
        help = advice;
    } else {
        help = format!("{help}\n{advice}");
    }
    AnalysisDiagnostic {
        code: format!("licit::analyze::{}", finding.kind.name()),
        message,
        help,
        label,
        span: rule_name_span,
        error: false,
        file: rule.place.file,
    }
}

/// A broken assertion as an error, with the case that breaks it.
pub fn assert_diagnostic(program: &Program, outcome: &AssertOutcome) -> Option<AnalysisDiagnostic> {
    let definition = &program.policy.asserts[outcome.assert];
    let (case, date) = outcome.counterexample.as_ref()?;
    let decision = program.decide(case, *date);
    let verdict = program.format_conclusion(
        &program.policy.verdicts[decision.verdict],
        &decision.verdict_args,
    );
    let by = decision
        .decided_by
        .map(|r| format!(" by `{}`", program.policy.rules[r].name))
        .unwrap_or_default();
    Some(AnalysisDiagnostic {
        code: "licit::analyze::assert_violated".to_string(),
        message: format!("assertion \"{}\" does not hold", definition.name),
        help: format!(
            "{}\nthis case is decided {verdict}{by}",
            witness_text(program, &outcome.counterexample)
        ),
        label: "broken by the case below".to_string(),
        span: (
            definition.place.span.start as usize,
            definition.place.span.start as usize + 6,
        ),
        error: true,
        file: definition.place.file,
    })
}
