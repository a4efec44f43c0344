//! Lowering a checked policy to the program that decides cases: parameters substituted,
//! constants folded, sets built once for every period in which the policy does not change.

use std::sync::Arc;

use crate::check::Policy;
use crate::check::ir::{self, Arith, Compare, Period, Type};
use crate::syntax::calendar::Date;

use super::value::{EnumSet, Value};

/// An expression ready to evaluate: no names, no parameters, constant parts folded.
#[derive(Debug, Clone)]
pub enum Expr {
    Value(Value),
    Case,
    Local(usize),
    /// A constant whose value depends on the date: looked up in the epoch.
    Const(usize),
    /// A named set: looked up in the epoch.
    NamedSet(usize),
    Field(Box<Expr>, usize),
    /// A set built at run time, with the enum of its members if they are enum members.
    SetLit(Vec<Expr>, Option<u16>),
    RecordLit(u16, Vec<Expr>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare(Compare, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Box<Expr>),
    IsNone(Box<Expr>),
    IsEmpty(Box<Expr>),
    Arith(Arith, Box<Expr>, Box<Expr>),
    Quantifier {
        every: bool,
        set: Box<Expr>,
        body: Box<Expr>,
    },
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    StartsWith(Box<Expr>, Box<Expr>),
    /// `some e in S: starts_with(x, e)` with `S` a set of texts: some member is a prefix of `x`.
    AnyPrefix(Box<Expr>, Box<Expr>),
    Count(Box<Expr>),
    EndOfYear(Box<Expr>),
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `for x in S`: the set whose members are tried in turn, bound as the innermost local.
    pub for_each: Option<Expr>,
    pub conditions: Vec<Expr>,
    /// For each condition, the facts it reads, shown in explanations.
    pub observed: Vec<Vec<Expr>>,
    pub verdict: Option<(usize, Vec<Expr>)>,
    pub obligations: Vec<(usize, Vec<Expr>)>,
    pub exception_to: Vec<usize>,
    /// The rules that are exceptions to this one.
    pub exceptions: Vec<usize>,
    pub because: Vec<Part>,
}

/// A piece of a `because` text, lowered.
#[derive(Debug, Clone)]
pub enum Part {
    Text(String),
    Hole(Expr),
}

/// A stretch of dates in which every constant and every set stays the same, and so, unless the
/// policy has too many rules each from its own date to split by all of them, does every rule's
/// being in force.
#[derive(Debug, Clone)]
pub struct Epoch {
    /// The first day of the epoch; it lasts until the next epoch's start.
    pub start: Date,
    /// The last day of the epoch, if another follows.
    pub end: Option<Date>,
    pub policy_in_force: bool,
    pub consts: Vec<Value>,
    pub sets: Vec<Value>,
    /// The rules in force on some day of the epoch, in order (empty when the policy is not in
    /// force); explaining visits those in force on the case's date.
    pub rules: Vec<u32>,
    /// The rules deciding visits (in force, not excluded by their own dates), as a tree of
    /// tests on the case's key facts; the root is the first node.
    pub tree: Vec<RuleNode>,
    /// The facts key conditions read, as paths from the case.
    pub key_paths: Arc<Vec<Vec<usize>>>,
    /// Every rule's key conditions: the same for epochs in which no set they read changes.
    pub requirements: Arc<Requirements>,
}

impl Epoch {
    /// An epoch with nothing built yet.
    fn new(start: Date, end: Option<Date>, policy_in_force: bool) -> Epoch {
        Epoch {
            start,
            end,
            policy_in_force,
            consts: Vec::new(),
            sets: Vec::new(),
            rules: Vec::new(),
            tree: Vec::new(),
            key_paths: Arc::default(),
            requirements: Arc::default(),
        }
    }
}

/// Each rule's key conditions: the fact (an index into the epoch's `key_paths`) and the
/// members it must be, or one of which a set of the case must hold. A rule one of whose key
/// conditions fails cannot apply, so deciding does not visit it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Requirements {
    /// For each rule, its conditions' range in `list`.
    spans: Vec<(u32, u32)>,
    list: Vec<(u16, EnumSet)>,
}

impl Requirements {
    /// The key conditions of a rule.
    pub fn of(&self, rule: u32) -> &[(u16, EnumSet)] {
        match self.spans.get(rule as usize) {
            Some(&(start, end)) => self.list.get(start as usize..end as usize).unwrap_or(&[]),
            None => &[],
        }
    }

    fn push(&mut self, requirements: impl IntoIterator<Item = (u16, EnumSet)>) {
        let start = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.extend(requirements);
        let end = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.spans.push((start, end));
    }
}

