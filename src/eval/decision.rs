//! The outcome of deciding a case: the verdict, the obligations, and the status of each rule,
//! which an explanation's trace records.

use crate::check::ir::{RuleId, VerdictId};
use crate::syntax::calendar::Date;

use super::value::Value;

/// The outcome for one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The date the case was decided as of.
    pub date: Date,
    /// The verdict kind.
    pub verdict: VerdictId,
    /// The verdict's arguments, in the order of its kind's parameters.
    pub verdict_args: Vec<Value>,
    /// The rule whose conclusion is the verdict; `None` when the `otherwise` verdict holds.
    pub decided_by: Option<RuleId>,
    /// Obligations of every applied rule: kind, arguments, and the rule that imposes it.
    pub obligations: Vec<Obligation>,
    /// Whether the policy itself is in force on the date.
    pub policy_in_force: bool,
}

/// One obligation a decision imposes.
#[derive(Debug, Clone, PartialEq)]
pub struct Obligation {
    /// The obligation kind: an index into the policy's obligations.
    pub kind: usize,
    /// Its arguments, in the order of its kind's parameters.
    pub args: Vec<Value>,
    /// The rule that imposes it.
    pub rule: RuleId,
}

/// The fate of a rule on a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Its conditions held and no exception suppressed it.
    Applied,
    /// Its conditions held, but these exceptions to it applied.
    Suppressed { by: Vec<usize> },
    /// Not in force on the case's date.
    NotInForce,
    /// The condition with this index was false.
    NotApplicable { failed: usize },
    /// An exception whose conditions held, but none of the rules it is an exception to did.
    BaseNotApplicable,
}
