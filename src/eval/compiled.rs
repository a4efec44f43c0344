//! Conditions compiled once, when a policy is lowered, into tests specialised by their shape: a
//! path into the case as a list of field positions, an enum fact tested against constant
//! members with one bit test, a named set looked up in the case's epoch, a prefix test that
//! rules out most texts by their first byte. Whatever has no shape of its own here is left to
//! the interpreter (`Env::truth`), so a compiled test always answers as the interpreter would;
//! `Program::compiled_disagreements` says where they differ (never, as the tests hold).
//!
//! Every path that evaluates a rule's condition or an assumption on a case (deciding,
//! explaining with the facts a condition reads, checking assumptions) goes through here.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crate::check::ir::{Arith, Compare};
use crate::syntax::calendar::{Date, Duration};

use super::interpret::{Env, arithmetic};
use super::ir::{Expr, Program};
use super::value::{EnumSet, Value, sorted_set_has_prefix_of};

/// What a path that leads nowhere reads, as in the interpreter: `none`.
static NONE: Value = Value::None;

/// The most sets of settled conditions a rule is compiled for (see `CompiledRule::unsettled`).
const MAX_SETTLED_FORMS: usize = 4;

/// The most fields a compiled path has; a longer one is left to the interpreter.
const PATH_FIELDS: usize = 4;

/// A path of record fields from the case or from a quantifier's variable:
/// `case.item.annex_i` as the case and `[4, 1]`, kept in place (no allocation to follow). The
/// paths most conditions read, one or two fields from the case, have forms of their own, so
/// that reading them is a field or two and no loop or count.
#[derive(Debug, Clone, PartialEq)]
pub enum Path {
    /// A field of the case: `case.activity`.
    CaseField(usize),
    /// A field of a field of the case: `case.item.annex_i`.
    CaseFields(usize, usize),
    /// Any other path of at most `PATH_FIELDS` fields.
    Any {
        /// `None` for the case, else the variable's depth (0 is the innermost).
        local: Option<usize>,
        /// How many of `fields` the path has.
        length: usize,
        fields: [usize; PATH_FIELDS],
    },
}

impl Path {
    /// The path an expression names, if it is one of at most `PATH_FIELDS` fields.
    fn of(expr: &Expr) -> Option<Path> {
        let mut reversed = Vec::new();
        let mut expr = expr;
        let local = loop {
            match expr {
                Expr::Case => break None,
                Expr::Local(depth) => break Some(*depth),
                Expr::Field(base, position) => {
                    reversed.push(*position);
                    expr = base;
                }
                _ => return None,
            }
        };
        match (local, reversed.as_slice()) {
            (None, &[position]) => return Some(Path::CaseField(position)),
            (None, &[second, first]) => return Some(Path::CaseFields(first, second)),
            _ => {}
        }
        let mut fields = [0; PATH_FIELDS];
        if reversed.len() > PATH_FIELDS {
            return None;
        }
        for (slot, position) in fields.iter_mut().zip(reversed.iter().rev()) {
            *slot = *position;
        }
        Some(Path::Any {
            local,
            length: reversed.len(),
            fields,
        })
    }

    /// The value at the path, or `none` where it leads nowhere (a field of something that is
    /// not a record, a variable out of reach), as the interpreter reads it.
    #[inline(always)]
    pub(super) fn read<'a>(&self, env: &Env<'a>) -> &'a Value {
        let (local, length, fields) = match self {
            Path::CaseField(position) => return field(env.case, *position),
            Path::CaseFields(first, second) => return field(field(env.case, *first), *second),
            Path::Any {
                local,
                length,
                fields,
            } => (local, length, fields),
        };
        let value = match local {
            None => env.case,
            Some(depth) => match env.locals.at_depth(*depth) {
                Some(value) => value,
                None => return &NONE,
            },
        };
        // Unrolled by length (a path has at most `PATH_FIELDS` fields): most are one or two.
        let [first, second, third, fourth] = *fields;
        match length {
            0 => value,
            1 => field(value, first),
            2 => field(field(value, first), second),
            3 => field(field(field(value, first), second), third),
            _ => field(field(field(field(value, first), second), third), fourth),
        }
    }
}

/// A field of a record, or `none` for a field it does not have or a value that is not a record
/// (then every field further along the path is `none` too, as the interpreter reads it).
#[inline(always)]
fn field(value: &Value, position: usize) -> &Value {
    match value {
        Value::Record(_, fields) => fields.get(position).unwrap_or(&NONE),
        _ => &NONE,
    }
}

/// An operand of a test: a path, a value, a constant of the case's epoch, or any other
/// expression, which the interpreter evaluates.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(Value),
    Const(usize),
    Other(Expr),
}

impl Operand {
    fn of(expr: &Expr) -> Operand {
        if let Some(path) = Path::of(expr) {
            return Operand::Path(path);
        }
        match expr {
            Expr::Value(value) => Operand::Value(value.clone()),
            Expr::Const(index) => Operand::Const(*index),
            other => Operand::Other(other.clone()),
        }
    }

    /// Answers `answer` with the operand's value, borrowed without a `Cow` to look through
    /// where it is a path, a value or a constant: what the simple tests read their facts with.
    #[inline]
    fn with<'a, R>(
        &'a self,
        env: &mut Env<'a>,
        answer: impl FnOnce(&mut Env<'a>, &Value) -> R,
    ) -> R {
        match self {
            Operand::Path(path) => {
                let value = path.read(env);
                answer(env, value)
            }
            Operand::Value(value) => answer(env, value),
            Operand::Const(index) => {
                let value = env.epoch.consts.get(*index).unwrap_or(&NONE);
                answer(env, value)
            }
            Operand::Other(expr) => {
                let value = env.operand(expr);
                answer(env, &value)
            }
        }
    }

