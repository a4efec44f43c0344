//! Lines and columns of byte offsets: built once per text, then each question is a binary search.

/// The start of every line of a text and where its characters wider than one byte are, so that a
/// byte offset turns into a line and a column (in characters, or in UTF-16 code units for an
/// editor speaking the LSP) without reading the text again.
///
/// Lines end at `\n` only: a `\r` before it is the last character of its line, as an editor
/// that shows `\r\n` line ends counts it in the column of the line end.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// The byte offset at which each line starts; the first is 0.
    line_starts: Vec<usize>,
    /// Every character of more than one byte, in order: its byte offset, its length in bytes
    /// and its length in UTF-16 code units.
    wide_chars: Vec<(usize, usize, usize)>,
    /// The length of the text in bytes.
    len: usize,
}

/// A place in a text, every number from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    /// Counted in characters (Unicode scalar values).
    pub column: usize,
    /// Counted in UTF-16 code units, as the LSP counts by default.
    pub column_utf16: usize,
}

impl LineIndex {
    /// Indexes a text.
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        let mut wide_chars = Vec::new();
        for (offset, character) in text.char_indices() {
            if character == '\n' {
                line_starts.push(offset + 1);
            } else if !character.is_ascii() {
                wide_chars.push((offset, character.len_utf8(), character.len_utf16()));
            }
        }
        LineIndex {
            line_starts,
            wide_chars,
            len: text.len(),
        }
    }

    /// The line and column, from 1, of a byte offset. An offset past the end is read as the
    /// end; one inside a character as the start of that character.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.char_start(offset.min(self.len));
        // The last line starting at or before the offset.
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line];
        let bytes = offset - line_start;
        let wide = &self.wide_chars[self
            .wide_chars
            .partition_point(|&(at, _, _)| at < line_start)
            ..self.wide_chars.partition_point(|&(at, _, _)| at < offset)];
        let extra_bytes: usize = wide.iter().map(|&(_, utf8, _)| utf8 - 1).sum();
        let extra_utf16: usize = wide.iter().map(|&(_, utf8, utf16)| utf8 - utf16).sum();
        Position {
            line: line + 1,
            column: bytes - extra_bytes + 1,
            column_utf16: bytes - extra_utf16 + 1,
        }
    }

    /// The line and column (in characters), both from 1, of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let position = self.position(offset);
        (position.line, position.column)
    }

    /// The number of lines; a text that ends with `\n` has an empty last line.
    #[cfg(test)]
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The offset itself, or the start of the character it falls inside.
    fn char_start(&self, offset: usize) -> usize {
        let after = self.wide_chars.partition_point(|&(at, _, _)| at < offset);
        match after.checked_sub(1).map(|index| self.wide_chars[index]) {
            Some((at, utf8, _)) if offset < at + utf8 => at,
            _ => offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{LineIndex, Position};

    /// What `check::line_column` computed before the index existed, for comparison.
    fn by_scanning(text: &str, offset: usize) -> (usize, usize) {
        let before = text.get(..offset.min(text.len())).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (line, column)
    }

    fn agrees_with_scanning_at_every_boundary(text: &str) {
        let index = LineIndex::new(text);
        for offset in (0..=text.len()).filter(|&offset| text.is_char_boundary(offset)) {
            assert_eq!(
                index.line_column(offset),
                by_scanning(text, offset),
                "offset {offset} of {text:?}"
            );
        }
    }

    #[test]
    fn ascii() {
        let index = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(index.line_column(0), (1, 1));
        assert_eq!(index.line_column(2), (1, 3));
        assert_eq!(index.line_column(3), (2, 1));
        assert_eq!(index.line_column(7), (4, 1));
        assert_eq!(index.line_count(), 4);
        agrees_with_scanning_at_every_boundary("ab\ncd\n\nef");
    }

    #[test]
    fn multibyte_columns_count_characters_and_utf16_units() {
        // `é` is 2 bytes and 1 UTF-16 unit; `𝄞` is 4 bytes and 2 UTF-16 units.
        let text = "é𝄞x\n→y";
        let index = LineIndex::new(text);
        assert_eq!(
            index.position(text.find('x').unwrap_or(0)),
            Position {
                line: 1,
                column: 3,
                column_utf16: 4
            }
        );
        assert_eq!(
            index.position(text.find('y').unwrap_or(0)),
            Position {
                line: 2,
                column: 2,
                column_utf16: 2
            }
        );
        // Inside `𝄞`: the start of the character.
        assert_eq!(index.line_column(3), (1, 2));
        agrees_with_scanning_at_every_boundary(text);
    }

    #[test]
    fn crlf_counts_the_carriage_return_in_the_line_it_ends() {
        let text = "ab\r\ncd\r\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_column(2), (1, 3));
        assert_eq!(index.line_column(3), (1, 4));
        assert_eq!(index.line_column(4), (2, 1));
        agrees_with_scanning_at_every_boundary(text);
    }

    #[test]
    fn offsets_at_and_past_the_end() {
        let text = "ab\nc";
        let index = LineIndex::new(text);
        assert_eq!(index.line_column(text.len()), (2, 2));
        assert_eq!(index.line_column(text.len() + 10), (2, 2));
        assert_eq!(by_scanning(text, text.len() + 10), (2, 2));
        let ends_with_newline = LineIndex::new("ab\n");
        assert_eq!(ends_with_newline.line_column(3), (2, 1));
        assert_eq!(LineIndex::new("").line_column(5), (1, 1));
    }
}