/// A node of an epoch's rule tree: a case visits only the branches its facts take, so the
/// rules it visits do not grow with rules that its facts cannot trigger.
#[derive(Debug, Clone)]
pub enum RuleNode {
    /// Rules whose key conditions are tested one by one.
    Leaf(Vec<u32>),
    /// Rules split by a fact (an index into `key_paths`): for each member, the node of the rules
    /// that need the fact to be or hold it (sorted by member), and the node of those with no
    /// key condition on the fact.
    Split {
        fact: u16,
        by_member: Branches,
        /// `None` when every rule of the node has a key condition on the fact.
        rest: Option<u32>,
    },
}

/// The nodes of a split by member: a table indexed by member when there are many, a sorted
/// list otherwise.
#[derive(Debug, Clone)]
pub enum Branches {
    Sorted(Vec<(u16, u32)>),
    Table(Vec<u32>),
}

/// A split with at least this many branches looks members up in a table.
const TABLE_BRANCHES: usize = 16;

impl Branches {
    /// The node of the rules that need a member.
    pub fn get(&self, member: u16) -> Option<u32> {
        match self {
            Branches::Sorted(list) => list
                .binary_search_by_key(&member, |(m, _)| *m)
                .ok()
                .and_then(|i| list.get(i))
                .map(|(_, node)| *node),
            Branches::Table(table) => table
                .get(usize::from(member))
                .copied()
                .filter(|node| *node != u32::MAX),
        }
    }

    fn of(list: Vec<(u16, u32)>) -> Branches {
        if list.len() < TABLE_BRANCHES {
            return Branches::Sorted(list);
        }
        let size = list
            .last()
            .map_or(0, |(member, _)| usize::from(*member) + 1);
        let mut table = vec![u32::MAX; size];
        for (member, node) in list {
            table[usize::from(member)] = node;
        }
        Branches::Table(table)
    }
}

/// Epochs split at every date a rule comes into force or goes out of it while the number of
/// epochs times the number of rules stays under this; past it (thousands of rules, each from
/// its own date) they split only where constants, sets or the policy's being in force change.
const EPOCH_RULE_BUDGET: usize = 1 << 20;

/// A node with at most this many rules is not split further.
const LEAF_RULES: usize = 4;

/// What members a rule's key condition accepts.
#[derive(Debug, Clone)]
enum KeyMembers {
    Members(EnumSet),
    NamedSet(usize),
}

/// A policy lowered for evaluation, with its parameters fixed.
#[derive(Debug, Clone)]
pub struct Program {
    pub policy: Arc<Policy>,
    pub rules: Vec<Rule>,
    pub epochs: Vec<Epoch>,
    pub params: Vec<Value>,
    /// For each rule, every key condition it has, with the enum of its fact when known.
    requirements: Vec<Vec<(Vec<usize>, KeyMembers, u16)>>,
    /// For each rule, the dates its conditions on `case.date` allow (`case.date > 2025-01-01`):
    /// outside them the rule is in force but cannot apply, so deciding does not visit it.
    implied: Vec<Period>,
    /// For each rule, the days it can apply: in force, and allowed by its own conditions on
    /// `case.date`.
    pub(super) live: Vec<Period>,
    /// For each named set, whether it is kept with its members' dates rather than built for
    /// every epoch (see `DatedSet`).
    dated_sets: Vec<Option<DatedSet>>,
    /// What reading JSON cases quickly needs: members by name, fields' defaults.
    pub(super) shape: super::case::CaseShape,
}

/// A set of texts, numbers or dates whose members come and go on their own dates, such as a
/// sanctions list of entities each listed on its day. It is kept once, each member with its
/// period, and asked about membership on the case's date: building it for every date a member
/// changes would hold thousands of copies of it (5,000 dated entries took 1 GB). Only sets that
/// no constant or other set reads are kept so; epochs do not split at their members' dates.
#[derive(Debug, Clone)]
pub struct DatedSet {
    /// Sorted by value: each member with a period, and whether the period removes it (an
    /// amendment's `-=`).
    entries: Vec<(Value, Period, bool)>,
}

impl DatedSet {
    /// Whether a value is a member on a date.
    pub fn contains(&self, value: &Value, date: Date) -> bool {
        self.holds(|member| member.total_cmp(value), date)
    }

    /// Whether some member is a prefix of a text on a date: `some e in S: starts_with(x, e)`.
    pub fn has_prefix_of(&self, text: &str, date: Date) -> bool {
        text.char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .any(|end| {
                let prefix = &text[..end];
                self.holds(
                    |member| match member {
                        Value::Text(member) => (**member).cmp(prefix),
                        other => other.total_cmp(&Value::Text(prefix.into())),
                    },
                    date,
                )
            })
    }

