//! Deep and long inputs, generated here rather than stored: types nested thousands deep, long
//! cycles and chains of exceptions, constants and sets, a case of nested brackets. Each ends in a
//! diagnostic with its code or in a decision, never in a stack overflow. Each runs on a thread
//! with a small stack, so that a pass which recurses once per level fails here, not only on
//! inputs a hundred times larger.

use licit::{MemoryFiles, Rulebook};

/// The stack each test's work runs on: far less than a main thread's.
const SMALL_STACK: usize = 512 * 1024;

/// The head of every generated policy: an input, two verdicts.
const HEAD: &str = "policy \"Deep\" in force from 2021-01-01\n\
    enum Country { CN, JP }\n\
    input Case {\n  date: date\n  destination: Country\n}\n\
    verdicts licence_required > no_licence_required\n\
    otherwise no_licence_required\n";

/// A case the generated policies decide.
const CASE: &str = r#"{"date": "2022-01-01", "destination": "CN"}"#;

/// Runs `work` on a thread with a small stack and returns what it returns.
fn on_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let thread = std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(work);
    match thread.map(|handle| handle.join()) {
        Ok(Ok(value)) => value,
        _ => panic!("the work on a small stack did not finish"),
    }
}

/// The codes of the problems loading a policy from memory reports (empty when it loads).
fn codes(policy: String) -> Vec<String> {
    on_small_stack(move || {
        let files = MemoryFiles::new().with("deep.licit", policy);
        match Rulebook::from_files(&files, "deep.licit") {
            Ok(_) => Vec::new(),
            Err(problems) => problems.diagnostics.into_iter().map(|d| d.code).collect(),
        }
    })
}

/// A record with one field of `prefix` repeated `levels` times around `int`.
fn nested_type(prefix: &str, levels: usize) -> String {
    format!(
        "{HEAD}record Deep {{ field: {}int }}\nrule r \"Art. 1\"\n  when case.destination == CN\n  then licence_required\n",
        prefix.repeat(levels)
    )
}

/// Rules `r0`…: each an exception to the one before; with `cycle`, `r0` to the last.
fn exceptions(count: usize, cycle: bool) -> String {
    let mut policy = HEAD.to_string();
    for index in 0..count {
        let verdict = ["licence_required", "no_licence_required"][index % 2];
        policy.push_str(&format!("rule r{index} \"Art. {index}\"\n"));
        if index > 0 || cycle {
            let base = (index + count - 1) % count;
            policy.push_str(&format!("  exception to r{base}\n"));
        }
        policy.push_str(&format!(
            "  when case.destination == CN\n  then {verdict}\n"
        ));
    }
    policy
}

/// Constants `c0`…, each defined by the next, twice, so that evaluating on demand would take
/// exponential time; the last is 1, or with `cycle`, defined by `c0`.
fn constants(count: usize, cycle: bool) -> String {
    let mut policy = HEAD.to_string();
    for index in 0..count {
        let next = (index + 1) % count;
        let value = if index + 1 < count || cycle {
            // Read twice, and bounded so that the checker's range of whole numbers holds.
            format!("if c{next} > 0 then c{next} else 1")
        } else {
            "1".to_string()
        };
        policy.push_str(&format!("const c{index}: int = {value}\n"));
    }
    policy.push_str("set S = { c0 }\n");
    policy.push_str(
        "rule r \"Art. 1\"\n  when case.destination == CN and c0 in S\n  then licence_required\n",
    );
    policy
}

#[test]
fn types_nested_thousands_deep_are_a_syntax_error() {
    for prefix in ["optional ", "set of ", "optional set of "] {
        let found = codes(nested_type(prefix, 25_000));
        assert_eq!(found, ["licit::syntax::type_too_deep"], "{prefix}");
    }
    // Up to the limit, types nest.
    assert_eq!(codes(nested_type("optional ", 64)), Vec::<String>::new());
    assert_eq!(
        codes(nested_type("optional ", 65)),
        ["licit::syntax::type_too_deep"]
    );
}

#[test]
fn a_long_cycle_of_exceptions_is_reported_without_recursion() {
    let found = codes(exceptions(3_000, true));
    assert!(
        found.contains(&"licit::check::exception_cycle".to_string()),
        "{found:?}"
    );
}

#[test]
fn a_chain_of_exceptions_is_at_most_64_long() {
    assert_eq!(codes(exceptions(65, false)), Vec::<String>::new());
    assert_eq!(
        codes(exceptions(66, false)),
        ["licit::check::exception_too_deep"]
    );
    assert_eq!(
        codes(exceptions(3_000, false)),
        ["licit::check::exception_too_deep"]
    );
}

