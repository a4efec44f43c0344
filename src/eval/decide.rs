//! Combining rules into a decision: which rules are in force, which conditions hold, which
//! exceptions suppress which rules, the strongest verdict, the obligations, and, when asked, the
//! trace that explains it.

use std::borrow::Cow;

use crate::check::ir::{RuleId, VerdictId};
use crate::syntax::calendar::Date;

use super::compiled::{Argument, Observed, Operand, Test};
use super::decision::{Decision, Obligation, Status};
use super::interpret::Env;
use super::ir::{Epoch, Part, Program};
use super::trace::{ConditionTrace, Trace};
use super::value::Value;

/// The state of a rule during one decision. One byte, so that the scratch's states are as
/// compact as a `Vec<u8>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum RuleState {
    /// Not a candidate, or a candidate whose conditions did not all hold: either way it can
    /// neither apply nor be the base of an exception that does.
    NotVisited,
    ConditionsHold,
    Triggered,
    /// An exception whose conditions held but none of whose bases was triggered.
    NoBase,
    /// Triggered, and no exception to it applies.
    Applied,
    /// Triggered, but an exception to it applies.
    Suppressed,
}

/// Per-thread working memory of decisions, so that deciding allocates nothing of its own.
#[derive(Default)]
struct Scratch {
    state: Vec<RuleState>,
    candidates: Vec<u32>,
    /// The candidates whose conditions held, in order: the only rules whose state is not
    /// `NotVisited`, so the passes after evaluating conditions visit only these.
    held: Vec<u32>,
    /// Whether a rule that held is an exception: only then are the rules that held resolved
    /// and settled. Without one, nothing is suppressed, and every rule that held applies (one
    /// with exceptions is marked so after its conditions, `applied_alone`).
    entangled: bool,
    /// The rule tree's walk.
    walk: super::tree::Walk,
    /// For rules with `for`: the member that made them apply.
    bindings: Vec<(u32, Value)>,
    /// What the conditions several rules share found, for explaining.
    shared: SharedResults,
}

/// Conditions that several rules have (the same text, in rules without `for`), so that
/// explaining a case evaluates each once and the others take what the first found (its truth,
/// and the range of the facts it read): in the EU rulebook
/// `case.activity in goods_movements` alone opens ten rules in force on most dates. Found once
/// per program, when it is lowered.
#[derive(Debug, Clone, Default)]
pub struct SharedConditions {
    /// Where each rule's conditions begin in one numbering of every rule's conditions, and
    /// where the last ends.
    starts: Vec<u32>,
    /// For each condition, by that numbering, the first that is the same expression reading
    /// the same facts (rule and position; found by their text, then checked with
    /// `==`), itself when there is none before it or its rule has `for`.
    first: Vec<(u32, u32)>,
    /// For each condition, by that numbering, the number of the first of `first`, or
    /// `u32::MAX` when no other condition is the same: what explaining looks up.
    first_slots: Vec<u32>,
    /// For each rule, what explaining asks first of every rule in force, in one place.
    rule_plans: Vec<RulePlan>,
    /// How many facts of the case conditions of one test of one fact read (see
    /// `Observed::case_fact`).
    case_facts: usize,
    /// For each epoch, whether every rule of its `rules` is in force on each of its days, so
    /// that explaining a case of that epoch visits them all without asking each about the date.
    whole_epochs: Vec<bool>,
    /// A number no other program lowered in this process has, so that what a trace remembers
    /// of one program's epoch is never taken for another's.
    program_number: u64,
    /// For each pair of epochs, by `first × epochs + second`, the range of `changed_rules`
    /// that lists the rules of the first not among the second's: the only entries of a trace
    /// to restore when a case of the second follows one of the first (both whole). Empty
    /// for a program with more epochs and rules than `MAX_PAIRED_EPOCHS_WORK` allows.
    epoch_changes: Vec<(u32, u32)>,
    /// The rules of `epoch_changes`' ranges.
    changed_rules: Vec<u32>,
}

/// What explaining asks of a rule in force before anything else.
#[derive(Debug, Clone, Copy)]
struct RulePlan {
    /// The `first_slots` entry of its first condition (`u32::MAX` for a rule without
    /// conditions).
    first_slot: u32,
    /// Where its conditions begin in the numbering of every rule's conditions.
    slots: u32,
    /// Whether it has `for`.
    bound: bool,
}

/// The most rules of epochs, each counted once for every epoch, that laying out
/// `SharedConditions::epoch_changes` may look at (its pairs grow as the square of the epochs):
/// the EU rulebook's are some tens of thousands; a policy with more explains without them.
const MAX_PAIRED_EPOCHS_WORK: usize = 1 << 20;

/// The number of the next program lowered (see `SharedConditions::program_number`).
static NEXT_PROGRAM_NUMBER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// What the shared conditions found on the cases explained on a thread.
#[derive(Default)]
struct SharedResults {
    /// For each condition first of its kind, by the program's numbering, what the last of them
    /// evaluated found: for which case (see `case`), whether it held, and where the facts it
    /// read are in the trace.
    results: Vec<SharedResult>,
    /// The number of the case being explained, counted on each explanation on the thread
    /// (whatever the program): a result of an earlier case, or of another program, never has
    /// the current number.
    case: u32,
    /// For each fact of the case that conditions of one test of one fact read, by its number
    /// (`Observed::case_fact`), where in the trace's facts it was recorded, for which case:
    /// every other such condition reading it on that case has the same range of the facts.
    case_facts: Vec<(u32, u32)>,
}

