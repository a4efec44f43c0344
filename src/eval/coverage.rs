//! Coverage of a policy by its tests: for every rule, whether some test made it apply and some
//! made it not apply; for every exception, whether it ever suppressed a rule; for every
//! condition, whether it was seen true and seen false.

use crate::check::Policy;

use super::decision::Status;
use super::suite::TestOutcome;

/// What the tests showed of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleCoverage {
    pub rule: usize,
    /// Some test made the rule apply.
    pub applied: bool,
    /// Some test had the rule in force but not applying (a condition false, suppressed, or an
    /// exception whose base did not apply).
    pub not_applied: bool,
    /// For an exception: whether some test saw it suppress a rule; `None` for other rules.
    pub suppressed_base: Option<bool>,
    /// For each condition: (seen true, seen false).
    pub conditions: Vec<(bool, bool)>,
}

impl RuleCoverage {
    /// The items covered and the items there are.
    pub fn counts(&self) -> (usize, usize) {
        let mut covered = usize::from(self.applied) + usize::from(self.not_applied);
        let mut total = 2;
        if let Some(suppressed) = self.suppressed_base {
            covered += usize::from(suppressed);
            total += 1;
        }
        for (seen_true, seen_false) in &self.conditions {
            covered += usize::from(*seen_true) + usize::from(*seen_false);
            total += 2;
        }
        (covered, total)
    }

    /// Whether every item of the rule is covered.
    pub fn complete(&self) -> bool {
        let (covered, total) = self.counts();
        covered == total
    }
}

/// Coverage of every rule of a policy by a set of test outcomes (all of that policy). The rules
/// an amendment inherits unchanged are left out: their own policy's tests cover them.
pub fn coverage(policy: &Policy, outcomes: &[TestOutcome]) -> Vec<RuleCoverage> {
    let mut rules: Vec<RuleCoverage> = policy
        .rules
        .iter()
        .enumerate()
        .map(|(rule, definition)| RuleCoverage {
            rule,
            applied: false,
            not_applied: false,
            suppressed_base: (!definition.exception_to.is_empty()).then_some(false),
            conditions: vec![(false, false); definition.conditions.len()],
        })
        .collect();
    rules.retain(|rule| !policy.rules[rule.rule].inherited);
    for outcome in outcomes {
        let Some((_, trace)) = &outcome.decision else {
            continue;
        };
        for rule_trace in &trace.rules {
            let Some(rule) = rules.iter_mut().find(|r| r.rule == rule_trace.rule) else {
                continue;
            };
            match &rule_trace.status {
                Status::Applied => rule.applied = true,
                Status::NotApplicable { .. }
                | Status::BaseNotApplicable
                | Status::Suppressed { .. } => rule.not_applied = true,
                Status::NotInForce => {}
            }
            for condition in trace.conditions(rule_trace) {
                if let Some(seen) = rule.conditions.get_mut(condition.index) {
                    if condition.holds {
                        seen.0 = true;
                    } else {
                        seen.1 = true;
                    }
                }
            }
            if let Status::Suppressed { by } = &rule_trace.status {
                for exception in by {
                    if let Some(exception) = rules.iter_mut().find(|r| r.rule == *exception) {
                        exception.suppressed_base = Some(true);
                    }
                }
            }
        }
    }
    rules
}
