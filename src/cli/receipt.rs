//! `licit verify-receipt`: decide a receipt's case again under the files given and say whether
//! the decision reproduces; and the decision log (`--decision-log`) that `eval` appends to.

use std::io::Write;
use std::path::Path;

use super::args::VerifyReceiptArgs;
use super::{CliError, Exit, print_failure, print_out, print_plain};
use crate::api::Rulebook;
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

/// A decision log opened for appending: one JSON line per decision. The first write that
/// fails is kept, and [`DecisionLog::finish`] reports it: a decision that is not logged is never
/// passed over in silence.
pub(crate) struct DecisionLog {
    file: std::io::BufWriter<std::fs::File>,
    /// The path as given, for the diagnostic.
    path: String,
    /// The first write or flush that failed.
    failed: Option<std::io::Error>,
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
                path: path.display().to_string(),
                failed: None,
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

    /// Appends one line; false once a write has failed (nothing more is written).
    pub fn write_line(&mut self, line: &str) -> bool {
        if self.failed.is_some() {
            return false;
        }
        let written = self
            .file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.write_all(b"\n"));
        if let Err(error) = written {
            self.failed = Some(error);
        }
        self.failed.is_none()
    }

    /// Flushes the log; the first write or flush that failed, as the diagnostic to print.
    pub fn finish(mut self) -> Result<(), CliError> {
        if self.failed.is_none()
            && let Err(error) = self.file.flush()
        {
            self.failed = Some(error);
        }
        match self.failed.take() {
            None => Ok(()),
            Some(error) => Err(CliError::DecisionLog {
                path: std::mem::take(&mut self.path),
                reason: crate::project::io_reason(&error),
            }),
        }
    }
}

/// A writer of batch output that also appends, for each decided line, its decision log line.
/// Once the log cannot be written, writing fails too, which ends the batch: no decision is
/// given out that the log does not hold.
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

    /// The log, to be finished once the batch is.
    pub fn into_log(self) -> DecisionLog {
        self.log
    }
}

/// The error a batch's output gives once its decision log cannot be written.
fn log_failed() -> std::io::Error {
    std::io::Error::other("the decision log cannot be written")
}

impl Write for LoggedOutput<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.log.failed.is_some() {
            return Err(log_failed());
        }
        // The decision lines are logged before they are given out.
        let mut start = 0;
        for (at, &byte) in bytes.iter().enumerate() {
            if byte != b'\n' {
                continue;
            }
            self.pending.extend_from_slice(&bytes[start..at]);
            start = at + 1;
            let line = std::mem::take(&mut self.pending);
            let logged = serde_json::from_slice::<serde_json::Value>(&line)
                .ok()
                .and_then(|decision| crate::api::receipt::log_line_of(&decision));
            if let Some(logged) = logged
                && !self.log.write_line(&logged)
            {
                return Err(log_failed());
            }
        }
        self.pending.extend_from_slice(&bytes[start..]);
        self.out.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.log.failed.is_none()
            && let Err(error) = self.log.file.flush()
        {
            self.log.failed = Some(error);
        }
        if self.log.failed.is_some() {
            return Err(log_failed());
        }
        self.out.flush()
    }
}
