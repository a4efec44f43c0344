//! The decision log (`--decision-log FILE`): one line per decision, its receipt, verdict and
//! deciding rule (`receipt::log_line`), appended to a file, as `licit eval` and `licit serve`
//! keep it. A decision is given out only once its line is written: a log that cannot be written
//! stops a batch where it fails and turns a service's answer into an error.

use std::io::Write;
use std::path::Path;

use crate::project::{EntryKind, Files, OsFiles, io_reason};

/// Why the log could not be opened or written: its path as given and the system's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogError {
    /// The path as given.
    pub path: String,
    /// What the system said, in words.
    pub reason: String,
}

/// An open decision log.
pub(crate) struct DecisionLog {
    file: std::fs::File,
    /// The path as given, for diagnostics.
    path: String,
}

impl DecisionLog {
    /// Opens the log at a path to append to it, creating it if need be.
    pub fn open(path: &Path) -> Result<DecisionLog, LogError> {
        let error = |reason: String| LogError {
            path: path.display().to_string(),
            reason,
        };
        if let Ok(EntryKind::Directory) = OsFiles.kind(path) {
            return Err(error("it is a directory".to_string()));
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|problem| error(io_reason(&problem)))?;
        Ok(DecisionLog {
            file,
            path: path.display().to_string(),
        })
    }

    /// Appends one line.
    pub fn append_line(&mut self, line: &str) -> Result<(), LogError> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.append(&bytes)
    }
}

/// Where a batch's log lines go, a block of whole lines at a time.
pub(crate) trait AppendLog {
    /// Appends whole lines, each ended by a line end, in one write: lines of concurrent
    /// writers never interleave.
    fn append(&mut self, lines: &[u8]) -> Result<(), LogError>;
}

impl AppendLog for DecisionLog {
    fn append(&mut self, lines: &[u8]) -> Result<(), LogError> {
        self.file.write_all(lines).map_err(|problem| LogError {
            path: self.path.clone(),
            reason: io_reason(&problem),
        })
    }
}

/// A log shared by requests (the service's): locked for each block.
impl AppendLog for &std::sync::Mutex<DecisionLog> {
    fn append(&mut self, lines: &[u8]) -> Result<(), LogError> {
        let mut log = match self.lock() {
            Ok(log) => log,
            Err(poisoned) => poisoned.into_inner(),
        };
        log.append(lines)
    }
}

/// A writer of batch output that first appends, for each decided line, its decision log line.
/// Once the log cannot be written, writing fails too, which ends the batch: no decision is
/// given out that the log does not hold.
pub(crate) struct LoggedOutput<'a, L: AppendLog> {
    out: &'a mut dyn Write,
    log: L,
    /// The part of a line written so far.
    pending: Vec<u8>,
    /// The log lines of the decisions of one write.
    block: Vec<u8>,
    /// Why the log could not be written, once it could not.
    failed: Option<LogError>,
}

impl<'a, L: AppendLog> LoggedOutput<'a, L> {
    /// Batch output into `out`, logged into `log`.
    pub fn new(out: &'a mut dyn Write, log: L) -> LoggedOutput<'a, L> {
        LoggedOutput {
            out,
            log,
            pending: Vec::new(),
            block: Vec::new(),
            failed: None,
        }
    }

    /// Why the log could not be written, if it could not: the batch ended there.
    pub fn failure(self) -> Option<LogError> {
        self.failed
    }
}

/// The error a batch's output gives once its decision log cannot be written.
fn log_failed() -> std::io::Error {
    std::io::Error::other("the decision log cannot be written")
}

impl<L: AppendLog> Write for LoggedOutput<'_, L> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.failed.is_some() {
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
            let logged = serde_json::from_slice::<serde_json::Value>(&self.pending)
                .ok()
                .and_then(|decision| super::receipt::log_line_of(&decision));
            self.pending.clear();
            if let Some(logged) = logged {
                self.block.extend_from_slice(logged.as_bytes());
                self.block.push(b'\n');
            }
        }
        self.pending.extend_from_slice(&bytes[start..]);
        if !self.block.is_empty() {
            let appended = self.log.append(&self.block);
            self.block.clear();
            if let Err(error) = appended {
                self.failed = Some(error);
                return Err(log_failed());
            }
        }
        self.out.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed.is_some() {
            return Err(log_failed());
        }
        self.out.flush()
    }
}
