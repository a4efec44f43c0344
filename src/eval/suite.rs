//! Running a policy's `test` blocks: decide each test's case and compare the decision with what
//! the test expects. The results are data; `report` renders them.

use std::sync::Arc;

use crate::check::Policy;
use crate::check::ir::{Expectation, Place, TestDef};
use crate::syntax::calendar::Date;

use super::case::{NO_DATE, case_date};
use super::decision::{Decision, Status};
use super::ir::Program;
use super::trace::Trace;
use super::value::Value;

/// The result of one test.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub name: String,
    pub place: Place,
    /// Expectations that did not hold, each said in one line.
    pub failures: Vec<String>,
    /// The decision and its explanation, when the test's case could be decided.
    pub decision: Option<(Decision, Trace)>,
    /// The program the test ran with (its parameters may differ from the defaults).
    pub program: Arc<Program>,
    /// Whether the test expects its explanation to equal a stored one.
    pub expects_explanation: bool,
}

impl TestOutcome {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Options that apply to every test of a run.
#[derive(Debug, Clone, Default)]
pub struct SuiteOptions {
    /// Decide every case as of this date instead of its own.
    pub as_of: Option<Date>,
    /// Parameter values for all tests; a test's own `param` lines take precedence.
    pub params: Vec<Option<Value>>,
    /// Run only tests whose name contains this text.
    pub filter: Option<String>,
}

/// Runs the tests of a checked policy.
pub fn run_tests(
    policy: &Arc<Policy>,
    base: &Arc<Program>,
    options: &SuiteOptions,
) -> Vec<TestOutcome> {
    let mut programs: Vec<(Vec<Option<Value>>, Arc<Program>)> = Vec::new();
    policy
        .tests
        .iter()
        .filter(|test| {
            options
                .filter
                .as_ref()
                .is_none_or(|filter| test.name.contains(filter.as_str()))
        })
        .map(|test| {
            let program = program_for(policy, base, options, test, &mut programs);
            run_one(&program, test, options)
        })
        .collect()
}

fn program_for(
    policy: &Arc<Policy>,
    base: &Arc<Program>,
    options: &SuiteOptions,
    test: &TestDef,
    cache: &mut Vec<(Vec<Option<Value>>, Arc<Program>)>,
) -> Arc<Program> {
    if test.params.is_empty() {
        return base.clone();
    }
    let mut overrides: Vec<Option<Value>> = (0..policy.params.len())
        .map(|index| options.params.get(index).cloned().flatten())
        .collect();
    for (index, expr) in &test.params {
        if let Some(slot) = overrides.get_mut(*index) {
            *slot = Some(base.constant_value(expr));
        }
    }
    if let Some((_, program)) = cache.iter().find(|(key, _)| *key == overrides) {
        return program.clone();
    }
    let program = Arc::new(Program::lower(policy.clone(), &overrides));
    cache.push((overrides, program.clone()));
    program
}

fn run_one(program: &Arc<Program>, test: &TestDef, options: &SuiteOptions) -> TestOutcome {
    let mut outcome = TestOutcome {
        name: test.name.clone(),
        place: test.place,
        failures: Vec::new(),
        decision: None,
        program: program.clone(),
        expects_explanation: test
            .expectations
            .iter()
            .any(|e| matches!(e, Expectation::Explanation)),
    };
    if !test.broken.is_empty() {
        outcome.failures = test
            .broken
            .iter()
            .map(|problem| format!("the test has a mistake: {problem}"))
            .collect();
        return outcome;
    }
    let Some(given) = &test.given else {
        outcome
            .failures
            .push("the test's case does not fit the policy's input".to_string());
        return outcome;
    };
    let case = program.constant_value(given);
    let Some(date) = options.as_of.or_else(|| case_date(&program.policy, &case)) else {
        outcome
            .failures
            .push(format!("{NO_DATE}; give one, or run with `--as-of`"));
        return outcome;
    };
    if let Some(index) = program.violated_assumption(&case, date) {
        outcome.failures.push(format!(
            "the test's case breaks the assumption \"{}\" (licit::case::assumption): {}",
            program.policy.assumptions[index].text,
            program.assumption_facts(index, &case, date)
        ));
        return outcome;
    }
    let (decision, trace) = program.explain(&case, date);
    outcome.failures = test
        .expectations
        .iter()
        .filter_map(|expectation| failure(program, &decision, &trace, expectation))
        .collect();
    outcome.decision = Some((decision, trace));
    outcome
}

/// The expectation with each rule it names taken as the rule's text in force on the date (a
/// rule an amendment replaced has one text before the amendment's date and one after).
fn texts_on(policy: &Policy, expectation: &Expectation, date: Date) -> Expectation {
    let on = |rule: usize| policy.rule_on(rule, date);
    match expectation {
        Expectation::DecidedBy(rule) => Expectation::DecidedBy(on(*rule)),
        Expectation::Applied(rule) => Expectation::Applied(on(*rule)),
        Expectation::NotApplied(rule) => Expectation::NotApplied(on(*rule)),
        Expectation::Suppressed { rule, by } => Expectation::Suppressed {
            rule: on(*rule),
            by: on(*by),
        },
        Expectation::Explanation
        | Expectation::Verdict { .. }
        | Expectation::Obligation { .. }
        | Expectation::NoObligation(_) => expectation.clone(),
    }
}

/// Says why an expectation does not hold, or `None` when it does.
fn failure(
    program: &Program,
    decision: &Decision,
    trace: &Trace,
    expectation: &Expectation,
) -> Option<String> {
    let policy = &program.policy;
    let expectation = &texts_on(policy, expectation, decision.date);
    let rule_name = |index: usize| policy.rules[index].name.as_str();
    let status = |index: usize| {
        trace
            .rules
            .iter()
            .find(|r| r.rule == index)
            .map(|r| &r.status)
    };
    let actual_verdict =
        program.format_conclusion(&policy.verdicts[decision.verdict], &decision.verdict_args);
    match expectation {
        // Compared by the caller, which holds the stored explanation.
        Expectation::Explanation => None,
        Expectation::Verdict { kind, args, text } => {
            let matches = decision.verdict.index() == *kind
                && args.iter().zip(&decision.verdict_args).all(|(want, got)| {
                    want.as_ref()
                        .is_none_or(|want| program.constant_value(want) == *got)
                });
            (!matches).then(|| format!("expected verdict `{text}`, got `{actual_verdict}`"))
        }
        Expectation::DecidedBy(rule) => match decision.decided_by {
            Some(actual) if actual.index() == *rule => None,
            Some(actual) => Some(format!(
                "expected the decision by `{}`, but `{}` decided it",
                rule_name(*rule),
                rule_name(actual.index())
            )),
            None => Some(format!(
                "expected the decision by `{}`, but no rule applied (`otherwise`)",
                rule_name(*rule)
            )),
        },
        Expectation::Applied(rule) => match status(*rule) {
            Some(Status::Applied) => None,
            other => Some(format!(
                "expected `{}` to apply, but it {}",
                rule_name(*rule),
                describe_status(policy, other)
            )),
        },
        Expectation::NotApplied(rule) => match status(*rule) {
            Some(Status::Applied) => Some(format!(
                "expected `{}` not to apply, but it applied",
                rule_name(*rule)
            )),
            _ => None,
        },
        Expectation::Suppressed { rule, by } => match status(*rule) {
            Some(Status::Suppressed { by: actual }) if actual.contains(by) => None,
            other => Some(format!(
                "expected `{}` to be suppressed by `{}`, but it {}",
                rule_name(*rule),
                rule_name(*by),
                describe_status(policy, other)
            )),
        },
        Expectation::Obligation { kind, args, text } => {
            let found = decision.obligations.iter().any(|obligation| {
                obligation.kind == *kind
                    && args.iter().zip(&obligation.args).all(|(want, got)| {
                        want.as_ref()
                            .is_none_or(|want| program.constant_value(want) == *got)
                    })
            });
            if found {
                return None;
            }
            let actual: Vec<String> = decision
                .obligations
                .iter()
                .map(|o| {
                    format!(
                        "`{}`",
                        program.format_conclusion(&policy.obligations[o.kind], &o.args)
                    )
                })
                .collect();
            let actual = if actual.is_empty() {
                "none".to_string()
            } else {
                actual.join(", ")
            };
            Some(format!("expected obligation `{text}`, got {actual}"))
        }
        Expectation::NoObligation(kind) => {
            let present: Vec<&str> = decision
                .obligations
                .iter()
                .filter(|o| o.kind == *kind)
                .map(|o| rule_name(o.rule.index()))
                .collect();
            (!present.is_empty()).then(|| {
                format!(
                    "expected no obligation `{}`, but {} imposed it",
                    policy.obligations[*kind].name,
                    present
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        }
    }
}

fn describe_status(policy: &Policy, status: Option<&Status>) -> String {
    match status {
        Some(Status::Applied) => "applied".to_string(),
        Some(Status::Suppressed { by }) => format!(
            "was suppressed by {}",
            by.iter()
                .map(|r| format!("`{}`", policy.rules[*r].name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(Status::NotInForce) => "was not in force".to_string(),
        Some(Status::NotApplicable { .. }) => "did not apply".to_string(),
        Some(Status::BaseNotApplicable) => {
            "did not apply (the rule it is an exception to did not)".to_string()
        }
        None => "was not considered".to_string(),
    }
}
