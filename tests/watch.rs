//! `licit test --watch` and `licit check --watch` on a temporary copy of a policy: a change of
//! one of its files is seen and the command runs again.

#![expect(
    clippy::unwrap_used,
    reason = "the test stops loudly when the copy or the child process fails"
)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A copy of `tests/lsp` (a policy and the file it `use`s) in a fresh temporary folder.
fn copy_fixture(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("licit-watch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp");
    for file in [
        "policy/policy.licit",
        "policy/rules.licit",
        "common/countries.licit",
    ] {
        let to = dir.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from.join(file), to).unwrap();
    }
    // The project root, so that the policy may `use` a file in a sibling folder.
    std::fs::write(dir.join("licit.toml"), "").unwrap();
    dir
}

/// Forwards every line the child prints, on either stream, to one channel.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    fn forward(stream: impl Read + Send + 'static, sender: mpsc::Sender<String>) {
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { return };
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
    }
    forward(child.stdout.take().unwrap(), sender.clone());
    forward(child.stderr.take().unwrap(), sender);
    receiver
}

/// Reads lines until one contains `want`; returns all read. Fails after 60 s.
fn wait_for(lines: &mpsc::Receiver<String>, want: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(want);
                seen.push(line);
                if found {
                    return;
                }
            }
            Err(_) => break,
        }
    }
    panic!(
        "no line with `{want}` within 60 s; the output was:\n{}",
        seen.join("\n")
    );
}

/// The watching child, killed when the test ends, passed or failed.
struct Watching(Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn watch(args: &[&str], dir: &Path) -> (Watching, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_licit"))
        .args(args)
        .arg(dir.join("policy"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = lines_of(&mut child);
    (Watching(child), lines)
}

#[test]
fn test_watch_reruns_the_tests_after_a_change() {
    let dir = copy_fixture("test");
    let (child, lines) = watch(&["test", "--watch"], &dir);
    let mut seen = Vec::new();
    wait_for(&lines, "2 passed, 0 failed", &mut seen);
    wait_for(&lines, "[watch] exit 0", &mut seen);
    // Break one test's expectation: the rerun reports it.
    let rules = dir.join("policy/rules.licit");
    let text = std::fs::read_to_string(&rules).unwrap();
    let broken = text.replacen("expect licence_required", "expect no_licence_required", 1);
    std::fs::write(&rules, broken).unwrap();
    wait_for(&lines, "[watch] changed: rules.licit", &mut seen);
    wait_for(&lines, "1 passed, 1 failed", &mut seen);
    wait_for(&lines, "[watch] exit 1", &mut seen);
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_watch_sees_a_change_of_a_used_file() {
    let dir = copy_fixture("check");
    let (child, lines) = watch(&["check", "--watch"], &dir);
    let mut seen = Vec::new();
    wait_for(&lines, "checked 1 policy: 0 errors, 0 warnings", &mut seen);
    wait_for(&lines, "[watch] exit 0", &mut seen);
    // The countries are in a file the policy `use`s, in another folder: removing `JP` breaks
    // the set that lists it.
    let countries = dir.join("common/countries.licit");
    let text = std::fs::read_to_string(&countries).unwrap();
    std::fs::write(&countries, text.replacen("JP, ", "", 1)).unwrap();
    wait_for(&lines, "[watch] changed: countries.licit", &mut seen);
    wait_for(&lines, "checked 1 policy: ", &mut seen);
    wait_for(&lines, "[watch] exit 3", &mut seen);
    assert!(
        seen.iter().any(|line| line.contains("JP")),
        "the rerun names the unknown member:\n{}",
        seen.join("\n")
    );
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
}
