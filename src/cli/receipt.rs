//! `licit verify-receipt`: decide a receipt's case again under the files given and say whether
//! the decision reproduces; and the decision log (`--decision-log`) that `eval` appends to.

use std::io::Write;
use std::path::Path;

use super::args::VerifyReceiptArgs;
use super::{CliError, Exit, print_failure, print_out, print_plain};
use crate::api::Rulebook;
use crate::api::receipt::Receipt;
use crate::project::{Files, OsFiles};

/// Runs `licit verify-receipt`: exit 0 when the decision reproduces, 1 when a part differs.
pub fn run(args: &VerifyReceiptArgs) -> Exit {
    let (receipt, verdict) = match read_receipt(&args.receipt) {
        Ok(found) => found,
        Err(exit) => return exit,
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
    let params: Vec<(&str, &str)> = receipt
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
    let as_of = match crate::syntax::calendar::Date::parse(&receipt.as_of) {
        Ok(date) => date,
        Err(problem) => {
            print_plain(&CliError::NotAReceipt {
                path: args.receipt.display().to_string(),
                problem: format!("`as_of` is not a date: {problem}"),
            });
            return Exit::Invalid;
        }
    };
    let decision = match rulebook.decide_as_of(&case, as_of) {
        Ok(decision) => decision,
        Err(problems) => {
            eprint!("{}", problems.text);
            return Exit::Invalid;
        }
    };
    let again = rulebook.receipt(&case, decision.date);
    let mut compare = |part: &str, given: &str, now: &str, what: &str| {
        if given != now {
            differences.push(format!(
                "{part}: the receipt says `{given}`, {what} `{now}`"
            ));
        }
    };
    compare(
        "rulebook_sha256",
        &receipt.rulebook_sha256,
        &again.rulebook_sha256,
        "the policy's files hash to",
    );
    compare(
        "case_sha256",
        &receipt.case_sha256,
        &again.case_sha256,
        "the case hashes to",
    );
    compare(
        "licit_version",
        &receipt.licit_version,
        &again.licit_version,
        "this is licit",
    );
    compare("as_of", &receipt.as_of, &again.as_of, "decided again as of");
    let params_of = |receipt: &Receipt| {
        receipt
            .params
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    compare(
        "params",
        &params_of(&receipt),
        &params_of(&again),
        "the policy takes them as",
    );
    let verdict_now = rulebook.verdict(&decision).to_string();
    if let Some(verdict) = &verdict {
        compare("verdict", verdict, &verdict_now, "deciding again gives");
    }
    if differences.is_empty() {
        print_out(&format!(
            "the receipt reproduces: `{}` decides `{verdict_now}` as of {}, from the same policy files and case\n",
            again.rulebook, again.as_of
        ));
        Exit::Ok
    } else {
        let mut out = String::from("the receipt does not match:\n");
        for difference in &differences {
            out.push_str(&format!("  - {difference}\n"));
        }
        print_out(&out);
        Exit::Failures
    }
}

/// The receipt in a file — a receipt object, a decision JSON carrying one, or a decision log
/// line — with the verdict it records, when it records one.
fn read_receipt(path: &Path) -> Result<(Receipt, Option<String>), Exit> {
    let name = path.display().to_string();
    let text = match OsFiles.read(path) {
        Ok(text) => text,
        Err(error) => {
            print_failure(false, &name, "", &[error]);
            return Err(Exit::Invalid);
        }
    };
    let not_a_receipt = |problem: String| {
        print_plain(&CliError::NotAReceipt {
            path: name.clone(),
            problem,
        });
        Exit::Invalid
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| not_a_receipt(error.to_string()))?;
    let (receipt, verdict) = match json.get("receipt") {
        Some(receipt) => {
            let verdict = json.get("verdict").and_then(|verdict| {
                verdict
                    .as_str()
                    .or_else(|| verdict.get("kind").and_then(serde_json::Value::as_str))
            });
            (receipt.clone(), verdict.map(str::to_string))
        }
        None => (json, None),
    };
    let receipt: Receipt = serde::Deserialize::deserialize(&receipt)
        .map_err(|error: serde_json::Error| not_a_receipt(error.to_string()))?;
    Ok((receipt, verdict))
}

/// A decision log opened for appending: one JSON line per decision.
pub(crate) struct DecisionLog {
    file: std::io::BufWriter<std::fs::File>,
}

impl DecisionLog {
    /// Opens (creating it if need be) the log at a path; the problem is printed.
    pub fn open(path: &Path) -> Result<DecisionLog, Exit> {
        if let Ok(crate::project::EntryKind::Directory) = OsFiles.kind(path) {
            print_plain(&CliError::DecisionLog {
                path: path.display().to_string(),
                reason: "it is a directory".to_string(),
            });
            return Err(Exit::Invalid);
        }
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(file) => Ok(DecisionLog {
                file: std::io::BufWriter::new(file),
            }),
            Err(error) => {
                print_plain(&CliError::DecisionLog {
                    path: path.display().to_string(),
                    reason: crate::project::io_reason(&error),
                });
                Err(Exit::Invalid)
            }
        }
    }

    /// Appends one line.
    pub fn write_line(&mut self, line: &str) {
        let _ = self.file.write_all(line.as_bytes());
        let _ = self.file.write_all(b"\n");
    }
}

impl Drop for DecisionLog {
    fn drop(&mut self) {
        let _ = self.file.flush();
    }
}

/// A writer of batch output that also appends, for each decided line, its decision log line.
pub(crate) struct LoggedOutput<'a> {
    pub out: &'a mut dyn Write,
    pub log: DecisionLog,
    /// The part of a line written so far.
    pending: Vec<u8>,
}

impl<'a> LoggedOutput<'a> {
    /// Batch output into `out`, logged into `log`.
    pub fn new(out: &'a mut dyn Write, log: DecisionLog) -> LoggedOutput<'a> {
        LoggedOutput {
            out,
            log,
            pending: Vec::new(),
        }
    }
}

impl Write for LoggedOutput<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.out.write(bytes)?;
        for &byte in &bytes[..written] {
            if byte == b'\n' {
                let line = std::mem::take(&mut self.pending);
                let logged = serde_json::from_slice::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|decision| crate::api::receipt::log_line_of(&decision));
                if let Some(logged) = logged {
                    self.log.write_line(&logged);
                }
            } else {
                self.pending.push(byte);
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.log.file.flush();
        self.out.flush()
    }
}
