//! The decision JSON of docs/decision-json.md written straight into a buffer, as batches and the
//! service's fast path write it: a plain line (`write_decision_line`) or one with the whole
//! explanation (`write_explained_line`). What is constant for a program (rule names, citations,
//! condition texts, kind and member names, the policy's title, the keys of every object in the
//! order they are written) is escaped once into ready JSON fragments (`DecisionTexts`), so a
//! line pushes bytes and escapes only the case's own texts.
//!
//! The `serde` tree of `report::decision` (`DecisionJson`) stays the reference: the public
//! library type, the pretty output, and the form nested in other answers. The text written here
//! is byte for byte `serde_json::to_string` of that tree, keys of its maps in sorted order as
//! `serde_json::Map` keeps them (tests/batch_mixes.rs compares the two on every line of both
//! benchmark mixes).

use std::fmt::Write as _;

use crate::check::ir::{self as check_ir, KindDef, Policy, Type};
use crate::eval::{ConditionTrace, Decision, EnumSet, Program, RuleTrace, Status, Trace, Value};

use super::decision::{base_names, period_text, value_json};

/// The texts of a program's decision JSON that do not change from case to case, escaped once.
/// Made from one program (`DecisionTexts::of`) and used only with it; given another, the
/// writer still writes valid JSON but not that program's names.
#[derive(Debug, Clone, Default)]
pub struct DecisionTexts {
    /// `"policy":{"title":…,"source":…}`.
    policy: String,
    /// The verdict kinds, by index.
    verdicts: Vec<KindTexts>,
    /// What follows a line's date up to the verdict's arguments, by verdict and by whether the
    /// policy is in force: `,"policy_in_force":…,"verdict":{"kind":…,"args":`, with `{}` for
    /// a verdict without parameters.
    verdict_heads: Vec<[String; 2]>,
    /// The obligation kinds, by index.
    obligations: Vec<KindTexts>,
    /// The rules, by index.
    rules: Vec<RuleTexts>,
    /// Every rule's entry when it is not in force (`RuleTexts::not_in_force`), one after
    /// another, by whether the policy is in force: a run of rules not in force, which on a
    /// given date are most of a policy's, is one slice of it (see `not_in_force_run`).
    not_in_force_entries: [NotInForceEntries; 2],
    /// `,"in_force":"the policy is in force …"`: what a rule not in force says when the policy
    /// itself is not in force on the date.
    policy_not_in_force: String,
    /// Every enum's members as JSON strings, by enum and member.
    members: Vec<Vec<String>>,
    /// Every enum's members each alone in a set, and that set as a JSON array (`["EU001"]`),
    /// by enum and member: most sets of members a case has hold none or one.
    member_sets: Vec<Vec<(EnumSet, String)>>,
    /// Every record type's field names as the keys of its JSON object.
    records: Vec<Keys>,
}

/// The entries of every rule not in force, one after another, and where each begins.
#[derive(Debug, Clone, Default)]
struct NotInForceEntries {
    /// The entries, each with the comma before it.
    text: String,
    /// Where each rule's entry begins in `text`, by rule, and where the last ends.
    starts: Vec<usize>,
}

impl NotInForceEntries {
    /// The entries of rules `from` to `to` (excluded), or nothing if there is no such rule.
    fn run(&self, from: usize, to: usize) -> &str {
        match (self.starts.get(from), self.starts.get(to)) {
            (Some(start), Some(end)) => self.text.get(*start..*end).unwrap_or_default(),
            _ => "",
        }
    }
}

/// A verdict or obligation kind.
#[derive(Debug, Clone, Default)]
struct KindTexts {
    /// `"kind":"…"`.
    kind: String,
    /// Its parameters as the keys of the `args` object.
    args: Keys,
    /// `{"kind":…,"args":{`: an obligation's object up to its arguments.
    opened: String,
    /// The same followed by the first key of `args`, and the position of its value, when one
    /// position bears that key (always, in a checked program).
    keyed: Option<(String, usize)>,
}

/// A rule.
#[derive(Debug, Clone, Default)]
struct RuleTexts {
    /// Its name as a JSON string.
    name: String,
    /// `},"decided_by":{"rule":…,"citation":…},"obligations":[`: what follows the verdict of
    /// a line the rule decided.
    decided: String,
    /// `},"rule":…,"citation":…}`: the end of an obligation the rule imposed, after its
    /// arguments.
    obligation_tail: String,
    /// `,{"rule":…,"citation":…,"status":"…"`, by status (see `status_position`): the start of
    /// its entry in the explanation, with the comma before it (see `separated`).
    heads: [String; 5],
    /// The same followed by `exception_to`: the start of an entry with no `because` text and
    /// no `suppressed_by`, which is most.
    opened: [String; 5],
    /// The same followed by `,"conditions":[`.
    opened_conditions: [String; 5],
    /// `,"exception_to":[…]`, or nothing for a rule that is no exception.
    exception_to: String,
    /// `,"in_force":"…"`: its own period, for a rule not in force while the policy is.
    in_force: String,
    /// The whole entry of the rule when it is not in force, by whether the policy is, with the
    /// comma before it.
    not_in_force: [String; 2],
    /// `,"binding":{"x":` for a rule with `for x in S`, or nothing.
    binding: String,
    /// Its conditions, by position.
    conditions: Vec<ConditionTexts>,
    /// When its first condition is written whole: for each value of its fact, the entry of the
    /// rule not applicable because that condition failed, from the comma before it to the end
    /// of `failed_condition` (`opened_conditions` and the condition's `FAILS_LAST` piece).
    fails_first: Vec<String>,
}

impl RuleTexts {
    /// The piece `variant` of a condition written whole, for the value its fact has.
    fn whole_piece(
        &self,
        trace: &Trace,
        condition: &ConditionTrace,
        variant: usize,
    ) -> Option<&str> {
        let whole = self.conditions.get(condition.index)?.whole.as_ref()?;
        whole.piece(trace.observed(condition), variant)
    }

    /// The entry up to the end of `failed_condition` of the rule not applicable because its
    /// first condition failed, when that condition is written whole (`fails_first`).
    fn fails_first(&self, trace: &Trace, condition: &ConditionTrace) -> Option<&str> {
        if condition.holds || condition.index != 0 || self.fails_first.is_empty() {
            return None;
        }
        let whole = self.conditions.first()?.whole.as_ref()?;
        self.fails_first
            .get(whole.ordinal(trace.observed(condition))?)
            .map(String::as_str)
    }
}

/// The statuses as the explanation names them, by `status_position`.
const STATUSES: [&str; 5] = [
    "applied",
    "suppressed",
    "not_applicable",
    "base_not_applicable",
    "not_in_force",
];

