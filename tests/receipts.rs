//! Receipts end to end: a decision's receipt reproduces with `licit verify-receipt`, one changed
//! byte of the policy makes it say which part does not match, and the decision log records one
//! receipt and verdict per decision.
#![expect(
    clippy::expect_used,
    reason = "the helpers of a test should stop loudly when the binary or a file fails"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;

/// A fresh copy of the cyber catch-all example and its case in a folder of their own: the
/// policy at `ROOT/cyber-catch-all`, the case at `ROOT/case.json`.
fn copy_of_example(name: &str) -> PathBuf {
    let policy = support::copy_of_example("receipts", name);
    let root = policy.parent().expect("the copy's folder").to_path_buf();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/example-catch-all.json"),
        root.join("case.json"),
    )
    .expect("the case copies");
    root
}

fn licit(args: &[&Path]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_licit"))
        .args(args)
        .output()
        .expect("licit runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_receipt_reproduces_and_one_changed_byte_does_not() {
    let root = copy_of_example("verify");
    let policy = root.join("cyber-catch-all");
    let case = root.join("case.json");
    let log = root.join("decisions.jsonl");
    let (code, decision, _) = licit(&[
        Path::new("eval"),
        &policy,
        Path::new("--case"),
        &case,
        Path::new("--format"),
        Path::new("json"),
        Path::new("--decision-log"),
        &log,
    ]);
    assert_eq!(code, 0);
    let receipt_file = root.join("decision.json");
    std::fs::write(&receipt_file, &decision).expect("the decision is saved");
    let json: serde_json::Value = serde_json::from_str(&decision).expect("decision JSON");
    assert_eq!(json["receipt"]["rulebook"], "cyber-catch-all");
    assert_eq!(
        json["receipt"]["case_sha256"],
        licit::case_sha256(&std::fs::read_to_string(&case).expect("the case"))
    );

    let verify = |receipt: &Path| {
        licit(&[
            Path::new("verify-receipt"),
            receipt,
            Path::new("--policy"),
            &policy,
            Path::new("--case"),
            &case,
        ])
    };
    let (code, out, err) = verify(&receipt_file);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(
        out.starts_with("the receipt reproduces: `cyber-catch-all` decides `licence_required`")
    );

    // The decision log's line is a receipt too.
    let logged = std::fs::read_to_string(&log).expect("the log is written");
    assert_eq!(logged.lines().count(), 1);
    let line: serde_json::Value = serde_json::from_str(&logged).expect("a JSON line");
    assert_eq!(line["verdict"], "licence_required");
    assert_eq!(line["decided_by"], "cyber_catch_all");
    assert_eq!(line["receipt"], json["receipt"]);
    let log_receipt = root.join("line.json");
    std::fs::write(&log_receipt, &logged).expect("the line is saved");
    assert_eq!(verify(&log_receipt).0, 0);

    // One byte of the policy changed (a letter of a comment): the hash no longer matches.
    let file = policy.join("tests.licit");
    let mut text = std::fs::read(&file).expect("the policy file");
    let at = text.len() / 2;
    text[at] = if text[at] == b' ' { b'\t' } else { b' ' };
    std::fs::write(&file, text).expect("the policy file is written");
    let (code, out, _) = verify(&receipt_file);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(
            "the receipt does not match:\n  - receipt.rulebook_sha256: the file records"
        ),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2, "only the hash differs: {out}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_batch_logs_one_receipt_per_decided_line() {
    let root = copy_of_example("batch");
    let policy = root.join("cyber-catch-all");
    let case = std::fs::read_to_string(root.join("case.json")).expect("the case");
    let one_line: String = case.lines().map(str::trim).collect();
    let batch = root.join("cases.jsonl");
    std::fs::write(&batch, format!("{one_line}\nnot json\n{one_line}\n")).expect("a batch");
    let log = root.join("log.jsonl");
    let (code, out, _) = licit(&[
        Path::new("eval"),
        &policy,
        Path::new("--batch"),
        &batch,
        Path::new("--decision-log"),
        &log,
    ]);
    assert_eq!(code, 3, "the bad line makes the batch exit 3");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0]["receipt"]["case_sha256"],
        licit::case_sha256(&one_line)
    );
    assert!(lines[1].get("receipt").is_none());
    let logged = std::fs::read_to_string(&log).expect("the log is written");
    let logged: Vec<serde_json::Value> = logged
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect();
    assert_eq!(logged.len(), 2, "the undecided line is not logged");
    assert_eq!(logged[0]["receipt"], lines[0]["receipt"]);
    assert_eq!(logged[1]["verdict"], "licence_required");
    let _ = std::fs::remove_dir_all(&root);
}

/// Runs `licit verify-receipt` on a receipt's text, written to a file of the folder, against
/// the EU rulebook and `examples/licence-held.json`.
fn verify_text(root: &Path, name: &str, text: &str) -> (i32, String, String) {
    let file = root.join(name);
    std::fs::write(&file, text).expect("the receipt is written");
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    licit(&[
        Path::new("verify-receipt"),
        &file,
        Path::new("--policy"),
        &repository.join("policies/eu/dual-use"),
        Path::new("--case"),
        &repository.join("examples/licence-held.json"),
        Path::new("--color"),
        Path::new("never"),
    ])
}