/// Whether two rules' conditions, by rule and position, are the same expression reading the
/// same facts.
fn same_condition(program: &Program, (a, i): (u32, u32), (b, j): (u32, u32)) -> bool {
    let part = |rule: u32, position: u32| {
        let rule = program.rules.get(rule as usize)?;
        let position = position as usize;
        Some((rule.conditions.get(position)?, rule.observed.get(position)?))
    };
    match (part(a, i), part(b, j)) {
        (Some((left, left_facts)), Some((right, right_facts))) => {
            left == right && left_facts == right_facts
        }
        _ => false,
    }
}

/// What one of a shared condition's rules found on a case.
#[derive(Debug, Clone, Copy, Default)]
struct SharedResult {
    case: u32,
    holds: bool,
    facts: (u32, u32),
    /// Where in the trace's conditions a rule whose first condition it is recorded it (then
    /// every rule that fails at it as its first condition shares that entry), or `u32::MAX`.
    first_entry: u32,
}

impl SharedResult {
    /// What a rule with this condition at `position`, its conditions recorded from `start` on
    /// in the trace, finds in the result: its truth and facts. The first rule to take it as
    /// its first condition makes its entry the one the others that fail there share.
    #[inline(always)]
    fn take(&mut self, position: usize, start: u32) -> (bool, std::ops::Range<u32>) {
        if position == 0 && self.first_entry == u32::MAX {
            self.first_entry = start;
        }
        (self.holds, self.facts.0..self.facts.1)
    }

    /// The result a rule found evaluating the condition at `position` (of a rule whose
    /// conditions are recorded from `start` on) on case `case`.
    #[inline(always)]
    fn found(
        case: u32,
        holds: bool,
        facts: std::ops::Range<u32>,
        (position, start): (usize, u32),
    ) -> SharedResult {
        SharedResult {
            case,
            holds,
            facts: (facts.start, facts.end),
            first_entry: if position == 0 { start } else { u32::MAX },
        }
    }
}

impl SharedResults {
    /// Readies the results for explaining a case of `program`: room for each of its
    /// conditions, and a new case number.
    fn prepare(&mut self, program: &Program) {
        let count = program.shared_conditions.first.len();
        if self.results.len() < count {
            self.results.resize(count, SharedResult::default());
        }
        let facts = program.shared_conditions.case_facts;
        if self.case_facts.len() < facts {
            self.case_facts.resize(facts, (0, 0));
        }
        self.case = self.case.wrapping_add(1);
        if self.case == 0 {
            // After four billion cases the numbers come round: forget every result.
            self.results.iter_mut().for_each(|result| result.case = 0);
            self.case_facts.iter_mut().for_each(|fact| fact.0 = 0);
            self.case = 1;
        }
    }
}

