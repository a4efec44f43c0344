//! The evaluation layer: lowering a checked policy to a program, deciding cases with an
//! optional trace, and decoding JSON cases. No I/O; evaluating a checked policy on a case that
//! fits its input cannot fail.

pub mod case;
pub mod coverage;
mod format;
mod hash;
pub mod program;
pub mod run;
pub mod suite;
pub mod value;

pub use case::{CaseError, case_date, decode_case, parse_param};
pub(crate) use hash::FastMap;
pub use program::{Epoch, Expr, Program, Rule};
pub(crate) use run::arithmetic;
pub use run::{Decision, Obligation, RuleTrace, Status, Trace};
pub use suite::{SuiteOptions, TestOutcome, run_tests};
pub use value::{EnumSet, Value};
