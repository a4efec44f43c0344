//! Data-driven tests of the formatter behind `licit fmt`: each file in `tests/format/` is formatted
//! and snapshotted with its input; every shipped policy file is formatted too. In both, formatting
//! must keep the syntax tree and every comment, and formatting the result again must change
//! nothing.

use std::path::{Path, PathBuf};

use licit::internals::format;
use licit::internals::parse;

/// The comments of a text, sorted: `#` or `//` to the end of the line, outside strings. Written
/// independently of the formatter's own scan so that the two check each other.
fn comments(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    code(&chars, 0, false, &mut found);
    found.sort();
    found
}

/// Scans code from `i` to the end, or to the `}` that closes a template hole when `in_hole`;
/// returns where it stopped.
fn code(chars: &[char], mut i: usize, in_hole: bool, found: &mut Vec<String>) -> usize {
    let mut depth = 0usize;
    let mut last_word = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '#' || (c == '/' && chars.get(i + 1) == Some(&'/')) {
            let end = (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .unwrap_or(chars.len());
            found.push(
                chars[i..end]
                    .iter()
                    .collect::<String>()
                    .trim_end()
                    .to_string(),
            );
            i = end;
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            last_word = chars[start..i].iter().collect();
            continue;
        }
        match c {
            '"' => {
                let template = last_word == "because";
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    match chars[i] {
                        '\\' => i += 2,
                        '{' if template => i = code(chars, i + 1, true, found),
                        _ => i += 1,
                    }
                }
            }
            '{' => depth += 1,
            '}' if in_hole && depth == 0 => return i + 1,
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !c.is_whitespace() {
            last_word.clear();
        }
        i += 1;
    }
    i
}

/// A syntax tree as text with every span blanked: formatting moves text, so positions change
/// while the tree must not. The AST has no `==` of its own, as a span compares by position.
fn tree_without_spans(tree: &Option<licit::internals::ast::File>) -> String {
    let text = format!("{tree:#?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("Span {") {
        out.push_str(&rest[..start]);
        out.push_str("Span");
        let after = &rest[start..];
        let end = after.find('}').map_or(after.len(), |end| end + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Formats a text and checks the formatter's promises; returns the formatted text.
fn format_checked(name: &str, input: &str) -> String {
    let formatted = match format(input) {
        Ok(formatted) => formatted,
        Err(errors) => panic!("{name} does not parse: {errors:?}"),
    };
    let again = format(&formatted).unwrap_or_else(|errors| {
        panic!("{name} formatted does not parse: {errors:?}\n{formatted}")
    });
    assert_eq!(again, formatted, "formatting {name} twice changes it");
    let (before, _) = parse(input);
    let (after, _) = parse(&formatted);
    assert!(before.is_some(), "{name} parses");
    assert_eq!(
        tree_without_spans(&before),
        tree_without_spans(&after),
        "formatting {name} changes its syntax tree"
    );
    assert_eq!(
        comments(input),
        comments(&formatted),
        "formatting {name} loses, adds or changes comments"
    );
    formatted
}

/// Each file in `tests/format/` is formatted; the snapshot shows the input and the result.
#[test]
fn format_inputs() {
    insta::glob!("format", "*.licit", |path| {
        let input = std::fs::read_to_string(path).unwrap_or_default();
        assert!(!input.is_empty(), "{} is readable", path.display());
        let formatted = format_checked(&path.display().to_string(), &input);
        insta::assert_snapshot!(format!(
            "--- input ---\n{input}\n--- formatted ---\n{formatted}"
        ));
    });
}

fn licit_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            licit_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "licit") {
            files.push(path);
        }
    }
}

/// Every shipped policy file formats without losing anything, and formats stably.
#[test]
fn policies_format_stably() {
    let mut files = Vec::new();
    licit_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"),
        &mut files,
    );
    assert!(files.len() > 10, "the shipped policies are found");
    for file in files {
        let input = std::fs::read_to_string(&file).unwrap_or_default();
        format_checked(&file.display().to_string(), &input);
    }
}

/// A file with a syntax error is not formatted: its errors come back.
#[test]
fn syntax_errors_are_returned() {
    let text = "rule r \"x\"\n  when case.a && case.b\n  then v\n";
    let errors = format(text).err().unwrap_or_default();
    assert_eq!(errors, parse(text).1);
    assert!(!errors.is_empty());
}

/// A line break written raw inside a string as CR LF stays raw: there is no `\r` escape, and a
/// raw CR before the `\n` escape would stand alone, which does not parse (found by the `policy`
/// fuzz target).
#[test]
fn a_line_break_written_as_cr_lf_inside_a_string_is_kept() {
    let input =
        "policy \"two\r\nlines\n\" in force from 2021-01-01\n\nconst c: text = \"a\r\nb\"\n";
    let formatted = format_checked("a string with CR LF", input);
    assert!(formatted.contains("\"two\r\nlines\\n\""), "{formatted:?}");
}
