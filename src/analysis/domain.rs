//! The classes of values the search tells apart, shared by both policies.
//!
//! Every fact of a case is reduced to the classes of values that the two policies' conditions
//! can tell apart: members of an enum that belong to the same sets, texts by the constants and
//! prefixes they are compared with, dates by the dates they are compared with (shifted by the
//! durations added to them). The dates to examine are those on which anything changes.

use std::collections::{HashMap, HashSet};

use rust_decimal::{Decimal, RoundingStrategy};

use crate::check::ir::{
    Arith, DecimalBound, KEPT_DECIMAL_SCALE, MAX_KEPT_DURATION, MAX_KEPT_INT, Type, is_kept_decimal,
};
use crate::eval::{EnumSet, Epoch, Expr, Program, Value, arithmetic};
use crate::syntax::calendar::{Date, Duration};

/// The value classes of each type, shared by both policies.
#[derive(Debug, Default)]
pub(super) struct Domain {
    /// For each enum (by index in the old policy): the classes of members, and each member's class.
    enum_classes: Vec<Vec<Vec<u16>>>,
    enum_class_of: Vec<Vec<usize>>,
    pub(super) texts: Vec<String>,
    ints: Vec<i64>,
    decimals: Vec<rust_decimal::Decimal>,
    dates: Vec<Date>,
    durations: Vec<Duration>,
    /// Whether the dates examined hold every new year where `end_of_year` of the case's date
    /// changes (see `new_years`), so that it is known on each of them.
    pub(super) end_of_year_exact: bool,
}

/// Every expression of a program that facts are compared in: conditions and `for` sets of
/// rules, and the `when` of its assertions (a question about an assertion involves the values
/// it mentions). Conclusions' arguments are evaluated, but never compared with facts.
/// The classes a decimal compared with a fact gives that fact: the decimal and its neighbours
/// a step of its last digit (a tenth at least) either side. A decimal no case holds (larger
/// than the kept range, or with more digits after the point, as a product can be) gives the
/// kept decimals nearest it on either side and their neighbours instead, which a comparison
/// with it tells apart; the caller keeps only the kept ones.
fn decimal_classes(value: Decimal) -> Vec<Decimal> {
    let kept = DecimalBound::KEPT;
    let largest = i128::try_from(kept.mantissa)
        .ok()
        .and_then(|mantissa| Decimal::try_from_i128_with_scale(mantissa, kept.scale).ok())
        .unwrap_or(Decimal::ZERO);
    let value = value.clamp(-largest, largest);
    let around = if value.scale() <= KEPT_DECIMAL_SCALE {
        let step = Decimal::new(1, value.scale().max(1));
        vec![
            value.checked_sub(step),
            Some(value),
            value.checked_add(step),
        ]
    } else {
        let unit = Decimal::new(1, KEPT_DECIMAL_SCALE);
        let below =
            value.round_dp_with_strategy(KEPT_DECIMAL_SCALE, RoundingStrategy::ToNegativeInfinity);
        let above =
            value.round_dp_with_strategy(KEPT_DECIMAL_SCALE, RoundingStrategy::ToPositiveInfinity);
        vec![
            below.checked_sub(unit),
            Some(below),
            Some(above),
            above.checked_add(unit),
        ]
    };
    around.into_iter().flatten().collect()
}

/// The value of an expression of constants and literals in an epoch; `None` if it reads
/// anything else.
fn known(expr: &Expr, epoch: &Epoch) -> Option<Value> {
    match expr {
        Expr::Value(value) => Some(value.clone()),
        Expr::Const(index) => epoch.consts.get(*index).cloned(),
        Expr::Arith(op, left, right) => {
            let value = arithmetic(*op, &known(left, epoch)?, &known(right, epoch)?);
            (!matches!(value, Value::None)).then_some(value)
        }
        _ => None,
    }
}

fn program_exprs(program: &Program) -> Vec<Expr> {
    let mut exprs = Vec::new();
    for rule in &program.rules {
        exprs.extend(rule.conditions.iter().cloned());
        exprs.extend(rule.for_each.iter().cloned());
    }
    for assertion in &program.policy.asserts {
        if let Some(condition) = &assertion.when {
            exprs.push(program.lower_expr(condition));
        }
    }
    // An assumption splits classes too: `case.kind != c` with no rule naming `c` left `c` in
    // one class with `b`, and the cases of `b` were searched as if they broke it.
    exprs.extend(program.assumption_conditions().cloned());
    exprs
}

fn visit<'e>(expr: &'e Expr, out: &mut impl FnMut(&'e Expr)) {
    out(expr);
    visit_children(expr, &mut |child| visit(child, out));
}

/// Calls `each` with every expression directly inside `expr`.
fn visit_children<'e>(expr: &'e Expr, each: &mut impl FnMut(&'e Expr)) {
    match expr {
        Expr::Value(_) | Expr::Case | Expr::Local(_) | Expr::Const(_) | Expr::NamedSet(_) => {}
        Expr::Field(inner, _)
        | Expr::Not(inner)
        | Expr::IsNone(inner)
        | Expr::IsEmpty(inner)
        | Expr::Count(inner)
        | Expr::EndOfYear(inner) => each(inner),
        Expr::SetLit(items, _) | Expr::RecordLit(_, items) | Expr::And(items) | Expr::Or(items) => {
            items.iter().for_each(&mut *each)
        }
        Expr::Compare(_, a, b)
        | Expr::In(a, b)
        | Expr::Arith(_, a, b)
        | Expr::StartsWith(a, b)
        | Expr::AnyPrefix(a, b) => {
            each(a);
            each(b);
        }
        Expr::Quantifier { set, body, .. } => {
            each(set);
            each(body);
        }
        Expr::If(c, a, b) => {
            each(c);
            each(a);
            each(b);
        }
    }
}

