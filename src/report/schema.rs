//! The JSON Schema (draft 2020-12) of a policy's cases: what `licit schema` prints and
//! `Rulebook::schema` returns, so that a system upstream can check a case before it sends it.
//!
//! The schema says what the case reader (`eval::case`) accepts, as far as JSON Schema can: every
//! field with its type, enum members, default, whether it may be left out or be null, dates as
//! `YYYY-MM-DD` (`format: date` and a pattern), whole numbers within ±(2^31 − 1), and the
//! comments above the fields as descriptions. What it cannot say is stated in its description
//! and in docs/schema.md: the policy's `assume` declarations (conditions over several facts),
//! a whole number written `1.0` or `1e3` (JSON Schema counts both as integers), durations longer
//! than 2^24 months or days, and repeated keys in one object.

use serde_json::{Map, Value as Json, json};

use crate::check::ir::{
    DecimalBound, KEPT_DECIMAL_DIGITS, KEPT_DECIMAL_SCALE, MAX_KEPT_DURATION, MAX_KEPT_INT,
    RecordDef, Type,
};
use crate::eval::Program;

use super::decision::value_json;

/// The dialect the schema is written in.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// What the schema says about itself, in its description, after the policy's assumptions.
const LIMITS: &str = "Checked by `licit eval` but not by this schema: a decimal written as a JSON \
    number with more than 4 digits after the point or with an exponent (`0.12345`, `1e3`), a \
    whole number written with a fraction or exponent (`1.0`, `1e3`), a duration of more than \
    16777216 months or days, and a key repeated in one object.";

/// The schema of the cases of a lowered policy.
pub fn case_schema(program: &Program) -> Json {
    let policy = &*program.policy;
    let writer = Writer { program };
    let input = &policy.records[policy.input];
    let mut root = Map::new();
    root.insert("$schema".into(), json!(DIALECT));
    root.insert(
        "title".into(),
        json!(format!("{} — {}", policy.title, input.name)),
    );
    let mut description = Vec::new();
    if let Some(doc) = &input.doc {
        description.push(doc.clone());
    }
    description.push(format!(
        "A case of the policy \"{}\" (in force {}), as `licit eval --case` reads it.",
        policy.title,
        policy.in_force.describe("at all times")
    ));
    if !policy.assumptions.is_empty() {
        let listed: Vec<String> = policy
            .assumptions
            .iter()
            .map(|assumption| format!("\"{}\"", assumption.text))
            .collect();
        description.push(format!(
            "The policy assumes of every case: {}; a case that breaks one is rejected by \
             `licit eval`, not by this schema.",
            listed.join("; ")
        ));
    }
    description.push(LIMITS.to_string());
    root.insert("description".into(), json!(description.join(" ")));
    for (key, value) in writer.record(input) {
        root.insert(key, value);
    }
    let mut definitions = Map::new();
    for (index, record) in policy.records.iter().enumerate() {
        if index != policy.input {
            definitions.insert(record.name.clone(), Json::Object(writer.record(record)));
        }
    }
    for definition in &policy.enums {
        definitions.insert(
            definition.name.clone(),
            json!({ "type": "string", "enum": definition.members }),
        );
    }
    definitions.insert(
        "date".into(),
        json!({
            "type": "string",
            "format": "date",
            "pattern": "^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
            "description": "A day of the Gregorian calendar from 0001-01-01 to 9999-12-31, `YYYY-MM-DD`."
        }),
    );
    root.insert("$defs".into(), Json::Object(definitions));
    Json::Object(root)
}

struct Writer<'p> {
    program: &'p Program,
}

