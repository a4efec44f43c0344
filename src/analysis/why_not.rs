//! `licit eval --why-not`: the smallest changes to a case's facts (one fact, or else two) that
//! would give another verdict, found symbolically and confirmed by deciding the changed case.

use crate::check::ir::Type;
use crate::eval::{Program, Value};
use crate::syntax::calendar::Date;

use super::bdd::{FALSE, Node, TRUE};
use super::encode::{Member, Search, is_member_index};
use super::error::SearchError;

/// One fact to change, and to what.
#[derive(Debug, Clone)]
pub struct FactChange {
    /// The fact, as a path from the case: `item.cyber_surveillance`, or the path of a set of
    /// records (`licences`) for its members as a whole.
    pub fact: String,
    /// The value it changes to.
    pub to: Value,
}

/// Whether a decision's verdict is the one asked for: its kind, and when `written` is given
/// (`authorised(basis: "EU001")`), its arguments as written (spaces aside).
pub fn gives(
    program: &Program,
    decision: &crate::eval::Decision,
    verdict: usize,
    written: Option<&str>,
) -> bool {
    let squeeze = |text: &str| {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
    };
    decision.verdict.index() == verdict
        && written.is_none_or(|written| {
            let actual = program.format_conclusion(
                &program.policy.verdicts[decision.verdict],
                &decision.verdict_args,
            );
            squeeze(&actual) == squeeze(written)
        })
}

/// The smallest sets of changes to a case's facts (one fact — the date among them — or else
/// two) that would give a verdict (of a kind, or with the arguments `written`), each confirmed
/// by deciding the changed case. Empty when no change of one or two facts does.
pub fn why_not(
    program: &Program,
    case: &Value,
    date: Date,
    verdict: usize,
    written: Option<&str>,
) -> Result<Vec<(Vec<FactChange>, Value)>, SearchError> {
    let mut search = Search::for_case(program, case, date);
    let kind_name = program.policy.verdicts[verdict].name.clone();
    let (outcomes, _) = search.outcomes(program, date)?;
    let mut target = FALSE;
    for (outcome, region) in outcomes {
        let text = outcome.verdict;
        let this_kind = text.split(['(', ' ']).next().unwrap_or("");
        if this_kind == kind_name {
            target = search.manager.or(target, region)?;
        }
    }
    let valid = search.well_formed()?;
    let target = search.manager.and(target, valid)?;
    // Each fact of the case, and the constraint that it keeps its value. A set of records
    // (`case.licences`) is one fact with its members' facts: a change gives it other members.
    let mut facts: Vec<(String, Node)> = Vec::new();
    let mut record_sets: Vec<(String, Node)> = Vec::new();
    let mut keep_in_set = |search: &mut Search<'_>, set: String, keep: Node| {
        match record_sets.iter_mut().find(|(name, _)| *name == set) {
            Some((_, kept)) => *kept = search.manager.and(*kept, keep)?,
            None => record_sets.push((set, keep)),
        }
        Ok::<_, SearchError>(())
    };
    for slot in 0..search.slots.len() {
        let path = search
            .slot_of
            .iter()
            .find(|(_, s)| **s == slot)
            .map(|(p, _)| p.clone())
            .unwrap_or_default();
        let keep = search.keeps(slot, &path, case)?;
        let is_record_set = matches!(&search.slots[slot].ty, Type::Set(inner) if matches!(**inner, Type::Record(_)));
        match path.iter().position(|part| is_member_index(part)) {
            Some(member) => keep_in_set(&mut search, path[..member].join("."), keep)?,
            None if is_record_set => keep_in_set(&mut search, path.join("."), keep)?,
            None => facts.push((path.join("."), keep)),
        }
    }
    let atom_paths: Vec<Vec<String>> = search.atom_sets.keys().cloned().collect();
    for path in atom_paths {
        let keep = search.keeps_atoms(&path, case)?;
        let member = path
            .iter()
            .position(|part| is_member_index(part))
            .unwrap_or(path.len());
        keep_in_set(&mut search, path[..member].join("."), keep)?;
    }
    facts.extend(record_sets);
    let mut answers = Vec::new();
    // The date alone: the nearest date examined that gives the verdict.
    if let Some(answer) = date_change(program, case, date, verdict, written) {
        answers.push(answer);
    }
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
            let mut changes: Vec<FactChange> = group
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
            // A "change" to the value the fact has already is none: that answer is a smaller one.
            let before = changes.len();
            changes.retain(|change| {
                let path: Vec<String> = change.fact.split('.').map(str::to_string).collect();
                value_at(program, case, &path).as_ref() != Some(&change.to)
            });
            if changes.len() < before {
                continue;
            }
            // Confirm on the case itself with only these facts changed.
            let mut changed = case.clone();
            for change in &changes {
                let path: Vec<String> = change.fact.split('.').map(str::to_string).collect();
                changed = with_value(program, &changed, &path, change.to.clone());
            }
            // A change that breaks an assumption is not an answer.
            if program.violated_assumption(&changed, date).is_none()
                && gives(program, &program.decide(&changed, date), verdict, written)
            {
                answers.push((changes, changed));
            }
        }
        if !answers.is_empty() {
            break;
        }
    }
    Ok(answers)
}

