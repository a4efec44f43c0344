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
    assert!(out.starts_with("the receipt does not match:\n  - rulebook_sha256: the receipt says"));
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
