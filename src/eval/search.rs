//! The exhaustive search for cases on which two policies disagree.
//!
//! Every fact of a case is reduced to the classes of values that the two policies' conditions
//! can tell apart: members of an enum that belong to the same sets, texts by the constants and
//! prefixes they are compared with, dates by the dates they are compared with. Each fact becomes
//! boolean variables (one per class, exactly one true; one per class for a set), every condition
//! a binary decision diagram, and for each date on which anything changes, each policy's outcome
//! a partition of all cases. Where the partitions disagree there is a difference, and a
//! satisfying assignment that prefers default values is its smallest witness. Sets of records
//! (licences) are searched with at most one member. Each witness is decided again concretely
//! under both policies before it is reported, so a reported difference is always real.

use std::collections::{BTreeMap, HashMap};

use crate::check::ir::{Compare, Type};
use crate::syntax::calendar::{Date, Duration};

use super::bdd::{FALSE, Manager, Node, TRUE, TooLarge};
use super::compare::{Comparison, compare};
use super::program::{Epoch, Expr, Program};
use super::value::{EnumSet, Value};

/// One way the two policies disagree, with a concrete case that shows it.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The outcome under the old policy and under the new one, as written.
    pub old_outcome: String,
    pub new_outcome: String,
    /// The witness case (a value of the old policy's input type) and its date.
    pub case: Value,
    pub date: Date,
    /// The witness decided under both policies.
    pub comparison: Comparison,
}

/// What the search found.
#[derive(Debug, Clone, Default)]
pub struct SearchReport {
    pub differences: Vec<Difference>,
    /// Conditions the search could only approximate; when empty, "no difference" is a proof
    /// over the classes described above.
    pub approximations: Vec<String>,
    /// How many dates were examined.
    pub dates: usize,
    /// Differences found symbolically that did not show when decided concretely.
    pub unconfirmed: usize,
}

/// Why the search could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    /// The two policies do not take the same input.
    DifferentInputs(String),
    /// The decision diagrams grew past the limit.
    TooLarge,
    /// So many rules change on so many dates that the search would take many minutes: it
    /// builds every rule's regions on every date where something changes.
    TooManyDates {
        dates: usize,
        rules: usize,
        budget: usize,
    },
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchError::DifferentInputs(reason) => formatter.write_str(reason),
            SearchError::TooLarge => {
                formatter.write_str("the search grew too large for this machine")
            }
            SearchError::TooManyDates {
                dates,
                rules,
                budget,
            } => write!(
                formatter,
                "the search would build {rules} rules' regions on each of {dates} dates on which something changes, more than the {budget} rule-dates it takes on (about a minute)"
            ),
        }
    }
}

/// The rules times the dates beyond which a search for differences does not start: about a
/// minute of work (10,000 rules each from its own day, compared with themselves, took 51 s).
const DIFF_RULE_DATES: usize = 250_000_000;
/// The same for the analysis, which also pairs the rules on every date (3,000 rules each from
/// its own day: 11 s).
const ANALYSIS_RULE_DATES: usize = 50_000_000;

/// Refuses a search of `rules` rules over `dates` dates past a budget.
fn within_budget(dates: usize, rules: usize, budget: usize) -> Result<(), SearchError> {
    match dates.saturating_mul(rules) > budget {
        true => Err(SearchError::TooManyDates {
            dates,
            rules,
            budget,
        }),
        false => Ok(()),
    }
}

impl From<TooLarge> for SearchError {
    fn from(_: TooLarge) -> SearchError {
        SearchError::TooLarge
    }
}

/// The value classes of each type, shared by both policies.
#[derive(Debug, Default)]
struct Domain {
    /// For each enum (by index in the old policy): the classes of members, and each member's class.
    enum_classes: Vec<Vec<Vec<u16>>>,
    enum_class_of: Vec<Vec<usize>>,
    texts: Vec<String>,
    ints: Vec<i64>,
    decimals: Vec<rust_decimal::Decimal>,
    dates: Vec<Date>,
    durations: Vec<Duration>,
}

/// A fact of the case (or of the one member of a set of records) and its variables.
#[derive(Debug, Clone)]
struct Slot {
    ty: Type,
    /// For a scalar: the bits of its value's number in binary (for an optional scalar, 0 is
    /// `none` and class `c` is `c + 1`); all bits false is the first value, preferred in
    /// witnesses. For a set: one variable per class. For a bool: one. For a set of records:
    /// one, "has a member".
    vars: Vec<u32>,
    /// For a scalar: how many values the bits encode.
    count: usize,
}

/// A symbolic value during the search.
#[derive(Debug, Clone)]
enum Sym {
    Known(Value),
    Bool(Node),
    /// A scalar fact: its slot.
    Scalar(usize),
    /// A set of enum members or texts: its slot.
    Bits(usize),
    /// A record of the case, or the member of a set of records: its path and record type.
    Record(Vec<String>, usize),
    /// A set of records: its path, record type and "has a member" slot.
    Records(Vec<String>, usize, usize),
    /// A set inside the member of a set of records: its path.
    Atoms(Vec<String>),
    /// A date fact moved by a duration (`l.valid_from + 5 years`): its slot, the duration and
    /// the direction.
    Shifted(usize, Duration, i32),
}

struct Search<'p> {
    old: &'p Program,
    new: &'p Program,
    domain: Domain,
    manager: Manager,
    slots: Vec<Slot>,
    slot_of: HashMap<Vec<String>, usize>,
    next_var: u32,
    approximations: Vec<String>,
    /// Sets inside the member of a set of records (a licence's items): each membership test
    /// is a variable of its own, and one more says the set is empty.
    atom_sets: HashMap<Vec<String>, AtomSet>,
    /// The rule being encoded, to say where an approximation is.
    current_rule: String,
}

/// A set of a record searched by the membership tests made of it.
#[derive(Debug, Clone, Default)]
struct AtomSet {
    empty: u32,
    /// What is tested to be a member, and the variable for "it is".
    atoms: Vec<(Member, u32)>,
}

/// The thing tested to be a member of an atom set.
#[derive(Debug, Clone, PartialEq)]
enum Member {
    Known(Value),
    Slot(usize),
}

/// Searches for every way two policies with the same input can decide differently.
pub fn search(old: &Program, new: &Program) -> Result<SearchReport, SearchError> {
    check_same_input(old, new)?;
    let mut search = Search::new(old, new);
    let dates = search.dates_to_examine();
    within_budget(
        dates.len(),
        old.rules.len() + new.rules.len(),
        DIFF_RULE_DATES,
    )?;
    let mut report = SearchReport {
        dates: dates.len(),
        ..SearchReport::default()
    };
    // One witness per kind of difference: the verdicts, the rules that decide them, and the
    // kinds of obligation (not their dates) under each.
    let mut found: BTreeMap<Vec<String>, Difference> = BTreeMap::new();
    for date in dates {
        for (region, _, _) in search.differences_on(date)? {
            let case = search.witness(region, date)?;
            match search.confirm(&case, date) {
                Some(comparison) => {
                    let key = difference_kind(old, new, &comparison);
                    if found.contains_key(&key) {
                        continue;
                    }
                    found.insert(
                        key,
                        Difference {
                            old_outcome: comparison.old_outcome.describe(),
                            new_outcome: comparison.new_outcome.describe(),
                            case,
                            date,
                            comparison,
                        },
                    );
                }
                None => report.unconfirmed += 1,
            }
        }
    }
    report.differences = found.into_values().collect();
    report.approximations = search.approximations;
    report.approximations.sort();
    report.approximations.dedup();
    Ok(report)
}

/// What makes two differences the same kind: the verdicts, the deciding rules, and the kinds of
/// obligation under each.
fn difference_kind(old: &Program, new: &Program, comparison: &Comparison) -> Vec<String> {
    let rule = |program: &Program, decision: &super::run::Decision| {
        decision
            .decided_by
            .map(|r| program.policy.rules[r].name.clone())
            .unwrap_or_default()
    };
    let kinds = |program: &Program, decision: &super::run::Decision| {
        let mut kinds: Vec<String> = decision
            .obligations
            .iter()
            .map(|o| program.policy.obligations[o.kind].name.clone())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds.join(",")
    };
    vec![
        comparison.old_outcome.verdict.clone(),
        comparison.new_outcome.verdict.clone(),
        rule(old, &comparison.old.0),
        rule(new, &comparison.new.0),
        kinds(old, &comparison.old.0),
        kinds(new, &comparison.new.0),
    ]
}

impl super::compare::Outcome {
    /// The outcome in one line: the verdict, then the obligations.
    pub fn describe(&self) -> String {
        if self.obligations.is_empty() {
            self.verdict.clone()
        } else {
            format!("{} with {}", self.verdict, self.obligations.join(", "))
        }
    }
}

/// The inputs must have the same fields and enums, so that a case means the same to both.
fn check_same_input(old: &Program, new: &Program) -> Result<(), SearchError> {
    fn shape(program: &Program, ty: &Type, depth: usize) -> String {
        let policy = &program.policy;
        match ty {
            Type::Enum(index) => format!("enum {:?}", policy.enums[*index].members),
            Type::Record(index) if depth < 8 => {
                let fields: Vec<String> = policy.records[*index]
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, shape(program, &f.ty, depth + 1)))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }
            Type::Set(inner) => format!("set of {}", shape(program, inner, depth + 1)),
            Type::Optional(inner) => format!("optional {}", shape(program, inner, depth + 1)),
            other => format!("{other:?}"),
        }
    }
    let old_shape = shape(old, &Type::Record(old.policy.input), 0);
    let new_shape = shape(new, &Type::Record(new.policy.input), 0);
    if old_shape == new_shape {
        Ok(())
    } else {
        Err(SearchError::DifferentInputs(
            "the two policies' inputs differ; compare them over given cases with `--cases`"
                .to_string(),
        ))
    }
}

