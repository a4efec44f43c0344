//! The batch output on both benchmark mixes (`benches/common/mix.rs`: the generated mix and the
//! realistic one) is byte for byte what it was before the batch path was made cheap (issue 17):
//! 2,000 lines of each, with a few bad lines among them, decided on two threads, against the
//! output recorded in `tests/batch/*.expected.jsonl`. Every line of both mixes is also read to
//! the same value by the one-pass reader and the careful one.
//!
//! The fixtures were recorded from the batch path before the change (commit 021eeef's code);
//! a change that means to change the output records them again with
//! `LICIT_RECORD_BATCH=1 cargo test --test batch_mixes`, and the diff shows what changed.

use std::path::Path;
use std::sync::Arc;

use licit::internals::{Program, decode_case_careful, decode_case_fast};
use licit::{BatchOptions, Rulebook};

#[path = "../benches/common/mix.rs"]
#[allow(dead_code)]
mod mix;

const LINES: usize = 2000;

/// The mix's first lines, with bad lines put in among them: each kind of problem the careful
/// reader reports, a blank line and a line ending in `\r`.
fn input(cases: Vec<String>) -> String {
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
        if index % 150 == 7 {
            text.push_str(bad[(index / 150) % bad.len()]);
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
    let text = input(cases);
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
