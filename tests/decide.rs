//! Deciding without an explanation visits only the rules the epoch's rule tree leaves for a case;
//! explaining visits every rule in force. Both must reach the same decision on every case: here
//! over a generated mix of cases, on each shipped rulebook, on the realistic mix, and on the EU
//! rulebook with generated rules that make its rule tree deeper, including cases those rules
//! apply to.

#[path = "../benches/common/mix.rs"]
#[allow(dead_code)]
mod mix;

use licit::internals::{Program, Trace};
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

/// Checks that deciding and explaining agree on every case, and that an explanation written
/// into the trace of the case before (which looks again only at the entries that case wrote)
/// is the one a new trace gets; returns how many cases the generated rules decided, to show the
/// tree's deeper branches were taken.
fn agree(name: &str, program: &Program, texts: &[String]) -> usize {
    let mut trace = Trace::default();
    // Decisions made over the one before, as a batch makes them, with and without a trace.
    let (mut reused, mut reused_explained) = (program.undecided(), program.undecided());
    let mut generated = 0;
    for ((case, date), text) in decoded(program, texts).iter().zip(texts) {
        let decided = program.decide(case, *date);
        let explained = program.explain_into(case, *date, &mut trace);
        assert_eq!(
            decided, explained,
            "{name}: deciding and explaining differ on {text}"
        );
        program.decide_reusing(case, *date, None, &mut reused);
        assert_eq!(
            decided, reused,
            "{name}: a decision made over the one before differs on {text}"
        );
        let mut reused_trace = trace.clone();
        program.decide_reusing(case, *date, Some(&mut reused_trace), &mut reused_explained);
        assert_eq!(
            decided, reused_explained,
            "{name}: an explained decision made over the one before differs on {text}"
        );
        let (fresh, fresh_trace) = program.explain(case, *date);
        assert_eq!(
            fresh, explained,
            "{name}: a reused explanation differs on {text}"
        );
        assert!(
            fresh_trace == trace,
            "{name}: a reused trace differs from a new one on {text}"
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

/// The realistic mix on the EU rulebook: licences, names, several rules holding at once (whose
/// verdicts and obligations are put in rule order, from however many leaves of the rule tree
/// they came).
#[test]
fn deciding_agrees_with_explaining_on_the_realistic_mix() {
    let texts = mix::realistic_cases(3_000);
    let path = "policies/eu/dual-use";
    agree(path, &policy_with_rules(path, 0, Never::Facts), &texts);
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

/// A policy of `count` rules, each in force from its own day (every third one also until a
/// later day), written to a temporary folder and lowered.
fn rules_from_their_own_days(count: usize) -> std::sync::Arc<Program> {
    let mut text = String::from(
        "policy \"dated rules\"\n  in force from 2000-01-01\n\nenum Country { AA, BB, CC }\nenum Concern { wmd, repression }\n\ninput Case {\n  date: date\n  destination: Country\n  informed: set of Concern = {}\n}\n\nverdicts licence_required > no_licence_required\notherwise no_licence_required\n",
    );
    let day = |n: usize| day_after(2000, n);
    for index in 0..count {
        let until = match index % 3 {
            0 => format!(" until {}", day(index + 40)),
            _ => String::new(),
        };
        let destination = ["AA", "BB"][index % 2];
        text.push_str(&format!(
            "\nrule r{index} \"Art. {index}\"\n  in force from {}{until}\n  when case.destination == {destination}\n   and repression in case.informed\n  then licence_required\n",
            day(index)
        ));
    }
    lowered(&format!("dated-{count}"), &text)
}

/// The day `n` days after the first of January of a year.
#[expect(
    clippy::expect_used,
    reason = "a test should stop loudly when its own fixture cannot be built"
)]
fn day_after(year: i32, n: usize) -> licit::Date {
    use licit::Date;
    use licit::internals::Duration;
    let days = i32::try_from(n).expect("a small number of days");
    let first = Date::from_ymd(year, 1, 1).expect("a date");
    first.add(Duration { months: 0, days }, 1)
}

/// A policy from its text, written to a temporary folder, loaded and lowered.
#[expect(
    clippy::expect_used,
    reason = "a test should stop loudly when its own fixture cannot be built"
)]
fn lowered(name: &str, text: &str) -> std::sync::Arc<Program> {
    let folder = std::env::temp_dir().join(format!("licit-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    std::fs::write(folder.join("policy.licit"), text).expect("the policy is written");
    let program = policy_with_rules(folder.to_str().expect("a UTF-8 path"), 0, Never::Facts);
    let _ = std::fs::remove_dir_all(&folder);
    program
}

/// Cases on every tenth day from before the first rule to after the last, for each destination
/// and concern.
fn dated_cases(days: usize) -> Vec<String> {
    let mut texts = Vec::new();
    for n in (0..days + 90).step_by(10) {
        // From 1999-12-01, a month before the first rule.
        let date = day_after(1999, 334 + n).to_string();
        for destination in ["AA", "BB", "CC"] {
            for informed in ["[]", "[\"repression\"]"] {
                texts.push(format!(
                    r#"{{"date":"{date}","destination":"{destination}","informed":{informed}}}"#
                ));
            }
        }
    }
    texts
}

/// Epochs split at every rule's dates while that stays small; with thousands of rules each from
/// its own day they split only where values change (two epochs here, not thousands, each with a
/// copy of the rules), and deciding tests each rule's dates instead. Both decide alike.
#[test]
fn rules_from_their_own_days_decide_alike_whether_epochs_split_by_them_or_not() {
    for (count, split_by_rules) in [(300, true), (3_000, false)] {
        let program = rules_from_their_own_days(count);
        assert_eq!(
            program.epochs.len() > count,
            split_by_rules,
            "{count} rules: {} epochs",
            program.epochs.len()
        );
        agree(
            &format!("{count} dated rules"),
            &program,
            &dated_cases(count),
        );
        // r0 (AA, until 2000-02-10) decides early in 2000; r2 (AA) once r0 is out of force.
        for (date, rule) in [("2000-01-05", "r0"), ("2000-03-01", "r2")] {
            let text =
                format!(r#"{{"date":"{date}","destination":"AA","informed":["repression"]}}"#);
            let (case, date) = decoded(&program, &[text]).remove(0);
            let decided = program.decide(&case, date).decided_by;
            assert_eq!(
                decided.map(|r| program.policy.rules[r].name.as_str()),
                Some(rule)
            );
        }
    }
}

/// A sanctions list: `count` entities, each listed from its own day (every fifth delisted 30
/// days later), a rule that prohibits exports to a listed end user, and one that requires a
/// licence for an end user whose name begins with a listed one's.
fn sanctions_list(count: usize) -> std::sync::Arc<Program> {
    let day = |n: usize| day_after(2014, n);
    let members: Vec<String> = (0..count)
        .map(|n| match n % 5 {
            0 => format!("\"ENTITY-{n:05}\" from {} until {}", day(n), day(n + 30)),
            _ => format!("\"ENTITY-{n:05}\" from {}", day(n)),
        })
        .collect();
    let text = format!(
        "policy \"sanctions list\"\n  in force from 2014-01-01\n\nenum Country {{ AA, BB }}\n\ninput Case {{\n  date: date\n  destination: Country\n  end_user: text\n}}\n\nverdicts prohibited > licence_required > no_licence_required\notherwise no_licence_required\n\nset listed_entities: text = {{\n  {}\n}}\n\nrule listed \"Art. 2\"\n  when case.end_user in listed_entities\n  then prohibited\n\nrule part_of_listed \"Art. 3\"\n  when some e in listed_entities: starts_with(case.end_user, e)\n  then licence_required\n",
        members.join(",\n  ")
    );
    lowered(&format!("sanctions-{count}"), &text)
}

/// The name of the verdict a program decides on a case given as JSON text.
fn verdict_of(program: &Program, text: &str) -> String {
    let (case, date) = decoded(program, &[text.to_string()]).remove(0);
    let decision = program.decide(&case, date);
    program.policy.verdicts[decision.verdict].name.clone()
}

/// A set of texts whose members come and go on their own dates is kept once, with the dates,
/// not built again for every date (which held thousands of copies): the epochs stay few, and
/// membership follows each member's dates.
#[test]
fn a_dated_sanctions_list_is_asked_on_the_case_date() {
    let program = sanctions_list(2_000);
    assert!(program.epochs.len() < 5, "{} epochs", program.epochs.len());
    let mut texts = Vec::new();
    for (entity, date, verdict) in [
        // Listed from 2014-01-12.
        (11, "2014-01-11", "no_licence_required"),
        (11, "2014-01-12", "prohibited"),
        (11, "2020-01-01", "prohibited"),
        // Listed from 2014-01-06 until 2014-02-05, then delisted.
        (5, "2014-02-05", "prohibited"),
        (5, "2014-02-06", "no_licence_required"),
        // The last, listed from 2019-06-23; and one never listed.
        (1_999, "2019-06-22", "no_licence_required"),
        (1_999, "2019-06-23", "prohibited"),
        (2_000, "2020-01-01", "no_licence_required"),
        // A branch whose name begins with a listed entity's, by the prefix test.
        (11, "2014-01-12/BRANCH", "licence_required"),
        (11, "2014-01-11/BRANCH", "no_licence_required"),
    ] {
        let (date, branch) = date.split_once('/').unwrap_or((date, ""));
        let text = format!(
            r#"{{"date":"{date}","destination":"AA","end_user":"ENTITY-{entity:05}{branch}"}}"#
        );
        assert_eq!(verdict_of(&program, &text), verdict, "{text}");
        texts.push(text);
    }
    agree("sanctions list", &program, &texts);
}

/// A policy whose rule nests five quantifiers (more variables than are kept in place, so the
/// innermost go to the spare vector), has a `for` rule with exceptions, and keeps records until
/// the end of the year plus a period, which deciding looks up per year and period.
fn nested_quantifiers() -> std::sync::Arc<Program> {
    let text = "policy \"nested\"\n  in force from 2000-01-01\n\nenum Country { AA, BB, CC }\n\ninput Case {\n  date: date\n  destination: Country\n  parts: set of text = {}\n}\n\nverdicts licence_required > notify > no_licence_required\notherwise no_licence_required\n\nobligation keep_records(until: date)\n\nconst long_period: duration = 5 years from 2010-01-01, 3 years\nconst short_period: duration = 2 months + 10 days\n\nrule chained \"Art. 1\"\n  when some a in case.parts: (some b in case.parts: (some c in case.parts:\n         (some d in case.parts: (some e in case.parts:\n           (starts_with(b, a) and starts_with(c, b) and starts_with(d, c)\n            and starts_with(e, d) and a != e)))))\n  then licence_required\n\nrule per_part \"Art. 2\"\n  for p in case.parts\n  when starts_with(p, \"x\")\n  then notify\n\nrule not_to_cc \"Art. 3\"\n  exception to per_part\n  when case.destination == CC\n  then no_licence_required\n\nrule records \"Art. 4\"\n  when case.destination != AA\n  then keep_records(until: end_of_year(case.date) + long_period)\n\nrule short_records \"Art. 5\"\n  when case.destination == BB\n  then keep_records(until: end_of_year(case.date) - short_period)\n";
    lowered("nested", text)
}

/// Deciding agrees with explaining, and the compiled conditions with the interpreter, on cases
/// that bind five variables at once, on dates over thirty years (each year's records found
/// again after other years were asked), and on `for` rules with and without their exception.
#[test]
fn nested_quantifiers_and_yearly_records_decide_as_the_interpreter_does() {
    let program = nested_quantifiers();
    let parts = [
        "[]",
        r#"["a"]"#,
        r#"["a","ab","abc","abcd","abcde"]"#,
        r#"["x","xa","xab","xabc","y"]"#,
        r#"["q","r","s","t","u","v"]"#,
    ];
    let mut texts = Vec::new();
    for n in 0..3 {
        for year in (1995..2026).rev() {
            for (index, destination) in ["AA", "BB", "CC"].iter().enumerate() {
                let date = day_after(year, (n * 131 + index * 97) % 365).to_string();
                let parts = parts[(year as usize + index + n) % parts.len()];
                texts.push(format!(
                    r#"{{"date":"{date}","destination":"{destination}","parts":{parts}}}"#
                ));
            }
        }
    }
    agree("nested quantifiers", &program, &texts);
    for ((case, date), text) in decoded(&program, &texts).iter().zip(&texts) {
        let disagreements = program.compiled_disagreements(case, *date);
        assert!(disagreements.is_empty(), "{text}: {disagreements:?}");
    }
    let decide = |text: &str| {
        let (case, date) = decoded(&program, &[text.to_string()]).remove(0);
        program.decide(&case, date)
    };
    let chained = decide(
        r#"{"date":"2012-06-01","destination":"AA","parts":["a","ab","abc","abcd","abcde"]}"#,
    );
    assert_eq!(
        chained
            .decided_by
            .map(|r| program.policy.rules[r].name.as_str()),
        Some("chained")
    );
    // Five years from the end of 2012 (from 2010), three from the end of 2005; two months and
    // ten days before the end of 2012.
    let records = |text: &str| -> Vec<String> {
        decide(text)
            .obligations
            .iter()
            .flat_map(|obligation| obligation.args.iter().map(|arg| format!("{arg:?}")))
            .collect()
    };
    let expected = |dates: &[(i32, u32, u32)]| -> Vec<String> {
        dates
            .iter()
            .filter_map(|&(y, m, d)| licit::Date::from_ymd(y, m, d).ok())
            .map(|date| format!("{:?}", licit::internals::Value::Date(date)))
            .collect()
    };
    assert_eq!(
        records(r#"{"date":"2012-06-01","destination":"BB"}"#),
        expected(&[(2017, 12, 31), (2012, 10, 21)])
    );
    assert_eq!(
        records(r#"{"date":"2005-01-01","destination":"CC"}"#),
        expected(&[(2008, 12, 31)])
    );
    assert_eq!(
        records(r#"{"date":"2012-12-31","destination":"BB"}"#),
        expected(&[(2017, 12, 31), (2012, 10, 21)])
    );
}

/// Rules that need a text to be a member of a small set of texts, one kept with its members'
/// dates and one not, are skipped by the rule tree for a text no member shares a mark with
/// (its length, first and last bytes): every text of the same length and ends as a member,
/// the members themselves, an absent text and others decide as a plain reading of the sets
/// says, and as explaining does.
#[test]
fn rules_on_small_sets_of_texts_decide_every_text_alike() {
    let text = "policy \"texts\"\n  in force from 2010-01-01\n\nenum Country { AA, BB }\n\ninput Case {\n  date: date\n  destination: Country\n  entry: optional text\n}\n\nverdicts prohibited > licence_required > no_licence_required\notherwise no_licence_required\n\nset not_yet: text = { \"4A005\" until 2014-12-30, \"5D001.e\" until 2020-12-14 }\nset plain: text = { \"ab\", \"a1b\", \"é\" }\n\nrule early \"Art. 1\"\n  when case.entry in not_yet\n  then prohibited\n\nrule plain_to_aa \"Art. 2\"\n  when case.destination == AA\n   and case.entry in plain\n  then licence_required\n";
    let program = lowered("small-text-sets", text);
    let mut entries: Vec<Option<String>> = vec![None];
    for member in ["4A005", "5D001.e", "ab", "a1b", "é"] {
        entries.push(Some(member.to_string()));
    }
    // Same length and ends as a member, and others.
    for middle in ["A00", "B00", "X99", "D001.", "D001-", "", "1", "b"] {
        for (first, last) in [("4", "5"), ("5", "e"), ("a", "b"), ("é", "")] {
            entries.push(Some(format!("{first}{middle}{last}")));
        }
    }
    let mut texts = Vec::new();
    for entry in &entries {
        for date in ["2014-12-30", "2014-12-31", "2020-12-14", "2020-12-15"] {
            for destination in ["AA", "BB"] {
                let field = match entry {
                    Some(entry) => format!(",\"entry\":\"{entry}\""),
                    None => String::new(),
                };
                let case = format!(r#"{{"date":"{date}","destination":"{destination}"{field}}}"#);
                let expected = match entry.as_deref() {
                    Some("4A005") if date <= "2014-12-30" => "prohibited",
                    Some("5D001.e") if date <= "2020-12-14" => "prohibited",
                    Some("ab" | "a1b" | "é") if destination == "AA" => "licence_required",
                    _ => "no_licence_required",
                };
                assert_eq!(verdict_of(&program, &case), expected, "{case}");
                texts.push(case);
            }
        }
    }
    agree("small text sets", &program, &texts);
}
