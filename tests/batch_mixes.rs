//! The batch output on both benchmark mixes (`benches/common/mix.rs`: the generated mix and the
//! realistic one) is byte for byte what it was before the batch path was made cheap (issue 17):
//! 2,000 lines of each, with a few bad lines among them, decided on two threads, against the
//! output recorded in `tests/batch/*.expected.jsonl`. Every line of both mixes is also read to
//! the same value by the one-pass reader and the careful one.
//!
//! The fixtures were recorded from the batch path before the change (commit 021eeef's code);
//! a change that means to change the output records them again with
//! `LICIT_RECORD_BATCH=1 cargo test --test batch_mixes`, and the diff shows what changed.
//!
//! The explained batch (`--explain`, about 22 KB a line) is pinned the same way on 300 lines of
//! each mix with a bad line every 25 cases, but not verbatim: `tests/batch/*.explained.sha256`
//! holds the SHA-256 of the whole output and of each line, and `*.explained.head.jsonl` its
//! first lines, so that a difference is found by line and shown in context. They were recorded
//! from the `serde` tree of `report::decision::decision_json`, before the direct writer.

use std::path::Path;
use std::sync::Arc;

use licit::internals::{Program, decode_case_careful, decode_case_fast};
use licit::{BatchOptions, Rulebook};

#[path = "../benches/common/mix.rs"]
#[allow(dead_code)]
mod mix;

const LINES: usize = 2000;

/// The mix's first lines, with a bad line put in before every `every`-th case (from the eighth):
/// each kind of problem the careful reader reports, a blank line and a line ending in `\r`.
fn input(cases: Vec<String>, every: usize) -> String {
    let bad = [
        r#"{"date":"2022-01-01","activity":"export","exporter_state":"NL","destination":"CN","colour":"red"}"#,
        r#"{"date":"2022-01-01","activity":"export","exporter_state":"NL","destination":"XX"}"#,
        r#"{"date":"2022-02-30","activity":"export","exporter_state":"NL","destination":"CN"}"#,
        r#"{"date":"2022-01-01","activity":"export","destination":"CN"}"#,
        r#"{"date":"2022-01-01","activity":"export","exporter_state":"US","destination":"CN"}"#,
        r#"{"activity":"export","exporter_state":"NL","destination":"CN"}"#,
        r#"{"date":"2022-01-01","activity":"export","exporter_state":"NL","destination":"CN","licences":[{"id":"x","kind":"global","items":[],"destinations":[],"valid_from":"2023-01-01","valid_until":"2022-01-01"}]}"#,
        r#"{"date":"2022-01-01","activity":"export","exporter_state":"NL","#,
        "[1, 2",
        "",
        "   ",
    ];
    let mut text = String::new();
    for (index, case) in cases.iter().enumerate() {
        if index % every == 7 {
            text.push_str(bad[(index / every) % bad.len()]);
            text.push('\n');
        }
        text.push_str(case);
        text.push_str(if index % 333 == 5 { "\r\n" } else { "\n" });
    }
    text
}

fn rulebook() -> Rulebook {
    Rulebook::load("policies/eu/dual-use").unwrap_or_else(|_| panic!("the rulebook loads"))
}