/// The position of `not_applicable` in `STATUSES`.
const NOT_APPLICABLE: usize = 2;

/// A status's position in `STATUSES`.
fn status_position(status: &Status) -> usize {
    match status {
        Status::Applied => 0,
        Status::Suppressed { .. } => 1,
        Status::NotApplicable { .. } => 2,
        Status::BaseNotApplicable => 3,
        Status::NotInForce => 4,
    }
}

/// One condition of a rule.
#[derive(Debug, Clone, Default)]
struct ConditionTexts {
    /// `,{"condition":…,"holds":false,"observed":{` and the same with `true`, with the comma
    /// before it (see `separated`).
    heads: [String; 2],
    /// The same followed by the first key of `observed`, and the position of its value, when
    /// one position bears that key (always, in a checked program).
    keyed_heads: Option<([String; 2], usize)>,
    /// For a condition reading one or two facts, each an enum member or a truth: the whole
    /// condition object for each value of the facts, so that most conditions are one piece.
    whole: Option<WholeConditions>,
    /// The facts it reads as the keys of its `observed` object.
    observed: Keys,
    /// For a condition reading one fact: what comes between the fact's value written in the
    /// condition failing as the last of its rule's and the same value written again in
    /// `failed_condition` (`}}],"failed_condition":{"condition":…,"observed":{"fact":`).
    fails_last_middle: Option<String>,
}

/// A condition that reads one or two facts of few values, written whole for each: by the
/// facts' values (an enum's member, or `false` and `true`) and by whether the condition holds.
#[derive(Debug, Clone, Default)]
struct WholeConditions {
    /// The values of its first fact (see `FactValues`).
    first: FactValues,
    /// The values of its second fact, for a condition that reads two, and how many there are.
    second: Option<(FactValues, usize)>,
    /// By the values' ordinal (see `ordinal`): `,{"condition":…,"holds":…,"observed":{…}}`
    /// with `holds` false and true (see `FAILS` and `HOLDS`), and the condition failing as the
    /// last of its rule's (`FAILS_LAST`): the same with `false`, followed by the end of the
    /// conditions' list and the condition again as `failed_condition`. Each with the comma
    /// before it (see `separated`).
    pieces: Vec<[String; 3]>,
}

/// The values a fact of a condition written whole may have: the members of an enum, by index,
/// or the truths (none).
type FactValues = Option<u16>;

/// The number of a fact's value among those of `FactValues`, if it is one of them.
#[inline]
fn fact_ordinal(value: &Value, values: FactValues) -> Option<usize> {
    match (value, values) {
        (Value::Enum(ty, member), Some(enumeration)) if *ty == enumeration => {
            Some(usize::from(*member))
        }
        (Value::Bool(truth), None) => Some(usize::from(*truth)),
        _ => None,
    }
}

/// The pieces of a condition written whole, by position in `WholeConditions::pieces`.
const FAILS: usize = 0;
const HOLDS: usize = 1;
const FAILS_LAST: usize = 2;

impl WholeConditions {
    /// The piece `variant` (`FAILS`, `HOLDS`, `FAILS_LAST`) for the values of the facts, if
    /// they are among those it was made for.
    #[inline]
    fn piece(&self, observed: &[Value], variant: usize) -> Option<&str> {
        let pieces = self.pieces.get(self.ordinal(observed)?)?;
        pieces.get(variant).map(String::as_str)
    }

    /// The number of the facts' values among those it was made for, if they are: the first
    /// fact's ordinal, times the number of the second's values plus the second's ordinal for a
    /// condition that reads two.
    #[inline]
    fn ordinal(&self, observed: &[Value]) -> Option<usize> {
        match (observed, &self.second) {
            ([fact], None) => fact_ordinal(fact, self.first),
            ([fact, other], Some((values, count))) => {
                let second = fact_ordinal(other, *values).filter(|at| at < count)?;
                Some(fact_ordinal(fact, self.first)? * count + second)
            }
            _ => None,
        }
    }
}

/// The most members an enum may have for the conditions reading one of them to be made whole
/// (`WholeConditions`), and the most bytes all those pieces may take together: beyond them, a
/// large policy's conditions are written piece by piece, as the others are.
const WHOLE_MEMBERS: usize = 64;
const WHOLE_BUDGET: usize = 4 << 20;

/// The type of a fact that is a parameter or a path into the case (`case.item.annex_i`), if it
/// is one.
fn fact_type<'p>(policy: &'p Policy, expr: &check_ir::Expr) -> Option<&'p Type> {
    match expr {
        check_ir::Expr::Param(index) => policy.params.get(*index).map(|param| &param.ty),
        expr => path_type(policy, expr),
    }
}

/// The values a fact of a type may have, for a condition written whole (`FactValues`), with
/// their texts: the members of an enum of at most `WHOLE_MEMBERS`, or the truths.
fn fact_values(policy: &Policy, ty: &Type) -> Option<(FactValues, Vec<String>)> {
    let ty = match ty {
        Type::Optional(inner) => &**inner,
        ty => ty,
    };
    match ty {
        Type::Enum(index) => {
            let members = &policy.enums.get(*index)?.members;
            if members.len() > WHOLE_MEMBERS {
                return None;
            }
            let values: Vec<String> = members.iter().map(|m| json_string(m)).collect();
            Some((Some(u16::try_from(*index).ok()?), values))
        }
        Type::Bool => Some((None, vec!["false".to_string(), "true".to_string()])),
        _ => None,
    }
}

/// The type of a fact that is a path into the case (`case.item.annex_i`), if it is one.
fn path_type<'p>(policy: &'p Policy, expr: &check_ir::Expr) -> Option<&'p Type> {
    let check_ir::Expr::Field(base, field) = expr else {
        return None;
    };
    let record = match &**base {
        check_ir::Expr::Case => policy.input,
        inner => match path_type(policy, inner)? {
            Type::Record(record) => *record,
            Type::Optional(inner) => match &**inner {
                Type::Record(record) => *record,
                _ => return None,
            },
            _ => return None,
        },
    };
    policy
        .records
        .get(record)?
        .fields
        .get(*field)
        .map(|field| &field.ty)
}

