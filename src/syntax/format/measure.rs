//! The measures of the canonical layout: the line width and the indentation of a rule's clauses.

/// The widest a line may be before a list wraps or an `or` chain in a condition breaks.
pub(super) const WIDTH: usize = 100;

/// The indentation of a rule's clauses.
pub(super) const CLAUSE_INDENT: usize = 2;
