//! A policy's `input` declaration as JSON, for forms: every field with its type, the members of
//! its enum, whether it may be left out. Types are written as in the language.

use serde_json::{Value as Json, json};

use crate::check::Policy;
use crate::check::ir::Type;

/// The description of a policy's input: `{"name": …, "fields": [field, …]}`.
pub fn input(policy: &Policy) -> Json {
    json!({
        "name": policy.records.get(policy.input).map(|record| record.name.as_str()),
        "fields": record_fields(policy, policy.input, 0),
    })
}

/// How deep records nest in a description; deeper fields are described by type name only.
const MAX_DEPTH: usize = 8;

fn record_fields(policy: &Policy, record: usize, depth: usize) -> Vec<Json> {
    let Some(record) = policy.records.get(record) else {
        return Vec::new();
    };
    record
        .fields
        .iter()
        .map(|field| {
            let mut described = describe(policy, &field.ty, depth);
            if let Some(object) = described.as_object_mut() {
                object.insert("name".to_string(), json!(field.name));
                let optional = matches!(field.ty, Type::Optional(_));
                object.insert("optional".to_string(), json!(optional));
                object.insert("has_default".to_string(), json!(field.default.is_some()));
            }
            described
        })
        .collect()
}

/// One type: `{"type": "Country", "kind": "enum", "members": […]}` and the like.
fn describe(policy: &Policy, ty: &Type, depth: usize) -> Json {
    let name = type_name(policy, ty);
    match ty.unwrap_optional() {
        Type::Bool => json!({ "type": name, "kind": "bool" }),
        Type::Int => json!({ "type": name, "kind": "int" }),
        Type::Decimal => json!({ "type": name, "kind": "decimal" }),
        Type::Text => json!({ "type": name, "kind": "text" }),
        Type::Date => json!({ "type": name, "kind": "date" }),
        Type::Duration => json!({ "type": name, "kind": "duration" }),
        Type::Enum(index) => json!({
            "type": name,
            "kind": "enum",
            "members": policy.enums.get(*index).map(|e| e.members.clone()).unwrap_or_default(),
        }),
        Type::Record(index) if depth < MAX_DEPTH => json!({
            "type": name,
            "kind": "record",
            "fields": record_fields(policy, *index, depth + 1),
        }),
        Type::Record(_) => json!({ "type": name, "kind": "record", "fields": [] }),
        Type::Set(inner) => json!({
            "type": name,
            "kind": "set",
            "of": describe(policy, inner, depth + 1),
        }),
        Type::Optional(_) | Type::NoneLiteral | Type::Error => {
            json!({ "type": name, "kind": "other" })
        }
    }
}

/// A type as the language writes it: `set of Country`, `optional Date`.
pub fn type_name(policy: &Policy, ty: &Type) -> String {
    crate::check::ir::type_text(&policy.enums, &policy.records, ty)
}