/// The case on the nearest other date on which anything changes that gives the verdict.
fn date_change(
    program: &Program,
    case: &Value,
    date: Date,
    verdict: usize,
    written: Option<&str>,
) -> Option<(Vec<FactChange>, Value)> {
    let path = ["date".to_string()];
    value_at(program, case, &path)?;
    // Each day on which something changes, and the day before it (the last of the period
    // before).
    let mut dates: Vec<Date> = super::domain::change_dates(program, program)
        .into_iter()
        .flat_map(|d| [d.add(super::domain::one_day(), -1), d])
        .collect();
    // A date fact of the case moved by a duration meets the case's date on its own days
    // (`case.start + 1 year <= case.date` first holds on the start's anniversary).
    let mut own = Vec::new();
    case_dates(case, &mut own);
    // And a date fact compared with the case's date as it is (`l.valid_from <= case.date`)
    // on its own day and the days beside it.
    dates.extend(own.iter().flat_map(|d| {
        [
            d.add(super::domain::one_day(), -1),
            *d,
            d.add(super::domain::one_day(), 1),
        ]
    }));
    let shifts = super::domain::shifts(program, program);
    dates.extend(
        super::domain::moved_days(&shifts, own)
            .into_iter()
            .flat_map(|d| [d.add(super::domain::one_day(), -1), d]),
    );
    dates.retain(|d| d.is_in_calendar());
    dates.sort();
    dates.dedup();
    dates.retain(|d| *d != date);
    dates.sort_by_key(|d| (d.days() - date.days()).abs());
    dates.into_iter().find_map(|other| {
        let changed = with_value(program, case, &path, Value::Date(other));
        // On another date, a dated set or constant an assumption reads may change: a date
        // that breaks one is not an answer.
        let kept = program.violated_assumption(&changed, other).is_none();
        (kept && gives(program, &program.decide(&changed, other), verdict, written)).then(|| {
            let change = FactChange {
                fact: "date".to_string(),
                to: Value::Date(other),
            };
            (vec![change], changed)
        })
    })
}

/// Every date in a value.
fn case_dates(value: &Value, out: &mut Vec<Date>) {
    match value {
        Value::Date(d) => out.push(*d),
        Value::Set(members) | Value::Record(_, members) => {
            members.iter().for_each(|m| case_dates(m, out))
        }
        _ => {}
    }
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
        Value::Set(members) if is_member_index(first) => {
            value_at(program, members.get(first.parse::<usize>().ok()?)?, rest)
        }
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
                // Member `i` of the search is the case's `i`th, there if the case has it.
                let count = current.map_or(0, |v| v.set_members().len());
                let mut result = TRUE;
                for (index, var) in self.slots[slot].vars.clone().into_iter().enumerate() {
                    let var = self.manager.var(var)?;
                    let literal = if index < count {
                        var
                    } else {
                        self.manager.not(var)?
                    };
                    result = self.manager.and(result, literal)?;
                }
                Ok(result)
            }
            Type::Set(inner) => {
                let members = current.map(|v| v.set_members()).unwrap_or_default();
                let mut result = TRUE;
                for class in 0..self.slots[slot].vars.len() {
                    let rep = self.domain.representative(&inner, class);
                    let inside = members
                        .iter()
                        .any(|m| self.domain.same_class(&inner, m, &rep));
                    let var = self.manager.var(self.slots[slot].vars[class])?;
                    let literal = if inside { var } else { self.manager.not(var)? };
                    result = self.manager.and(result, literal)?;
                }
                Ok(result)
            }
            Type::Optional(inner) => match current {
                None | Some(Value::None) => self.value_node(slot, 0),
                Some(value) => match self.domain.class_for(&inner, &value) {
                    Some(class) => self.value_node(slot, class + 1),
                    None => Ok(TRUE),
                },
            },
            scalar => match current.and_then(|value| self.domain.class_for(&scalar, &value)) {
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
}
