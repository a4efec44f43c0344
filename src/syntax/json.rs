//! A small, strict JSON parser (RFC 8259) that keeps byte spans, so that errors in case files can point into the JSON.

use std::collections::HashMap;

use miette::Diagnostic;
use thiserror::Error;

use super::span::Span;

/// How deeply arrays and objects may nest; the outermost array or object is level 1.
const MAX_DEPTH: usize = 128;

/// A JSON value with the byte range it occupies in the text.
#[derive(Debug, Clone)]
pub struct Json {
    pub kind: JsonKind,
    pub span: Span,
}

/// What a JSON value is, with its contents.
#[derive(Debug, Clone)]
pub enum JsonKind {
    Null,
    Bool(bool),
    /// The number's text exactly as written (so ints, decimals and big numbers are decided by the caller).
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in written order.
    Object(Vec<(JsonKey, Json)>),
}

/// An object member's key, with the byte range of its quoted string in the text.
#[derive(Debug, Clone)]
pub struct JsonKey {
    pub name: String,
    pub span: Span,
}

impl JsonKind {
    /// The kind of value as a noun phrase for messages, such as "a string".
    pub fn describe(&self) -> &'static str {
        match self {
            JsonKind::Null => "null",
            JsonKind::Bool(_) => "a boolean",
            JsonKind::Number(_) => "a number",
            JsonKind::String(_) => "a string",
            JsonKind::Array(_) => "an array",
            JsonKind::Object(_) => "an object",
        }
    }
}

/// Why a text is not an acceptable JSON document.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum JsonError {
    /// The text breaks the JSON grammar.
    #[error("{message}")]
    #[diagnostic(code(licit::case::json_syntax))]
    Syntax {
        message: String,
        #[label("{label}")]
        span: Span,
        label: String,
        #[help]
        help: Option<String>,
    },
    /// One object gives the same key twice.
    #[error("duplicate key `{name}`")]
    #[diagnostic(
        code(licit::case::duplicate_key),
        help("a key may appear only once in an object")
    )]
    DuplicateKey {
        /// The key, with characters that would not print or would break the line escaped.
        name: String,
        #[label("given again here")]
        span: Span,
        #[label("first given here")]
        first: Span,
    },
    /// Arrays and objects nest deeper than the limit.
    #[error("arrays and objects nest deeper than 128 levels")]
    #[diagnostic(
        code(licit::case::json_too_deep),
        help("a case nests at most 128 levels")
    )]
    TooDeep {
        #[label("level 129 starts here")]
        span: Span,
    },
}

impl JsonError {
    /// The main place the error points at.
    pub fn span(&self) -> Span {
        match self {
            JsonError::Syntax { span, .. }
            | JsonError::DuplicateKey { span, .. }
            | JsonError::TooDeep { span } => *span,
        }
    }
}

/// Parses one JSON document (surrounding whitespace allowed, nothing else after it).
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut parser = Parser { text, pos: 0 };
    parser.skip_whitespace();
    if parser.peek().is_none() {
        return Err(syntax(
            "empty input",
            Span::new(0, text.len()),
            "no JSON value here",
            Some("a case is one JSON object".to_string()),
        ));
    }
    if text.starts_with('\u{feff}') {
        return Err(syntax(
            "byte order mark at the start of the input",
            Span::new(0, '\u{feff}'.len_utf8()),
            "byte order mark",
            Some("save the file as UTF-8 without a byte order mark".to_string()),
        ));
    }
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.peek().is_some() {
        let token = parser.token();
        return Err(syntax(
            "text after the JSON value",
            token,
            "expected the end of the input",
            Some("a JSON document holds exactly one value".to_string()),
        ));
    }
    Ok(value)
}

/// Builds a syntax error.
fn syntax(message: &str, span: Span, label: &str, help: Option<String>) -> JsonError {
    JsonError::Syntax {
        message: message.to_string(),
        span,
        label: label.to_string(),
        help,
    }
}

/// Shows a character in a message, escaping those that would not print or would break the line.
fn show_char(c: char) -> String {
    match c {
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        '\t' => "\\t".to_string(),
        c if c.is_control() || c == '\u{feff}' => format!("\\u{:04X}", u32::from(c)),
        c => c.to_string(),
    }
}

