//! Documentation comments: the comment lines written directly above a declaration, read from the
//! source text (the grammar drops comments, so the AST has none). `licit schema` gives them as
//! descriptions.

/// The text of the `#` or `//` comment lines directly above the line where `offset` lies, without
/// their markers, joined by spaces; `None` when the line above is blank or code. A comment that
/// ends a line of code (`a: bool # …`) is not a documentation comment.
pub fn doc_above(text: &str, offset: usize) -> Option<String> {
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |at| at + 1);
    let mut lines: Vec<&str> = Vec::new();
    let mut rest = text.get(..line_start)?.strip_suffix('\n');
    while let Some(above) = rest {
        let (before, line) = match above.rfind('\n') {
            Some(at) => (Some(&above[..at]), &above[at + 1..]),
            None => (None, above),
        };
        let trimmed = line.trim();
        let Some(comment) = trimmed
            .strip_prefix("//")
            .or_else(|| trimmed.strip_prefix('#'))
        else {
            break;
        };
        lines.push(comment.trim());
        rest = before;
    }
    lines.reverse();
    let joined = lines
        .into_iter()
        .filter(|line| !line.is_empty() && !line.chars().all(|c| c == '-' || c == '='))
        .collect::<Vec<_>>()
        .join(" ");
    (!joined.is_empty()).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::doc_above;

    #[test]
    fn reads_the_comment_lines_directly_above() {
        let text = "record R {\n  # first\n  // second\n  a: bool\n\n  # apart\n\n  b: bool\n}\n";
        let a = text.find("a: bool").unwrap_or(0);
        let b = text.find("b: bool").unwrap_or(0);
        assert_eq!(doc_above(text, a).as_deref(), Some("first second"));
        assert_eq!(doc_above(text, b), None);
        assert_eq!(doc_above("# top\nx", 6).as_deref(), Some("top"));
        assert_eq!(doc_above("x", 0), None);
    }
}