    /// The operand's value, borrowed where there is one to borrow.
    #[inline]
    pub(super) fn read<'a>(&'a self, env: &mut Env<'a>) -> Cow<'a, Value> {
        match self {
            Operand::Path(path) => Cow::Borrowed(path.read(env)),
            Operand::Value(value) => Cow::Borrowed(value),
            Operand::Const(index) => match env.epoch.consts.get(*index) {
                Some(value) => Cow::Borrowed(value),
                None => Cow::Owned(Value::None),
            },
            Operand::Other(expr) => env.operand(expr),
        }
    }
}

/// An argument of a rule's conclusion (its verdict's or an obligation's) compiled: an operand,
/// or a value computed from operands by arithmetic and `end_of_year`, as most obligations'
/// dates are (`end_of_year(case.date) + record_keeping_period`). Evaluates as `Env::value` does
/// on the expression it was compiled from.
#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    Operand(Operand),
    Arith(Arith, Box<Argument>, Box<Argument>),
    EndOfYear(Box<Argument>),
}

impl Argument {
    fn of(expr: &Expr) -> Argument {
        match expr {
            Expr::Arith(op, left, right) => Argument::Arith(
                *op,
                Box::new(Argument::of(left)),
                Box::new(Argument::of(right)),
            ),
            Expr::EndOfYear(date) => Argument::EndOfYear(Box::new(Argument::of(date))),
            other => Argument::Operand(Operand::of(other)),
        }
    }

    /// The argument's value, borrowed where there is one to borrow.
    pub(super) fn value<'a>(&'a self, env: &mut Env<'a>) -> Cow<'a, Value> {
        match self {
            Argument::Operand(operand) => operand.read(env),
            // A date worked out from dates and durations (`end_of_year(case.date) + period`)
            // is worked out as a date, without a value for each step.
            Argument::Arith(Arith::AddDateDuration | Arith::SubDateDuration, ..)
            | Argument::EndOfYear(_) => Cow::Owned(self.date(env).map_or(Value::None, Value::Date)),
            Argument::Arith(op, left, right) => {
                let left = left.value(env);
                let right = right.value(env);
                Cow::Owned(arithmetic(*op, &left, &right))
            }
        }
    }

    /// The argument's value if it is a date, as `value` gives it (`None` where `value` gives
    /// anything else): `end_of_year` and the sum or difference of a date and a duration are
    /// worked out on the dates themselves.
    fn date<'a>(&'a self, env: &mut Env<'a>) -> Option<Date> {
        match self {
            Argument::Operand(Operand::Path(path)) => match path.read(env) {
                Value::Date(date) => Some(*date),
                _ => None,
            },
            Argument::Operand(operand) => operand.with(env, |_, value| match value {
                Value::Date(date) => Some(*date),
                _ => None,
            }),
            Argument::EndOfYear(date) => date.date(env).map(Date::end_of_year),
            Argument::Arith(
                op @ (Arith::AddDateDuration | Arith::SubDateDuration),
                left,
                right,
            ) => {
                // The end of a year and a period (`end_of_year(case.date) + period`, the
                // records' dates) is the same for every day of the year: looked up by it.
                let (year_of, date) = match &**left {
                    // `case.date`, most often: read in place.
                    Argument::EndOfYear(inner) => match &**inner {
                        Argument::Operand(Operand::Path(path)) => match path.read(env) {
                            Value::Date(date) => (true, *date),
                            _ => return None,
                        },
                        _ => (true, inner.date(env)?),
                    },
                    _ => (false, left.date(env)?),
                };
                let duration = match &**right {
                    // A period is most often a constant: read where it is.
                    Argument::Operand(operand) => operand.with(env, |_, value| match value {
                        Value::Duration(duration) => Some(*duration),
                        _ => None,
                    })?,
                    _ => match &*right.value(env) {
                        Value::Duration(duration) => *duration,
                        _ => return None,
                    },
                };
                let sign = if matches!(op, Arith::SubDateDuration) {
                    -1
                } else {
                    1
                };
                Some(match year_of {
                    true => end_of_year_plus(date, duration, sign),
                    false => date.add(duration, sign),
                })
            }
            Argument::Arith(..) => match &*self.value(env) {
                Value::Date(date) => Some(*date),
                _ => None,
            },
        }
    }
}

/// How many sums of the end of a year and a period each thread keeps (`end_of_year_plus`).
const YEAR_ENDS: usize = 128;

/// One sum of the end of a year and a period: for every date from `first` to `last` (the
/// days of one year), `end_of_year(date) + duration` (or `-` with a negative `sign`) is `sum`.
#[derive(Debug, Clone, Copy)]
struct YearEnd {
    first: Date,
    last: Date,
    duration: Duration,
    sign: i32,
    sum: Date,
}

impl YearEnd {
    /// A place that holds no sum: no date is from `first` to `last`.
    const NONE: YearEnd = YearEnd {
        first: Date::AFTER_ALL,
        last: Date::BEFORE_ALL,
        duration: Duration { months: 0, days: 0 },
        sign: 0,
        sum: Date::EPOCH,
    };
}

thread_local! {
    /// The sums of the end of a year and a period worked out on the thread, each in the place
    /// its year and period give it, so that a batch works each out about once.
    static YEAR_SUMS: [Cell<YearEnd>; YEAR_ENDS] =
        const { [const { Cell::new(YearEnd::NONE) }; YEAR_ENDS] };
}

/// How many answers of prefix tests each thread keeps (`remembered_prefix`).
const PREFIX_ANSWERS: usize = 512;

/// One answer of a prefix test: whether a member of `set` is a prefix of `text`.
type PrefixAnswer = Option<(Arc<str>, Arc<[Value]>, bool)>;

thread_local! {
    /// The answers of prefix tests worked out on the thread, each in the place its text and
    /// set give it. Each holds its text and its set, so neither can be freed and its memory
    /// taken by another while the answer is kept: the same two pointers are the same two
    /// values.
    static PREFIX_MEMO: RefCell<Vec<PrefixAnswer>> = const { RefCell::new(Vec::new()) };
}

