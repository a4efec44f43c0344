//! licit: a typed, declarative language for export-control licensing rules, and the library
//! behind the `licit` command.
//!
//! Start from [`Rulebook`]: load a rulebook once — from the disk with [`Rulebook::load`], or
//! from memory with [`Rulebook::from_files`] and [`MemoryFiles`] — then decide JSON cases, with
//! or without their explanation, from any number of threads. A policy or case that does not fit
//! comes back as [`Problems`]: every [`Diagnostic`] with its code, place and help.
//!
//! ```
//! let main = r#"
//! policy "Example"
//!
//! input Case {
//!   date: date
//!   listed: bool
//! }
//!
//! verdicts licence_required > no_licence_required
//! otherwise no_licence_required
//!
//! rule listed "Art. 3(1)"
//!   when case.listed
//!   then licence_required
//! "#;
//! let files = licit::MemoryFiles::new().with("example.licit", main);
//! let rulebook = licit::Rulebook::from_files(&files, "example.licit").expect("it checks");
//! let decision = rulebook
//!     .decide(r#"{"date": "2024-01-01", "listed": true}"#)
//!     .expect("the case fits");
//! assert_eq!(rulebook.verdict(&decision), "licence_required");
//! assert_eq!(rulebook.decided_by(&decision), Some(("listed", "Art. 3(1)")));
//! ```
//!
//! The pipeline inside, in reading order: `syntax` (text → AST) → `check` (names, types,
//! exceptions, time → a checked policy) → `eval` (lowering to a program, decisions with their
//! trace) → `analysis` (the symbolic search behind `diff`, `--why-not` and `check --analyze`) →
//! `report` (rendering). `project` finds and reads a policy's files through the [`Files`]
//! trait. Only `cli` (feature `cli`) and [`OsFiles`] (feature `fs`) touch the disk or the
//! terminal.

#![deny(missing_docs)]
// The analyses (`diff`, `--why-not`, `check --analyze`) and most of the rendering serve only the
// command line so far; without it they are not used. They become library API when the editor
// and the service need them.
#![cfg_attr(
    not(feature = "cli"),
    expect(
        dead_code,
        unused_imports,
        reason = "the analyses and most rendering serve only the command line so far"
    )
)]

mod analysis;
mod api;
mod check;
#[cfg(feature = "cli")]
mod cli;
mod eval;
#[cfg(feature = "cli")]
mod lsp;
mod project;
mod report;
#[cfg(feature = "serve")]
mod serve;
mod syntax;

pub use api::ask::{AnalysisReport, DiffCase, DiffOptions, DiffReport, TestReport, diff};
pub use api::batch::{BatchOptions, BatchSummary};
pub use api::receipt::{Receipt, case_sha256};
pub use api::{Explanation, Problems, Rulebook};
pub use check::ir::{RuleId, VerdictId};
pub use eval::{Decision, Obligation};
#[cfg(feature = "fs")]
pub use project::OsFiles;
pub use project::{EntryKind, Files, LoadError, MemoryFiles};
pub use report::diagnostic::{Diagnostic, Label, Level};
pub use syntax::calendar::Date;

/// The JSON forms of `docs/decision-json.md`, as the library returns them: serialise them with
/// `serde_json`.
pub mod json {
    pub use crate::report::decision::{
        ConclusionJson, ConditionJson, DecisionJson, ObligationJson, PolicyJson, RuleJson,
        RuleRefJson,
    };
}

/// Runs the `licit` command with the process's arguments: the binary's `main`.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub fn run_cli() -> std::process::ExitCode {
    cli::run().into()
}

/// The layers' own types, for the benchmarks and tests that measure or probe them; not part of
/// the library's interface.
#[doc(hidden)]
pub mod internals {
    pub use crate::analysis::{
        AssertOutcome, Comparison, FactChange, Finding, FindingKind, analyze, compare, search,
        why_not,
    };
    pub use crate::api::batch::decide_batch;
    pub use crate::check::{Source, check};
    pub use crate::eval::{
        Program, Trace, Value, case_date, decode_case, decode_case_bytes_fast, decode_case_careful,
        decode_case_fast, recycle_case,
    };
    #[cfg(feature = "cli")]
    pub use crate::lsp::Server as LspServer;
    pub use crate::project::load_and_check;
    pub use crate::report::decision::value_json;
    pub use crate::syntax::ast;
    pub use crate::syntax::calendar::Duration;
    pub use crate::syntax::format::format;
    pub use crate::syntax::parse::parse;

    /// The lowered program a rulebook decides with, for the analyses.
    pub fn program(rulebook: &crate::Rulebook) -> std::sync::Arc<Program> {
        rulebook.program().clone()
    }
}
