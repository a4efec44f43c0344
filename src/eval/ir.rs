//! The lowered program as data: what lowering builds and deciding reads. Small accessors only;
//! building it is `lower` and `tree`, reading it on a case is `interpret` and `decide`.

use std::sync::Arc;

use crate::check::Policy;
use crate::check::ir::{Arith, Compare, Period};
use crate::syntax::calendar::Date;

use super::hash::NameTable;
use super::value::{EnumSet, Value};

/// An expression ready to evaluate: no names, no parameters, constant parts folded. Two are
/// equal when they are the same part for part (values compared as `Value`'s `==` does), so
/// that, evaluated in one environment, they have the same value.
#[derive(Debug, Clone, PartialEq)]
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
    pub key_paths: Arc<Vec<KeyPath>>,
    /// Every rule's key conditions: the same for epochs in which no set they read changes.
    pub requirements: Arc<Requirements>,
    /// For each rule, a bit for each of its first 64 conditions that its key conditions in
    /// `requirements` decide exactly: a rule the tree gives as a candidate has them all true,
    /// so deciding (without an explanation) does not evaluate them again.
    pub settled: Arc<Vec<u64>>,
}

impl Epoch {
    /// An epoch with nothing built yet.
    pub(super) fn new(start: Date, end: Option<Date>, policy_in_force: bool) -> Epoch {
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
            settled: Arc::default(),
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

    pub(super) fn push(&mut self, requirements: impl IntoIterator<Item = (u16, EnumSet)>) {
        let start = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.extend(requirements);
        let end = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.spans.push((start, end));
    }
}

/// Key conditions: each a fact (an index into the epoch's `key_paths`) and its members.
pub type KeyConditions = Box<[(u16, EnumSet)]>;

/// A node of an epoch's rule tree: a case visits only the branches its facts take, so the
/// rules it visits do not grow with rules that its facts cannot trigger.
#[derive(Debug, Clone)]
pub enum RuleNode {
    /// Rules whose key conditions are tested one by one: each rule with those of its key
    /// conditions that the splits on the way to the leaf do not decide (a case reaches the
    /// leaf through a split on a fact only if the fact meets the members of every rule placed
    /// under the branch it took).
    Leaf(Vec<(u32, KeyConditions)>),
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
}

/// A fact that key conditions read: a path from the case, and how its value is seen.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPath {
    /// The field positions from the case: `case.item.annex_i` as `[3, 1]`.
    pub fields: Vec<usize>,
    /// For a text asked whether it is a member of a named set of texts (`case.item.annex_i in
    /// annex_i_entries_not_yet_listed`): the set's text marks (`text_marks`). The fact is then
    /// seen as member 1 when its text has a member's mark (it may be a member) and as none
    /// otherwise (it is not one): a rule that needs it is skipped at once for most texts. An
    /// enum fact or a set of enum members has `None`.
    pub marks: Option<EnumSet>,
}

/// What members a rule's key condition accepts.
#[derive(Debug, Clone)]
pub(super) enum KeyMembers {
    Members(EnumSet),
    NamedSet(usize),
}

/// A policy lowered for evaluation, with its parameters fixed.
#[derive(Debug, Clone)]
pub struct Program {
    /// The checked policy it was lowered from.
    pub policy: Arc<Policy>,
    /// Its rules, lowered, in the policy's order.
    pub rules: Vec<Rule>,
    /// The stretches of dates in which nothing changes, each with its constants and rule tree.
    pub epochs: Vec<Epoch>,
    /// The value of each parameter.
    pub params: Vec<Value>,
    /// For each parameter whose default a dated amendment changes (and that is not given): the
    /// place its value takes among each epoch's constants, after the policy's own. It is then
    /// read as a constant with dated versions.
    pub(super) dated_params: Vec<Option<usize>>,
    /// For each rule, every key condition it has: the condition's position among the rule's,
    /// the fact's path, its members and the enum of its fact when known.
    pub(super) requirements: Vec<Vec<KeyCondition>>,
    /// For each rule, the dates its conditions on `case.date` allow (`case.date > 2025-01-01`):
    /// outside them the rule is in force but cannot apply, so deciding does not visit it.
    pub(super) implied: Vec<Period>,
    /// For each rule, the days it can apply: in force, and allowed by its own conditions on
    /// `case.date`.
    pub(super) live: Vec<Period>,
    /// For each named set, whether it is kept with its members' dates rather than built for
    /// every epoch (see `DatedSet`).
    pub(super) dated_sets: Vec<Option<DatedSet>>,
    /// What reading JSON cases quickly needs: members by name, fields' defaults.
    pub(super) shape: CaseShape,
    /// The conditions several rules share, which an explanation evaluates once.
    pub(super) shared_conditions: super::decide::SharedConditions,
    /// Each assumption of the policy, lowered, with the facts it reads.
    pub(super) assumptions: Vec<(Expr, Vec<Expr>)>,
    /// Each rule's conditions and the facts they read, compiled (`compiled`), in rule order:
    /// what deciding and explaining evaluate.
    pub(super) compiled: Vec<super::compiled::CompiledRule>,
    /// Each assumption's condition, compiled: what checking a case evaluates when one fails.
    pub(super) compiled_assumptions: Vec<super::compiled::Test>,
    /// Every assumption at once, compiled: what checking a case evaluates first.
    pub(super) every_assumption: super::compiled::Test,
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
    pub(super) entries: Vec<(Value, Period, bool)>,
    /// When every entry is a text: their marks (`text_marks`), so that most texts that are no
    /// member (an item's entry asked of a short list of entries) are answered without a search.
    text_marks: Option<EnumSet>,
}

