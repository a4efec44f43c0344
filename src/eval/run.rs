//! Deciding a case: which rules are in force, which conditions hold, which exceptions suppress
//! which rules, the strongest verdict, the obligations, and, when asked, the trace that explains it.

use std::borrow::Cow;

use crate::check::ir::Arith;
use crate::syntax::calendar::Date;

use super::program::{Epoch, Expr, Part, Program, RuleNode};
use super::value::Value;

/// The outcome for one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The date the case was decided as of.
    pub date: Date,
    /// The verdict kind, an index into the policy's verdicts.
    pub verdict: usize,
    pub verdict_args: Vec<Value>,
    /// The rule whose conclusion is the verdict; `None` when the `otherwise` verdict holds.
    pub decided_by: Option<usize>,
    /// Obligations of every applied rule: kind, arguments, and the rule that imposes it.
    pub obligations: Vec<Obligation>,
    /// Whether the policy itself is in force on the date.
    pub policy_in_force: bool,
}

/// One obligation a decision imposes.
#[derive(Debug, Clone, PartialEq)]
pub struct Obligation {
    pub kind: usize,
    pub args: Vec<Value>,
    pub rule: usize,
}

/// What happened to each rule: the explanation, as data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trace {
    /// One entry per rule of the policy, in order.
    pub rules: Vec<RuleTrace>,
    /// The conditions every rule evaluated, rule after rule: each rule's `conditions` is a range
    /// of this list. One list, rather than one per rule, is what makes explaining cheap.
    pub conditions: Vec<ConditionTrace>,
}

impl Trace {
    /// The conditions a rule evaluated, in order, up to the first that failed.
    pub fn conditions(&self, rule: &RuleTrace) -> &[ConditionTrace] {
        let range = rule.conditions.start as usize..rule.conditions.end as usize;
        self.conditions.get(range).unwrap_or(&[])
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

/// The fate of a rule on a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Its conditions held and no exception suppressed it.
    Applied,
    /// Its conditions held, but these exceptions to it applied.
    Suppressed { by: Vec<usize> },
    /// Not in force on the case's date.
    NotInForce,
    /// The condition with this index was false.
    NotApplicable { failed: usize },
    /// An exception whose conditions held, but none of the rules it is an exception to did.
    BaseNotApplicable,
}

/// One condition of a rule, as evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionTrace {
    pub index: usize,
    pub holds: bool,
    /// The facts the condition read, with their values (`none` when absent).
    /// In the order of the checked rule's `observed` list, which names them.
    pub observed: smallvec::SmallVec<[Value; 1]>,
}

/// The state of a rule during one decision.
const NOT_VISITED: u8 = 0;
const CONDITION_FAILED: u8 = 1;
const CONDITIONS_HOLD: u8 = 2;
const TRIGGERED: u8 = 3;
/// An exception whose conditions held but none of whose bases was triggered.
const NO_BASE: u8 = 4;
/// Triggered, and no exception to it applies.
const APPLIED: u8 = 5;
/// Triggered, but an exception to it applies.
const SUPPRESSED: u8 = 6;

/// Per-thread working memory of decisions, so that deciding allocates nothing of its own.
#[derive(Default)]
struct Scratch {
    state: Vec<u8>,
    candidates: Vec<u32>,
    /// For rules with `for`: the member that made them apply.
    bindings: Vec<(u32, Value)>,
}

/// Where an explanation records a rule's conditions as they are evaluated.
type ConditionSink = Vec<ConditionTrace>;

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The value at a path of fields from a record.
fn field_at<'v>(mut value: &'v Value, path: &[usize]) -> Option<&'v Value> {
    for position in path {
        match value {
            Value::Record(_, fields) => value = fields.get(*position)?,
            _ => return None,
        }
    }
    Some(value)
}

/// What an evaluation reads: the case, quantifier variables, and the epoch of the case's date.
pub(super) struct Env<'a> {
    program: &'a Program,
    case: &'a Value,
    epoch: &'a Epoch,
    date: Date,
    locals: Vec<&'a Value>,
}