/// Whether a member of a sorted set of texts is a prefix of a text (`sorted_set_has_prefix_of`),
/// looked up among the answers the thread worked out: the texts of a batch's cases come from the
/// reader's text cache and the sets from the epochs, each shared, so the same test on the same
/// item is answered again without a search.
fn remembered_prefix(text: &Arc<str>, set: &Arc<[Value]>) -> bool {
    let (text_at, set_at) = (
        Arc::as_ptr(text).cast::<u8>() as usize,
        Arc::as_ptr(set).cast::<u8>() as usize,
    );
    let place = ((text_at ^ set_at.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40)
        % PREFIX_ANSWERS;
    PREFIX_MEMO.with(|memo| {
        let Ok(mut memo) = memo.try_borrow_mut() else {
            return sorted_set_has_prefix_of(set, text);
        };
        if memo.is_empty() {
            memo.resize(PREFIX_ANSWERS, None);
        }
        let Some(slot) = memo.get_mut(place) else {
            return sorted_set_has_prefix_of(set, text);
        };
        if let Some((kept_text, kept_set, answer)) = slot
            && Arc::ptr_eq(kept_text, text)
            && Arc::ptr_eq(kept_set, set)
        {
            return *answer;
        }
        let answer = sorted_set_has_prefix_of(set, text);
        *slot = Some((text.clone(), set.clone(), answer));
        answer
    })
}

/// `end_of_year(date) + duration` (`-` with a negative `sign`), as `Date::end_of_year` and
/// `Date::add` work it out, looked up among the sums the thread worked out already.
fn end_of_year_plus(date: Date, duration: Duration, sign: i32) -> Date {
    let work_out = || date.end_of_year().add(duration, sign);
    if !date.is_in_calendar() {
        return work_out();
    }
    // Whole years (the records' periods): the end of another year, found directly.
    if duration.days == 0
        && duration.months % 12 == 0
        && let Some(months) = duration.months.checked_mul(sign.signum())
        && let Some(sum) = date.end_of_year_after(months / 12)
    {
        return sum;
    }
    // Neighbouring years and different periods take different places (a year's days fall in
    // one of them, but for a day or two at its ends: 146,097 days are 400 years); a place
    // holds the last sum put there.
    let place = date
        .days()
        .wrapping_mul(400)
        .div_euclid(146_097)
        .wrapping_add(i64::from(duration.months).wrapping_mul(7))
        .wrapping_add(i64::from(duration.days).wrapping_mul(13))
        .wrapping_add(i64::from(sign))
        .rem_euclid(YEAR_ENDS as i64) as usize;
    YEAR_SUMS.with(|sums| {
        let Some(cell) = sums.get(place) else {
            return work_out();
        };
        let kept = cell.get();
        if kept.first <= date && date <= kept.last && kept.duration == duration && kept.sign == sign
        {
            return kept.sum;
        }
        let last = date.end_of_year();
        let sum = last.add(duration, sign);
        let (year, _, _) = date.ymd();
        if let Ok(first) = Date::from_ymd(year, 1, 1) {
            cell.set(YearEnd {
                first,
                last,
                duration,
                sign,
                sum,
            });
        }
        sum
    })
}

/// A named set of texts asked whether some member is a prefix of a text, with the first bytes
/// of its members on every date, so that a text beginning with another byte is answered at once.
#[derive(Debug, Clone, PartialEq)]
pub struct PrefixSet {
    index: usize,
    /// Whether the set is kept with its members' dates (`Program::dated_set`).
    dated: bool,
    /// The first bytes of every member in every epoch, or `None` when a member is empty or not
    /// a text (no byte then rules a text out).
    first_bytes: Option<[u64; 4]>,
}

/// A condition compiled by its shape into a row of simple tests (`Step`s), each of which says
/// where to go on when it holds and when it does not: `and`, `or` and `not` are only the order
/// of the row and its jumps, so evaluating it is a loop without recursion, and a part whose
/// answer is known (`true`, `false`, an `and` with `false`) leaves no step. Answers exactly as
/// `Env::truth` does on the expression it was compiled from.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// The first step, or `HOLDS`/`FAILS` when the answer is known.
    entry: u32,
    steps: Box<[Step]>,
}

impl Default for Test {
    /// The test of no condition, which holds (as an empty `and`).
    fn default() -> Test {
        Test {
            entry: HOLDS,
            steps: Box::new([]),
        }
    }
}

/// Where a step goes when the condition is decided: it holds.
const HOLDS: u32 = u32::MAX;
/// Where a step goes when the condition is decided: it does not hold.
const FAILS: u32 = u32::MAX - 1;

/// One simple test of a compiled condition, and the step to go on to when it holds and when it
/// does not (or `HOLDS`/`FAILS`).
#[derive(Debug, Clone, PartialEq)]
struct Step {
    leaf: Leaf,
    on_true: u32,
    on_false: u32,
}

/// A simple test: one look at the case.
#[derive(Debug, Clone, PartialEq)]
enum Leaf {
    /// A truth value read from the case (`case.free_zone`).
    Truth(Operand),
    /// An enum fact is one of some members: `case.activity == export`, `case.x in {a, b}`, an
    /// `or` of such on one fact.
    IsMember(Path, EnumSet),
    /// A set of enum members of the case holds one of some members (`EU001 in
    /// case.general_authorisations`, an `or` of such on one set): the enum and the members.
    HoldsAny(Path, u16, EnumSet),
    /// A value is a member of a named set of the case's epoch.
    InSet(Operand, usize),
    /// A value is a member, on the case's date, of a named set kept with its members' dates.
    InDatedSet(Operand, usize),
    /// A value is a member of a set.
    In(Operand, Operand),
    IsNone(Operand),
    IsEmpty(Operand),
    Compare(Compare, Operand, Operand),
    StartsWith(Operand, Operand),
    /// `some e in S: starts_with(x, e)` with `S` a named set of texts.
    AnyPrefix(Operand, PrefixSet),
    /// `some`/`every` over a set: the members of a set read from the case are bound in turn;
    /// a set of another form is left to the interpreter, with the whole expression.
    Quantifier {
        every: bool,
        set: Operand,
        body: Box<Test>,
        whole: Box<Expr>,
    },
    /// Anything else: the interpreter's answer.
    Interpret(Box<Expr>),
}