impl SharedConditions {
    /// Numbers every rule's conditions of a lowered program and finds, for each, the first
    /// with the same text that is the same expression.
    pub(super) fn of(program: &Program) -> SharedConditions {
        let mut seen: std::collections::HashMap<&str, (u32, u32)> =
            std::collections::HashMap::new();
        let mut shared = SharedConditions::default();
        let mut count = 0u32;
        for (index, rule) in program.rules.iter().enumerate() {
            shared.starts.push(count);
            let texts = program
                .policy
                .rules
                .get(index)
                .map(|r| r.conditions.as_slice());
            for position in 0..rule.conditions.len() {
                let here = (
                    u32::try_from(index).unwrap_or(u32::MAX),
                    u32::try_from(position).unwrap_or(u32::MAX),
                );
                let text = texts.and_then(|texts| texts.get(position));
                let first = match (text, &rule.for_each) {
                    (Some(condition), None) => *seen.entry(&condition.text).or_insert(here),
                    _ => here,
                };
                let first = if first == here || same_condition(program, first, here) {
                    first
                } else {
                    here
                };
                shared.first.push(first);
                count = count.saturating_add(1);
            }
        }
        shared.starts.push(count);
        shared.whole_epochs = program
            .epochs
            .iter()
            .map(|epoch| {
                epoch.rules.iter().all(|&rule| {
                    program.policy.rules.get(rule as usize).is_some_and(|rule| {
                        let period = &rule.in_force;
                        period.contains(epoch.start)
                            && match epoch.end {
                                Some(end) => period.contains(end),
                                None => period.until.is_none(),
                            }
                    })
                })
            })
            .collect();
        shared.first_slots = shared
            .first
            .iter()
            .map(|&(rule, position)| {
                let slot = shared.slot(rule as usize, position as usize);
                slot.and_then(|slot| u32::try_from(slot).ok())
                    .unwrap_or(u32::MAX)
            })
            .collect();
        // A condition no other is the same as has nothing to share: explaining neither looks
        // it up nor keeps what it found.
        let mut sharers = vec![0u32; shared.first_slots.len()];
        for &first in &shared.first_slots {
            if let Some(count) = sharers.get_mut(first as usize) {
                *count = count.saturating_add(1);
            }
        }
        for first in &mut shared.first_slots {
            if sharers.get(*first as usize).is_none_or(|&count| count < 2) {
                *first = u32::MAX;
            }
        }
        shared.rule_plans = program
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| RulePlan {
                first_slot: shared
                    .first_slots_of(index)
                    .first()
                    .copied()
                    .unwrap_or(u32::MAX),
                slots: shared.starts.get(index).copied().unwrap_or(u32::MAX),
                bound: rule.for_each.is_some(),
            })
            .collect();
        shared.program_number =
            NEXT_PROGRAM_NUMBER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Laying out the pairs looks at every rule of every epoch once for each epoch.
        let work = program
            .epochs
            .iter()
            .map(|epoch| epoch.rules.len())
            .sum::<usize>()
            .saturating_mul(program.epochs.len());
        if work <= MAX_PAIRED_EPOCHS_WORK {
            for first in &program.epochs {
                for second in &program.epochs {
                    let from = u32::try_from(shared.changed_rules.len()).unwrap_or(u32::MAX);
                    // Both lists are in increasing order.
                    let mut others = second.rules.iter().peekable();
                    for &rule in &first.rules {
                        while others.next_if(|&&other| other < rule).is_some() {}
                        if others.next_if_eq(&&rule).is_none() {
                            shared.changed_rules.push(rule);
                        }
                    }
                    let to = u32::try_from(shared.changed_rules.len()).unwrap_or(u32::MAX);
                    shared.epoch_changes.push((from, to));
                }
            }
        }
        shared
    }

    /// Says how many facts of the case conditions of one test of one fact read: compiling the
    /// conditions numbers them.
    pub(super) fn count_case_facts(&mut self, count: usize) {
        self.case_facts = count;
    }

    /// The rules of the epoch `first` not among those of the epoch `second`, when they were
    /// laid out.
    fn changed_rules(&self, first: u32, second: u32, epochs: usize) -> Option<&[u32]> {
        let pair = (first as usize)
            .checked_mul(epochs)?
            .checked_add(second as usize)?;
        let &(from, to) = self.epoch_changes.get(pair)?;
        self.changed_rules.get(from as usize..to as usize)
    }

    /// The place of a rule's condition in the numbering.
    fn slot(&self, rule: usize, position: usize) -> Option<usize> {
        let start = *self.starts.get(rule)? as usize;
        let slot = start + position;
        (slot < *self.starts.get(rule + 1)? as usize).then_some(slot)
    }

    /// For each of a rule's conditions, in order, the place of the first condition with the
    /// same text (`u32::MAX` for none): looked up once a rule, not once a condition.
    fn first_slots_of(&self, rule: usize) -> &[u32] {
        match self.starts.get(rule..rule.saturating_add(2)) {
            Some(&[start, end]) => self
                .first_slots
                .get(start as usize..end as usize)
                .unwrap_or(&[]),
            _ => &[],
        }
    }
}

impl Scratch {
    /// The `for` member that made a rule's conditions hold, if it has one.
    fn binding(&self, rule_id: u32) -> Option<&Value> {
        if self.bindings.is_empty() {
            return None;
        }
        self.bindings
            .iter()
            .find(|(r, _)| *r == rule_id)
            .map(|(_, v)| v)
    }
}

/// Where an explanation records a rule's conditions as they are evaluated: the trace's
/// conditions and the facts they read.
type ConditionSink = Trace;

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

impl Program {
    /// Decides a case (a record of the policy's input type) as of a date.
    pub fn decide(&self, case: &Value, date: Date) -> Decision {
        self.run(case, date, None)
    }

    /// Decides a case and explains the decision.
    pub fn explain(&self, case: &Value, date: Date) -> (Decision, Trace) {
        // Room up front for every rule and two conditions each, so the lists seldom grow.
        let mut trace = Trace::with_room(self.rules.len());
        let decision = self.run(case, date, Some(&mut trace));
        (decision, trace)
    }

    /// Decides a case and writes its explanation into `trace`, reusing its memory: what deciding
    /// many cases with their explanations one after another calls. The trace is a new one or
    /// one an explanation filled: only the entries the last explanation wrote are looked at
    /// again, so entries changed by hand in between may stay as they were changed.
    pub fn explain_into(&self, case: &Value, date: Date, trace: &mut Trace) -> Decision {
        self.run(case, date, Some(trace))
    }