impl<'a> Env<'a> {
    pub(super) fn new(
        program: &'a Program,
        case: &'a Value,
        epoch: &'a Epoch,
        date: Date,
    ) -> Env<'a> {
        Env {
            program,
            case,
            epoch,
            date,
            locals: Vec::new(),
        }
    }

    fn truth(&mut self, expr: &'a Expr) -> bool {
        match expr {
            Expr::And(items) => items.iter().all(|item| self.truth(item)),
            Expr::Or(items) => items.iter().any(|item| self.truth(item)),
            Expr::Not(inner) => !self.truth(inner),
            _ => self.value(expr).as_bool(),
        }
    }

    /// Evaluates an expression; paths into the case and constants are borrowed, not copied.
    pub(super) fn value(&mut self, expr: &'a Expr) -> Cow<'a, Value> {
        match expr {
            Expr::Value(value) => Cow::Borrowed(value),
            Expr::Case => Cow::Borrowed(self.case),
            Expr::Local(depth) => match self
                .locals
                .len()
                .checked_sub(depth + 1)
                .and_then(|i| self.locals.get(i))
            {
                Some(value) => Cow::Borrowed(*value),
                None => Cow::Owned(Value::None),
            },
            Expr::Const(index) => match self.epoch.consts.get(*index) {
                Some(value) => Cow::Borrowed(value),
                None => Cow::Owned(self.program.const_value_at(*index, self.date, self.epoch)),
            },
            // A set kept with its members' dates is built for the date when it is needed whole;
            // membership asks it directly (below).
            Expr::NamedSet(index) => {
                match (self.program.dated_set(*index), self.epoch.sets.get(*index)) {
                    (Some(dated), _) => Cow::Owned(dated.at(self.date)),
                    (None, Some(value)) => Cow::Borrowed(value),
                    (None, None) => {
                        Cow::Owned(self.program.set_value_at(*index, self.date, self.epoch))
                    }
                }
            }
            Expr::Field(base, position) => match self.value(base) {
                Cow::Borrowed(Value::Record(_, fields)) => match fields.get(*position) {
                    Some(value) => Cow::Borrowed(value),
                    None => Cow::Owned(Value::None),
                },
                Cow::Owned(Value::Record(_, fields)) => {
                    Cow::Owned(fields.get(*position).cloned().unwrap_or(Value::None))
                }
                _ => Cow::Owned(Value::None),
            },
            Expr::SetLit(members, is_enum) => {
                let values = members.iter().map(|m| self.value(m).into_owned()).collect();
                Cow::Owned(Value::set_of(values, *is_enum))
            }
            Expr::RecordLit(record, fields) => {
                let values: Vec<Value> =
                    fields.iter().map(|f| self.value(f).into_owned()).collect();
                Cow::Owned(Value::Record(*record, values.into()))
            }
            Expr::And(_) | Expr::Or(_) | Expr::Not(_) => Cow::Owned(Value::Bool(self.truth(expr))),
            Expr::Compare(op, left, right) => {
                let left = self.value(left);
                let right = self.value(right);
                Cow::Owned(Value::Bool(op.holds(left.total_cmp(&right))))
            }
            Expr::In(member, set) => {
                if let Expr::NamedSet(index) = &**set
                    && let Some(dated) = self.program.dated_set(*index)
                {
                    let holds = dated.contains(&self.value(member), self.date);
                    return Cow::Owned(Value::Bool(holds));
                }
                let member = self.value(member);
                let set = self.value(set);
                Cow::Owned(Value::Bool(set.has_member(&member)))
            }
            Expr::IsNone(inner) => {
                Cow::Owned(Value::Bool(matches!(*self.value(inner), Value::None)))
            }
            Expr::IsEmpty(inner) => {
                let empty = match &*self.value(inner) {
                    Value::EnumSet(_, set) => set.is_empty(),
                    Value::Set(members) => members.is_empty(),
                    _ => true,
                };
                Cow::Owned(Value::Bool(empty))
            }
            Expr::Arith(op, left, right) => {
                let left = self.value(left);
                let right = self.value(right);
                Cow::Owned(arithmetic(*op, &left, &right))
            }
            Expr::Quantifier { every, set, body } => {
                // `some` stops at the first member for which the body holds, `every` at the
                // first for which it does not.
                let set = self.value(set);
                let holds = match (&set, &*set) {
                    (Cow::Borrowed(Value::Set(members)), _) => {
                        let mut result = *every;
                        for member in members.iter() {
                            self.locals.push(member);
                            let holds = self.truth(body);
                            self.locals.pop();
                            if holds != *every {
                                result = holds;
                                break;
                            }
                        }
                        result
                    }
                    (_, Value::EnumSet(ty, members)) => {
                        let mut result = *every;
                        for member in members.members() {
                            let member = Value::Enum(*ty, member);
                            if self.with_local(&member, body) != *every {
                                result = !*every;
                                break;
                            }
                        }
                        result
                    }
                    (_, other) => {
                        let mut result = *every;
                        for member in other.set_members() {
                            if self.with_local(&member, body) != *every {
                                result = !*every;
                                break;
                            }
                        }
                        result
                    }
                };
                Cow::Owned(Value::Bool(holds))
            }
            Expr::If(condition, then, otherwise) => {
                if self.truth(condition) {
                    self.value(then)
                } else {
                    self.value(otherwise)
                }
            }
            Expr::StartsWith(text, prefix) => {
                let holds = match (&*self.value(text), &*self.value(prefix)) {
                    (Value::Text(text), Value::Text(prefix)) => text.starts_with(&**prefix),
                    _ => false,
                };
                Cow::Owned(Value::Bool(holds))
            }
            Expr::EndOfYear(date) => match &*self.value(date) {
                Value::Date(date) => {
                    let (year, _, _) = date.ymd();
                    Cow::Owned(
                        Date::from_ymd(year, 12, 31)
                            .map(Value::Date)
                            .unwrap_or(Value::None),
                    )
                }
                _ => Cow::Owned(Value::None),
            },
            Expr::AnyPrefix(text, set) => {
                if let Expr::NamedSet(index) = &**set
                    && let Some(dated) = self.program.dated_set(*index)
                {
                    let holds = match &*self.value(text) {
                        Value::Text(text) => dated.has_prefix_of(text, self.date),
                        _ => false,
                    };
                    return Cow::Owned(Value::Bool(holds));
                }
                let holds = match (&*self.value(text), &*self.value(set)) {
                    (Value::Text(text), Value::Set(members)) => text
                        .char_indices()
                        .map(|(i, c)| i + c.len_utf8())
                        .any(|end| {
                            let prefix = &text[..end];
                            members
                                .binary_search_by(|m| match m {
                                    Value::Text(m) => (**m).cmp(prefix),
                                    other => other.total_cmp(&Value::Text(prefix.into())),
                                })
                                .is_ok()
                        }),
                    _ => false,
                };
                Cow::Owned(Value::Bool(holds))
            }
            Expr::Count(set) => {
                let count = match &*self.value(set) {
                    Value::EnumSet(_, set) => set.len(),
                    Value::Set(members) => members.len(),
                    _ => 0,
                };
                Cow::Owned(Value::Int(i64::try_from(count).unwrap_or(i64::MAX)))
            }
        }
    }

    fn with_local<'b>(&mut self, member: &'b Value, body: &'a Expr) -> bool
    where
        'a: 'b,
    {
        // Locals borrow for 'a; a member of a set computed here lives shorter, so the body is
        // evaluated in an environment of that shorter lifetime.
        let mut inner: Env<'b> = Env {
            program: self.program,
            case: self.case,
            epoch: self.epoch,
            date: self.date,
            locals: self.locals.clone(),
        };
        inner.locals.push(member);
        inner.truth(body)
    }
}