/// Every expression of a program that facts are compared in: conditions and `for` sets of rules.
/// (Conclusions' arguments are evaluated, but never compared with facts.)
fn program_exprs(program: &Program) -> Vec<&Expr> {
    let mut exprs = Vec::new();
    for rule in &program.rules {
        exprs.extend(rule.conditions.iter());
        exprs.extend(rule.for_each.iter());
    }
    exprs
}

fn visit<'e>(expr: &'e Expr, out: &mut impl FnMut(&'e Expr)) {
    out(expr);
    match expr {
        Expr::Value(_) | Expr::Case | Expr::Local(_) | Expr::Const(_) | Expr::NamedSet(_) => {}
        Expr::Field(inner, _)
        | Expr::Not(inner)
        | Expr::IsNone(inner)
        | Expr::IsEmpty(inner)
        | Expr::Count(inner)
        | Expr::EndOfYear(inner) => visit(inner, out),
        Expr::SetLit(items, _) | Expr::RecordLit(_, items) | Expr::And(items) | Expr::Or(items) => {
            items.iter().for_each(|item| visit(item, out))
        }
        Expr::Compare(_, a, b)
        | Expr::In(a, b)
        | Expr::Arith(_, a, b)
        | Expr::StartsWith(a, b)
        | Expr::AnyPrefix(a, b) => {
            visit(a, out);
            visit(b, out);
        }
        Expr::Quantifier { set, body, .. } => {
            visit(set, out);
            visit(body, out);
        }
        Expr::If(c, a, b) => {
            visit(c, out);
            visit(a, out);
            visit(b, out);
        }
    }
}