/// The kind of value a fact has, as the classes tell kinds apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Enum(usize),
    Text,
    Int,
    Decimal,
    Date,
    Duration,
}

/// How many facts of each kind the programs compare with one another (`case.m == case.m2`,
/// `l.holder == case.exporter`, `case.destination != case.exporter_state`). Classes made from
/// the constants alone hold one value each, so two such facts in one class would always be
/// equal: the search needs, within every class, as many distinct values as there are facts
/// that may fall in it together. A comparison whose kind is not found counts for every kind.
#[derive(Debug, Default)]
struct Compared {
    facts: HashMap<Option<Kind>, HashSet<String>>,
}

impl Compared {
    fn of(programs: [&Program; 2]) -> Compared {
        let mut compared = Compared::default();
        for program in programs {
            for rule in &program.rules {
                let mut locals = Vec::new();
                if let Some(set) = &rule.for_each {
                    compared.walk(set, program, &mut locals);
                    locals.push(element_type(expr_type(set, program, &locals)));
                }
                for condition in &rule.conditions {
                    compared.walk(condition, program, &mut locals);
                }
            }
            for assertion in &program.policy.asserts {
                if let Some(condition) = &assertion.when {
                    compared.walk(&program.lower_expr(condition), program, &mut Vec::new());
                }
            }
            // An assumption comparing two facts (`l.valid_from <= l.valid_until`) restricts
            // the cases searched: with too few values it would leave out cases that exist.
            for condition in program.assumption_conditions() {
                compared.walk(condition, program, &mut Vec::new());
            }
        }
        compared
    }

    fn walk(&mut self, expr: &Expr, program: &Program, locals: &mut Vec<Option<Type>>) {
        match expr {
            Expr::Quantifier { set, body, .. } => {
                self.walk(set, program, locals);
                locals.push(element_type(expr_type(set, program, locals)));
                self.walk(body, program, locals);
                locals.pop();
                return;
            }
            Expr::Compare(_, a, b) if reads_facts(a, program) && reads_facts(b, program) => {
                let kind = expr_type(a, program, locals)
                    .or_else(|| expr_type(b, program, locals))
                    .and_then(|ty| kind_of(&ty));
                let facts = self.facts.entry(kind).or_default();
                for side in [a, b] {
                    facts.insert(format!("{side:?} in {locals:?}"));
                }
            }
            _ => {}
        }
        let mut children = Vec::new();
        visit_children(expr, &mut |child| children.push(child));
        for child in children {
            self.walk(child, program, locals);
        }
    }

    /// The most facts of a kind that may need distinct values in one class: those compared
    /// with one another of that kind, and those of a kind not found.
    fn count(&self, kind: Kind) -> usize {
        let of = |key: Option<Kind>| self.facts.get(&key).map_or(0, |facts| facts.len());
        of(Some(kind)) + of(None)
    }
}

/// The most members the search gives a set of records of the case.
pub(super) const MOST_MEMBERS: usize = 3;

/// For each set of records of the case (by its path) that quantifiers or `for` rules range
/// over, the different things they ask of a member (`quantified_key`: a member that satisfies
/// a body, or one that fails it, the body as written, which is how the encoder tells them
/// apart too). A case in which `q` such things are asked has a set of at most `q` of its
/// members in which every quantifier has the same truth — a member that shows each `some`
/// that holds, and one that shows each `every` that does not; a `some` that does not hold and
/// an `every` that does hold of any subset — so the search misses no case when it gives the
/// set `q` members.
pub(super) fn quantified_bodies(programs: [&Program; 2]) -> HashMap<Vec<String>, HashSet<String>> {
    let mut bodies: HashMap<Vec<String>, HashSet<String>> = HashMap::new();
    for program in programs {
        let mut exprs: Vec<&Expr> = Vec::new();
        for rule in &program.rules {
            if let Some(set) = &rule.for_each {
                if let Some(path) = records_path(set, program) {
                    bodies
                        .entry(path)
                        .or_default()
                        .insert(quantified_key(true, &format!("{:?}", rule.conditions)));
                }
                exprs.push(set);
            }
            exprs.extend(rule.conditions.iter());
        }
        let asserts: Vec<Expr> = program
            .policy
            .asserts
            .iter()
            .filter_map(|assertion| assertion.when.as_ref())
            .map(|condition| program.lower_expr(condition))
            .collect();
        exprs.extend(asserts.iter());
        exprs.extend(program.assumption_conditions());
        for expr in exprs {
            visit(expr, &mut |inner| {
                if let Expr::Quantifier { every, set, body } = inner
                    && let Some(path) = records_path(set, program)
                {
                    let key = quantified_key(!*every, &format!("{body:?}"));
                    bodies.entry(path).or_default().insert(key);
                }
            });
        }
    }
    bodies
}

/// What a quantifier over a set of records asks of one member, as `quantified_bodies` and the
/// encoder count it: `some` member satisfying the body, or (`every`) some member failing it —
/// a different thing, which may need a member of its own.
pub(super) fn quantified_key(some: bool, body: &str) -> String {
    format!("{} {body}", if some { "satisfies" } else { "fails" })
}

