//! Deciding without an explanation visits only the rules the epoch's rule tree leaves for a case;
//! explaining visits every rule in force. Both must reach the same decision on every case: here
//! over a generated mix of cases, on each shipped rulebook, and on the EU rulebook with generated
//! rules that make its rule tree deeper, including cases those rules apply to.

#[path = "../benches/common/mix.rs"]
#[allow(dead_code)]
mod mix;

use licit::eval::{Program, Trace};
use mix::{Never, decoded, generated_cases, policy_with_rules};

/// The generated mix, and the same cases with the concerns the generated rules need.
fn cases() -> Vec<String> {
    let mut texts = generated_cases(3_000);
    let concerned: Vec<String> = texts
        .iter()
        .step_by(3)
        .filter_map(|text| {
            let mut case: serde_json::Value = serde_json::from_str(text).ok()?;
            case["aware"] = serde_json::json!(["wmd"]);
            case["informed"] = serde_json::json!(["illegal_military_parts", "wmd"]);
            Some(case.to_string())
        })
        .collect();
    texts.extend(concerned);
    texts
}

/// Checks that deciding and explaining agree on every case; returns how many cases the
/// generated rules decided, to show the tree's deeper branches were taken.
fn agree(name: &str, program: &Program, texts: &[String]) -> usize {
    let mut trace = Trace::default();
    let mut generated = 0;
    for ((case, date), text) in decoded(program, texts).iter().zip(texts) {
        let decided = program.decide(case, *date);
        let explained = program.explain_into(case, *date, &mut trace);
        assert_eq!(
            decided, explained,
            "{name}: deciding and explaining differ on {text}"
        );
        let (fresh, _) = program.explain(case, *date);
        assert_eq!(
            fresh, explained,
            "{name}: a reused explanation differs on {text}"
        );
        let by_generated = decided
            .decided_by
            .is_some_and(|rule| program.policy.rules[rule].name.starts_with("generated_"));
        generated += usize::from(by_generated);
    }
    generated
}

#[test]
fn deciding_agrees_with_explaining_on_every_shipped_rulebook() {
    let texts = cases();
    for path in [
        "policies/eu/dual-use",
        "policies/eu/proposal-2016",
        "policies/nl/national-catch-all",
    ] {
        agree(path, &policy_with_rules(path, 0, Never::Facts), &texts);
    }
}

#[test]
fn deciding_agrees_with_explaining_when_the_rule_tree_is_deep() {
    let texts = cases();
    let program = policy_with_rules("policies/eu/dual-use", 600, Never::Facts);
    let generated = agree("EU + 600 generated rules", &program, &texts);
    assert!(
        generated > 0,
        "no case was decided by a generated rule, so their branches were not tested"
    );
}
