//! The library's front door, `licit::Rulebook`, as a system embedding licit uses it: decisions
//! agree with `licit eval`, parameters are set by name, and every problem comes back as
//! diagnostics with codes and places, never as a panic. The problems are snapshots.

use licit::Rulebook;

fn root(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Loads a shipped rulebook; a test cannot go on without it.
fn eu() -> Rulebook {
    match Rulebook::load(root("policies/eu/dual-use")) {
        Ok(rulebook) => rulebook,
        Err(problems) => panic!("the EU rulebook loads:\n{problems}"),
    }
}

/// An unlisted item exported to China, the exporter informed of a military end use.
const CHINA_MILITARY: &str = r#"{"date": "2022-03-01", "activity": "export",
  "exporter_state": "NL", "destination": "CN",
  "item": {"annex_i": null, "cyber_surveillance": false}, "informed": ["military_end_use"]}"#;

#[test]
fn decides_and_explains_the_seed_case_as_the_command_line_does() {
    let rulebook = eu();
    let case = std::fs::read_to_string(root("examples/seed-2022.json")).unwrap_or_default();
    let Ok(decision) = rulebook.decide(&case) else {
        panic!("the seed case fits the rulebook");
    };
    assert_eq!(rulebook.verdict(&decision), "licence_required");
    assert_eq!(
        rulebook.decided_by(&decision),
        Some(("cyber_catch_all", "Art. 5(1) Regulation (EU) 2021/821"))
    );
    let Ok(explained) = rulebook.explain(&case) else {
        panic!("the seed case fits the rulebook");
    };
    // The same object as `licit eval --format json` prints.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_licit"))
        .args([
            "eval",
            "policies/eu/dual-use",
            "--case",
            "examples/seed-2022.json",
        ])
        .args(["--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    let printed: serde_json::Value = output
        .ok()
        .and_then(|o| serde_json::from_slice(&o.stdout).ok())
        .unwrap_or_default();
    assert_eq!(serde_json::to_value(&explained).ok(), Some(printed));
}

#[test]
fn parameters_are_set_by_name_and_dates_can_be_overridden() {
    let rulebook = eu();
    let decided = |rulebook: &Rulebook| match rulebook.decide(CHINA_MILITARY) {
        Ok(decision) => rulebook.verdict(&decision).to_string(),
        Err(problems) => panic!("{problems}"),
    };
    assert_eq!(decided(&rulebook), "no_licence_required");
    // With China counted as under an arms embargo, Art. 4(1)(b) requires a licence.
    let Ok(with_china) = rulebook.with_params(&[("china_counts_as_arms_embargo", "true")]) else {
        panic!("the parameter exists");
    };
    assert_eq!(decided(&with_china), "licence_required");
    // Before the 2021/821 regulation, 428/2009 decides: the same article, numbered 4(2).
    let Ok(before) = licit::Date::from_ymd(2019, 6, 1) else {
        panic!("a date");
    };
    let Ok(decision) = with_china.decide_as_of(CHINA_MILITARY, before) else {
        panic!("the case fits the rulebook");
    };
    assert_eq!(
        with_china
            .decided_by(&decision)
            .map(|(_, citation)| citation),
        Some("Art. 4(2) Regulation (EC) No 428/2009")
    );
}

#[test]
fn problems_are_diagnostics() {
    let rulebook = eu();
    let mut transcript = String::new();
    let mut show = |what: &str, result: Result<String, licit::Problems>| {
        let text = match result {
            Ok(ok) => format!("ok: {ok}\n"),
            Err(problems) => {
                let codes: Vec<&str> = problems
                    .diagnostics
                    .iter()
                    .map(|d| d.code.as_str())
                    .collect();
                format!("codes: {}\n{}", codes.join(", "), problems.text)
            }
        };
        transcript.push_str(&format!("=== {what}\n{text}\n"));
    };
    show(
        "a path with no policy",
        Rulebook::load("tests/cases").map(|_| String::new()),
    );
    show(
        "a policy with errors",
        Rulebook::load("tests/diagnostics/unknown_field.licit").map(|_| String::new()),
    );
    show(
        "a folder of several policies",
        Rulebook::load("policies").map(|_| String::new()),
    );
    show(
        "an unknown parameter",
        rulebook
            .with_params(&[("china_is_embargoed", "true")])
            .map(|_| String::new()),
    );
    show(
        "a parameter of the wrong type",
        rulebook
            .with_params(&[("china_counts_as_arms_embargo", "yes")])
            .map(|_| String::new()),
    );
    show(
        "a case with an unknown country",
        rulebook
            .decide(&CHINA_MILITARY.replace("\"CN\"", "\"XX\""))
            .map(|d| rulebook.verdict(&d).to_string()),
    );
    show(
        "a case without a date",
        rulebook
            .decide(&CHINA_MILITARY.replace("\"date\": \"2022-03-01\",", ""))
            .map(|d| rulebook.verdict(&d).to_string()),
    );
    show(
        "truncated JSON",
        rulebook
            .explain(&CHINA_MILITARY[..40])
            .map(|d| d.verdict.kind.to_string()),
    );
    insta::assert_snapshot!(transcript);
}

#[test]
fn one_rulebook_serves_many_threads() {
    fn shareable<T: Send + Sync + Clone>(_: &T) {}
    let rulebook = eu();
    shareable(&rulebook);
    let verdicts: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| match rulebook.decide(CHINA_MILITARY) {
                    Ok(decision) => rulebook.verdict(&decision).to_string(),
                    Err(problems) => problems.to_string(),
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_default())
            .collect()
    });
    assert_eq!(verdicts, vec!["no_licence_required"; 4]);
}

/// A parameter whose default a dated amendment changes keeps its dates when another parameter
/// is set: before the amendment's date the base's default, from it the amendment's.
#[test]
fn setting_a_parameter_keeps_the_dates_of_an_amended_one() {
    let Ok(rulebook) = Rulebook::load(root("tests/commands/amendment-dates/amended")) else {
        panic!("the amended policy loads");
    };
    // `strict` is false before 2023-01-01 and true from it; `export_licence` then applies to a
    // value over 1000 wherever it goes, and decides before the rule the amendment adds.
    let case = |date: &str| format!(r#"{{"date": "{date}", "destination": "US", "value": 2000}}"#);
    for rulebook in [
        &rulebook,
        &rulebook.with_params(&[]).unwrap_or_else(|p| panic!("{p}")),
    ] {
        let decided_by = |date: &str| match rulebook.decide(&case(date)) {
            Ok(decision) => rulebook
                .decided_by(&decision)
                .map(|(name, _)| name.to_string()),
            Err(problems) => panic!("{problems}"),
        };
        assert_eq!(decided_by("2022-12-31"), None);
        assert_eq!(decided_by("2023-01-01").as_deref(), Some("export_licence"));
    }
}
