//! Arbitrary bytes as a JSONL stream for the example policy: `decide_batch` never panics and
//! writes one JSON object per non-blank input line, in input order, each with its line number.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use licit::{BatchOptions, MemoryFiles, Rulebook};

const POLICY: &str = include_str!("../../policies/examples/cyber-catch-all/policy.licit");

static RULEBOOK: LazyLock<Rulebook> = LazyLock::new(|| {
    let files = MemoryFiles::new().with("policy.licit", POLICY);
    Rulebook::from_files(&files, "policy.licit").unwrap_or_else(|_| panic!("the policy checks"))
});

fuzz_target!(|data: &[u8]| {
    // The lines with a case, numbered from 1; a line of only white space is skipped.
    let expected: Vec<usize> = data
        .split(|byte| *byte == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(index, _)| index + 1)
        .collect();
    for explain in [false, true] {
        let mut out = Vec::new();
        let options = BatchOptions {
            as_of: None,
            explain,
            jobs: 2,
        };
        let summary = RULEBOOK.decide_batch(&mut &data[..], &mut out, &options);
        let out = String::from_utf8(out).unwrap_or_else(|_| panic!("the output is UTF-8"));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(summary.lines, expected.len(), "lines counted");
        assert_eq!(lines.len(), expected.len(), "lines written");
        assert!(summary.bad_lines <= summary.lines);
        for (line, number) in lines.iter().zip(&expected) {
            let json: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("an output line is not JSON ({error}): {line}"));
            assert_eq!(
                json["line"].as_u64(),
                Some(*number as u64),
                "line number: {line}"
            );
        }
    }
});