impl Program {
    /// Compiles a condition of a rule or an assumption. The epochs must be built: a prefix
    /// test reads every epoch's members of its set.
    pub(super) fn compile(&self, expr: &Expr) -> Test {
        let mut steps = Vec::new();
        let entry = self.emit(expr, HOLDS, FAILS, &mut steps);
        Test {
            entry,
            steps: steps.into(),
        }
    }

    /// Adds the steps of a condition that go on to `on_true` when it holds and to `on_false`
    /// when it does not, and returns where they begin. Steps are added after those they go on
    /// to, so an `and` or `or` emits its last item first.
    fn emit(&self, expr: &Expr, on_true: u32, on_false: u32, steps: &mut Vec<Step>) -> u32 {
        match expr {
            Expr::Value(value) => match value.as_bool() {
                true => on_true,
                false => on_false,
            },
            Expr::Not(inner) => self.emit(inner, on_false, on_true, steps),
            Expr::And(items) => items
                .iter()
                .rev()
                .fold(on_true, |next, item| self.emit(item, next, on_false, steps)),
            Expr::Or(items) => {
                // The enum tests on one fact become one test of the union of their members.
                let mut leaves: Vec<Leaf> = Vec::new();
                let mut rest: Vec<&Expr> = Vec::new();
                for item in items {
                    match self.leaf(item) {
                        Some(Leaf::IsMember(path, members)) => {
                            match leaves.iter_mut().find_map(|leaf| match leaf {
                                Leaf::IsMember(other, held) if *other == path => Some(held),
                                _ => None,
                            }) {
                                Some(held) => *held = held.union(&members),
                                None => leaves.push(Leaf::IsMember(path, members)),
                            }
                        }
                        Some(Leaf::HoldsAny(path, ty, members)) => {
                            match leaves.iter_mut().find_map(|leaf| match leaf {
                                Leaf::HoldsAny(other, other_ty, held)
                                    if *other == path && *other_ty == ty =>
                                {
                                    Some(held)
                                }
                                _ => None,
                            }) {
                                Some(held) => *held = held.union(&members),
                                None => leaves.push(Leaf::HoldsAny(path, ty, members)),
                            }
                        }
                        _ => rest.push(item),
                    }
                }
                let next = rest
                    .iter()
                    .rev()
                    .fold(on_false, |next, item| self.emit(item, on_true, next, steps));
                leaves
                    .into_iter()
                    .rev()
                    .fold(next, |next, leaf| push_step(steps, leaf, on_true, next))
            }
            _ => match self.leaf(expr) {
                Some(leaf) => push_step(steps, leaf, on_true, on_false),
                None => push_step(
                    steps,
                    Leaf::Interpret(Box::new(expr.clone())),
                    on_true,
                    on_false,
                ),
            },
        }
    }

    /// The simple test an expression is, if it is one (not an `and`, `or`, `not` or value).
    fn leaf(&self, expr: &Expr) -> Option<Leaf> {
        let leaf = match expr {
            Expr::Case | Expr::Local(_) | Expr::Field(..) | Expr::Const(_) => {
                Leaf::Truth(Operand::of(expr))
            }
            Expr::Compare(Compare::Eq, left, right) => match (&**left, &**right) {
                (path, Expr::Value(Value::Enum(_, member)))
                | (Expr::Value(Value::Enum(_, member)), path)
                    if Path::of(path).is_some() =>
                {
                    let mut members = EnumSet::default();
                    members.insert(*member);
                    Leaf::IsMember(Path::of(path)?, members)
                }
                _ => Leaf::Compare(Compare::Eq, Operand::of(left), Operand::of(right)),
            },
            Expr::Compare(op, left, right) => {
                Leaf::Compare(*op, Operand::of(left), Operand::of(right))
            }
            Expr::In(member, set) => {
                if let (Expr::Value(Value::Enum(ty, member)), Some(path)) =
                    (&**member, Path::of(set))
                {
                    let mut members = EnumSet::default();
                    members.insert(*member);
                    return Some(Leaf::HoldsAny(path, *ty, members));
                }
                if let (Some(path), Expr::Value(Value::EnumSet(_, members))) =
                    (Path::of(member), &**set)
                {
                    return Some(Leaf::IsMember(path, *members));
                }
                match &**set {
                    Expr::NamedSet(index) if self.dated_set(*index).is_some() => {
                        Leaf::InDatedSet(Operand::of(member), *index)
                    }
                    Expr::NamedSet(index) => Leaf::InSet(Operand::of(member), *index),
                    _ => Leaf::In(Operand::of(member), Operand::of(set)),
                }
            }
            Expr::IsNone(inner) => Leaf::IsNone(Operand::of(inner)),
            Expr::IsEmpty(inner) => Leaf::IsEmpty(Operand::of(inner)),
            Expr::StartsWith(text, prefix) => {
                Leaf::StartsWith(Operand::of(text), Operand::of(prefix))
            }
            Expr::AnyPrefix(text, set) => match &**set {
                Expr::NamedSet(index) => {
                    Leaf::AnyPrefix(Operand::of(text), self.prefix_set(*index))
                }
                _ => return None,
            },
            Expr::Quantifier { every, set, body } => Leaf::Quantifier {
                every: *every,
                set: Operand::of(set),
                body: Box::new(self.compile(body)),
                whole: Box::new(expr.clone()),
            },
            Expr::Value(_)
            | Expr::Not(_)
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::NamedSet(_)
            | Expr::SetLit(..)
            | Expr::RecordLit(..)
            | Expr::Arith(..)
            | Expr::If(..)
            | Expr::Count(_)
            | Expr::EndOfYear(_) => return None,
        };
        Some(leaf)
    }