/// The path of a set of records of the case (`case.licences`: `["licences"]`), if `expr` is one.
fn records_path(expr: &Expr, program: &Program) -> Option<Vec<String>> {
    let Type::Set(element) = expr_type(expr, program, &[])?.unwrap_optional().clone() else {
        return None;
    };
    if !matches!(*element, Type::Record(_)) {
        return None;
    }
    let mut path = Vec::new();
    let mut at = expr;
    let mut positions = Vec::new();
    while let Expr::Field(base, position) = at {
        positions.push(*position);
        at = base;
    }
    if !matches!(at, Expr::Case) {
        return None;
    }
    let mut record = program.policy.input;
    for position in positions.into_iter().rev() {
        let field = program.policy.records.get(record)?.fields.get(position)?;
        path.push(field.name.clone());
        match field.ty.unwrap_optional() {
            Type::Record(inner) => record = *inner,
            _ => break,
        }
    }
    Some(path)
}

/// Whether an expression reads the case (or a member of one of its sets) other than its
/// date, which the search knows on each date it examines.
fn reads_facts(expr: &Expr, program: &Program) -> bool {
    // Each `case.date` holds one `Expr::Case`: a reader of nothing else reads no fact.
    let (mut readers, mut dates) = (0, 0);
    visit(expr, &mut |e| match e {
        Expr::Field(base, position)
            if matches!(**base, Expr::Case) && is_case_date(program, *position) =>
        {
            dates += 1;
        }
        Expr::Case | Expr::Local(_) => readers += 1,
        _ => {}
    });
    readers > dates
}

/// Whether a field of the case is its date (`case.date`), which the search does not vary.
fn is_case_date(program: &Program, position: usize) -> bool {
    program
        .policy
        .records
        .get(program.policy.input)
        .and_then(|record| record.fields.get(position))
        .is_some_and(|field| field.name == "date" && field.ty == Type::Date)
}

/// The type of a fact expression (a path into the case or into a member, or such a path with
/// an amount added), if it is one.
fn expr_type(expr: &Expr, program: &Program, locals: &[Option<Type>]) -> Option<Type> {
    match expr {
        Expr::Case => Some(Type::Record(program.policy.input)),
        Expr::Local(depth) => locals
            .len()
            .checked_sub(depth + 1)
            .and_then(|at| locals.get(at))
            .cloned()
            .flatten(),
        Expr::Field(base, position) => match expr_type(base, program, locals)?.unwrap_optional() {
            Type::Record(record) => program
                .policy
                .records
                .get(*record)?
                .fields
                .get(*position)
                .map(|field| field.ty.clone()),
            _ => None,
        },
        Expr::Arith(_, a, _) => expr_type(a, program, locals),
        _ => None,
    }
}

/// The type of a set's members.
fn element_type(ty: Option<Type>) -> Option<Type> {
    match ty?.unwrap_optional() {
        Type::Set(inner) => Some((**inner).clone()),
        _ => None,
    }
}

fn kind_of(ty: &Type) -> Option<Kind> {
    Some(match ty.unwrap_optional() {
        Type::Enum(index) => Kind::Enum(*index),
        Type::Text => Kind::Text,
        Type::Int => Kind::Int,
        Type::Decimal => Kind::Decimal,
        Type::Date => Kind::Date,
        Type::Duration => Kind::Duration,
        _ => return None,
    })
}

/// The most members of a set of scalars of a case (`--why-not`'s) whose values become classes.
const MOST_CASE_MEMBERS: usize = 256;

/// The part of a case whose values the search of `--why-not` makes classes of, so that "the
/// case keeps this fact" is exact: every scalar, a set of records only by its first
/// `MOST_MEMBERS` members (those the search may have), and at most `MOST_CASE_MEMBERS` members of another set. A case of
/// many licences or long lists would otherwise give every text in them a class, and the search
/// would grow with them (past a gigabyte at 10,000 licences).
fn searched_part(value: &Value) -> Value {
    match value {
        Value::Record(record, fields) => {
            Value::Record(*record, fields.iter().map(searched_part).collect())
        }
        Value::Set(members) => match members.first() {
            Some(Value::Record(..)) => Value::Set(
                members
                    .iter()
                    .take(MOST_MEMBERS)
                    .map(searched_part)
                    .collect(),
            ),
            _ => Value::Set(members.iter().take(MOST_CASE_MEMBERS).cloned().collect()),
        },
        value => value.clone(),
    }
}

/// Makes room in sorted, distinct `values` (the ones a kind's facts are compared with, and
/// those just beside them) for `more` facts beyond one compared with one another: after each
/// value `more - 1` values more (a stretch between two values compared with then holds as
/// many as any order of the facts needs, since the value before the next is there too), and
/// below the least and above the greatest `more` more. `step(value, n)` is the value `n` steps
/// after (`n` negative: before); nothing when `more` is 0.
fn spread<T: Copy + Ord>(values: &mut Vec<T>, more: usize, step: impl Fn(T, i64) -> T) {
    let (Some(&least), Some(&greatest)) = (values.first(), values.last()) else {
        return;
    };
    let more = i64::try_from(more).unwrap_or(0);
    let inner: Vec<T> = values
        .iter()
        .flat_map(|&value| (1..more).map(move |n| (value, n)))
        .map(|(value, n)| step(value, n))
        .collect();
    values.extend(inner);
    for n in 1..=more {
        values.extend([step(least, -n), step(greatest, n)]);
    }
    values.sort();
    values.dedup();
}

