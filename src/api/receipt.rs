//! Receipts: what a decision was made from — the rulebook's name and the hash of its sources,
//! the licit version, the hash of the case, the date decided as of and the parameters set —
//! so that anyone holding the same files can decide again and get the same answer
//! (`licit verify-receipt`). The canonical forms are in docs/receipts.md.

use std::collections::BTreeMap;

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::eval::{Program, Value};
use crate::project::{push_digest_hex, sha256, sha256_hex};
use crate::report::decision::DecisionJson;
use crate::syntax::Span;
use crate::syntax::calendar::Date;
use crate::syntax::json::{Json, JsonError, JsonKind};

/// The licit version every receipt names.
pub const LICIT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a decision was made from. Serialised, it is the `receipt` object of every decision
/// JSON (docs/decision-json.md, docs/receipts.md), its fields in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The rulebook's name: its folder's name, or its file's name without `.licit`.
    pub rulebook: String,
    /// The SHA-256 of the rulebook's source files in the canonical order, lowercase hex.
    pub rulebook_sha256: String,
    /// The version of licit that decided.
    pub licit_version: String,
    /// The parameters set away from their defaults, by name, each value as `--param` takes it.
    pub params: BTreeMap<String, String>,
    /// The date the case was decided as of, `YYYY-MM-DD`.
    pub as_of: String,
    /// The SHA-256 of the case's JSON text with leading and trailing ASCII whitespace trimmed.
    pub case_sha256: String,
}

/// The SHA-256 of a case's text as receipts name it: with leading and trailing ASCII
/// whitespace trimmed, so that a final line end does not count.
pub fn case_sha256(case: &str) -> String {
    sha256_hex(case.trim_ascii().as_bytes())
}

/// The part of every receipt that one program gives (all but the date and the case), as
/// JSON text made once: a batch adds only the date and the case's hash to each line.
#[derive(Debug, Clone)]
pub struct ReceiptStamp {
    rulebook: String,
    rulebook_sha256: String,
    params: BTreeMap<String, String>,
    /// `"receipt":{"rulebook":…,"params":{…},"as_of":`.
    prefix: String,
}

impl ReceiptStamp {
    /// The stamp of a program: its policy's origin and its parameters.
    pub fn of(program: &Program) -> ReceiptStamp {
        let origin = &program.policy.origin;
        let params = changed_params(program);
        let fields = serde_json::json!({
            "rulebook": origin.name,
            "rulebook_sha256": origin.sha256,
            "licit_version": LICIT_VERSION,
            "params": params,
        });
        // `json!` sorts keys; written by hand to keep the documented order.
        let text = |value: &serde_json::Value| value.to_string();
        let prefix = format!(
            "\"receipt\":{{\"rulebook\":{},\"rulebook_sha256\":{},\"licit_version\":{},\"params\":{},\"as_of\":",
            text(&fields["rulebook"]),
            text(&fields["rulebook_sha256"]),
            text(&fields["licit_version"]),
            text(&fields["params"]),
        );
        ReceiptStamp {
            rulebook: origin.name.clone(),
            rulebook_sha256: origin.sha256.clone(),
            params,
            prefix,
        }
    }

    /// The receipt of one case decided as of a date.
    pub fn receipt(&self, case: &str, as_of: Date) -> Receipt {
        Receipt {
            rulebook: self.rulebook.clone(),
            rulebook_sha256: self.rulebook_sha256.clone(),
            licit_version: LICIT_VERSION.to_string(),
            params: self.params.clone(),
            as_of: as_of.to_string(),
            case_sha256: case_sha256(case),
        }
    }

    /// Appends `,"receipt":{…}` for one case to a JSON object's text, before its closing brace:
    /// the batch's fast path, which hashes the case and copies the rest.
    pub fn append_to_object(&self, object: &mut String, case: &[u8], as_of: Date) {
        if object.ends_with('}') {
            object.pop();
        }
        object.push(',');
        object.push_str(&self.prefix);
        // The date and the hash are written in place: a batch line makes no string of its own.
        as_of.push_quoted(object);
        object.push_str(",\"case_sha256\":\"");
        push_digest_hex(object, sha256(case.trim_ascii()));
        object.push_str("\"}}");
    }
}

