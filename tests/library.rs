//! The library's seams: a policy loaded from memory decides exactly as the same files on disk
//! (with `use` and `amends`), and a batch line is the decision JSON of the same case without
//! its policy and explanation. Both over the generated EU case mix and the shipped examples.

#[path = "../benches/common/mix.rs"]
#[allow(dead_code)]
mod mix;

use std::path::{Path, PathBuf};

use licit::{MemoryFiles, Rulebook};

/// Every `.licit` file below `dir`, read from disk into memory under the same relative path.
fn into_memory(files: &mut MemoryFiles, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("`{}` is readable", dir.display());
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            into_memory(files, &path);
        } else if path.extension().is_some_and(|ext| ext == "licit") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            files.insert(&path, text);
        }
    }
}

/// The shipped examples and the first cases of the generated mix.
fn cases() -> Vec<String> {
    let mut texts = mix::generated_cases(1_000);
    let Ok(entries) = std::fs::read_dir("examples") else {
        panic!("the examples are readable");
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        if path.extension().is_some_and(|ext| ext == "json") {
            texts.push(std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    texts
}

/// The explanation of every case as JSON, or its problems as text.
fn explained(rulebook: &Rulebook, cases: &[String]) -> Vec<String> {
    cases
        .iter()
        .map(|case| match rulebook.explain(case) {
            Ok(json) => serde_json::to_string(&json).unwrap_or_default(),
            Err(problems) => problems.text,
        })
        .collect()
}

#[test]
fn a_policy_from_memory_decides_as_the_same_files_on_disk() {
    let Ok(()) = std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")) else {
        panic!("the package's folder exists");
    };
    let mut files = MemoryFiles::new();
    into_memory(&mut files, Path::new("policies"));
    // The project's `licit.toml`, as on disk: `use` and `amends` stay inside its folder.
    files.insert("licit.toml", "");
    let cases = cases();
    // The proposal amends the rulebook, which `use`s the country lists in `policies/common`.
    for policy in [
        "policies/eu/dual-use",
        "policies/eu/proposal-2016",
        "policies/nl/national-catch-all",
    ] {
        let from_disk = match Rulebook::load(policy) {
            Ok(rulebook) => rulebook,
            Err(problems) => panic!("`{policy}` loads from disk:\n{problems}"),
        };
        let from_memory = match Rulebook::from_files(&files, policy) {
            Ok(rulebook) => rulebook,
            Err(problems) => panic!("`{policy}` loads from memory:\n{problems}"),
        };
        let disk = explained(&from_disk, &cases);
        let memory = explained(&from_memory, &cases);
        assert_eq!(disk.len(), memory.len());
        for (number, (disk, memory)) in disk.iter().zip(&memory).enumerate() {
            assert_eq!(disk, memory, "`{policy}`, case {number}");
        }
        // Not all the same answer: the cases reach many rules.
        let mut distinct = disk.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() > 100, "`{policy}`: {} kinds", distinct.len());
    }
}

#[test]
fn a_policy_from_memory_has_the_same_problems_as_on_disk() {
    let Ok(()) = std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")) else {
        panic!("the package's folder exists");
    };
    let mut files = MemoryFiles::new();
    into_memory(&mut files, Path::new("tests/diagnostics"));
    let mut compared = 0;
    for (path, broken) in [
        ("tests/diagnostics/unknown_field.licit", true),
        ("tests/diagnostics/missing_use.licit", true),
        ("tests/diagnostics/amend_unknown_rule.licit", true),
        ("tests/diagnostics/nothing-here", true),
    ] {
        let disk = Rulebook::load(path).map(|_| ()).map_err(|p| p.text);
        let memory = Rulebook::from_files(&files, path)
            .map(|_| ())
            .map_err(|p| p.text);
        assert_eq!(disk.is_err(), broken, "{path}");
        assert_eq!(disk, memory, "{path}");
        compared += 1;
    }
    assert_eq!(compared, 4);
}