/// Every constant value a program's conditions, sets and constants can compare facts with.
fn constants(program: &Program) -> Vec<Value> {
    let mut values = Vec::new();
    for expr in program_exprs(program) {
        visit(&expr, &mut |e| {
            if let Expr::Value(value) = e {
                values.push(value.clone());
            }
        });
    }
    for epoch in &program.epochs {
        values.extend(epoch.consts.iter().cloned());
        values.extend(epoch.sets.iter().cloned());
    }
    // Arithmetic on known values (`k * 3`, `limit + 0.5`) compares facts with its result, which
    // is no constant: its value in every epoch is one.
    for expr in program_exprs(program) {
        visit(&expr, &mut |e| {
            if matches!(e, Expr::Arith(..)) {
                values.extend(program.epochs.iter().filter_map(|epoch| known(e, epoch)));
            }
        });
    }
    // The members of sets kept with their dates, on every date.
    for index in 0..program.policy.sets.len() {
        if let Some(dated) = program.dated_set(index) {
            values.push(Value::set_of(dated.every_member().cloned().collect(), None));
        }
    }
    values.extend(program.params.iter().cloned());
    values
}

impl Domain {
    /// The classes of values of both policies' facts: every constant they compare facts with,
    /// and the values just beside it; dates also by the dates `examined` beside those of change.
    pub(super) fn build(old: &Program, new: &Program, examined: &[Date]) -> Domain {
        Domain::build_with(old, new, examined, &Value::None)
    }

