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