/// The marks (`text_mark`) of some values, as a set of 256, when every one is a text.
pub(super) fn text_marks<'v>(values: impl IntoIterator<Item = &'v Value>) -> Option<EnumSet> {
    let mut marks = EnumSet::default();
    for value in values {
        let Value::Text(text) = value else {
            return None;
        };
        marks.insert(u16::from(text_mark(text)));
    }
    Some(marks)
}

/// Whether a text has one of some marks (`text_marks`): if not, it is none of their texts.
#[inline]
pub(super) fn has_mark(marks: &EnumSet, text: &str) -> bool {
    marks.contains(u16::from(text_mark(text)))
}

/// One of 256 marks of a text, from its length and its first and last bytes: two equal texts
/// have the same mark, so a text whose mark no member has is no member.
fn text_mark(text: &str) -> u8 {
    let bytes = text.as_bytes();
    let first = bytes.first().copied().unwrap_or(0);
    let last = bytes.last().copied().unwrap_or(0);
    (bytes.len() as u8)
        .wrapping_mul(29)
        .wrapping_add(first.wrapping_mul(7))
        .wrapping_add(last)
}

impl DatedSet {
    /// The set of these entries (each a member, its period and whether the period removes it).
    pub(super) fn new(mut entries: Vec<(Value, Period, bool)>) -> DatedSet {
        entries.sort_by(|a, b| a.0.total_cmp(&b.0));
        let text_marks = text_marks(entries.iter().map(|(member, _, _)| member));
        DatedSet {
            entries,
            text_marks,
        }
    }

    /// The marks of its entries, when every one is a text.
    pub(super) fn text_marks(&self) -> Option<EnumSet> {
        self.text_marks
    }

    /// Whether a value is a member on a date.
    pub fn contains(&self, value: &Value, date: Date) -> bool {
        if let (Some(marks), Value::Text(text)) = (&self.text_marks, value) {
            if !has_mark(marks, text) {
                return false;
            }
            // Every entry a text: compared as texts, without `total_cmp`'s match.
            let text: &str = text;
            return self.holds(
                |member| match member {
                    Value::Text(member) => (**member).cmp(text),
                    _ => std::cmp::Ordering::Less,
                },
                date,
            );
        }
        self.holds(|member| member.total_cmp(value), date)
    }

    /// Whether some member is a prefix of a text on a date: `some e in S: starts_with(x, e)`.
    pub fn has_prefix_of(&self, text: &str, date: Date) -> bool {
        super::value::sorted_texts_have_prefix_of(
            &self.entries,
            text,
            |(member, _, _)| match member {
                Value::Text(member) => member,
                _ => "",
            },
            |start| {
                self.holds_from(
                    start,
                    |member| member.total_cmp(&self.entries[start].0),
                    date,
                )
            },
        )
    }

    /// Whether the member that `order` finds (by comparing members with it) is in the set on a
    /// date: listed in a period that holds the date, and not removed in one.
    fn holds(&self, order: impl Fn(&Value) -> std::cmp::Ordering, date: Date) -> bool {
        let start = self
            .entries
            .partition_point(|(member, _, _)| order(member) == std::cmp::Ordering::Less);
        self.holds_from(start, order, date)
    }