/// One line of a decision log (JSONL): the receipt, the verdict's name and the rule that
/// decided (`null` for the `otherwise` verdict), as `--decision-log` writes it.
pub fn log_line(receipt: &Receipt, verdict: &str, decided_by: Option<&str>) -> String {
    #[derive(Serialize)]
    struct LogLine<'a> {
        receipt: &'a Receipt,
        verdict: &'a str,
        decided_by: Option<&'a str>,
    }
    serde_json::to_string(&LogLine {
        receipt,
        verdict,
        decided_by,
    })
    .unwrap_or_default()
}

/// A decision log line made from a decision JSON object (a batch line, an explanation) that
/// has a receipt; `None` for an object without one (a line that could not be decided).
pub fn log_line_of(decision: &serde_json::Value) -> Option<String> {
    let receipt = Receipt::deserialize(decision.get("receipt")?).ok()?;
    let verdict = decision.get("verdict")?.get("kind")?.as_str()?;
    let decided_by = decision
        .get("decided_by")
        .and_then(|rule| rule.get("rule"))
        .and_then(serde_json::Value::as_str);
    Some(log_line(&receipt, verdict, decided_by))
}

/// A receipt file as `licit verify-receipt` reads it: a receipt object, a decision JSON that
/// carries one (a batch line included), or a decision log line.
#[derive(Debug, Clone)]
pub struct ReceiptFile {
    /// The receipt it holds.
    pub receipt: Receipt,
    /// The receipt's `as_of`, read.
    pub as_of: Date,
    /// What the file records besides the receipt.
    pub form: ReceiptForm,
    /// The whole file as JSON, to be compared with the decision made again.
    pub recorded: serde_json::Value,
}

/// What a receipt file records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptForm {
    /// The receipt object alone.
    Receipt,
    /// A decision JSON (`eval --format json`, a batch line): the decision, with its receipt.
    Decision,
    /// A decision log line: the receipt, the verdict's kind and the deciding rule's name.
    LogLine,
}

/// Why a file is not a receipt file, with the place in it.
#[derive(Debug, Error, Diagnostic)]
pub enum ReceiptError {
    /// The file is not strict JSON: a syntax error, a key given twice in an object, too deep.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Json(#[from] JsonError),
    /// The JSON is not of a receipt.
    #[error("not a receipt: {problem}")]
    #[diagnostic(
        code(licit::receipt::not_a_receipt),
        help(
            "give a receipt object, a decision JSON that carries one, or a line of a decision log (docs/receipts.md)"
        )
    )]
    NotAReceipt {
        problem: String,
        #[label("{label}")]
        span: Span,
        label: String,
    },
}

/// A [`ReceiptError::NotAReceipt`] at a place.
fn not_a_receipt(problem: String, span: Span, label: &str) -> ReceiptError {
    ReceiptError::NotAReceipt {
        problem,
        span,
        label: label.to_string(),
    }
}

/// Reads a receipt file's text with the strict JSON reader of cases, so that a key given twice
/// anywhere is an error rather than read one way or the other.
pub fn read_receipt_file(text: &str) -> Result<ReceiptFile, ReceiptError> {
    let json = crate::syntax::json::parse(text)?;
    let JsonKind::Object(members) = &json.kind else {
        return Err(not_a_receipt(
            format!("the file holds {}, not an object", json.kind.describe()),
            json.span,
            "expected an object",
        ));
    };
    let (receipt_json, form) = match member(members, "receipt") {
        Some(receipt) => match member(members, "verdict").map(|verdict| &verdict.kind) {
            Some(JsonKind::String(_)) => (receipt, ReceiptForm::LogLine),
            _ => (receipt, ReceiptForm::Decision),
        },
        None => (&json, ReceiptForm::Receipt),
    };
    let (receipt, as_of) = receipt_of(receipt_json)?;
    Ok(ReceiptFile {
        receipt,
        as_of,
        form,
        recorded: to_value(&json)?,
    })
}

/// The value of an object's member, by key.
fn member<'j>(members: &'j [(crate::syntax::json::JsonKey, Json)], key: &str) -> Option<&'j Json> {
    members
        .iter()
        .find(|(name, _)| name.name == key)
        .map(|(_, value)| value)
}

