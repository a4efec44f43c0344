//! Byte offsets to LSP positions and back: LSP counts columns in UTF-16 code units.

use lsp_types::{Position, Range};

use crate::syntax::LineIndex;

/// A text with its line index, to convert places both ways.
pub struct Lines<'t> {
    text: &'t str,
    index: LineIndex,
}

impl<'t> Lines<'t> {
    /// Indexes a text.
    pub fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text,
            index: LineIndex::new(text),
        }
    }

    /// The position of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let found = self.index.position(offset.min(self.text.len()));
        Position::new(
            found.line.saturating_sub(1) as u32,
            found.column_utf16.saturating_sub(1) as u32,
        )
    }

    /// The range of a byte range.
    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end.max(start)))
    }

    /// The byte offset of a position; a position past a line's end is its end, past the text's
    /// end the text's end.
    pub fn offset(&self, position: Position) -> usize {
        let mut line_start = 0;
        for _ in 0..position.line {
            match self.text[line_start..].find('\n') {
                Some(at) => line_start += at + 1,
                None => return self.text.len(),
            }
        }
        let line = &self.text[line_start..];
        let line_end = line.find('\n').unwrap_or(line.len());
        let mut units = 0u32;
        for (at, ch) in line[..line_end].char_indices() {
            if units >= position.character {
                return line_start + at;
            }
            units += ch.len_utf16() as u32;
        }
        line_start + line_end
    }
}

#[cfg(test)]
mod tests {
    use lsp_types::Position;

    use super::Lines;

    #[test]
    fn utf16_columns_both_ways() {
        let text = "a\n€𝄞x\nlast";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap_or_default();
        assert_eq!(lines.position(x), Position::new(1, 3));
        assert_eq!(lines.offset(Position::new(1, 3)), x);
        assert_eq!(lines.offset(Position::new(1, 99)), x + 1);
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
        assert_eq!(lines.position(text.len() + 5), Position::new(2, 4));
    }
}