/// The whole pieces of a condition that reads one or two facts, each an enum member or a
/// truth, of at most `WHOLE_MEMBERS` values together, made from its heads without the facts
/// (`ConditionTexts::heads`) and its facts' keys, if they fit in what is left of `budget`.
fn whole_conditions(
    policy: &Policy,
    heads: &[String; 2],
    keys: &Keys,
    observed: &[(String, check_ir::Expr)],
    budget: &mut usize,
) -> Option<WholeConditions> {
    // Each fact under its own key, so that the object has one key a fact.
    if keys.keys.len() != observed.len() || keys.keys.iter().any(|(_, at)| at.len() != 1) {
        return None;
    }
    let (first, second, texts) = match observed {
        [(_, fact)] => {
            let (first, texts) = fact_values(policy, fact_type(policy, fact)?)?;
            (first, None, vec![texts])
        }
        [(_, fact), (_, other)] => {
            let (first, texts) = fact_values(policy, fact_type(policy, fact)?)?;
            let (second, other_texts) = fact_values(policy, fact_type(policy, other)?)?;
            if texts.len() * other_texts.len() > WHOLE_MEMBERS {
                return None;
            }
            let count = other_texts.len();
            (first, Some((second, count)), vec![texts, other_texts])
        }
        _ => return None,
    };
    // Every combination of the facts' values, the last fact's changing fastest, as `ordinal`
    // numbers them.
    let mut combinations: Vec<Vec<usize>> = vec![Vec::new()];
    for values in &texts {
        combinations = combinations
            .into_iter()
            .flat_map(|done| {
                (0..values.len()).map(move |at| {
                    let mut next = done.clone();
                    next.push(at);
                    next
                })
            })
            .collect();
    }
    let pieces: Vec<[String; 3]> = combinations
        .iter()
        .map(|ordinals| {
            let [fails, holds] = heads.clone().map(|head| {
                let mut piece = head;
                for (position, (key, at)) in keys.keys.iter().enumerate() {
                    piece.push_str(separated(key, position == 0));
                    let fact = at.first().copied().unwrap_or_default();
                    let value = ordinals
                        .get(fact)
                        .and_then(|ordinal| texts.get(fact)?.get(*ordinal));
                    piece.push_str(value.map_or("", String::as_str));
                }
                piece.push_str("}}");
                piece
            });
            let fails_last = format!("{fails}],\"failed_condition\":{}", separated(&fails, true));
            [fails, holds, fails_last]
        })
        .collect();
    let size: usize = pieces.iter().flatten().map(String::len).sum();
    *budget = budget.checked_sub(size)?;
    Some(WholeConditions {
        first,
        second,
        pieces,
    })
}

/// The entries of a rule not applicable because its first condition failed, by the values of
/// that condition's facts (`RuleTexts::fails_first`), if the condition is written whole and
/// they fit in what is left of `budget`; or none.
fn fails_first(rule: &RuleTexts, budget: &mut usize) -> Vec<String> {
    let (Some(whole), Some(opened)) = (
        rule.conditions.first().and_then(|c| c.whole.as_ref()),
        rule.opened_conditions.get(NOT_APPLICABLE),
    ) else {
        return Vec::new();
    };
    let entries: Vec<String> = whole
        .pieces
        .iter()
        .map(|pieces| format!("{opened}{}", separated(&pieces[FAILS_LAST], true)))
        .collect();
    let size: usize = entries.iter().map(String::len).sum();
    match budget.checked_sub(size) {
        Some(left) => {
            *budget = left;
            entries
        }
        None => Vec::new(),
    }
}

/// A fragment that begins with the comma separating it from what comes before, without that
/// comma when it comes first.
fn separated(fragment: &str, first: bool) -> &str {
    if first {
        fragment.get(1..).unwrap_or_default()
    } else {
        fragment
    }
}

/// The keys of a JSON object whose values come from a list by position, in the order
/// `serde_json::Map` writes them: sorted, each once, with the value of the last position that
/// bears it (a map keeps the last value inserted under a key).
#[derive(Debug, Clone, Default)]
struct Keys {
    /// `,"key":` and the positions that bear the key, in increasing order.
    keys: Vec<(String, Vec<usize>)>,
    /// How many positions have a name.
    named: usize,
}

impl Keys {
    /// The keys of an object whose values are named, by position, by `names`.
    fn of<'a>(names: impl Iterator<Item = &'a str>) -> Keys {
        let mut keys: Vec<(String, Vec<usize>)> = Vec::new();
        let mut named: Vec<(&str, usize)> = names.enumerate().map(|(at, n)| (n, at)).collect();
        let count = named.len();
        // A stable sort keeps a repeated key's positions in increasing order.
        named.sort_by(|a, b| a.0.cmp(b.0));
        for (name, position) in named {
            let key = format!(",{}:", json_string(name));
            match keys.last_mut() {
                Some((last, positions)) if *last == key => positions.push(position),
                _ => keys.push((key, vec![position])),
            }
        }
        Keys { keys, named: count }
    }

    /// Writes the object whose values are the first `count` positions of a list, each written
    /// by `value`.
    fn write(&self, out: &mut String, count: usize, value: impl FnMut(&mut String, usize)) {
        out.push('{');
        self.write_entries(out, count, 0, value);
        out.push('}');
    }

    /// Writes the entries of that object from the key `from` on, without its braces (a comma
    /// before the first when it is not the first key).
    fn write_entries(
        &self,
        out: &mut String,
        count: usize,
        from: usize,
        mut value: impl FnMut(&mut String, usize),
    ) {
        let mut first = from == 0;
        for (key, positions) in self.keys.iter().skip(from) {
            let position = match positions.as_slice() {
                [only] if *only < count => *only,
                _ => match positions.iter().rev().find(|p| **p < count) {
                    Some(position) => *position,
                    None => continue,
                },
            };
            // Each key comes with the comma that separates it from the one before.
            out.push_str(if first {
                key.get(1..).unwrap_or_default()
            } else {
                key
            });
            first = false;
            value(out, position);
        }
    }
}

/// A text as a JSON string, as `serde_json` writes it.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_json_str(&mut out, text);
    out
}

/// A kind's texts.
fn kind_texts(kind: &KindDef) -> KindTexts {
    let name = format!("\"kind\":{}", json_string(&kind.name));
    let args = Keys::of(kind.params.iter().map(|(name, _)| name.as_str()));
    let opened = format!("{{{name},\"args\":{{");
    let keyed = match args.keys.first() {
        Some((key, positions)) if positions.len() == 1 => {
            Some((format!("{opened}{}", separated(key, true)), positions[0]))
        }
        _ => None,
    };
    KindTexts {
        kind: name,
        args,
        opened,
        keyed,
    }
}

/// What follows the verdict of a line no rule decided.
const UNDECIDED: &str = "},\"decided_by\":null,\"obligations\":[";

