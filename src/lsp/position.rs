//! Byte offsets to LSP positions and back: LSP counts columns in UTF-16 code units, and ends a
//! line at `\n`, `\r\n` or a `\r` alone, as editors split a text into lines.

use lsp_types::{Position, Range};

/// A text with where its lines start and end, to convert places both ways.
pub struct Lines<'t> {
    text: &'t str,
    /// Each line's byte range, without the `\n`, `\r\n` or `\r` that ends it.
    lines: Vec<(usize, usize)>,
}

impl<'t> Lines<'t> {
    /// Indexes a text.
    pub fn new(text: &'t str) -> Lines<'t> {
        let bytes = text.as_bytes();
        let mut lines = Vec::new();
        let mut start = 0;
        for at in memchr::memchr2_iter(b'\r', b'\n', bytes) {
            // The `\n` of a `\r\n`, already taken with its `\r`.
            if at < start {
                continue;
            }
            lines.push((start, at));
            start = match (bytes[at], bytes.get(at + 1)) {
                (b'\r', Some(b'\n')) => at + 2,
                _ => at + 1,
            };
        }
        lines.push((start, text.len()));
        Lines { text, lines }
    }

    /// The position of a byte offset (clamped to the text; one inside a character is that
    /// character's, one inside a line's end the end of the line).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        // The last line starting at or before the offset; the first starts at 0.
        let line = self
            .lines
            .partition_point(|&(start, _)| start <= offset)
            .saturating_sub(1);
        let (start, end) = self.lines[line];
        let column = self.text[start..offset.min(end)].encode_utf16().count();
        Position::new(line as u32, column as u32)
    }

    /// The range of a byte range.
    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end.max(start)))
    }

    /// The byte offset of a position; a position past a line's end is its end, past the text's
    /// end the text's end.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&(start, end)) = self.lines.get(position.line as usize) else {
            return self.text.len();
        };
        let mut units = 0u32;
        for (at, ch) in self.text[start..end].char_indices() {
            if units >= position.character {
                return start + at;
            }
            units += ch.len_utf16() as u32;
        }
        end
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

    /// A `\r` alone ends a line, as it does in the editor. It did not: a diagnostic after one
    /// was placed on the line before, past its end (the robustness test counts lines as the
    /// protocol does).
    #[test]
    fn every_line_end_of_the_protocol() {
        let text = "a\rb\r\nc\nd";
        let lines = Lines::new(text);
        for (letter, position) in [
            ('a', Position::new(0, 0)),
            ('b', Position::new(1, 0)),
            ('c', Position::new(2, 0)),
            ('d', Position::new(3, 0)),
        ] {
            let offset = text.find(letter).unwrap_or_default();
            assert_eq!(lines.position(offset), position, "{letter}");
            assert_eq!(lines.offset(position), offset, "{letter}");
        }
        // Inside a line's end: the end of the line.
        assert_eq!(
            lines.position(text.find('\n').unwrap_or_default()),
            Position::new(1, 1)
        );
        assert_eq!(
            lines.offset(Position::new(1, 9)),
            text.find('\r').unwrap_or(0) + 2
        );
    }
}