/// Every constant value a program's conditions, sets and constants can compare facts with.
fn constants(program: &Program) -> Vec<Value> {
    let mut values = Vec::new();
    for expr in program_exprs(program) {
        visit(expr, &mut |e| {
            if let Expr::Value(value) = e {
                values.push(value.clone());
            }
        });
    }
    for epoch in &program.epochs {
        values.extend(epoch.consts.iter().cloned());
        values.extend(epoch.sets.iter().cloned());
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

impl<'p> Search<'p> {
    /// A search over two policies (the same one twice to analyse one), with its domain built.
    fn new(old: &'p Program, new: &'p Program) -> Search<'p> {
        let mut search = Search {
            old,
            new,
            domain: Domain::default(),
            manager: Manager::new(4_000_000),
            slots: Vec::new(),
            slot_of: HashMap::new(),
            next_var: 0,
            approximations: Vec::new(),
            atom_sets: HashMap::new(),
            current_rule: String::new(),
        };
        search.build_domain();
        search
    }

    fn build_domain(&mut self) {
        let enums = &self.old.policy.enums;
        let mut values = constants(self.old);
        values.extend(constants(self.new));
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
                Value::Decimal(d) => {
                    let step = rust_decimal::Decimal::new(1, d.scale().max(1));
                    decimals.extend([d - step, d, d + step]);
                }
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
            self.domain.enum_classes.push(classes);
            self.domain.enum_class_of.push(class_of);
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
        representatives.sort();
        representatives.dedup();
        self.domain.texts = representatives;
        ints.sort_unstable();
        ints.dedup();
        self.domain.ints = ints;
        decimals.sort();
        decimals.dedup();
        self.domain.decimals = decimals;
        // Dates a shifted date fact is compared with, moved back: every examined date and
        // every constant date, less (and plus) every duration, and the days around them.
        let mut points = dates.clone();
        points.extend(self.dates_to_examine());
        for point in points {
            for duration in &durations {
                for sign in [-1, 1] {
                    let moved = point.add(*duration, sign);
                    dates.extend([moved.add(one_day(), -1), moved, moved.add(one_day(), 1)]);
                }
            }
        }
        dates.sort();
        dates.dedup();
        self.domain.dates = dates;
        durations.sort_by_key(|d| (d.months, d.days));
        durations.dedup();
        self.domain.durations = durations;
    }

    /// The dates on which something can change: every epoch start of both policies and every
    /// date the conditions compare with (and the day after it).
    fn dates_to_examine(&self) -> Vec<Date> {
        let mut dates: Vec<Date> = self.old.change_dates();
        dates.extend(self.new.change_dates());
        // The first epoch starts before any date a case can have.
        dates.extend(self.old.epochs.first().map(|e| e.start));
        for program in [self.old, self.new] {
            for expr in program_exprs(program) {
                visit(expr, &mut |e| {
                    if let Expr::Value(Value::Date(d)) = e {
                        dates.push(*d);
                        dates.push(d.add(one_day(), 1));
                    }
                });
            }
        }
        dates.sort();
        dates.dedup();
        // Compare where both policies are in force; an amendment says nothing about the time
        // before it. Where they never overlap, compare everywhere.
        let both: Vec<Date> = dates
            .iter()
            .copied()
            .filter(|d| self.old.epoch(*d).policy_in_force && self.new.epoch(*d).policy_in_force)
            .collect();
        if both.is_empty() { dates } else { both }
    }

    /// The number of classes of a scalar type.
    fn class_count(&self, ty: &Type) -> usize {
        match ty {
            Type::Bool => 2,
            Type::Enum(index) => self
                .domain
                .enum_classes
                .get(*index)
                .map(Vec::len)
                .unwrap_or(0),
            Type::Text => self.domain.texts.len(),
            Type::Int => self.domain.ints.len(),
            Type::Decimal => self.domain.decimals.len(),
            Type::Date => self.domain.dates.len(),
            Type::Duration => self.domain.durations.len().max(1),
            _ => 0,
        }
    }

    /// The class of a known value of a scalar type, if it has one.
    fn class_of(&self, ty: &Type, value: &Value) -> Option<usize> {
        match (ty, value) {
            (Type::Enum(index), Value::Enum(_, member)) => self
                .domain
                .enum_class_of
                .get(*index)?
                .get(usize::from(*member))
                .copied(),
            // The classes of these types are kept sorted.
            (Type::Text, Value::Text(text)) => self
                .domain
                .texts
                .binary_search_by(|t| t.as_str().cmp(text))
                .ok(),
            (Type::Int, Value::Int(i)) => self.domain.ints.binary_search(i).ok(),
            (Type::Decimal, Value::Decimal(d)) => self.domain.decimals.binary_search(d).ok(),
            (Type::Date, Value::Date(d)) => self.domain.dates.binary_search(d).ok(),
            (Type::Duration, Value::Duration(d)) => {
                self.domain.durations.iter().position(|x| x == d)
            }
            _ => None,
        }
    }

    /// The value standing for a class.
    fn representative(&self, ty: &Type, class: usize) -> Value {
        match ty {
            Type::Bool => Value::Bool(class == 1),
            Type::Enum(index) => {
                let member = self
                    .domain
                    .enum_classes
                    .get(*index)
                    .and_then(|classes| classes.get(class))
                    .and_then(|members| members.first())
                    .copied()
                    .unwrap_or(0);
                Value::Enum(u16::try_from(*index).unwrap_or(u16::MAX), member)
            }
            Type::Text => Value::Text(
                self.domain
                    .texts
                    .get(class)
                    .cloned()
                    .unwrap_or_default()
                    .into(),
            ),
            Type::Int => Value::Int(self.domain.ints.get(class).copied().unwrap_or(0)),
            Type::Decimal => {
                Value::Decimal(self.domain.decimals.get(class).copied().unwrap_or_default())
            }
            Type::Date => Value::Date(self.domain.dates.get(class).copied().unwrap_or(Date::EPOCH)),
            Type::Duration => Value::Duration(
                self.domain
                    .durations
                    .get(class)
                    .copied()
                    .unwrap_or_default(),
            ),
            _ => Value::None,
        }
    }

    fn fresh(&mut self) -> u32 {
        let var = self.next_var;
        self.next_var += 1;
        var
    }

    /// The slot of a fact, created on first use.
    fn slot(&mut self, path: &[String], ty: &Type) -> usize {
        if let Some(&slot) = self.slot_of.get(path) {
            return slot;
        }
        let (vars, count) = match ty {
            Type::Bool => (vec![self.fresh()], 0),
            Type::Set(inner) if matches!(**inner, Type::Record(_)) => (vec![self.fresh()], 0),
            Type::Set(inner) => {
                let classes = self.class_count(inner);
                ((0..classes).map(|_| self.fresh()).collect(), 0)
            }
            Type::Optional(inner) => {
                let count = self.class_count(inner) + 1;
                ((0..bits_for(count)).map(|_| self.fresh()).collect(), count)
            }
            scalar => {
                let count = self.class_count(scalar).max(1);
                ((0..bits_for(count)).map(|_| self.fresh()).collect(), count)
            }
        };
        let slot = self.slots.len();
        self.slots.push(Slot {
            ty: ty.clone(),
            vars,
            count,
        });
        self.slot_of.insert(path.to_vec(), slot);
        slot
    }

    /// Every difference between the two policies' outcomes on one date: the region of cases,
    /// and the two outcomes as written.
    fn differences_on(&mut self, date: Date) -> Result<Vec<(Node, String, String)>, SearchError> {
        let old = self.old;
        let new = self.new;
        let old_outcomes = self.outcomes(old, date)?;
        let new_outcomes = self.outcomes(new, date)?;
        let mut regions = Vec::new();
        for (old_outcome, old_region) in &old_outcomes {
            for (new_outcome, new_region) in &new_outcomes {
                if old_outcome == new_outcome {
                    continue;
                }
                let region = self.manager.and(*old_region, *new_region)?;
                if region != FALSE {
                    regions.push((region, old_outcome.clone(), new_outcome.clone()));
                }
            }
        }
        Ok(regions)
    }

    /// A program's outcomes on a date: for each outcome as written (verdict, then obligations),
    /// the region of cases that get it.
    /// Each rule's regions on a date: where its conditions hold, where it is triggered, where it
    /// applies, and where it decides the verdict (with the verdict as written).
    fn rule_regions(&mut self, program: &Program, date: Date) -> Result<RuleRegions, SearchError> {
        let epoch = program.epoch(date);
        let count = program.rules.len();
        // Each rule's conditions (with its `for`), when in force.
        let mut holds = vec![FALSE; count];
        for &rule_id in &epoch.rules {
            let index = rule_id as usize;
            if program.policy.rules[index].in_force.contains(date) {
                holds[index] = self.rule_condition(program, epoch, date, index)?;
            }
        }
        let mut triggered_memo: Vec<Option<Node>> = vec![None; count];
        let mut triggered = Vec::with_capacity(count);
        for index in 0..count {
            triggered.push(self.triggered(program, index, &holds, &mut triggered_memo)?);
        }
        let mut applied_memo: Vec<Option<Node>> = vec![None; count];
        let mut applied = Vec::with_capacity(count);
        for index in 0..count {
            applied.push(self.applied(program, index, &triggered_memo, &mut applied_memo)?);
        }
        // The deciding rule: the strongest verdict, the first rule among equals.
        let mut taken = FALSE;
        let mut decides = vec![FALSE; count];
        let mut verdicts: Vec<Option<String>> = vec![None; count];
        for kind in 0..program.policy.verdicts.len() {
            for (index, rule) in program.rules.iter().enumerate() {
                let Some((rule_kind, args)) = &rule.verdict else {
                    continue;
                };
                if *rule_kind != kind {
                    continue;
                }
                verdicts[index] = Some(self.conclusion_text(
                    program,
                    epoch,
                    date,
                    &program.policy.verdicts[kind],
                    args,
                ));
                if applied[index] == FALSE {
                    continue;
                }
                let not_taken = self.manager.not(taken)?;
                decides[index] = self.manager.and(applied[index], not_taken)?;
                taken = self.manager.or(taken, applied[index])?;
            }
        }
        let otherwise = self.manager.not(taken)?;
        Ok(RuleRegions {
            holds,
            triggered,
            applied,
            decides,
            verdicts,
            otherwise,
        })
    }

    fn outcomes(
        &mut self,
        program: &Program,
        date: Date,
    ) -> Result<Vec<(String, Node)>, SearchError> {
        let epoch = program.epoch(date);
        let regions = self.rule_regions(program, date)?;
        let applied = regions.applied.clone();
        let mut verdict_regions: Vec<(String, Node)> = Vec::new();
        for (index, text) in regions.verdicts.iter().enumerate() {
            if let Some(text) = text
                && regions.decides[index] != FALSE
            {
                verdict_regions.push((text.clone(), regions.decides[index]));
            }
        }
        let otherwise = regions.otherwise;
        verdict_regions.push((
            program.policy.verdicts[program.policy.otherwise]
                .name
                .clone(),
            otherwise,
        ));
        // Obligations: each one as written, present where a rule imposing it applies.
        let mut obligations: BTreeMap<String, Node> = BTreeMap::new();
        for (index, rule) in program.rules.iter().enumerate() {
            for (kind, args) in &rule.obligations {
                if applied[index] == FALSE {
                    continue;
                }
                let text = self.conclusion_text(
                    program,
                    epoch,
                    date,
                    &program.policy.obligations[*kind],
                    args,
                );
                let present = obligations.entry(text).or_insert(FALSE);
                *present = self.manager.or(*present, applied[index])?;
            }
        }
        // Refine the verdict regions by every obligation's presence.
        let mut outcomes: Vec<(String, Node)> = Vec::new();
        for (verdict, region) in verdict_regions {
            let mut parts: Vec<(Vec<String>, Node)> = vec![(Vec::new(), region)];
            for (obligation, present) in &obligations {
                let absent = self.manager.not(*present)?;
                let mut next = Vec::new();
                for (list, node) in parts {
                    let with = self.manager.and(node, *present)?;
                    let without = self.manager.and(node, absent)?;
                    if with != FALSE {
                        let mut list_with = list.clone();
                        list_with.push(obligation.clone());
                        next.push((list_with, with));
                    }
                    if without != FALSE {
                        next.push((list, without));
                    }
                }
                parts = next;
            }
            for (list, node) in parts {
                let text = if list.is_empty() {
                    verdict.clone()
                } else {
                    format!("{verdict} with {}", list.join(", "))
                };
                match outcomes.iter_mut().find(|(t, _)| *t == text) {
                    Some((_, existing)) => *existing = self.manager.or(*existing, node)?,
                    None => outcomes.push((text, node)),
                }
            }
        }
        Ok(outcomes)
    }

    fn triggered(
        &mut self,
        program: &Program,
        index: usize,
        holds: &[Node],
        memo: &mut Vec<Option<Node>>,
    ) -> Result<Node, SearchError> {
        if let Some(node) = memo[index] {
            return Ok(node);
        }
        let rule = &program.rules[index];
        let mut result = holds[index];
        if !rule.exception_to.is_empty() && result != FALSE {
            let mut any_base = FALSE;
            for &base in &rule.exception_to {
                let t = self.triggered(program, base, holds, memo)?;
                any_base = self.manager.or(any_base, t)?;
            }
            result = self.manager.and(result, any_base)?;
        }
        memo[index] = Some(result);
        Ok(result)
    }

    /// Where a rule applies: triggered, and no exception to it applies.
    fn applied(
        &mut self,
        program: &Program,
        index: usize,
        triggered: &[Option<Node>],
        memo: &mut Vec<Option<Node>>,
    ) -> Result<Node, SearchError> {
        if let Some(node) = memo[index] {
            return Ok(node);
        }
        let mut suppressed = FALSE;
        for &exception in &program.rules[index].exceptions {
            let applies = self.applied(program, exception, triggered, memo)?;
            suppressed = self.manager.or(suppressed, applies)?;
        }
        let not_suppressed = self.manager.not(suppressed)?;
        let own = triggered[index].unwrap_or(FALSE);
        let node = self.manager.and(own, not_suppressed)?;
        memo[index] = Some(node);
        Ok(node)
    }

    /// A conclusion as written when its arguments are known on this date, otherwise with the
    /// expression of each unknown argument.
    fn conclusion_text(
        &mut self,
        program: &Program,
        epoch: &Epoch,
        date: Date,
        kind: &crate::check::ir::KindDef,
        args: &[Expr],
    ) -> String {
        if kind.params.is_empty() {
            return kind.name.clone();
        }
        let parts: Vec<String> = kind
            .params
            .iter()
            .zip(args)
            .map(|((name, _), arg)| {
                let mut env = SymEnv {
                    program,
                    epoch,
                    date,
                    locals: Vec::new(),
                };
                match self.sym(arg, &mut env) {
                    Ok(Sym::Known(value)) => format!("{name}: {}", program.format_value(&value)),
                    _ => format!("{name}: <depends on the case>"),
                }
            })
            .collect();
        format!("{}({})", kind.name, parts.join(", "))
    }

    /// The region where a rule's conditions hold (for its first member, with `for`).
    fn rule_condition(
        &mut self,
        program: &Program,
        epoch: &Epoch,
        date: Date,
        index: usize,
    ) -> Result<Node, SearchError> {
        let rule = &program.rules[index];
        self.current_rule = program.policy.rules[index].name.clone();
        let mut env = SymEnv {
            program,
            epoch,
            date,
            locals: Vec::new(),
        };
        match &rule.for_each {
            None => self.conjunction(&rule.conditions, &mut env),
            Some(set) => {
                let set = self.sym(set, &mut env)?;
                self.over_members(set, true, &mut env, &mut |search, env| {
                    search.conjunction(&rule.conditions, env)
                })
            }
        }
    }

    fn conjunction(
        &mut self,
        conditions: &[Expr],
        env: &mut SymEnv<'_>,
    ) -> Result<Node, SearchError> {
        let mut result = TRUE;
        for condition in conditions {
            let node = self.truth(condition, env)?;
            result = self.manager.and(result, node)?;
            if result == FALSE {
                break;
            }
        }
        Ok(result)
    }

    /// `some` (or `every`) member of a symbolic set satisfies `body`.
    fn over_members(
        &mut self,
        set: Sym,
        some: bool,
        env: &mut SymEnv<'_>,
        body: &mut dyn FnMut(&mut Self, &mut SymEnv<'_>) -> Result<Node, SearchError>,
    ) -> Result<Node, SearchError> {
        let mut result = if some { FALSE } else { TRUE };
        match set {
            Sym::Known(value) => {
                for member in value.set_members() {
                    env.locals.push(Sym::Known(member));
                    let holds = body(self, env);
                    env.locals.pop();
                    let holds = holds?;
                    result = if some {
                        self.manager.or(result, holds)?
                    } else {
                        self.manager.and(result, holds)?
                    };
                }
            }
            Sym::Bits(slot) => {
                let Type::Set(element) = self.slots[slot].ty.clone() else {
                    return Ok(self.opaque("a set"));
                };
                for class in 0..self.slots[slot].vars.len() {
                    let bit = self.manager.var(self.slots[slot].vars[class])?;
                    env.locals
                        .push(Sym::Known(self.representative(&element, class)));
                    let holds = body(self, env);
                    env.locals.pop();
                    let holds = holds?;
                    let part = if some {
                        self.manager.and(bit, holds)?
                    } else {
                        let not_bit = self.manager.not(bit)?;
                        self.manager.or(not_bit, holds)?
                    };
                    result = if some {
                        self.manager.or(result, part)?
                    } else {
                        self.manager.and(result, part)?
                    };
                }
            }
            Sym::Records(path, record, present_slot) => {
                let present = self.manager.var(self.slots[present_slot].vars[0])?;
                let mut member_path = path;
                member_path.push("0".to_string());
                env.locals.push(Sym::Record(member_path, record));
                let holds = body(self, env);
                env.locals.pop();
                let holds = holds?;
                result = if some {
                    self.manager.and(present, holds)?
                } else {
                    let absent = self.manager.not(present)?;
                    self.manager.or(absent, holds)?
                };
            }
            _ => result = self.opaque("a quantifier over a value the search cannot enumerate"),
        }
        Ok(result)
    }

    /// A fresh variable standing for a condition the search cannot encode exactly.
    fn opaque(&mut self, what: &str) -> Node {
        self.approximations
            .push(format!("{what} (in rule `{}`)", self.current_rule));
        let var = self.fresh();
        self.manager.var(var).unwrap_or(FALSE)
    }

    fn truth(&mut self, expr: &Expr, env: &mut SymEnv<'_>) -> Result<Node, SearchError> {
        let value = self.sym(expr, env)?;
        Ok(match value {
            Sym::Bool(node) => node,
            Sym::Known(value) => {
                if value.as_bool() {
                    TRUE
                } else {
                    FALSE
                }
            }
            Sym::Scalar(slot) if self.slots[slot].ty == Type::Bool => {
                self.manager.var(self.slots[slot].vars[0])?
            }
            _ => self.opaque("a condition that is not a truth value"),
        })
    }

    /// The known value of an expression, or its symbolic form.
    fn sym(&mut self, expr: &Expr, env: &mut SymEnv<'_>) -> Result<Sym, SearchError> {
        Ok(match expr {
            Expr::Value(value) => Sym::Known(value.clone()),
            Expr::Case => Sym::Record(Vec::new(), env.program.policy.input),
            Expr::Local(depth) => match env
                .locals
                .len()
                .checked_sub(depth + 1)
                .and_then(|i| env.locals.get(i))
            {
                Some(sym) => sym.clone(),
                None => Sym::Known(Value::None),
            },
            Expr::Const(index) => {
                Sym::Known(env.epoch.consts.get(*index).cloned().unwrap_or(Value::None))
            }
            Expr::NamedSet(index) => match env.program.dated_set(*index) {
                // Kept with its members' dates: built for the date examined.
                Some(dated) => Sym::Known(dated.at(env.date)),
                None => Sym::Known(env.epoch.sets.get(*index).cloned().unwrap_or(Value::None)),
            },
            Expr::Field(base, position) => {
                let base = self.sym(base, env)?;
                self.field(base, *position, env)
            }
            Expr::SetLit(members, element) => {
                let mut values = Vec::new();
                for member in members {
                    match self.sym(member, env)? {
                        Sym::Known(value) => values.push(value),
                        _ => return Ok(Sym::Bool(self.opaque("a set built from facts"))),
                    }
                }
                Sym::Known(Value::set_of(values, *element))
            }
            Expr::RecordLit(..) => Sym::Bool(self.opaque("a record built in a condition")),
            Expr::Not(inner) => {
                let node = self.truth(inner, env)?;
                Sym::Bool(self.manager.not(node)?)
            }
            Expr::And(items) => Sym::Bool(self.conjunction(items, env)?),
            Expr::Or(items) => {
                let nodes = items
                    .iter()
                    .map(|item| self.truth(item, env))
                    .collect::<Result<Vec<_>, _>>()?;
                Sym::Bool(self.manager.any(nodes)?)
            }
            Expr::Compare(op, a, b) => {
                let a = self.sym(a, env)?;
                let b = self.sym(b, env)?;
                Sym::Bool(self.compare(*op, a, b)?)
            }
            Expr::In(member, set) => {
                let member = self.sym(member, env)?;
                let set = self.sym(set, env)?;
                Sym::Bool(self.membership(member, set)?)
            }
            Expr::IsNone(inner) => match self.sym(inner, env)? {
                Sym::Known(value) => Sym::Known(Value::Bool(matches!(value, Value::None))),
                Sym::Scalar(slot) if matches!(self.slots[slot].ty, Type::Optional(_)) => {
                    Sym::Bool(self.value_node(slot, 0)?)
                }
                _ => Sym::Known(Value::Bool(false)),
            },
            Expr::IsEmpty(inner) => match self.sym(inner, env)? {
                Sym::Known(value) => Sym::Known(Value::Bool(value.set_members().is_empty())),
                Sym::Bits(slot) => {
                    let vars = self.slots[slot].vars.clone();
                    let mut result = TRUE;
                    for var in vars {
                        let bit = self.manager.var(var)?;
                        let not_bit = self.manager.not(bit)?;
                        result = self.manager.and(result, not_bit)?;
                    }
                    Sym::Bool(result)
                }
                Sym::Records(_, _, slot) => {
                    let present = self.manager.var(self.slots[slot].vars[0])?;
                    Sym::Bool(self.manager.not(present)?)
                }
                Sym::Atoms(path) => {
                    let empty = self.atom_sets.get(&path).map(|set| set.empty).unwrap_or(0);
                    Sym::Bool(self.manager.var(empty)?)
                }
                _ => Sym::Bool(self.opaque("`is empty` of a value the search cannot enumerate")),
            },
            Expr::Arith(op, a, b) => match (self.sym(a, env)?, self.sym(b, env)?) {
                (Sym::Known(a), Sym::Known(b)) => Sym::Known(super::run::arithmetic(*op, &a, &b)),
                (Sym::Scalar(slot), Sym::Known(Value::Duration(d)))
                    if matches!(
                        op,
                        crate::check::ir::Arith::AddDateDuration
                            | crate::check::ir::Arith::SubDateDuration
                    ) && self.scalar_type(slot) == Type::Date =>
                {
                    let sign = if *op == crate::check::ir::Arith::AddDateDuration {
                        1
                    } else {
                        -1
                    };
                    Sym::Shifted(slot, d, sign)
                }
                _ => Sym::Bool(self.opaque("arithmetic on facts of the case")),
            },
            Expr::Quantifier { every, set, body } => {
                let set = self.sym(set, env)?;
                let node = self.over_members(set, !*every, env, &mut |search, env| {
                    search.truth(body, env)
                })?;
                Sym::Bool(node)
            }
            Expr::If(condition, then, otherwise) => {
                let condition = self.truth(condition, env)?;
                let then_sym = self.sym(then, env)?;
                let otherwise_sym = self.sym(otherwise, env)?;
                match (condition, then_sym, otherwise_sym) {
                    (TRUE, then_sym, _) => then_sym,
                    (FALSE, _, otherwise_sym) => otherwise_sym,
                    (c, Sym::Bool(a), Sym::Bool(b)) => Sym::Bool(self.manager.ite(c, a, b)?),
                    (c, Sym::Known(a), Sym::Known(b))
                        if a.as_bool() || b.as_bool() || matches!(a, Value::Bool(_)) =>
                    {
                        let a = if a.as_bool() { TRUE } else { FALSE };
                        let b = if b.as_bool() { TRUE } else { FALSE };
                        Sym::Bool(self.manager.ite(c, a, b)?)
                    }
                    _ => Sym::Bool(self.opaque("`if` choosing between facts")),
                }
            }
            Expr::StartsWith(text, prefix) => {
                let text = self.sym(text, env)?;
                let prefix = self.sym(prefix, env)?;
                match (text, prefix) {
                    (Sym::Known(Value::Text(t)), Sym::Known(Value::Text(p))) => {
                        Sym::Known(Value::Bool(t.starts_with(&*p)))
                    }
                    (Sym::Known(_), Sym::Known(_)) => Sym::Known(Value::Bool(false)),
                    (Sym::Scalar(slot), Sym::Known(Value::Text(p))) => {
                        let texts: Vec<bool> = self
                            .domain
                            .texts
                            .iter()
                            .map(|t| t.starts_with(&*p))
                            .collect();
                        Sym::Bool(self.scalar_where(slot, |class| {
                            texts.get(class).copied().unwrap_or(false)
                        })?)
                    }
                    _ => Sym::Bool(self.opaque("`starts_with` with a prefix from the case")),
                }
            }
            Expr::AnyPrefix(text, set) => {
                let text = self.sym(text, env)?;
                let set = self.sym(set, env)?;
                match (text, set) {
                    (Sym::Known(Value::Text(t)), Sym::Known(set)) => Sym::Known(Value::Bool(
                        set.set_members()
                            .iter()
                            .any(|m| matches!(m, Value::Text(p) if t.starts_with(&**p))),
                    )),
                    (Sym::Known(_), Sym::Known(_)) => Sym::Known(Value::Bool(false)),
                    (Sym::Scalar(slot), Sym::Known(set)) => {
                        let prefixes: Vec<String> = set
                            .set_members()
                            .iter()
                            .filter_map(|m| match m {
                                Value::Text(p) => Some(p.to_string()),
                                _ => None,
                            })
                            .collect();
                        let texts: Vec<bool> = self
                            .domain
                            .texts
                            .iter()
                            .map(|t| prefixes.iter().any(|p| t.starts_with(p.as_str())))
                            .collect();
                        Sym::Bool(self.scalar_where(slot, |class| {
                            texts.get(class).copied().unwrap_or(false)
                        })?)
                    }
                    _ => Sym::Bool(self.opaque("`starts_with` with a prefix from the case")),
                }
            }
            Expr::Count(inner) => match self.sym(inner, env)? {
                Sym::Known(value) => Sym::Known(Value::Int(
                    i64::try_from(value.set_members().len()).unwrap_or(i64::MAX),
                )),
                _ => Sym::Bool(self.opaque("`count` of a set of the case")),
            },
            Expr::EndOfYear(inner) => match self.sym(inner, env)? {
                Sym::Known(Value::Date(date)) => Sym::Known(
                    Date::from_ymd(date.ymd().0, 12, 31)
                        .map(Value::Date)
                        .unwrap_or(Value::None),
                ),
                _ => {
                    Sym::Bool(self.opaque("`end_of_year` of a date of the case other than its own"))
                }
            },
        })
    }

    /// A field of a symbolic record: the case's `date` is the date being examined; other facts
    /// get slots.
    fn field(&mut self, base: Sym, position: usize, env: &mut SymEnv<'_>) -> Sym {
        match base {
            Sym::Known(Value::Record(_, fields)) => {
                Sym::Known(fields.get(position).cloned().unwrap_or(Value::None))
            }
            Sym::Record(path, record) => {
                let Some(field) = env
                    .program
                    .policy
                    .records
                    .get(record)
                    .and_then(|r| r.fields.get(position))
                else {
                    return Sym::Known(Value::None);
                };
                if path.is_empty() && field.name == "date" && field.ty == Type::Date {
                    return Sym::Known(Value::Date(env.date));
                }
                let mut field_path = path;
                field_path.push(field.name.clone());
                match &field.ty {
                    Type::Record(inner) => Sym::Record(field_path, *inner),
                    Type::Set(inner) => match **inner {
                        Type::Record(element) => {
                            let slot = self.slot(&field_path, &field.ty);
                            Sym::Records(field_path, element, slot)
                        }
                        _ if field_path.iter().any(|part| part == "0") => {
                            let empty = self.fresh();
                            self.atom_sets.entry(field_path.clone()).or_insert(AtomSet {
                                empty,
                                atoms: Vec::new(),
                            });
                            Sym::Atoms(field_path)
                        }
                        _ => Sym::Bits(self.slot(&field_path, &field.ty)),
                    },
                    Type::Optional(inner) if matches!(**inner, Type::Record(_)) => {
                        Sym::Known(Value::None)
                    }
                    ty => Sym::Scalar(self.slot(&field_path, ty)),
                }
            }
            _ => Sym::Known(Value::None),
        }
    }

    /// The region where a scalar slot's class satisfies `wanted` (never when it is `none`).
    fn scalar_where(
        &mut self,
        slot: usize,
        wanted: impl Fn(usize) -> bool,
    ) -> Result<Node, SearchError> {
        let offset = self.offset(slot);
        let mut result = FALSE;
        for index in offset..self.slots[slot].count {
            if wanted(index - offset) {
                let node = self.value_node(slot, index)?;
                result = self.manager.or(result, node)?;
            }
        }
        Ok(result)
    }

    /// 1 for an optional scalar (whose value 0 is `none`), else 0.
    fn offset(&self, slot: usize) -> usize {
        usize::from(matches!(self.slots[slot].ty, Type::Optional(_)))
    }

    /// The region where a scalar slot holds the value numbered `index`.
    fn value_node(&mut self, slot: usize, index: usize) -> Result<Node, SearchError> {
        let vars = self.slots[slot].vars.clone();
        let mut result = TRUE;
        // Built from the last bit up, so each step adds one node above the rest.
        for (position, var) in vars.iter().enumerate().rev() {
            let bit = self.manager.var(*var)?;
            let literal = if index >> position & 1 == 1 {
                bit
            } else {
                self.manager.not(bit)?
            };
            result = self.manager.and(literal, result)?;
        }
        Ok(result)
    }

    fn scalar_type(&self, slot: usize) -> Type {
        self.slots[slot].ty.unwrap_optional().clone()
    }

    fn compare(&mut self, op: Compare, a: Sym, b: Sym) -> Result<Node, SearchError> {
        let holds = |order: std::cmp::Ordering| op.holds(order);
        match (a, b) {
            (Sym::Known(a), Sym::Known(b)) => Ok(if holds(a.total_cmp(&b)) { TRUE } else { FALSE }),
            (Sym::Scalar(slot), Sym::Known(value)) | (Sym::Known(value), Sym::Scalar(slot))
                if matches!(op, Compare::Eq | Compare::Ne) =>
            {
                let ty = self.scalar_type(slot);
                let equal = match (&value, self.class_of(&ty, &value)) {
                    (Value::None, _) => match self.slots[slot].ty {
                        Type::Optional(_) => self.value_node(slot, 0)?,
                        _ => FALSE,
                    },
                    (_, Some(class)) => self.scalar_where(slot, |c| c == class)?,
                    (_, None) => FALSE,
                };
                Ok(if op == Compare::Eq {
                    equal
                } else {
                    self.manager.not(equal)?
                })
            }
            (Sym::Shifted(slot, duration, sign), Sym::Known(value)) => {
                let count = self.class_count(&Type::Date);
                let truths: Vec<bool> = (0..count)
                    .map(|c| match self.representative(&Type::Date, c) {
                        Value::Date(d) => {
                            holds(Value::Date(d.add(duration, sign)).total_cmp(&value))
                        }
                        _ => false,
                    })
                    .collect();
                self.scalar_where(slot, |c| truths.get(c).copied().unwrap_or(false))
            }
            (Sym::Known(value), Sym::Shifted(slot, duration, sign)) => {
                let count = self.class_count(&Type::Date);
                let truths: Vec<bool> = (0..count)
                    .map(|c| match self.representative(&Type::Date, c) {
                        Value::Date(d) => {
                            holds(value.total_cmp(&Value::Date(d.add(duration, sign))))
                        }
                        _ => false,
                    })
                    .collect();
                self.scalar_where(slot, |c| truths.get(c).copied().unwrap_or(false))
            }
            (Sym::Scalar(slot), Sym::Known(value)) => {
                let ty = self.scalar_type(slot);
                let count = self.class_count(&ty);
                let truths: Vec<bool> = (0..count)
                    .map(|c| holds(self.representative(&ty, c).total_cmp(&value)))
                    .collect();
                self.scalar_where(slot, |c| truths.get(c).copied().unwrap_or(false))
            }
            (Sym::Known(value), Sym::Scalar(slot)) => {
                let ty = self.scalar_type(slot);
                let count = self.class_count(&ty);
                let truths: Vec<bool> = (0..count)
                    .map(|c| holds(value.total_cmp(&self.representative(&ty, c))))
                    .collect();
                self.scalar_where(slot, |c| truths.get(c).copied().unwrap_or(false))
            }
            (Sym::Scalar(x), Sym::Scalar(y)) if self.scalar_type(x) == self.scalar_type(y) => {
                let ty = self.scalar_type(x);
                let count = self.class_count(&ty);
                let (x_offset, y_offset) = (self.offset(x), self.offset(y));
                let mut result = FALSE;
                for i in 0..count {
                    for j in 0..count {
                        if holds(
                            self.representative(&ty, i)
                                .total_cmp(&self.representative(&ty, j)),
                        ) {
                            let xi = self.value_node(x, i + x_offset)?;
                            let yj = self.value_node(y, j + y_offset)?;
                            let both = self.manager.and(xi, yj)?;
                            result = self.manager.or(result, both)?;
                        }
                    }
                }
                Ok(result)
            }
            (Sym::Bool(a), Sym::Known(Value::Bool(b)))
            | (Sym::Known(Value::Bool(b)), Sym::Bool(a))
                if matches!(op, Compare::Eq | Compare::Ne) =>
            {
                let equal = if b { a } else { self.manager.not(a)? };
                Ok(if op == Compare::Eq {
                    equal
                } else {
                    self.manager.not(equal)?
                })
            }
            _ => Ok(self.opaque("a comparison of facts the search cannot encode")),
        }
    }

    fn membership(&mut self, member: Sym, set: Sym) -> Result<Node, SearchError> {
        match (member, set) {
            (Sym::Known(Value::None), _) => Ok(FALSE),
            (member, Sym::Atoms(path)) => {
                let member = match member {
                    Sym::Known(value) => Member::Known(value),
                    Sym::Scalar(slot) => Member::Slot(slot),
                    _ => return Ok(self.opaque("a membership test the search cannot encode")),
                };
                // An optional fact that is none is a member of nothing.
                let present = match &member {
                    Member::Slot(slot) if matches!(self.slots[*slot].ty, Type::Optional(_)) => {
                        let none = self.value_node(*slot, 0)?;
                        self.manager.not(none)?
                    }
                    _ => TRUE,
                };
                let existing = self.atom_sets.get(&path).and_then(|set| {
                    set.atoms
                        .iter()
                        .find(|(m, _)| *m == member)
                        .map(|(_, var)| *var)
                });
                let var = match existing {
                    Some(var) => var,
                    None => {
                        let var = self.fresh();
                        let empty = self.fresh();
                        self.atom_sets
                            .entry(path)
                            .or_insert(AtomSet {
                                empty,
                                atoms: Vec::new(),
                            })
                            .atoms
                            .push((member, var));
                        var
                    }
                };
                let atom = self.manager.var(var)?;
                Ok(self.manager.and(atom, present)?)
            }
            (Sym::Known(member), Sym::Known(set)) => {
                Ok(if set.has_member(&member) { TRUE } else { FALSE })
            }
            (Sym::Scalar(slot), Sym::Known(set)) => {
                let ty = self.scalar_type(slot);
                let count = self.class_count(&ty);
                let truths: Vec<bool> = match (&ty, &set) {
                    // Texts are many (two classes for every text constant, a sanctions list
                    // has thousands): the classes and the set's members are both sorted, so
                    // one pass over both says which classes are members.
                    (Type::Text, Value::Set(members)) => {
                        let mut members = members.iter().filter_map(|m| match m {
                            Value::Text(m) => Some(&**m),
                            _ => None,
                        });
                        let mut next = members.next();
                        (0..count)
                            .map(|c| {
                                let text = self.domain.texts.get(c).map_or("", String::as_str);
                                while next.is_some_and(|m| m < text) {
                                    next = members.next();
                                }
                                next == Some(text)
                            })
                            .collect()
                    }
                    _ => (0..count)
                        .map(|c| set.has_member(&self.representative(&ty, c)))
                        .collect(),
                };
                self.scalar_where(slot, |c| truths.get(c).copied().unwrap_or(false))
            }
            (Sym::Known(member), Sym::Bits(slot)) => {
                let Type::Set(element) = self.slots[slot].ty.clone() else {
                    return Ok(FALSE);
                };
                match self.class_of(&element, &member) {
                    Some(class) => Ok(self.manager.var(self.slots[slot].vars[class])?),
                    None => Ok(FALSE),
                }
            }
            (Sym::Scalar(x), Sym::Bits(s)) => {
                let offset = self.offset(x);
                let s_vars = self.slots[s].vars.clone();
                let mut result = FALSE;
                for (class, bit) in s_vars.iter().enumerate() {
                    if class + offset >= self.slots[x].count {
                        break;
                    }
                    let xi = self.value_node(x, class + offset)?;
                    let si = self.manager.var(*bit)?;
                    let both = self.manager.and(xi, si)?;
                    result = self.manager.or(result, both)?;
                }
                Ok(result)
            }
            _ => Ok(self.opaque("a membership test the search cannot encode")),
        }
    }

    /// The valid assignments of every slot used: one class each for scalars.
    fn well_formed(&mut self) -> Result<Node, SearchError> {
        let mut result = TRUE;
        for slot in 0..self.slots.len() {
            let count = self.slots[slot].count;
            let scalar = !matches!(self.slots[slot].ty, Type::Set(_) | Type::Bool);
            if scalar && count < 1 << self.slots[slot].vars.len() {
                let mut valid = FALSE;
                for index in 0..count {
                    let node = self.value_node(slot, index)?;
                    valid = self.manager.or(valid, node)?;
                }
                result = self.manager.and(result, valid)?;
            }
        }
        let sets: Vec<AtomSet> = self.atom_sets.values().cloned().collect();
        for set in sets {
            let empty = self.manager.var(set.empty)?;
            for (_, var) in set.atoms {
                let atom = self.manager.var(var)?;
                let both = self.manager.and(empty, atom)?;
                let not_both = self.manager.not(both)?;
                result = self.manager.and(result, not_both)?;
            }
        }
        Ok(result)
    }

    /// A case in the region, preferring defaults: the old policy's input value.
    fn witness(&mut self, region: Node, date: Date) -> Result<Value, SearchError> {
        let valid = self.well_formed()?;
        let region = self.manager.and(region, valid)?;
        // All bits false is each fact's first value: `none`, false, the first class.
        let assignment = self.manager.satisfy(region, |_| false).unwrap_or_default();
        let truth: HashMap<u32, bool> = assignment.into_iter().collect();
        let input = self.old.policy.input;
        Ok(self.build_record(&[], input, &truth, date))
    }

    fn build_record(
        &self,
        path: &[String],
        record: usize,
        truth: &HashMap<u32, bool>,
        date: Date,
    ) -> Value {
        let definition = &self.old.policy.records[record];
        let fields: Vec<Value> = definition
            .fields
            .iter()
            .map(|field| {
                let mut field_path = path.to_vec();
                field_path.push(field.name.clone());
                if path.is_empty() && field.name == "date" && field.ty == Type::Date {
                    return Value::Date(date);
                }
                self.build_field(&field_path, &field.ty, field.default.as_ref(), truth, date)
            })
            .collect();
        Value::Record(u16::try_from(record).unwrap_or(u16::MAX), fields.into())
    }

    fn build_field(
        &self,
        path: &[String],
        ty: &Type,
        default: Option<&crate::check::ir::Expr>,
        truth: &HashMap<u32, bool>,
        date: Date,
    ) -> Value {
        let is_true = |var: &u32| truth.get(var).copied().unwrap_or(false);
        if let (Type::Set(inner), Some(set)) = (ty, self.atom_sets.get(path)) {
            let mut members: Vec<Value> = set
                .atoms
                .iter()
                .filter(|(_, var)| is_true(var))
                .filter_map(|(member, _)| match member {
                    Member::Known(value) => Some(value.clone()),
                    Member::Slot(slot) => {
                        let slot = &self.slots[*slot];
                        let index = number(slot, &is_true);
                        match &slot.ty {
                            Type::Optional(_) if index == 0 => None,
                            Type::Optional(element) => {
                                Some(self.representative(element, index - 1))
                            }
                            element => Some(self.representative(element, index)),
                        }
                    }
                })
                .collect();
            // A set that is not empty but holds none of the tested members holds another value.
            if members.is_empty() && !is_true(&set.empty) {
                members.push(self.default_of(inner, path, date));
            }
            let enum_of = match **inner {
                Type::Enum(index) => Some(u16::try_from(index).unwrap_or(u16::MAX)),
                _ => None,
            };
            return Value::set_of(members, enum_of);
        }
        let slot = self.slot_of.get(path).map(|s| &self.slots[*s]);
        match (ty, slot) {
            (Type::Record(inner), _) => self.build_record(path, *inner, truth, date),
            (Type::Set(inner), Some(slot)) if matches!(**inner, Type::Record(_)) => {
                let Type::Record(element) = **inner else {
                    return Value::Set(Vec::new().into());
                };
                if slot.vars.first().is_some_and(is_true) {
                    let mut member_path = path.to_vec();
                    member_path.push("0".to_string());
                    Value::Set(vec![self.build_record(&member_path, element, truth, date)].into())
                } else {
                    Value::Set(Vec::new().into())
                }
            }
            (Type::Set(inner), Some(slot)) => {
                let members: Vec<Value> = slot
                    .vars
                    .iter()
                    .enumerate()
                    .filter(|(_, var)| is_true(var))
                    .map(|(class, _)| self.representative(inner, class))
                    .collect();
                let enum_of = match **inner {
                    Type::Enum(index) => Some(u16::try_from(index).unwrap_or(u16::MAX)),
                    _ => None,
                };
                Value::set_of(members, enum_of)
            }
            (Type::Bool, Some(slot)) => Value::Bool(slot.vars.first().is_some_and(is_true)),
            (Type::Optional(inner), Some(slot)) => match number(slot, &is_true) {
                0 => Value::None,
                index => self.representative(inner, index - 1),
            },
            (scalar, Some(slot)) => self.representative(scalar, number(slot, &is_true)),
            (ty, None) => match default {
                Some(default) => self.old.constant_value(default),
                None => self.default_of(ty, path, date),
            },
        }
    }

    /// A plain value for a fact no condition reads.
    fn default_of(&self, ty: &Type, path: &[String], date: Date) -> Value {
        match ty {
            Type::Bool => Value::Bool(false),
            Type::Int => Value::Int(0),
            Type::Decimal => Value::Decimal(rust_decimal::Decimal::ZERO),
            Type::Text => Value::Text(
                format!(
                    "example {}",
                    path.last().map(String::as_str).unwrap_or("text")
                )
                .into(),
            ),
            Type::Date => Value::Date(date),
            Type::Duration => Value::Duration(Duration::default()),
            Type::Enum(index) => Value::Enum(u16::try_from(*index).unwrap_or(u16::MAX), 0),
            Type::Set(inner) => match **inner {
                Type::Enum(index) => {
                    Value::set_of(Vec::new(), Some(u16::try_from(index).unwrap_or(u16::MAX)))
                }
                _ => Value::Set(Vec::new().into()),
            },
            Type::Optional(_) | Type::NoneLiteral | Type::Error => Value::None,
            Type::Record(index) => {
                let truth = HashMap::new();
                self.build_record(path, *index, &truth, date)
            }
        }
    }

    /// Decides the witness concretely under both policies; `None` if they agree after all.
    fn confirm(&self, case: &Value, date: Date) -> Option<Comparison> {
        let new_case = rebase(
            case,
            &Type::Record(self.old.policy.input),
            &Type::Record(self.new.policy.input),
            self.new,
        );
        let comparison = compare(self.old, case, self.new, &new_case, date);
        comparison.changed().then_some(comparison)
    }
}

/// A value of the old policy's input type as a value of the new one's: the same shape, with the
/// new policy's indices of records and enums.
pub fn rebase(value: &Value, old_ty: &Type, new_ty: &Type, new: &Program) -> Value {
    match (value, old_ty.unwrap_optional(), new_ty.unwrap_optional()) {
        (Value::Enum(_, member), _, Type::Enum(index)) => {
            Value::Enum(u16::try_from(*index).unwrap_or(u16::MAX), *member)
        }
        (Value::EnumSet(_, set), _, Type::Set(inner)) => match **inner {
            Type::Enum(index) => Value::EnumSet(u16::try_from(index).unwrap_or(u16::MAX), *set),
            _ => value.clone(),
        },
        (Value::Set(members), Type::Set(old_inner), Type::Set(new_inner)) => {
            let members = members
                .iter()
                .map(|m| rebase(m, old_inner, new_inner, new))
                .collect();
            Value::set_of(members, None)
        }
        (Value::Record(_, fields), Type::Record(_), Type::Record(new_index)) => {
            let definition = &new.policy.records[*new_index];
            let rebased: Vec<Value> = fields
                .iter()
                .zip(&definition.fields)
                .map(|(field, new_field)| {
                    // Field types match by shape, so the new type stands for both.
                    rebase(field, &new_field.ty, &new_field.ty, new)
                })
                .collect();
            Value::Record(
                u16::try_from(*new_index).unwrap_or(u16::MAX),
                rebased.into(),
            )
        }
        _ => value.clone(),
    }
}

/// Each rule's regions on one date.
struct RuleRegions {
    holds: Vec<Node>,
    triggered: Vec<Node>,
    applied: Vec<Node>,
    decides: Vec<Node>,
    /// Each rule's verdict as written, if it concludes one.
    verdicts: Vec<Option<String>>,
    /// Where no rule concludes a verdict.
    otherwise: Node,
}

/// What symbolic evaluation reads: the program, the epoch of the date, quantifier variables.
struct SymEnv<'p> {
    program: &'p Program,
    epoch: &'p Epoch,
    date: Date,
    locals: Vec<Sym>,
}

/// How many bits number `count` values.
fn bits_for(count: usize) -> usize {
    let mut bits = 1;
    while 1usize << bits < count {
        bits += 1;
    }
    bits
}

/// The number a scalar slot's bits spell in an assignment.
fn number(slot: &Slot, is_true: &impl Fn(&u32) -> bool) -> usize {
    slot.vars
        .iter()
        .enumerate()
        .filter(|(_, var)| is_true(var))
        .map(|(position, _)| 1usize << position)
        .sum()
}

fn one_day() -> Duration {
    Duration { months: 0, days: 1 }
}

/// One fact to change, and to what.
#[derive(Debug, Clone)]
pub struct FactChange {
    /// The fact, as a path from the case: `item.cyber_surveillance`, or `licences` for the
    /// first licence as a whole.
    pub fact: String,
    pub to: Value,
}

/// The smallest sets of changes to a case's facts (one fact, or else two) that would give a
/// verdict kind, each confirmed by deciding the changed case. Empty when no change of one or
/// two facts does.
pub fn why_not(
    program: &Program,
    case: &Value,
    date: Date,
    verdict: usize,
) -> Result<Vec<(Vec<FactChange>, Value)>, SearchError> {
    let mut search = Search::new(program, program);
    let kind_name = program.policy.verdicts[verdict].name.clone();
    let outcomes = search.outcomes(program, date)?;
    let mut target = FALSE;
    for (text, region) in outcomes {
        let this_kind = text.split(['(', ' ']).next().unwrap_or("");
        if this_kind == kind_name {
            target = search.manager.or(target, region)?;
        }
    }
    let valid = search.well_formed()?;
    let target = search.manager.and(target, valid)?;
    // Each fact of the case, and the constraint that it keeps its value.
    let mut facts: Vec<(String, Node)> = Vec::new();
    let mut licence_keep = TRUE;
    for slot in 0..search.slots.len() {
        let path = search
            .slot_of
            .iter()
            .find(|(_, s)| **s == slot)
            .map(|(p, _)| p.clone())
            .unwrap_or_default();
        let keep = search.keeps(slot, &path, case)?;
        if path.iter().any(|part| part == "0" || part == "licences") {
            licence_keep = search.manager.and(licence_keep, keep)?;
        } else {
            facts.push((path.join("."), keep));
        }
    }
    let atom_paths: Vec<Vec<String>> = search.atom_sets.keys().cloned().collect();
    for path in atom_paths {
        let keep = search.keeps_atoms(&path, case)?;
        licence_keep = search.manager.and(licence_keep, keep)?;
    }
    if !search.atom_sets.is_empty()
        || search
            .slot_of
            .keys()
            .any(|p| p.iter().any(|part| part == "licences"))
    {
        facts.push(("licences".to_string(), licence_keep));
    }
    let mut answers = Vec::new();
    for size in 1..=2 {
        let groups: Vec<Vec<usize>> = match size {
            1 => (0..facts.len()).map(|i| vec![i]).collect(),
            _ => (0..facts.len())
                .flat_map(|i| ((i + 1)..facts.len()).map(move |j| vec![i, j]))
                .collect(),
        };
        for group in groups {
            let mut region = target;
            for (index, (_, keep)) in facts.iter().enumerate() {
                if !group.contains(&index) {
                    region = search.manager.and(region, *keep)?;
                }
            }
            if region == FALSE {
                continue;
            }
            let witness = search.witness(region, date)?;
            let changes: Vec<FactChange> = group
                .iter()
                .map(|index| {
                    let fact = facts[*index].0.clone();
                    let path: Vec<String> = fact.split('.').map(str::to_string).collect();
                    FactChange {
                        to: value_at(program, &witness, &path).unwrap_or(Value::None),
                        fact,
                    }
                })
                .collect();
            // Confirm on the case itself with only these facts changed.
            let mut changed = case.clone();
            for change in &changes {
                let path: Vec<String> = change.fact.split('.').map(str::to_string).collect();
                changed = with_value(program, &changed, &path, change.to.clone());
            }
            if program.decide(&changed, date).verdict == verdict {
                answers.push((changes, changed));
            }
        }
        if !answers.is_empty() {
            break;
        }
    }
    Ok(answers)
}

/// The value at a path of field names in a case (the first member of a set for `0`).
fn value_at(program: &Program, value: &Value, path: &[String]) -> Option<Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value.clone());
    };
    match value {
        Value::Record(record, fields) => {
            let position = program
                .policy
                .records
                .get(usize::from(*record))?
                .field_index(first)?;
            value_at(program, fields.get(position)?, rest)
        }
        Value::Set(members) if first == "0" => value_at(program, members.first()?, rest),
        _ => None,
    }
}