impl DecisionTexts {
    /// The texts of a program's decisions.
    pub fn of(program: &Program) -> DecisionTexts {
        let policy = &program.policy;
        let source = policy
            .source
            .as_deref()
            .map_or("null".to_string(), json_string);
        let policy_not_in_force = in_force_field(&format!(
            "the policy is in force {}",
            period_text(&policy.in_force)
        ));
        let mut budget = WHOLE_BUDGET;
        let rules: Vec<RuleTexts> = policy
            .rules
            .iter()
            .map(|rule| {
                let reference = format!(
                    "\"rule\":{},\"citation\":{}",
                    json_string(&rule.name),
                    json_string(&rule.citation)
                );
                let bases = base_names(policy, rule);
                let exception_to = if bases.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> = bases.into_iter().map(json_string).collect();
                    format!(",\"exception_to\":[{}]", names.join(","))
                };
                let heads =
                    STATUSES.map(|status| format!(",{{{reference},\"status\":\"{status}\""));
                let in_force = in_force_field(&period_text(&rule.in_force));
                let opened = heads.clone().map(|head| format!("{head}{exception_to}"));
                let opened_conditions = opened
                    .clone()
                    .map(|opened| format!("{opened},\"conditions\":["));
                let not_in_force = [policy_not_in_force.as_str(), in_force.as_str()]
                    .map(|in_force| format!("{}{in_force}}}", opened[4]));
                let mut texts = RuleTexts {
                    decided: format!("}},\"decided_by\":{{{reference}}},\"obligations\":["),
                    obligation_tail: format!("}},{reference}}}"),
                    name: json_string(&rule.name),
                    heads,
                    opened,
                    opened_conditions,
                    exception_to,
                    in_force,
                    not_in_force,
                    binding: rule.for_each.as_ref().map_or(String::new(), |each| {
                        format!(",\"binding\":{{{}:", json_string(&each.variable))
                    }),
                    conditions: rule
                        .conditions
                        .iter()
                        .map(|condition| {
                            let text = json_string(&condition.text);
                            let heads = ["false", "true"].map(|holds| {
                                format!(",{{\"condition\":{text},\"holds\":{holds},\"observed\":{{")
                            });
                            let observed =
                                Keys::of(condition.observed.iter().map(|(name, _)| name.as_str()));
                            let keyed_heads = match observed.keys.first() {
                                Some((key, positions)) if positions.len() == 1 => Some((
                                    heads
                                        .clone()
                                        .map(|head| format!("{head}{}", separated(key, true))),
                                    positions[0],
                                )),
                                _ => None,
                            };
                            let whole = whole_conditions(
                                policy,
                                &heads,
                                &observed,
                                &condition.observed,
                                &mut budget,
                            );
                            let fails_last_middle = match (&keyed_heads, observed.keys.as_slice()) {
                                (Some(([fails, _], 0)), [_]) => Some(format!(
                                    "}}}}],\"failed_condition\":{}",
                                    separated(fails, true)
                                )),
                                _ => None,
                            };
                            ConditionTexts {
                                heads,
                                keyed_heads,
                                whole,
                                observed,
                                fails_last_middle,
                            }
                        })
                        .collect(),
                    fails_first: Vec::new(),
                };
                texts.fails_first = fails_first(&texts, &mut budget);
                texts
            })
            .collect();
        let not_in_force_entries = [0, 1].map(|in_force| {
            let mut entries = NotInForceEntries::default();
            for rule in &rules {
                entries.starts.push(entries.text.len());
                entries.text.push_str(&rule.not_in_force[in_force]);
            }
            entries.starts.push(entries.text.len());
            entries
        });
        let verdicts: Vec<KindTexts> = policy.verdicts.iter().map(kind_texts).collect();
        let verdict_heads = verdicts
            .iter()
            .map(|kind| {
                let args = if kind.args.keys.is_empty() { "{}" } else { "" };
                ["false", "true"].map(|in_force| {
                    format!(
                        ",\"policy_in_force\":{in_force},\"verdict\":{{{},\"args\":{args}",
                        kind.kind
                    )
                })
            })
            .collect();
        DecisionTexts {
            not_in_force_entries,
            verdict_heads,
            policy: format!(
                "\"policy\":{{\"title\":{},\"source\":{source}}}",
                json_string(&policy.title)
            ),
            verdicts,
            obligations: policy.obligations.iter().map(kind_texts).collect(),
            rules,
            policy_not_in_force,
            members: policy
                .enums
                .iter()
                .map(|definition| definition.members.iter().map(|m| json_string(m)).collect())
                .collect(),
            member_sets: policy
                .enums
                .iter()
                .map(|definition| {
                    let members = definition.members.iter().zip(0u16..);
                    let sets = members.map(|(name, member)| {
                        let mut alone = EnumSet::default();
                        alone.insert(member);
                        (alone, format!("[{}]", json_string(name)))
                    });
                    sets.collect()
                })
                .collect(),
            records: policy
                .records
                .iter()
                .map(|record| Keys::of(record.fields.iter().map(|field| field.name.as_str())))
                .collect(),
        }
    }

    /// Writes a value as `value_json` gives it: enum members and dates as strings, sets as
    /// arrays, records as objects (keys sorted), `none` as null.
    fn push_value(&self, out: &mut String, program: &Program, value: &Value) {
        match value {
            Value::Bool(truth) => out.push_str(if *truth { "true" } else { "false" }),
            Value::Int(number) => {
                let _ = write!(out, "{number}");
            }
            // A decimal's and a duration's text are digits, signs, points, letters and spaces:
            // nothing to escape.
            Value::Decimal(number) => {
                let _ = write!(out, "\"{number}\"");
            }
            Value::Duration(duration) => {
                let _ = write!(out, "\"{duration}\"");
            }
            Value::Text(text) => push_json_str(out, text),
            Value::Date(date) => date.push_quoted(out),
            Value::Enum(ty, member) => self.push_member(out, program, *ty, *member),
            Value::EnumSet(ty, set) => self.push_enum_set(out, program, *ty, set),
            Value::Set(members) => {
                out.push('[');
                for (position, member) in members.iter().enumerate() {
                    if position > 0 {
                        out.push(',');
                    }
                    self.push_value(out, program, member);
                }
                out.push(']');
            }
            Value::Record(record, fields) => {
                let keys = self
                    .records
                    .get(usize::from(*record))
                    .filter(|keys| keys.named >= fields.len());
                match keys {
                    Some(keys) => keys.write(out, fields.len(), |out, position| {
                        if let Some(field) = fields.get(position) {
                            self.push_value(out, program, field);
                        }
                    }),
                    // Fields without a name (never in a checked program): as the tree has it.
                    None => out.push_str(&value_json(program, value).to_string()),
                }
            }
            Value::None => out.push_str("null"),
        }
    }

    /// Writes a set of enum members as a JSON array: in one piece when it holds none or one.
    #[inline]
    fn push_enum_set(&self, out: &mut String, program: &Program, ty: u16, set: &EnumSet) {
        if set.is_empty() {
            out.push_str("[]");
            return;
        }
        // The set of its first member alone, compared whole: no look for a second member.
        if let Some(first) = set.members().next()
            && let Some((alone, piece)) = self
                .member_sets
                .get(usize::from(ty))
                .and_then(|sets| sets.get(usize::from(first)))
            && alone == set
        {
            out.push_str(piece);
            return;
        }
        out.push('[');
        for (position, member) in set.members().enumerate() {
            if position > 0 {
                out.push(',');
            }
            self.push_member(out, program, ty, member);
        }
        out.push(']');
    }

    /// Writes an enum member's name as a JSON string.
    #[inline]
    fn push_member(&self, out: &mut String, program: &Program, ty: u16, member: u16) {
        match self
            .members
            .get(usize::from(ty))
            .and_then(|members| members.get(usize::from(member)))
        {
            Some(text) => out.push_str(text),
            None => push_json_str(out, program.member_name(ty, member)),
        }
    }

    /// Writes the argument at `position` of a verdict or obligation, if there is one.
    #[inline]
    fn push_arg(&self, out: &mut String, program: &Program, args: &[Value], position: usize) {
        if let Some(value) = args.get(position) {
            self.push_value(out, program, value);
        }
    }

    /// Writes the object of one decision: everything up to the obligations, then the
    /// explanation when there is one, and the closing brace.
    fn write(
        &self,
        out: &mut String,
        program: &Program,
        decision: &Decision,
        line: usize,
        trace: Option<&Trace>,
    ) {
        out.push_str("{\"line\":");
        push_number(out, line);
        if trace.is_some() {
            out.push(',');
            out.push_str(&self.policy);
        }
        out.push_str(",\"date\":");
        decision.date.push_quoted(out);
        let verdict = decision.verdict.index();
        let in_force = usize::from(decision.policy_in_force);
        match (self.verdict_heads.get(verdict), self.verdicts.get(verdict)) {
            (Some(heads), Some(kind)) => {
                out.push_str(&heads[in_force]);
                // A verdict without parameters has its `{}` in the head.
                if !kind.args.keys.is_empty() {
                    let args = &decision.verdict_args;
                    kind.args.write(out, args.len(), |out, position| {
                        self.push_arg(out, program, args, position);
                    });
                }
            }
            _ => {
                out.push_str(if decision.policy_in_force {
                    ",\"policy_in_force\":true"
                } else {
                    ",\"policy_in_force\":false"
                });
                out.push_str(",\"verdict\":{\"kind\":\"?\",\"args\":{}");
            }
        }
        out.push_str(
            decision
                .decided_by
                .and_then(|rule| self.rules.get(rule.index()))
                .map_or(UNDECIDED, |rule| rule.decided.as_str()),
        );
        for (position, obligation) in decision.obligations.iter().enumerate() {
            if position > 0 {
                out.push(',');
            }
            let args = &obligation.args;
            let value = |out: &mut String, position: usize| {
                self.push_arg(out, program, args, position);
            };
            match self.obligations.get(obligation.kind) {
                // The object up to the first argument's value in one piece.
                Some(kind) => match &kind.keyed {
                    Some((head, first)) if *first < args.len() => {
                        out.push_str(head);
                        value(out, *first);
                        kind.args.write_entries(out, args.len(), 1, value);
                    }
                    _ => {
                        out.push_str(&kind.opened);
                        kind.args.write_entries(out, args.len(), 0, value);
                    }
                },
                None => out.push_str("{\"kind\":\"?\",\"args\":{"),
            }
            out.push_str(
                self.rules
                    .get(obligation.rule.index())
                    .map_or("}}", |rule| rule.obligation_tail.as_str()),
            );
        }
        out.push(']');
        if let Some(trace) = trace {
            out.push_str(",\"explanation\":[");
            let entries = &self.not_in_force_entries[usize::from(decision.policy_in_force)];
            // The rules not in force before the current one, from the first of them.
            let mut run: Option<usize> = None;
            for (position, rule) in trace.rules.iter().enumerate() {
                if rule.rule == position
                    && position < self.rules.len()
                    && is_plainly_not_in_force(rule)
                {
                    run.get_or_insert(position);
                    continue;
                }
                if let Some(from) = run.take() {
                    out.push_str(separated(entries.run(from, position), from == 0));
                }
                self.push_rule(out, program, decision, trace, rule, position == 0);
            }
            if let Some(from) = run {
                out.push_str(separated(entries.run(from, trace.rules.len()), from == 0));
            }
            out.push(']');
        }
        out.push('}');
    }

    /// Writes what happened to one rule, as `RuleJson` serialises it, after a comma unless it
    /// comes `first`.
    fn push_rule<'t>(
        &'t self,
        out: &mut String,
        program: &Program,
        decision: &Decision,
        trace: &Trace,
        rule: &RuleTrace,
        first: bool,
    ) {
        let Some(texts) = self.rules.get(rule.rule) else {
            // A rule the policy does not have (never in a checked program).
            out.push_str(separated(",{}", first));
            return;
        };
        let conditions = trace.conditions(rule);
        let status = status_position(&rule.status);
        let suppressed_by = match &rule.status {
            Status::Suppressed { by } => by.as_slice(),
            _ => &[],
        };
        let plain = rule.because.is_none() && suppressed_by.is_empty();
        // Most rules of a policy are not in force on a given date: their entry is made.
        if is_plainly_not_in_force(rule) {
            let in_force = &texts.not_in_force[usize::from(decision.policy_in_force)];
            out.push_str(separated(in_force, first));
            return;
        }
        let fragment =
            |fragments: &'t [String; 5]| fragments.get(status).map_or("", String::as_str);
        // The commonest entry of all: a rule not applicable because its first condition failed,
        // made whole up to the end of `failed_condition`.
        let fails_first = match conditions {
            [condition] if plain && status == NOT_APPLICABLE => texts.fails_first(trace, condition),
            _ => None,
        };
        if let Some(entry) = fails_first {
            out.push_str(separated(entry, first));
        } else if plain && !conditions.is_empty() {
            out.push_str(separated(fragment(&texts.opened_conditions), first));
        } else if plain {
            out.push_str(separated(fragment(&texts.opened), first));
        } else {
            out.push_str(separated(fragment(&texts.heads), first));
            if let Some(because) = &rule.because {
                out.push_str(",\"because\":");
                push_json_str(out, because);
            }
            if !suppressed_by.is_empty() {
                out.push_str(",\"suppressed_by\":[");
                for (position, exception) in suppressed_by.iter().enumerate() {
                    if position > 0 {
                        out.push(',');
                    }
                    match self.rules.get(*exception) {
                        Some(exception) => out.push_str(&exception.name),
                        None => out.push_str("\"?\""),
                    }
                }
                out.push(']');
            }
            out.push_str(&texts.exception_to);
            if !conditions.is_empty() {
                out.push_str(",\"conditions\":[");
            }
        }
        if !conditions.is_empty() && fails_first.is_none() {
            // The first condition that failed is written again as `failed_condition`: in one
            // piece with the end of the list when it is the last and written whole.
            let mut failed = None;
            let last = conditions.len() - 1;
            for (position, condition) in conditions.iter().enumerate() {
                if position == last
                    && !condition.holds
                    && failed.is_none()
                    && let Some(piece) = texts.whole_piece(trace, condition, FAILS_LAST)
                {
                    out.push_str(separated(piece, position == 0));
                    failed = Some(None);
                    break;
                }
                if position == last
                    && !condition.holds
                    && failed.is_none()
                    && self.push_failing_last(out, texts, trace, condition, position == 0)
                {
                    failed = Some(None);
                    break;
                }
                // Where the condition begins, after the comma that separates it.
                let start = out.len() + usize::from(position > 0);
                self.push_condition(out, program, texts, trace, condition, position == 0);
                if !condition.holds && failed.is_none() {
                    failed = Some(Some(start..out.len()));
                }
            }
            match failed {
                Some(Some(range)) => {
                    out.push_str("],\"failed_condition\":");
                    out.extend_from_within(range);
                }
                Some(None) => {}
                None => out.push(']'),
            }
        }
        if matches!(rule.status, Status::NotInForce) {
            out.push_str(if decision.policy_in_force {
                &texts.in_force
            } else {
                &self.policy_not_in_force
            });
        }
        if let Some(binding) = &rule.binding
            && !texts.binding.is_empty()
        {
            out.push_str(&texts.binding);
            self.push_value(out, program, binding);
            out.push('}');
        }
        out.push('}');
    }

    /// Writes a condition that reads one fact, an enum member or a truth, and failed as the
    /// last of its rule's, the end of the conditions' list and the condition again as
    /// `failed_condition`, after a comma unless it comes `first`: the fact's text written
    /// twice around one piece (`ConditionTexts::fails_last_middle`), nothing copied back.
    /// Whether it could.
    #[inline]
    fn push_failing_last(
        &self,
        out: &mut String,
        rule: &RuleTexts,
        trace: &Trace,
        condition: &ConditionTrace,
        first: bool,
    ) -> bool {
        let Some(texts) = rule.conditions.get(condition.index) else {
            return false;
        };
        let (Some(([fails, _], _)), Some(middle), [fact]) = (
            &texts.keyed_heads,
            &texts.fails_last_middle,
            trace.observed(condition),
        ) else {
            return false;
        };
        // Other values (texts, sets) cost more to write twice than to copy.
        let text = match fact {
            Value::Enum(ty, member) => match self
                .members
                .get(usize::from(*ty))
                .and_then(|members| members.get(usize::from(*member)))
            {
                Some(text) => text.as_str(),
                None => return false,
            },
            Value::Bool(truth) => {
                if *truth {
                    "true"
                } else {
                    "false"
                }
            }
            _ => return false,
        };
        out.push_str(separated(fails, first));
        out.push_str(text);
        out.push_str(middle);
        out.push_str(text);
        out.push_str("}}");
        true
    }

    /// Writes a fact a condition read: enum members and truths, which most are, without
    /// `push_value`'s call.
    #[inline(always)]
    fn push_fact(&self, out: &mut String, program: &Program, fact: &Value) {
        match fact {
            Value::Enum(ty, member) => self.push_member(out, program, *ty, *member),
            Value::Bool(truth) => out.push_str(if *truth { "true" } else { "false" }),
            Value::EnumSet(ty, set) => self.push_enum_set(out, program, *ty, set),
            Value::Text(text) => push_json_str(out, text),
            Value::None => out.push_str("null"),
            value => self.push_value(out, program, value),
        }
    }

    /// Writes one condition with its truth and the facts it read, as `ConditionJson`, after a
    /// comma unless it comes `first`.
    fn push_condition(
        &self,
        out: &mut String,
        program: &Program,
        rule: &RuleTexts,
        trace: &Trace,
        condition: &ConditionTrace,
        first: bool,
    ) {
        let holds = usize::from(condition.holds);
        let Some(texts) = rule.conditions.get(condition.index) else {
            // A condition the policy does not have (never in a checked program): no text and
            // no facts, as the tree has it.
            out.push_str(separated(",{\"condition\":\"\",\"holds\":", first));
            out.push_str(if condition.holds { "true" } else { "false" });
            out.push_str(",\"observed\":{}}");
            return;
        };
        let observed = trace.observed(condition);
        if let Some(whole) = &texts.whole
            && let Some(piece) = whole.piece(observed, if condition.holds { HOLDS } else { FAILS })
        {
            out.push_str(separated(piece, first));
            return;
        }
        let value = |out: &mut String, position: usize| {
            if let Some(fact) = observed.get(position) {
                self.push_fact(out, program, fact);
            }
        };
        match &texts.keyed_heads {
            // The head and the first key in one piece.
            Some((heads, position)) if *position < observed.len() => {
                out.push_str(separated(&heads[holds], first));
                value(out, *position);
                // Most conditions read one fact: no other key to look for; most others two, each
                // under its own key.
                match texts.observed.keys.as_slice() {
                    [_] => {}
                    [_, (key, positions)]
                        if let [second] = positions.as_slice()
                            && *second < observed.len() =>
                    {
                        out.push_str(key);
                        value(out, *second);
                    }
                    _ => texts.observed.write_entries(out, observed.len(), 1, value),
                }
            }
            _ => {
                out.push_str(separated(&texts.heads[holds], first));
                texts.observed.write_entries(out, observed.len(), 0, value);
            }
        }
        out.push_str("}}");
    }
}