    /// Whether the member that `order` finds (by comparing members with it) is in the set on a
    /// date: listed in a period that holds the date, and not removed in one.
    fn holds(&self, order: impl Fn(&Value) -> std::cmp::Ordering, date: Date) -> bool {
        let start = self
            .entries
            .partition_point(|(member, _, _)| order(member) == std::cmp::Ordering::Less);
        let mut listed = false;
        for (member, period, removed) in &self.entries[start..] {
            if order(member) != std::cmp::Ordering::Equal {
                break;
            }
            if period.contains(date) {
                if *removed {
                    return false;
                }
                listed = true;
            }
        }
        listed
    }

    /// The set as it is on a date.
    pub fn at(&self, date: Date) -> Value {
        let mut members: Vec<Value> = Vec::new();
        let mut index = 0;
        while let Some((value, _, _)) = self.entries.get(index) {
            // The entries of one value are together: it is a member if one lists it on the
            // date and none removes it.
            let end = index
                + self.entries[index..]
                    .iter()
                    .take_while(|(other, _, _)| other.total_cmp(value).is_eq())
                    .count();
            let entries = &self.entries[index..end];
            let listed = entries
                .iter()
                .any(|(_, p, removed)| !removed && p.contains(date));
            let removed = entries
                .iter()
                .any(|(_, p, removed)| *removed && p.contains(date));
            if listed && !removed {
                members.push(value.clone());
            }
            index = end;
        }
        // Already sorted and without repeats.
        Value::Set(members.into())
    }

    /// Every value that is a member on some date.
    pub fn every_member(&self) -> impl Iterator<Item = &Value> {
        self.entries
            .iter()
            .filter(|(_, _, removed)| !removed)
            .map(|(member, _, _)| member)
    }
}

impl Program {
    /// Lowers a checked policy with the given parameter values (`None` keeps the default).
    pub fn lower(policy: Arc<Policy>, overrides: &[Option<Value>]) -> Program {
        let mut program = Program {
            policy: policy.clone(),
            rules: Vec::new(),
            epochs: Vec::new(),
            params: Vec::new(),
            requirements: Vec::new(),
            implied: Vec::new(),
            live: Vec::new(),
            dated_sets: Vec::new(),
            shape: super::case::CaseShape::default(),
        };
        let mut params = Vec::new();
        for (index, param) in policy.params.iter().enumerate() {
            let value = match overrides.get(index).cloned().flatten() {
                Some(value) => value,
                None => program.constant_value(&param.default),
            };
            params.push(value);
        }
        program.params = params;
        program.dated_sets = program.dated_sets();
        program.rules = policy
            .rules
            .iter()
            .map(|rule| Rule {
                for_each: rule.for_each.as_ref().map(|f| program.lower_expr(&f.set)),
                conditions: rule
                    .conditions
                    .iter()
                    .map(|c| program.lower_expr(&c.expr))
                    .collect(),
                observed: rule
                    .conditions
                    .iter()
                    .map(|c| {
                        c.observed
                            .iter()
                            .map(|(_, e)| program.lower_expr(e))
                            .collect()
                    })
                    .collect(),
                verdict: rule.verdict.as_ref().map(|v| {
                    (
                        v.kind,
                        v.args.iter().map(|a| program.lower_expr(a)).collect(),
                    )
                }),
                obligations: rule
                    .obligations
                    .iter()
                    .map(|o| {
                        (
                            o.kind,
                            o.args.iter().map(|a| program.lower_expr(a)).collect(),
                        )
                    })
                    .collect(),
                exception_to: rule.exception_to.clone(),
                exceptions: Vec::new(),
                because: rule
                    .because
                    .iter()
                    .map(|part| match part {
                        ir::TemplatePart::Text(text) => Part::Text(text.clone()),
                        ir::TemplatePart::Hole(expr) => Part::Hole(program.lower_expr(expr)),
                    })
                    .collect(),
            })
            .collect();
        for index in 0..program.rules.len() {
            for base in program.rules[index].exception_to.clone() {
                program.rules[base].exceptions.push(index);
            }
        }
        program.requirements = program
            .rules
            .iter()
            .map(|rule| rule.conditions.iter().filter_map(index_key).collect())
            .collect();
        let date_field = policy
            .records
            .get(policy.input)
            .and_then(|input| input.field_index("date"));
        program.implied = program
            .rules
            .iter()
            .map(|rule| implied_period(&rule.conditions, date_field))
            .collect();
        program.live = policy
            .rules
            .iter()
            .zip(&program.implied)
            .map(|(rule, implied)| intersection(&rule.in_force, implied))
            .collect();
        program.epochs = program.build_epochs();
        program.shape = super::case::CaseShape::of(&program);
        program
    }

