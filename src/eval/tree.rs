//! Each epoch's rule tree: the rules' key conditions (a fact of the case that must be one of
//! some enum members), the tree that splits rules by them, and the walk that finds the rules a
//! case can trigger.

use std::sync::Arc;

use crate::check::ir::{Compare, Period};
use crate::syntax::calendar::Date;

use super::ir::{
    Branches, DatedSet, Epoch, Expr, KeyMembers, KeyPath, Program, Requirements, RuleNode,
    has_mark, text_marks,
};
use super::value::{EnumSet, Value};

/// A split with at least this many branches looks members up in a table.
const TABLE_BRANCHES: usize = 16;

/// A node with at most this many rules is not split further.
const LEAF_RULES: usize = 4;

impl Branches {
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

impl Program {
    /// Lists the rules in force in an epoch and builds the tree of those deciding visits. The
    /// key conditions are shared with the previous epoch when they are the same.
    pub(super) fn index_rules(&self, epoch: &mut Epoch, previous: Option<&Epoch>) {
        if !epoch.policy_in_force {
            return;
        }
        let mut key_paths: Vec<KeyPath> = Vec::new();
        let mut requirements = Requirements::default();
        // The size of each key fact's enum, to weigh how selective a condition on it is.
        let mut sizes: Vec<usize> = Vec::new();
        let mut settled = Vec::with_capacity(self.requirements.len());
        for keys in &self.requirements {
            let mut resolved = Vec::new();
            let mut settled_conditions = 0u64;
            for (condition, path, key, ty) in keys {
                // A text asked of a named set of texts is a key by its marks, which only rule
                // texts out: the condition is still tested.
                let (members, ty, marks) = match key {
                    KeyMembers::Members(members) => (*members, *ty, None),
                    KeyMembers::NamedSet(set) => match epoch.sets.get(*set) {
                        Some(Value::EnumSet(ty, members)) => (*members, *ty, None),
                        Some(Value::Set(members)) => match text_marks(members.iter()) {
                            Some(marks) => (MAYBE_A_MEMBER, u16::MAX, Some(marks)),
                            None => continue,
                        },
                        _ => match self.dated_set(*set).and_then(DatedSet::text_marks) {
                            Some(marks) => (MAYBE_A_MEMBER, u16::MAX, Some(marks)),
                            None => continue,
                        },
                    },
                };
                let key_path = KeyPath {
                    fields: path.clone(),
                    marks,
                };
                let position = match key_paths.iter().position(|p| *p == key_path) {
                    Some(position) => position,
                    // Past the facts a `u16` can number, a condition is simply not a key
                    // (the rule is then visited more often, never wrongly skipped).
                    None if key_paths.len() >= usize::from(u16::MAX) => continue,
                    None => {
                        key_paths.push(key_path);
                        sizes.push(if marks.is_some() { 2 } else { 256 });
                        key_paths.len() - 1
                    }
                };
                if let Some(size) = self.policy.enums.get(usize::from(ty)) {
                    sizes[position] = size.members.len().max(1);
                }
                resolved.push((u16::try_from(position).unwrap_or(u16::MAX), members));
                // The requirement holds exactly when the condition does (`index_key`), but for
                // a text's marks.
                if *condition < 64 && marks.is_none() {
                    settled_conditions |= 1 << condition;
                }
            }
            requirements.push(resolved);
            settled.push(settled_conditions);
        }
        epoch.settled = Arc::new(settled);
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

    /// The rules a case can trigger in an epoch: those of the branches of the epoch's rule
    /// tree its facts take whose key conditions all hold, each once. `walk` is working memory
    /// kept between calls. Whether they are in rule order: from several leaves they are not,
    /// and only those that hold need be put in order (`sort_few`), which are few.
    pub(super) fn candidates(
        &self,
        case: &Value,
        epoch: &Epoch,
        date: Date,
        out: &mut Vec<u32>,
        walk: &mut Walk,
    ) -> bool {
        if epoch.tree.is_empty() {
            return true;
        }
        // The facts key conditions read, each looked up once, as the members they are or hold,
        // and only when a split or a leaf asks for it: a requirement holds when its members
        // meet them, and a split follows the branch of each (one for an enum fact, each of a
        // set's).
        let Walk {
            facts,
            pending,
            walk: number,
        } = walk;
        *number = number.wrapping_add(1);
        if *number == 0 {
            // After four billion walks the numbers come round: forget every fact.
            facts.iter_mut().for_each(|(read_on, ..)| *read_on = 0);
            *number = 1;
        }
        let number = *number;
        if facts.len() < epoch.key_paths.len() {
            facts.resize(epoch.key_paths.len(), (0, EnumSet::default(), NOT_ONE));
        }
        let mut fact_of = |fact: u16| -> Option<(EnumSet, u16)> {
            let fact = usize::from(fact);
            let (read_on, members, single) = facts.get_mut(fact)?;
            if *read_on != number {
                (*members, *single) = key_members(case, epoch.key_paths.get(fact)?);
                *read_on = number;
            }
            Some((*members, *single))
        };
        pending.clear();
        pending.push(0);
        let mut leaves = 0;
        // Whether a split took several branches of a set's members, under each of which a rule
        // may be placed: then a rule may come twice.
        let mut repeats = false;
        while let Some(node) = pending.pop() {
            match epoch.tree.get(node as usize) {
                Some(RuleNode::Leaf(rules)) => {
                    leaves += 1;
                    for (rule, keys) in rules {
                        let rule = *rule;
                        // A rule stays a candidate only if every key condition it has can hold
                        // (those the splits did not decide are left to test) and it can apply
                        // on the date (which its epoch says, unless the policy has too many
                        // rules' dates to split epochs by all of them).
                        let keys_hold = keys.iter().all(|(fact, members)| {
                            fact_of(*fact).is_some_and(|(held, _)| held.meets(members))
                        });
                        if keys_hold
                            && self
                                .live
                                .get(rule as usize)
                                .is_some_and(|p| p.contains(date))
                        {
                            out.push(rule);
                        }
                    }
                }
                Some(RuleNode::Split {
                    fact,
                    by_member,
                    rest,
                }) => {
                    if let Some(rest) = rest {
                        pending.push(*rest);
                    }
                    match fact_of(*fact) {
                        // An enum fact takes one branch, found without going through its set.
                        Some((_, single)) if single != NOT_ONE => {
                            if let Some(node) = by_member.get(single) {
                                pending.push(node);
                            }
                        }
                        Some((held, _)) => {
                            let mut branches = 0;
                            for member in held.members() {
                                if let Some(node) = by_member.get(member) {
                                    pending.push(node);
                                    branches += 1;
                                }
                            }
                            repeats |= branches > 1;
                        }
                        None => {}
                    }
                }
                None => {}
            }
        }
        // Several leaves give rules out of order, and a rule under several members of a set
        // may come twice: only then are they sorted, to find the repeats.
        if leaves > 1 && repeats {
            sort_few(out);
            out.dedup();
            return true;
        }
        leaves <= 1
    }
}

/// Sorts a list of rules, most often a handful: by insertion below `FEW`, where it takes a few
/// comparisons, else by the library's sort.
pub(super) fn sort_few(rules: &mut [u32]) {
    const FEW: usize = 24;
    if rules.len() > FEW {
        rules.sort_unstable();
        return;
    }
    for end in 1..rules.len() {
        let mut at = end;
        while at > 0 && rules[at - 1] > rules[at] {
            rules.swap(at - 1, at);
            at -= 1;
        }
    }
}

/// Working memory of the walk of a rule tree, kept by each thread's scratch so that finding a
/// case's candidates allocates nothing.
#[derive(Debug, Default)]
pub(super) struct Walk {
    /// For each key fact, the number of the walk that last read it, the members it is or
    /// holds, and the one member it is (`NOT_ONE` for a set): a fact whose number is not the
    /// current walk's is read again when asked.
    facts: Vec<(u32, EnumSet, u16)>,
    /// The number of the current walk, counted on each walk on the thread (whatever the
    /// program), so that no fact read on an earlier walk passes for one of this walk.
    walk: u32,
    /// The nodes still to visit.
    pending: Vec<u32>,
}

/// What a key fact's member is when it is not one member (a set of them, or none): no
/// member, as an enum has at most 256.
const NOT_ONE: u16 = u16::MAX;

/// The one member of a text key (`KeyPath::marks`): the text has a member's mark.
const MAYBE_A_MEMBER: EnumSet = EnumSet::single(1);

/// The members a key fact is (an enum fact: one) or holds (a set of enum members); none for
/// anything else, such as a fact that is absent. With them, the one member it is, or
/// `NOT_ONE`.
#[inline]
fn key_members(case: &Value, path: &KeyPath) -> (EnumSet, u16) {
    let value = field_at(case, &path.fields);
    if let Some(marks) = &path.marks {
        return match value {
            Some(Value::Text(text)) if has_mark(marks, text) => (MAYBE_A_MEMBER, 1),
            _ => (EnumSet::default(), NOT_ONE),
        };
    }
    match value {
        Some(Value::Enum(_, member)) => {
            let mut members = EnumSet::default();
            members.insert(*member);
            (members, *member)
        }
        Some(Value::EnumSet(_, held)) => (*held, NOT_ONE),
        _ => (EnumSet::default(), NOT_ONE),
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
            // A split routes a rule by its first key condition on the split's fact: that one
            // the leaf need not test again; any other on the same fact (`kind in {a, c} and
            // kind == b`) it still tests.
            let rules = rules
                .into_iter()
                .map(|rule| {
                    let mut seen: Vec<u16> = Vec::new();
                    let undecided = self.requirements.of(rule).iter().filter(|(fact, _)| {
                        let first = !seen.contains(fact);
                        seen.push(*fact);
                        !(first && self.used.contains(fact))
                    });
                    (rule, undecided.copied().collect())
                })
                .collect();
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

/// A condition that holds only when a fact of the case is one of some enum members:
/// `case.activity == export`, `case.destination in listed`, or an `or` of such on one fact.
pub(super) fn index_key(condition: &Expr) -> Option<(Vec<usize>, KeyMembers, u16)> {
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

/// Whether a period has a day from `start` to `end` (to the end of time when `None`).
fn overlaps(period: &Period, start: Date, end: Option<Date>) -> bool {
    period.until.is_none_or(|until| until >= start)
        && match (period.from, end) {
            (Some(from), Some(end)) => from <= end,
            _ => true,
        }
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