    /// A named set of texts for prefix tests, with the first bytes of its members on every
    /// date: in every epoch, or kept with their dates.
    fn prefix_set(&self, index: usize) -> PrefixSet {
        let dated = self.dated_set(index);
        let mut bytes = [0u64; 4];
        let mut add = |member: &Value| match member {
            Value::Text(text) => match text.as_bytes().first() {
                Some(&byte) => {
                    bytes[usize::from(byte / 64)] |= 1 << (byte % 64);
                    true
                }
                None => false,
            },
            _ => false,
        };
        let every_member_has_a_byte = match dated {
            Some(dated) => dated.every_member().all(&mut add),
            None => self.epochs.iter().all(|epoch| match epoch.sets.get(index) {
                Some(Value::Set(members)) => members.iter().all(&mut add),
                // An enum set or a missing set holds no text: the test never holds.
                _ => true,
            }),
        };
        PrefixSet {
            index,
            dated: dated.is_some(),
            first_bytes: every_member_has_a_byte.then_some(bytes),
        }
    }
}

/// Adds a step and returns its place.
fn push_step(steps: &mut Vec<Step>, leaf: Leaf, on_true: u32, on_false: u32) -> u32 {
    let at = u32::try_from(steps.len()).unwrap_or(FAILS);
    steps.push(Step {
        leaf,
        on_true,
        on_false,
    });
    at
}

impl<'a> Env<'a> {
    /// Whether a compiled condition holds: what `truth` answers on the expression it was
    /// compiled from.
    pub(super) fn test(&mut self, test: &'a Test) -> bool {
        let mut at = test.entry;
        while let Some(step) = test.steps.get(at as usize) {
            at = match self.leaf(&step.leaf) {
                true => step.on_true,
                false => step.on_false,
            };
        }
        at == HOLDS
    }

    /// Whether a simple test holds.
    #[inline]
    fn leaf(&mut self, leaf: &'a Leaf) -> bool {
        match leaf {
            Leaf::Truth(operand) => operand.with(self, |_, value| value.as_bool()),
            Leaf::IsMember(path, members) => is_member(path.read(self), members),
            Leaf::HoldsAny(path, ty, members) => holds_any(path.read(self), *ty, members),
            Leaf::InSet(member, index) => {
                member.with(self, |env, member| env.in_set(member, *index))
            }
            Leaf::IsNone(operand) => operand.with(self, |_, value| matches!(value, Value::None)),
            Leaf::IsEmpty(operand) => operand.with(self, |_, value| is_empty(value)),
            Leaf::InDatedSet(member, index) => member.with(self, |env, member| {
                env.program
                    .dated_set(*index)
                    .is_some_and(|set| set.contains(member, env.date))
            }),
            Leaf::In(member, set) => member.with(self, |env, member| {
                set.with(env, |_, set| set.has_member(member))
            }),
            Leaf::Compare(op, left, right) => left.with(self, |env, left| {
                right.with(env, |_, right| op.holds(compare(left, right)))
            }),
            Leaf::StartsWith(text, prefix) => text.with(self, |env, text| {
                prefix.with(env, |_, prefix| match (text, prefix) {
                    (Value::Text(text), Value::Text(prefix)) => text.starts_with(&**prefix),
                    _ => false,
                })
            }),
            // The text is a path of the case (an item's entry number, a name) but for rare
            // policies: read there, the test is one copy, in place.
            Leaf::AnyPrefix(Operand::Path(path), set) => match path.read(self) {
                Value::Text(text) => self.has_prefix_of(text, set),
                _ => false,
            },
            Leaf::AnyPrefix(text, set) => text.with(self, |env, text| match text {
                Value::Text(text) => env.has_prefix_of(text, set),
                _ => false,
            }),
            Leaf::Quantifier {
                every,
                set,
                body,
                whole,
            } => {
                // A set at a path of the case (a licence list, most often) is read in place.
                let members = match set {
                    Operand::Path(path) => match path.read(self) {
                        Value::Set(members) => Some(members),
                        _ => None,
                    },
                    _ => match set.read(self) {
                        Cow::Borrowed(Value::Set(members)) => Some(members),
                        _ => None,
                    },
                };
                match members {
                    // `some` stops at the first member for which the body holds, `every` at
                    // the first for which it does not.
                    Some(members) => self.quantify(members, *every, |env| env.test(body)),
                    None => self.truth(whole),
                }
            }
            Leaf::Interpret(expr) => self.truth(expr),
        }
    }

    /// Whether a simple test of one value holds on the value of its operand: the tests
    /// `Leaf::path` gives a path for, and the same tests of any operand. Any other test is
    /// never asked here and is answered `false`.
    #[inline(always)]
    fn holds_on(&self, leaf: &Leaf, value: &Value) -> bool {
        match leaf {
            Leaf::Truth(_) => value.as_bool(),
            Leaf::IsMember(_, members) => is_member(value, members),
            Leaf::HoldsAny(_, ty, members) => holds_any(value, *ty, members),
            Leaf::InSet(_, index) => self.in_set(value, *index),
            Leaf::IsNone(_) => matches!(value, Value::None),
            Leaf::IsEmpty(_) => is_empty(value),
            Leaf::InDatedSet(..)
            | Leaf::In(..)
            | Leaf::Compare(..)
            | Leaf::StartsWith(..)
            | Leaf::AnyPrefix(..)
            | Leaf::Quantifier { .. }
            | Leaf::Interpret(_) => false,
        }
    }

    /// Whether a value is a member of a named set of the case's epoch.
    #[inline]
    fn in_set(&self, member: &Value, index: usize) -> bool {
        match (member, self.epoch.sets.get(index)) {
            (&Value::Enum(_, m), Some(Value::EnumSet(_, set))) => set.contains(m),
            (_, Some(set)) => set.has_member(member),
            (_, None) => false,
        }
    }