/// Whether a rule's entry is only that it is not in force: no conditions, no `because`, no
/// binding; the entry `RuleTexts::not_in_force` has whole. The conditions are asked first:
/// a rule in force has some, and the question is asked of every rule of every line.
fn is_plainly_not_in_force(rule: &RuleTrace) -> bool {
    rule.conditions.is_empty()
        && matches!(rule.status, Status::NotInForce)
        && rule.because.is_none()
        && rule.binding.is_none()
}

/// `,"in_force":"…"` for a period's text.
fn in_force_field(text: &str) -> String {
    format!(",\"in_force\":{}", json_string(text))
}

/// One decision as a compact JSON line for batches: `line`, `date`, `verdict`, `decided_by` and
/// `obligations`, as in docs/decision-json.md, without the policy and the explanation. Appended
/// to `out` (without a line end) in place, with no intermediate strings, so that a batch writes
/// every line of a chunk into one buffer. Whatever follows the object's closing brace is the
/// caller's (a suffix per line can be appended there, such as the receipt).
pub fn write_decision_line(
    out: &mut String,
    program: &Program,
    texts: &DecisionTexts,
    decision: &Decision,
    line: usize,
) {
    texts.write(out, program, decision, line, None);
}

/// One decision with its whole explanation as a compact JSON line, `line` first: the text of
/// `serde_json::to_string` of `decision_json`'s tree with its `line` set (and no receipt),
/// written in place like `write_decision_line`.
pub fn write_explained_line(
    out: &mut String,
    program: &Program,
    texts: &DecisionTexts,
    decision: &Decision,
    trace: &Trace,
    line: usize,
) {
    texts.write(out, program, decision, line, Some(trace));
}

