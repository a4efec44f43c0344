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
/// (of the repository), `{"$file": …, "replace": […]}` (a file's text, edited) and
/// `{"$repeat": text, "times": n}` (a text repeated, for documents too large to write out).
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
            if let (Some(Value::String(text)), Some(times)) = (map.get("$repeat"), map.get("times"))
            {
                return Value::String(text.repeat(times.as_u64().unwrap() as usize));
            }
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

/// The bytes a script line sends: a JSON-RPC frame of the message, or for `{"$raw": text}` the
/// text as it is (a broken frame).
fn frame(message: &Value) -> Vec<u8> {
    if let Some(Value::String(raw)) = message.get("$raw") {
        return raw.clone().into_bytes();
    }
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
    run_lines(&std::fs::read_to_string(script).unwrap(), &dir)
}

/// Runs the lines of a script, `$ROOT` being `dir`, and returns the transcript.
fn run_lines(script: &str, dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap();
    let root_uri = uri(&dir);
    let mut methods = std::collections::HashMap::new();
    let mut messages = Vec::new();
    for line in script.lines() {
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
    let stderr = stderr.replace(&dir.display().to_string(), "$ROOT");
    let mut transcript = format!("exit: {}\nstderr: {stderr}\n", status.code().unwrap_or(-1));
    for message in receiver.try_iter() {
        let heading = match (message.get("id"), message.get("method")) {
            (Some(Value::Null), None) => "← response null (to no message)".to_string(),
            (Some(id), None) => format!(
                "← response {id} ({})",
                methods.get(&id.to_string()).map_or("?", String::as_str)
            ),
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
            .replace(&uri(&repo()), "$REPO")
            .replace(&dir.display().to_string(), "$ROOT");
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

/// A policy folder with a FIFO and a link that loops, as `licit check` meets them
/// (`tests/cli.rs`, `special_files_and_links_in_folders`): the document gets the error
/// `licit::io::not_a_file` as a diagnostic instead of nothing, and a request on the FIFO's own
/// URI is answered at once instead of holding the server on an open that waits for a writer.
#[cfg(unix)]
#[test]
fn special_files_in_a_policy_folder() {
    let root = std::env::temp_dir().join(format!("licit-lsp-special-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("piped")).unwrap();
    std::fs::create_dir_all(root.join("looped")).unwrap();
    std::fs::write(root.join("licit.toml"), "").unwrap();
    let policy = "policy \"Special\" in force from 2021-01-01\ninput Case { date: date }\nverdicts fine\notherwise fine\n";
    for folder in ["piped", "looped"] {
        std::fs::write(root.join(folder).join("policy.licit"), policy).unwrap();
    }
    let made = Command::new("mkfifo")
        .arg(root.join("piped/pipe.licit"))
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("self.licit", root.join("looped/self.licit")).unwrap();
    let open = |folder: &str| {
        format!(
            r#"{{"method": "textDocument/didOpen", "params": {{"textDocument": {{"uri": "$ROOT/{folder}/policy.licit", "languageId": "licit", "version": 1, "text": {}}}}}}}"#,
            serde_json::to_string(policy).unwrap()
        )
    };
    let script = [
        r#"{"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": "$ROOT"}}"#.to_string(),
        open("piped"),
        open("looped"),
        r#"{"id": 2, "method": "textDocument/completion", "params": {"textDocument": {"uri": "$ROOT/piped/pipe.licit"}, "position": {"line": 0, "character": 0}}}"#.to_string(),
        r#"{"id": 3, "method": "textDocument/formatting", "params": {"textDocument": {"uri": "$ROOT/piped/pipe.licit"}, "options": {"tabSize": 2, "insertSpaces": true}}}"#.to_string(),
        r#"{"id": 4, "method": "shutdown"}"#.to_string(),
        r#"{"method": "exit"}"#.to_string(),
    ];
    let transcript = run_lines(&script.join("\n"), &root);
    let _ = std::fs::remove_dir_all(&root);
    insta::assert_snapshot!(transcript);
}