    /// Whether a member of a named set of texts is a prefix of a text, on the case's date.
    #[inline]
    fn has_prefix_of(&self, text: &Arc<str>, set: &PrefixSet) -> bool {
        if let (Some(bytes), Some(&byte)) = (&set.first_bytes, text.as_bytes().first())
            && bytes[usize::from(byte / 64)] & (1 << (byte % 64)) == 0
        {
            return false;
        }
        if set.dated {
            return self
                .program
                .dated_set(set.index)
                .is_some_and(|dated| dated.has_prefix_of(text, self.date));
        }
        match self.epoch.sets.get(set.index) {
            // A set of texts holds only texts, sorted.
            Some(Value::Set(members)) => remembered_prefix(text, members),
            _ => false,
        }
    }

    /// Whether a compiled condition holds, with the values of the facts it reads (`observed`,
    /// in order) pushed onto `facts`: what an explanation records. Inlined where explaining
    /// calls it: most conditions take its first branch, a few instructions.
    #[inline(always)]
    pub(super) fn test_observed(
        &mut self,
        test: &'a Test,
        observed: &'a Observed,
        facts: &mut Vec<Value>,
    ) -> bool {
        if let Some((holds, value)) = self.one_test(observed) {
            facts.push(value.clone());
            return holds;
        }
        self.test_then_observe(test, observed, facts)
    }

    /// Whether a condition that is one simple test of the one fact it reads holds, with the
    /// value of that fact: one look at the fact answers the test and gives the explanation
    /// its value. `None` for any other condition.
    #[inline(always)]
    pub(super) fn one_test(&self, observed: &'a Observed) -> Option<(bool, &'a Value)> {
        let one = observed.one_test.as_ref()?;
        let value = one.path.read(self);
        let holds = match self.holds_on(&one.leaf, value) {
            true => one.when_true,
            false => one.when_false,
        };
        Some((holds, value))
    }

    /// `test_observed` of any condition: the test, then each fact read.
    #[inline(never)]
    fn test_then_observe(
        &mut self,
        test: &'a Test,
        observed: &'a Observed,
        facts: &mut Vec<Value>,
    ) -> bool {
        let holds = self.test(test);
        for operand in &observed.operands {
            // Most facts are paths of the case: read in place, without a `Cow`.
            let fact = match operand {
                Operand::Path(path) => path.read(self).clone(),
                other => other.read(self).into_owned(),
            };
            facts.push(fact);
        }
        holds
    }

    /// Whether a compiled condition holds, its facts not recorded: the one look of
    /// `one_test` when it is one test of one fact.
    #[inline(always)]
    pub(super) fn test_unobserved(&mut self, test: &'a Test, observed: &'a Observed) -> bool {
        match self.one_test(observed) {
            Some((holds, _)) => holds,
            None => self.test(test),
        }
    }
}

/// The order of two values, as `Value::total_cmp` gives it: dates and enum members, what
/// most comparisons of a policy compare, without its match over every kind of value.
#[inline]
fn compare(left: &Value, right: &Value) -> std::cmp::Ordering {
    match (left, right) {
        (Value::Date(left), Value::Date(right)) => left.cmp(right),
        (Value::Enum(_, left), Value::Enum(_, right)) => left.cmp(right),
        _ => left.total_cmp(right),
    }
}

/// Whether an enum fact is one of some members.
#[inline]
fn is_member(value: &Value, members: &EnumSet) -> bool {
    matches!(value, Value::Enum(_, member) if members.contains(*member))
}

/// Whether a set of members of the enum `ty` holds one of some members.
#[inline]
fn holds_any(value: &Value, ty: u16, members: &EnumSet) -> bool {
    match value {
        Value::EnumSet(_, held) => held.meets(members),
        other => members
            .members()
            .any(|member| other.has_member(&Value::Enum(ty, member))),
    }
}

/// Whether a set is empty (a value that is not a set is read as one with no members).
#[inline]
fn is_empty(value: &Value) -> bool {
    match value {
        Value::EnumSet(_, set) => set.is_empty(),
        Value::Set(members) => members.is_empty(),
        _ => true,
    }
}

/// The facts a condition reads, as an explanation shows them, compiled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// The facts, in the order of the checked condition's `observed` list.
    pub(super) operands: Vec<Operand>,
    /// The condition as its one simple test of the one fact it reads, when it is one
    /// (`case.activity == export`, `case.item.annex_i is some`): explaining then reads the
    /// fact once, for the test and for the explanation.
    one_test: Option<OneTest>,
    /// For a condition that reads one fact, of the case, the number of that fact among those
    /// such conditions read (the same path, the same number; see `Observed::case_fact`), or
    /// `u32::MAX`.
    fact: u32,
}

/// A condition that is one simple test of the one fact it reads, laid out for explaining: the
/// fact's path, the test, and whether the condition holds when the test does and when not.
#[derive(Debug, Clone, PartialEq)]
struct OneTest {
    path: Path,
    leaf: Leaf,
    when_true: bool,
    when_false: bool,
}

/// What a condition without facts reads: nothing.
static NO_FACTS: Observed = Observed {
    operands: Vec::new(),
    one_test: None,
    fact: u32::MAX,
};

impl Observed {
    /// The facts a condition compiled as `test` reads.
    fn of(test: &Test, operands: Vec<Operand>) -> Observed {
        let one_test = match (&*test.steps, operands.as_slice()) {
            ([step], [Operand::Path(fact)])
                if test.entry == 0
                    && [step.on_true, step.on_false].iter().all(|&to| to >= FAILS)
                    && step.leaf.path() == Some(fact) =>
            {
                Some(OneTest {
                    path: fact.clone(),
                    leaf: step.leaf.clone(),
                    when_true: step.on_true == HOLDS,
                    when_false: step.on_false == HOLDS,
                })
            }
            _ => None,
        };
        Observed {
            operands,
            one_test,
            fact: u32::MAX,
        }
    }