/// Appends a number in decimal.
fn push_number(out: &mut String, number: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = number;
    // Two digits at a time, from a table of the hundred pairs.
    while rest >= 100 {
        let pair = 2 * (rest % 100);
        rest /= 100;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if rest >= 10 {
        at -= 2;
        digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[2 * rest..2 * rest + 2]);
    } else {
        at -= 1;
        digits[at] = b'0' + rest as u8;
    }
    // Digits are ASCII, so the text is always UTF-8.
    if let Ok(text) = std::str::from_utf8(&digits[at..]) {
        out.push_str(text);
    }
}

/// The decimal digits of 0 to 99, two by two.
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Whether a text needs no escape in a JSON string: no quote, backslash or control character;
/// sixteen bytes at a time, then eight, then one by one.
fn is_plain_json_text(bytes: &[u8]) -> bool {
    let mut pairs = bytes.chunks_exact(16);
    for pair in &mut pairs {
        let (mut low, mut high) = ([0u8; 8], [0u8; 8]);
        low.copy_from_slice(pair.get(..8).unwrap_or_default());
        high.copy_from_slice(pair.get(8..).unwrap_or_default());
        if crate::eval::case::plain_text_ends(u64::from_le_bytes(low))
            | crate::eval::case::plain_text_ends(u64::from_le_bytes(high))
            != 0
        {
            return false;
        }
    }
    let mut words = pairs.remainder().chunks_exact(8);
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        if crate::eval::case::plain_text_ends(u64::from_le_bytes(eight)) != 0 {
            return false;
        }
    }
    words
        .remainder()
        .iter()
        .all(|b| *b >= 0x20 && *b != b'"' && *b != b'\\')
}

