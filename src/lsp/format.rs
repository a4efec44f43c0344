//! Formatting: `licit fmt`'s layout of the whole document; a document that does not parse is
//! left as it is (its syntax errors are already shown).

use lsp_types::{DocumentFormattingParams, TextEdit};

use super::Server;
use super::position::Lines;

/// Answers `textDocument/formatting`: one edit replacing the text, or none when it is already
/// formatted or does not parse.
pub fn formatting(server: &mut Server, params: &DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let text = server.text(&params.text_document.uri)?;
    let formatted = crate::syntax::format::format(&text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let lines = Lines::new(&text);
    Some(vec![TextEdit::new(lines.range(0, text.len()), formatted)])
}