    /// The classes, with the values of a case (`--why-not`'s) among the constants.
    pub(super) fn build_with(
        old: &Program,
        new: &Program,
        examined: &[Date],
        case: &Value,
    ) -> Domain {
        let mut domain = Domain {
            end_of_year_exact: !reads_end_of_year(old, new)
                || end_of_year_span(&change_dates(old, new)).is_some(),
            ..Domain::default()
        };
        let compared = Compared::of([old, new]);
        // How many more values each class needs for the facts compared with one another.
        let more = |kind: Kind| compared.count(kind).saturating_sub(1);
        let enums = &old.policy.enums;
        let mut values = constants(old);
        values.extend(constants(new));
        values.push(searched_part(case));
        // Enum members are split into classes by every set and literal that mentions them.
        let mut tests: Vec<Vec<EnumSet>> = vec![Vec::new(); enums.len()];
        let mut texts = Vec::new();
        let mut ints = vec![0i64];
        let mut decimals = vec![rust_decimal::Decimal::ZERO];
        let mut dates = Vec::new();
        let mut durations = Vec::new();
        let mut stack: Vec<Value> = values;
        while let Some(value) = stack.pop() {
            match value {
                Value::Enum(ty, member) => {
                    let mut set = EnumSet::default();
                    set.insert(member);
                    if let Some(list) = tests.get_mut(usize::from(ty)) {
                        list.push(set);
                    }
                }
                Value::EnumSet(ty, set) => {
                    if let Some(list) = tests.get_mut(usize::from(ty)) {
                        list.push(set);
                    }
                }
                Value::Text(text) => texts.push(text.to_string()),
                Value::Int(i) => ints.extend([i.saturating_sub(1), i, i.saturating_add(1)]),
                Value::Decimal(d) => decimals.extend(decimal_classes(d)),
                Value::Date(d) => dates.extend([d.add(one_day(), -1), d, d.add(one_day(), 1)]),
                Value::Duration(d) => durations.push(d),
                Value::Set(members) | Value::Record(_, members) => {
                    stack.extend(members.iter().cloned())
                }
                Value::Bool(_) | Value::None => {}
            }
        }
        for (index, definition) in enums.iter().enumerate() {
            let count = definition.members.len();
            let mut classes: Vec<Vec<u16>> = Vec::new();
            let mut class_of = vec![0usize; count];
            let mut keys: Vec<Vec<bool>> = Vec::new();
            for (member, slot) in class_of.iter_mut().enumerate() {
                let member_id = u16::try_from(member).unwrap_or(u16::MAX);
                let key: Vec<bool> = tests[index]
                    .iter()
                    .map(|set| set.contains(member_id))
                    .collect();
                match keys.iter().position(|k| *k == key) {
                    Some(class) => {
                        classes[class].push(member_id);
                        *slot = class;
                    }
                    None => {
                        keys.push(key);
                        classes.push(vec![member_id]);
                        *slot = classes.len() - 1;
                    }
                }
            }
            // Facts compared with one another may be different members of one class: its
            // first members are classes of their own, as many as there are such facts.
            let more = more(Kind::Enum(index));
            if more > 0 {
                let mut split: Vec<Vec<u16>> = Vec::new();
                for members in classes {
                    let alone = more.min(members.len().saturating_sub(1));
                    let (first, rest) = members.split_at(alone);
                    split.extend(first.iter().map(|member| vec![*member]));
                    split.push(rest.to_vec());
                }
                for (class, members) in split.iter().enumerate() {
                    for member in members {
                        if let Some(slot) = class_of.get_mut(usize::from(*member)) {
                            *slot = class;
                        }
                    }
                }
                classes = split;
            }
            domain.enum_classes.push(classes);
            domain.enum_class_of.push(class_of);
        }
        // Texts: each constant, each constant followed by more (it is then only a prefix), and
        // a text like no constant.
        texts.sort();
        texts.dedup();
        let mut representatives = Vec::new();
        for text in &texts {
            representatives.push(text.clone());
            representatives.push(format!("{text}.z9"));
        }
        representatives.push("other".to_string());
        // Texts compared with one another: more texts in each class of many (after a prefix,
        // or like no constant), each its own.
        let many: Vec<String> = representatives
            .iter()
            .filter(|text| text.ends_with(".z9") || *text == "other")
            .cloned()
            .collect();
        for text in many {
            for extra in 1..=more(Kind::Text) {
                representatives.push(format!("{text}~{extra}"));
            }
        }
        representatives.sort();
        representatives.dedup();
        domain.texts = representatives;
        // An int fact plus a known amount is compared with each constant: the fact's classes
        // hold each constant less the amount, and its neighbours.
        let mut offsets: Vec<i64> = Vec::new();
        let mut decimal_offsets: Vec<Decimal> = Vec::new();
        for program in [old, new] {
            for expr in program_exprs(program) {
                visit(&expr, &mut |e| match e {
                    Expr::Arith(Arith::AddDecimal, a, b) => {
                        for side in [a, b] {
                            if let Expr::Value(Value::Decimal(k)) = &**side {
                                decimal_offsets.push(*k);
                            }
                        }
                    }
                    Expr::Arith(Arith::SubDecimal, _, b) => {
                        if let Expr::Value(Value::Decimal(k)) = &**b {
                            decimal_offsets.push(-*k);
                        }
                    }
                    Expr::Arith(Arith::AddInt, a, b) => {
                        for side in [a, b] {
                            if let Expr::Value(Value::Int(k)) = &**side {
                                offsets.push(*k);
                            }
                        }
                    }
                    Expr::Arith(Arith::SubInt, _, b) => {
                        if let Expr::Value(Value::Int(k)) = &**b {
                            offsets.push(k.saturating_neg());
                        }
                    }
                    _ => {}
                });
            }
        }
        let constants = ints.clone();
        for constant in constants {
            for offset in &offsets {
                let moved = constant.saturating_sub(*offset);
                ints.extend([moved.saturating_sub(1), moved, moved.saturating_add(1)]);
            }
        }
        // A case's whole numbers, decimals and durations are within the kept ranges; a witness
        // is a case that can be read.
        // Whole numbers compared with one another: as many values as there are such facts in
        // every stretch between the values compared with (`spread`).
        ints.sort_unstable();
        ints.dedup();
        spread(&mut ints, more(Kind::Int), |i, steps| {
            i.saturating_add(steps)
        });
        ints.retain(|i| i.unsigned_abs() <= MAX_KEPT_INT.unsigned_abs());
        ints.sort_unstable();
        ints.dedup();
        domain.ints = ints;
        // A decimal fact plus a known amount likewise: each constant less the amount.
        let constants = decimals.clone();
        for constant in constants {
            for offset in &decimal_offsets {
                if let Some(moved) = constant.checked_sub(*offset) {
                    decimals.extend(decimal_classes(moved));
                }
            }
        }
        let unit = Decimal::new(1, KEPT_DECIMAL_SCALE);
        decimals.sort();
        decimals.dedup();
        spread(&mut decimals, more(Kind::Decimal), |d, steps| {
            d.checked_add(unit * Decimal::from(steps)).unwrap_or(d)
        });
        decimals.retain(|d| is_kept_decimal(*d));
        decimals.sort();
        decimals.dedup();
        domain.decimals = decimals;
        // Dates a shifted date fact is compared with, moved back: every examined date and
        // every constant date, less (and plus) every duration, and the days around them.
        let mut points = dates.clone();
        points.extend(dates_to_examine(old, new));
        points.extend(examined);
        // `end_of_year(case.date)` compared with a date fact: the end of each examined year.
        if reads_end_of_year(old, new) {
            let ends: Vec<Date> = points.iter().map(|d| d.end_of_year()).collect();
            dates.extend(
                ends.iter()
                    .flat_map(|d| [d.add(one_day(), -1), *d, d.add(one_day(), 1)]),
            );
        }
        dates.extend(
            examined
                .iter()
                .flat_map(|d| [d.add(one_day(), -1), *d, d.add(one_day(), 1)]),
        );
        for point in points {
            for duration in &durations {
                for sign in [-1, 1] {
                    let moved = point.add(*duration, sign);
                    dates.extend([moved.add(one_day(), -1), moved, moved.add(one_day(), 1)]);
                    // A shift by months clamps to the end of the month (2023-01-29, -30 and
                    // -31 plus a month are all 2023-02-28): the facts `s` whose `s - sign *
                    // duration` is before, at or after `point` change within a few days of
                    // `moved`, and each change is a class with the day before it.
                    if duration.months != 0 {
                        let side = |s: Date| s.add(*duration, -sign).cmp(&point);
                        for offset in -4..=4 {
                            let s = moved.add(
                                Duration {
                                    months: 0,
                                    days: offset,
                                },
                                1,
                            );
                            let before = s.add(one_day(), -1);
                            if side(s) != side(before) {
                                dates.extend([before, s]);
                            }
                        }
                    }
                }
            }
        }
        dates.sort();
        dates.dedup();
        spread(&mut dates, more(Kind::Date), |d, steps| {
            d.add(one_day(), i32::try_from(steps).unwrap_or(0))
        });
        // A case's date is one of the calendar; a shift past either end is no class of its own.
        dates.retain(|date| date.is_in_calendar());
        dates.sort();
        dates.dedup();
        domain.dates = dates;
        let more_durations = i32::try_from(more(Kind::Duration)).unwrap_or(0);
        if more_durations > 0 && durations.is_empty() {
            durations.push(Duration::default());
        }
        let base = durations.clone();
        for d in base {
            for extra in 1..=more_durations {
                durations.extend([
                    Duration {
                        months: d.months,
                        days: d.days.saturating_sub(extra),
                    },
                    Duration {
                        months: d.months,
                        days: d.days.saturating_add(extra),
                    },
                ]);
            }
        }
        let kept = MAX_KEPT_DURATION.unsigned_abs();
        durations.retain(|d| d.months.unsigned_abs() <= kept && d.days.unsigned_abs() <= kept);
        durations.sort_by_key(|d| (d.months, d.days));
        durations.dedup();
        domain.durations = durations;
        domain
    }
}