/// Writes a JSON string as `serde_json` does: a quote, a backslash and the control characters
/// escaped (`\b`, `\f`, `\n`, `\r`, `\t` by name, the others as `\u00XX`), nothing else.
fn push_json_str(out: &mut String, text: &str) {
    out.push('"');
    if is_plain_json_text(text.as_bytes()) {
        out.push_str(text);
    } else {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut plain = 0;
        for (at, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                0x08 => "\\b",
                0x0c => "\\f",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..0x20 => "",
                _ => continue,
            };
            // Escaped bytes are ASCII, so `at` is a character boundary.
            out.push_str(text.get(plain..at).unwrap_or_default());
            plain = at + 1;
            if escape.is_empty() {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 15)]));
            } else {
                out.push_str(escape);
            }
        }
        out.push_str(text.get(plain..).unwrap_or_default());
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::{DecisionTexts, is_plain_json_text, push_json_str, write_explained_line};
    use crate::{MemoryFiles, Rulebook};

    /// A case of the test policies decided with its explanation; `number` names it in a
    /// failure.
    fn explained(
        program: &crate::eval::Program,
        case: &str,
        number: usize,
    ) -> (crate::eval::Decision, crate::eval::Trace) {
        let value = match crate::eval::decode_case(program, case) {
            Ok(value) => value,
            Err(errors) => panic!("case {number} reads: {errors:?}"),
        };
        let date = crate::eval::case_date(&program.policy, &value)
            .unwrap_or_else(|| panic!("case {number} has a date"));
        program.explain(&value, date)
    }

    /// Checks that the explained line written of a decision is the text of its tree.
    fn written_as_the_tree(
        program: &crate::eval::Program,
        texts: &DecisionTexts,
        (decision, trace): (&crate::eval::Decision, &crate::eval::Trace),
        number: usize,
    ) {
        let mut written = String::new();
        write_explained_line(&mut written, program, texts, decision, trace, number);
        let mut tree = super::super::decision::decision_json(program, decision, trace);
        tree.line = Some(number);
        let expected = serde_json::to_string(&tree).unwrap_or_default();
        assert_eq!(written, expected, "case {number}");
    }

    /// A policy with what the EU rulebook lacks: conclusions with several arguments (written in
    /// sorted order), decimals, durations, whole numbers, records (fields sorted), a `for`
    /// binding a record, a condition reading two facts, texts to escape, an exception that
    /// suppresses and one whose base did not apply, dates before the policy, and conditions on
    /// one enum member or truth, or on one of each (written whole), holding or not, the member
    /// absent or present,
    /// and conditions two rules share (evaluated once a case).
    const POLICY: &str = r#"policy "A \"quoted\" policy"
  in force from 2020-01-01

enum Colour { red, green, blue }

record Part {
  zeta: text
  alpha: int
  middle: optional decimal
}

input Case {
  date: date
  name: text = "none"
  quantity: int = 0
  limit: int = 10
  value: decimal = 0.0
  colours: set of Colour = {}
  parts: set of Part = {}
  shade: optional Colour
  urgent: bool = false
}

verdicts refused(why: text, until: date) > allowed(basis: text) > fine
otherwise fine
obligation report(within: duration, amount: decimal, count: int, colour: Colour)

rule too_many "Art. 1"
  when case.quantity > case.limit
   and red in case.colours
  then refused(why: case.name, until: case.date + 1 year), report(within: 30 days, amount: case.value, count: case.quantity, colour: red)
  because "{case.name} asked for {case.quantity}"

rule waived "Art. 2"
  exception to too_many
  when case.value > 100.0
  then allowed(basis: "waiver")

rule waiver_waived "Art. 3"
  exception to waived
  when case.name == "x"
  then fine

rule part_rule "Art. 4"
  for p in case.parts
  when p.alpha > 1
  then allowed(basis: p.zeta)
  because "part {p.zeta}"

rule shaded "Art. 6"
  when case.shade == blue
   and case.urgent
  then fine

rule urgent_too "Art. 7"
  when case.urgent
   and case.quantity > case.limit
  then fine

rule either "Art. 8"
  when (case.urgent or case.shade == red)
   and case.quantity > case.limit
  then fine

