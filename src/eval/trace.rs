//! The explanation of a decision as data: for every rule its status, the conditions it
//! evaluated (one flat list of which each rule holds a range, and one of the facts they read)
//! and its `because` text.

use super::decision::Status;
use std::ops::Range;

use super::value::Value;

/// What happened to each rule: the explanation, as data.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// One entry per rule of the policy, in order.
    pub rules: Vec<RuleTrace>,
    /// The conditions every rule evaluated, rule after rule: each rule's `conditions` is a range
    /// of this list. One list, rather than one per rule, is what makes explaining cheap. Rules
    /// that fail at the same first condition (the same text, read on the same facts) may share
    /// its one entry: their ranges are then the same.
    pub conditions: Vec<ConditionTrace>,
    /// The facts every condition read, condition after condition: each condition's `observed`
    /// is a range of this list, so recording a condition allocates nothing however many facts
    /// it reads. A condition several rules share (the same text, read on the same facts) is
    /// read once: its range is each of theirs; and conditions that read one fact of the case,
    /// the same, have the same range of it.
    pub facts: Vec<Value>,
    /// The entries of `rules` the last explanation wrote (its candidates, in increasing
    /// order), and the number of rules it was for: every other entry is as `reset` left it,
    /// so the next reset restores only these. `None` for a trace no explanation filled.
    written: Option<(usize, Vec<u32>)>,
    /// The program and the epoch whose rules `written` lists, when they are every rule of an
    /// epoch (see `reset`).
    written_epoch: Option<(u64, u32)>,
    /// The `because` texts of entries written over, emptied, so that the next texts reuse
    /// their memory instead of allocating: at most one for each entry that ever had one.
    spare_texts: Vec<String>,
}

/// Traces are equal when they say the same: what the last reset remembers is not compared.
impl PartialEq for Trace {
    fn eq(&self, other: &Trace) -> bool {
        self.rules == other.rules
            && self.conditions == other.conditions
            && self.facts == other.facts
    }
}

impl Trace {
    /// An empty trace with room for `rules` rules and two conditions and facts each, so that
    /// its lists seldom grow.
    pub(super) fn with_room(rules: usize) -> Trace {
        Trace {
            rules: Vec::with_capacity(rules),
            conditions: Vec::with_capacity(2 * rules),
            facts: Vec::with_capacity(2 * rules),
            written: None,
            written_epoch: None,
            spare_texts: Vec::new(),
        }
    }

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

    /// Writes the entry of a rule whose conditions were evaluated, those from `start` on in
    /// `conditions`, as not applicable at the condition `failed` (deciding writes the status of
    /// those that held later). Field by field: `reset` left it as the last explanation wrote
    /// it, and only what holds something is dropped.
    #[inline(always)]
    pub(super) fn write_conditions(&mut self, rule: usize, failed: usize, start: u32) {
        let end = u32::try_from(self.conditions.len()).unwrap_or(u32::MAX);
        self.write_not_applicable(rule, failed, start..end);
    }

    /// Writes the entry of a rule that failed at its first condition as the one entry
    /// `condition` of `conditions`, which another rule with the same first condition wrote.
    #[inline(always)]
    pub(super) fn write_failed_first(&mut self, rule: usize, condition: u32) {
        self.write_not_applicable(rule, 0, condition..condition.saturating_add(1));
    }

    /// Writes the entry of a rule as not applicable at the condition `failed`, having evaluated
    /// the conditions `conditions`; a `because` text it held is kept for reuse.
    #[inline(always)]
    pub(super) fn write_not_applicable(
        &mut self,
        rule: usize,
        failed: usize,
        conditions: Range<u32>,
    ) {
        if let Some(entry) = self.rules.get_mut(rule) {
            entry.rule = rule;
            entry.status = Status::NotApplicable { failed };
            entry.conditions = conditions;
            if let Some(text) = entry.because.take() {
                self.spare_texts.push(text);
            }
            if entry.binding.is_some() {
                entry.binding = None;
            }
        }
    }

