//! Making text from cases and policies safe to print: control characters escaped for a
//! terminal (an ESC from a case must not clear the screen), and characters XML 1.0 does not
//! allow replaced. JSON needs neither: its strings escape control characters themselves.

use std::borrow::Cow;

/// The styles licit itself draws text in (bold, dim, reset); [`for_terminal`] keeps these when
/// asked and escapes every other control sequence.
const OWN_STYLES: [&str; 3] = ["\x1b[1m", "\x1b[2m", "\x1b[0m"];

/// Whether a character would act on a terminal rather than be shown: the C0 controls but
/// newline and tab, DEL, the C1 controls, and the marks and overrides of bidirectional text
/// (with which a case's text could show a line in another order than it has). A carriage
/// return is kept only before a newline (a CRLF line end); alone it would let a text overwrite
/// its line.
fn acts_on_terminal(c: char, next: Option<char>) -> bool {
    match c {
        '\n' | '\t' => false,
        '\r' => next != Some('\n'),
        c => c.is_control() || is_bidi_control(c),
    }
}

/// The characters that change the order in which text is shown: the embeddings, overrides
/// and isolates, and the marks (U+200E, U+200F, U+061C).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Human output with every control character written as an escape (`\u{1b}`), so that text
/// from a case or a policy cannot move the cursor, clear the screen or set the window title.
/// With `keep_styles`, the bold, dim and reset sequences licit draws itself are kept.
pub fn for_terminal(text: &str, keep_styles: bool) -> Cow<'_, str> {
    let mut chars = text.char_indices().peekable();
    let needs = text
        .chars()
        .zip(text.chars().skip(1).map(Some).chain([None]))
        .any(|(c, next)| acts_on_terminal(c, next));
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    while let Some((at, c)) = chars.next() {
        if keep_styles
            && c == '\x1b'
            && let Some(style) = OWN_STYLES.iter().find(|s| text[at..].starts_with(**s))
        {
            out.push_str(style);
            for _ in 1..style.len() {
                chars.next();
            }
            continue;
        }
        let next = chars.peek().map(|(_, c)| *c);
        if acts_on_terminal(c, next) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A source text with every control character that [`for_terminal`] escapes (a carriage
/// return alone, a bidirectional override among them) replaced by a character of the same
/// length in bytes (`?`, `¿` or U+FFFD), so that the byte spans of diagnostics still point at
/// the same places.
pub fn source_for_terminal(text: &str) -> Cow<'_, str> {
    let lone_return = |at: usize| text.as_bytes().get(at + 1) != Some(&b'\n');
    if !text.char_indices().any(|(at, c)| {
        (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
            || is_bidi_control(c)
            || (c == '\r' && lone_return(at))
    }) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.char_indices()
            .map(|(at, c)| match c {
                // A carriage return alone would let the rest of its line overwrite it.
                '\r' if lone_return(at) => '?',
                '\n' | '\t' | '\r' => c,
                c if c.is_control() && c.len_utf8() == 1 => '?',
                c if c.is_control() => '¿',
                // Three bytes, as each of them is.
                c if is_bidi_control(c) && c.len_utf8() == 3 => '\u{FFFD}',
                c if is_bidi_control(c) => '¿',
                c => c,
            })
            .collect(),
    )
}

/// Whether XML 1.0 allows a character (`Char` of the XML 1.0 grammar).
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text for XML attributes and content: markup characters as entities, and characters that
/// XML 1.0 does not allow (most controls, U+FFFE, U+FFFF) as U+FFFD, so the document is
/// well-formed for any input.
pub fn for_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if !allowed_in_xml(c) => out.push('\u{FFFD}'),
            // C1 controls are allowed but discouraged, and act on terminals that show the file.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{for_terminal, for_xml, source_for_terminal};

    #[test]
    fn control_characters_are_escaped_for_terminals() {
        assert_eq!(for_terminal("plain\ttext\n", false), "plain\ttext\n");
        assert_eq!(
            for_terminal("a\x1b[2Jb\x07c\u{9b}d", false),
            "a\\u{1b}[2Jb\\u{7}c\\u{9b}d"
        );
        assert_eq!(
            for_terminal("line\r\nnext\rover", false),
            "line\r\nnext\\u{d}over"
        );
        // A right-to-left override would show the rest of the line reversed.
        assert_eq!(
            for_terminal("user\u{202E}gnp.exe", false),
            "user\\u{202e}gnp.exe"
        );
        assert_eq!(source_for_terminal("a\u{2066}b").len(), "a\u{2066}b".len());
        assert_eq!(source_for_terminal("a\rb\r\nc"), "a?b\r\nc");
        assert_eq!(
            for_terminal("\x1b[1mverdict\x1b[0m \x1b]0;title\x07", true),
            "\x1b[1mverdict\x1b[0m \\u{1b}]0;title\\u{7}"
        );
        let source = "use \"\x1b\u{85}\"\n";
        assert_eq!(source_for_terminal(source).len(), source.len());
        assert_eq!(source_for_terminal(source), "use \"?¿\"\n");
    }

    #[test]
    fn xml_text_is_well_formed_for_any_input() {
        assert_eq!(
            for_xml("a<b>&\"'\u{FFFF}\u{FFFE}\x01\x1b\u{85}\t\n"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\t\n"
        );
    }
}
