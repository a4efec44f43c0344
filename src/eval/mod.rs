//! The evaluation layer: lowering a checked policy to a program, deciding cases with an
//! optional trace, and decoding JSON cases. No I/O; evaluating a checked policy on a case that
//! fits its input cannot fail.
//!
//! The files depend on each other in one direction (`a ← b`: `b` uses `a`):
//!
//! - `value`, `hash`: leaves.
//! - `value, hash ← ir`: the lowered program as data.
//! - `ir ← lower_expr ← interpret`: one checked expression lowered, and evaluated on a case.
//! - `ir ← tree`: each epoch's rule tree, built and walked.
//! - `interpret ← case`: JSON case → value (a field's default is a constant).
//! - `tree, interpret, compiled, case ← lower`: checked policy → program.
//! - `interpret, case ← compiled`: conditions compiled by their shape, the interpreter their
//!   fallback.
//! - `interpret, compiled, case ← assume`: whether a decoded case keeps the policy's assumptions.
//! - `value ← decision ← trace`: the outcome and its explanation, plain data.
//! - `ir ← describe`: values written as a policy writes them.
//! - `tree, interpret, compiled, describe, trace ← decide`: combining rules into a decision.
//! - `decide ← suite ← coverage`: running `test` blocks, and what they cover.
//!
//! Deviation from a plain `lower`/`interpret` split: lowering one expression (`lower_expr`) has
//! its own file because `interpret` needs it too, to evaluate a constant that an epoch under
//! construction has not built yet; and the values of constants on a date live in `interpret`,
//! since evaluating a constant may ask for another.

mod assume;
pub mod case;
mod compiled;
pub mod coverage;
mod decide;
mod decision;
mod describe;
mod hash;
mod interpret;
mod ir;
mod lower;
mod lower_expr;
pub mod suite;
mod trace;
mod tree;
pub mod value;

pub use assume::check_assumptions;
pub use case::{
    CaseError, case_date, decode_case, decode_case_bytes_fast, decode_case_careful,
    decode_case_fast, parse_param, recycle_case,
};
pub use decision::{Decision, Obligation, Status};
pub(crate) use interpret::arithmetic;
pub use ir::{Epoch, Expr, Program, Rule};
pub use suite::{SuiteOptions, TestOutcome, run_tests};
pub use trace::{ConditionTrace, RuleTrace, Trace};
pub use value::{EnumSet, Value};