    /// An empty text for a `because`, with the memory of one written over if there is one.
    pub(super) fn spare_text(&mut self) -> String {
        let mut text = self.spare_texts.pop().unwrap_or_default();
        text.clear();
        text
    }

    /// Makes the trace ready to be filled in place for a policy of `count` rules: one entry per
    /// rule, in order, each not in force until deciding says otherwise; no conditions. The
    /// entries already there are reused, so explaining case after case allocates little.
    /// The entries of `written` (rule numbers in increasing order) need not be restored: the
    /// caller writes each of them whole.
    ///
    /// When the last explanation into this trace was for as many rules, only the entries it
    /// wrote are looked at (restored unless written again): the others are still as that
    /// reset left them, since nothing but explaining writes a trace's entries between two
    /// explanations. Otherwise every entry is.
    ///
    /// `epoch` names what `written` is when it is every rule of an epoch of a program (the
    /// program's number and the epoch's). When the last explanation's was one too, of the
    /// same program, `changed` is asked for the rules of that last epoch not in this one: if
    /// it knows them, only those entries are restored.
    pub(super) fn reset<'c>(
        &mut self,
        count: usize,
        written: &[u32],
        epoch: Option<(u64, u32)>,
        changed: impl FnOnce(u32) -> Option<&'c [u32]>,
    ) {
        self.conditions.clear();
        self.facts.clear();
        let last_epoch = self.written_epoch.take();
        let mut remembered = self.written.take();
        match &remembered {
            Some((last_count, last_written))
                if *last_count == count && self.rules.len() == count =>
            {
                let changed = match (last_epoch, epoch) {
                    (Some((last_program, last)), Some((program, _))) if last_program == program => {
                        changed(last)
                    }
                    _ => None,
                };
                match changed {
                    Some(rules) => self.restore_rules(rules),
                    None => self.restore(last_written, written),
                }
            }
            _ => self.reset_every_entry(count, written),
        }
        // The list's memory is reused for this explanation's.
        let mut list = remembered.take().map(|(_, list)| list).unwrap_or_default();
        list.clear();
        list.extend_from_slice(written);
        self.written = Some((count, list));
        self.written_epoch = epoch;
    }

    /// Restores to "not in force" the entries of `rules`.
    fn restore_rules(&mut self, rules: &[u32]) {
        for &rule in rules {
            if let Some(entry) = self.rules.get_mut(rule as usize) {
                entry.make_not_in_force(rule as usize, &mut self.spare_texts);
            }
        }
    }

    /// Restores to "not in force" the entries of `last` (written by the last explanation) when
    /// `written` differs. Those of `written` among them are restored too: finding them would
    /// cost more than writing them, and the caller writes each of them whole.
    fn restore(&mut self, last: &[u32], written: &[u32]) {
        // Cases of one epoch (most cases that follow one another) have the same rules in force.
        if last != written {
            self.restore_rules(last);
        }
    }

    /// Makes every entry not in force but those of `written`, looking at each.
    fn reset_every_entry(&mut self, count: usize, written: &[u32]) {
        self.rules.truncate(count);
        let mut next_written = 0;
        for (rule, entry) in self.rules.iter_mut().enumerate() {
            if written
                .get(next_written)
                .is_some_and(|&w| w as usize == rule)
            {
                next_written += 1;
                continue;
            }
            entry.make_not_in_force(rule, &mut self.spare_texts);
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
    pub conditions: Range<u32>,
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

    /// Makes an entry the one of a rule not in force, writing only what differs from it (most
    /// often the status and the conditions), so that what it holds is dropped only if it
    /// holds something; a `because` text goes to `spare` for reuse.
    #[inline(always)]
    fn make_not_in_force(&mut self, rule: usize, spare: &mut Vec<String>) {
        self.rule = rule;
        if !matches!(self.status, Status::NotInForce) {
            self.status = Status::NotInForce;
        }
        self.conditions = 0..0;
        if let Some(text) = self.because.take() {
            spare.push(text);
        }
        if self.binding.is_some() {
            self.binding = None;
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
    pub observed: Range<u32>,
}
