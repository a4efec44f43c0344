//! The explanation of a decision as data: for every rule its status, the conditions it
//! evaluated (one flat list of which each rule holds a range, and one of the facts they read)
//! and its `because` text.

use super::decision::Status;
use super::value::Value;

/// What happened to each rule: the explanation, as data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trace {
    /// One entry per rule of the policy, in order.
    pub rules: Vec<RuleTrace>,
    /// The conditions every rule evaluated, rule after rule: each rule's `conditions` is a range
    /// of this list. One list, rather than one per rule, is what makes explaining cheap.
    pub conditions: Vec<ConditionTrace>,
    /// The facts every condition read, condition after condition: each condition's `observed`
    /// is a range of this list, so recording a condition allocates nothing however many facts
    /// it reads.
    pub facts: Vec<Value>,
}

impl Trace {
    /// The conditions a rule evaluated, in order, up to the first that failed.
    pub fn conditions(&self, rule: &RuleTrace) -> &[ConditionTrace] {
        let range = rule.conditions.start as usize..rule.conditions.end as usize;
        self.conditions.get(range).unwrap_or(&[])
    }

    /// The facts a condition read, with their values (`none` when absent), in the order of the
    /// checked condition's `observed` list, which names them.
    pub fn observed(&self, condition: &ConditionTrace) -> &[Value] {
        let range = condition.observed.start as usize..condition.observed.end as usize;
        self.facts.get(range).unwrap_or(&[])
    }

    /// Makes the trace ready to be filled in place for a policy of `count` rules: one entry per
    /// rule, in order, each not in force until deciding says otherwise; no conditions. The
    /// entries already there are reused, so explaining case after case allocates little.
    /// The entries of `written` (rule numbers in increasing order) are left as they are: the
    /// caller writes each of them whole.
    pub(super) fn reset(&mut self, count: usize, written: &[u32]) {
        self.rules.truncate(count);
        self.conditions.clear();
        self.facts.clear();
        let mut next_written = 0;
        // Most other entries are still as the last reset left them (the rules not in force on
        // either date): only the rest are written, which spares dropping what they hold.
        for (rule, entry) in self.rules.iter_mut().enumerate() {
            if written
                .get(next_written)
                .is_some_and(|&w| w as usize == rule)
            {
                next_written += 1;
                continue;
            }
            let pristine = entry.rule == rule
                && matches!(entry.status, Status::NotInForce)
                && entry.conditions.is_empty()
                && entry.because.is_none()
                && entry.binding.is_none();
            if !pristine {
                *entry = RuleTrace::not_in_force(rule);
            }
        }
        let start = self.rules.len();
        self.rules
            .extend((start..count).map(RuleTrace::not_in_force));
    }
}

/// What happened to one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleTrace {
    pub rule: usize,
    pub status: Status,
    /// The conditions evaluated, in order, up to the first that failed: a range of the trace's
    /// `conditions` (read them with `Trace::conditions`).
    pub conditions: std::ops::Range<u32>,
    /// The `because` text with its values filled in, for rules whose conditions held.
    pub because: Option<String>,
    /// For a rule with `for x in S`: the member for which its conditions held.
    pub binding: Option<Value>,
}

impl RuleTrace {
    /// The entry of a rule not in force: what every entry is until deciding says otherwise.
    fn not_in_force(rule: usize) -> RuleTrace {
        RuleTrace {
            rule,
            status: Status::NotInForce,
            conditions: 0..0,
            because: None,
            binding: None,
        }
    }
}

/// One condition of a rule, as evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionTrace {
    pub index: usize,
    pub holds: bool,
    /// The facts the condition read: a range of the trace's `facts` (read them with
    /// `Trace::observed`).
    pub observed: std::ops::Range<u32>,
}
