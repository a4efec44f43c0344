//! Receipts: what a decision was made from — the rulebook's name and the hash of its sources,
//! the licit version, the hash of the case, the date decided as of and the parameters set —
//! so that anyone holding the same files can decide again and get the same answer
//! (`licit verify-receipt`). The canonical forms are in docs/receipts.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::eval::{Program, Value};
use crate::project::sha256_hex;
use crate::syntax::calendar::Date;

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

/// Appends the SHA-256 of some bytes as lowercase hex, as `case_sha256` gives it, without
/// an intermediate string.
fn push_sha256_hex(out: &mut String, bytes: &[u8]) {
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let mut text = [0u8; 64];
    for (pair, byte) in text.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
    }
    // Hex digits are ASCII, so the text is always UTF-8.
    if let Ok(hex) = std::str::from_utf8(&text) {
        out.push_str(hex);
    }
}

/// The two lowercase hex digits of every byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        pairs[byte] = [DIGITS[byte >> 4], DIGITS[byte & 15]];
        byte += 1;
    }
    pairs
};

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
    pub fn append_to_object(&self, object: &mut String, case: &str, as_of: Date) {
        if object.ends_with('}') {
            object.pop();
        }
        object.push(',');
        object.push_str(&self.prefix);
        // The date and the hash are written in place: a batch line makes no string of its own.
        as_of.push_quoted(object);
        object.push_str(",\"case_sha256\":\"");
        push_sha256_hex(object, case.trim_ascii().as_bytes());
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
