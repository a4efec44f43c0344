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

/// `check --format json` puts every problem in its array, a file that cannot be read too: a
/// policy folder with a file that is not UTF-8, beside a policy with a check error.
#[test]
fn check_json_holds_io_errors() {
    let root = std::env::temp_dir().join(format!("licit-cli-{}-check-json-io", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let broken = root.join("broken");
    std::fs::create_dir_all(&broken).expect("a temporary folder");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/examples/cyber-catch-all/policy.licit"),
        broken.join("policy.licit"),
    )
    .expect("the example copies");
    std::fs::write(broken.join("y.licit"), b"\xff\xfe").expect("a file that is not UTF-8");
    let broken = broken.to_string_lossy().into_owned();
    let (code, stdout, stderr) = licit(&[
        "check",
        &broken,
        "tests/diagnostics/unknown_field.licit",
        "--format",
        "json",
    ]);
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(code, 3, "{stderr}");
    let diagnostics: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON array");
    let codes: Vec<&str> = diagnostics
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|diagnostic| diagnostic["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["licit::io::not_utf8", "licit::check::unknown_field"],
        "{stdout}"
    );
}

/// Every shipped policy checks without errors and its tests pass.
#[test]
fn shipped_policies_pass_their_tests() {
    let (code, stdout, stderr) = licit(&["test", "policies"]);
    assert_eq!(code, 0, "licit test policies failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

/// Each file in `tests/analyze/` shows one finding of `licit check --analyze`.
#[test]
fn analysis_findings() {
    insta::glob!("analyze", "*.licit", |path| {
        let file = relative(path);
        let input = std::fs::read_to_string(path).expect("input is readable");
        let result = licit(&["check", "--analyze", &file]);
        insta::assert_snapshot!(transcript(
            &format!("licit check --analyze {file}"),
            &input,
            result
        ));
    });
}

/// The witness of every finding, decided by `licit eval`, really shows the finding.
#[test]
fn analysis_witnesses_show_their_findings() {
    let mut checked = 0;
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/analyze"))
        .expect("folder")
    {
        let path = entry.expect("entry").path();
        let file = relative(&path);
        let (_, stdout, _) = licit(&["check", "--analyze", "--format", "json", &file]);
        let diagnostics: Vec<serde_json::Value> =
            serde_json::from_str(&stdout).expect("JSON diagnostics");
        for diagnostic in diagnostics {
            let code = diagnostic["code"].as_str().unwrap_or_default().to_string();
            let help = diagnostic["help"].as_str().unwrap_or_default();
            let Some(json) = help
                .strip_prefix("for example: ")
                .and_then(|rest| rest.lines().next())
            else {
                continue;
            };
            let label = diagnostic["labels"][0]["message"]
                .as_str()
                .unwrap_or_default();
            let names: Vec<String> = format!(
                "{} {label}",
                diagnostic["message"].as_str().unwrap_or_default()
            )
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
            let case = std::env::temp_dir().join(format!(
                "licit-witness-{}-{checked}.json",
                std::process::id()
            ));
            std::fs::write(&case, json).expect("witness written");
            let (_, decision, _) = licit(&[
                "eval",
                &file,
                "--case",
                case.to_str().expect("path"),
                "--format",
                "json",
            ]);
            let decision: serde_json::Value =
                serde_json::from_str(&decision).expect("decision JSON");
            let status = |rule: &str| {
                decision["explanation"]
                    .as_array()
                    .and_then(|rules| rules.iter().find(|r| r["rule"] == rule))
                    .map(|r| r["status"].as_str().unwrap_or_default().to_string())
                    .unwrap_or_default()
            };
            let decided_by = decision["decided_by"]["rule"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            match code.as_str() {
                "licit::analyze::always_masked" => {
                    assert_ne!(decided_by, names[0], "{file}: the masked rule decided");
                    assert!(
                        ["applied", "suppressed"].contains(&status(&names[0]).as_str()),
                        "{file}: {decision}"
                    );
                }
                "licit::analyze::exception_never_bites" => {
                    assert_eq!(
                        status(&names[0]),
                        "base_not_applicable",
                        "{file}: {decision}"
                    );
                }
                "licit::analyze::redundant" | "licit::analyze::conflict" => {
                    assert_eq!(status(&names[0]), "applied", "{file}: {decision}");
                    assert_eq!(status(&names[1]), "applied", "{file}: {decision}");
                }
                "licit::analyze::assert_violated" => {
                    assert!(
                        decision["verdict"]["kind"].is_string(),
                        "{file}: {decision}"
                    );
                }
                other => panic!("{file}: a witness for an unexpected finding {other}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} witnesses were checked");
}

/// Runs `licit` in a folder, stopping it after 60 seconds (a loop is a failure, not a hang).
#[cfg(unix)]
#[expect(
    clippy::expect_used,
    reason = "a test should stop loudly when the binary cannot run"
)]
fn licit_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_licit"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the licit binary runs");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("licit {args:?} ran for more than 60 seconds");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Symbolic links made at run time (they are not committed): folders that link to
/// themselves are walked once, and a `use` or `amends` that leaves the project — by `..`, an
/// absolute path or a link — is reported at the path and not read.
#[cfg(unix)]
#[test]
fn links_and_the_project_root() {
    use std::os::unix::fs::symlink;
    let root = std::env::temp_dir().join(format!("licit-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let policy = "policy \"Linked\" in force from 2021-01-01\nuse \"countries.licit\"\ninput Case { date: date, destination: Country }\nverdicts fine\notherwise fine\n\ntest \"fine\" {\n  given { date: 2022-01-01, destination: JP }\n  expect fine\n}\n";
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder made");
        std::fs::write(path, text).expect("file written");
    };
    write("loop/policy.licit", policy);
    write("loop/countries.licit", "enum Country { CN, JP }\n");
    write(
        "loop/case.json",
        "{\"date\": \"2022-01-01\", \"destination\": \"JP\"}\n",
    );
    symlink(".", root.join("loop/a")).expect("link");
    symlink(".", root.join("loop/b")).expect("link");
    symlink("..", root.join("loop/up")).expect("link");
    write("secret.licit", "enum Country { CN, JP }\n");
    write(
        "escape/dots/policy.licit",
        &policy.replace("countries.licit", "../../secret.licit"),
    );
    write(
        "escape/absolute/policy.licit",
        &policy.replace("countries.licit", "/dev/zero"),
    );
    write(
        "escape/linked/policy.licit",
        &policy.replace("countries.licit", "link.licit"),
    );
    symlink("../../secret.licit", root.join("escape/linked/link.licit")).expect("link");
    write(
        "escape/amends/policy.licit",
        "policy \"Amends the root\" amends \"/\" in force from 2021-01-01\n",
    );
    // With a `licit.toml` above them, the same `..` stays inside the project.
    write("project/licit.toml", "");
    write(
        "project/common/countries.licit",
        "enum Country { CN, JP }\n",
    );
    write(
        "project/rules/policy.licit",
        &policy.replace("countries.licit", "../common/countries.licit"),
    );
    let commands: [&[&str]; 11] = [
        &["check", "loop"],
        &["test", "loop"],
        &["fmt", "--check", "loop"],
        &["diff", "loop", "loop", "--cases", "loop"],
        &["check", "escape/dots"],
        &["check", "escape/absolute"],
        &["check", "escape/linked"],
        &["check", "escape/amends"],
        &["check", "project/rules"],
        &["eval", "escape/dots", "--case", "loop/case.json"],
        &["test", "escape/linked", "--format", "junit"],
    ];
    let snapshot = transcripts_in(&root, &commands, |_, _| {});
    let _ = std::fs::remove_dir_all(&root);
    insta::assert_snapshot!(snapshot);
}

/// A stored explanation (`expect explanation`) is read as a policy's files are: a FIFO in its
/// place hung `licit test`, a link out of the project was read and shown in the failure's diff,
/// and `--update` wrote through it to the file outside. Each is now a failure that names the
/// file and its code, and `--update` writes only the project's own files.
#[cfg(unix)]
#[test]
fn stored_explanations_are_files_of_the_project() {
    use std::os::unix::fs::symlink;
    let root = std::env::temp_dir().join(format!("licit-stored-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder made");
        std::fs::write(path, text).expect("file written");
    };
    let policy = "policy \"Stored\" in force from 2021-01-01\ninput Case { date: date }\nverdicts fine\notherwise fine\n\ntest \"fine\" {\n  given { date: 2022-01-01 }\n  expect fine\n  expect explanation\n}\n";
    for folder in ["piped", "linked", "fresh"] {
        write(&format!("{folder}/policy.licit"), policy);
    }
    write("secret.txt", "SECRET-OUTSIDE-TEXT\n");
    std::fs::create_dir_all(root.join("piped/explanations")).expect("folder made");
    let made = Command::new("mkfifo")
        .arg(root.join("piped/explanations/fine.txt"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo");
    std::fs::create_dir_all(root.join("linked/explanations")).expect("folder made");
    symlink(
        "../../secret.txt",
        root.join("linked/explanations/fine.txt"),
    )
    .expect("link");
    let commands: [&[&str]; 5] = [
        &["test", "piped"],
        &["test", "piped", "--update"],
        &["test", "linked"],
        &["test", "linked", "--update"],
        &["test", "fresh", "--update"],
    ];
    let snapshot = transcripts_in(&root, &commands, |args, result| {
        assert!(
            !result.1.contains("SECRET") && !result.2.contains("SECRET"),
            "licit {args:?} read the file outside the project"
        );
    });
    let secret = std::fs::read_to_string(root.join("secret.txt")).expect("the file outside");
    let fresh = std::fs::read_to_string(root.join("fresh/explanations/fine.txt"));
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(
        secret, "SECRET-OUTSIDE-TEXT\n",
        "--update wrote outside the project"
    );
    assert!(
        fresh.is_ok_and(|text| text.starts_with("fine")),
        "--update writes a new one"
    );
    insta::assert_snapshot!(snapshot);
}

/// The transcripts of commands run in `root`, one after another; `check` sees each command's
/// arguments and result first.
fn transcripts_in(
    root: &Path,
    commands: &[&[&str]],
    check: impl Fn(&[&str], &(i32, String, String)),
) -> String {
    let mut snapshot = String::new();
    for args in commands {
        let result = licit_in(root, args);
        check(args, &result);
        snapshot.push_str(&transcript(
            &format!("licit {}", args.join(" ")),
            "",
            result,
        ));
        snapshot.push('\n');
    }
    snapshot
}

/// The README's `licit diff` of the EU rulebook and its amendment `proposal-2016`, whose
/// changes are dated from the proposal's own date, 2016-09-28: the search examines the dates of
/// Regulation (EC) No 428/2009 too, and every kind of difference it finds is dated from
/// 2016-09-28 (against 428/2009 until 2021-09-08, against 2021/821 from 2021-09-09). The
/// snapshot keeps the summary, each kind's heading and the date of its witness.
#[test]
fn readme_amendment_diff() {
    let (code, stdout, stderr) =
        licit(&["diff", "policies/eu/dual-use", "policies/eu/proposal-2016"]);
    let mut summary = format!("exit code: {code}\n{stderr}");
    for line in stdout.lines() {
        if line.starts_with("difference ") || line.contains(" kinds of case ") {
            summary.push_str(line);
            summary.push('\n');
        } else if let Some(case) = line.strip_prefix("  case: ") {
            let date = case
                .split("\"date\":\"")
                .nth(1)
                .and_then(|rest| rest.get(..10))
                .unwrap_or("no date");
            summary.push_str(&format!("  witness dated {date}\n"));
        }
    }
    // The EU rulebook's own test cases, 428/2009's among them: only cases from 2016-09-28 change.
    let (code, stdout, _) = licit(&[
        "diff",
        "policies/eu/dual-use",
        "policies/eu/proposal-2016",
        "--cases",
        "policies/eu/dual-use",
    ]);
    summary.push_str(&format!(
        "\n--cases policies/eu/dual-use, exit code: {code}\n"
    ));
    for line in stdout.lines() {
        if line.ends_with(" change") || line.ends_with(" changes") || line.starts_with("policies/")
        {
            summary.push_str(line);
            summary.push('\n');
        } else if let Some((_, date)) = line.split_once("\" as of ") {
            summary.push_str(&format!("  decided as of {date}\n"));
        }
    }
    insta::assert_snapshot!(summary);
}

/// Every witness of the EU rulebook's diffs (with the 2016 proposal and with the Dutch national
/// measure) keeps the assumptions of both policies: each is decided, not rejected, by both.
#[test]
fn eu_diff_witnesses_keep_the_assumptions() {
    let mut checked = 0;
    for new in [
        "policies/eu/proposal-2016",
        "policies/nl/national-catch-all",
    ] {
        let old = "policies/eu/dual-use";
        let (_, stdout, stderr) = licit(&["diff", old, new, "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let rulebooks = [old, new].map(|path| licit::Rulebook::load(root.join(path)).expect(path));
        for change in report["changed"].as_array().expect("a list of changes") {
            let witness = change["witness"].to_string();
            for rulebook in &rulebooks {
                if let Err(problems) = rulebook.decide(&witness) {
                    panic!("{old} → {new}: the witness {witness} is rejected:\n{problems}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} witnesses were checked");
}

/// `diff --emit-tests` writes, through the formatter, tests that pass `licit fmt --check` and
/// `licit test` — a witness whose text holds a newline, and one whose duration has months and days.
#[test]
fn emitted_tests_are_formatted_and_pass() {
    let text_policy = |title: &str, verdict: &str| {
        format!(
            "policy \"{title}\" in force from 2021-01-01\n\ninput Case {{\n  date: date\n  name: text\n}}\n\nverdicts high > low\notherwise low\n\nrule named \"Art. 1\"\n  when case.name == \"two\\nlines\"\n  then {verdict}\n"
        )
    };
    emit_tests_and_run_them("text", &text_policy, "\"two\\nlines\"");
    // A duration of months and days is written as the language reads it.
    let duration_policy = |title: &str, verdict: &str| {
        format!(
            "policy \"{title}\" in force from 2021-01-01\n\ninput Case {{\n  date: date\n  span: duration\n}}\n\nverdicts high > low\notherwise low\n\nrule long \"Art. 1\"\n  when case.span == 1 year + 6 months + 2 days\n  then {verdict}\n"
        )
    };
    emit_tests_and_run_them("duration", &duration_policy, "span: 18 months + 2 days");
}

/// Writes two policies that differ (`policy(title, verdict)`), emits the witnesses of their
/// difference as tests of the new one, and checks that the tests are formatted, contain
/// `expected`, and pass.
#[expect(
    clippy::expect_used,
    reason = "a test should stop loudly when its files cannot be written"
)]
fn emit_tests_and_run_them(name: &str, policy: &dyn Fn(&str, &str) -> String, expected: &str) {
    let root = std::env::temp_dir().join(format!("licit-emit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (folder, title, verdict) in [("old", "Old", "high"), ("new", "New", "low")] {
        std::fs::create_dir_all(root.join(folder)).expect("folder made");
        std::fs::write(
            root.join(folder).join("policy.licit"),
            policy(title, verdict),
        )
        .expect("file written");
    }
    // The policy formatted first, so that `fmt --check` speaks of the emitted file alone.
    licit_in(&root, &["fmt", "new/policy.licit"]);
    let (code, _, stderr) = licit_in(&root, &["diff", "old", "new", "--emit-tests", "new"]);
    assert_eq!(code, 1, "the policies differ: {stderr}");
    let emitted = std::fs::read_to_string(root.join("new/diff-witnesses.licit")).expect("written");
    assert!(emitted.contains(expected), "{emitted}");
    let (code, stdout, stderr) = licit_in(&root, &["fmt", "--check", "new"]);
    assert_eq!(code, 0, "{emitted}\n{stdout}{stderr}");
    let (code, stdout, stderr) = licit_in(&root, &["test", "new"]);
    assert_eq!(code, 0, "{emitted}\n{stdout}{stderr}");
    let _ = std::fs::remove_dir_all(&root);
}

/// FIFOs, and links made at run time, in the folders licit walks: a FIFO named like a policy
/// file (or a case in `--cases`) is the error `licit::io::not_a_file` and is never opened to
/// wait on, so no command hangs; a `use` of a FIFO is refused alike; a link inside the project
/// to a file inside it is read, one to a file outside it is `licit::io::outside_project`.
#[cfg(unix)]
#[test]
fn special_files_and_links_in_folders() {
    use std::os::unix::fs::symlink;
    let root = std::env::temp_dir().join(format!("licit-special-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder made");
        std::fs::write(path, text).expect("file written");
    };
    let fifo = |path: &str| {
        let made = Command::new("mkfifo")
            .arg(root.join(path))
            .status()
            .expect("mkfifo runs");
        assert!(made.success(), "mkfifo {path}");
    };
    let policy = "policy \"Special\" in force from 2021-01-01\nuse \"countries.licit\"\ninput Case { date: date, destination: Country }\nverdicts fine\notherwise fine\n\ntest \"fine\" {\n  given { date: 2022-01-01, destination: JP }\n  expect fine\n}\n";
    let countries = "enum Country { CN, JP }\n";
    write("piped/policy.licit", policy);
    write("piped/countries.licit", countries);
    fifo("piped/extra.licit");
    write("good/policy.licit", policy);
    write("good/countries.licit", countries);
    write(
        "cases/case.json",
        "{\"date\": \"2022-01-01\", \"destination\": \"JP\"}\n",
    );
    fifo("cases/pipe.json");
    write("project/licit.toml", "");
    write("project/common/countries.licit", countries);
    fifo("project/common/pipe.licit");
    write(
        "project/uses-a-fifo/policy.licit",
        &policy.replace("countries.licit", "../common/pipe.licit"),
    );
    write("project/linked-inside/policy.licit", policy);
    symlink(
        "../common/countries.licit",
        root.join("project/linked-inside/countries.licit"),
    )
    .expect("link");
    write("secret.licit", "SECRET-OUTSIDE-TEXT\n");
    write("project/linked-outside/policy.licit", policy);
    write("project/linked-outside/countries.licit", countries);
    symlink(
        "../../secret.licit",
        root.join("project/linked-outside/zz.licit"),
    )
    .expect("link");
    let commands: [&[&str]; 10] = [
        &["check", "piped"],
        &["schema", "piped"],
        &["test", "piped"],
        &["fmt", "--check", "piped"],
        &["diff", "good", "good", "--cases", "cases"],
        &["check", "project/uses-a-fifo"],
        &["test", "project/linked-inside"],
        &["check", "project/linked-outside"],
        &["check", "project"],
        // `fmt` rewrites what it finds: the file outside is refused, not rewritten.
        &["fmt", "project/linked-outside"],
    ];
    let snapshot = transcripts_in(&root, &commands, |args, result| {
        assert!(
            !result.1.contains("SECRET") && !result.2.contains("SECRET"),
            "licit {args:?} read the file outside the project"
        );
    });
    let _ = std::fs::remove_dir_all(&root);
    insta::assert_snapshot!(snapshot);
}
