//! Evaluating lowered expressions on a case value, and the values of constants and sets on a
//! date, which lowering asks for while it builds each epoch (a constant may read another not
//! built yet, so the two recurse into each other and stay in this one file).

use std::borrow::Cow;
use std::cell::Cell;

use crate::check::ir::{self, Arith};
use crate::syntax::calendar::Date;

use super::ir::{Epoch, Expr, Program};
use super::lower_expr::enum_of;
use super::value::Value;

/// What an evaluation reads: the case, quantifier variables, and the epoch of the case's date.
pub(super) struct Env<'a> {
    pub(super) program: &'a Program,
    pub(super) case: &'a Value,
    pub(super) epoch: &'a Epoch,
    pub(super) date: Date,
    pub(super) locals: Locals<'a>,
}

thread_local! {
    /// The index of the epoch the thread looked up last, whatever the program: the next date
    /// asked for (the same case's, when its assumptions are checked and it is decided) is most
    /// often in it, which two comparisons say.
    static LAST_EPOCH: Cell<usize> = const { Cell::new(0) };
}

impl Program {
    /// The epoch that holds a date, as [`Program::epoch`] finds it, and remembered as the one
    /// the thread looked up last: what checking a case's assumptions, which deciding it
    /// follows, looks up.
    pub(super) fn find_epoch(&self, date: Date) -> &Epoch {
        let position = self
            .epochs
            .partition_point(|epoch| epoch.start <= date)
            .saturating_sub(1);
        LAST_EPOCH.with(|last| last.set(position));
        match self.epochs.get(position) {
            Some(epoch) => epoch,
            None => self.epoch(date),
        }
    }

    /// The epoch that holds a date, as [`Program::epoch`] finds it: the one the thread looked
    /// up last when it holds the date (it starts on or before it, and the next after it), else
    /// the one a search finds.
    pub(super) fn epoch_at(&self, date: Date) -> &Epoch {
        let last = LAST_EPOCH.with(Cell::get);
        if let Some(epoch) = self.epochs.get(last)
            && epoch.start <= date
            && self
                .epochs
                .get(last.wrapping_add(1))
                .is_none_or(|next| date < next.start)
        {
            return epoch;
        }
        self.find_epoch(date)
    }
}

/// What a variable out of reach reads, and what the places of `Locals` hold before a value.
static NO_VALUE: Value = Value::None;

/// How many quantifier variables `Locals` keeps in place; any further go to a vector.
const LOCALS_IN_PLACE: usize = 4;

/// The values of the quantifier variables and `for` members in scope, innermost last: the
/// first few in place, so that binding one (a licence of the case, a rule's `for` member)
/// allocates nothing, where a vector would on each new environment.
#[derive(Clone)]
pub(super) struct Locals<'a> {
    in_place: [&'a Value; LOCALS_IN_PLACE],
    /// How many variables are in scope.
    count: usize,
    /// The variables past the first `LOCALS_IN_PLACE`.
    further: Vec<&'a Value>,
}

