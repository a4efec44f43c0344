//! licit: a typed, declarative language for export-control licensing rules.
//!
//! The pipeline, in reading order: `syntax` (text → AST) → `check` (names, types, exceptions,
//! time → a checked policy) → `eval` (lowering to a resolved program, decisions with their
//! trace) → `report` (rendering). `project` finds and reads a policy's files through the
//! [`Files`] trait; only `cli` (feature `cli`) and [`OsFiles`] (feature `fs`) touch the disk or
//! the terminal.
//!
//! To embed licit in a system, start from [`Rulebook`]: load a rulebook once, then decide JSON
//! cases, with or without their explanation, from any number of threads.

pub mod analysis;
pub mod api;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod eval;
pub mod project;
pub mod report;
pub mod syntax;

pub use api::{Problems, Rulebook};
#[cfg(feature = "fs")]
pub use project::OsFiles;
pub use project::{Files, MemoryFiles};