impl Writer<'_> {
    /// The keywords of an object with a record's fields.
    fn record(&self, record: &RecordDef) -> Map<String, Json> {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for field in &record.fields {
            let mut schema = self.of_type(&field.ty);
            let optional = matches!(field.ty, Type::Optional(_));
            let default = match &field.default {
                Some(default) => Some(value_json(
                    self.program,
                    &self.program.constant_value(default),
                )),
                None if optional => Some(Json::Null),
                None => None,
            };
            match &default {
                Some(value) => {
                    schema.insert("default".into(), value.clone());
                }
                None => required.push(field.name.clone()),
            }
            // The field's comment first, then what its type says of how it is written.
            let description = [
                field.doc.clone(),
                schema
                    .get("description")
                    .and_then(Json::as_str)
                    .map(str::to_string),
            ];
            let description: Vec<String> = description.into_iter().flatten().collect();
            if !description.is_empty() {
                schema.insert("description".into(), json!(description.join(" ")));
            }
            properties.insert(field.name.clone(), Json::Object(schema));
        }
        let mut object = Map::new();
        object.insert("type".into(), json!("object"));
        if let Some(doc) = &record.doc
            && record.name != self.program.policy.records[self.program.policy.input].name
        {
            object.insert("description".into(), json!(doc));
        }
        object.insert("properties".into(), Json::Object(properties));
        object.insert("required".into(), json!(required));
        object.insert("additionalProperties".into(), json!(false));
        object
    }

    /// The keywords of a value of a type.
    fn of_type(&self, ty: &Type) -> Map<String, Json> {
        let policy = &self.program.policy;
        let schema = match ty {
            Type::Bool => json!({ "type": "boolean" }),
            Type::Int => json!({
                "type": "integer",
                "minimum": -MAX_KEPT_INT,
                "maximum": MAX_KEPT_INT,
            }),
            Type::Decimal => {
                let largest = DecimalBound::KEPT.text();
                // The digits `check::ir::kept_decimal` reads: leading zeros, at most
                // KEPT_DECIMAL_DIGITS more before the point; at most KEPT_DECIMAL_SCALE after it,
                // trailing zeros aside.
                let pattern = format!(
                    "^[+-]?(0*[0-9]{{1,{KEPT_DECIMAL_DIGITS}}}(\\.[0-9]{{0,{KEPT_DECIMAL_SCALE}}}0*)?|\\.[0-9]{{1,{KEPT_DECIMAL_SCALE}}}0*)$"
                );
                let bound: f64 = largest.parse().unwrap_or(f64::MAX);
                json!({
                    "anyOf": [
                        { "type": "number", "minimum": -bound, "maximum": bound },
                        { "type": "string", "pattern": pattern }
                    ],
                    "description": format!(
                        "A decimal number from -{largest} to {largest}, with at most {KEPT_DECIMAL_SCALE} digits after the point, as a number or a string; it is never rounded."
                    ),
                })
            }
            Type::Text => json!({ "type": "string" }),
            Type::Date => json!({ "$ref": "#/$defs/date" }),
            Type::Duration => json!({
                "type": "string",
                "pattern": "^\\s*[+-]?[0-9]+\\s+(year|years|month|months|day|days)(\\s+[+-]\\s+[+-]?[0-9]+\\s+(year|years|month|months|day|days))*\\s*$",
                "description": format!(
                    "A length of time: \"5 years\", \"18 months\", \"30 days\", or such parts joined by + or - (\"1 month + 2 days\"), of at most {MAX_KEPT_DURATION} months and {MAX_KEPT_DURATION} days."
                ),
            }),
            Type::Enum(index) => {
                json!({ "$ref": format!("#/$defs/{}", policy.enums[*index].name) })
            }
            Type::Record(index) => {
                json!({ "$ref": format!("#/$defs/{}", policy.records[*index].name) })
            }
            Type::Set(inner) => json!({
                "type": "array",
                "items": Json::Object(self.of_type(inner)),
            }),
            Type::Optional(inner) => json!({
                "anyOf": [Json::Object(self.of_type(inner)), { "type": "null" }],
            }),
            // A checked policy has neither in a field's type.
            Type::NoneLiteral | Type::Error => json!({}),
        };
        match schema {
            Json::Object(map) => map,
            _ => Map::new(),
        }
    }
}
