//! licit: a typed, declarative language for export-control licensing rules.
//!
//! The pipeline, in reading order: `syntax` (text → AST) → `check` (names, types, exceptions,
//! time → a checked policy) → `eval` (lowering to a resolved program, decisions with their
//! trace) → `report` (rendering). Only `cli` reads files or writes to the terminal.
//!
//! To embed licit in a system, start from [`Rulebook`]: load a rulebook once, then decide JSON
//! cases, with or without their explanation, from any number of threads.

pub mod analysis;
pub mod check;
pub mod cli;
pub mod eval;
pub mod report;
pub mod syntax;

pub use cli::embed::{Problems, Rulebook};