/// A case with the value at a path replaced.
fn with_value(program: &Program, value: &Value, path: &[String], new: Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return new;
    };
    match value {
        Value::Record(record, fields) => {
            let Some(position) = program
                .policy
                .records
                .get(usize::from(*record))
                .and_then(|r| r.field_index(first))
            else {
                return value.clone();
            };
            let mut fields = fields.to_vec();
            if let Some(field) = fields.get_mut(position) {
                *field = with_value(program, field, rest, new);
            }
            Value::Record(*record, fields.into())
        }
        _ => value.clone(),
    }
}

impl Search<'_> {
    /// The region where a slot keeps the value the case gives it.
    fn keeps(&mut self, slot: usize, path: &[String], case: &Value) -> Result<Node, SearchError> {
        let program = self.old;
        let current = value_at(program, case, path);
        let ty = self.slots[slot].ty.clone();
        match ty {
            Type::Bool => {
                let var = self.manager.var(self.slots[slot].vars[0])?;
                Ok(if matches!(current, Some(Value::Bool(true))) {
                    var
                } else {
                    self.manager.not(var)?
                })
            }
            Type::Set(inner) if matches!(*inner, Type::Record(_)) => {
                let var = self.manager.var(self.slots[slot].vars[0])?;
                let present = current.is_some_and(|v| !v.set_members().is_empty());
                Ok(if present { var } else { self.manager.not(var)? })
            }
            Type::Set(inner) => {
                let members = current.map(|v| v.set_members()).unwrap_or_default();
                let mut result = TRUE;
                for class in 0..self.slots[slot].vars.len() {
                    let rep = self.representative(&inner, class);
                    let inside = members.iter().any(|m| self.same_class(&inner, m, &rep));
                    let var = self.manager.var(self.slots[slot].vars[class])?;
                    let literal = if inside { var } else { self.manager.not(var)? };
                    result = self.manager.and(result, literal)?;
                }
                Ok(result)
            }
            Type::Optional(inner) => match current {
                None | Some(Value::None) => self.value_node(slot, 0),
                Some(value) => match self.class_for(&inner, &value) {
                    Some(class) => self.value_node(slot, class + 1),
                    None => Ok(TRUE),
                },
            },
            scalar => match current.and_then(|value| self.class_for(&scalar, &value)) {
                Some(class) => self.value_node(slot, class),
                None => Ok(TRUE),
            },
        }
    }

    /// The region where the membership atoms of a licence's set keep the case's truth.
    fn keeps_atoms(&mut self, path: &[String], case: &Value) -> Result<Node, SearchError> {
        let program = self.old;
        let Some(set) = self.atom_sets.get(path).cloned() else {
            return Ok(TRUE);
        };
        let members = value_at(program, case, path).map(|v| v.set_members());
        let mut result = TRUE;
        let empty = self.manager.var(set.empty)?;
        let is_empty = members.as_ref().is_none_or(Vec::is_empty);
        let literal = if is_empty {
            empty
        } else {
            self.manager.not(empty)?
        };
        result = self.manager.and(result, literal)?;
        for (member, var) in set.atoms {
            let value = match member {
                Member::Known(value) => Some(value),
                Member::Slot(slot) => {
                    let slot_path = self
                        .slot_of
                        .iter()
                        .find(|(_, s)| **s == slot)
                        .map(|(p, _)| p.clone())
                        .unwrap_or_default();
                    value_at(program, case, &slot_path)
                }
            };
            let inside = match (&members, value) {
                (Some(members), Some(value)) => members.contains(&value),
                _ => false,
            };
            let atom = self.manager.var(var)?;
            let literal = if inside {
                atom
            } else {
                self.manager.not(atom)?
            };
            result = self.manager.and(result, literal)?;
        }
        Ok(result)
    }

    /// The class a concrete value falls in: its own, or for a text outside the universe the
    /// class of the longest constant it starts with.
    fn class_for(&self, ty: &Type, value: &Value) -> Option<usize> {
        if let Some(class) = self.class_of(ty, value) {
            return Some(class);
        }
        match (ty, value) {
            (Type::Text, Value::Text(text)) => {
                let prefixed = self
                    .domain
                    .texts
                    .iter()
                    .enumerate()
                    .filter_map(|(class, rep)| {
                        rep.strip_suffix(".z9").map(|prefix| (class, prefix))
                    })
                    .filter(|(_, prefix)| text.starts_with(prefix))
                    .max_by_key(|(_, prefix)| prefix.len())
                    .map(|(class, _)| class);
                prefixed.or_else(|| self.domain.texts.iter().position(|t| t == "other"))
            }
            _ => None,
        }
    }

    fn same_class(&self, ty: &Type, value: &Value, representative: &Value) -> bool {
        match (
            self.class_for(ty, value),
            self.class_for(ty, representative),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }
}