    /// Decides a case into `decision`, reusing its vectors (the obligations and their
    /// arguments), and with a trace writes its explanation there as `explain_into` does: what a
    /// batch calls line after line, so that deciding allocates nothing once the vectors have
    /// grown. What `decision` held before is replaced whole.
    pub fn decide_reusing(
        &self,
        case: &Value,
        date: Date,
        trace: Option<&mut Trace>,
        decision: &mut Decision,
    ) {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.run_with(case, date, trace, &mut scratch, decision),
            // Only a re-entrant call finds the scratch busy; it gets its own.
            Err(_) => self.run_with(case, date, trace, &mut Scratch::default(), decision),
        });
    }

    /// A decision to be filled by `decide_reusing`: the `otherwise` verdict as of 1970-01-01,
    /// nothing more, no memory held.
    pub fn undecided(&self) -> Decision {
        Decision {
            date: Date::EPOCH,
            verdict: VerdictId::new(self.policy.otherwise),
            verdict_args: Vec::new(),
            decided_by: None,
            obligations: Vec::new(),
            policy_in_force: false,
        }
    }

    fn run(&self, case: &Value, date: Date, trace: Option<&mut Trace>) -> Decision {
        let mut decision = self.undecided();
        self.decide_reusing(case, date, trace, &mut decision);
        decision
    }

    /// The number of `epoch`, the epoch of `date`, when it has every rule it has in force on
    /// every one of its days, `date` among them.
    fn whole_epoch(&self, epoch: &Epoch, date: Date) -> Option<u32> {
        let position = self
            .epochs
            .partition_point(|epoch| epoch.start <= date)
            .checked_sub(1)?;
        let whole = epoch.start <= date
            && epoch.end.is_none_or(|end| date <= end)
            && self
                .shared_conditions
                .whole_epochs
                .get(position)
                .is_some_and(|&whole| whole);
        whole.then(|| u32::try_from(position).ok()).flatten()
    }

    fn run_with(
        &self,
        case: &Value,
        date: Date,
        mut trace: Option<&mut Trace>,
        scratch: &mut Scratch,
        decision: &mut Decision,
    ) {
        let epoch = self.epoch_at(date);
        let count = self.rules.len();
        if scratch.state.len() < count {
            scratch.state.resize(count, RuleState::NotVisited);
        }
        // Without an explanation only the rules an index leaves for this case are visited; with
        // one, every rule in force is, so that each can say why it did not apply.
        scratch.candidates.clear();
        let mut whole_epoch = None;
        let mut in_order = true;
        if trace.is_some() {
            whole_epoch = self.whole_epoch(epoch, date);
            if whole_epoch.is_some() {
                scratch.candidates.extend_from_slice(&epoch.rules);
            } else {
                scratch.candidates.extend(
                    epoch
                        .rules
                        .iter()
                        .filter(|rule| self.policy.rules[**rule as usize].in_force.contains(date)),
                );
            }
        } else {
            in_order = self.candidates(
                case,
                epoch,
                date,
                &mut scratch.candidates,
                &mut scratch.walk,
            );
        }
        if let Some(trace) = trace.as_deref_mut() {
            // Every candidate's entry is written whole when its conditions are evaluated.
            let shared = &self.shared_conditions;
            let written_epoch = whole_epoch.map(|epoch| (shared.program_number, epoch));
            trace.reset(count, &scratch.candidates, written_epoch, |last| {
                let this = whole_epoch?;
                shared.changed_rules(last, this, self.epochs.len())
            });
            scratch.shared.prepare(self);
        }
        let mut env = Env::new(self, case, epoch, date);
        scratch.bindings.clear();
        scratch.held.clear();
        scratch.entangled = false;
        self.evaluate_conditions(case, epoch, date, &mut env, scratch, trace.as_deref_mut());
        // The passes and the conclusion take the rules that held in rule order (declaration
        // order breaks ties between verdicts, and orders the obligations).
        if !in_order {
            super::tree::sort_few(&mut scratch.held);
        }
        // A rule whose conditions failed is left `NotVisited`, as a rule not in force: neither
        // is triggered, applies or suppresses, so only the rules that held need the passes,
        // and only when one of them is an exception (else every one applies: `applied_alone`).
        if scratch.entangled {
            for &rule_id in &scratch.held {
                self.resolve(rule_id as usize, &mut scratch.state);
            }
            for &rule_id in &scratch.held {
                self.settle(rule_id as usize, &mut scratch.state, &scratch.held);
            }
        } else {
            Self::applied_alone(&mut scratch.state, &scratch.held);
        }
        self.conclude(&mut env, scratch, date, epoch.policy_in_force, decision);
        if let Some(trace) = trace {
            self.record_statuses(&mut env, scratch, trace);
        }
        // Leave the scratch as it was found: only the rules that held were touched.
        for &rule_id in &scratch.held {
            scratch.state[rule_id as usize] = RuleState::NotVisited;
        }
    }

    /// Evaluates the conditions of every candidate, marking each in the scratch as holding or
    /// failed, with the `for` member that made them hold; with a trace, records each rule's
    /// conditions and, for now, the one that failed.
    fn evaluate_conditions<'a>(
        &'a self,
        case: &'a Value,
        epoch: &'a Epoch,
        date: Date,
        env: &mut Env<'a>,
        scratch: &mut Scratch,
        trace: Option<&mut Trace>,
    ) {
        if let Some(trace) = trace {
            self.explain_candidates(case, epoch, date, env, scratch, trace);
            return;
        }
        let Scratch {
            state,
            candidates,
            held,
            entangled,
            bindings,
            ..
        } = scratch;
        for &rule_id in candidates.iter() {
            // The candidates come from the rule tree, which tested their key conditions
            // already.
            let settled = epoch.settled.get(rule_id as usize).copied().unwrap_or(0);
            let holds =
                self.evaluate_rule(rule_id, case, epoch, date, settled, env, bindings, None);
            if holds {
                self.hold(rule_id, state, held, entangled);
            }
        }
    }

    /// `evaluate_conditions` with a trace: every rule in force is evaluated whole, and each
    /// records its conditions. Apart, so that deciding without one is compiled on its own.
    #[inline(never)]
    fn explain_candidates<'a>(
        &'a self,
        case: &'a Value,
        epoch: &'a Epoch,
        date: Date,
        env: &mut Env<'a>,
        scratch: &mut Scratch,
        trace: &mut Trace,
    ) {
        let Scratch {
            state,
            candidates,
            held,
            entangled,
            bindings,
            shared,
            ..
        } = scratch;
        for &rule_id in candidates.iter() {
            let index = rule_id as usize;
            let plan = self.shared_conditions.rule_plans.get(index);
            let holds = match plan {
                Some(plan) if !plan.bound => self.explain_rule(index, *plan, env, trace, shared),
                _ => self.evaluate_rule(rule_id, case, epoch, date, 0, env, bindings, Some(trace)),
            };
            if holds {
                self.hold(rule_id, state, held, entangled);
            }
        }
    }

    /// Evaluates one candidate's conditions (with `for`, for each member until they hold,
    /// which is bound in `bindings`), the conditions flagged in `settled` known true; whether
    /// they hold. With a trace, records them and writes the rule's entry as not applicable at
    /// the one that failed.
    #[expect(
        clippy::too_many_arguments,
        reason = "the state of deciding one case, borrowed apart from the scratch"
    )]
    #[inline(always)]
    fn evaluate_rule<'a>(
        &'a self,
        rule_id: u32,
        case: &'a Value,
        epoch: &'a Epoch,
        date: Date,
        settled: u64,
        env: &mut Env<'a>,
        bindings: &mut Vec<(u32, Value)>,
        mut sink: Option<&mut ConditionSink>,
    ) -> bool {
        let index = rule_id as usize;
        let rule = &self.rules[index];
        // The explanation's conditions receive the rule's in place, after the rules before.
        let start = sink.as_ref().map_or(0, |sink| sink.conditions.len());
        let facts_start = sink.as_ref().map_or(0, |sink| sink.facts.len());
        let (holds, failed) = match &rule.for_each {
            None => self.conditions(index, settled, env, sink.as_deref_mut()),
            Some(set) => 'bound: {
                // The first member for which every condition holds is the rule's binding.
                let compiled = self.compiled.get(index).and_then(|c| c.for_each.as_ref());
                // A set at a path of the case (its licences, most often) is read in place.
                let members = match compiled {
                    Some(Operand::Path(path)) => match path.read(env) {
                        Value::Set(members) => Some(members),
                        _ => None,
                    },
                    Some(operand) => match operand.read(env) {
                        Cow::Borrowed(Value::Set(members)) => Some(members),
                        _ => None,
                    },
                    None => None,
                };
                if let Some(members) = members {
                    // A set of the case: its members are bound where they are.
                    let mut result = (false, 0);
                    for member in members.iter() {
                        if let Some(sink) = sink.as_deref_mut() {
                            sink.conditions.truncate(start);
                            sink.facts.truncate(facts_start);
                        }
                        env.locals.push(member);
                        result = self.conditions(index, settled, env, sink.as_deref_mut());
                        env.locals.pop();
                        if result.0 {
                            bindings.push((rule_id, member.clone()));
                            break;
                        }
                    }
                    break 'bound result;
                }
                let members = env.value(set).set_members();
                let mut result = (false, 0);
                for member in &members {
                    if let Some(sink) = sink.as_deref_mut() {
                        sink.conditions.truncate(start);
                        sink.facts.truncate(facts_start);
                    }
                    let mut inner = Env::new(self, case, epoch, date);
                    inner.locals.push(member);
                    // A member is bound: these conditions are the rule's own.
                    result = self.conditions(index, settled, &mut inner, sink.as_deref_mut());
                    if result.0 {
                        bindings.push((rule_id, member.clone()));
                        break;
                    }
                }
                result
            }
        };
        if let Some(trace) = sink {
            let start = u32::try_from(start).unwrap_or(u32::MAX);
            trace.write_conditions(index, failed, start);
        }
        holds
    }

    /// Where no rule that held is an exception: every rule that held applies, as resolving
    /// (each is triggered: it is no exception) and settling (none of its exceptions held, so
    /// none applies) would find.
    fn applied_alone(state: &mut [RuleState], held: &[u32]) {
        for &rule_id in held {
            if let Some(rule_state) = state.get_mut(rule_id as usize) {
                *rule_state = RuleState::Applied;
            }
        }
    }

    /// Marks a rule whose conditions held. One with no exceptions that is no exception applies
    /// at once, as resolving and settling would find (they never visit it: no rule's bases or
    /// exceptions name it); any other holds until they run, and `entangled` says they must when
    /// the rule is an exception (a base without an exception that held applies: `applied_alone`).
    #[inline]
    fn hold(
        &self,
        rule_id: u32,
        state: &mut [RuleState],
        held: &mut Vec<u32>,
        entangled: &mut bool,
    ) {
        let index = rule_id as usize;
        let rule = &self.rules[index];
        state[index] = if rule.exceptions.is_empty() && rule.exception_to.is_empty() {
            RuleState::Applied
        } else {
            *entangled |= !rule.exception_to.is_empty();
            RuleState::ConditionsHold
        };
        held.push(rule_id);
    }

    /// The decision from the rules that apply: the strongest verdict (declaration order breaks
    /// ties) or the `otherwise` verdict, and the obligations of every applied rule, written into
    /// `decision` over what it held (its obligations' vectors reused in place).
    fn conclude<'a>(
        &'a self,
        env: &mut Env<'a>,
        scratch: &'a Scratch,
        date: Date,
        policy_in_force: bool,
        decision: &mut Decision,
    ) {
        let state = &scratch.state;
        let mut verdict: Option<(usize, usize)> = None;
        let mut written = 0;
        for &rule_id in &scratch.held {
            let index = rule_id as usize;
            if state[index] != RuleState::Applied {
                continue;
            }
            let rule = &self.rules[index];
            if let Some((kind, _)) = &rule.verdict
                && verdict.is_none_or(|(best, _)| *kind < best)
            {
                verdict = Some((*kind, index));
            }
            let binding = scratch.binding(rule_id);
            let compiled = self.compiled.get(index);
            let compiled = compiled.map_or(&[][..], |c| c.obligation_args.as_slice());
            for ((kind, _), args) in rule.obligations.iter().zip(compiled) {
                let rule = RuleId::new(index);
                match decision.obligations.get_mut(written) {
                    Some(obligation) => {
                        obligation.kind = *kind;
                        obligation.rule = rule;
                        Self::arguments(args, binding, env, &mut obligation.args);
                    }
                    None => {
                        let mut values = Vec::with_capacity(args.len());
                        Self::arguments(args, binding, env, &mut values);
                        decision.obligations.push(Obligation {
                            kind: *kind,
                            args: values,
                            rule,
                        });
                    }
                }
                written += 1;
            }
        }
        decision.obligations.truncate(written);
        let (verdict_kind, decided_by) = match verdict {
            Some((kind, rule)) => {
                let binding = scratch
                    .bindings
                    .iter()
                    .find(|(r, _)| *r as usize == rule)
                    .map(|(_, v)| v);
                match self.compiled.get(rule) {
                    Some(compiled) if compiled.verdict_args.is_empty() => {
                        decision.verdict_args.clear();
                    }
                    Some(compiled) => Self::arguments(
                        &compiled.verdict_args,
                        binding,
                        env,
                        &mut decision.verdict_args,
                    ),
                    None => decision.verdict_args.clear(),
                }
                (kind, Some(rule))
            }
            None => {
                decision.verdict_args.clear();
                (self.policy.otherwise, None)
            }
        };
        decision.date = date;
        decision.verdict = VerdictId::new(verdict_kind);
        decision.decided_by = decided_by.map(RuleId::new);
        decision.policy_in_force = policy_in_force;
    }

    /// Writes into the trace the status of every candidate whose conditions held (those that
    /// failed already say which condition), with its `because` text and `for` member.
    fn record_statuses<'a>(&'a self, env: &mut Env<'a>, scratch: &'a Scratch, trace: &mut Trace) {
        let state = &scratch.state;
        for &rule_id in &scratch.held {
            let index = rule_id as usize;
            let status = match state[index] {
                // A rule that held is never left unvisited; were it so, its entry would stay
                // as its failed conditions left it.
                RuleState::NotVisited => continue,
                RuleState::NoBase => Status::BaseNotApplicable,
                RuleState::Suppressed => Status::Suppressed {
                    by: self.rules[index]
                        .exceptions
                        .iter()
                        .copied()
                        .filter(|e| state[*e] == RuleState::Applied)
                        .collect(),
                },
                // After `resolve` and `settle` a rule whose conditions held is no longer
                // merely holding or triggered; were it so, it would read as applied.
                RuleState::ConditionsHold | RuleState::Triggered | RuleState::Applied => {
                    Status::Applied
                }
            };
            let binding = scratch.binding(rule_id);
            let because = self.because(index, binding, env, trace);
            if let Some(entry) = trace.rules.get_mut(index) {
                entry.status = status;
                entry.because = because;
                entry.binding = binding.cloned();
            }
        }
    }

    /// Whether a rule whose conditions were evaluated is triggered: its conditions hold and, if
    /// it is an exception, one of the rules it is an exception to is triggered.
    fn resolve(&self, index: usize, state: &mut [RuleState]) -> bool {
        match state[index] {
            RuleState::Triggered | RuleState::Applied | RuleState::Suppressed => true,
            RuleState::ConditionsHold => {
                let bases = &self.rules[index].exception_to;
                // Exceptions are acyclic (the checker says so), so this recursion ends.
                let triggered =
                    bases.is_empty() || bases.iter().any(|base| self.resolve(*base, state));
                state[index] = if triggered {
                    RuleState::Triggered
                } else {
                    RuleState::NoBase
                };
                triggered
            }
            RuleState::NotVisited | RuleState::NoBase => false,
        }
    }

    /// Whether a triggered rule applies: no exception to it applies. An exception that is itself
    /// suppressed (an exception to the exception applies) does not suppress its base. `held`
    /// lists the rules whose conditions held: no other is triggered, so only those of a rule's
    /// exceptions can apply, and a rule with more exceptions than there are rules that held
    /// looks among these for its exceptions rather than through its own list.
    fn settle(&self, index: usize, state: &mut [RuleState], held: &[u32]) -> RuleState {
        if state[index] == RuleState::Triggered {
            let exceptions = &self.rules[index].exceptions;
            // Exceptions are acyclic, so this recursion ends.
            let suppressed = if exceptions.len() > held.len() {
                held.iter().any(|&exception| {
                    let exception = exception as usize;
                    self.rules[exception].exception_to.contains(&index)
                        && self.settle(exception, state, held) == RuleState::Applied
                })
            } else {
                exceptions
                    .iter()
                    .any(|exception| self.settle(*exception, state, held) == RuleState::Applied)
            };
            state[index] = if suppressed {
                RuleState::Suppressed
            } else {
                RuleState::Applied
            };
        }
        state[index]
    }

    /// The `because` text of a rule whose conditions held, with its holes filled in (the
    /// rule's `for` member bound if it has one), written into a text of the trace's kept for
    /// reuse; `None` for a rule without one.
    fn because<'a>(
        &'a self,
        index: usize,
        binding: Option<&'a Value>,
        env: &mut Env<'a>,
        trace: &mut Trace,
    ) -> Option<String> {
        let parts = &self.rules[index].because;
        if parts.is_empty() {
            return None;
        }
        env.locals.extend(binding);
        // Room up front for the literal text and a short value in each hole, so that the text
        // is seldom grown more than once.
        let room = parts
            .iter()
            .map(|part| match part {
                Part::Text(literal) => literal.len(),
                Part::Hole(_) => 24,
            })
            .sum();
        let mut text = trace.spare_text();
        text.reserve(room);
        for part in parts {
            match part {
                Part::Text(literal) => text.push_str(literal),
                Part::Hole(expr) => match &*env.value(expr) {
                    Value::Text(plain) => text.push_str(plain),
                    // Written as `write_value` writes them, without the formatting machinery.
                    Value::Date(date) => date.push_to(&mut text),
                    Value::Enum(ty, member) => text.push_str(self.member_name(*ty, *member)),
                    other => self.write_value(other, &mut text),
                },
            }
        }
        if binding.is_some() {
            env.locals.pop();
        }
        Some(text)
    }

    /// The values of a conclusion's arguments, with the rule's `for` member bound if it has one,
    /// written into `values` over what it held.
    fn arguments<'a>(
        args: &'a [Argument],
        binding: Option<&'a Value>,
        env: &mut Env<'a>,
        values: &mut Vec<Value>,
    ) {
        env.locals.extend(binding);
        values.clear();
        values.extend(args.iter().map(|a| a.value(env).into_owned()));
        if binding.is_some() {
            env.locals.pop();
        }
    }

    /// Whether a rule's condition holds, with the facts it read pushed onto the trace's list,
    /// and where they are there.
    #[inline(always)]
    fn own_truth<'a>(
        condition: &'a Test,
        observed: &'a Observed,
        env: &mut Env<'a>,
        sink: &mut ConditionSink,
    ) -> (bool, std::ops::Range<u32>) {
        let from = u32::try_from(sink.facts.len()).unwrap_or(u32::MAX);
        let holds = env.test_observed(condition, observed, &mut sink.facts);
        let to = u32::try_from(sink.facts.len()).unwrap_or(u32::MAX);
        (holds, from..to)
    }

    /// Explains a rule without `for` (`plan` is its plan): evaluates its conditions in order up
    /// to the first that is false, recording each with the facts it read (a condition another
    /// rule has, evaluated already on this case, is taken from it), and writes the rule's
    /// entry as not applicable at the condition that failed; whether they all hold.
    ///
    /// Most rules in force fail at a first condition that rules before them had and found
    /// false (`case.activity == export`): such a rule shares that rule's entry in the trace's
    /// conditions, and is written with nothing else looked at. Most conditions of the others
    /// are either taken from another rule or one test of one fact (`case.destination == KP`):
    /// these are explained here, without the loop over any rule's conditions, which explains
    /// the rest from the first that is neither on.
    #[inline(always)]
    fn explain_rule<'a>(
        &'a self,
        index: usize,
        plan: RulePlan,
        env: &mut Env<'a>,
        trace: &mut Trace,
        shared: &mut SharedResults,
    ) -> bool {
        if let Some(first) = shared.results.get(plan.first_slot as usize)
            && first.case == shared.case
            && !first.holds
            && first.first_entry != u32::MAX
        {
            trace.write_failed_first(index, first.first_entry);
            return false;
        }
        let start = u32::try_from(trace.conditions.len()).unwrap_or(u32::MAX);
        let Some(rule) = self.compiled.get(index) else {
            trace.write_conditions(index, 0, start);
            return false;
        };
        let first_slots = &self.shared_conditions.first_slots;
        let mut position = 0;
        loop {
            if position == rule.tests.len() {
                trace.write_conditions(index, 0, start);
                return true;
            }
            let slot = match position {
                0 => plan.first_slot,
                _ => first_slots
                    .get((plan.slots as usize).saturating_add(position))
                    .copied()
                    .unwrap_or(u32::MAX),
            };
            let Some(holds) =
                self.explain_simply(rule, position, slot as usize, start, env, trace, shared)
            else {
                break;
            };
            if !holds {
                trace.write_conditions(index, position, start);
                return false;
            }
            position += 1;
        }
        self.explain_conditions(index, position, start, env, trace, shared)
    }

    /// Records the condition at `position` of a rule, whose conditions before it held, when it
    /// is simple to: taken from another rule that has it (its slot is `slot`) and evaluated it
    /// on this case, or one test of one fact. Whether it holds; `None`, with nothing recorded,
    /// for any other condition or none at `position`.
    #[expect(
        clippy::too_many_arguments,
        reason = "inlined into `explain_rule`, whose state it shares"
    )]
    #[inline(always)]
    fn explain_simply<'a>(
        &'a self,
        rule: &'a super::compiled::CompiledRule,
        position: usize,
        slot: usize,
        start: u32,
        env: &mut Env<'a>,
        trace: &mut Trace,
        shared: &mut SharedResults,
    ) -> Option<bool> {
        let case = shared.case;
        let (holds, facts) = match shared.results.get_mut(slot) {
            Some(result) if result.case == case => result.take(position, start),
            result => {
                rule.tests.get(position)?;
                let observed = rule.observed.get(position)?;
                let (holds, value) = env.one_test(observed)?;
                // A fact another such condition read on this case is recorded already.
                let from = match shared.case_facts.get_mut(observed.case_fact() as usize) {
                    Some(&mut (read, at)) if read == case => at,
                    fact => {
                        let at = u32::try_from(trace.facts.len()).unwrap_or(u32::MAX);
                        trace.facts.push(value.clone());
                        if let Some(fact) = fact {
                            *fact = (case, at);
                        }
                        at
                    }
                };
                let to = from.saturating_add(1);
                if let Some(result) = result {
                    *result = SharedResult::found(case, holds, from..to, (position, start));
                }
                (holds, from..to)
            }
        };
        trace.conditions.push(ConditionTrace {
            index: position,
            holds,
            observed: facts,
        });
        Some(holds)
    }

    /// `explain_rule` of a rule whose first condition is not one found false already: its
    /// conditions from the one at `from` on (those before, if any, are recorded already from
    /// `start` on in the trace's conditions, and held) evaluated, or taken from the rules that
    /// have them, one by one.
    #[inline(never)]
    fn explain_conditions<'a>(
        &'a self,
        index: usize,
        from: usize,
        start: u32,
        env: &mut Env<'a>,
        trace: &mut Trace,
        shared: &mut SharedResults,
    ) -> bool {
        let Some(rule) = self.compiled.get(index) else {
            trace.write_conditions(index, 0, start);
            return false;
        };
        let slots = self.shared_conditions.first_slots_of(index);
        let case = shared.case;
        let mut failed = None;
        for (position, test) in rule.tests.iter().enumerate().skip(from) {
            // A slot past the results (`u32::MAX` for a condition no other rule has) finds none.
            let slot = slots
                .get(position)
                .map_or(usize::MAX, |&slot| slot as usize);
            let (holds, facts) = match shared.results.get_mut(slot) {
                Some(result) if result.case == case => result.take(position, start),
                result => {
                    let observed = Observed::of_condition(rule, position);
                    // A condition reading one fact of the case that another condition read on
                    // this case already has that fact's range.
                    let fact = observed.case_fact() as usize;
                    let (holds, facts) = match shared.case_facts.get_mut(fact) {
                        Some(&mut (read, at)) if read == case => (
                            env.test_unobserved(test, observed),
                            at..at.saturating_add(1),
                        ),
                        fact => {
                            let (holds, facts) = Self::own_truth(test, observed, env, trace);
                            if let Some(fact) = fact {
                                *fact = (case, facts.start);
                            }
                            (holds, facts)
                        }
                    };
                    if let Some(result) = result {
                        *result =
                            SharedResult::found(case, holds, facts.clone(), (position, start));
                    }
                    (holds, facts)
                }
            };
            trace.conditions.push(ConditionTrace {
                index: position,
                holds,
                observed: facts,
            });
            if !holds {
                failed = Some(position);
                break;
            }
        }
        trace.write_conditions(index, failed.unwrap_or(0), start);
        failed.is_none()
    }

    /// Evaluates a rule's conditions in order, stopping at the first that is false: whether
    /// they all hold, and the one that did not. With a sink, each is recorded with its facts.
    /// Without one, the conditions flagged in `settled` (key conditions the rule tree found
    /// true) are not evaluated again.
    fn conditions<'a>(
        &'a self,
        index: usize,
        settled: u64,
        env: &mut Env<'a>,
        sink: Option<&mut ConditionSink>,
    ) -> (bool, usize) {
        let Some(rule) = self.compiled.get(index) else {
            return (false, 0);
        };
        let Some(sink) = sink else {
            // Without an explanation, which condition failed is not asked: the conditions the
            // tree did not settle are one test.
            if let Some((_, test)) = rule.unsettled.iter().find(|(mask, _)| *mask == settled) {
                return (env.test(test), 0);
            }
            let failed = rule.tests.iter().enumerate().position(|(position, test)| {
                let known = position < 64 && settled & (1 << position) != 0;
                !known && !env.test(test)
            });
            return (failed.is_none(), failed.unwrap_or(0));
        };
        for (position, test) in rule.tests.iter().enumerate() {
            // The facts go to the trace's one list: no allocation of the condition's own.
            let observed = Observed::of_condition(rule, position);
            let (holds, facts) = Self::own_truth(test, observed, env, sink);
            sink.conditions.push(ConditionTrace {
                index: position,
                holds,
                observed: facts,
            });
            if !holds {
                return (false, position);
            }
        }
        (true, 0)
    }
}
