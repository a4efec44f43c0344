//! The compiled conditions (`eval/compiled.rs`, what deciding, explaining and checking
//! assumptions evaluate) answer as the interpreter does on the expressions they were compiled
//! from, and read the same facts: every condition of every rule (with each member of a `for`
//! set bound) and every assumption of every shipped policy, on the cases of both benchmark mixes
//! (each on its own date and on the first day of a few epochs) and on every policy's own test
//! cases on every epoch.

use licit::Rulebook;
use licit::internals::{Program, Value};

#[path = "../benches/common/mix.rs"]
#[allow(dead_code)]
mod mix;

/// How many cases of each mix are tried.
const CASES: usize = 3000;

fn program(path: &str) -> std::sync::Arc<Program> {
    let rulebook =
        Rulebook::load(path).unwrap_or_else(|_| panic!("the shipped policy {path} loads"));
    licit::internals::program(&rulebook)
}

/// The shipped policies: every folder under `policies/` holding a `.licit` file with a
/// `policy` header that is not only used by others.
const POLICIES: [&str; 4] = [
    "policies/eu/dual-use",
    "policies/eu/proposal-2016",
    "policies/examples/cyber-catch-all",
    "policies/nl/national-catch-all",
];

#[test]
fn compiled_conditions_agree_with_the_interpreter_on_both_mixes() {
    let program = program("policies/eu/dual-use");
    let mut texts = mix::generated_cases(CASES);
    texts.extend(mix::realistic_cases(CASES));
    let cases: Vec<(Value, licit::Date)> = mix::decoded(&program, &texts);
    let starts: Vec<licit::Date> = program.epochs.iter().map(|epoch| epoch.start).collect();
    let mut problems = Vec::new();
    for (number, (case, date)) in cases.iter().enumerate() {
        // The case's own date, and that of an epoch it would not otherwise meet.
        let other = starts[number % starts.len().max(1)];
        for date in [*date, other] {
            problems.extend(
                program
                    .compiled_disagreements(case, date)
                    .into_iter()
                    .map(|problem| format!("case {number}: {problem}")),
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn compiled_conditions_agree_with_the_interpreter_on_every_policy_s_tests() {
    for path in POLICIES {
        let program = program(path);
        assert!(
            !program.policy.tests.is_empty() || path.contains("examples"),
            "{path} has tests"
        );
        let problems = program.compiled_disagreements_in_tests();
        assert!(problems.is_empty(), "{path}:\n{}", problems.join("\n"));
    }
}

/// The mixes' cases decided on the EU rulebook's amendment too (the proposal reads the same
/// case record), where they decode.
#[test]
fn compiled_conditions_agree_on_the_proposal_with_the_mixes() {
    let program = program("policies/eu/proposal-2016");
    let mut checked = 0;
    for text in mix::realistic_cases(CASES / 3) {
        let Ok(case) = licit::internals::decode_case(&program, &text) else {
            continue;
        };
        let Some(date) = licit::internals::case_date(&program.policy, &case) else {
            continue;
        };
        checked += 1;
        let problems = program.compiled_disagreements(&case, date);
        assert!(problems.is_empty(), "{text}:\n{}", problems.join("\n"));
    }
    assert!(checked > 0, "some cases decode for the proposal");
}

/// A rule with two key conditions on one fact (`case.kind in {a, c} and case.kind == b`, which
/// no case meets) among enough rules for the rule tree to split by that fact: deciding without
/// an explanation (the rule tree's candidates, a batch's plain line) tests the second condition
/// too, and concludes as explaining does (every condition evaluated) for every member.
#[test]
fn deciding_tests_every_key_condition_on_a_fact() {
    const POLICY: &str = r#"policy "Two keys on one fact"
  in force from 2021-01-01

enum Kind { a, b, c, d }

input Case {
  date: date
  kind: Kind
  flag: bool = false
}

verdicts high > mid > low
otherwise low
obligation report
obligation never

rule r0 "Art. 0"
  when case.kind == c
  then mid, report

rule r1 "Art. 1"
  when case.kind in {a, b}
  then mid

rule r2 "Art. 2"
  when case.kind == d and case.flag
  then high

rule r3 "Art. 3"
  when case.kind in {b, d}
  then report

rule r4 "Art. 4"
  when case.kind in {a, c} and case.kind == b
  then high, never

rule r5 "Art. 5"
  when case.kind == b and case.kind in {a, c, d}
  then never
"#;
    let files = licit::MemoryFiles::new().with("policy.licit", POLICY);
    let Ok(rulebook) = Rulebook::from_files(&files, "policy.licit") else {
        panic!("the policy checks");
    };
    let cases: Vec<String> = ["a", "b", "c", "d"]
        .iter()
        .flat_map(|kind| {
            [false, true]
                .map(|flag| format!(r#"{{"date":"2022-01-01","kind":"{kind}","flag":{flag}}}"#))
        })
        .collect();
    let text: String = cases.iter().map(|case| format!("{case}\n")).collect();
    let mut out = Vec::new();
    let options = licit::BatchOptions {
        as_of: None,
        explain: false,
        jobs: 1,
    };
    rulebook.decide_batch(&mut text.as_bytes(), &mut out, &options);
    let output = String::from_utf8_lossy(&out);
    for (line, case) in output.lines().zip(&cases) {
        let plain: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("a JSON line: {line}"));
        let Ok(explained) = rulebook.explain(case) else {
            panic!("{case} is explained");
        };
        let explained = serde_json::to_value(&explained).unwrap_or_default();
        for key in ["verdict", "decided_by", "obligations"] {
            assert_eq!(plain[key], explained[key], "{case}: {key}");
        }
        assert!(!line.contains("never"), "{case}: {line}");
    }
    assert_eq!(output.lines().count(), cases.len());
}