rule later "Art. 5"
  in force from 2030-01-01
  when case.quantity > 0
  then fine
"#;

    /// Every case, explained, is written as the `serde` tree serialises it.
    #[test]
    fn an_explained_line_is_the_tree_serialised() {
        let files = MemoryFiles::new().with("policy.licit", POLICY);
        let rulebook = match Rulebook::from_files(&files, "policy.licit") {
            Ok(rulebook) => rulebook,
            Err(problems) => panic!("the policy loads:\n{problems}"),
        };
        let program = rulebook.program();
        let texts = DecisionTexts::of(program);
        // The first condition of `either` reads a truth and an enum member: written whole.
        let either = program.policy.rules.iter().position(|r| r.name == "either");
        let either = either.and_then(|at| texts.rules.get(at)?.conditions.first());
        assert!(either.is_some_and(|condition| condition.whole.is_some()));
        let cases = [
            r#"{"date":"2024-05-01","name":"a \"b\"\n\u0001","quantity":20,"colours":["red","blue"],"value":"250.50"}"#,
            r#"{"date":"2024-05-01","name":"x","quantity":20,"colours":["red"],"value":"250.5"}"#,
            r#"{"date":"2024-05-01","quantity":20,"colours":["green"]}"#,
            r#"{"date":"2024-05-01","quantity":3,"limit":1,"colours":["red"],"parts":[{"zeta":"z1","alpha":1},{"zeta":"é\t","alpha":7,"middle":"1.25"}]}"#,
            r#"{"date":"2019-05-01","quantity":20,"colours":["red"]}"#,
            r#"{"date":"2031-05-01","quantity":20,"colours":["red"],"value":"101"}"#,
            r#"{"date":"2024-05-01","name":"x","parts":[{"zeta":"z1","alpha":0}]}"#,
            r#"{"date":"2024-05-01","shade":"blue","urgent":true}"#,
            r#"{"date":"2024-05-01","shade":"blue"}"#,
            r#"{"date":"2024-05-01","shade":"red","urgent":true}"#,
            r#"{"date":"2024-05-01","urgent":true,"quantity":20,"colours":["red"]}"#,
        ];
        for (number, case) in cases.iter().enumerate() {
            let (decision, trace) = explained(program, case, number);
            // A condition two rules share reads the same in both.
            let mut seen: Vec<(&str, bool, &[crate::eval::Value])> = Vec::new();
            for rule in &trace.rules {
                for condition in trace.conditions(rule) {
                    let text = program.policy.rules[rule.rule].conditions[condition.index]
                        .text
                        .as_str();
                    let read = (text, condition.holds, trace.observed(condition));
                    match seen.iter().find(|(other, ..)| *other == text) {
                        Some(first) => assert_eq!(*first, read, "case {number}"),
                        None => seen.push(read),
                    }
                }
            }
            written_as_the_tree(program, &texts, (&decision, &trace), number);
        }
    }

    /// A condition on an enum of more members than are written whole, failing last, holding or
    /// failing first, and one on a text failing last, are written as the tree serialises them.
    #[test]
    fn a_condition_on_a_large_enum_is_the_tree_serialised() {
        let members: Vec<String> = (0..super::WHOLE_MEMBERS + 6)
            .map(|m| format!("p{m}"))
            .collect();
        let policy = format!(
            r#"policy "Ports"
  in force from 2020-01-01

enum Port {{ {} }}

input Case {{
  date: date
  port: Port
  name: text = "none"
  urgent: bool = false
}}

verdicts stopped > fine
otherwise fine

rule far "Art. 1"
  when case.urgent
   and case.port == p3
  then stopped

rule near "Art. 2"
  when case.port == p4
   and case.urgent
  then stopped

rule named "Art. 3"
  when case.urgent
   and case.name == "x"
  then stopped
"#,
            members.join(", ")
        );
        let files = MemoryFiles::new().with("policy.licit", policy.as_str());
        let rulebook = match Rulebook::from_files(&files, "policy.licit") {
            Ok(rulebook) => rulebook,
            Err(problems) => panic!("the policy loads:\n{problems}"),
        };
        let program = rulebook.program();
        let texts = DecisionTexts::of(program);
        let cases = [
            r#"{"date":"2024-05-01","port":"p5","urgent":true}"#,
            r#"{"date":"2024-05-01","port":"p3","urgent":true,"name":"x"}"#,
            r#"{"date":"2024-05-01","port":"p4","urgent":false}"#,
            r#"{"date":"2024-05-01","port":"p69"}"#,
        ];
        for (number, case) in cases.iter().enumerate() {
            let (decision, trace) = explained(program, case, number);
            written_as_the_tree(program, &texts, (&decision, &trace), number);
        }
    }

    /// Eight bytes at a time or in the tail, a quote, a backslash or a control character
    /// anywhere needs an escape, and nothing else does (UTF-8 included).
    /// A number is written as `Display` writes it, at every length.
    #[test]
    fn a_number_is_written_in_decimal() {
        let mut numbers: Vec<usize> = (0..=100_000).collect();
        let mut power = 1usize;
        while let Some(next) = power.checked_mul(10) {
            numbers.extend([next - 1, next, next + 1]);
            power = next;
        }
        numbers.push(usize::MAX);
        let mut out = String::new();
        for number in numbers {
            out.clear();
            out.push('>');
            super::push_number(&mut out, number);
            assert_eq!(out, format!(">{number}"));
        }
    }

    #[test]
    fn a_text_needs_an_escape_where_json_says() {
        let plain = "Art. 12(1)(d) and Annex II Section A (EU001) Regulation — 2021/821";
        assert!(is_plain_json_text(plain.as_bytes()));
        for at in 0..plain.len() {
            if !plain.is_char_boundary(at) {
                continue;
            }
            for special in ["\"", "\\", "\n", "\u{1}"] {
                let text = format!("{}{special}{}", &plain[..at], &plain[at..]);
                assert!(!is_plain_json_text(text.as_bytes()), "{text:?}");
            }
        }
    }

    /// Every character below 128 and a few beyond, alone and among others, is escaped as
    /// `serde_json` escapes it.
    #[test]
    fn a_text_is_escaped_as_serde_json_escapes_it() {
        let mut texts: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        texts.extend((0u8..128).map(|b| format!("Art. 4 — «{}» Annex\u{7f}", char::from(b))));
        texts.push("\"quoted\" \\ back\tslash\r\n\u{0}\u{1f}é😀".to_string());
        for text in texts {
            let mut written = String::new();
            push_json_str(&mut written, &text);
            let expected = serde_json::to_string(&text).unwrap_or_default();
            assert_eq!(written, expected, "{text:?}");
        }
    }
}
