//! Data-driven tests of the `licit` command: every input file under `tests/` is run through the
//! binary and its exit code and output are compared with an insta snapshot.

use std::path::Path;
use std::process::Command;

/// Runs `licit` with arguments from the package root; returns the exit code, stdout and stderr.
#[expect(
    clippy::expect_used,
    reason = "a test should stop loudly when the binary cannot run"
)]
fn licit(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_licit"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .expect("the licit binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The path of a test input relative to the package root, with `/` separators.
fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn transcript(command: &str, input: &str, (code, stdout, stderr): (i32, String, String)) -> String {
    format!(
        "$ {command}\n--- input ---\n{input}\n--- exit code: {code} ---\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
    )
}

/// Each file in `tests/diagnostics/` shows one diagnostic of `licit check`.
#[test]
fn check_diagnostics() {
    insta::glob!("diagnostics", "*.licit", |path| {
        let file = relative(path);
        let input = std::fs::read_to_string(path).expect("input is readable");
        let result = licit(&["check", &file]);
        assert_ne!(result.0, 0, "{file} should not check clean");
        insta::assert_snapshot!(transcript(&format!("licit check {file}"), &input, result));
    });
}

/// Each file in `tests/cases/` is a case for the example policy, decided as text and as JSON.
#[test]
fn eval_cases() {
    insta::glob!("cases", "*.json", |path| {
        let file = relative(path);
        let input = std::fs::read_to_string(path).expect("input is readable");
        let policy = "policies/examples/cyber-catch-all";
        let text = licit(&["eval", policy, "--case", &file]);
        let json = licit(&["eval", policy, "--case", &file, "--format", "json"]);
        let snapshot = format!(
            "{}\n{}",
            transcript(&format!("licit eval {policy} --case {file}"), &input, text),
            transcript(
                &format!("licit eval {policy} --case {file} --format json"),
                "(as above)",
                json
            )
        );
        insta::assert_snapshot!(snapshot);
    });
}

/// Each line of a file in `tests/commands/` is a command line; the snapshot shows what each
/// printed and its exit code.
#[test]
fn commands() {
    insta::glob!("commands", "*.txt", |path| {
        let script = std::fs::read_to_string(path).expect("input is readable");
        let mut snapshot = String::new();
        for line in script
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let args: Vec<&str> = line.split_whitespace().skip(1).collect();
            let result = licit(&args);
            snapshot.push_str(&transcript(line, "", result));
            snapshot.push('\n');
        }
        insta::assert_snapshot!(snapshot);
    });
}

/// Every shipped policy checks without errors and its tests pass.
#[test]
fn shipped_policies_pass_their_tests() {
    let (code, stdout, stderr) = licit(&["test", "policies"]);
    assert_eq!(code, 0, "licit test policies failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