    /// The named set with this index, if it is kept with its members' dates.
    pub fn dated_set(&self, index: usize) -> Option<&DatedSet> {
        self.dated_sets.get(index)?.as_ref()
    }

    /// Which named sets to keep with their members' dates: those of values other than enum
    /// members (whose sets are small bitsets) with dated members written as plain values, that
    /// no constant or other set reads.
    fn dated_sets(&self) -> Vec<Option<DatedSet>> {
        let policy = &self.policy;
        let mut read = vec![false; policy.sets.len()];
        let mut mark = |expr: &ir::Expr| {
            visit_ir(expr, &mut |e| {
                if let ir::Expr::NamedSet(index) = e
                    && let Some(flag) = read.get_mut(*index)
                {
                    *flag = true;
                }
            })
        };
        policy
            .consts
            .iter()
            .flat_map(|c| c.versions.iter())
            .chain(
                policy
                    .sets
                    .iter()
                    .flat_map(|s| s.members.iter().chain(&s.removed)),
            )
            .for_each(|(expr, _)| mark(expr));
        policy
            .sets
            .iter()
            .enumerate()
            .map(|(index, set)| {
                let dated = set
                    .members
                    .iter()
                    .chain(&set.removed)
                    .any(|(_, period)| period.from.is_some() || period.until.is_some());
                if read[index] || enum_of(&set.element).is_some() || !dated {
                    return None;
                }
                let mut entries = Vec::new();
                for (list, removed) in [(&set.members, false), (&set.removed, true)] {
                    for (expr, period) in list {
                        match self.lower_expr(expr) {
                            Expr::Value(value) => entries.push((value, *period, removed)),
                            _ => return None,
                        }
                    }
                }
                entries.sort_by(|a, b| a.0.total_cmp(&b.0));
                Some(DatedSet { entries })
            })
            .collect()
    }

    /// The epoch that holds a date.
    pub fn epoch(&self, date: Date) -> &Epoch {
        let position = self.epochs.partition_point(|epoch| epoch.start <= date);
        &self.epochs[position.saturating_sub(1)]
    }

    /// The dates on which something can change: a constant, a set, the policy's being in force
    /// or a rule's, or what a rule's own conditions on `case.date` allow.
    pub fn change_dates(&self) -> Vec<Date> {
        let (mut dates, rules) = self.boundaries();
        dates.extend(rules);
        dates.extend(self.dated_sets_boundaries());
        dates.sort();
        dates.dedup();
        dates
    }

    /// The first days of the periods of constants, set members and the policy; and those of
    /// the rules' periods, in force and allowed by their own conditions on `case.date`.
    fn boundaries(&self) -> (Vec<Date>, Vec<Date>) {
        let policy = &self.policy;
        let starts = |periods: &mut dyn Iterator<Item = &Period>| -> Vec<Date> {
            let one_day = crate::syntax::calendar::Duration { months: 0, days: 1 };
            periods
                .flat_map(|period| [period.from, period.until.map(|u| u.add(one_day, 1))])
                .flatten()
                .collect()
        };
        let values = starts(
            &mut std::iter::once(&policy.in_force)
                .chain(
                    policy
                        .consts
                        .iter()
                        .flat_map(|c| c.versions.iter().map(|v| &v.1)),
                )
                .chain(
                    policy
                        .sets
                        .iter()
                        .enumerate()
                        .filter(|(index, _)| self.dated_set(*index).is_none())
                        .flat_map(|(_, s)| s.members.iter().chain(s.removed.iter()).map(|m| &m.1)),
                ),
        );
        let rules = starts(
            &mut policy
                .rules
                .iter()
                .map(|rule| &rule.in_force)
                .chain(self.implied.iter()),
        );
        (values, rules)
    }

    /// The first days of the periods of the members of sets kept with their dates.
    fn dated_sets_boundaries(&self) -> Vec<Date> {
        let one_day = crate::syntax::calendar::Duration { months: 0, days: 1 };
        self.dated_sets
            .iter()
            .flatten()
            .flat_map(|set| set.entries.iter())
            .flat_map(|(_, period, _)| [period.from, period.until.map(|u| u.add(one_day, 1))])
            .flatten()
            .collect()
    }

