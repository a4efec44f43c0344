//! Witness cases: a satisfying assignment that prefers each fact's first value (`none`, false,
//! the first class) read back as a case, and decided again concretely under both policies
//! before it is reported, so a reported difference is always real.

use std::collections::HashMap;

use crate::check::ir::{self, Type};
use crate::eval::{Program, Value};
use crate::syntax::calendar::{Date, Duration};

use super::bdd::Node;
use super::compare::{Comparison, compare};
use super::encode::{Member, Search, Slot};
use super::error::SearchError;

impl Search<'_> {
    /// A case in the region, preferring defaults: the old policy's input value.
    pub(super) fn witness(&mut self, region: Node, date: Date) -> Result<Value, SearchError> {
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
        default: Option<&ir::Expr>,
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
                                Some(self.domain.representative(element, index - 1))
                            }
                            element => Some(self.domain.representative(element, index)),
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
                // Each member searched that is there (two alike are one).
                let members: Vec<Value> = slot
                    .vars
                    .iter()
                    .enumerate()
                    .filter(|(_, var)| is_true(var))
                    .map(|(index, _)| {
                        let mut member_path = path.to_vec();
                        member_path.push(index.to_string());
                        self.build_record(&member_path, element, truth, date)
                    })
                    .collect();
                Value::set_of(members, None)
            }
            (Type::Set(inner), Some(slot)) => {
                let members: Vec<Value> = slot
                    .vars
                    .iter()
                    .enumerate()
                    .filter(|(_, var)| is_true(var))
                    .map(|(class, _)| self.domain.representative(inner, class))
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
                index => self.domain.representative(inner, index - 1),
            },
            (scalar, Some(slot)) => self.domain.representative(scalar, number(slot, &is_true)),
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

    /// Decides the witness concretely under both policies; `None` if they agree after all, or
    /// if either policy's assumptions rule the witness out.
    pub(super) fn confirm(&self, case: &Value, date: Date) -> Option<Comparison> {
        let new_case = rebase(
            case,
            &Type::Record(self.old.policy.input),
            &Type::Record(self.new.policy.input),
            self.new,
        );
        if self.old.violated_assumption(case, date).is_some()
            || self.new.violated_assumption(&new_case, date).is_some()
        {
            return None;
        }
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

/// The number a scalar slot's bits spell in an assignment.
fn number(slot: &Slot, is_true: &impl Fn(&u32) -> bool) -> usize {
    slot.vars
        .iter()
        .enumerate()
        .filter(|(_, var)| is_true(var))
        .map(|(position, _)| 1usize << position)
        .sum()
}