/// The dates on which something can change: every epoch start of both policies and every
/// date the conditions compare with (and the day after it). One policy (the same program
/// twice: `check --analyze`) is examined where it is in force; two are compared everywhere, a
/// change of a policy's own period included. Where a conclusion's arguments are computed from
/// the case's date differently in the two, the days on which calendar arithmetic behaves
/// differently (month ends, leap days) are examined too, in each period between changes.
pub(super) fn dates_to_examine(old: &Program, new: &Program) -> Vec<Date> {
    let dates = change_dates(old, new);
    if std::ptr::eq(old, new) {
        let dates = with_calendar(old, new, dates);
        let in_force: Vec<Date> = dates
            .iter()
            .copied()
            .filter(|d| old.epoch(*d).policy_in_force)
            .collect();
        return if in_force.is_empty() { dates } else { in_force };
    }
    with_calendar(old, new, dates)
}

/// Every date on which something of either policy changes, in force or not: the first day
/// of each period of a rule, set, constant or the policy, and each date the conditions compare
/// with and the day after it.
pub(super) fn change_dates(old: &Program, new: &Program) -> Vec<Date> {
    let mut dates: Vec<Date> = old.change_dates();
    dates.extend(new.change_dates());
    // The first epoch starts before any date a case can have.
    dates.extend(old.epochs.first().map(|e| e.start));
    for program in [old, new] {
        for expr in program_exprs(program) {
            visit(&expr, &mut |e| {
                if let Expr::Value(Value::Date(d)) = e {
                    dates.push(*d);
                    dates.push(d.add(one_day(), 1));
                }
            });
        }
        // A date constant or set member a condition compares the case's date with
        // (`case.date < cutoff`), in each epoch: the literal dates above are not all of them.
        for epoch in &program.epochs {
            for value in epoch.consts.iter().chain(&epoch.sets) {
                let members = match value {
                    Value::Set(members) => members.iter().collect(),
                    other => vec![other],
                };
                for member in members {
                    if let Value::Date(d) = member {
                        dates.push(*d);
                        dates.push(d.add(one_day(), 1));
                    }
                }
            }
        }
    }
    dates.extend(shifted_boundaries(old, new));
    // Only a date of the calendar can be a case's date.
    dates.retain(|date| date.is_in_calendar());
    if reads_end_of_year(old, new) {
        dates.extend(new_years(&dates));
        dates.retain(|date| date.is_in_calendar());
    }
    dates.sort();
    dates.dedup();
    dates
}

/// How many years apart the dates of change may be for `end_of_year` in a condition to be
/// searched exactly (see `new_years`); past it, it is an approximation.
pub(super) const END_OF_YEAR_SPAN: i32 = 400;

/// Whether a condition of either program reads `end_of_year` of something.
pub(super) fn reads_end_of_year(old: &Program, new: &Program) -> bool {
    let mut found = false;
    for program in [old, new] {
        for expr in program_exprs(program) {
            visit(&expr, &mut |e| found |= matches!(e, Expr::EndOfYear(_)));
        }
    }
    found
}

/// The years between the first and the last dates of change (the first epoch's start, before
/// any date a case has, left out) and the year after, when they are at most
/// `END_OF_YEAR_SPAN` apart.
pub(super) fn end_of_year_span(dates: &[Date]) -> Option<(i32, i32)> {
    let years: Vec<i32> = dates
        .iter()
        .filter(|date| **date > Date::MIN)
        .map(|date| date.ymd().0)
        .collect();
    let (first, last) = (*years.iter().min()?, *years.iter().max()?);
    (last - first <= END_OF_YEAR_SPAN).then_some((first, last.saturating_add(1)))
}

/// The 31st of December and the 1st of January of every year among the dates of change (see
/// `end_of_year_span`): `end_of_year(case.date)` is the same on every day of a period between
/// them, and only on the 31st is it the case's date. Over a longer span only those of the years
/// of the dates and the years after them, where a comparison with one of those dates changes;
/// the search then names `end_of_year` as an approximation.
fn new_years(dates: &[Date]) -> Vec<Date> {
    let years: Vec<i32> = match end_of_year_span(dates) {
        Some((first, last)) => (first..=last).collect(),
        None => dates
            .iter()
            .flat_map(|date| {
                let year = date.ymd().0;
                [year, year.saturating_add(1)]
            })
            .collect(),
    };
    years
        .into_iter()
        .flat_map(|year| [Date::from_ymd(year, 1, 1), Date::from_ymd(year, 12, 31)])
        .flatten()
        .collect()
}