    fn build_epochs(&self) -> Vec<Epoch> {
        let policy = &self.policy;
        let (mut starts, rule_starts) = self.boundaries();
        starts.sort();
        starts.dedup();
        let mut every = starts.clone();
        every.extend(rule_starts);
        every.sort();
        every.dedup();
        // Epochs split at the rules' dates too, so that deciding never reaches a rule out of
        // force, unless that would build too many copies of the rules' tree: then a rule's
        // dates are tested when a case reaches it.
        if every.len().saturating_mul(self.rules.len().max(1)) <= EPOCH_RULE_BUDGET {
            starts = every;
        }
        // The first epoch starts before any date a case can have.
        let first = Date::from_ymd(1, 1, 1).unwrap_or(Date::EPOCH);
        let mut epoch_starts = vec![first];
        epoch_starts.extend(starts.into_iter().filter(|d| *d > first));
        let one_day = crate::syntax::calendar::Duration { months: 0, days: 1 };
        let mut epochs: Vec<Epoch> = Vec::with_capacity(epoch_starts.len());
        for (position, start) in epoch_starts.iter().enumerate() {
            let start = *start;
            let end = epoch_starts
                .get(position + 1)
                .map(|next| next.add(one_day, -1));
            let mut epoch = Epoch::new(start, end, policy.in_force.contains(start));
            // Constants and sets may refer to each other; they are built in dependency
            // order by evaluating on demand with what is already built.
            for index in 0..policy.consts.len() {
                let value = self.const_value_at(index, start, &epoch);
                epoch.consts.push(value);
            }
            for index in 0..policy.sets.len() {
                // A set kept with its dates is asked on the case's date instead.
                let value = match self.dated_set(index) {
                    Some(_) => Value::None,
                    None => self.set_value_at(index, start, &epoch),
                };
                epoch.sets.push(value);
            }
            self.index_rules(&mut epoch, epochs.last());
            epochs.push(epoch);
        }
        epochs
    }

    /// Lists the rules in force in an epoch and builds the tree of those deciding visits. The
    /// key conditions are shared with the previous epoch when they are the same.
    fn index_rules(&self, epoch: &mut Epoch, previous: Option<&Epoch>) {
        if !epoch.policy_in_force {
            return;
        }
        let mut key_paths: Vec<Vec<usize>> = Vec::new();
        let mut requirements = Requirements::default();
        // The size of each key fact's enum, to weigh how selective a condition on it is.
        let mut sizes: Vec<usize> = Vec::new();
        for keys in &self.requirements {
            let mut resolved = Vec::new();
            for (path, key, ty) in keys {
                let (members, ty) = match key {
                    KeyMembers::Members(members) => (*members, *ty),
                    KeyMembers::NamedSet(set) => match epoch.sets.get(*set) {
                        Some(Value::EnumSet(ty, members)) => (*members, *ty),
                        _ => continue,
                    },
                };
                let position = match key_paths.iter().position(|p| p == path) {
                    Some(position) => position,
                    // Past the facts a `u16` can number, a condition is simply not a key
                    // (the rule is then visited more often, never wrongly skipped).
                    None if key_paths.len() >= usize::from(u16::MAX) => continue,
                    None => {
                        key_paths.push(path.clone());
                        sizes.push(256);
                        key_paths.len() - 1
                    }
                };
                if let Some(size) = self.policy.enums.get(usize::from(ty)) {
                    sizes[position] = size.members.len().max(1);
                }
                resolved.push((u16::try_from(position).unwrap_or(u16::MAX), members));
            }
            requirements.push(resolved);
        }
        match previous {
            Some(previous)
                if *previous.requirements == requirements && *previous.key_paths == key_paths =>
            {
                epoch.requirements = previous.requirements.clone();
                epoch.key_paths = previous.key_paths.clone();
            }
            _ => {
                epoch.requirements = Arc::new(requirements);
                epoch.key_paths = Arc::new(key_paths);
            }
        }
        let mut visited = Vec::new();
        for (rule, definition) in self.policy.rules.iter().enumerate() {
            if !overlaps(&definition.in_force, epoch.start, epoch.end) {
                continue;
            }
            let rule_id = u32::try_from(rule).unwrap_or(u32::MAX);
            epoch.rules.push(rule_id);
            // Explanations visit every rule in force; deciding skips those whose own date
            // conditions exclude the epoch.
            if self
                .live
                .get(rule)
                .is_some_and(|live| overlaps(live, epoch.start, epoch.end))
            {
                visited.push(rule_id);
            }
        }
        let mut grower = TreeGrower {
            requirements: &epoch.requirements,
            sizes: &sizes,
            nodes: Vec::new(),
            used: Vec::new(),
            budget: 64 * visited.len() + 4096,
        };
        grower.grow(visited);
        epoch.tree = grower.nodes;
    }