/// A kind of drafting mistake the analysis finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// No case satisfies the rule's conditions on any date it is in force.
    NeverApplies,
    /// The rule is triggered, but a stronger verdict or an exception always wins.
    AlwaysMasked,
    /// An exception whose conditions hold only where the rule it is an exception to does not.
    ExceptionNeverBites,
    /// Wherever the rule applies, another rule with the same conclusion applies too.
    Redundant,
    /// Two rules conclude the same verdict kind with different arguments on one case.
    Conflict,
}

impl FindingKind {
    /// The name used in codes and in `allow` clauses.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::NeverApplies => "never_applies",
            FindingKind::AlwaysMasked => "always_masked",
            FindingKind::ExceptionNeverBites => "exception_never_bites",
            FindingKind::Redundant => "redundant",
            FindingKind::Conflict => "conflict",
        }
    }
}

/// One finding of the analysis.
#[derive(Debug, Clone)]
pub struct Finding {
    pub kind: FindingKind,
    pub rule: usize,
    /// The other rule involved: the masking, covering or conflicting one.
    pub other: Option<usize>,
    /// A case that shows it, when one can (never for `NeverApplies`).
    pub witness: Option<(Value, Date)>,
}

/// The outcome of one `assert`.
#[derive(Debug, Clone)]
pub struct AssertOutcome {
    pub assert: usize,
    /// A case that breaks it; `None` when it is proven.
    pub counterexample: Option<(Value, Date)>,
}