pub(crate) fn arithmetic(op: Arith, left: &Value, right: &Value) -> Value {
    match (op, left, right) {
        (Arith::AddInt, Value::Int(a), Value::Int(b)) => Value::Int(a.saturating_add(*b)),
        (Arith::SubInt, Value::Int(a), Value::Int(b)) => Value::Int(a.saturating_sub(*b)),
        (Arith::MulInt, Value::Int(a), Value::Int(b)) => Value::Int(a.saturating_mul(*b)),
        (Arith::AddDecimal, Value::Decimal(a), Value::Decimal(b)) => {
            Value::Decimal(a.saturating_add(*b))
        }
        (Arith::SubDecimal, Value::Decimal(a), Value::Decimal(b)) => {
            Value::Decimal(a.saturating_sub(*b))
        }
        (Arith::MulDecimal, Value::Decimal(a), Value::Decimal(b)) => {
            Value::Decimal(a.saturating_mul(*b))
        }
        (Arith::AddDateDuration, Value::Date(d), Value::Duration(p)) => Value::Date(d.add(*p, 1)),
        (Arith::SubDateDuration, Value::Date(d), Value::Duration(p)) => Value::Date(d.add(*p, -1)),
        (Arith::AddDuration, Value::Duration(a), Value::Duration(b)) => {
            Value::Duration(a.plus(*b, 1))
        }
        (Arith::SubDuration, Value::Duration(a), Value::Duration(b)) => {
            Value::Duration(a.plus(*b, -1))
        }
        _ => Value::None,
    }
}