    pub(super) fn const_value_at(&self, index: usize, date: Date, epoch: &Epoch) -> Value {
        let definition = &self.policy.consts[index];
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

    fn evaluate_constant(&self, expr: &Expr, date: Date, epoch: &Epoch) -> Value {
        let case = Value::None;
        super::run::Env::new(self, &case, epoch, date)
            .value(expr)
            .into_owned()
    }

    /// The value of an expression that reads no case (a parameter default, a test's case), as
    /// of the start of the policy's first epoch in force.
    pub fn constant_value(&self, expr: &ir::Expr) -> Value {
        let lowered = self.lower_expr(expr);
        let date = self.policy.in_force.from.unwrap_or(Date::EPOCH);
        match self.epochs.is_empty() {
            true => {
                let epoch = Epoch::new(date, None, true);
                self.evaluate_constant(&lowered, date, &epoch)
            }
            false => self.evaluate_constant(&lowered, date, self.epoch(date)),
        }
    }

    pub(crate) fn lower_expr(&self, expr: &ir::Expr) -> Expr {
        let lower = |e: &ir::Expr| Box::new(self.lower_expr(e));
        match expr {
            ir::Expr::Bool(b) => Expr::Value(Value::Bool(*b)),
            ir::Expr::Int(i) => Expr::Value(Value::Int(*i)),
            ir::Expr::Decimal(d) => Expr::Value(Value::Decimal(*d)),
            ir::Expr::Text(t) => Expr::Value(Value::Text(t.as_str().into())),
            ir::Expr::Date(d) => Expr::Value(Value::Date(*d)),
            ir::Expr::Duration(d) => Expr::Value(Value::Duration(*d)),
            ir::Expr::None => Expr::Value(Value::None),
            ir::Expr::Member(ty, member) => Expr::Value(Value::Enum(small(*ty), small(*member))),
            ir::Expr::Case => Expr::Case,
            ir::Expr::Local(depth) => Expr::Local(*depth),
            ir::Expr::Const(index) => Expr::Const(*index),
            ir::Expr::Param(index) => {
                Expr::Value(self.params.get(*index).cloned().unwrap_or(Value::None))
            }
            ir::Expr::NamedSet(index) => Expr::NamedSet(*index),
            ir::Expr::Field(base, position) => Expr::Field(lower(base), *position),
            ir::Expr::SetLit(members, element) => {
                let members: Vec<Expr> = members.iter().map(|m| self.lower_expr(m)).collect();
                let is_enum = enum_of(element);
                if members.iter().all(|m| matches!(m, Expr::Value(_))) {
                    let values = members
                        .into_iter()
                        .filter_map(|m| match m {
                            Expr::Value(v) => Some(v),
                            _ => None,
                        })
                        .collect();
                    Expr::Value(Value::set_of(values, is_enum))
                } else {
                    Expr::SetLit(members, is_enum)
                }
            }
            ir::Expr::RecordLit(record, fields) => Expr::RecordLit(
                small(*record),
                fields.iter().map(|f| self.lower_expr(f)).collect(),
            ),
            ir::Expr::Not(inner) => Expr::Not(lower(inner)),
            ir::Expr::And(items) => Expr::And(items.iter().map(|i| self.lower_expr(i)).collect()),
            ir::Expr::Or(items) => Expr::Or(items.iter().map(|i| self.lower_expr(i)).collect()),
            ir::Expr::Compare(op, a, b) => Expr::Compare(*op, lower(a), lower(b)),
            ir::Expr::In(a, b) => Expr::In(lower(a), lower(b)),
            ir::Expr::IsNone(a) => Expr::IsNone(lower(a)),
            ir::Expr::IsEmpty(a) => Expr::IsEmpty(lower(a)),
            ir::Expr::Arith(op, a, b) => Expr::Arith(*op, lower(a), lower(b)),
            ir::Expr::Quantifier {
                every: false,
                set,
                body,
            } if matches!(&**body, ir::Expr::StartsWith(text, prefix)
                    if matches!(**prefix, ir::Expr::Local(0)) && !reads_locals(text)) =>
            {
                let ir::Expr::StartsWith(text, _) = &**body else {
                    return Expr::Value(Value::Bool(false));
                };
                Expr::AnyPrefix(lower(text), lower(set))
            }
            ir::Expr::Quantifier { every, set, body } => Expr::Quantifier {
                every: *every,
                set: lower(set),
                body: lower(body),
            },
            ir::Expr::If(c, a, b) => Expr::If(lower(c), lower(a), lower(b)),
            ir::Expr::StartsWith(a, b) => Expr::StartsWith(lower(a), lower(b)),
            ir::Expr::Count(a) => Expr::Count(lower(a)),
            ir::Expr::EndOfYear(a) => Expr::EndOfYear(lower(a)),
        }
    }
}

/// Builds an epoch's rule tree: each node splits its rules by the fact that leaves a case the
/// fewest rules to test, until a node has few rules or no split helps.
struct TreeGrower<'a> {
    requirements: &'a Requirements,
    /// The size of each key fact's enum.
    sizes: &'a [usize],
    nodes: Vec<RuleNode>,
    /// The facts the path from the root has split by.
    used: Vec<u16>,
    /// How many more rules may be placed in nodes: a rule needing several members is placed
    /// under each, and this bounds the copies.
    budget: usize,
}

