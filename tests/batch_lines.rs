//! A batch through the library's front door, read and ordered as its input: more lines than a
//! chunk holds, read through a buffer smaller than a line (so lines and their `\r\n` straddle
//! its blocks), with blank lines, a line that is not UTF-8, one longer than 1 MiB and a last
//! line without its line end. On one thread or two, every line's output is in input order with
//! its number, and a case's is what the same case gives as a batch of its own.

use std::io::BufReader;

use licit::{BatchOptions, MemoryFiles, Rulebook};

const POLICY: &str = include_str!("../policies/examples/cyber-catch-all/policy.licit");

/// Cases of the example policy: a licence required, a catch-all, none required.
const CASES: [&str; 3] = [
    r#"{"date": "2022-05-10", "activity": "export", "destination": "CN", "item": {"name": "network encryption appliance", "annex_i": "5A002.a.1"}}"#,
    r#"{"date": "2022-03-01", "activity": "export", "destination": "CN", "item": {"name": "emotion recognition software", "annex_i": null, "cyber_surveillance": true}, "informed": ["internal_repression"]}"#,
    r#"{"date": "2019-06-01", "activity": "export", "destination": "JP", "item": {"name": "router", "annex_i": null}}"#,
];

/// The lines of the batch; every thousandth (from the 500th) is not UTF-8, every thousandth
/// from the 700th is longer than 1 MiB, and every 97th is blank.
const LINES: usize = 10_000;

/// What a line of the batch holds.
enum Line {
    Case(usize),
    Blank,
    NotUtf8,
    TooLong,
}

fn line(number: usize) -> Line {
    match number {
        n if n % 1000 == 500 => Line::NotUtf8,
        n if n % 1000 == 700 => Line::TooLong,
        n if n % 97 == 0 => Line::Blank,
        n => Line::Case(n % CASES.len()),
    }
}

/// The batch's bytes: some lines end in `\r\n`, the last in nothing.
fn input() -> Vec<u8> {
    let mut input = Vec::new();
    for number in 1..=LINES {
        match line(number) {
            Line::Case(case) => input.extend_from_slice(CASES[case].as_bytes()),
            Line::Blank => input.extend_from_slice(b" \t "),
            Line::NotUtf8 => input.extend_from_slice(b"{\"date\": \"2022-05-10\xff\"}"),
            Line::TooLong => {
                input.extend_from_slice(b"{\"padding\": \"");
                input.resize(input.len() + (1 << 20), b'x');
                input.extend_from_slice(b"\"}");
            }
        }
        if number < LINES {
            input.extend_from_slice(if number % 5 == 0 { b"\r\n" } else { b"\n" });
        }
    }
    input
}

fn decide(rulebook: &Rulebook, input: &[u8], capacity: usize, jobs: usize) -> String {
    let options = BatchOptions {
        as_of: None,
        explain: false,
        jobs,
    };
    let mut out = Vec::new();
    let mut reader = BufReader::with_capacity(capacity, input);
    let summary = rulebook.decide_batch(&mut reader, &mut out, &options);
    let cases = (1..=LINES)
        .filter(|n| !matches!(line(*n), Line::Blank))
        .count();
    assert_eq!(summary.lines, cases, "{jobs} jobs");
    assert_eq!(summary.bad_lines, 20, "{jobs} jobs");
    String::from_utf8(out).unwrap_or_else(|_| panic!("the output is UTF-8"))
}

#[test]
fn a_long_batch_read_in_small_blocks_is_decided_in_input_order() {
    let files = MemoryFiles::new().with("policy.licit", POLICY);
    let Ok(rulebook) = Rulebook::from_files(&files, "policy.licit") else {
        panic!("the example policy checks");
    };
    // Each case decided as a batch of one line: the line every copy of it gets, but for its
    // number.
    let alone: Vec<String> = CASES
        .iter()
        .map(|case| decide_one(&rulebook, case))
        .collect();
    let input = input();
    let on_one_thread = decide(&rulebook, &input, 1 << 16, 1);
    for (capacity, jobs) in [(100, 1), (100, 2), (1 << 16, 2)] {
        let output = decide(&rulebook, &input, capacity, jobs);
        assert!(
            output == on_one_thread,
            "a buffer of {capacity} bytes, {jobs} jobs"
        );
    }
    let mut written = on_one_thread.lines();
    for number in 1..=LINES {
        let expected_code = match line(number) {
            Line::Blank => continue,
            Line::Case(case) => {
                let expected =
                    alone[case].replacen("{\"line\":1,", &format!("{{\"line\":{number},"), 1);
                assert_eq!(written.next(), Some(expected.as_str()), "line {number}");
                continue;
            }
            Line::NotUtf8 => "licit::io::not_utf8",
            Line::TooLong => "licit::io::too_large",
        };
        let json: serde_json::Value =
            serde_json::from_str(written.next().unwrap_or_default()).unwrap_or_default();
        assert_eq!(json["line"], serde_json::json!(number), "line {number}");
        assert_eq!(
            json["errors"][0]["code"],
            serde_json::json!(expected_code),
            "line {number}"
        );
    }
    assert_eq!(written.next(), None);
}

/// The output of a batch of the one line `case`, without its line end.
fn decide_one(rulebook: &Rulebook, case: &str) -> String {
    let options = BatchOptions {
        as_of: None,
        explain: false,
        jobs: 1,
    };
    let mut out = Vec::new();
    rulebook.decide_batch(&mut case.as_bytes(), &mut out, &options);
    let out = String::from_utf8_lossy(&out);
    assert!(
        out.starts_with("{\"line\":1,") && out.ends_with("}\n"),
        "{out}"
    );
    out.trim_end().to_string()
}