impl<'a> Locals<'a> {
    /// No variables.
    pub(super) fn new() -> Locals<'a> {
        Locals {
            in_place: [&NO_VALUE; LOCALS_IN_PLACE],
            count: 0,
            further: Vec::new(),
        }
    }

    /// Binds a new innermost variable.
    #[inline]
    pub(super) fn push(&mut self, value: &'a Value) {
        match self.in_place.get_mut(self.count) {
            Some(place) => *place = value,
            None => self.further.push(value),
        }
        self.count += 1;
    }

    /// Unbinds the innermost variable, if there is one.
    #[inline]
    pub(super) fn pop(&mut self) {
        if self.count > LOCALS_IN_PLACE {
            self.further.pop();
        }
        self.count = self.count.saturating_sub(1);
    }

    /// Binds each of some values in turn (none or one, most often).
    pub(super) fn extend(&mut self, values: impl IntoIterator<Item = &'a Value>) {
        for value in values {
            self.push(value);
        }
    }

    /// The variable at a depth (0 is the innermost), if there is one so deep.
    #[inline]
    pub(super) fn at_depth(&self, depth: usize) -> Option<&'a Value> {
        let index = self.count.checked_sub(depth.checked_add(1)?)?;
        match self.in_place.get(index) {
            Some(value) => Some(*value),
            None => self.further.get(index - LOCALS_IN_PLACE).copied(),
        }
    }
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
            locals: Locals::new(),
        }
    }

    pub(super) fn truth(&mut self, expr: &'a Expr) -> bool {
        match expr {
            Expr::And(items) => items.iter().all(|item| self.truth(item)),
            Expr::Or(items) => items.iter().any(|item| self.truth(item)),
            Expr::Not(inner) => !self.truth(inner),
            // The tests most conditions are made of answer here, without a `Value` to wrap the
            // answer in; `value` asks `truth` for them.
            Expr::Compare(op, left, right) => {
                let left = self.operand(left);
                let right = self.operand(right);
                op.holds(left.total_cmp(&right))
            }
            Expr::In(member, set) => {
                if let Expr::NamedSet(index) = &**set
                    && let Some(dated) = self.program.dated_set(*index)
                {
                    return dated.contains(&self.operand(member), self.date);
                }
                let member = self.operand(member);
                let set = self.operand(set);
                set.has_member(&member)
            }
            Expr::IsNone(inner) => matches!(*self.operand(inner), Value::None),
            Expr::IsEmpty(inner) => match &*self.operand(inner) {
                Value::EnumSet(_, set) => set.is_empty(),
                Value::Set(members) => members.is_empty(),
                _ => true,
            },
            _ => self.value(expr).as_bool(),
        }
    }

    /// Whether a condition holds, with the values of the facts it reads (`observed`, in order)
    /// pushed onto `facts`: what an explanation records. A fact that is the first operand of
    /// the condition's test (`case.activity` in `case.activity == export`, most conditions) is
    /// the value the test already read, not read again.
    pub(super) fn truth_observed(
        &mut self,
        condition: &'a Expr,
        observed: &'a [Expr],
        facts: &mut Vec<Value>,
    ) -> bool {
        let (holds, operand) = match condition {
            Expr::Compare(op, left, right) => {
                let value = self.operand(left);
                let holds = op.holds(value.total_cmp(&self.operand(right)));
                (holds, Some((&**left, value)))
            }
            Expr::In(member, set) => {
                let value = self.operand(member);
                let dated = match &**set {
                    Expr::NamedSet(index) => self.program.dated_set(*index),
                    _ => None,
                };
                let holds = match dated {
                    Some(dated) => dated.contains(&value, self.date),
                    None => self.operand(set).has_member(&value),
                };
                (holds, Some((&**member, value)))
            }
            Expr::IsNone(inner) => {
                let value = self.operand(inner);
                (matches!(*value, Value::None), Some((&**inner, value)))
            }
            // `not in`, `is some`, `is not empty`: the test's own facts.
            Expr::Not(inner) => return !self.truth_observed(inner, observed, facts),
            _ => (self.truth(condition), None),
        };
        for expr in observed {
            let fact = match &operand {
                Some((read, value)) if same_path(read, expr) => Value::clone(value),
                _ => self.operand(expr).into_owned(),
            };
            facts.push(fact);
        }
        holds
    }

    /// The value of a path into the case or a quantifier's variable (`case.item.annex_i`,
    /// `l.valid_from`) or of a constant, borrowed, when there is one to borrow: what most
    /// operands of a condition are. A small function of its own, so that reading them does not
    /// go through `value`'s one large match at every step of the path.
    fn borrowed(&self, expr: &'a Expr) -> Option<&'a Value> {
        match expr {
            Expr::Case => Some(self.case),
            Expr::Value(value) => Some(value),
            Expr::Local(depth) => self.locals.at_depth(*depth),
            Expr::Field(base, position) => match self.borrowed(base)? {
                Value::Record(_, fields) => fields.get(*position),
                _ => None,
            },
            _ => None,
        }
    }

    /// An operand's value: borrowed where [`Env::borrowed`] finds it, else evaluated.
    #[inline]
    pub(super) fn operand(&mut self, expr: &'a Expr) -> Cow<'a, Value> {
        match self.borrowed(expr) {
            Some(value) => Cow::Borrowed(value),
            None => self.value(expr),
        }
    }

    /// Evaluates an expression; paths into the case and constants are borrowed, not copied.
    // One match over every kind of expression, longer than a function should be: it is the
    // interpreter's hot recursive path, and each arm is short; splitting arms into functions
    // would only move the dispatch about.
    pub(super) fn value(&mut self, expr: &'a Expr) -> Cow<'a, Value> {
        match expr {
            // A variable out of reach (never, in a checked policy) is `none`.
            Expr::Value(_) | Expr::Case | Expr::Local(_) => self
                .borrowed(expr)
                .map_or(Cow::Owned(Value::None), Cow::Borrowed),
            // Every epoch has all its constants and sets, built in dependency order
            // (`build_definitions`), so reading one never evaluates another.
            Expr::Const(index) => match self.epoch.consts.get(*index) {
                Some(value) => Cow::Borrowed(value),
                None => Cow::Owned(Value::None),
            },
            // A set kept with its members' dates is built for the date when it is needed whole;
            // membership asks it directly (below).
            Expr::NamedSet(index) => {
                match (self.program.dated_set(*index), self.epoch.sets.get(*index)) {
                    (Some(dated), _) => Cow::Owned(dated.at(self.date)),
                    (None, Some(value)) => Cow::Borrowed(value),
                    (None, None) => Cow::Owned(Value::None),
                }
            }
            Expr::Field(base, position) => match self.operand(base) {
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
            Expr::And(_)
            | Expr::Or(_)
            | Expr::Not(_)
            | Expr::Compare(..)
            | Expr::In(..)
            | Expr::IsNone(_)
            | Expr::IsEmpty(_) => Cow::Owned(Value::Bool(self.truth(expr))),
            Expr::Arith(op, left, right) => {
                let left = self.operand(left);
                let right = self.operand(right);
                Cow::Owned(arithmetic(*op, &left, &right))
            }
            Expr::Quantifier { every, set, body } => {
                // `some` stops at the first member for which the body holds, `every` at the
                // first for which it does not.
                let set = self.operand(set);
                let holds = match (&set, &*set) {
                    (Cow::Borrowed(Value::Set(members)), _) => {
                        self.quantify(members, *every, |env| env.truth(body))
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
                let holds = match (&*self.operand(text), &*self.operand(prefix)) {
                    (Value::Text(text), Value::Text(prefix)) => text.starts_with(&**prefix),
                    _ => false,
                };
                Cow::Owned(Value::Bool(holds))
            }
            Expr::EndOfYear(date) => match &*self.value(date) {
                Value::Date(date) => Cow::Owned(Value::Date(date.end_of_year())),
                _ => Cow::Owned(Value::None),
            },
            Expr::AnyPrefix(text, set) => {
                if let Expr::NamedSet(index) = &**set
                    && let Some(dated) = self.program.dated_set(*index)
                {
                    let holds = match &*self.operand(text) {
                        Value::Text(text) => dated.has_prefix_of(text, self.date),
                        _ => false,
                    };
                    return Cow::Owned(Value::Bool(holds));
                }
                let holds = match (&*self.operand(text), &*self.operand(set)) {
                    // A set of texts holds only texts, sorted.
                    (Value::Text(text), Value::Set(members)) => {
                        super::value::sorted_set_has_prefix_of(members, text)
                    }
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

    /// `some` (`every` false) or `every` member of a set of the case or a constant, each bound
    /// in turn as the innermost variable, for which `body` holds: stops at the first member for
    /// which it does not give `every`'s answer. The one loop of the interpreter and the compiled
    /// tests.
    pub(super) fn quantify(
        &mut self,
        members: &'a [Value],
        every: bool,
        mut body: impl FnMut(&mut Self) -> bool,
    ) -> bool {
        for member in members {
            self.locals.push(member);
            let holds = body(self);
            self.locals.pop();
            if holds != every {
                return holds;
            }
        }
        every
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

/// Whether two expressions are the same path into the case or a quantifier's variable, so
/// that both have the same value in one environment.
fn same_path(left: &Expr, right: &Expr) -> bool {
    match (left, right) {
        (Expr::Case, Expr::Case) => true,
        (Expr::Local(left), Expr::Local(right)) => left == right,
        (Expr::Field(left, a), Expr::Field(right, b)) => a == b && same_path(left, right),
        _ => false,
    }
}

pub(crate) fn arithmetic(op: Arith, left: &Value, right: &Value) -> Value {
    match (op, left, right) {
        (Arith::AddInt, Value::Int(a), Value::Int(b)) => Value::Int(a.saturating_add(*b)),
        (Arith::SubInt, Value::Int(a), Value::Int(b)) => Value::Int(a.saturating_sub(*b)),
        (Arith::MulInt, Value::Int(a), Value::Int(b)) => Value::Int(a.saturating_mul(*b)),
        (Arith::AddDecimal, Value::Decimal(a), Value::Decimal(b)) => {
            exact_decimal(a.checked_add(*b), a, b, a.scale().max(b.scale()))
        }
        (Arith::SubDecimal, Value::Decimal(a), Value::Decimal(b)) => {
            exact_decimal(a.checked_sub(*b), a, b, a.scale().max(b.scale()))
        }
        (Arith::MulDecimal, Value::Decimal(a), Value::Decimal(b)) => {
            exact_decimal(a.checked_mul(*b), a, b, a.scale() + b.scale())
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

/// The result of decimal arithmetic, which the checker proves exact: `rust_decimal` rounds a
/// result that does not fit (it lowers the scale) rather than fail, and the checker rejects
/// every expression whose bound (`check::ir::decimal_magnitude`) could need that
/// (`licit::check::decimal_overflow`). A debug build asserts it: a rounded result has fewer
/// digits after the point than its operands call for (a zero operand or result has its own).
fn exact_decimal(
    result: Option<rust_decimal::Decimal>,
    left: &rust_decimal::Decimal,
    right: &rust_decimal::Decimal,
    scale: u32,
) -> Value {
    debug_assert!(
        result.is_some_and(|d| d.scale() == scale
            || d.is_zero()
            || left.is_zero()
            || right.is_zero()),
        "decimal arithmetic on {left} and {right} is exact"
    );
    result.map_or(Value::None, Value::Decimal)
}

impl Program {
    /// The value of a constant on a date, reading from `epoch` the constants and sets it names,
    /// already built.
    pub(super) fn const_value_at(&self, index: usize, date: Date, epoch: &Epoch) -> Value {
        let Some(definition) = self.policy.consts.get(index) else {
            return self.dated_param_at(index, date, epoch);
        };
        let version = definition
            .versions
            .iter()
            .find(|(_, period)| period.contains(date))
            .or(definition.versions.last());
        match version {
            Some((expr, _)) => self.evaluate_constant(&self.lower_expr(expr), date, epoch),
            None => Value::None,
        }
    }

    /// The value of a parameter a dated amendment changes, by its place among the constants
    /// (see `Program::dated_params`): the newest amendment's default in force on the date, or
    /// the default.
    fn dated_param_at(&self, slot: usize, date: Date, epoch: &Epoch) -> Value {
        let Some(param) = self.dated_params.iter().position(|s| *s == Some(slot)) else {
            return Value::None;
        };
        let definition = &self.policy.params[param];
        match definition.versions.iter().find(|(_, p)| p.contains(date)) {
            Some((expr, _)) => self.evaluate_constant(&self.lower_expr(expr), date, epoch),
            None => self.params.get(param).cloned().unwrap_or(Value::None),
        }
    }

    /// The members of a named set on a date, evaluated as `const_value_at` evaluates constants.
    pub(super) fn set_value_at(&self, index: usize, date: Date, epoch: &Epoch) -> Value {
        let definition = &self.policy.sets[index];
        let removed: Vec<Value> = definition
            .removed
            .iter()
            .filter(|(_, period)| period.contains(date))
            .map(|(expr, _)| self.evaluate_constant(&self.lower_expr(expr), date, epoch))
            .collect();
        let members = definition
            .members
            .iter()
            .filter(|(_, period)| period.contains(date))
            .map(|(expr, _)| self.evaluate_constant(&self.lower_expr(expr), date, epoch))
            .filter(|value| !removed.contains(value))
            .collect();
        Value::set_of(members, enum_of(&definition.element))
    }

    /// Evaluates an expression that reads no case, on a date, in an epoch under construction.
    fn evaluate_constant(&self, expr: &Expr, date: Date, epoch: &Epoch) -> Value {
        let case = Value::None;
        Env::new(self, &case, epoch, date).value(expr).into_owned()
    }

    /// Whether a lowered condition holds of a case on a date (`analysis` confirms with it
    /// that a counterexample it found is in an assertion's scope).
    pub fn holds(&self, condition: &Expr, case: &Value, date: Date) -> bool {
        Env::new(self, case, self.find_epoch(date), date).truth(condition)
    }

    /// The value of an expression that reads no case (a parameter default, a test's case), as
    /// of the start of the policy's first epoch in force.
    pub fn constant_value(&self, expr: &ir::Expr) -> Value {
        let lowered = self.lower_expr(expr);
        let date = self.policy.in_force.from.unwrap_or(Date::EPOCH);
        match self.epochs.is_empty() {
            true => {
                let mut epoch = Epoch::new(date, None, true);
                self.build_definitions(&mut epoch, date, &self.definition_order());
                self.evaluate_constant(&lowered, date, &epoch)
            }
            false => self.evaluate_constant(&lowered, date, self.epoch(date)),
        }
    }
}
