//! `licit schema` checked by an independent validator (the `jsonschema` crate, formats asserted):
//! every shipped example and every policy test's case fits the schema of its policy, and on the
//! broken cases of `tests/schema/broken/` the schema rejects exactly what `licit eval` rejects.
//! A broken case whose name begins `inexpressible-` breaks a rule JSON Schema cannot state (an
//! `assume` over the case, a repeated key): the test checks that the schema accepts it and licit
//! rejects it, so the gap is known rather than hidden (docs/schema.md lists it).

use std::path::Path;

use licit::Rulebook;
use licit::internals::{program, value_json};

fn root(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn load(path: &str) -> Rulebook {
    match Rulebook::load(root(path)) {
        Ok(rulebook) => rulebook,
        Err(problems) => panic!("{path} loads:\n{problems}"),
    }
}

/// The validator of a rulebook's schema, with `format` asserted (as an upstream system should
/// configure it: `"format": "date"` then rejects 2022-02-30).
fn validator(rulebook: &Rulebook) -> jsonschema::Validator {
    let schema = rulebook.schema();
    assert!(
        jsonschema::meta::is_valid(&schema),
        "the schema is a valid draft 2020-12 schema"
    );
    match jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
    {
        Ok(validator) => validator,
        Err(error) => panic!("the schema compiles: {error}"),
    }
}

fn errors(validator: &jsonschema::Validator, case: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(case)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// The policy an example is a case of: the EU rulebook unless examples/README.md says otherwise.
fn policy_of_example(name: &str) -> &'static str {
    match name {
        "example-catch-all.json" => "policies/examples/cyber-catch-all",
        "nl-measure-seed.json" => "policies/nl/national-catch-all",
        "proposal-2016-human-rights.json" => "policies/eu/proposal-2016",
        _ => "policies/eu/dual-use",
    }
}

fn json_files(folder: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root(folder))
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_example_fits_the_schema_of_its_policy_and_is_decided() {
    let examples = json_files("examples");
    assert!(examples.len() >= 20, "the examples are found");
    let mut rulebooks = std::collections::HashMap::new();
    for path in examples {
        let name = file_name(&path);
        let policy = policy_of_example(&name);
        let (rulebook, validator) = rulebooks.entry(policy).or_insert_with(|| {
            let rulebook = load(policy);
            let validator = validator(&rulebook);
            (rulebook, validator)
        });
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let case: serde_json::Value = match serde_json::from_str(&text) {
            Ok(case) => case,
            Err(error) => panic!("{name} is JSON: {error}"),
        };
        let found = errors(validator, &case);
        assert!(found.is_empty(), "{name} fits the schema: {found:?}");
        assert!(rulebook.decide(&text).is_ok(), "{name} is decided");
    }
}

#[test]
fn every_policy_tests_case_fits_the_schema_of_its_policy() {
    let mut checked = 0;
    for path in [
        "policies/eu/dual-use",
        "policies/eu/proposal-2016",
        "policies/examples/cyber-catch-all",
        "policies/nl/national-catch-all",
    ] {
        let rulebook = load(path);
        let validator = validator(&rulebook);
        let program = program(&rulebook);
        for test in &program.policy.tests {
            let Some(given) = &test.given else {
                panic!("the case of test `{}` of {path} checks", test.name);
            };
            // The case as the test gives it, its defaults filled in, as JSON.
            let case = value_json(&program, &program.constant_value(given));
            let found = errors(&validator, &case);
            assert!(
                found.is_empty(),
                "the case of test `{}` of {path} fits the schema: {found:?}\n{case}",
                test.name
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "the policies' tests are found ({checked})");
}

#[test]
fn the_schema_rejects_exactly_the_broken_cases_licit_rejects() {
    let rulebook = load("policies/eu/dual-use");
    let validator = validator(&rulebook);
    let broken = json_files("tests/schema/broken");
    assert!(broken.len() >= 20, "the broken cases are found");
    for path in broken {
        let name = file_name(&path);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let case: serde_json::Value = match serde_json::from_str(&text) {
            Ok(case) => case,
            Err(error) => panic!("{name} is JSON: {error}"),
        };
        let schema_rejects = !errors(&validator, &case).is_empty();
        let licit_rejects = rulebook.decide(&text).is_err();
        assert!(licit_rejects, "licit rejects {name}");
        match name.starts_with("inexpressible-") {
            true => assert!(
                !schema_rejects,
                "{name} is named as a case the schema cannot reject, but it does: rename it"
            ),
            false => assert!(schema_rejects, "the schema rejects {name}"),
        }
    }
}

#[test]
fn the_schema_states_fields_defaults_members_comments_and_assumptions() {
    let schema = load("policies/eu/dual-use").schema();
    let at = |pointer: &str| schema.pointer(pointer).cloned().unwrap_or_default();
    assert_eq!(
        at("/$schema"),
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        at("/required"),
        serde_json::json!(["date", "activity", "exporter_state", "destination"])
    );
    assert_eq!(at("/properties/free_zone/default"), false);
    assert_eq!(
        at("/properties/leaves_from/default"),
        serde_json::Value::Null
    );
    assert_eq!(at("/$defs/Activity/enum/0"), "export");
    assert_eq!(at("/$defs/date/format"), "date");
    assert!(
        at("/$defs/Item/properties/annex_i/description")
            .as_str()
            .is_some_and(|text| text.starts_with("Annex I entry")),
        "a field's comment is its description"
    );
    assert!(
        at("/description")
            .as_str()
            .is_some_and(|text| text.contains("the exporter is established in a Member State")),
        "the assumptions are stated"
    );
    // Whole numbers are bounded as the language bounds them.
    let small = load("tests/schema/policy").schema();
    assert_eq!(
        small.pointer("/properties/quantity/maximum"),
        Some(&serde_json::json!(2147483647))
    );
    assert_eq!(
        small.pointer("/properties/quantity/minimum"),
        Some(&serde_json::json!(-2147483647))
    );
}

#[test]
fn numbers_and_durations_agree_with_licit_within_the_language_bounds() {
    let rulebook = load("tests/schema/policy");
    let validator = validator(&rulebook);
    // (case, whether both accept it); the schema cannot see how a number is written, so `1.0`
    // is left out here and stated in docs/schema.md.
    let cases = [
        (r#"{"date": "2024-01-01", "quantity": 2147483647}"#, true),
        (r#"{"date": "2024-01-01", "quantity": -2147483647}"#, true),
        (r#"{"date": "2024-01-01", "quantity": 2147483648}"#, false),
        (r#"{"date": "2024-01-01", "quantity": 1.5}"#, false),
        (r#"{"date": "2024-01-01", "quantity": "1"}"#, false),
        (r#"{"date": "2024-01-01", "period": "5 years"}"#, true),
        (r#"{"date": "2024-01-01", "period": "1 day"}"#, true),
        (r#"{"date": "2024-01-01", "period": "5 weeks"}"#, false),
        (r#"{"date": "2024-01-01", "period": "five years"}"#, false),
        (r#"{"date": "2024-01-01", "value": "12.50"}"#, true),
        (r#"{"date": "2024-01-01", "value": 12.5}"#, true),
        (r#"{"date": "2024-01-01", "value": "twelve"}"#, false),
        // Decimals: at most 10 digits before the point and 4 after, never rounded.
        (r#"{"date": "2024-01-01", "value": 9999999999.9999}"#, true),
        (r#"{"date": "2024-01-01", "value": -9999999999.9999}"#, true),
        (
            r#"{"date": "2024-01-01", "value": "9999999999.9999"}"#,
            true,
        ),
        (
            r#"{"date": "2024-01-01", "value": "-0009999999999.99990000"}"#,
            true,
        ),
        (
            r#"{"date": "2024-01-01", "value": "0.123400000000000000000000000000000"}"#,
            true,
        ),
        (r#"{"date": "2024-01-01", "value": ".5"}"#, true),
        (r#"{"date": "2024-01-01", "value": "+5."}"#, true),
        (r#"{"date": "2024-01-01", "value": 12345678901.5}"#, false),
        (r#"{"date": "2024-01-01", "value": "12345678901.5"}"#, false),
        (r#"{"date": "2024-01-01", "value": "0.12345"}"#, false),
        (
            r#"{"date": "2024-01-01", "value": "0.100000000000000000000000000000000000001"}"#,
            false,
        ),
        (r#"{"date": "2024-01-01", "value": "1e3"}"#, false),
        (r#"{"date": "2024-01-01", "value": "."}"#, false),
        (r#"{"date": "2024-01-01", "value": " 5"}"#, false),
    ];
    for (text, accepted) in cases {
        let case: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let found = errors(&validator, &case);
        assert_eq!(
            found.is_empty(),
            accepted,
            "the schema on {text}: {found:?}"
        );
        assert_eq!(rulebook.decide(text).is_ok(), accepted, "licit on {text}");
    }
    // What docs/schema.md lists as beyond the schema: a decimal written as a JSON number with a
    // fifth digit after the point, or with an exponent, is a number within the bounds to a
    // validator; licit rejects it.
    for text in [
        r#"{"date": "2024-01-01", "value": 0.12345}"#,
        r#"{"date": "2024-01-01", "value": 1e3}"#,
    ] {
        let case: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        assert!(
            errors(&validator, &case).is_empty(),
            "the schema accepts {text}"
        );
        assert!(rulebook.decide(text).is_err(), "licit rejects {text}");
    }
}