#[test]
fn a_batch_line_is_the_decision_json_without_policy_and_explanation() {
    let Ok(()) = std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")) else {
        panic!("the package's folder exists");
    };
    let rulebook = match Rulebook::load("policies/eu/dual-use") {
        Ok(rulebook) => rulebook,
        Err(problems) => panic!("the EU rulebook loads:\n{problems}"),
    };
    let cases: Vec<String> = cases()
        .into_iter()
        .map(|case| case.replace('\n', " "))
        .collect();
    let input = cases.join("\n");
    let mut out = Vec::new();
    let options = licit::BatchOptions {
        as_of: None,
        explain: false,
        jobs: 2,
    };
    let summary = rulebook.decide_batch(&mut input.as_bytes(), &mut out, &options);
    assert_eq!(summary.lines, cases.len());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_default())
        .collect();
    assert_eq!(lines.len(), cases.len());
    for (number, (case, line)) in cases.iter().zip(&lines).enumerate() {
        let Ok(explained) = rulebook.explain(case) else {
            // A case that does not fit: its line says so, with its number.
            assert_eq!(line["line"], serde_json::json!(number + 1), "case {number}");
            assert!(line["errors"].is_array(), "case {number}: {line}");
            continue;
        };
        let mut expected = serde_json::to_value(&explained).unwrap_or_default();
        if let Some(object) = expected.as_object_mut() {
            object.remove("policy");
            object.remove("explanation");
            object.insert("line".to_string(), serde_json::json!(number + 1));
        }
        assert_eq!(line, &expected, "case {number}");
    }
}

/// In memory as on disk, `use` and `amends` stay inside the project: no `..` past its folder.
#[test]
fn a_policy_from_memory_cannot_leave_its_project() {
    let policy = "policy \"Escapes\" in force from 2021-01-01\nuse \"../secret.licit\"\ninput Case { date: date }\nverdicts fine\notherwise fine\n";
    let files = MemoryFiles::new()
        .with("rules/main.licit", policy)
        .with("secret.licit", "enum Secret { a }\n");
    let problems = match Rulebook::from_files(&files, "rules") {
        Ok(_) => panic!("a `use` outside the project loaded"),
        Err(problems) => problems,
    };
    assert!(
        problems.text.contains("licit::io::outside_project"),
        "{}",
        problems.text
    );
    // A `use` that leaves the project is refused as such even when nothing is there, as on
    // disk; a missing file inside the project is still a missing `use`.
    for (target, code) in [
        ("../../../../etc/passwd", "licit::io::outside_project"),
        ("/etc/passwd", "licit::io::outside_project"),
        ("missing.licit", "licit::check::missing_use"),
    ] {
        let files = MemoryFiles::new().with(
            "rules/main.licit",
            policy.replace("../secret.licit", target),
        );
        match Rulebook::from_files(&files, "rules") {
            Ok(_) => panic!("a `use` of `{target}` loaded"),
            Err(problems) => {
                assert!(problems.text.contains(code), "{target}: {}", problems.text);
                assert_eq!(problems.diagnostics.len(), 1, "{target}: {}", problems.text);
            }
        }
    }
    // With a `licit.toml` above both, the same `use` is inside the project.
    let files = files.with("licit.toml", "");
    if let Err(problems) = Rulebook::from_files(&files, "rules") {
        panic!("the project holds both files:\n{problems}");
    }
    // A file over the size limit is not read.
    let big = format!(
        "policy \"Big\" in force from 2021-01-01\n{}",
        " ".repeat(17 << 20)
    );
    let files = MemoryFiles::new().with("big.licit", big);
    match Rulebook::from_files(&files, "big.licit") {
        Ok(_) => panic!("a policy over 16 MiB loaded"),
        Err(problems) => assert!(
            problems.text.contains("licit::io::too_large"),
            "{}",
            problems.text
        ),
    }
}

