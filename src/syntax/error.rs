//! Syntax errors: what the parser and the lowering to the AST can find wrong in a file.

use miette::Diagnostic;
use thiserror::Error;

use super::span::Span;

/// A problem with the form of a `.licit` file.
#[derive(Debug, Clone, Error, Diagnostic, PartialEq, Eq)]
pub enum SyntaxError {
    #[error("unexpected {found}")]
    #[diagnostic(code(licit::syntax::unexpected), help("expected {expected}"))]
    Unexpected {
        found: String,
        expected: String,
        #[label("expected {expected}")]
        span: Span,
    },

    #[error("expression nested too deeply")]
    #[diagnostic(
        code(licit::syntax::too_deep),
        help(
            "split the condition into named constants or simpler rules; at most {} levels are allowed",
            super::limits::MAX_NESTING
        )
    )]
    TooDeep {
        #[label("nesting exceeds the limit here")]
        span: Span,
    },

    #[error("a carriage return that does not end a line")]
    #[diagnostic(
        code(licit::syntax::lone_carriage_return),
        help(
            "lines end with a line feed (or a carriage return and a line feed): save the file \
             with LF or CRLF line ends"
        )
    )]
    LoneCarriageReturn {
        #[label("a carriage return without a line feed after it")]
        span: Span,
    },

    #[error("a bidirectional control character, {name}")]
    #[diagnostic(
        code(licit::syntax::bidi_control),
        help(
            "it can make the text read differently from how licit reads it (Trojan Source, \
             CVE-2021-42574): remove it; right-to-left words need no control characters"
        )
    )]
    BidiControl {
        /// Its code point and name (`U+202E RIGHT-TO-LEFT OVERRIDE`).
        name: &'static str,
        #[label("here, invisible")]
        span: Span,
    },

    #[error("unknown escape `{escape}`")]
    #[diagnostic(
        code(licit::syntax::unknown_escape),
        help(
            "a string knows the escapes `\\\"`, `\\\\`, `\\n`, `\\t`, `\\{{` and `\\}}`: \
             write `\\\\` for a backslash"
        )
    )]
    UnknownEscape {
        escape: String,
        #[label("not an escape")]
        span: Span,
    },

    #[error("type nested too deeply")]
    #[diagnostic(
        code(licit::syntax::type_too_deep),
        help(
            "at most {} levels of `optional` and `set of` are allowed",
            super::limits::MAX_NESTING
        )
    )]
    TypeTooDeep {
        #[label("nesting exceeds the limit here")]
        span: Span,
    },

    #[error("`{text}` is not a date")]
    #[diagnostic(code(licit::syntax::invalid_date), help("{problem}"))]
    InvalidDate {
        text: String,
        problem: String,
        #[label("not a date")]
        span: Span,
    },

    #[error("number too large")]
    #[diagnostic(
        code(licit::syntax::number_too_large),
        help("whole numbers range from -9223372036854775808 to 9223372036854775807")
    )]
    NumberTooLarge {
        #[label("does not fit in 64 bits")]
        span: Span,
    },

    #[error("duration too long")]
    #[diagnostic(
        code(licit::syntax::duration_too_long),
        help("a duration is at most 2147483647 days or months, or 178956970 years")
    )]
    DurationTooLong {
        #[label("too many for a duration")]
        span: Span,
    },

    #[error("`{found}` is not an operator of licit")]
    #[diagnostic(code(licit::syntax::wrong_operator), help("write `{want}`"))]
    WrongOperator {
        found: &'static str,
        want: &'static str,
        #[label("use `{want}` here")]
        span: Span,
    },

    #[error("`and` and `or` mixed without parentheses")]
    #[diagnostic(code(licit::syntax::mixed_and_or))]
    MixedAndOr {
        /// The two readings, each with its parentheses.
        #[help]
        help: String,
        #[label("`or` here")]
        span: Span,
        #[label("`and` here")]
        and: Span,
        /// The whole condition, which either reading replaces (the language server's fix).
        whole: Span,
        /// The two readings as written, line breaks and comments kept, with their parentheses.
        readings: Vec<String>,
    },

    #[error("where the body of `{quantifier}` ends is unclear")]
    #[diagnostic(code(licit::syntax::quantifier_body_unclear))]
    QuantifierBodyUnclear {
        /// The quantifier's head, `some l in case.licences`.
        quantifier: String,
        /// The two readings, each with its parentheses.
        #[help]
        help: String,
        #[label("does the body end before this `{operator}`?")]
        span: Span,
        operator: &'static str,
        #[label("the quantifier")]
        head: Span,
        /// The whole condition, which either reading replaces.
        whole: Span,
        /// The two readings as written, with their parentheses.
        readings: Vec<String>,
    },

    #[error("where the `else` branch ends is unclear")]
    #[diagnostic(code(licit::syntax::else_branch_unclear))]
    ElseBranchUnclear {
        /// The two readings, each with its parentheses.
        #[help]
        help: String,
        #[label("does `else` take this `{operator}`?")]
        span: Span,
        operator: &'static str,
        /// The whole `if`, which either reading replaces.
        whole: Span,
        /// The two readings as written, with their parentheses.
        readings: Vec<String>,
    },

    #[error("a rule has at most one `{clause}` clause")]
    #[diagnostic(
        code(licit::syntax::duplicate_clause),
        help("merge the two clauses into one")
    )]
    DuplicateClause {
        clause: &'static str,
        #[label("second `{clause}`")]
        span: Span,
        #[label("first `{clause}` here")]
        first: Span,
    },
}

impl SyntaxError {
    /// The main place of the error.
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::TooDeep { span }
            | SyntaxError::LoneCarriageReturn { span }
            | SyntaxError::BidiControl { span, .. }
            | SyntaxError::UnknownEscape { span, .. }
            | SyntaxError::TypeTooDeep { span }
            | SyntaxError::InvalidDate { span, .. }
            | SyntaxError::NumberTooLarge { span }
            | SyntaxError::DurationTooLong { span }
            | SyntaxError::WrongOperator { span, .. }
            | SyntaxError::MixedAndOr { span, .. }
            | SyntaxError::QuantifierBodyUnclear { span, .. }
            | SyntaxError::ElseBranchUnclear { span, .. }
            | SyntaxError::DuplicateClause { span, .. } => *span,
        }
    }

    /// The readings of a condition that can be read two ways, and the text either replaces: the
    /// fixes an editor offers.
    pub fn readings(&self) -> Option<(&[String], Span)> {
        match self {
            SyntaxError::MixedAndOr {
                readings, whole, ..
            }
            | SyntaxError::QuantifierBodyUnclear {
                readings, whole, ..
            }
            | SyntaxError::ElseBranchUnclear {
                readings, whole, ..
            } => Some((readings, *whole)),
            _ => None,
        }
    }
}