/// Shows a text in a message on one line, escaping characters that would not print or would break the line.
fn show_text(text: &str) -> String {
    text.chars().map(show_char).collect()
}

/// A recursive-descent parser over the whole text; `pos` is always on a character boundary.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    /// The byte at the current position, if any.
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// The byte at `offset` bytes past the current position, if any.
    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.text
            .as_bytes()
            .get(self.pos.saturating_add(offset))
            .copied()
    }

    /// The character at the current position, if any.
    fn peek_char(&self) -> Option<char> {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    /// The text between two byte offsets, or nothing if they are not valid boundaries.
    fn slice(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Moves past JSON whitespace, which is only space, tab, line feed and carriage return.
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Moves past ASCII digits.
    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// The span of the token at the current position: a run of word characters, or one character.
    fn token(&self) -> Span {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        let word = rest
            .char_indices()
            .take_while(|&(_, c)| c.is_alphanumeric() || c == '_')
            .take(24)
            .last()
            .map(|(index, c)| index + c.len_utf8());
        let len = match word {
            Some(len) => len,
            None => rest.chars().next().map_or(0, char::len_utf8),
        };
        Span::new(self.pos, self.pos + len)
    }

    /// An error for an unexpected token (or the end of input) where `what` was expected.
    fn expected(&self, what: &str) -> JsonError {
        if self.peek().is_none() {
            // An empty span at the very end of the text is not drawn by miette, so point at the
            // last character before the end instead.
            let before = self
                .slice(0, self.pos)
                .trim_end_matches([' ', '\t', '\n', '\r']);
            let last = before.chars().next_back().map_or(0, char::len_utf8);
            return syntax(
                "unexpected end of input",
                Span::new(before.len() - last, before.len()),
                &format!("the input ends after this; expected {what}"),
                None,
            );
        }
        let label = format!("expected {what}");
        let span = self.token();
        let found = self.slice(span.start as usize, span.end as usize);
        let help = match found {
            "'" => Some("JSON strings use double quotes".to_string()),
            "/" => Some("comments are not allowed in JSON".to_string()),
            _ => {
                let lower = found.to_ascii_lowercase();
                match lower.as_str() {
                    "true" | "false" | "null" => Some(format!("JSON writes it `{lower}`")),
                    _ => None,
                }
            }
        };
        syntax(
            &format!("expected {what}, found `{}`", show_text(found)),
            span,
            &label,
            help,
        )
    }

    /// Parses the value at the current position (whitespace already skipped) at nesting `depth`.
    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => return self.object(depth + 1),
            Some(b'[') => return self.array(depth + 1),
            Some(b'"') => JsonKind::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => JsonKind::Number(self.number()?),
            Some(b'a'..=b'z') => {
                let word = self.token();
                let kind = match self.slice(word.start as usize, word.end as usize) {
                    "true" => JsonKind::Bool(true),
                    "false" => JsonKind::Bool(false),
                    "null" => JsonKind::Null,
                    _ => return Err(self.expected("a JSON value")),
                };
                self.pos = word.end as usize;
                kind
            }
            _ => return Err(self.expected("a JSON value")),
        };
        Ok(Json {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    /// Checks the nesting limit for the array or object opening at the current position.
    fn check_depth(&self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep {
                span: Span::new(self.pos, self.pos + 1),
            });
        }
        Ok(())
    }

    /// After an element of an array or object: a comma and more to come (`false`), or the
    /// closing bracket (`true`); a comma right before the bracket, or anything else, is an error.
    fn separator(&mut self, close: u8, expected: &str) -> Result<bool, JsonError> {
        match self.peek() {
            Some(b',') => {
                let comma = self.pos;
                self.pos += 1;
                self.skip_whitespace();
                if self.peek() == Some(close) {
                    return Err(Self::trailing_comma(comma));
                }
                Ok(false)
            }
            Some(byte) if byte == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.expected(expected)),
        }
    }

    /// An error for a comma right before the closing bracket at `comma`.
    fn trailing_comma(comma: usize) -> JsonError {
        syntax(
            "trailing comma is not allowed in JSON",
            Span::new(comma, comma + 1),
            "trailing comma",
            Some("remove the comma".to_string()),
        )
    }

    /// Parses an array whose `[` is at the current position; its contents are at nesting `depth`.
    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.check_depth(depth)?;
        let start = self.pos;
        self.pos += 1;
        self.skip_whitespace();
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                items.push(self.value(depth)?);
                self.skip_whitespace();
                if self.separator(b']', "`,` or `]` after an array element")? {
                    break;
                }
            }
        }
        Ok(Json {
            kind: JsonKind::Array(items),
            span: Span::new(start, self.pos),
        })
    }

    /// Parses an object whose `{` is at the current position; its contents are at nesting `depth`.
    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.check_depth(depth)?;
        let start = self.pos;
        self.pos += 1;
        self.skip_whitespace();
        let mut members: Vec<(JsonKey, Json)> = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if self.peek() != Some(b'"') {
                    let what = if members.is_empty() {
                        "a string key or `}`"
                    } else {
                        "a string key"
                    };
                    let mut error = self.expected(what);
                    if let JsonError::Syntax { help, .. } = &mut error
                        && help.is_none()
                        && self
                            .peek()
                            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                    {
                        *help = Some("object keys are written in double quotes".to_string());
                    }
                    return Err(error);
                }
                let key_start = self.pos;
                let name = self.string()?;
                let key = JsonKey {
                    name,
                    span: Span::new(key_start, self.pos),
                };
                if let Some(first) = seen.get(&key.name) {
                    return Err(JsonError::DuplicateKey {
                        name: show_text(&key.name),
                        span: key.span,
                        first: *first,
                    });
                }
                seen.insert(key.name.clone(), key.span);
                self.skip_whitespace();
                if self.peek() != Some(b':') {
                    return Err(self.expected("`:` after an object key"));
                }
                self.pos += 1;
                self.skip_whitespace();
                let value = self.value(depth)?;
                members.push((key, value));
                self.skip_whitespace();
                if self.separator(b'}', "`,` or `}` after an object member")? {
                    break;
                }
            }
        }
        Ok(Json {
            kind: JsonKind::Object(members),
            span: Span::new(start, self.pos),
        })
    }

    /// An error for a string opened at `open` that the input ends inside.
    fn unterminated(open: usize) -> JsonError {
        syntax(
            "unterminated string",
            Span::new(open, open + 1),
            "the string starts here",
            Some("close the string with `\"`".to_string()),
        )
    }

    /// Parses a string whose `"` is at the current position and returns its decoded contents.
    fn string(&mut self) -> Result<String, JsonError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                None => return Err(Self::unterminated(open)),
                Some(b'"') => {
                    out.push_str(self.slice(run, self.pos));
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(self.slice(run, self.pos));
                    let c = self.escape(open)?;
                    out.push(c);
                    run = self.pos;
                }
                Some(b) if b < 0x20 => {
                    let shown = show_char(char::from(b));
                    return Err(syntax(
                        "control character in string",
                        Span::new(self.pos, self.pos + 1),
                        &format!("`{shown}` must be escaped"),
                        Some(format!("write it as `{shown}`")),
                    ));
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Parses the escape whose `\` is at the current position, in the string opened at `open`.
    fn escape(&mut self, open: usize) -> Result<char, JsonError> {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek_char() else {
            return Err(Self::unterminated(open));
        };
        let simple = match c {
            '"' => Some('"'),
            '\\' => Some('\\'),
            '/' => Some('/'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            _ => None,
        };
        if let Some(decoded) = simple {
            self.pos += 1;
            return Ok(decoded);
        }
        if c != 'u' {
            return Err(syntax(
                &format!("invalid escape `\\{}`", show_char(c)),
                Span::new(start, self.pos + c.len_utf8()),
                "invalid escape",
                Some(
                    "the escapes are `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` and `\\uXXXX`"
                        .to_string(),
                ),
            ));
        }
        self.pos += 1;
        let first = self.hex4(start, open)?;
        match first {
            0xD800..=0xDBFF => {
                let second_start = self.pos;
                if self.peek() == Some(b'\\') && self.peek_at(1) == Some(b'u') {
                    self.pos += 2;
                    let second = self.hex4(second_start, open)?;
                    if (0xDC00..=0xDFFF).contains(&second) {
                        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        if let Some(decoded) = char::from_u32(code) {
                            return Ok(decoded);
                        }
                    }
                }
                Err(self.unpaired(
                    start,
                    "a high surrogate must be followed by a low surrogate",
                ))
            }
            0xDC00..=0xDFFF => {
                Err(self.unpaired(start, "a low surrogate must follow a high surrogate"))
            }
            _ => char::from_u32(first).ok_or_else(|| self.unpaired(start, "not a character")),
        }
    }

    /// An error for the surrogate escape written at `start`.
    fn unpaired(&self, start: usize, help: &str) -> JsonError {
        let end = start + 6;
        syntax(
            &format!("unpaired surrogate `{}` in string", self.slice(start, end)),
            Span::new(start, end),
            "unpaired surrogate",
            Some(help.to_string()),
        )
    }

    /// Reads the four hex digits of a `\u` escape that begins at `start`, in the string opened at `open`.
    fn hex4(&mut self, start: usize, open: usize) -> Result<u32, JsonError> {
        let mut value = 0;
        for _ in 0..4 {
            let Some(c) = self.peek_char() else {
                return Err(Self::unterminated(open));
            };
            let Some(digit) = c.to_digit(16) else {
                let end = self.pos + c.len_utf8();
                let shown = format!("{}{}", self.slice(start, self.pos), show_char(c));
                return Err(syntax(
                    &format!("invalid escape `{shown}`"),
                    Span::new(start, end),
                    "invalid unicode escape",
                    Some("a `\\u` escape has exactly four hex digits".to_string()),
                ));
            };
            value = value * 16 + digit;
            self.pos += 1;
        }
        Ok(value)
    }

    /// Parses a number at the current position and returns its text as written.
    fn number(&mut self) -> Result<String, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    self.skip_digits();
                    return Err(syntax(
                        "leading zeros are not allowed",
                        Span::new(start, self.pos),
                        "leading zero",
                        Some("remove the leading zeros".to_string()),
                    ));
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.expected("a digit after `-`")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.expected("a digit after the decimal point"));
            }
            self.skip_digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.expected("a digit in the exponent"));
            }
            self.skip_digits();
        }
        Ok(self.slice(start, self.pos).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a text that must be valid JSON.
    fn ok(text: &str) -> Json {
        match parse(text) {
            Ok(json) => json,
            Err(error) => panic!("{text:?} should parse, got {error:?}"),
        }
    }

    /// Parses a text that must be invalid JSON.
    fn err(text: &str) -> JsonError {
        match parse(text) {
            Ok(json) => panic!("{text:?} should fail, got {json:?}"),
            Err(error) => error,
        }
    }

    /// The diagnostic code of an error.
    fn code(error: &JsonError) -> String {
        error
            .code()
            .map(|code| code.to_string())
            .unwrap_or_default()
    }

    /// The help text of an error.
    fn help(error: &JsonError) -> String {
        error
            .help()
            .map(|help| help.to_string())
            .unwrap_or_default()
    }

    /// A span as a plain range, since spans always compare equal.
    fn range(span: Span) -> (u32, u32) {
        (span.start, span.end)
    }

    /// Asserts a syntax error with the given message and span.
    fn assert_syntax(text: &str, message: &str, span: (u32, u32)) -> JsonError {
        let error = err(text);
        assert_eq!(code(&error), "licit::case::json_syntax", "{text:?}");
        assert_eq!(error.to_string(), message, "{text:?}");
        assert_eq!(range(error.span()), span, "{text:?}");
        error
    }

    /// The contents of a value that must be a string.
    fn string_of(json: &Json) -> &str {
        match &json.kind {
            JsonKind::String(s) => s,
            other => panic!("expected a string, got {other:?}"),
        }
    }

    #[test]
    fn scalars_parse() {
        assert!(matches!(ok("null").kind, JsonKind::Null));
        assert!(matches!(ok("true").kind, JsonKind::Bool(true)));
        assert!(matches!(ok("false").kind, JsonKind::Bool(false)));
        assert_eq!(string_of(&ok(r#""hi""#)), "hi");
        for number in [
            "0",
            "-0",
            "12",
            "-3.25",
            "1e10",
            "1E+2",
            "2.5e-3",
            "123456789012345678901234567890",
        ] {
            match ok(number).kind {
                JsonKind::Number(text) => assert_eq!(text, number),
                other => panic!("{number} parsed as {other:?}"),
            }
        }
    }

    #[test]
    fn documents_parse_in_order() {
        let json = ok(" \t\r\n{\"b\": [1, {\"c\": null}], \"a\": \"x\"}\n ");
        let JsonKind::Object(members) = &json.kind else {
            panic!("expected an object, got {:?}", json.kind);
        };
        let names: Vec<&str> = members.iter().map(|(key, _)| key.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        let JsonKind::Array(items) = &members[0].1.kind else {
            panic!("expected an array");
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].kind.describe(), "an object");
        assert_eq!(string_of(&members[1].1), "x");
        assert!(matches!(ok("[]").kind, JsonKind::Array(ref v) if v.is_empty()));
        assert!(matches!(ok("{ }").kind, JsonKind::Object(ref v) if v.is_empty()));
    }

    #[test]
    fn escapes_decode() {
        let json = ok(r#""a\"b\\c\/d\be\ff\ng\rh\ti\u0041\u00e9\u4E2D\uD83D\uDE00""#);
        assert_eq!(string_of(&json), "a\"b\\c/d\u{8}e\u{c}f\ng\rh\tiAé中😀");
        assert_eq!(string_of(&ok("\"héllo 😀 \u{7f}\"")), "héllo 😀 \u{7f}");
    }

    #[test]
    fn spans_cover_keys_and_values() {
        let text = r#"{"name": "é", "list": [1, true, null]}"#;
        let json = ok(text);
        assert_eq!(range(json.span), (0, text.len() as u32));
        let JsonKind::Object(members) = &json.kind else {
            panic!("expected an object");
        };
        let (key, value) = &members[0];
        assert_eq!(range(key.span), (1, 7));
        assert_eq!(&text[1..7], r#""name""#);
        assert_eq!(range(value.span), (9, 13));
        assert_eq!(&text[9..13], r#""é""#);
        let (key, value) = &members[1];
        assert_eq!(
            &text[key.span.start as usize..key.span.end as usize],
            r#""list""#
        );
        assert_eq!(
            &text[value.span.start as usize..value.span.end as usize],
            "[1, true, null]"
        );
        let JsonKind::Array(items) = &value.kind else {
            panic!("expected an array");
        };
        let texts: Vec<&str> = items
            .iter()
            .map(|item| &text[item.span.start as usize..item.span.end as usize])
            .collect();
        assert_eq!(texts, ["1", "true", "null"]);
        let padded = ok("  -1.5e3  ");
        assert_eq!(range(padded.span), (2, 8));
    }

    #[test]
    fn describe_names_each_kind() {
        let kinds = [
            ("null", "null"),
            ("true", "a boolean"),
            ("1", "a number"),
            ("\"\"", "a string"),
            ("[]", "an array"),
            ("{}", "an object"),
        ];
        for (text, described) in kinds {
            assert_eq!(ok(text).kind.describe(), described);
        }
    }

    #[test]
    fn structural_errors() {
        assert_syntax(
            r#"{"a": 1]"#,
            "expected `,` or `}` after an object member, found `]`",
            (7, 8),
        );
        assert_syntax(
            r#"[1 2]"#,
            "expected `,` or `]` after an array element, found `2`",
            (3, 4),
        );
        assert_syntax(
            r#"{"a" 1}"#,
            "expected `:` after an object key, found `1`",
            (5, 6),
        );
        assert_syntax("[,]", "expected a JSON value, found `,`", (1, 2));
        let error = assert_syntax("{a: 1}", "expected a string key or `}`, found `a`", (1, 2));
        assert_eq!(help(&error), "object keys are written in double quotes");
        let error = assert_syntax("[True]", "expected a JSON value, found `True`", (1, 5));
        assert_eq!(help(&error), "JSON writes it `true`");
        let error = assert_syntax("['a']", "expected a JSON value, found `'`", (1, 2));
        assert_eq!(help(&error), "JSON strings use double quotes");
        assert_syntax("[nul]", "expected a JSON value, found `nul`", (1, 4));
        assert_syntax("[truex]", "expected a JSON value, found `truex`", (1, 6));
    }

    #[test]
    fn trailing_commas_are_rejected() {
        let error = assert_syntax("[1, ]", "trailing comma is not allowed in JSON", (2, 3));
        assert_eq!(help(&error), "remove the comma");
        let error = assert_syntax(
            r#"{"a": 1,}"#,
            "trailing comma is not allowed in JSON",
            (7, 8),
        );
        assert_eq!(help(&error), "remove the comma");
    }

    #[test]
    fn end_of_input_errors() {
        for text in [
            "[",
            "[1",
            "[1,",
            r#"{"a""#,
            r#"{"a":"#,
            r#"{"a":1"#,
            "-",
            "1.",
            "1e",
            "{",
        ] {
            let end = text.len() as u32;
            let error = assert_syntax(text, "unexpected end of input", (end - 1, end));
            assert!(
                error
                    .labels()
                    .is_some_and(|mut labels| labels.next().is_some())
            );
        }
        let error = assert_syntax("[1, \"é\"\n\n", "unexpected end of input", (7, 8));
        let labels: Vec<String> = error
            .labels()
            .into_iter()
            .flatten()
            .filter_map(|label| label.label().map(str::to_string))
            .collect();
        assert_eq!(
            labels,
            ["the input ends after this; expected `,` or `]` after an array element"]
        );
        let error = assert_syntax("", "empty input", (0, 0));
        assert_eq!(help(&error), "a case is one JSON object");
        let error = assert_syntax(" \n ", "empty input", (0, 3));
        assert_eq!(help(&error), "a case is one JSON object");
    }

    #[test]
    fn string_errors() {
        let error = assert_syntax(r#"["abc"#, "unterminated string", (1, 2));
        assert_eq!(help(&error), "close the string with `\"`");
        assert_syntax(r#""ab\"#, "unterminated string", (0, 1));
        assert_syntax(r#""\u12"#, "unterminated string", (0, 1));
        assert_syntax(r#"["a\qb"]"#, "invalid escape `\\q`", (3, 5));
        assert_syntax("\"\\é\"", "invalid escape `\\é`", (1, 4));
        assert_syntax(r#""\u12G4""#, "invalid escape `\\u12G`", (1, 6));
        let error = assert_syntax("\"a\nb\"", "control character in string", (2, 3));
        assert_eq!(help(&error), "write it as `\\n`");
        assert_syntax("\"a\u{1}b\"", "control character in string", (2, 3));
        assert_syntax(
            r#""\uD800""#,
            "unpaired surrogate `\\uD800` in string",
            (1, 7),
        );
        assert_syntax(
            r#""\uD800\u0041""#,
            "unpaired surrogate `\\uD800` in string",
            (1, 7),
        );
        assert_syntax(
            r#""\udc00x""#,
            "unpaired surrogate `\\udc00` in string",
            (1, 7),
        );
    }

    #[test]
    fn number_errors() {
        let error = assert_syntax("01", "leading zeros are not allowed", (0, 2));
        assert_eq!(help(&error), "remove the leading zeros");
        assert_syntax("[-007]", "leading zeros are not allowed", (1, 5));
        assert_syntax("-a", "expected a digit after `-`, found `a`", (1, 2));
        assert_syntax(
            "1.e5",
            "expected a digit after the decimal point, found `e5`",
            (2, 4),
        );
        assert_syntax("1e+", "unexpected end of input", (2, 3));
        assert_syntax("[.5]", "expected a JSON value, found `.`", (1, 2));
        assert_syntax("[+1]", "expected a JSON value, found `+`", (1, 2));
    }

    #[test]
    fn text_after_the_value_is_rejected() {
        assert_syntax("{} {}", "text after the JSON value", (3, 4));
        assert_syntax("1 2", "text after the JSON value", (2, 3));
        assert_syntax("null x", "text after the JSON value", (5, 6));
        let error = assert_syntax(
            "\u{feff}{}",
            "byte order mark at the start of the input",
            (0, 3),
        );
        assert!(help(&error).contains("without a byte order mark"));
    }

    #[test]
    fn duplicate_keys_point_at_both() {
        let text = r#"{"a": 1, "b": {"a": 2}, "a": 3}"#;
        let error = err(text);
        assert_eq!(code(&error), "licit::case::duplicate_key");
        assert_eq!(error.to_string(), "duplicate key `a`");
        assert_eq!(range(error.span()), (24, 27));
        let labels: Vec<(String, usize, usize)> = error
            .labels()
            .into_iter()
            .flatten()
            .map(|label| {
                (
                    label.label().unwrap_or_default().to_string(),
                    label.offset(),
                    label.len(),
                )
            })
            .collect();
        assert_eq!(
            labels,
            [
                ("given again here".to_string(), 24, 3),
                ("first given here".to_string(), 1, 3)
            ]
        );
        let escaped = err(r#"{"x\ny": 1, "x\u000ay": 2}"#);
        assert_eq!(escaped.to_string(), "duplicate key `x\\ny`");
    }

    #[test]
    fn many_distinct_keys_are_fine() {
        let members: Vec<String> = (0..1000).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{{}}}", members.join(", "));
        assert!(matches!(ok(&text).kind, JsonKind::Object(ref m) if m.len() == 1000));
    }

    #[test]
    fn nesting_is_limited_to_128_levels() {
        let deepest = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert_eq!(ok(&deepest).kind.describe(), "an array");
        let objects = format!("{}1{}", "{\"a\":".repeat(128), "}".repeat(128));
        assert_eq!(ok(&objects).kind.describe(), "an object");
        let too_deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        let error = err(&too_deep);
        assert_eq!(code(&error), "licit::case::json_too_deep");
        assert_eq!(range(error.span()), (128, 129));
        assert_eq!(help(&error), "a case nests at most 128 levels");
    }

    #[test]
    fn ten_thousand_brackets_do_not_overflow() {
        let error = err(&"[".repeat(10_000));
        assert_eq!(code(&error), "licit::case::json_too_deep");
        assert_eq!(range(error.span()), (128, 129));
        let error = err(&"{\"a\":".repeat(10_000));
        assert_eq!(code(&error), "licit::case::json_too_deep");
    }

    #[test]
    fn five_megabyte_array_parses() {
        let mut text = String::from("[");
        let mut count = 0;
        while text.len() < 5_000_000 {
            text.push_str("{\"id\": 123456, \"s\": \"text\\n\"},");
            count += 1;
        }
        text.push_str("0]");
        let json = ok(&text);
        assert!(matches!(json.kind, JsonKind::Array(ref items) if items.len() == count + 1));
        assert_eq!(json.span.end as usize, text.len());
    }

    #[test]
    fn no_prefix_or_split_panics() {
        let text = "{\"k\u{e9}y\": [1, -2.5e+3, \"\\uD83D\\uDE00 \\n \u{1F600}\", true, null, {}], \"z\": false}";
        assert!(parse(text).is_ok());
        for (index, _) in text.char_indices().skip(1) {
            let prefix = &text[..index];
            let error = err(prefix);
            let span = error.span();
            assert!(
                span.start <= span.end && span.end as usize <= prefix.len(),
                "{prefix:?}"
            );
        }
        for byte in 0u8..=127 {
            let mutated = text.replacen("1", &char::from(byte).to_string(), 1);
            if let Err(error) = parse(&mutated) {
                assert!(error.span().end as usize <= mutated.len(), "{mutated:?}");
            }
        }
    }

    #[test]
    fn errors_render_with_miette() {
        let text = "{\"a\": 1]";
        let report = miette::Report::new(err(text)).with_source_code(text.to_string());
        let mut rendered = String::new();
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
        assert!(
            handler
                .render_report(&mut rendered, report.as_ref())
                .is_ok()
        );
        assert!(rendered.contains("licit::case::json_syntax"), "{rendered}");
        assert!(rendered.contains("expected `,` or `}`"), "{rendered}");
    }
}