    /// For a condition that reads one fact, of the case, that fact's number: every such
    /// condition reading the same path has the same, so that explaining a case records the
    /// fact once for them all. `u32::MAX` for any other condition.
    #[inline(always)]
    pub(super) fn case_fact(&self) -> u32 {
        self.fact
    }

    /// The facts of a condition of a rule, or none when there is no such condition.
    pub(super) fn of_condition(rule: &CompiledRule, position: usize) -> &Observed {
        rule.observed.get(position).unwrap_or(&NO_FACTS)
    }
}

impl Leaf {
    /// The path the test reads, if it is a test of the value at one path alone.
    fn path(&self) -> Option<&Path> {
        match self {
            Leaf::IsMember(path, _)
            | Leaf::HoldsAny(path, ..)
            | Leaf::Truth(Operand::Path(path))
            | Leaf::InSet(Operand::Path(path), _)
            | Leaf::IsNone(Operand::Path(path))
            | Leaf::IsEmpty(Operand::Path(path)) => Some(path),
            _ => None,
        }
    }
}

/// A rule's conditions compiled, with the facts each reads, in the order of the rule's.
#[derive(Debug, Clone, Default)]
pub struct CompiledRule {
    /// The set of a `for`, read where it is a path into the case.
    pub(super) for_each: Option<Operand>,
    /// For deciding without an explanation: for each set of conditions the rule tree settles
    /// in some epoch (`Epoch::settled`), the rule's other conditions as one test (at most
    /// `MAX_SETTLED_FORMS`; a rule with more is tested condition by condition).
    pub(super) unsettled: Vec<(u64, Test)>,
    pub(super) tests: Vec<Test>,
    pub(super) observed: Vec<Observed>,
    /// The arguments of the rule's verdict, in order.
    pub(super) verdict_args: Vec<Argument>,
    /// The arguments of each of the rule's obligations, in the order of `Rule::obligations`.
    pub(super) obligation_args: Vec<Vec<Argument>>,
}