/// A case that breaks an assumption of the rulebook is a problem for `decide` and `explain`
/// alike, named by the assumption and pointing at the fact; as a batch line, an error object.
#[test]
fn a_case_that_breaks_an_assumption_is_rejected() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/eu/dual-use");
    let Ok(rulebook) = Rulebook::load(path) else {
        panic!("the EU rulebook loads");
    };
    let case = r#"{"date": "2022-03-01", "activity": "export", "exporter_state": "AD",
        "destination": "CN", "item": {"annex_i": "5A002.a.1"}}"#;
    let problems = [rulebook.decide(case).err(), rulebook.explain(case).err()];
    for problem in problems {
        let Some(problem) = problem else {
            panic!("the case is rejected");
        };
        let diagnostic = &problem.diagnostics[0];
        assert_eq!(diagnostic.code, "licit::case::assumption");
        assert_eq!(
            diagnostic.message,
            "the exporter is established in a Member State"
        );
        assert!(
            problem.text.contains(r#""exporter_state": "AD""#),
            "{problem}"
        );
    }
    let mut out = Vec::new();
    let options = licit::BatchOptions {
        as_of: None,
        explain: false,
        jobs: 1,
    };
    rulebook.decide_batch(&mut case.replace('\n', " ").as_bytes(), &mut out, &options);
    let line = String::from_utf8_lossy(&out);
    assert!(
        line.contains(r#""errors""#) && line.contains("licit::case::assumption"),
        "{line}"
    );
}

/// Runs the `licit` command and returns its standard output as JSON.
fn command_json(args: &[&str]) -> serde_json::Value {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_licit"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|error| panic!("licit runs: {error}"));
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{args:?} prints JSON ({error}):\n{text}"))
}

fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("`{}` is readable", path.display()))
}

fn eu(policy: &str) -> Rulebook {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policies/eu")
        .join(policy);
    Rulebook::load(&path).unwrap_or_else(|problems| panic!("{policy} loads: {problems}"))
}

#[test]
fn the_library_answers_why_not_and_what_if_as_the_command_line() {
    let rulebook = eu("dual-use");
    for (name, verdict) in [
        ("seed-2022.json", "no_licence_required"),
        ("eu001-japan.json", "licence_required"),
        ("licence-held.json", "authorised(basis: \"EU001\")"),
        ("seed-2019.json", "licence_required"),
    ] {
        let case = example(name);
        let library = rulebook
            .why_not(&case, verdict)
            .unwrap_or_else(|problems| panic!("{name}: {problems}"));
        let path = format!("examples/{name}");
        let command = command_json(&[
            "eval",
            "policies/eu/dual-use",
            "--case",
            &path,
            "--why-not",
            verdict,
            "--format",
            "json",
        ]);
        assert_eq!(library, command, "why-not {verdict} of {name}");
    }
    let case = example("seed-2022.json");
    let changes = [("destination", serde_json::json!("JP"))];
    let library = rulebook
        .what_if(&case, &changes)
        .map(|explained| serde_json::to_value(explained).unwrap_or_default())
        .unwrap_or_else(|problems| panic!("what-if: {problems}"));
    let command = command_json(&[
        "eval",
        "policies/eu/dual-use",
        "--case",
        "examples/seed-2022.json",
        "--what-if",
        "destination=JP",
        "--format",
        "json",
    ]);
    assert_eq!(library, command);
    let Err(problems) = rulebook.what_if(&case, &[("item.no_such.field", serde_json::json!(1))])
    else {
        panic!("a field that is not there is a problem");
    };
    assert!(problems.text.contains("changed_case") || problems.text.contains("what_if_field"));
    let Err(problems) = rulebook.why_not(&case, "licence_requird") else {
        panic!("an unknown verdict is a problem");
    };
    assert!(
        problems.text.contains("licence_required"),
        "{}",
        problems.text
    );
}