/// The receipt in a JSON object: every field present, each of its type, `as_of` a date.
fn receipt_of(json: &Json) -> Result<(Receipt, Date), ReceiptError> {
    let JsonKind::Object(members) = &json.kind else {
        return Err(not_a_receipt(
            format!("the receipt is {}, not an object", json.kind.describe()),
            json.span,
            "expected an object",
        ));
    };
    let text = |key: &str| -> Result<(String, Span), ReceiptError> {
        match member(members, key) {
            Some(Json {
                kind: JsonKind::String(text),
                span,
            }) => Ok((text.clone(), *span)),
            Some(other) => Err(not_a_receipt(
                format!("`{key}` is {}, not a string", other.kind.describe()),
                other.span,
                "expected a string",
            )),
            None => Err(not_a_receipt(
                format!("the receipt has no `{key}`"),
                json.span,
                "this receipt",
            )),
        }
    };
    let mut params = BTreeMap::new();
    match member(members, "params") {
        Some(Json {
            kind: JsonKind::Object(given),
            ..
        }) => {
            for (name, value) in given {
                let JsonKind::String(text) = &value.kind else {
                    return Err(not_a_receipt(
                        format!(
                            "the parameter `{}` is {}, not a string",
                            name.name,
                            value.kind.describe()
                        ),
                        value.span,
                        "expected the value as text, as `--param` takes it",
                    ));
                };
                params.insert(name.name.clone(), text.clone());
            }
        }
        Some(other) => {
            return Err(not_a_receipt(
                format!("`params` is {}, not an object", other.kind.describe()),
                other.span,
                "expected an object",
            ));
        }
        None => {
            return Err(not_a_receipt(
                "the receipt has no `params`".to_string(),
                json.span,
                "this receipt",
            ));
        }
    }
    let (as_of_text, as_of_span) = text("as_of")?;
    let as_of = Date::parse(&as_of_text).map_err(|problem| {
        not_a_receipt(
            format!("`as_of` is not a date: {problem}"),
            as_of_span,
            "expected `YYYY-MM-DD`",
        )
    })?;
    let receipt = Receipt {
        rulebook: text("rulebook")?.0,
        rulebook_sha256: text("rulebook_sha256")?.0,
        licit_version: text("licit_version")?.0,
        params,
        as_of: as_of_text,
        case_sha256: text("case_sha256")?.0,
    };
    Ok((receipt, as_of))
}

/// A JSON tree with spans as a `serde_json` value; a number beyond what `serde_json` holds is
/// not a receipt's.
fn to_value(json: &Json) -> Result<serde_json::Value, ReceiptError> {
    Ok(match &json.kind {
        JsonKind::Null => serde_json::Value::Null,
        JsonKind::Bool(value) => serde_json::Value::Bool(*value),
        JsonKind::Number(text) => match text.parse::<serde_json::Number>() {
            Ok(number) => serde_json::Value::Number(number),
            Err(_) => {
                return Err(not_a_receipt(
                    format!("the number `{text}` is out of range"),
                    json.span,
                    "out of range",
                ));
            }
        },
        JsonKind::String(text) => serde_json::Value::String(text.clone()),
        JsonKind::Array(items) => {
            serde_json::Value::Array(items.iter().map(to_value).collect::<Result<Vec<_>, _>>()?)
        }
        JsonKind::Object(members) => {
            let mut object = serde_json::Map::new();
            for (key, value) in members {
                object.insert(key.name.clone(), to_value(value)?);
            }
            serde_json::Value::Object(object)
        }
    })
}

/// What a receipt file of a form would hold for a decision made again: the receipt alone, the
/// log line, or the decision JSON with its explanation.
pub fn reproduced(form: ReceiptForm, explained: &DecisionJson<'_>) -> serde_json::Value {
    match form {
        ReceiptForm::Receipt => serde_json::to_value(&explained.receipt),
        ReceiptForm::LogLine => {
            let line = serde_json::json!({
                "receipt": explained.receipt,
                "verdict": explained.verdict.kind,
                "decided_by": explained.decided_by.as_ref().map(|rule| rule.rule),
            });
            Ok(line)
        }
        ReceiptForm::Decision => serde_json::to_value(explained),
    }
    .unwrap_or(serde_json::Value::Null)
}

/// One part of what a receipt file records that deciding again does not give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Where, as a path into the file's JSON: `receipt.case_sha256`, `verdict.args.basis`,
    /// `obligations[0].kind`.
    pub field: String,
    /// What the file records there, as compact JSON; `None` when it records nothing there.
    pub recorded: Option<String>,
    /// What deciding again gives there, as compact JSON; `None` when it gives nothing there.
    pub reproduced: Option<String>,
}

