//! `licit lsp` driven as a child process over stdio: each `tests/lsp/*.jsonl` script is sent as
//! JSON-RPC messages, and every message the server sends back is snapshotted, in order.

#![expect(
    clippy::unwrap_used,
    reason = "the harness stops loudly on a broken script or a server that does not answer"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The URI of a folder.
fn uri(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

/// The repository's folder.
fn repo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap()
}

/// A script line with its placeholders filled: `"$ROOT"` (the URI of `tests/lsp`), `"$REPO"`
/// (of the repository) and `{"$file": …, "replace": […]}` (a file's text, edited).
fn fill(value: Value, root_uri: &str, dir: &Path) -> Value {
    match value {
        Value::String(text) => Value::String(
            text.replace("$ROOT", root_uri)
                .replace("$REPO", &uri(&repo())),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| fill(v, root_uri, dir)).collect())
        }
        Value::Object(map) => {
            if let Some(Value::String(file)) = map.get("$file") {
                let file = file.replace("$REPO/", &format!("{}/", repo().display()));
                let mut text = std::fs::read_to_string(dir.join(&file)).unwrap();
                if let Some(Value::Array(pair)) = map.get("replace") {
                    let (from, to) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
                    assert!(text.contains(from), "`{from}` is not in {file}");
                    text = text.replacen(from, to, 1);
                }
                return Value::String(text);
            }
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, fill(v, root_uri, dir)))
                    .collect(),
            )
        }
        other => other,
    }
}

fn frame(message: &Value) -> Vec<u8> {
    let mut message = message.clone();
    message["jsonrpc"] = Value::String("2.0".into());
    let body = serde_json::to_string(&message).unwrap();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Reads the server's messages until it closes its output.
fn read_messages(stdout: impl Read, sender: mpsc::Sender<Value>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.unwrap()];
        reader.read_exact(&mut body).unwrap();
        if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
            return;
        }
    }
}

/// Runs a script and returns the transcript of what the server sent.
fn run_script(script: &Path) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp");
    let dir = dir.canonicalize().unwrap();
    let root_uri = uri(&dir);
    let mut methods = std::collections::HashMap::new();
    let mut messages = Vec::new();
    for line in std::fs::read_to_string(script).unwrap().lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let message = fill(serde_json::from_str(line).unwrap(), &root_uri, &dir);
        if let Some(id) = message.get("id") {
            methods.insert(
                id.to_string(),
                message["method"].as_str().unwrap().to_string(),
            );
        }
        messages.push(message);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_licit"))
        .arg("lsp")
        .env("LICIT_TODAY", "2024-06-01")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (sender, receiver) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || read_messages(stdout, sender));
    {
        let mut stdin = child.stdin.take().unwrap();
        for message in &messages {
            stdin.write_all(&frame(message)).unwrap();
        }
    }
    // The server must finish the script and exit within a bounded time.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`licit lsp` did not exit within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    reader.join().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let mut transcript = format!("exit: {}\nstderr: {stderr}\n", status.code().unwrap_or(-1));
    for message in receiver.try_iter() {
        let heading = match (message.get("id"), message.get("method")) {
            (Some(id), None) => format!("← response {id} ({})", methods[&id.to_string()]),
            (_, Some(method)) => format!("← {}", method.as_str().unwrap()),
            _ => "← ?".to_string(),
        };
        let body = message
            .get("result")
            .or(message.get("params"))
            .or(message.get("error"))
            .cloned()
            .unwrap_or(Value::Null);
        let body = serde_json::to_string_pretty(&body)
            .unwrap()
            .replace(&root_uri, "$ROOT")
            .replace(&uri(&repo()), "$REPO");
        transcript.push_str(&format!("\n{heading}\n{body}\n"));
    }
    transcript
}

#[test]
fn lsp_scripts() {
    insta::glob!("lsp", "*.jsonl", |path| {
        insta::assert_snapshot!(run_script(path));
    });
}