#[test]
fn the_library_compares_tests_and_analyses_as_the_command_line() {
    let (old, new) = (eu("dual-use"), eu("proposal-2016"));
    let cases: Vec<licit::DiffCase> = ["seed-2022.json", "proposal-2016-human-rights.json"]
        .iter()
        .map(|name| licit::DiffCase {
            label: format!("examples/{name}"),
            json: example(name),
        })
        .collect();
    let options = licit::DiffOptions {
        cases,
        names: Some((
            "policies/eu/dual-use".to_string(),
            "policies/eu/proposal-2016".to_string(),
        )),
        ..Default::default()
    };
    let report = licit::diff(&old, &new, &options).unwrap_or_else(|p| panic!("{p}"));
    assert!(report.skipped.diagnostics.is_empty(), "{}", report.skipped);
    let dir = std::env::temp_dir().join(format!("licit-library-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    for case in &options.cases {
        let name = case.label.trim_start_matches("examples/");
        std::fs::write(dir.join(name), &case.json).unwrap_or_default();
    }
    let dir_text = dir.display().to_string();
    let mut command = command_json(&[
        "diff",
        "policies/eu/dual-use",
        "policies/eu/proposal-2016",
        "--cases",
        &dir_text,
        "--format",
        "json",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    // The command labels the cases by the files it read.
    let text = command
        .to_string()
        .replace(&format!("{dir_text}/"), "examples/");
    command = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(report.json, command);
    let listed = report.json["changed"].as_array().map_or(0, Vec::len);
    assert_eq!(report.changed, listed > 0);

    let tested = new.test();
    let command = command_json(&[
        "test",
        "policies/eu/proposal-2016",
        "--format",
        "json",
        "--coverage",
    ]);
    assert_eq!(tested.failed, 0);
    // The rulebook names its files by the path it was loaded from; the command by its own.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    let tests = tested.json["tests"].to_string().replace(root, "");
    assert_eq!(tests, command["tests"].to_string());
    assert_eq!(
        tested.passed,
        command["passed"].as_u64().unwrap_or(0) as usize
    );

    // The analysis, on a small policy with one assertion proven and one broken.
    let fixture = "tests/analyze/assert_violated.licit";
    let small = Rulebook::load(Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture))
        .unwrap_or_else(|p| panic!("{p}"));
    let analysed = small.analyze().unwrap_or_else(|p| panic!("{p}"));
    let command = command_json(&["check", "--analyze", fixture, "--format", "json"]);
    let codes = |items: Vec<Option<String>>| {
        let mut items: Vec<String> = items.into_iter().flatten().collect();
        items.sort();
        items
    };
    let library: Vec<Option<String>> = analysed
        .findings
        .diagnostics
        .iter()
        .map(|d| Some(d.code.clone()))
        .collect();
    let printed: Vec<Option<String>> = command
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|d| d["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(codes(library), codes(printed));
    assert!(
        !analysed.proven.is_empty(),
        "the EU rulebook proves its asserts"
    );
}

/// A case with thousands of unknown fields: every one is a diagnostic, and the text draws the
/// first hundred and counts the rest. (The diagnostics share one line index of the case: one per
/// error took quadratic time, over a minute for 50,000 fields. Its speed is not asserted here:
/// a timed test fails on a loaded machine.)
#[test]
fn a_case_with_thousands_of_problems_draws_the_first_hundred() {
    let rulebook = eu("dual-use");
    let mut case = String::from("{\"date\": \"2022-03-01\"");
    for field in 0..20_000 {
        case.push_str(&format!(",\n  \"unknown_{field}\": {field}"));
    }
    case.push('}');
    let problems = rulebook.decide(&case).map(|_| ()).unwrap_err();
    let unknown = problems
        .diagnostics
        .iter()
        .filter(|d| d.code == "licit::case::unknown_field")
        .count();
    assert_eq!(unknown, 20_000);
    assert!(problems.text.contains("more problems, in the diagnostics"));
}
