//! A light scan of the source for what the grammar throws away: comments, and where tokens are.
//!
//! The grammar's `COMMENT` rule is silent, so the parse tree has no comments in it. This scan finds
//! them with their byte offsets, and records where every token starts and ends so that the
//! formatter can tell which piece of code a comment sits next to.

/// A comment as written, with where it is.
#[derive(Debug, Clone)]
pub(super) struct Comment {
    /// The byte offset of its `#` or `//`.
    pub offset: usize,
    /// The comment from its marker to the end of its line, without trailing whitespace.
    pub text: String,
    /// Whether only whitespace precedes it on its line.
    pub own_line: bool,
    /// Whether a blank line follows it before the next comment or code.
    pub blank_after: bool,
}

/// One token: a word, a whole string or template, or one punctuation character.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token {
    pub start: usize,
    pub end: usize,
}

/// The comments and tokens of a source text.
pub(super) struct Scan<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    pub comments: Vec<Comment>,
}

/// Scans a text that parses; on other text the result is meaningless but the scan still ends.
pub(super) fn scan(text: &str) -> Scan<'_> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        tokens: Vec::new(),
        comments: Vec::new(),
    };
    scanner.code();
    Scan {
        text,
        tokens: scanner.tokens,
        comments: scanner.comments,
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    tokens: Vec<Token>,
    comments: Vec<Comment>,
}

impl Scanner<'_> {
    /// Scans code at the top level of the file.
    fn code(&mut self) {
        let mut i = 0;
        while i < self.bytes.len() {
            i = self.step(i);
        }
    }

    /// Scans one piece of code starting at `i` (whitespace, a comment or a token) and returns where
    /// the next piece starts.
    fn step(&mut self, i: usize) -> usize {
        let byte = self.bytes[i];
        if byte.is_ascii_whitespace() {
            return i + 1;
        }
        if self.comment_starts(i) {
            return self.comment(i);
        }
        let end = if byte == b'"' {
            if self.last_token_is("because") {
                self.template(i)
            } else {
                self.string(i)
            }
        } else if is_word_byte(byte) {
            let mut end = i;
            while end < self.bytes.len() && is_word_byte(self.bytes[end]) {
                end += 1;
            }
            end
        } else {
            i + 1
        };
        self.tokens.push(Token { start: i, end });
        end
    }

    fn comment_starts(&self, i: usize) -> bool {
        self.bytes[i] == b'#' || (self.bytes[i] == b'/' && self.bytes.get(i + 1) == Some(&b'/'))
    }

    /// Records the comment starting at `i` and returns the end of its line.
    fn comment(&mut self, i: usize) -> usize {
        let mut end = i;
        while end < self.bytes.len() && self.bytes[end] != b'\n' {
            end += 1;
        }
        let line_start = self.bytes[..i]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let own_line = self.bytes[line_start..i]
            .iter()
            .all(|b| b.is_ascii_whitespace());
        let mut next = end;
        let mut newlines = 0;
        while next < self.bytes.len() && self.bytes[next].is_ascii_whitespace() {
            if self.bytes[next] == b'\n' {
                newlines += 1;
            }
            next += 1;
        }
        self.comments.push(Comment {
            offset: i,
            text: self.text.get(i..end).unwrap_or("").trim_end().to_string(),
            own_line,
            blank_after: newlines >= 2 && next < self.bytes.len(),
        });
        end
    }

    fn last_token_is(&self, word: &str) -> bool {
        self.tokens
            .last()
            .is_some_and(|token| self.text.get(token.start..token.end) == Some(word))
    }

    /// The end of the plain string whose opening quote is at `i`.
    fn string(&self, i: usize) -> usize {
        let mut j = i + 1;
        while j < self.bytes.len() && self.bytes[j] != b'"' {
            j += if self.bytes[j] == b'\\' { 2 } else { 1 };
        }
        (j + 1).min(self.bytes.len())
    }

    /// The end of the `because` template whose opening quote is at `i`; comments inside its
    /// `{…}` holes are recorded.
    fn template(&mut self, i: usize) -> usize {
        let mut j = i + 1;
        while j < self.bytes.len() {
            match self.bytes[j] {
                b'"' => return j + 1,
                b'\\' => j += 2,
                b'{' => j = self.hole(j + 1),
                _ => j += 1,
            }
        }
        self.bytes.len()
    }

    /// The end of a template hole whose contents start at `i`, just after its `{`.
    fn hole(&mut self, i: usize) -> usize {
        let mut depth = 0usize;
        let mut j = i;
        while j < self.bytes.len() {
            let byte = self.bytes[j];
            if byte.is_ascii_whitespace() {
                j += 1;
            } else if self.comment_starts(j) {
                j = self.comment(j);
            } else if byte == b'"' {
                j = self.string(j);
            } else if byte == b'{' {
                depth += 1;
                j += 1;
            } else if byte == b'}' {
                if depth == 0 {
                    return j + 1;
                }
                depth -= 1;
                j += 1;
            } else {
                j += 1;
            }
        }
        self.bytes.len()
    }
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

impl Scan<'_> {
    /// The index of the first token that starts at or after `offset`.
    fn index_at(&self, offset: usize) -> usize {
        self.tokens.partition_point(|token| token.start < offset)
    }

    fn token_text(&self, token: Token) -> &str {
        self.text.get(token.start..token.end).unwrap_or("")
    }

    /// The start of the nearest token at or before `offset` that is the word `word` (the keyword
    /// that opens a construct whose first named part is at `offset`), or `offset` if there is none
    /// near.
    pub fn keyword_before(&self, offset: usize, word: &str) -> usize {
        // The token at `offset` itself counts: a construct's span may start at its keyword.
        let index = self.index_at(offset + 1);
        self.tokens[..index]
            .iter()
            .rev()
            .take(80)
            .find(|token| self.token_text(**token) == word)
            .map_or(offset, |token| token.start)
    }

    /// The start of an expression whose span starts at `offset`, counting the opening parentheses
    /// just before it (an expression's span leaves out the parentheses around it).
    pub fn with_open_parens(&self, offset: usize) -> usize {
        let mut index = self.index_at(offset);
        if self
            .tokens
            .get(index)
            .is_none_or(|token| token.start != offset)
        {
            return offset;
        }
        while index > 0 && self.token_text(self.tokens[index - 1]) == "(" {
            index -= 1;
        }
        self.tokens[index].start
    }

    /// The end of the last token that starts before `offset`.
    pub fn end_of_code_before(&self, offset: usize) -> Option<usize> {
        let index = self.index_at(offset);
        index.checked_sub(1).map(|last| self.tokens[last].end)
    }

    /// The start of the last token that starts before `offset`: the closing brace of a block that
    /// ends at `offset`.
    pub fn last_token_start_before(&self, offset: usize) -> Option<usize> {
        let index = self.index_at(offset);
        index.checked_sub(1).map(|last| self.tokens[last].start)
    }
}
