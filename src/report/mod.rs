//! The report layer: renders diagnostics, decisions and test results as text, JSON and
//! Markdown. It returns strings; only `cli` writes them.

pub mod analysis;
pub mod comparison;
pub mod coverage;
pub mod decision;
pub mod decision_line;
pub mod diagnostic;
pub mod diff;
pub mod escape;
pub mod junit;
pub mod schema;
pub mod test_results;
pub mod why_not;
