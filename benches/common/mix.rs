//! The EU dual-use rulebook, optionally with generated rules that never apply, and a generated
//! mix of cases for it: shared by the `rulebook` benchmark and the test that deciding agrees
//! with explaining (`tests/decide.rs`).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use licit::Date;
use licit::internals::{Program, Value, case_date, decode_case};
use licit::internals::{Source, check};

/// A deterministic stream of draws from a seed: `next(n)` is below `n` (a 64-bit linear
/// congruential generator, its high bits).
fn draws(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    }
}

/// The first `count` cases of the mix.
pub fn generated_cases(count: usize) -> Vec<String> {
    case_mix().take(count).collect()
}

/// A deterministic, endless mix of cases in the case format: activities, destinations (EU,
/// EU001, sanctioned, others), listed and unlisted items, concerns, general authorisations,
/// licences.
pub fn case_mix() -> impl Iterator<Item = String> {
    let mut next = draws(0x9E37_79B9_7F4A_7C15);
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

/// The first `count` cases of the realistic mix.
pub fn realistic_cases(count: usize) -> Vec<String> {
    realistic_mix().take(count).collect()
}

/// A deterministic, endless mix of cases that looks like what exporters send (see
/// BENCHMARKS.md, "The realistic mix"): every activity, exporters in many Member States, every
/// destination group, named items and end users, `related_to` for software and technology,
/// free zones, every general authorisation and concern, dates from 2009 to 2026, and a licence
/// list with items, destinations and end users in about one case in five; about 340 bytes a
/// line.
pub fn realistic_mix() -> impl Iterator<Item = String> {
    let mut next = draws(0x2545_F491_4F6C_DD1D);
    let activities = [
        "export",
        "export",
        "export",
        "export",
        "intra_eu_transfer",
        "intra_eu_transfer",
        "brokering",
        "technical_assistance",
        "transit",
    ];
    let exporters = [
        "NL", "NL", "DE", "DE", "FR", "IT", "SE", "BE", "ES", "PL", "FI", "AT", "CZ", "IE",
    ];
    let destinations = [
        "US", "CN", "JP", "IN", "BR", "AE", "SG", "KR", "TR", "CH", "NO", "GB", "AU", "CA", "DE",
        "FR", "IT", "PL", "RU", "BY", "IR", "KP", "SY", "MM", "VE", "EG", "SA", "IL", "ZA", "MX",
    ];
    // (annex_i, related_to, name): listed items, software and technology for an entry, and
    // items that are not listed (no entry, a name only).
    let items: [(&str, &str, &str); 16] = [
        ("5A002.a.1", "", "Encryption module XR-200"),
        ("5A002.a", "", "Secure router SR-9 with link encryption"),
        ("4A005", "", "Network intrusion software suite"),
        ("5A004.a", "", "Cryptanalytic appliance CX-4"),
        ("1C350", "", "Thiodiglycol precursor, 25 kg drums"),
        ("3A001.a.7", "", "FPGA device series V-1100"),
        ("2B001", "", "Five-axis machining centre HMC-800"),
        ("6A003.b.4", "", "Thermal imaging camera TC-640"),
        ("9A012", "", "Unmanned aerial vehicle airframe"),
        ("5D002.c.1", "5A002.a", "Firmware for secure router SR-9"),
        ("5E002.a", "5A004.a", "Development technology for CX-4"),
        ("5D001.a", "5A001.j", "Monitoring centre software"),
        ("", "", "Industrial pump housing, stainless"),
        ("", "", "Office laptop computers, standard"),
        ("", "", "Spare parts for textile machinery"),
        ("", "", "Video surveillance recorder NVR-32"),
    ];
    let end_users = [
        ("Acme Components GmbH", "commercial"),
        ("Northern Polytechnic University", "academic"),
        ("Ministry of Public Security", "government"),
        ("Metropolitan Police Directorate", "police"),
        ("State Intelligence Bureau", "intelligence"),
        ("Armed Forces Logistics Command", "military"),
        ("Defence Systems Industries Ltd", "military_industry"),
        ("Global Trading FZE", "commercial"),
    ];
    let concerns = [
        "wmd",
        "military_end_use",
        "illegal_military_parts",
        "internal_repression",
    ];
    let authorisations = [
        "EU001", "EU002", "EU003", "EU004", "EU005", "EU006", "EU007", "EU008",
    ];
    // A list of zero to two concerns; none most of the time.
    let concern_list = move |next: &mut dyn FnMut(u64) -> u64| -> String {
        match next(10) {
            0 => format!("[\"{}\"]", concerns[next(4) as usize]),
            1 => format!(
                "[\"{}\",\"{}\"]",
                concerns[next(2) as usize],
                concerns[2 + next(2) as usize]
            ),
            _ => "[]".to_string(),
        }
    };
    std::iter::repeat(()).map(move |_| {
        let year = 2009 + next(18);
        let date = format!("{year}-{:02}-{:02}", 1 + next(12), 1 + next(28));
        let activity = activities[next(activities.len() as u64) as usize];
        let exporter = exporters[next(exporters.len() as u64) as usize];
        let destination = destinations[next(destinations.len() as u64) as usize];
        let (annex_i, related_to, name) = items[next(items.len() as u64) as usize];
        let quoted = |text: &str| {
            if text.is_empty() {
                "null".to_string()
            } else {
                format!("\"{text}\"")
            }
        };
        let (user, kind) = end_users[next(end_users.len() as u64) as usize];
        let cyber = next(6) == 0;
        let free_zone = next(12) == 0;
        let informed = concern_list(&mut next);
        let aware = concern_list(&mut next);
        let general = match next(4) {
            0 => format!("[\"{}\"]", authorisations[next(8) as usize]),
            1 => format!(
                "[\"{}\",\"{}\"]",
                authorisations[next(4) as usize],
                authorisations[4 + next(4) as usize]
            ),
            _ => "[]".to_string(),
        };
        let licences = if next(5) == 0 {
            // Mostly for this item and destination, sometimes not; valid over a stretch of
            // years around the case's date, sometimes already expired.
            let listed = if annex_i.is_empty() { name } else { annex_i };
            let covered = if next(4) == 0 { "5A002.a.1" } else { listed };
            let other = destinations[next(destinations.len() as u64) as usize];
            let start = year - next(4);
            let end = start + next(5);
            let users = match next(3) {
                0 => "[]".to_string(),
                1 => format!("[\"{user}\"]"),
                _ => format!("[\"{user}\",\"{}\"]", end_users[next(8) as usize].0),
            };
            format!(
                r#"[{{"id":"{exporter}-{}-{:05}","kind":"{}","items":["{covered}"],"destinations":["{destination}","{other}"],"end_users":{users},"valid_from":"{start}-01-01","valid_until":"{end}-12-31"}}]"#,
                year,
                next(100_000),
                if next(3) == 0 { "global" } else { "individual" },
            )
        } else {
            "[]".to_string()
        };
        // Fields at their default are mostly left out, as systems that feed cases do.
        let related_to = if related_to.is_empty() {
            String::new()
        } else {
            format!(",\"related_to\":\"{related_to}\"")
        };
        let cyber = if cyber {
            ",\"cyber_surveillance\":true"
        } else {
            ""
        };
        let free_zone = if free_zone { ",\"free_zone\":true" } else { "" };
        format!(
            r#"{{"date":"{date}","activity":"{activity}","exporter_state":"{exporter}","destination":"{destination}","item":{{"name":"{name}","annex_i":{}{related_to}{cyber}}},"end_user":{{"name":"{user}","kind":"{kind}"}},"informed":{informed},"aware":{aware}{free_zone},"general_authorisations":{general},"licences":{licences}}}"#,
            quoted(annex_i),
        )
    })
}