fn check(name: &str, cases: Vec<String>) {
    let text = input(cases, 150);
    let mut out = Vec::new();
    let options = BatchOptions {
        as_of: None,
        explain: false,
        jobs: 2,
    };
    rulebook().decide_batch(&mut text.as_bytes(), &mut out, &options);
    let path = Path::new("tests/batch").join(format!("{name}.expected.jsonl"));
    if std::env::var_os("LICIT_RECORD_BATCH").is_some() {
        std::fs::write(&path, &out).unwrap_or_else(|_| panic!("{} is written", path.display()));
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_default();
    let output = String::from_utf8_lossy(&out);
    let expected = String::from_utf8_lossy(&expected);
    assert!(
        expected.lines().count() > LINES,
        "{} is recorded",
        path.display()
    );
    for (number, (got, want)) in output.lines().zip(expected.lines()).enumerate() {
        assert_eq!(got, want, "{name}: output line {}", number + 1);
    }
    assert_eq!(output.lines().count(), expected.lines().count(), "{name}");
    assert!(output == expected, "{name}: the same bytes");
}

#[test]
fn the_generated_mix_is_decided_as_before() {
    check("generated", mix::generated_cases(LINES));
}

#[test]
fn the_realistic_mix_is_decided_as_before() {
    check("realistic", mix::realistic_cases(LINES));
}

/// How many cases of each mix the explained batch is pinned on.
const EXPLAINED_LINES: usize = 300;
/// How many of its first output lines are kept verbatim.
const EXPLAINED_HEAD: usize = 2;

/// The lowercase hex SHA-256 of some bytes.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Where two texts first differ, with some text either side of it in each.
fn difference(got: &str, want: &str) -> String {
    let at = got
        .bytes()
        .zip(want.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    let around = |text: &str| {
        let mut start = at.saturating_sub(120);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (at + 120).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        text[start..end].to_string()
    };
    format!(
        "first difference at byte {at}\n   got: …{}…\n  want: …{}…",
        around(got),
        around(want)
    )
}

/// The explained batch of a mix's first cases, against the hashes and head recorded.
fn check_explained(name: &str, cases: Vec<String>) {
    let text = input(cases, 25);
    let mut out = Vec::new();
    let options = BatchOptions {
        as_of: None,
        explain: true,
        jobs: 2,
    };
    rulebook().decide_batch(&mut text.as_bytes(), &mut out, &options);
    let output = String::from_utf8_lossy(&out);
    let hashes_path = Path::new("tests/batch").join(format!("{name}.explained.sha256"));
    let head_path = Path::new("tests/batch").join(format!("{name}.explained.head.jsonl"));
    let whole = sha256_hex(&out);
    if std::env::var_os("LICIT_RECORD_BATCH").is_some() {
        let mut hashes = format!("{whole}  whole output\n");
        for line in output.lines() {
            hashes.push_str(&sha256_hex(line.as_bytes()));
            hashes.push('\n');
        }
        let head: String = output
            .lines()
            .take(EXPLAINED_HEAD)
            .map(|line| format!("{line}\n"))
            .collect();
        std::fs::write(&hashes_path, hashes)
            .unwrap_or_else(|_| panic!("{} is written", hashes_path.display()));
        std::fs::write(&head_path, head)
            .unwrap_or_else(|_| panic!("{} is written", head_path.display()));
        return;
    }
    let hashes = std::fs::read_to_string(&hashes_path).unwrap_or_default();
    let head = std::fs::read_to_string(&head_path).unwrap_or_default();
    let mut recorded = hashes.lines();
    let recorded_whole = recorded.next().unwrap_or_default();
    let recorded_lines: Vec<&str> = recorded.collect();
    assert!(
        recorded_lines.len() > EXPLAINED_LINES,
        "{} is recorded",
        hashes_path.display()
    );
    let mut head_lines = head.lines();
    for (number, line) in output.lines().enumerate() {
        let want_head = head_lines.next();
        if let Some(want) = want_head {
            assert!(
                line == want,
                "{name}: explained output line {}: {}",
                number + 1,
                difference(line, want)
            );
        }
        let Some(want) = recorded_lines.get(number) else {
            panic!(
                "{name}: explained output line {} is one too many",
                number + 1
            );
        };
        assert!(
            sha256_hex(line.as_bytes()) == *want,
            "{name}: explained output line {} differs from the one recorded; it begins {}",
            number + 1,
            line.chars().take(300).collect::<String>()
        );
    }
    assert_eq!(
        output.lines().count(),
        recorded_lines.len(),
        "{name}: explained output lines"
    );
    assert!(
        recorded_whole.starts_with(&whole),
        "{name}: the explained output has the same bytes (line ends included)"
    );
}

#[test]
fn the_generated_mix_is_explained_as_before() {
    check_explained("generated", mix::generated_cases(EXPLAINED_LINES));
}

#[test]
fn the_realistic_mix_is_explained_as_before() {
    check_explained("realistic", mix::realistic_cases(EXPLAINED_LINES));
}

/// The explained batch writes each line straight into its buffer (`report::decision_line`);
/// the `serde` tree of `Rulebook::explain` (the library's `Explanation`, which the pretty output
/// and the service serialise) is the reference: on every line of both mixes, bad lines among
/// them, the batch line is that tree serialised with its line number.
#[test]
fn an_explained_line_is_the_serialised_explanation() {
    let rulebook = rulebook();
    for (name, cases) in [
        ("generated", mix::generated_cases(LINES)),
        ("realistic", mix::realistic_cases(LINES)),
    ] {
        let text = input(cases, 150);
        let mut out = Vec::new();
        let options = BatchOptions {
            as_of: None,
            explain: true,
            jobs: 2,
        };
        rulebook.decide_batch(&mut text.as_bytes(), &mut out, &options);
        let output = String::from_utf8_lossy(&out);
        let inputs: Vec<&str> = text.lines().collect();
        let mut explained_lines = 0;
        for line in output.lines() {
            let number: usize = line
                .strip_prefix("{\"line\":")
                .and_then(|rest| rest.split(',').next())
                .and_then(|digits| digits.parse().ok())
                .unwrap_or_else(|| panic!("{name}: a line begins with its number: {line}"));
            if line.starts_with(&format!("{{\"line\":{number},\"errors\":")) {
                continue;
            }
            let case = inputs.get(number - 1).copied().unwrap_or_default();
            let mut explained = match rulebook.explain(case) {
                Ok(explained) => explained,
                Err(problems) => panic!("{name}: line {number} is explained:\n{problems}"),
            };
            explained.line = Some(number);
            let expected = serde_json::to_string(&explained).unwrap_or_default();
            assert!(
                line == expected,
                "{name}: line {number}: {}",
                difference(line, &expected)
            );
            explained_lines += 1;
        }
        assert!(explained_lines >= LINES, "{name}: {explained_lines} lines");
    }
}

#[test]
fn both_readers_read_both_mixes_alike() {
    let program: Arc<Program> = mix::rulebook(0, mix::Never::Facts);
    let cases = mix::generated_cases(500)
        .into_iter()
        .chain(mix::realistic_cases(LINES));
    for case in cases {
        let Some(fast) = decode_case_fast(&program, &case) else {
            panic!("the fast reader reads {case}");
        };
        let Ok(careful) = decode_case_careful(&program, &case) else {
            panic!("the careful reader reads {case}");
        };
        assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{case}");
    }
}

/// A case written as other programs write JSON: a space after every comma and colon (Python's
/// `json.dumps`), and every object's keys in the reverse of the order given, so that no field
/// comes where the one-pass reader looks for it first.
fn written_otherwise(case: &str) -> String {
    fn write(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(fields) => {
                out.push('{');
                for (position, (key, value)) in fields.iter().rev().enumerate() {
                    if position > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&serde_json::Value::from(key.as_str()).to_string());
                    out.push_str(": ");
                    write(value, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(members) => {
                out.push('[');
                for (position, member) in members.iter().enumerate() {
                    if position > 0 {
                        out.push_str(", ");
                    }
                    write(member, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let value: serde_json::Value =
        serde_json::from_str(case).unwrap_or_else(|_| panic!("a case of the mix is JSON: {case}"));
    let mut out = String::new();
    write(&value, &mut out);
    out
}

/// The batch line without its receipt's `case_sha256`, which hashes the case's text.
fn without_case_hash(line: &str) -> &str {
    line.split(",\"case_sha256\":").next().unwrap_or(line)
}

/// Both mixes written otherwise (`written_otherwise`) are read to the same values by both
/// readers, and decided as written the usual way: the same lines but for the case's hash.
#[test]
fn both_mixes_written_otherwise_are_decided_alike() {
    let program: Arc<Program> = mix::rulebook(0, mix::Never::Facts);
    let rulebook = rulebook();
    for cases in [mix::generated_cases(500), mix::realistic_cases(LINES)] {
        let others: Vec<String> = cases.iter().map(|case| written_otherwise(case)).collect();
        for case in &others {
            let Some(fast) = decode_case_fast(&program, case) else {
                panic!("the fast reader reads {case}");
            };
            let Ok(careful) = decode_case_careful(&program, case) else {
                panic!("the careful reader reads {case}");
            };
            assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{case}");
        }
        let decide = |cases: &[String]| {
            let text: String = cases.iter().map(|case| format!("{case}\n")).collect();
            let mut out = Vec::new();
            let options = BatchOptions {
                as_of: None,
                explain: false,
                jobs: 2,
            };
            rulebook.decide_batch(&mut text.as_bytes(), &mut out, &options);
            String::from_utf8_lossy(&out).into_owned()
        };
        let (usual, otherwise) = (decide(&cases), decide(&others));
        assert_eq!(usual.lines().count(), cases.len());
        for ((line, other), case) in usual.lines().zip(otherwise.lines()).zip(&others) {
            assert_eq!(without_case_hash(line), without_case_hash(other), "{case}");
        }
    }
}
