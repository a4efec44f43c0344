//! The EU dual-use rulebook, optionally with generated rules that never apply, and a generated
//! mix of cases for it: shared by the `rulebook` benchmark and the test that deciding agrees
//! with explaining (`tests/decide.rs`).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use licit::Date;
use licit::internals::{Program, Value, case_date, decode_case};
use licit::internals::{Source, check};

/// The first `count` cases of the mix.
pub fn generated_cases(count: usize) -> Vec<String> {
    case_mix().take(count).collect()
}

/// A deterministic, endless mix of cases in the case format: activities, destinations (EU,
/// EU001, sanctioned, others), listed and unlisted items, concerns, general authorisations,
/// licences.
pub fn case_mix() -> impl Iterator<Item = String> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let activities = [
        "export",
        "export",
        "export",
        "export",
        "transit",
        "brokering",
        "intra_eu_transfer",
        "technical_assistance",
    ];
    let destinations = [
        "CN", "JP", "US", "RU", "DE", "BY", "IR", "AU", "EG", "VE", "FR", "IS", "BR", "IN",
    ];
    let items = [
        "null",
        "null",
        "null",
        "\"5A002.a.1\"",
        "\"4A005\"",
        "\"5A004.a\"",
        "\"1C350\"",
        "\"5D001.a\"",
        "\"3A001\"",
    ];
    let concerns = [
        "[]",
        "[]",
        "[]",
        "[\"internal_repression\"]",
        "[\"wmd\"]",
        "[\"military_end_use\"]",
    ];
    let authorisations = ["[]", "[]", "[\"EU001\"]", "[\"EU001\",\"EU002\"]"];
    std::iter::repeat(()).map(move |_| {
            let licences = if next(10) == 0 {
                r#"[{"id":"NL-1","kind":"individual","items":["5A002.a.1"],"destinations":["CN"],"end_users":[],"valid_from":"2020-01-01","valid_until":"2030-12-31"}]"#
            } else {
                "[]"
            };
            format!(
                r#"{{"date":"20{:02}-{:02}-{:02}","activity":"{}","exporter_state":"NL","destination":"{}","item":{{"annex_i":{},"cyber_surveillance":{}}},"informed":{},"aware":{},"general_authorisations":{},"licences":{}}}"#,
                15 + next(10),
                1 + next(12),
                1 + next(28),
                activities[next(activities.len() as u64) as usize],
                destinations[next(destinations.len() as u64) as usize],
                items[next(items.len() as u64) as usize],
                next(3) == 0,
                concerns[next(concerns.len() as u64) as usize],
                concerns[next(concerns.len() as u64) as usize],
                authorisations[next(authorisations.len() as u64) as usize],
                licences
            )
        })
}

/// How the generated rules never apply.
#[derive(Clone, Copy)]
pub enum Never {
    /// A condition on the case's date that no case meets (`case.date > 2200-01-01`).
    Dated,
    /// A combination of concerns no case in the mix has.
    Facts,
}

/// The EU rulebook, with `extra` generated rules that never apply appended.
pub fn rulebook(extra: usize, never: Never) -> Arc<Program> {
    policy_with_rules("policies/eu/dual-use", extra, never)
}

/// A shipped policy (a path from the project's root), with `extra` generated rules that never
/// apply appended.
pub fn policy_with_rules(path: &str, extra: usize, never: Never) -> Arc<Program> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let result = licit::internals::load_and_check(&licit::OsFiles, &root)
        .unwrap_or_else(|_| panic!("the rulebook loads"));
    let mut sources: Vec<Source> = result.loaded.sources;
    if extra > 0 {
        let mut text = String::from("# Generated rules that never apply.\n");
        let countries = &policy_countries(&sources);
        for index in 0..extra {
            // Each targets one destination and reads the activity and a concern, as real rules
            // do, spread over every country; the year they wait for never comes.
            let country = &countries[index % countries.len()];
            let last = match never {
                Never::Dated => "case.date > 2200-01-01",
                Never::Facts => "illegal_military_parts in case.informed",
            };
            let _ = writeln!(
                text,
                "rule generated_{index} \"Art. {index} (generated)\"\n  when case.activity == export\n   and case.destination == {country}\n   and wmd in case.aware\n   and {last}\n  then licence_required"
            );
        }
        let (ast, errors) = licit::internals::parse(&text);
        assert!(errors.is_empty(), "{errors:?}");
        let layer = sources.iter().map(|s| s.layer).max().unwrap_or(0);
        sources.push(Source {
            name: "generated.licit".to_string(),
            text,
            ast,
            uses: Vec::new(),
            layer,
            amends_error: None,
        });
    }
    let (policy, findings) = check(&sources);
    let policy = policy.unwrap_or_else(|| panic!("the rulebook checks: {findings:?}"));
    Arc::new(Program::lower(Arc::new(policy), &[]))
}

/// The members of the `Country` enum of the rulebook's sources.
fn policy_countries(sources: &[Source]) -> Vec<String> {
    for source in sources {
        let Some(ast) = &source.ast else { continue };
        for declaration in &ast.declarations {
            if let licit::internals::ast::Declaration::Enum(decl) = declaration
                && decl.name.name == "Country"
            {
                return decl.members.iter().map(|m| m.name.clone()).collect();
            }
        }
    }
    vec!["CN".to_string()]
}

pub fn decoded(program: &Program, texts: &[String]) -> Vec<(Value, Date)> {
    texts
        .iter()
        .map(|text| {
            let case = decode_case(program, text)
                .unwrap_or_else(|_| panic!("generated case decodes: {text}"));
            let date = case_date(&program.policy, &case).unwrap_or(Date::EPOCH);
            (case, date)
        })
        .collect()
}
