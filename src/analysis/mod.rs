//! The analysis layer: what holds of every case, not of one. It encodes policies symbolically
//! and searches them exhaustively, for `licit diff` (cases two policies decide differently),
//! `licit eval --why-not` (the smallest changes that give another verdict) and
//! `licit check --analyze` (drafting mistakes, and proving the policy's `assert`s).
//!
//! Every fact of a case is reduced to the classes of values that the policies' conditions can
//! tell apart (`domain`). Each fact becomes boolean variables, every condition a binary
//! decision diagram (`encode`, `bdd`), and for each date on which anything changes, each
//! policy's outcome a partition of all cases (`regions`). A satisfying assignment that prefers
//! default values is a witness (`witness`), decided again concretely before it is reported.
//! Analysis depends on `eval`, never the reverse.

mod analyze;
mod assert;
pub mod bdd;
mod compare;
mod diff;
mod domain;
mod encode;
mod error;
mod lint;
mod regions;
mod why_not;
mod witness;

pub use analyze::analyze;
pub use assert::AssertOutcome;
pub use compare::{Comparison, compare};
pub use diff::search;
pub use error::SearchError;
pub use lint::{Finding, FindingKind};
pub use why_not::{FactChange, gives, why_not};
