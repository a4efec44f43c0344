//! `licit verify-receipt`: decide a receipt's case again under the files given and say whether
//! the decision reproduces; and the decision log (`--decision-log`) that `eval` appends to.

use std::path::Path;

use super::args::VerifyReceiptArgs;
use super::{CliError, Exit, print_failure, print_out, print_plain};
use crate::api::Rulebook;
use crate::api::decision_log::DecisionLog;
use crate::api::receipt::{Difference, read_receipt_file, reproduced};
use crate::project::{Files, OsFiles};
use crate::report::escape::for_terminal;

/// Runs `licit verify-receipt`: exit 0 when the decision reproduces, 1 when a part differs.
pub fn run(args: &VerifyReceiptArgs) -> Exit {
    let name = args.receipt.display().to_string();
    let text = match OsFiles.read(&args.receipt) {
        Ok(text) => text,
        Err(error) => {
            print_failure(false, &name, "", &[error]);
            return Exit::Invalid;
        }
    };
    let file = match read_receipt_file(&text) {
        Ok(file) => file,
        Err(error) => {
            print_failure(false, &name, &text, &[error]);
            return Exit::Invalid;
        }
    };
    let rulebook = match Rulebook::load(&args.policy) {
        Ok(rulebook) => rulebook,
        Err(problems) => {
            eprint!("{}", problems.text);
            return Exit::Invalid;
        }
    };
    let case_name = args.case.display().to_string();
    let case = match OsFiles.read(&args.case) {
        Ok(text) => text,
        Err(error) => {
            print_failure(false, &case_name, "", &[error]);
            return Exit::Invalid;
        }
    };
    let mut differences: Vec<String> = Vec::new();
    let params: Vec<(&str, &str)> = file
        .receipt
        .params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let rulebook = match rulebook.with_params(&params) {
        Ok(with_params) => with_params,
        Err(problems) => {
            differences.push(format!(
                "params: the receipt sets parameters the policy cannot take: {problems}"
            ));
            rulebook
        }
    };
    let explained = match rulebook.explain_as_of(&case, file.as_of) {
        Ok(explained) => explained,
        Err(problems) => {
            eprint!("{}", problems.text);
            return Exit::Invalid;
        }
    };
    let again = reproduced(file.form, &explained);
    let found = crate::api::receipt::differences(&file, &again);
    differences.extend(found.iter().take(MAX_SHOWN).map(describe));
    if differences.is_empty() {
        print_out(&for_terminal(
            &format!(
                "the receipt reproduces: `{}` decides `{}` as of {}, from the same policy files and case\n",
                rulebook.short_name(),
                explained.verdict.kind,
                file.receipt.as_of
            ),
            false,
        ));
        Exit::Ok
    } else {
        let mut out = String::from("the receipt does not match:\n");
        for difference in &differences {
            out.push_str(&format!("  - {difference}\n"));
        }
        if found.len() > MAX_SHOWN {
            out.push_str(&format!(
                "  and {} more difference{}\n",
                found.len() - MAX_SHOWN,
                if found.len() - MAX_SHOWN == 1 {
                    ""
                } else {
                    "s"
                }
            ));
        }
        print_out(&for_terminal(&out, false));
        Exit::Failures
    }
}

/// The most differences listed one by one; the rest are counted.
const MAX_SHOWN: usize = 20;

/// The longest value shown in a difference, in characters; a longer one is cut with `…`.
const MAX_VALUE_CHARS: usize = 100;

/// One difference in words: the field, what the file records and what deciding again gives.
fn describe(difference: &Difference) -> String {
    let shown = |value: &Option<String>| match value {
        Some(value) if value.chars().count() > MAX_VALUE_CHARS => {
            let cut: String = value.chars().take(MAX_VALUE_CHARS).collect();
            format!("`{cut}…`")
        }
        Some(value) => format!("`{value}`"),
        None => "nothing".to_string(),
    };
    let field = &difference.field;
    let again = match field.rsplit('.').next().unwrap_or(field) {
        "rulebook_sha256" if difference.reproduced.is_some() => "the policy's files hash to",
        "case_sha256" if difference.reproduced.is_some() => "the case hashes to",
        "licit_version" if difference.reproduced.is_some() => "this is licit",
        _ => "deciding again gives",
    };
    format!(
        "{field}: the file records {}, {again} {}",
        shown(&difference.recorded),
        shown(&difference.reproduced)
    )
}

/// Opens the decision log of `--decision-log`; the problem is printed.
pub(crate) fn open_log(path: &Path) -> Result<DecisionLog, Exit> {
    DecisionLog::open(path).map_err(|error| {
        print_plain(&CliError::from(error));
        Exit::Invalid
    })
}