impl Program {
    /// Decides a case (a record of the policy's input type) as of a date.
    pub fn decide(&self, case: &Value, date: Date) -> Decision {
        self.run(case, date, None)
    }

    /// Decides a case and explains the decision.
    pub fn explain(&self, case: &Value, date: Date) -> (Decision, Trace) {
        // Room up front for every rule and two conditions each, so the lists seldom grow.
        let mut trace = Trace {
            rules: Vec::with_capacity(self.rules.len()),
            conditions: Vec::with_capacity(2 * self.rules.len()),
        };
        let decision = self.run(case, date, Some(&mut trace));
        (decision, trace)
    }

    /// Decides a case and writes its explanation into `trace`, reusing its memory: what deciding
    /// many cases with their explanations one after another calls.
    pub fn explain_into(&self, case: &Value, date: Date, trace: &mut Trace) -> Decision {
        self.run(case, date, Some(trace))
    }

    fn run(&self, case: &Value, date: Date, trace: Option<&mut Trace>) -> Decision {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.run_with(case, date, trace, &mut scratch),
            // Only a re-entrant call finds the scratch busy; it gets its own.
            Err(_) => self.run_with(case, date, trace, &mut Scratch::default()),
        })
    }

    fn run_with(
        &self,
        case: &Value,
        date: Date,
        mut trace: Option<&mut Trace>,
        scratch: &mut Scratch,
    ) -> Decision {
        let epoch = self.epoch(date);
        let count = self.rules.len();
        if scratch.state.len() < count {
            scratch.state.resize(count, NOT_VISITED);
        }
        // Without an explanation only the rules an index leaves for this case are visited; with
        // one, every rule in force is, so that each can say why it did not apply.
        scratch.candidates.clear();
        if trace.is_some() {
            scratch.candidates.extend(
                epoch
                    .rules
                    .iter()
                    .filter(|rule| self.policy.rules[**rule as usize].in_force.contains(date)),
            );
        } else {
            self.candidates(case, epoch, date, &mut scratch.candidates);
        }
        // The explanation is filled in place: one entry per rule, in order.
        if let Some(trace) = trace.as_deref_mut() {
            trace.rules.truncate(count);
            trace.conditions.clear();
            for (rule, entry) in trace.rules.iter_mut().enumerate() {
                entry.rule = rule;
                entry.status = Status::NotInForce;
                entry.conditions = 0..0;
                entry.because = None;
                entry.binding = None;
            }
            let start = trace.rules.len();
            trace.rules.extend((start..count).map(|rule| RuleTrace {
                rule,
                status: Status::NotInForce,
                conditions: 0..0,
                because: None,
                binding: None,
            }));
        }
        let mut env = Env::new(self, case, epoch, date);
        let state = &mut scratch.state;
        scratch.bindings.clear();
        for &rule_id in &scratch.candidates {
            let index = rule_id as usize;
            let rule = &self.rules[index];
            // The explanation's conditions receive the rule's in place, after the rules before.
            let mut sink = trace.as_deref_mut().map(|t| &mut t.conditions);
            let start = sink.as_ref().map_or(0, |sink| sink.len());
            let (holds, failed) = match &rule.for_each {
                None => self.conditions(index, &mut env, sink.as_deref_mut()),
                Some(set) => {
                    // The first member for which every condition holds is the rule's binding.
                    let members = env.value(set).set_members();
                    let mut result = (false, 0);
                    for member in &members {
                        if let Some(sink) = sink.as_deref_mut() {
                            sink.truncate(start);
                        }
                        let mut inner = Env::new(self, case, epoch, date);
                        inner.locals.push(member);
                        result = self.conditions(index, &mut inner, sink.as_deref_mut());
                        if result.0 {
                            scratch.bindings.push((rule_id, member.clone()));
                            break;
                        }
                    }
                    result
                }
            };
            if let Some(trace) = trace.as_deref_mut() {
                let end = u32::try_from(trace.conditions.len()).unwrap_or(u32::MAX);
                if let Some(entry) = trace.rules.get_mut(index) {
                    entry.status = Status::NotApplicable { failed };
                    entry.conditions = u32::try_from(start).unwrap_or(u32::MAX)..end;
                }
            }
            state[index] = if holds {
                CONDITIONS_HOLD
            } else {
                CONDITION_FAILED
            };
        }
        for &rule_id in &scratch.candidates {
            self.resolve(rule_id as usize, state);
        }
        for &rule_id in &scratch.candidates {
            self.settle(rule_id as usize, state);
        }
        let suppressed = |index: usize, state: &[u8]| state[index] == SUPPRESSED;
        let mut verdict: Option<(usize, usize)> = None;
        let mut obligations = Vec::new();
        for &rule_id in &scratch.candidates {
            let index = rule_id as usize;
            if state[index] != APPLIED {
                continue;
            }
            let rule = &self.rules[index];
            if let Some((kind, _)) = &rule.verdict
                && verdict.is_none_or(|(best, _)| *kind < best)
            {
                verdict = Some((*kind, index));
            }
            let binding = scratch
                .bindings
                .iter()
                .find(|(r, _)| *r == rule_id)
                .map(|(_, v)| v);
            for (kind, args) in &rule.obligations {
                let args = self.arguments(args, binding, &mut env);
                obligations.push(Obligation {
                    kind: *kind,
                    args,
                    rule: index,
                });
            }
        }
        let (verdict_kind, verdict_args, decided_by) = match verdict {
            Some((kind, rule)) => {
                let binding = scratch
                    .bindings
                    .iter()
                    .find(|(r, _)| *r as usize == rule)
                    .map(|(_, v)| v);
                let args = match &self.rules[rule].verdict {
                    Some((_, args)) => self.arguments(args, binding, &mut env),
                    None => Vec::new(),
                };
                (kind, args, Some(rule))
            }
            None => (self.policy.otherwise, Vec::new(), None),
        };
        if let Some(trace) = trace {
            for &rule_id in &scratch.candidates {
                let index = rule_id as usize;
                let status = match state[index] {
                    NOT_VISITED => Status::NotInForce,
                    CONDITION_FAILED => continue,
                    NO_BASE => Status::BaseNotApplicable,
                    _ if suppressed(index, state) => Status::Suppressed {
                        by: self.rules[index]
                            .exceptions
                            .iter()
                            .copied()
                            .filter(|e| state[*e] == APPLIED)
                            .collect(),
                    },
                    _ => Status::Applied,
                };
                let binding = scratch
                    .bindings
                    .iter()
                    .find(|(r, _)| *r == rule_id)
                    .map(|(_, v)| v);
                let because = self.because(index, binding, &mut env);
                if let Some(entry) = trace.rules.get_mut(index) {
                    entry.status = status;
                    entry.because = because;
                    entry.binding = binding.cloned();
                }
            }
        }
        // Leave the scratch as it was found: only visited rules were touched.
        for &rule_id in &scratch.candidates {
            scratch.state[rule_id as usize] = NOT_VISITED;
        }
        Decision {
            date,
            verdict: verdict_kind,
            verdict_args,
            decided_by,
            obligations,
            policy_in_force: epoch.policy_in_force,
        }
    }

    /// Whether a rule whose conditions were evaluated is triggered: its conditions hold and, if
    /// it is an exception, one of the rules it is an exception to is triggered.
    fn resolve(&self, index: usize, state: &mut [u8]) -> bool {
        match state[index] {
            TRIGGERED | APPLIED | SUPPRESSED => true,
            CONDITIONS_HOLD => {
                let bases = &self.rules[index].exception_to;
                // Exceptions are acyclic (the checker says so), so this recursion ends.
                let triggered =
                    bases.is_empty() || bases.iter().any(|base| self.resolve(*base, state));
                state[index] = if triggered { TRIGGERED } else { NO_BASE };
                triggered
            }
            _ => false,
        }
    }

    /// Whether a triggered rule applies: no exception to it applies. An exception that is itself
    /// suppressed (an exception to the exception applies) does not suppress its base.
    fn settle(&self, index: usize, state: &mut [u8]) -> u8 {
        if state[index] == TRIGGERED {
            // Exceptions are acyclic, so this recursion ends.
            let suppressed = self.rules[index]
                .exceptions
                .iter()
                .any(|exception| self.settle(*exception, state) == APPLIED);
            state[index] = if suppressed { SUPPRESSED } else { APPLIED };
        }
        state[index]
    }

    /// The rules a case can trigger in an epoch, in rule order: those of the branches of the
    /// epoch's rule tree its facts take whose key conditions all hold.
    fn candidates(&self, case: &Value, epoch: &Epoch, date: Date, out: &mut Vec<u32>) {
        // The facts key conditions read, each looked up once.
        let facts: smallvec::SmallVec<[Option<&Value>; 16]> = epoch
            .key_paths
            .iter()
            .map(|path| field_at(case, path))
            .collect();
        if epoch.tree.is_empty() {
            return;
        }
        let mut pending: smallvec::SmallVec<[u32; 16]> = smallvec::smallvec![0];
        let mut leaves = 0;
        while let Some(node) = pending.pop() {
            match epoch.tree.get(node as usize) {
                Some(RuleNode::Leaf(rules)) => {
                    leaves += 1;
                    out.extend(rules.iter().copied().filter(|rule| {
                        // A rule stays a candidate only if every key condition it has can hold
                        // and it can apply on the date (which its epoch says, unless the policy
                        // has too many rules' dates to split epochs by all of them).
                        epoch.requirements.of(*rule).iter().all(|(fact, members)| {
                            match facts.get(usize::from(*fact)).copied().flatten() {
                                Some(Value::Enum(_, member)) => members.contains(*member),
                                Some(Value::EnumSet(_, held)) => {
                                    !held.intersection(members).is_empty()
                                }
                                _ => false,
                            }
                        }) && self
                            .live
                            .get(*rule as usize)
                            .is_some_and(|p| p.contains(date))
                    }));
                }
                Some(RuleNode::Split {
                    fact,
                    by_member,
                    rest,
                }) => {
                    pending.extend(*rest);
                    match facts.get(usize::from(*fact)).copied().flatten() {
                        Some(Value::Enum(_, member)) => pending.extend(by_member.get(*member)),
                        // A set of the case: the branch of each of its members.
                        Some(Value::EnumSet(_, held)) => {
                            pending.extend(held.members().filter_map(|m| by_member.get(m)));
                        }
                        _ => {}
                    }
                }
                None => {}
            }
        }
        // Several leaves (and a rule under several members of a set) give rules out of order.
        if leaves > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }

    fn because<'a>(
        &'a self,
        index: usize,
        binding: Option<&'a Value>,
        env: &mut Env<'a>,
    ) -> Option<String> {
        let parts = &self.rules[index].because;
        if parts.is_empty() {
            return None;
        }
        env.locals.extend(binding);
        let mut text = String::new();
        for part in parts {
            match part {
                Part::Text(literal) => text.push_str(literal),
                Part::Hole(expr) => match &*env.value(expr) {
                    Value::Text(plain) => text.push_str(plain),
                    other => text.push_str(&self.format_value(other)),
                },
            }
        }
        if binding.is_some() {
            env.locals.pop();
        }
        Some(text)
    }

    /// The values of a conclusion's arguments, with the rule's `for` member bound if it has one.
    fn arguments<'a>(
        &'a self,
        args: &'a [Expr],
        binding: Option<&'a Value>,
        env: &mut Env<'a>,
    ) -> Vec<Value> {
        env.locals.extend(binding);
        let values = args.iter().map(|a| env.value(a).into_owned()).collect();
        if binding.is_some() {
            env.locals.pop();
        }
        values
    }

    /// Evaluates a rule's conditions in order, stopping at the first that is false: whether
    /// they all hold, and the one that did not. With a sink, each is recorded with its facts.
    fn conditions<'a>(
        &'a self,
        index: usize,
        env: &mut Env<'a>,
        sink: Option<&mut ConditionSink>,
    ) -> (bool, usize) {
        let rule = &self.rules[index];
        let Some(sink) = sink else {
            let failed = rule
                .conditions
                .iter()
                .position(|condition| !env.truth(condition));
            return (failed.is_none(), failed.unwrap_or(0));
        };
        for (position, condition) in rule.conditions.iter().enumerate() {
            let value = env.truth(condition);
            // Built in place: the facts are written straight into the entry.
            sink.push(ConditionTrace {
                index: position,
                holds: value,
                observed: smallvec::SmallVec::new(),
            });
            if let Some(entry) = sink.last_mut() {
                for expr in &rule.observed[position] {
                    entry.observed.push(env.value(expr).into_owned());
                }
            }
            if !value {
                return (false, position);
            }
        }
        (true, 0)
    }
}
