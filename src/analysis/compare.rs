//! Comparing two policies on one case: the outcome (verdict with its arguments, and the
//! obligations) under each, and the rules whose fate differs.

use crate::eval::{Decision, Program, Status, Trace, Value};
use crate::syntax::calendar::Date;

/// What a decision amounts to, comparable across policies: the verdict as written and the
/// obligations as written, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: String,
    pub obligations: Vec<String>,
}

impl Outcome {
    /// The outcome in one line: the verdict, then the obligations.
    pub fn describe(&self) -> String {
        if self.obligations.is_empty() {
            self.verdict.clone()
        } else {
            format!("{} with {}", self.verdict, self.obligations.join(", "))
        }
    }
}

/// The outcome of a decision under a program, written as licit writes it.
pub fn outcome(program: &Program, decision: &Decision) -> Outcome {
    let verdict = program.format_conclusion(
        &program.policy.verdicts[decision.verdict],
        &decision.verdict_args,
    );
    let mut obligations: Vec<String> = decision
        .obligations
        .iter()
        .map(|o| program.format_conclusion(&program.policy.obligations[o.kind], &o.args))
        .collect();
    obligations.sort();
    obligations.dedup();
    Outcome {
        verdict,
        obligations,
    }
}

/// One case decided under both policies.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The case as the new policy read it.
    pub new_case: Value,
    /// The decision under the old policy, with its trace.
    pub old: (Decision, Trace),
    /// The decision under the new policy, with its trace.
    pub new: (Decision, Trace),
    /// The outcome under the old policy.
    pub old_outcome: Outcome,
    /// The outcome under the new policy.
    pub new_outcome: Outcome,
    /// Rules whose fate differs between the two (by name), with their status under each:
    /// a rule only one policy has counts when it applied there.
    pub responsible: Vec<String>,
}

impl Comparison {
    /// Whether the verdict, its arguments or the obligations differ.
    pub fn changed(&self) -> bool {
        self.old_outcome != self.new_outcome
    }
}

/// Decides a case under both policies (each with the case decoded for it) and compares.
pub fn compare(
    old: &Program,
    old_case: &Value,
    new: &Program,
    new_case: &Value,
    date: Date,
) -> Comparison {
    let (old_decision, old_trace) = old.explain(old_case, date);
    let (new_decision, new_trace) = new.explain(new_case, date);
    // By name, once: a rule an amendment replaced has two texts, and it applied if either did.
    let applied = |program: &Program, trace: &Trace| -> Vec<(String, bool)> {
        let mut applied: Vec<(String, bool)> = Vec::new();
        for rule in &trace.rules {
            let name = &program.policy.rules[rule.rule].name;
            let now = rule.status == Status::Applied;
            match applied.iter_mut().find(|(seen, _)| seen == name) {
                Some((_, before)) => *before |= now,
                None => applied.push((name.clone(), now)),
            }
        }
        applied
    };
    let old_applied = applied(old, &old_trace);
    let new_applied = applied(new, &new_trace);
    let mut responsible = Vec::new();
    for (name, applied_old) in &old_applied {
        let applied_new = new_applied
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| *a)
            .unwrap_or(false);
        if *applied_old != applied_new {
            responsible.push(name.clone());
        }
    }
    for (name, applied_new) in &new_applied {
        if *applied_new && !old_applied.iter().any(|(n, _)| n == name) {
            responsible.push(name.clone());
        }
    }
    let old_outcome = outcome(old, &old_decision);
    let new_outcome = outcome(new, &new_decision);
    Comparison {
        new_case: new_case.clone(),
        old: (old_decision, old_trace),
        new: (new_decision, new_trace),
        old_outcome,
        new_outcome,
        responsible,
    }
}