    /// The same, from the first entry the member can be at.
    fn holds_from(
        &self,
        start: usize,
        order: impl Fn(&Value) -> std::cmp::Ordering,
        date: Date,
    ) -> bool {
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
    /// The named set with this index, if it is kept with its members' dates.
    pub fn dated_set(&self, index: usize) -> Option<&DatedSet> {
        self.dated_sets.get(index)?.as_ref()
    }

    /// The epoch that holds a date.
    pub fn epoch(&self, date: Date) -> &Epoch {
        let position = self.epochs.partition_point(|epoch| epoch.start <= date);
        &self.epochs[position.saturating_sub(1)]
    }
}

/// A rule's key condition: its position among the rule's conditions, the path of its fact
/// from the case, the members the fact must be (or one of which it must hold), and the enum
/// of the fact when known.
pub(super) type KeyCondition = (usize, Vec<usize>, KeyMembers, u16);

/// The fast reader's plan of the policy's input type, made once per program: enum members by
/// name, and for each record type how each of its fields is read. Built by `case`, which reads
/// it.
#[derive(Debug, Clone, Default)]
pub struct CaseShape {
    /// A number no other plan has (zero for none built): what the reader keeps from one case to
    /// the next on a thread (records read lately) serves only cases of the program it was read
    /// for.
    pub(super) id: u64,
    /// Each enum's members by name.
    pub(super) members: Vec<NameTable>,
    /// Each record type's fields, by the record's index in the policy.
    pub(super) records: Vec<RecordShape>,
}

/// How the fast reader reads a record type.
#[derive(Debug, Clone, Default)]
pub struct RecordShape {
    /// The fields in declared order.
    pub(super) fields: Vec<FieldShape>,
    /// The fields' positions by name, for a key given out of order or not as compact JSON.
    pub(super) names: NameTable,
    /// The record type's index in the policy.
    pub(super) index: u16,
}

/// How the fast reader reads a field of a record.
#[derive(Debug, Clone)]
pub struct FieldShape {
    /// The key as compact JSON gives it, with its colon (`"name":`).
    pub(super) key: Box<[u8]>,
    /// For a key of at most 32 bytes (the most of them), its bytes as four words (little-endian;
    /// zero past the key's end), and the masks of the bytes in each that are the key's: a key
    /// is matched by comparing words, most keys that are not this one differing in the first.
    pub(super) key_words: [u64; 4],
    pub(super) key_masks: [u64; 4],
    /// What its value is (for an optional field, when it is not `null`).
    pub(super) kind: ValueKind,
    /// Whether it is optional: `null` is read as `none`.
    pub(super) optional: bool,
    /// Its value when a case leaves it out; `None` for a required field.
    pub(super) default: Option<Value>,
}

/// What the fast reader reads for a value of a type.
#[derive(Debug, Clone)]
pub enum ValueKind {
    Bool,
    Text,
    Date,
    /// A member of the enum with this index.
    Enum(u16),
    /// A set of members of the enum with this index, read straight into its bits.
    EnumSet(u16),
    /// A record of the record type with this index.
    Record(u16),
    /// Any other set: sorted, without repeats.
    Set(Box<ValueKind>),
    /// `null` or a value of the kind.
    Optional(Box<ValueKind>),
    /// Numbers and durations, rare in cases: left to the careful reader.
    Careful,
}

#[cfg(test)]
mod tests {
    use super::{DatedSet, Period, Value};
    use crate::syntax::calendar::Date;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap_or_else(|_| panic!("{text} is a date"))
    }

    /// The marks only ever say "no" to a text that is no member: every text of many lengths and
    /// first bytes is answered as a search of the entries answers it, on dates inside and
    /// outside the members' periods.
    #[test]
    fn a_dated_set_of_texts_answers_as_its_entries_do() {
        let until = Period {
            from: None,
            until: Some(date("2014-12-30")),
        };
        let always = Period {
            from: None,
            until: None,
        };
        let entries = vec![
            (Value::Text("4A005".into()), until, false),
            (Value::Text("5D001.e".into()), until, false),
            (Value::Text("".into()), always, false),
            (Value::Text("é".into()), always, false),
            (Value::Text("x".into()), always, false),
            (Value::Text("x".into()), until, true),
        ];
        let set = DatedSet::new(entries.clone());
        assert!(set.text_marks().is_some());
        let answer = |text: &str, on: Date| {
            let found = |removed: bool| {
                entries.iter().any(|(member, period, is_removal)| {
                    *is_removal == removed
                        && *member == Value::Text(text.into())
                        && period.contains(on)
                })
            };
            found(false) && !found(true)
        };
        let mut texts: Vec<String> = ["4A005", "5D001.e", "", "é", "x"]
            .iter()
            .map(|text| text.to_string())
            .collect();
        for length in 0..12 {
            for first in ["4", "5", "x", "A", "é"] {
                texts.push(format!("{first}{}", "0".repeat(length)));
                texts.push(format!("{first}{}5", "A".repeat(length)));
            }
        }
        let mut members = 0;
        for text in &texts {
            for on in [date("2014-12-30"), date("2014-12-31")] {
                let expected = answer(text, on);
                members += usize::from(expected);
                assert_eq!(
                    set.contains(&Value::Text(text.as_str().into()), on),
                    expected,
                    "{text:?} on {on}"
                );
            }
        }
        assert!(members >= 4, "the members are found: {members}");
        assert!(!set.contains(&Value::None, date("2014-01-01")));
    }
}
