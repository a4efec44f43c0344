//! The documentation cannot drift from the command line: every ```json block of `docs/` parses,
//! and every block tagged `<!-- shape: licit … -->` has the shape of what that command prints
//! (the convention is written down in docs/README.md).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// A fenced block of a page: its language, text, the command it is tagged with, and its line.
struct Block {
    language: String,
    text: String,
    shape_of: Option<String>,
    line: usize,
}

fn blocks(page: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut lines = page.lines().enumerate().peekable();
    let mut previous = "";
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim_start();
        // A block that shows a block (four backticks) holds no example.
        if trimmed.starts_with("````") {
            for (_, inner) in lines.by_ref() {
                if inner.trim_start().starts_with("````") {
                    break;
                }
            }
            previous = "";
            continue;
        }
        if let Some(language) = trimmed.strip_prefix("```") {
            let mut text = String::new();
            for (_, inner) in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                text.push_str(inner);
                text.push('\n');
            }
            let shape_of = previous
                .trim()
                .strip_prefix("<!-- shape:")
                .and_then(|rest| rest.strip_suffix("-->"))
                .map(|command| command.trim().to_string());
            found.push(Block {
                language: language.trim().to_string(),
                text,
                shape_of,
                line: number + 1,
            });
            previous = "";
            continue;
        }
        previous = line;
    }
    found
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Where the documented value's shape differs from the printed one, if it does.
fn shape_difference(documented: &Value, printed: &Value, path: &str) -> Option<String> {
    match (documented, printed) {
        (Value::Object(documented), Value::Object(printed)) => {
            for key in documented.keys() {
                if !printed.contains_key(key) {
                    return Some(format!("{path}.{key} is documented but not printed"));
                }
            }
            for key in printed.keys() {
                if !documented.contains_key(key) {
                    return Some(format!("{path}.{key} is printed but not documented"));
                }
            }
            documented.iter().find_map(|(key, value)| {
                shape_difference(value, &printed[key], &format!("{path}.{key}"))
            })
        }
        (Value::Array(documented), Value::Array(printed)) => {
            documented.iter().enumerate().find_map(|(index, element)| {
                let fits = printed
                    .iter()
                    .any(|candidate| shape_difference(element, candidate, "").is_none());
                match fits {
                    true => None,
                    false => Some(match printed.first() {
                        Some(first) => format!(
                            "{path}[{index}] has the shape of no printed element; against the first: {}",
                            shape_difference(element, first, &format!("{path}[{index}]"))
                                .unwrap_or_default()
                        ),
                        None => format!("{path}[{index}] is documented, but the printed array is empty"),
                    }),
                }
            })
        }
        _ if type_name(documented) == type_name(printed) => None,
        _ => Some(format!(
            "{path} is documented as {} but printed as {}",
            type_name(documented),
            type_name(printed)
        )),
    }
}

fn run(command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(
        words.first(),
        Some(&"licit"),
        "a shape tag names a licit command"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_licit"))
        .args(&words[1..])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match output {
        Ok(output) => String::from_utf8_lossy(&output.stdout).into_owned(),
        Err(error) => panic!("`{command}` runs: {error}"),
    }
}

/// The JSON values of a text: one, or one per line.
fn values(text: &str) -> Result<Vec<Value>, String> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Ok(vec![value]);
    }
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).map_err(|error| format!("{error}: {line}")))
        .collect()
}

/// The element and attribute names of an XML text.
fn xml_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tag in text.split('<').skip(1) {
        if tag.starts_with('?') || tag.starts_with('!') || tag.starts_with('/') {
            continue;
        }
        let tag = tag.split('>').next().unwrap_or_default();
        let mut words = tag.split_whitespace();
        if let Some(element) = words.next() {
            names.push(format!("<{}", element.trim_end_matches('/')));
        }
        for word in words {
            if let Some((attribute, _)) = word.split_once('=') {
                names.push(format!(" {attribute}="));
            }
        }
    }
    names
}

fn check_page(path: &Path) -> (usize, Vec<String>) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let page = std::fs::read_to_string(path).unwrap_or_default();
    let mut problems = Vec::new();
    let mut compared = 0;
    for block in blocks(&page) {
        let place = format!("docs/{name}:{}", block.line);
        let documented = match block.language.as_str() {
            "json" => match values(&block.text) {
                Ok(values) => Some(values),
                Err(error) => {
                    problems.push(format!("{place}: the example is not JSON: {error}"));
                    continue;
                }
            },
            _ => None,
        };
        let Some(command) = &block.shape_of else {
            continue;
        };
        compared += 1;
        let printed = run(command);
        match (documented, block.language.as_str()) {
            (Some(documented), _) => match values(&printed) {
                Ok(printed) => {
                    if documented.len() > printed.len() {
                        problems.push(format!(
                            "{place}: {} values documented, `{command}` printed {}",
                            documented.len(),
                            printed.len()
                        ));
                    }
                    for (index, (documented, printed)) in
                        documented.iter().zip(&printed).enumerate()
                    {
                        if let Some(difference) = shape_difference(documented, printed, "") {
                            problems.push(format!(
                                "{place}: value {} of `{command}`: {difference}",
                                index + 1
                            ));
                        }
                    }
                }
                Err(error) => {
                    problems.push(format!("{place}: `{command}` did not print JSON: {error}"))
                }
            },
            (None, "xml") => {
                for name in xml_names(&block.text) {
                    if !printed.contains(&name) {
                        problems.push(format!(
                            "{place}: `{}` is documented but `{command}` does not print it",
                            name.trim()
                        ));
                    }
                }
            }
            (None, language) => problems.push(format!(
                "{place}: a shape tag on a `{language}` block; only json and xml are compared"
            )),
        }
    }
    (compared, problems)
}

#[test]
fn every_documented_output_has_the_shape_the_command_prints() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut pages: Vec<_> = std::fs::read_dir(&folder)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.extension().is_some_and(|e| e == "md"))
                .collect()
        })
        .unwrap_or_default();
    pages.sort();
    let mut compared = 0;
    let mut problems = Vec::new();
    for page in &pages {
        let (count, found) = check_page(page);
        compared += count;
        problems.extend(found);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(compared >= 10, "the tagged examples are found ({compared})");
}

#[test]
fn the_shape_comparison_finds_missing_extra_and_retyped_keys() {
    let printed = serde_json::json!({"a": 1, "b": [{"c": null}, {"d": "x"}]});
    let same = serde_json::json!({"a": 2, "b": [{"d": "y"}]});
    assert_eq!(shape_difference(&same, &printed, ""), None);
    let missing = serde_json::json!({"a": 2});
    assert!(shape_difference(&missing, &printed, "").is_some_and(|d| d.contains(".b is printed")));
    let extra = serde_json::json!({"a": 2, "b": [], "e": 1});
    assert!(shape_difference(&extra, &printed, "").is_some_and(|d| d.contains(".e is documented")));
    let retyped = serde_json::json!({"a": "2", "b": []});
    assert!(shape_difference(&retyped, &printed, "").is_some_and(|d| d.contains("as a string")));
    let element = serde_json::json!({"a": 2, "b": [{"c": 1}]});
    assert!(shape_difference(&element, &printed, "").is_some());
    assert_eq!(
        xml_names(r#"<?xml version="1.0"?><a x="1"><b/></a>"#),
        vec!["<a", " x=", "<b"]
    );
}
