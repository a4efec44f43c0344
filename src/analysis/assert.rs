//! Proving the policy's `assert`s: on every date examined, the region of cases in an
//! assertion's scope that it does not allow is empty, or a case from it breaks the assertion.

use crate::check::ir::AssertCheck;
use crate::eval::{Program, Value};
use crate::syntax::calendar::Date;

use super::bdd::{FALSE, Node, TRUE};
use super::encode::{Search, SymEnv};
use super::error::SearchError;
use super::regions::RuleRegions;

/// The outcome of one `assert`.
#[derive(Debug, Clone)]
pub struct AssertOutcome {
    /// The assertion: an index into the policy's asserts.
    pub assert: usize,
    /// A case that breaks it; `None` when it is proven.
    pub counterexample: Option<(Value, Date)>,
}

/// For each assertion, the first violation found so far: where and when.
pub(super) struct Asserts<'p> {
    program: &'p Program,
    violations: Vec<Option<(Node, Date)>>,
}

impl<'p> Asserts<'p> {
    /// No violation found yet.
    pub(super) fn new(program: &'p Program) -> Asserts<'p> {
        Asserts {
            program,
            violations: vec![None; program.policy.asserts.len()],
        }
    }

    /// Looks for a violation of each assertion not yet broken, on one date.
    pub(super) fn observe(
        &mut self,
        search: &mut Search<'_>,
        regions: &RuleRegions,
        date: Date,
    ) -> Result<(), SearchError> {
        for index in 0..self.program.policy.asserts.len() {
            if self.violations[index].is_some() {
                continue;
            }
            let violation = self.violation(search, regions, date, index)?;
            if violation != FALSE {
                self.violations[index] = Some((violation, date));
            }
        }
        Ok(())
    }

    /// The cases in an assertion's scope (its `when`) that it does not allow, on one date.
    fn violation(
        &self,
        search: &mut Search<'_>,
        regions: &RuleRegions,
        date: Date,
        index: usize,
    ) -> Result<Node, SearchError> {
        let program = self.program;
        let assertion = &program.policy.asserts[index];
        let scope = match &assertion.when {
            Some(condition) => {
                let lowered = program.lower_expr(condition);
                let mut env = SymEnv {
                    program,
                    epoch: program.epoch(date),
                    date,
                    locals: Vec::new(),
                };
                search.current_rule = format!("assert {}", assertion.name);
                search.truth(&lowered, &mut env)?
            }
            None => TRUE,
        };
        let allowed = match &assertion.expect {
            AssertCheck::Verdicts(kinds) => {
                let mut allowed = if kinds.contains(&program.policy.otherwise) {
                    regions.otherwise
                } else {
                    FALSE
                };
                for (rule, definition) in program.rules.iter().enumerate() {
                    if definition
                        .verdict
                        .as_ref()
                        .is_some_and(|(kind, _)| kinds.contains(kind))
                    {
                        allowed = search.manager.or(allowed, regions.decides[rule])?;
                    }
                }
                allowed
            }
            // The rule's text in force on the date, when an amendment replaced it.
            AssertCheck::NotDecidedBy(rule) => {
                let rule = program.policy.rule_on(*rule, date);
                search.manager.not(regions.decides[rule])?
            }
        };
        let not_allowed = search.manager.not(allowed)?;
        let in_scope = search.manager.and(scope, regions.assumed)?;
        // The scope may read facts no rule does: only their values are cases.
        let valid = search.well_formed()?;
        let in_scope = search.manager.and(in_scope, valid)?;
        Ok(search.manager.and(in_scope, not_allowed)?)
    }

    /// Whether a case, decided concretely, breaks an assertion: it keeps the assumptions, is
    /// in the assertion's scope, and is not decided as the assertion expects.
    fn breaks(&self, index: usize, case: &Value, date: Date) -> bool {
        let program = self.program;
        let assertion = &program.policy.asserts[index];
        if !program.policy.in_force.contains(date)
            || program.violated_assumption(case, date).is_some()
        {
            return false;
        }
        let in_scope = assertion
            .when
            .as_ref()
            .is_none_or(|condition| program.holds(&program.lower_expr(condition), case, date));
        let decision = program.decide(case, date);
        in_scope
            && match &assertion.expect {
                AssertCheck::Verdicts(kinds) => !kinds.contains(&decision.verdict.index()),
                AssertCheck::NotDecidedBy(rule) => {
                    let rule = program.policy.rule_on(*rule, date);
                    decision.decided_by.map(|r| r.index()) == Some(rule)
                }
            }
    }

    /// Each assertion proven, or with a case that breaks it.
    pub(super) fn outcomes(
        self,
        search: &mut Search<'_>,
    ) -> Result<Vec<AssertOutcome>, SearchError> {
        let mut outcomes = Vec::new();
        for (index, violation) in self.violations.iter().copied().enumerate() {
            let counterexample = match violation {
                Some((region, date)) => {
                    let case = search.witness(region, date)?;
                    match self.breaks(index, &case, date) {
                        true => Some((case, date)),
                        // Found where the search approximated (an opaque condition took a
                        // truth the case does not give it): no counterexample, and not proven.
                        false => {
                            search.approximations.push(format!(
                                "the assertion \"{}\": the case the search found breaking it \
                                 keeps it when decided",
                                self.program.policy.asserts[index].name
                            ));
                            None
                        }
                    }
                }
                None => None,
            };
            outcomes.push(AssertOutcome {
                assert: index,
                counterexample,
            });
        }
        Ok(outcomes)
    }
}