#[test]
fn long_chains_of_constants_are_checked_and_built_in_order() {
    // Each constant read twice by the one before: 2^60 evaluations if evaluated on demand.
    let decided = on_small_stack(|| {
        let files = MemoryFiles::new().with("deep.licit", constants(60, false));
        Rulebook::from_files(&files, "deep.licit")
            .ok()
            .and_then(|rulebook| {
                let decision = rulebook.decide(CASE).ok()?;
                Some(rulebook.verdict(&decision).to_string())
            })
    });
    assert_eq!(decided.as_deref(), Some("licence_required"));
    // A long chain loads; a long cycle is one error, at the constant that closes it.
    assert_eq!(codes(constants(3_000, false)), Vec::<String>::new());
    let cycles = codes(constants(3_000, true))
        .into_iter()
        .filter(|code| code == "licit::check::definition_cycle")
        .count();
    assert_eq!(cycles, 1);
}

#[test]
fn a_case_of_a_hundred_thousand_brackets_is_a_diagnostic() {
    let found = on_small_stack(|| {
        let files = MemoryFiles::new().with("deep.licit", exceptions(1, false));
        let Ok(rulebook) = Rulebook::from_files(&files, "deep.licit") else {
            panic!("the policy loads");
        };
        match rulebook.decide(&"[".repeat(100_000)) {
            Ok(_) => Vec::new(),
            Err(problems) => problems
                .diagnostics
                .into_iter()
                .map(|d| d.code)
                .collect::<Vec<_>>(),
        }
    });
    assert_eq!(found, ["licit::case::json_too_deep"]);
}

/// A case with thousands of unknown fields: the command line draws the first hundred problems
/// and counts the rest (drawing each costs the case's length), and `--format json` lists all.
#[test]
fn a_case_with_thousands_of_problems_draws_a_hundred_and_counts_the_rest() {
    let dir = std::env::temp_dir().join(format!("licit-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|_| panic!("a temporary folder"));
    std::fs::write(dir.join("deep.licit"), HEAD).unwrap_or_else(|_| panic!("the policy"));
    let fields: Vec<String> = (0..5_000).map(|i| format!("\"k{i}\": {i}")).collect();
    let case = format!(
        "{{\"date\": \"2022-01-01\", \"destination\": \"CN\", {}}}",
        fields.join(", ")
    );
    std::fs::write(dir.join("case.json"), case).unwrap_or_else(|_| panic!("the case"));
    let run = |json: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_licit"));
        command
            .arg("eval")
            .arg(dir.join("deep.licit"))
            .arg("--case")
            .arg(dir.join("case.json"))
            .args(["--color", "never"]);
        if json {
            command.args(["--format", "json"]);
        }
        command.output().unwrap_or_else(|_| panic!("licit runs"))
    };
    let human = run(false);
    assert_eq!(human.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert_eq!(stderr.matches("licit::case::unknown_field").count(), 100);
    assert!(stderr.contains("… and 4900 more problems"), "{stderr}");
    let json = run(true);
    let answer: serde_json::Value =
        serde_json::from_slice(&json.stdout).unwrap_or_else(|_| panic!("a JSON answer"));
    assert_eq!(answer["errors"].as_array().map(Vec::len), Some(5_000));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A policy whose condition has thousands of constant terms, each a warning, and one error at
/// its end: `check` draws a hundred problems, the error among them, and counts the rest (it
/// drew all, each costing the file's length: 24 s for 16,000), and `--format json` lists all
/// (it made a line index of the file for each: 4 s).
#[test]
fn a_policy_with_thousands_of_warnings_draws_a_hundred_the_error_among_them() {
    let dir = std::env::temp_dir().join(format!("licit-limits-warnings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|_| panic!("a temporary folder"));
    let terms = vec!["true"; 16_000].join("\n   and ");
    let policy = format!(
        "{HEAD}rule r \"Art. 1\"\n  when {terms}\n  then licence_required\nconst n: int = 99999999999999999999\n"
    );
    std::fs::write(dir.join("deep.licit"), policy).unwrap_or_else(|_| panic!("the policy"));
    let run = |json: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_licit"));
        command
            .arg("check")
            .arg(dir.join("deep.licit"))
            .args(["--color", "never"]);
        if json {
            command.args(["--format", "json"]);
        }
        command.output().unwrap_or_else(|_| panic!("licit runs"))
    };
    let human = run(false);
    assert_eq!(human.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert_eq!(
        stderr.matches("licit::check::constant_condition").count(),
        99
    );
    assert_eq!(stderr.matches("licit::syntax::number_too_large").count(), 1);
    assert!(stderr.contains("… and 15902 more problems"), "{stderr}");
    let json = run(true);
    let answer: serde_json::Value =
        serde_json::from_slice(&json.stdout).unwrap_or_else(|_| panic!("a JSON answer"));
    assert_eq!(answer.as_array().map(Vec::len), Some(16_002));
    let _ = std::fs::remove_dir_all(&dir);
}
