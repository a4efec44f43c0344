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

pub use error::SyntaxError;
pub use line_index::LineIndex;
pub use parse::parse;
pub use span::Span;