impl TreeGrower<'_> {
    /// Adds the node of some rules (in order) and returns its index.
    fn grow(&mut self, rules: Vec<u32>) -> u32 {
        let id = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.nodes.push(RuleNode::Leaf(Vec::new()));
        self.budget = self.budget.saturating_sub(rules.len());
        let Some(fact) = self.best_split(&rules) else {
            self.nodes[id as usize] = RuleNode::Leaf(rules);
            return id;
        };
        let mut rest = Vec::new();
        let mut by_member: std::collections::BTreeMap<u16, Vec<u32>> = Default::default();
        for rule in rules {
            match self.requirements.of(rule).iter().find(|(f, _)| *f == fact) {
                Some((_, members)) => {
                    for member in members.members() {
                        by_member.entry(member).or_default().push(rule);
                    }
                }
                None => rest.push(rule),
            }
        }
        self.used.push(fact);
        let rest = (!rest.is_empty()).then(|| self.grow(rest));
        let by_member = by_member
            .into_iter()
            .map(|(member, rules)| (member, self.grow(rules)))
            .collect();
        self.used.pop();
        self.nodes[id as usize] = RuleNode::Split {
            fact,
            by_member: Branches::of(by_member),
            rest,
        };
        id
    }

    /// The fact to split some rules by, if splitting saves a case at least two rule tests:
    /// the expected rules left to test are those without a key condition on the fact, plus
    /// each of the others in the share of the fact's members it accepts.
    fn best_split(&self, rules: &[u32]) -> Option<u16> {
        if rules.len() <= LEAF_RULES || self.budget == 0 {
            return None;
        }
        let mut best: Option<(f64, u16)> = None;
        for fact in 0..self.sizes.len() {
            let fact = u16::try_from(fact).unwrap_or(u16::MAX);
            if self.used.contains(&fact) {
                continue;
            }
            let size = self.sizes.get(usize::from(fact)).copied().unwrap_or(256) as f64;
            let mut cost = 0.0;
            for rule in rules {
                cost += match self.requirements.of(*rule).iter().find(|(f, _)| *f == fact) {
                    Some((_, members)) => members.len() as f64 / size,
                    None => 1.0,
                };
            }
            if best.is_none_or(|(lowest, _)| cost < lowest) {
                best = Some((cost, fact));
            }
        }
        best.filter(|(cost, _)| rules.len() as f64 - cost >= 2.0)
            .map(|(_, fact)| fact)
    }
}

/// Whether an expression reads a quantifier's variable.
fn reads_locals(expr: &ir::Expr) -> bool {
    let mut found = false;
    visit_ir(expr, &mut |e| found |= matches!(e, ir::Expr::Local(_)));
    found
}

fn visit_ir(expr: &ir::Expr, out: &mut dyn FnMut(&ir::Expr)) {
    out(expr);
    match expr {
        ir::Expr::Field(inner, _)
        | ir::Expr::Not(inner)
        | ir::Expr::IsNone(inner)
        | ir::Expr::IsEmpty(inner)
        | ir::Expr::Count(inner)
        | ir::Expr::EndOfYear(inner) => visit_ir(inner, out),
        ir::Expr::SetLit(items, _)
        | ir::Expr::RecordLit(_, items)
        | ir::Expr::And(items)
        | ir::Expr::Or(items) => items.iter().for_each(|item| visit_ir(item, out)),
        ir::Expr::Compare(_, a, b)
        | ir::Expr::In(a, b)
        | ir::Expr::Arith(_, a, b)
        | ir::Expr::StartsWith(a, b) => {
            visit_ir(a, out);
            visit_ir(b, out);
        }
        ir::Expr::Quantifier { set, body, .. } => {
            visit_ir(set, out);
            visit_ir(body, out);
        }
        ir::Expr::If(c, a, b) => {
            visit_ir(c, out);
            visit_ir(a, out);
            visit_ir(b, out);
        }
        _ => {}
    }
}