/// Every difference between what a receipt file records and what deciding again gives (from
/// [`reproduced`]), in the order of the fields' names. Everything the file records is
/// compared but the rulebook's name (a copy of a policy under another folder name is the same
/// rulebook) and a batch line's number. A top-level field the file leaves out is not compared
/// (a batch line has no explanation); inside a field, one left out or added is a difference.
pub fn differences(file: &ReceiptFile, reproduced: &serde_json::Value) -> Vec<Difference> {
    let mut found = Vec::new();
    compare("", &file.recorded, reproduced, file.form, &mut found);
    found
}

/// Compares a recorded value with the one made again at a path, adding each difference.
fn compare(
    path: &str,
    recorded: &serde_json::Value,
    again: &serde_json::Value,
    form: ReceiptForm,
    found: &mut Vec<Difference>,
) {
    use serde_json::Value::{Array, Object};
    match (recorded, again) {
        (Object(recorded), Object(again)) => {
            for (key, value) in recorded {
                let field = field_path(path, key);
                if not_compared(form, &field, value) {
                    continue;
                }
                match again.get(key) {
                    Some(again) => compare(&field, value, again, form, found),
                    None => found.push(Difference {
                        field,
                        recorded: Some(compact(value)),
                        reproduced: None,
                    }),
                }
            }
            if path.is_empty() {
                return;
            }
            for (key, value) in again {
                if !recorded.contains_key(key) {
                    found.push(Difference {
                        field: field_path(path, key),
                        recorded: None,
                        reproduced: Some(compact(value)),
                    });
                }
            }
        }
        (Array(recorded), Array(again)) => {
            for index in 0..recorded.len().max(again.len()) {
                let field = format!("{path}[{index}]");
                match (recorded.get(index), again.get(index)) {
                    (Some(recorded), Some(again)) => compare(&field, recorded, again, form, found),
                    (recorded, again) => found.push(Difference {
                        field,
                        recorded: recorded.map(compact),
                        reproduced: again.map(compact),
                    }),
                }
            }
        }
        _ if recorded == again => {}
        _ => found.push(Difference {
            field: path.to_string(),
            recorded: Some(compact(recorded)),
            reproduced: Some(compact(again)),
        }),
    }
}

/// Whether a field of a receipt file is left out of the comparison: the rulebook's name, and a
/// batch line's number.
fn not_compared(form: ReceiptForm, field: &str, value: &serde_json::Value) -> bool {
    match form {
        ReceiptForm::Receipt => field == "rulebook",
        ReceiptForm::LogLine => field == "receipt.rulebook",
        ReceiptForm::Decision => {
            field == "receipt.rulebook"
                || (field == "line" && value.as_u64().is_some_and(|n| n > 0))
        }
    }
}

/// The path of a member: `parent.key`, or `parent["key"]` for a key that is not a plain name.
fn field_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    match (plain, parent.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{parent}.{key}"),
        (false, _) => format!("{parent}[{}]", serde_json::Value::String(key.to_string())),
    }
}

/// A value as compact JSON.
fn compact(value: &serde_json::Value) -> String {
    value.to_string()
}

/// The parameters of a program set away from their defaults, each value as `--param` reads it.
fn changed_params(program: &Program) -> BTreeMap<String, String> {
    let policy = &program.policy;
    let given = program.param_overrides();
    let mut params = BTreeMap::new();
    for (index, param) in policy.params.iter().enumerate() {
        let Some(Some(value)) = given.get(index) else {
            continue;
        };
        // A parameter whose default no amendment dates is away from it only when it differs.
        if param.versions.is_empty() && *value == program.constant_value(&param.default) {
            continue;
        }
        params.insert(param.name.clone(), param_text(program, value));
    }
    params
}

/// A parameter's value as `--param name=value` reads it back: a text bare, the rest as licit
/// writes values.
fn param_text(program: &Program, value: &Value) -> String {
    match value {
        Value::Text(text) => text.to_string(),
        other => program.format_value(other),
    }
}

#[cfg(test)]
mod tests {
    use super::case_sha256;

    #[test]
    fn a_case_is_hashed_trimmed() {
        assert_eq!(case_sha256("  {}\n"), case_sha256("{}"));
        assert_ne!(case_sha256("{ }"), case_sha256("{}"));
    }
}