impl Program {
    /// Compiles every rule's conditions and facts and every assumption; lowering calls it once
    /// the epochs are built.
    pub(super) fn compile_conditions(&mut self) {
        let mut compiled: Vec<CompiledRule> = self
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| {
                let tests: Vec<Test> = rule.conditions.iter().map(|c| self.compile(c)).collect();
                let observed = rule
                    .observed
                    .iter()
                    .enumerate()
                    .map(|(position, facts)| {
                        let operands = facts.iter().map(Operand::of).collect();
                        match tests.get(position) {
                            Some(test) => Observed::of(test, operands),
                            None => Observed {
                                operands,
                                one_test: None,
                                fact: u32::MAX,
                            },
                        }
                    })
                    .collect();
                (index, rule, tests, observed)
            })
            .map(|(index, rule, tests, observed)| CompiledRule {
                for_each: rule.for_each.as_ref().map(Operand::of),
                unsettled: self.unsettled_forms(index),
                tests,
                observed,
                verdict_args: rule
                    .verdict
                    .as_ref()
                    .map(|(_, args)| args.iter().map(Argument::of).collect())
                    .unwrap_or_default(),
                obligation_args: rule
                    .obligations
                    .iter()
                    .map(|(_, args)| args.iter().map(Argument::of).collect())
                    .collect(),
            })
            .collect();
        // The facts of the case that conditions reading one fact read, numbered.
        let mut case_facts: Vec<Path> = Vec::new();
        for observed in compiled
            .iter_mut()
            .flat_map(|rule| rule.observed.iter_mut())
        {
            let [Operand::Path(fact)] = observed.operands.as_slice() else {
                continue;
            };
            let of_case = match fact {
                Path::CaseField(_) | Path::CaseFields(..) => true,
                Path::Any { local, .. } => local.is_none(),
            };
            if !of_case {
                continue;
            }
            let number = match case_facts.iter().position(|path| path == fact) {
                Some(number) => number,
                None => {
                    case_facts.push(fact.clone());
                    case_facts.len() - 1
                }
            };
            observed.fact = u32::try_from(number).unwrap_or(u32::MAX);
        }
        self.shared_conditions.count_case_facts(case_facts.len());
        let assumptions = self
            .assumptions
            .iter()
            .map(|(condition, _)| self.compile(condition))
            .collect();
        let every = self.assumptions.iter().map(|(c, _)| c.clone()).collect();
        self.every_assumption = self.compile(&Expr::And(every));
        self.compiled = compiled;
        self.compiled_assumptions = assumptions;
    }

    /// A rule's conditions as one test for each set of them that the rule tree settles in some
    /// epoch, without those: what deciding without an explanation evaluates of a candidate.
    fn unsettled_forms(&self, index: usize) -> Vec<(u64, Test)> {
        let Some(rule) = self.rules.get(index) else {
            return Vec::new();
        };
        let mut masks: Vec<u64> = Vec::new();
        for epoch in &self.epochs {
            let mask = epoch.settled.get(index).copied().unwrap_or(0);
            if !masks.contains(&mask) {
                if masks.len() == MAX_SETTLED_FORMS {
                    return Vec::new();
                }
                masks.push(mask);
            }
        }
        masks
            .into_iter()
            .map(|mask| {
                let conditions = rule.conditions.iter().enumerate();
                let unsettled = conditions
                    .filter(|(position, _)| *position >= 64 || mask & (1 << position) == 0)
                    .map(|(_, condition)| condition.clone())
                    .collect();
                (mask, self.compile(&Expr::And(unsettled)))
            })
            .collect()
    }

    /// Where the compiled conditions answer otherwise than the interpreter on a case as of a
    /// date: every condition of every rule (with each member of a rule's `for` set bound in
    /// turn), the facts each reads, and every assumption. Empty when they agree, as they must;
    /// for the tests that hold them to it.
    #[doc(hidden)]
    pub fn compiled_disagreements(&self, case: &Value, date: Date) -> Vec<String> {
        let epoch = self.epoch(date);
        let mut found = Vec::new();
        if self.compiled.len() != self.rules.len()
            || self.compiled_assumptions.len() != self.assumptions.len()
        {
            found.push("not every condition is compiled".to_string());
        }
        for (index, (rule, compiled)) in self.rules.iter().zip(&self.compiled).enumerate() {
            let members = match &rule.for_each {
                None => vec![None],
                Some(set) => {
                    let mut env = Env::new(self, case, epoch, date);
                    let members = env.value(set).set_members();
                    members.into_iter().map(Some).collect()
                }
            };
            for member in &members {
                let mut env = Env::new(self, case, epoch, date);
                env.locals.extend(member.as_ref());
                for (mask, test) in &compiled.unsettled {
                    let conditions = rule.conditions.iter().enumerate();
                    let interpreted = conditions
                        .filter(|(position, _)| *position >= 64 || mask & (1 << position) == 0)
                        .all(|(_, condition)| env.truth(condition));
                    if env.test(test) != interpreted {
                        found.push(format!(
                            "rule {index} without settled {mask:b} on {date}: interpreted \
                             {interpreted}"
                        ));
                    }
                }
                let parts = rule.conditions.iter().zip(&compiled.tests);
                for (position, (condition, test)) in parts.enumerate() {
                    let interpreted = env.truth(condition);
                    if env.test(test) != interpreted {
                        found.push(format!(
                            "rule {index} condition {position} on {date}: interpreted \
                             {interpreted}, compiled not ({condition:?} as {test:?})"
                        ));
                    }
                    let facts = rule
                        .observed
                        .get(position)
                        .zip(compiled.observed.get(position));
                    let Some((exprs, operands)) = facts else {
                        found.push(format!("rule {index} condition {position}: no facts"));
                        continue;
                    };
                    let mut read = Vec::new();
                    env.test_observed(test, operands, &mut read);
                    let mut expected = Vec::new();
                    let mut interpreted_env = Env::new(self, case, epoch, date);
                    interpreted_env.locals.extend(member.as_ref());
                    interpreted_env.truth_observed(condition, exprs, &mut expected);
                    if read != expected {
                        found.push(format!(
                            "rule {index} condition {position} on {date}: facts {expected:?} \
                             read as {read:?}"
                        ));
                    }
                }
                let conclusions = rule
                    .verdict
                    .iter()
                    .map(|(_, args)| (args, &compiled.verdict_args));
                let obligations = rule
                    .obligations
                    .iter()
                    .map(|(_, args)| args)
                    .zip(&compiled.obligation_args);
                for (exprs, arguments) in conclusions.chain(obligations) {
                    let interpreted: Vec<Value> = exprs
                        .iter()
                        .map(|expr| env.value(expr).into_owned())
                        .collect();
                    let computed: Vec<Value> = arguments
                        .iter()
                        .map(|argument| argument.value(&mut env).into_owned())
                        .collect();
                    if interpreted != computed {
                        found.push(format!(
                            "rule {index} arguments on {date}: interpreted {interpreted:?}, \
                             compiled {computed:?}"
                        ));
                    }
                }
            }
        }
        let mut env = Env::new(self, case, epoch, date);
        let every = self
            .assumptions
            .iter()
            .all(|(condition, _)| env.truth(condition));
        if env.test(&self.every_assumption) != every {
            found.push(format!(
                "the assumptions together on {date}: interpreted {every}"
            ));
        }
        for (index, ((condition, _), test)) in self
            .assumptions
            .iter()
            .zip(&self.compiled_assumptions)
            .enumerate()
        {
            let interpreted = env.truth(condition);
            if env.test(test) != interpreted {
                found.push(format!(
                    "assumption {index} on {date}: interpreted {interpreted}, compiled not"
                ));
            }
        }
        found
    }

    /// [`Program::compiled_disagreements`] on the case of every `test` block of the policy, as
    /// of its date and of the first day of every epoch.
    #[doc(hidden)]
    pub fn compiled_disagreements_in_tests(&self) -> Vec<String> {
        let mut found = Vec::new();
        for test in &self.policy.tests {
            let Some(given) = &test.given else { continue };
            let case = self.constant_value(given);
            let dates = super::case::case_date(&self.policy, &case)
                .into_iter()
                .chain(self.epochs.iter().map(|epoch| epoch.start));
            for date in dates {
                found.extend(
                    self.compiled_disagreements(&case, date)
                        .into_iter()
                        .map(|problem| format!("test `{}`: {problem}", test.name)),
                );
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Value, remembered_prefix, sorted_set_has_prefix_of};

    fn set(members: &[&str]) -> Arc<[Value]> {
        let mut members: Vec<Value> = members.iter().map(|m| Value::Text(Arc::from(*m))).collect();
        members.sort_by(Value::total_cmp);
        members.into()
    }

    /// A remembered answer is the search's, asked once or again, for texts and sets made anew
    /// after others were freed (their memory may be taken again: the memo keeps what it
    /// answered for alive, so an address is never mistaken for another value).
    #[test]
    fn a_remembered_prefix_answer_is_the_searchs() {
        let texts = [
            "5A002.a.1",
            "5D",
            "1C001",
            "9E003",
            "0A",
            "",
            "Office laptop",
        ];
        for round in 0..50 {
            let sets = [
                set(&["1C001", "5A002", "9E"]),
                set(&["5D", "5E"]),
                set(&[]),
                set(&["0A", "Off"]),
            ];
            for text in texts {
                // A new text each round, and the same one asked twice.
                let text: Arc<str> = Arc::from(text);
                for members in &sets {
                    let expected = sorted_set_has_prefix_of(members, &text);
                    assert_eq!(
                        remembered_prefix(&text, members),
                        expected,
                        "{text:?} {round}"
                    );
                    assert_eq!(
                        remembered_prefix(&text, members),
                        expected,
                        "{text:?} {round}"
                    );
                }
            }
        }
    }
}