/// An index that the checker has bounded (at most 256 enum members) as a small integer.
fn small(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// The enum a set's elements belong to, if they are enum members.
fn enum_of(element: &Type) -> Option<u16> {
    match element {
        Type::Enum(index) => Some(small(*index)),
        _ => None,
    }
}

/// A condition that holds only when a fact of the case is one of some enum members:
/// `case.activity == export`, `case.destination in listed`, or an `or` of such on one fact.
fn index_key(condition: &Expr) -> Option<(Vec<usize>, KeyMembers, u16)> {
    match condition {
        Expr::Compare(Compare::Eq, left, right) => match (&**left, &**right) {
            (path, Expr::Value(Value::Enum(ty, member)))
            | (Expr::Value(Value::Enum(ty, member)), path) => {
                let mut members = EnumSet::default();
                members.insert(*member);
                Some((case_path(path)?, KeyMembers::Members(members), *ty))
            }
            _ => None,
        },
        // `EU001 in case.general_authorisations`: the case's set must hold the member.
        Expr::In(member, set) if matches!(**member, Expr::Value(Value::Enum(..))) => {
            let Expr::Value(Value::Enum(ty, member)) = **member else {
                return None;
            };
            let mut members = EnumSet::default();
            members.insert(member);
            Some((case_path(set)?, KeyMembers::Members(members), ty))
        }
        Expr::In(member, set) => {
            let path = case_path(member)?;
            match &**set {
                Expr::Value(Value::EnumSet(ty, members)) => {
                    Some((path, KeyMembers::Members(*members), *ty))
                }
                Expr::NamedSet(index) => Some((path, KeyMembers::NamedSet(*index), u16::MAX)),
                _ => None,
            }
        }
        Expr::Or(items) => {
            let mut path = None;
            let mut union = EnumSet::default();
            let mut enum_ty = u16::MAX;
            for item in items {
                let (item_path, KeyMembers::Members(members), ty) = index_key(item)? else {
                    return None;
                };
                if path.as_ref().is_some_and(|p| *p != item_path) {
                    return None;
                }
                path = Some(item_path);
                union = union.union(&members);
                enum_ty = ty;
            }
            Some((path?, KeyMembers::Members(union), enum_ty))
        }
        _ => None,
    }
}

/// The dates a rule's conditions on the case's date allow: `case.date > D` and the like,
/// between the date field and a constant date.
fn implied_period(conditions: &[Expr], date_field: Option<usize>) -> Period {
    let mut period = Period::default();
    let Some(date_field) = date_field else {
        return period;
    };
    let one_day = crate::syntax::calendar::Duration { months: 0, days: 1 };
    for condition in conditions {
        let Expr::Compare(op, left, right) = condition else {
            continue;
        };
        let (op, date) = match (&**left, &**right) {
            (Expr::Field(base, field), Expr::Value(Value::Date(d)))
                if matches!(**base, Expr::Case) && *field == date_field =>
            {
                (*op, *d)
            }
            (Expr::Value(Value::Date(d)), Expr::Field(base, field))
                if matches!(**base, Expr::Case) && *field == date_field =>
            {
                // `D < case.date` is `case.date > D`.
                let flipped = match op {
                    Compare::Lt => Compare::Gt,
                    Compare::Le => Compare::Ge,
                    Compare::Gt => Compare::Lt,
                    Compare::Ge => Compare::Le,
                    other => *other,
                };
                (flipped, *d)
            }
            _ => continue,
        };
        let (from, until) = match op {
            Compare::Gt => (Some(date.add(one_day, 1)), None),
            Compare::Ge => (Some(date), None),
            Compare::Lt => (None, Some(date.add(one_day, -1))),
            Compare::Le => (None, Some(date)),
            Compare::Eq => (Some(date), Some(date)),
            Compare::Ne => (None, None),
        };
        if let Some(from) = from {
            period.from = Some(period.from.map_or(from, |f| f.max(from)));
        }
        if let Some(until) = until {
            period.until = Some(period.until.map_or(until, |u| u.min(until)));
        }
    }
    period
}

/// The days in both periods.
fn intersection(a: &Period, b: &Period) -> Period {
    let later = |x: Option<Date>, y: Option<Date>| match (x, y) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let earlier = |x: Option<Date>, y: Option<Date>| match (x, y) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    Period {
        from: later(a.from, b.from),
        until: earlier(a.until, b.until),
    }
}

/// Whether a period has a day from `start` to `end` (to the end of time when `None`).
fn overlaps(period: &Period, start: Date, end: Option<Date>) -> bool {
    period.until.is_none_or(|until| until >= start)
        && match (period.from, end) {
            (Some(from), Some(end)) => from <= end,
            _ => true,
        }
}

/// The field positions of a path from the case: `case.item.annex_i` as `[3, 1]`.
fn case_path(expr: &Expr) -> Option<Vec<usize>> {
    match expr {
        Expr::Case => Some(Vec::new()),
        Expr::Field(base, position) => {
            let mut path = case_path(base)?;
            path.push(*position);
            Some(path)
        }
        _ => None,
    }
}
