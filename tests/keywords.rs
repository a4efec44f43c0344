//! The reserved words are written in four places that cannot share code: the grammar
//! (`grammar/licit.pest`, the source of truth), the library's list (`syntax::KEYWORDS`, checked
//! against the grammar by a unit test), the playground's highlighting and the VS Code grammar.
//! This test keeps the last two the grammar's.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The words of the grammar's `keyword` rule.
fn grammar() -> BTreeSet<String> {
    let text = read("grammar/licit.pest");
    let start = text
        .find("keyword = _{")
        .unwrap_or_else(|| panic!("no `keyword` rule"));
    let end = start + text[start..].find('}').unwrap_or(0);
    text[start..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The lowercase words of a regular expression's alternatives.
fn words(pattern: &str) -> BTreeSet<String> {
    pattern
        .split(|c: char| !c.is_ascii_lowercase())
        .filter(|word| word.len() > 1)
        .map(str::to_string)
        .collect()
}

#[test]
fn the_playground_highlights_the_grammars_keywords() {
    let script = read("src/serve/playground/playground.js");
    let line = script
        .lines()
        .find(|line| line.starts_with("const KEYWORDS = "))
        .unwrap_or_else(|| panic!("no KEYWORDS in playground.js"));
    assert_eq!(
        words(line.trim_start_matches("const KEYWORDS = ")),
        grammar()
    );
}

#[test]
fn the_vs_code_grammar_names_the_grammars_keywords() {
    let grammar_json: serde_json::Value =
        serde_json::from_str(&read("editors/vscode/syntaxes/licit.tmLanguage.json"))
            .unwrap_or_else(|error| panic!("the VS Code grammar: {error}"));
    let mut found = BTreeSet::new();
    let mut stack = vec![&grammar_json];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::Object(map) => {
                let name = map.get("name").and_then(|n| n.as_str()).unwrap_or("");
                let keyword_like =
                    name.starts_with("keyword.") || name.starts_with("constant.language");
                if let (true, Some(pattern)) =
                    (keyword_like, map.get("match").and_then(|m| m.as_str()))
                    && let Some(alternatives) = pattern.strip_prefix("\\b(")
                {
                    found.extend(words(alternatives.trim_end_matches(")\\b")));
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    let missing: Vec<String> = grammar()
        .into_iter()
        .filter(|word| !found.contains(word))
        .collect();
    assert!(
        missing.is_empty(),
        "the VS Code grammar does not highlight {missing:?}"
    );
}