/// Where a date fact moved by a duration is compared with the case's date (`case.start + 1
/// month <= case.date`) and also with a constant date `c` (`case.start > 2022-06-15`), which
/// cases exist changes with the case's date where `c`, or the day beside it, moved by the
/// duration meets it: the facts above `c` reach `start + 1 month <= date` first on
/// `2022-06-16 + 1 month`. Those days, and the day after each, are dates of change.
fn shifted_boundaries(old: &Program, new: &Program) -> Vec<Date> {
    let mut constants: Vec<Date> = Vec::new();
    for program in [old, new] {
        for expr in program_exprs(program) {
            visit(&expr, &mut |e| {
                if let Expr::Value(Value::Date(d)) = e {
                    constants.push(*d);
                }
            });
        }
        for epoch in &program.epochs {
            for value in &epoch.consts {
                if let Value::Date(d) = value {
                    constants.push(*d);
                }
            }
        }
    }
    moved_days(&shifts(old, new), constants)
}

/// The durations date facts are moved by in the conditions, each with its direction.
pub(super) fn shifts(old: &Program, new: &Program) -> Vec<(Duration, i32)> {
    let mut shifts: Vec<(Duration, i32)> = Vec::new();
    for program in [old, new] {
        for expr in program_exprs(program) {
            visit(&expr, &mut |e| {
                if let Expr::Arith(op @ (Arith::AddDateDuration | Arith::SubDateDuration), _, b) = e
                    && let Expr::Value(Value::Duration(d)) = &**b
                {
                    let sign = if *op == Arith::AddDateDuration { 1 } else { -1 };
                    shifts.push((*d, sign));
                }
            });
        }
    }
    shifts.sort_by_key(|(d, sign)| (d.months, d.days, *sign));
    shifts.dedup();
    shifts
}

/// Each date, and the days beside it, moved by each shift, with the day after: the case's
/// dates on which a comparison of a shifted fact with the case's date can change.
pub(super) fn moved_days(shifts: &[(Duration, i32)], mut constants: Vec<Date>) -> Vec<Date> {
    if shifts.is_empty() {
        return Vec::new();
    }
    constants.sort();
    constants.dedup();
    let mut out = Vec::new();
    for constant in constants {
        for near in [
            constant.add(one_day(), -1),
            constant,
            constant.add(one_day(), 1),
        ] {
            for (duration, sign) in shifts {
                let moved = near.add(*duration, *sign);
                out.extend([moved, moved.add(one_day(), 1)]);
            }
        }
    }
    out
}

/// The examined dates with the days of the calendar where date arithmetic can tell cases
/// apart that the dates of changes do not.
fn with_calendar(old: &Program, new: &Program, mut dates: Vec<Date>) -> Vec<Date> {
    // A date fact moved by two durations, one of months, is compared with the case's date
    // by windows whose width depends on the month: examine the calendar in every period.
    let mut shifts: Vec<Duration> = Vec::new();
    for program in [old, new] {
        for expr in program_exprs(program) {
            visit(&expr, &mut |e| {
                if let Expr::Arith(Arith::AddDateDuration | Arith::SubDateDuration, _, b) = e
                    && let Expr::Value(Value::Duration(d)) = &**b
                {
                    shifts.push(*d);
                }
            });
        }
    }
    shifts.sort_by_key(|d| (d.months, d.days));
    shifts.dedup();
    let every_period = shifts.len() > 1 && shifts.iter().any(|d| d.months != 0);
    let mut calendar = Vec::new();
    for (index, start) in dates.iter().enumerate() {
        let (old_arguments, new_arguments) =
            (date_arguments(old, *start), date_arguments(new, *start));
        // Obligations of one kind whose arguments are computed from the date in two ways, one
        // by months and one by days (`+ 1 year`, `+ 365 days`), are one obligation on the days
        // the two agree and two on the others, so even where both programs compute alike, the
        // calendar tells cases apart. (Shifts in one unit keep their distance every day.)
        let may_merge = |arguments: &std::collections::BTreeSet<DateArgument>| {
            arguments.iter().any(|a| {
                a.obligation
                    && arguments.iter().any(|b| {
                        b.obligation
                            && b.kind == a.kind
                            && b.computed != a.computed
                            && (a.by_months || b.by_months)
                            && (a.by_days || b.by_days)
                    })
            })
        };
        if !every_period
            && old_arguments == new_arguments
            && !may_merge(&old_arguments)
            && !may_merge(&new_arguments)
        {
            continue;
        }
        let end = dates.get(index + 1).copied();
        calendar.extend(
            calendar_days(*start)
                .into_iter()
                .filter(|d| end.is_none_or(|end| *d < end)),
        );
    }
    dates.extend(calendar);
    dates.sort();
    dates.dedup();
    dates
}

/// A conclusion's argument computed from the case's date.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct DateArgument {
    rule: String,
    /// Whether the conclusion is an obligation (else a verdict), and its kind.
    obligation: bool,
    kind: usize,
    /// The argument as lowered, with the values of the constants it reads.
    computed: String,
    /// Whether it shifts a date by months, and by days (literal or constant durations).
    by_months: bool,
    by_days: bool,
}