/// What `licit check --analyze` found.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub asserts: Vec<AssertOutcome>,
    pub approximations: Vec<String>,
    pub dates: usize,
}

/// Looks for drafting mistakes in one policy and proves or refutes its assertions.
pub fn analyze(program: &Program) -> Result<Analysis, SearchError> {
    let mut search = Search::new(program, program);
    let dates = search.dates_to_examine();
    let count = program.rules.len();
    within_budget(dates.len(), count, ANALYSIS_RULE_DATES)?;
    let rules = &program.policy.rules;
    // Over all dates: where each rule's conditions held, it was triggered, applied, decided.
    let mut ever_holds: Vec<Option<(Node, Date)>> = vec![None; count];
    let mut ever_triggered: Vec<Option<(Node, Date)>> = vec![None; count];
    let mut ever_applied: Vec<Option<(Node, Date)>> = vec![None; count];
    let mut ever_decides = vec![false; count];
    let mut covered_by: Vec<Vec<usize>> = (0..count)
        .map(|r| {
            (0..count)
                .filter(|s| *s != r && same_conclusion(program, r, *s))
                .collect()
        })
        .collect();
    let mut conflicts: Vec<(usize, usize, Node, Date)> = Vec::new();
    let mut reported: std::collections::HashSet<(usize, usize)> = Default::default();
    let mut assert_witness: Vec<Option<(Node, Date)>> = vec![None; program.policy.asserts.len()];
    for &date in &dates {
        let regions = search.rule_regions(program, date)?;
        for rule in 0..count {
            let record = |slot: &mut Option<(Node, Date)>, node: Node| {
                if slot.is_none() && node != FALSE {
                    *slot = Some((node, date));
                }
            };
            record(&mut ever_holds[rule], regions.holds[rule]);
            record(&mut ever_triggered[rule], regions.triggered[rule]);
            record(&mut ever_applied[rule], regions.applied[rule]);
            ever_decides[rule] |= regions.decides[rule] != FALSE;
            // A rule stays a candidate for redundancy while every application is also one of
            // the other rule's: always so where it does not apply, or applies where the other
            // does.
            if regions.applied[rule] == FALSE {
                continue;
            }
            let mut still = Vec::new();
            for &other in &covered_by[rule] {
                if regions.applied[other] == regions.applied[rule] {
                    still.push(other);
                    continue;
                }
                let not_other = search.manager.not(regions.applied[other])?;
                let alone = search.manager.and(regions.applied[rule], not_other)?;
                if alone == FALSE {
                    still.push(other);
                }
            }
            covered_by[rule] = still;
        }
        // Two rules conflict where both apply with verdicts of the same kind written
        // differently. Rules that apply on this date are grouped by verdict as written, and
        // only groups of the same kind with different texts are paired.
        let mut applying: Vec<(usize, &str, usize)> = (0..count)
            .filter(|rule| regions.applied[*rule] != FALSE)
            .filter_map(|rule| {
                let kind = program.rules[rule].verdict.as_ref()?.0;
                Some((kind, regions.verdicts[rule].as_deref()?, rule))
            })
            .collect();
        applying.sort_unstable();
        let groups: Vec<&[(usize, &str, usize)]> =
            applying.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)).collect();
        let mut found: Vec<(usize, usize, Node)> = Vec::new();
        for (position, group) in groups.iter().enumerate() {
            for other in groups[position + 1..]
                .iter()
                .take_while(|other| other[0].0 == group[0].0)
            {
                for &(_, _, a) in group.iter() {
                    for &(_, _, b) in other.iter() {
                        let (r, s) = (a.min(b), a.max(b));
                        let ordered = rules[r].exception_to.contains(&s)
                            || rules[s].exception_to.contains(&r);
                        if ordered || reported.contains(&(r, s)) {
                            continue;
                        }
                        let both = search.manager.and(regions.applied[r], regions.applied[s])?;
                        if both != FALSE {
                            found.push((r, s, both));
                        }
                    }
                }
            }
        }
        // In the order of the rules, as they are reported.
        found.sort_unstable_by_key(|(r, s, _)| (*r, *s));
        for (r, s, both) in found {
            reported.insert((r, s));
            conflicts.push((r, s, both, date));
        }
        let epoch = program.epoch(date);
        for (index, assertion) in program.policy.asserts.iter().enumerate() {
            if assert_witness[index].is_some() {
                continue;
            }
            let scope = match &assertion.when {
                Some(condition) => {
                    let lowered = program.lower_expr(condition);
                    let mut env = SymEnv {
                        program,
                        epoch,
                        date,
                        locals: Vec::new(),
                    };
                    search.current_rule = format!("assert {}", assertion.name);
                    search.truth(&lowered, &mut env)?
                }
                None => TRUE,
            };
            let allowed = match &assertion.expect {
                crate::check::ir::AssertCheck::Verdicts(kinds) => {
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
                crate::check::ir::AssertCheck::NotDecidedBy(rule) => {
                    search.manager.not(regions.decides[*rule])?
                }
            };
            let not_allowed = search.manager.not(allowed)?;
            let violation = search.manager.and(scope, not_allowed)?;
            if violation != FALSE {
                assert_witness[index] = Some((violation, date));
            }
        }
    }
    let mut analysis = Analysis {
        dates: dates.len(),
        ..Analysis::default()
    };
    let change_dates = program.change_dates();
    let in_force_somewhere = |rule: usize| {
        let in_force = &program.policy.rules[rule].in_force;
        // Whether a rule and the policy are in force together changes only on these dates.
        std::iter::once(Date::EPOCH)
            .chain(change_dates.iter().copied())
            .any(|d| program.policy.in_force.contains(d) && in_force.contains(d))
    };
    for rule in 0..count {
        if !in_force_somewhere(rule) {
            continue;
        }
        let exception = !program.rules[rule].exception_to.is_empty();
        let finding = |kind, other, witness| Finding {
            kind,
            rule,
            other,
            witness,
        };
        if ever_holds[rule].is_none() {
            analysis
                .findings
                .push(finding(FindingKind::NeverApplies, None, None));
            continue;
        }
        if exception && ever_triggered[rule].is_none() {
            let (region, date) = ever_holds[rule].unwrap_or((FALSE, Date::EPOCH));
            let witness = search.witness(region, date)?;
            let base = program.rules[rule].exception_to.first().copied();
            analysis.findings.push(finding(
                FindingKind::ExceptionNeverBites,
                base,
                Some((witness, date)),
            ));
            continue;
        }
        if let (Some(&other), Some((region, date))) = (covered_by[rule].first(), ever_applied[rule])
        {
            // Of two rules that cover each other, report the later one only.
            if !(covered_by[other].contains(&rule) && other > rule) {
                let witness = search.witness(region, date)?;
                analysis.findings.push(finding(
                    FindingKind::Redundant,
                    Some(other),
                    Some((witness, date)),
                ));
            }
            continue;
        }
        let in_conflict = conflicts
            .iter()
            .any(|(r, s, _, _)| *r == rule || *s == rule);
        if program.rules[rule].verdict.is_some()
            && !ever_decides[rule]
            && !in_conflict
            && let Some((region, date)) = ever_triggered[rule]
        {
            let witness = search.witness(region, date)?;
            let decided = program.decide(&witness, date).decided_by;
            analysis.findings.push(finding(
                FindingKind::AlwaysMasked,
                decided,
                Some((witness, date)),
            ));
        }
    }
    for (r, s, region, date) in conflicts {
        let witness = search.witness(region, date)?;
        analysis.findings.push(Finding {
            kind: FindingKind::Conflict,
            rule: s,
            other: Some(r),
            witness: Some((witness, date)),
        });
    }
    // Findings a rule allows, with a reason, are intended.
    let allows = |rule: usize, kind: FindingKind| {
        rules[rule]
            .allows
            .iter()
            .any(|(name, _)| name == kind.name())
    };
    analysis.findings.retain(|f| {
        !(allows(f.rule, f.kind)
            || f.kind == FindingKind::Conflict && f.other.is_some_and(|o| allows(o, f.kind)))
    });
    for (index, violation) in assert_witness.into_iter().enumerate() {
        let counterexample = match violation {
            Some((region, date)) => Some((search.witness(region, date)?, date)),
            None => None,
        };
        analysis.asserts.push(AssertOutcome {
            assert: index,
            counterexample,
        });
    }
    search.approximations.sort();
    search.approximations.dedup();
    analysis.approximations = search.approximations;
    Ok(analysis)
}

/// Whether two rules conclude the same: the same verdict expression and the same obligations.
fn same_conclusion(program: &Program, a: usize, b: usize) -> bool {
    let (ra, rb) = (&program.rules[a], &program.rules[b]);
    let verdict = |rule: &super::program::Rule| {
        rule.verdict
            .as_ref()
            .map(|(kind, args)| format!("{kind}{args:?}"))
    };
    let obligations = |rule: &super::program::Rule| {
        let mut list: Vec<String> = rule
            .obligations
            .iter()
            .map(|(kind, args)| format!("{kind}{args:?}"))
            .collect();
        list.sort();
        list
    };
    verdict(ra) == verdict(rb)
        && obligations(ra) == obligations(rb)
        && (ra.verdict.is_some() || !ra.obligations.is_empty())
}