#[test]
fn a_forged_decision_does_not_reproduce() {
    let root = std::env::temp_dir().join(format!("licit-receipts-{}-forged", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("a temporary folder");
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, decision, _) = licit(&[
        Path::new("eval"),
        &repository.join("policies/eu/dual-use"),
        Path::new("--case"),
        &repository.join("examples/licence-held.json"),
        Path::new("--format"),
        Path::new("json"),
    ]);
    assert_eq!(code, 0);
    let real: serde_json::Value = serde_json::from_str(&decision).expect("decision JSON");
    assert_eq!(verify_text(&root, "real.json", &decision).0, 0);

    // The verdict's argument and the deciding rule changed: each is named, with both values.
    let mut forged = real.clone();
    forged["verdict"]["args"]["basis"] = "EU001".into();
    forged["decided_by"]["rule"] = "eu001".into();
    let (code, out, _) = verify_text(&root, "forged.json", &forged.to_string());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(
        "  - verdict.args.basis: the file records `\"EU001\"`, deciding again gives `\"NL-2022-0001\"`\n"
    ), "{out}");
    assert!(out.contains(
        "  - decided_by.rule: the file records `\"eu001\"`, deciding again gives `\"licence_held\"`\n"
    ), "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");

    // An obligation removed, and a field licit does not write added.
    let mut forged = real.clone();
    forged["obligations"] = serde_json::json!([]);
    forged["approved_by"] = "someone".into();
    let (code, out, _) = verify_text(&root, "dropped.json", &forged.to_string());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("  - obligations[0]: the file records nothing, deciding again gives `{"),
        "{out}"
    );
    assert!(
        out.contains(
            "  - approved_by: the file records `\"someone\"`, deciding again gives nothing"
        ),
        "{out}"
    );

    // A batch line (no explanation, a line number) reproduces; one with a changed date does not.
    let mut line = serde_json::json!({ "line": 7 });
    for field in [
        "date",
        "policy_in_force",
        "verdict",
        "decided_by",
        "obligations",
        "receipt",
    ] {
        line[field] = real[field].clone();
    }
    assert_eq!(verify_text(&root, "line.json", &line.to_string()).0, 0);
    line["policy_in_force"] = false.into();
    let (code, out, _) = verify_text(&root, "line-forged.json", &line.to_string());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("  - policy_in_force: the file records `false`, deciding again gives `true`"),
        "{out}"
    );

    // A decision log line naming a rule that does not exist.
    let logged = serde_json::json!({
        "receipt": real["receipt"],
        "verdict": "authorised",
        "decided_by": "nonexistent_rule",
    });
    let (code, out, _) = verify_text(&root, "log.json", &logged.to_string());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(
        "  - decided_by: the file records `\"nonexistent_rule\"`, deciding again gives `\"licence_held\"`"
    ), "{out}");

    // A key given twice, anywhere, is an error at its place: neither value is believed.
    let receipt = real["receipt"].to_string();
    for (name, text) in [
        (
            "dup-top.json",
            format!(
                r#"{{"receipt":{receipt},"verdict":"prohibited","decided_by":"x","verdict":"authorised"}}"#
            ),
        ),
        (
            "dup-receipt.json",
            receipt.replacen(r#""params""#, r#""as_of":"2022-01-01","params""#, 1),
        ),
    ] {
        let (code, out, err) = verify_text(&root, name, &text);
        assert_eq!((code, out.as_str()), (3, ""), "{name}: {err}");
        assert!(err.contains("licit::case::duplicate_key"), "{name}: {err}");
        assert!(err.contains("given again here"), "{name}: {err}");
    }

    // A receipt without a field, or with an `as_of` that is not a date, is not a receipt.
    let (code, _, err) = verify_text(&root, "no-hash.json", r#"{"rulebook":"dual-use"}"#);
    assert_eq!(code, 3);
    assert!(err.contains("licit::receipt::not_a_receipt"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_decision_log_that_cannot_be_written_fails_the_command() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        // Only systems with a device that is always full (Linux) can show it.
        return;
    }
    let root = copy_of_example("full");
    let policy = root.join("cyber-catch-all");
    let case = root.join("case.json");
    let (code, out, err) = licit(&[
        Path::new("eval"),
        &policy,
        Path::new("--case"),
        &case,
        Path::new("--decision-log"),
        full,
    ]);
    assert_eq!(
        (code, out.as_str()),
        (3, ""),
        "the decision is not given out unlogged"
    );
    assert!(err.contains("licit::io::cannot_write"), "{err}");
    assert!(err.contains("/dev/full"), "{err}");
    assert!(err.contains("no space left on device"), "{err}");

    let one_line: String = std::fs::read_to_string(&case)
        .expect("the case")
        .lines()
        .map(str::trim)
        .collect();
    let batch = root.join("cases.jsonl");
    std::fs::write(&batch, format!("{one_line}\n").repeat(1000)).expect("a batch");
    let (code, _, err) = licit(&[
        Path::new("eval"),
        &policy,
        Path::new("--batch"),
        &batch,
        Path::new("--decision-log"),
        full,
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("licit::io::cannot_write"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}