/// The conclusions' arguments computed from the case's date, on a date.
fn date_arguments(program: &Program, date: Date) -> std::collections::BTreeSet<DateArgument> {
    let epoch = program.epoch(date);
    let date_field = program
        .policy
        .records
        .get(program.policy.input)
        .and_then(|r| r.field_index("date"));
    let mut out = std::collections::BTreeSet::new();
    for &rule_id in &epoch.rules {
        let index = rule_id as usize;
        let rule = &program.rules[index];
        let conclusions = (rule.verdict.iter().map(|c| (false, c)))
            .chain(rule.obligations.iter().map(|c| (true, c)));
        for (obligation, (kind, args)) in conclusions {
            for arg in args {
                let mut reads_date = false;
                let mut consts = String::new();
                let (mut by_months, mut by_days) = (false, false);
                let mut units = |value: Option<&Value>| {
                    if let Some(Value::Duration(d)) = value {
                        by_months |= d.months != 0;
                        by_days |= d.days != 0;
                    }
                };
                visit(arg, &mut |e| match e {
                    Expr::Field(base, position)
                        if matches!(**base, Expr::Case) && Some(*position) == date_field =>
                    {
                        reads_date = true
                    }
                    Expr::Const(c) => {
                        consts.push_str(&format!("{:?}", epoch.consts.get(*c)));
                        units(epoch.consts.get(*c));
                    }
                    Expr::Value(value) => units(Some(value)),
                    _ => {}
                });
                if reads_date {
                    out.insert(DateArgument {
                        rule: program.policy.rules[index].name.clone(),
                        obligation,
                        kind: *kind,
                        computed: format!("{arg:?} {consts}"),
                        by_months,
                        by_days,
                    });
                }
            }
        }
    }
    out
}

/// The days from a date on which date arithmetic changes behaviour, over one leap cycle:
/// the first, the ends of months and the days around the 29th of February.
fn calendar_days(start: Date) -> Vec<Date> {
    let (year, _, _) = start.ymd();
    let mut days = vec![start, start.add(one_day(), 1)];
    for y in year..=year.saturating_add(4) {
        for (month, day) in [(1, 1), (1, 31), (2, 28), (2, 29), (3, 1), (4, 30), (12, 31)] {
            if let Ok(date) = Date::from_ymd(y, month, day)
                && date >= start
            {
                days.push(date);
            }
        }
    }
    days
}

impl Domain {
    /// The number of classes of a scalar type.
    pub(super) fn class_count(&self, ty: &Type) -> usize {
        match ty {
            Type::Bool => 2,
            Type::Enum(index) => self.enum_classes.get(*index).map(Vec::len).unwrap_or(0),
            Type::Text => self.texts.len(),
            Type::Int => self.ints.len(),
            Type::Decimal => self.decimals.len(),
            Type::Date => self.dates.len(),
            Type::Duration => self.durations.len().max(1),
            _ => 0,
        }
    }

    /// The class of a known value of a scalar type, if it has one.
    pub(super) fn class_of(&self, ty: &Type, value: &Value) -> Option<usize> {
        match (ty, value) {
            (Type::Enum(index), Value::Enum(_, member)) => self
                .enum_class_of
                .get(*index)?
                .get(usize::from(*member))
                .copied(),
            // The classes of these types are kept sorted.
            (Type::Text, Value::Text(text)) => {
                self.texts.binary_search_by(|t| t.as_str().cmp(text)).ok()
            }
            (Type::Int, Value::Int(i)) => self.ints.binary_search(i).ok(),
            (Type::Decimal, Value::Decimal(d)) => self.decimals.binary_search(d).ok(),
            (Type::Date, Value::Date(d)) => self.dates.binary_search(d).ok(),
            (Type::Duration, Value::Duration(d)) => self.durations.iter().position(|x| x == d),
            _ => None,
        }
    }

    /// The value standing for a class.
    pub(super) fn representative(&self, ty: &Type, class: usize) -> Value {
        match ty {
            Type::Bool => Value::Bool(class == 1),
            Type::Enum(index) => {
                let member = self
                    .enum_classes
                    .get(*index)
                    .and_then(|classes| classes.get(class))
                    .and_then(|members| members.first())
                    .copied()
                    .unwrap_or(0);
                Value::Enum(u16::try_from(*index).unwrap_or(u16::MAX), member)
            }
            Type::Text => Value::Text(self.texts.get(class).cloned().unwrap_or_default().into()),
            Type::Int => Value::Int(self.ints.get(class).copied().unwrap_or(0)),
            Type::Decimal => Value::Decimal(self.decimals.get(class).copied().unwrap_or_default()),
            Type::Date => Value::Date(self.dates.get(class).copied().unwrap_or(Date::EPOCH)),
            Type::Duration => {
                Value::Duration(self.durations.get(class).copied().unwrap_or_default())
            }
            _ => Value::None,
        }
    }

    /// The class a concrete value falls in: its own, or for a text outside the universe the
    /// class of the longest constant it starts with.
    pub(super) fn class_for(&self, ty: &Type, value: &Value) -> Option<usize> {
        if let Some(class) = self.class_of(ty, value) {
            return Some(class);
        }
        match (ty, value) {
            (Type::Text, Value::Text(text)) => {
                let prefixed = self
                    .texts
                    .iter()
                    .enumerate()
                    .filter_map(|(class, rep)| {
                        rep.strip_suffix(".z9").map(|prefix| (class, prefix))
                    })
                    .filter(|(_, prefix)| text.starts_with(prefix))
                    .max_by_key(|(_, prefix)| prefix.len())
                    .map(|(class, _)| class);
                prefixed.or_else(|| self.texts.iter().position(|t| t == "other"))
            }
            _ => None,
        }
    }

    pub(super) fn same_class(&self, ty: &Type, value: &Value, representative: &Value) -> bool {
        match (
            self.class_for(ty, value),
            self.class_for(ty, representative),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }
}

/// One day, the step between a date and the dates just before and after it.
pub(super) fn one_day() -> Duration {
    Duration { months: 0, days: 1 }
}
