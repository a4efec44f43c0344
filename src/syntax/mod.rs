//! The syntax layer: grammar binding, AST with spans, and syntax errors. Nothing outside this
//! module sees pest's types.

pub mod ast;
pub mod calendar;
pub mod doc;
pub mod error;
pub mod format;
pub mod json;
pub mod limits;
pub mod line_index;
pub mod parse;
pub mod span;

/// The reserved words of the grammar (`keyword` in `grammar/licit.pest`), and `case`.
pub const KEYWORDS: [&str; 56] = [
    "policy",
    "source",
    "in",
    "force",
    "from",
    "until",
    "use",
    "enum",
    "record",
    "input",
    "const",
    "set",
    "param",
    "verdicts",
    "otherwise",
    "obligation",
    "rule",
    "exception",
    "to",
    "when",
    "then",
    "because",
    "test",
    "given",
    "expect",
    "decided",
    "by",
    "applied",
    "suppressed",
    "no",
    "of",
    "optional",
    "some",
    "every",
    "if",
    "else",
    "or",
    "and",
    "not",
    "is",
    "none",
    "empty",
    "true",
    "false",
    "explanation",
    "for",
    "assert",
    "allow",
    "amends",
    "add",
    "replace",
    "repeal",
    "change",
    "assume",
    "that",
    "case",
];

pub use error::SyntaxError;
pub use line_index::LineIndex;
pub use parse::parse;
pub use span::Span;
