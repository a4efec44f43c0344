//! `licit serve` end to end: the binary started on an ephemeral loopback port, every endpoint
//! asked over HTTP, a good and a broken edit of a served policy reloaded, the limits and error
//! codes, and a graceful stop on SIGTERM.
#![expect(
    clippy::expect_used,
    reason = "the helpers of a test should stop loudly when the binary or a file fails"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

mod support;

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
    /// The server's own OpenAPI document, fetched on first use, with its schemas made JSON Schema.
    openapi: std::cell::OnceCell<Json>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(args: &[&Path]) -> Server {
        Server::start_with(args, &[])
    }

    /// Starts the server on the policies with more options (`--param …`).
    fn start_with(args: &[&Path], options: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_licit"))
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            // A small body limit unless the test sets its own.
            .args(match options.contains(&"--body-limit") {
                true => &[][..],
                false => &["--body-limit", "65536"][..],
            })
            .args(options)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("licit serve starts");
        let stdout = child.stdout.take().expect("its standard output");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("the first line");
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the first line names the address: {first:?}"))
            .to_string();
        // A fresh connection for every request: a server may close a connection after an
        // early answer (a 404 before the body was read), and a reused connection would then
        // fail the next request by a race that has nothing to do with what is tested.
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .build()
            .into();
        Server {
            child,
            base,
            agent,
            openapi: std::cell::OnceCell::new(),
        }
    }

    /// Sends SIGTERM and expects a clean exit within ten seconds.
    fn stop_with_sigterm(&mut self) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                break status;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "it stops");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "{status:?}");
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut response = self
            .agent
            .get(&format!("{}{path}", self.base))
            .call()
            .expect("the server answers");
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    fn post(&self, path: &str, body: &str) -> (u16, String) {
        let mut response = self
            .agent
            .post(&format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(body)
            .expect("the server answers");
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    fn get_json(&self, path: &str) -> (u16, Json) {
        let (status, body) = self.get(path);
        let json = serde_json::from_str(&body).expect("a JSON answer");
        self.conforms(
            "get",
            path,
            status,
            "application/json",
            std::slice::from_ref(&json),
        );
        (status, json)
    }

    fn post_json(&self, path: &str, body: &str) -> (u16, Json) {
        let (status, text) = self.post(path, body);
        let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("a JSON answer: {text}"));
        self.conforms(
            "post",
            path,
            status,
            "application/json",
            std::slice::from_ref(&json),
        );
        (status, json)
    }

    /// POSTs NDJSON and checks each line of a 200 answer against the schema the OpenAPI document
    /// declares for one line of `application/x-ndjson`.
    fn post_ndjson(&self, path: &str, body: &str) -> (u16, String) {
        let (status, text) = self.post(path, body);
        if status == 200 {
            let lines: Vec<Json> = text
                .lines()
                .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("NDJSON: {line}")))
                .collect();
            self.conforms("post", path, status, "application/x-ndjson", &lines);
        }
        (status, text)
    }

    /// Checks answers against the schema `/v1/openapi.json` declares for their route, method,
    /// status and media type (a status the document does not declare for a documented route
    /// fails); a path no route of the document matches (such as `/v2/nothing`) has nothing to
    /// check against.
    fn conforms(&self, method: &str, path: &str, status: u16, media: &str, bodies: &[Json]) {
        let openapi = self.openapi.get_or_init(|| {
            let (status, text) = self.get("/v1/openapi.json");
            assert_eq!(status, 200, "the OpenAPI document: {text}");
            json_schema(serde_json::from_str(&text).expect("the OpenAPI document is JSON"))
        });
        let path = path.split('?').next().unwrap_or(path);
        let Some((route, operation)) = openapi["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .find(|(route, _)| route_matches(route, path))
        else {
            return;
        };
        let operation = operation
            .get(method)
            .unwrap_or_else(|| panic!("{method} {route} is not in the OpenAPI document"));
        let response = operation["responses"]
            .get(status.to_string())
            .or_else(|| operation["responses"].get("default"))
            .unwrap_or_else(|| {
                panic!("{method} {route} answered {status}, which the OpenAPI document does not declare: {bodies:?}")
            });
        let Some(schema) = response["content"][media].get("schema") else {
            panic!("{method} {route} {status} declares no {media} schema: {bodies:?}");
        };
        let mut schema = schema.clone();
        if let Some(object) = schema.as_object_mut() {
            object.insert("components".to_string(), openapi["components"].clone());
        }
        let validator = jsonschema::validator_for(&schema).unwrap_or_else(|error| {
            panic!("the schema of {method} {route} {status} compiles: {error}")
        });
        for body in bodies {
            let errors: Vec<String> = validator
                .iter_errors(body)
                .map(|error| format!("{error} at {}", error.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{method} {path} {status} disagrees with the OpenAPI document:\n{}\n{body}",
                errors.join("\n")
            );
        }
    }
}

/// Whether an OpenAPI route such as `/v1/rulebooks/{name}/decide` matches a concrete path.
fn route_matches(route: &str, path: &str) -> bool {
    let (route, path): (Vec<&str>, Vec<&str>) =
        (route.split('/').collect(), path.split('/').collect());
    route.len() == path.len()
        && route
            .iter()
            .zip(&path)
            .all(|(r, p)| r == p || (r.starts_with('{') && r.ends_with('}') && !p.is_empty()))
}

/// An OpenAPI 3.0 schema as JSON Schema: `"nullable": true` becomes "or null"; everything else
/// the two share.
fn json_schema(schema: Json) -> Json {
    match schema {
        Json::Object(mut object) => {
            let nullable = object.remove("nullable") == Some(Json::Bool(true));
            let object: serde_json::Map<String, Json> = object
                .into_iter()
                .map(|(key, value)| (key, json_schema(value)))
                .collect();
            if nullable {
                json!({ "anyOf": [Json::Object(object), { "type": "null" }] })
            } else {
                Json::Object(object)
            }
        }
        Json::Array(items) => Json::Array(items.into_iter().map(json_schema).collect()),
        other => other,
    }
}

/// A fresh copy of the cyber catch-all example in a folder of its own.
fn copy_of_example(name: &str) -> PathBuf {
    support::copy_of_example("serve", name)
}

fn example_case() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/example-catch-all.json"),
    )
    .expect("the example case")
}

fn first_code(errors: &Json) -> &str {
    errors["errors"][0]["code"].as_str().unwrap_or("")
}

#[test]
fn every_endpoint_answers() {
    let copy = copy_of_example("endpoints");
    let server = Server::start(&[&copy, Path::new("policies/examples/cyber-catch-all")]);
    let case = example_case();

    assert_eq!(server.get_json("/health"), (200, json!({ "status": "ok" })));
    assert_eq!(server.get_json("/ready").1["rulebooks"], 2);

    let (status, list) = server.get_json("/v1/rulebooks");
    assert_eq!(status, 200);
    let names: Vec<&str> = list["rulebooks"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["cyber-catch-all", "cyber-catch-all-2"]);
    let sha = list["rulebooks"][0]["sha256"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(sha.len(), 64);

    // Decide and explain: the decision JSON with its receipt.
    let (status, decided) = server.post_json("/v1/rulebooks/cyber-catch-all/decide", &case);
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["verdict"]["kind"], "licence_required");
    assert_eq!(decided["decided_by"]["rule"], "cyber_catch_all");
    assert_eq!(decided["receipt"]["rulebook_sha256"], sha.as_str());
    assert_eq!(decided["receipt"]["case_sha256"], licit::case_sha256(&case));
    assert!(decided.get("line").is_none());
    let (status, explained) = server.post_json("/v1/rulebooks/cyber-catch-all/explain", &case);
    assert_eq!(status, 200);
    assert_eq!(explained["receipt"], decided["receipt"]);
    assert!(
        explained["explanation"]
            .as_array()
            .is_some_and(|rules| !rules.is_empty())
    );
    let (status, as_of) = server.post_json(
        "/v1/rulebooks/cyber-catch-all/decide?as_of=2019-06-01",
        &case,
    );
    assert_eq!(status, 200);
    assert_eq!(as_of["receipt"]["as_of"], "2019-06-01");

    // Bad input: the CLI's diagnostics, never a 500.
    let bad_case = case.replace("\"CN\"", "\"XX\"");
    let (status, errors) = server.post_json("/v1/rulebooks/cyber-catch-all/decide", &bad_case);
    assert_eq!(
        (status, first_code(&errors)),
        (422, "licit::case::not_a_member")
    );
    assert!(
        errors["errors"][0]["help"]
            .as_str()
            .is_some_and(|h| h.contains("`JP`"))
    );
    let (status, errors) = server.post_json("/v1/rulebooks/cyber-catch-all/explain", "{\"date\":");
    assert_eq!(
        (status, first_code(&errors)),
        (422, "licit::case::json_syntax")
    );
    let (status, errors) = server.post_json("/v1/rulebooks/nothing/decide", &case);
    assert_eq!(
        (status, first_code(&errors)),
        (404, "licit::serve::unknown_rulebook")
    );
    let (status, errors) = server.post_json(
        "/v1/rulebooks/cyber-catch-all/decide?as_of=yesterday",
        &case,
    );
    assert_eq!(
        (status, first_code(&errors)),
        (400, "licit::serve::bad_request")
    );
    let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(100_000));
    let (status, errors) = server.post_json("/v1/rulebooks/cyber-catch-all/decide", &huge);
    assert_eq!(
        (status, first_code(&errors)),
        (413, "licit::serve::too_large")
    );
    let (status, errors) = server.get_json("/v2/nothing");
    assert_eq!(status, 404, "{errors}");

    // A batch: one line out per line in, in order, the bad line an error object.
    let one_line: String = case.lines().map(str::trim).collect();
    let batch = format!("{one_line}\nnot json\n\n{one_line}\n");
    let (status, out) = server.post_ndjson("/v1/rulebooks/cyber-catch-all/batch", &batch);
    assert_eq!(status, 200);
    let lines: Vec<Json> = out
        .lines()
        .map(|line| serde_json::from_str(line).expect("NDJSON"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        (lines[0]["line"].clone(), lines[2]["line"].clone()),
        (json!(1), json!(4))
    );
    assert_eq!(
        lines[0]["receipt"]["case_sha256"],
        licit::case_sha256(&one_line)
    );
    assert_eq!(first_code(&lines[1]), "licit::case::json_syntax");
    let (_, explained_batch) = server.post_ndjson(
        "/v1/rulebooks/cyber-catch-all/batch?explain=true",
        &one_line,
    );
    assert!(explained_batch.contains("\"explanation\""));

    // The searches, through the library.
    let why_not = format!("{{\"case\": {case}, \"verdict\": \"no_licence_required\"}}");
    let (status, answer) = server.post_json("/v1/rulebooks/cyber-catch-all/why-not", &why_not);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.is_object());
    let what_if =
        format!("{{\"case\": {case}, \"changes\": {{\"item.cyber_surveillance\": false}}}}");
    let (status, answer) = server.post_json("/v1/rulebooks/cyber-catch-all/what-if", &what_if);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["verdict"]["kind"], "no_licence_required");
    let (status, errors) =
        server.post_json("/v1/rulebooks/cyber-catch-all/why-not", "{\"case\": 1}");
    assert_eq!(
        (status, first_code(&errors)),
        (400, "licit::serve::bad_request")
    );
    let (status, report) = server.post_json(
        "/v1/diff",
        r#"{"old": "cyber-catch-all", "new": "cyber-catch-all-2"}"#,
    );
    assert_eq!(status, 200, "{report}");
    assert!(report.is_object());
    let policy_text = std::fs::read_to_string(copy.join("policy.licit")).expect("the policy");
    let changed = policy_text.replace("2027", "2028");
    let text_diff = json!({
        "old": "cyber-catch-all",
        "new": { "files": { "policy.licit": changed } },
        "cases": [serde_json::from_str::<Json>(&case).expect("a case")],
    });
    let (status, report) = server.post_json("/v1/diff", &text_diff.to_string());
    assert_eq!(status, 200, "{report}");

    // Checking a policy sent as text.
    let check = json!({ "files": { "policy.licit": policy_text.replacen("rule ", "rul ", 1) } });
    let (status, checked) = server.post_json("/v1/check", &check.to_string());
    assert_eq!(status, 200);
    assert_eq!(checked["ok"], false);
    assert_eq!(checked["diagnostics"][0]["severity"], "error");
    let check = json!({ "files": { "policy.licit": policy_text } });
    assert_eq!(
        server.post_json("/v1/check", &check.to_string()).1["ok"],
        true
    );

    // The rest: source, problems, input, examples, metrics, the OpenAPI document.
    let (_, source) = server.get_json("/v1/rulebooks/cyber-catch-all/source");
    let paths: Vec<&str> = source["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(paths, ["policy.licit", "tests.licit"]);
    let (_, problems) = server.get_json("/v1/rulebooks/cyber-catch-all/problems");
    assert_eq!(problems["problems"], json!([]));
    let (_, input) = server.get_json("/v1/rulebooks/cyber-catch-all/input");
    let destination = input["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "destination")
        .expect("a destination field");
    assert_eq!(destination["kind"], "enum");
    let (_, examples) = server.get_json("/v1/examples");
    assert!(
        examples["examples"]
            .as_array()
            .is_some_and(|e| e.contains(&json!("seed-2022")))
    );
    let (status, seed) = server.get_json("/v1/examples/seed-2022");
    assert_eq!((status, seed["date"].clone()), (200, json!("2022-03-01")));
    let (_, metrics) = server.get("/metrics");
    assert!(metrics.contains(
        "licit_decisions_total{rulebook=\"cyber-catch-all\",verdict=\"licence_required\"}"
    ));
    assert!(metrics.contains("licit_errors_total{code=\"licit::case::not_a_member\"} 1"));
    assert!(metrics.contains(
        "licit_request_duration_seconds_count{endpoint=\"/v1/rulebooks/{name}/decide\"}"
    ));
    let (status, page) = server.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("/playground/playground.js"));
    let (status, script) = server.get("/playground/playground.js");
    assert_eq!(status, 200);
    assert!(script.contains("/v1/rulebooks"));
    let (_, openapi) = server.get_json("/v1/openapi.json");
    for path in [
        "/health",
        "/ready",
        "/metrics",
        "/v1/rulebooks",
        "/v1/rulebooks/{name}/source",
        "/v1/rulebooks/{name}/problems",
        "/v1/rulebooks/{name}/input",
        "/v1/rulebooks/{name}/decide",
        "/v1/rulebooks/{name}/explain",
        "/v1/rulebooks/{name}/batch",
        "/v1/rulebooks/{name}/why-not",
        "/v1/rulebooks/{name}/what-if",
        "/v1/decide",
        "/v1/explain",
        "/v1/why-not",
        "/v1/what-if",
        "/v1/diff",
        "/v1/check",
        "/v1/examples",
        "/v1/examples/{name}",
    ] {
        assert!(openapi["paths"].get(path).is_some(), "{path} is documented");
    }
    let _ = std::fs::remove_dir_all(copy.parent().expect("the copy's folder"));
}

/// Polls until `ready` holds, for at most ten seconds.
fn eventually(mut ready: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// The SHA-256 of the first rulebook the server serves.
fn rulebook_sha(server: &Server) -> String {
    server.get_json("/v1/rulebooks").1["rulebooks"][0]["sha256"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn edits_reload_and_a_broken_edit_keeps_the_last_good_rulebook() {
    let copy = copy_of_example("reload");
    let mut server = Server::start(&[&copy]);
    let case = example_case();
    let first = rulebook_sha(&server);

    // A good edit: a comment added. The new rulebook serves.
    let tests = copy.join("tests.licit");
    let text = std::fs::read_to_string(&tests).expect("the tests");
    std::fs::write(&tests, format!("{text}\n# reviewed\n")).expect("an edit");
    assert!(
        eventually(|| rulebook_sha(&server) != first),
        "the edit is picked up"
    );
    let second = rulebook_sha(&server);
    let (_, decided) = server.post_json("/v1/rulebooks/cyber-catch-all/decide", &case);
    assert_eq!(decided["receipt"]["rulebook_sha256"], second.as_str());

    // A broken edit: the last good rulebook keeps serving, the problems are shown.
    std::fs::write(&tests, format!("{text}\nrule broken when\n")).expect("an edit");
    assert!(eventually(|| {
        let (_, problems) = server.get_json("/v1/rulebooks/cyber-catch-all/problems");
        problems["problems"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    }));
    let (_, problems) = server.get_json("/v1/rulebooks/cyber-catch-all/problems");
    assert_eq!(problems["serving_sha256"], second.as_str());
    assert_eq!(problems["problems"][0]["severity"], "error");
    let (status, decided) = server.post_json("/v1/rulebooks/cyber-catch-all/decide", &case);
    assert_eq!(status, 200);
    assert_eq!(decided["receipt"]["rulebook_sha256"], second.as_str());
    let (_, metrics) = server.get("/metrics");
    assert!(
        metrics.contains("licit_reloads_total{rulebook=\"cyber-catch-all\",outcome=\"kept\"} 1")
    );

    // SIGTERM stops it cleanly.
    server.stop_with_sigterm();
    let _ = std::fs::remove_dir_all(copy.parent().expect("the copy's folder"));
}

/// Makes a FIFO at a path.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// A FIFO is never waited on: among the examples the service starts and leaves it out; one
/// that appears among a served policy's files is a problem of that change, and the edit after
/// it is reloaded. An example that links outside its folder is not served.
#[cfg(unix)]
#[test]
fn fifos_and_links_out_never_stall_or_leak() {
    let copy = copy_of_example("fifo");
    let folder = copy.parent().expect("the copy's folder").to_path_buf();
    let examples = folder.join("examples");
    std::fs::create_dir_all(&examples).expect("a folder");
    std::fs::write(examples.join("good.json"), example_case()).expect("an example");
    mkfifo(&examples.join("pipe.json"));
    std::fs::write(folder.join("secret.json"), "{\"secret\": true}").expect("a file");
    std::os::unix::fs::symlink(folder.join("secret.json"), examples.join("outside.json"))
        .expect("a link");
    let examples_arg = examples.display().to_string();
    let mut server = Server::start_with(&[&copy], &["--examples", &examples_arg]);
    let (_, listed) = server.get_json("/v1/examples");
    assert_eq!(listed["examples"], json!(["good"]));
    let (status, body) = server.get("/v1/examples/outside");
    assert_eq!(status, 404);
    assert!(!body.contains("secret"), "{body}");

    let first = rulebook_sha(&server);
    // A FIFO appears among the policy's files: the change is kept as a problem…
    let pipe = copy.join("pipe.licit");
    mkfifo(&pipe);
    assert!(
        eventually(|| {
            let (_, problems) = server.get_json("/v1/rulebooks/cyber-catch-all/problems");
            problems["problems"][0]["code"] == "licit::io::not_a_file"
        }),
        "the FIFO is a problem"
    );
    std::fs::remove_file(&pipe).expect("the FIFO removed");
    // …and the watcher still reloads the edit after it.
    let tests = copy.join("tests.licit");
    let text = std::fs::read_to_string(&tests).expect("the tests");
    std::fs::write(&tests, format!("{text}\n# reviewed\n")).expect("an edit");
    assert!(
        eventually(|| rulebook_sha(&server) != first),
        "the edit after the FIFO is picked up"
    );
    server.stop_with_sigterm();
    let _ = std::fs::remove_dir_all(&folder);
}

/// The example with a parameter that turns the catch-all off: `catch_all_applies`.
fn with_a_parameter(policy: &Path) -> String {
    let text = std::fs::read_to_string(policy.join("policy.licit")).expect("the policy");
    let text = text
        .replacen(
            "rule cyber_catch_all",
            "param catch_all_applies: bool = true\n\nrule cyber_catch_all",
            1,
        )
        .replacen(
            "   and internal_repression in case.informed\n",
            "   and internal_repression in case.informed\n   and catch_all_applies\n",
            1,
        );
    assert!(
        text.contains("and catch_all_applies"),
        "the rule was changed"
    );
    std::fs::write(policy.join("policy.licit"), &text).expect("the policy is written");
    text
}

#[test]
fn decides_under_a_policy_sent_as_text_and_with_parameters() {
    let copy = copy_of_example("sent");
    let text = with_a_parameter(&copy);
    let mut server = Server::start_with(&[&copy], &["--param", "catch_all_applies=false"]);
    let case = example_case();
    let case_json: Json = serde_json::from_str(&case).expect("a case");

    // `--param` applies to the served rulebook, and its receipts record it.
    let (status, decided) = server.post_json("/v1/rulebooks/cyber-catch-all/decide", &case);
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["verdict"]["kind"], "no_licence_required");
    assert_eq!(
        decided["receipt"]["params"],
        json!({ "catch_all_applies": "false" })
    );
    let served_sha = decided["receipt"]["rulebook_sha256"].clone();
    let (_, list) = server.get_json("/v1/rulebooks");
    assert_eq!(list["rulebooks"][0]["params"][0]["value"], "false");

    // A request may set parameters for its own decision: the receipt says which.
    let body = json!({ "rulebook": "cyber-catch-all", "case": case_json, "params": { "catch_all_applies": true } });
    let (status, decided) = server.post_json("/v1/decide", &body.to_string());
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["verdict"]["kind"], "licence_required");
    // A receipt records the parameters that differ from the policy's own values, as `licit
    // eval --param` does: `true` is this one's default, so the decision is the policy's own.
    assert_eq!(decided["receipt"]["params"], json!({}));
    assert_eq!(decided["receipt"]["rulebook_sha256"], served_sha);

    // A policy sent as text decides (its own default: the catch-all applies), with the
    // receipt of those files: the hash `/v1/check` gives them.
    let sent = json!({ "files": { "policy.licit": text } });
    let (_, checked) = server.post_json("/v1/check", &sent.to_string());
    assert_eq!(checked["ok"], true, "{checked}");
    let body = json!({ "rulebook": sent, "case": case, "as_of": "2022-06-01" });
    let (status, decided) = server.post_json("/v1/decide", &body.to_string());
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["verdict"]["kind"], "licence_required");
    assert_eq!(decided["receipt"]["rulebook_sha256"], checked["sha256"]);
    assert_eq!(decided["receipt"]["as_of"], "2022-06-01");
    assert_eq!(decided["receipt"]["case_sha256"], licit::case_sha256(&case));
    let (status, explained) = server.post_json("/v1/explain", &body.to_string());
    assert_eq!(status, 200, "{explained}");
    assert_eq!(explained["receipt"], decided["receipt"]);
    assert_eq!(explained["decided_by"]["rule"], "cyber_catch_all");

    // Edited so that the catch-all is not in force yet: the verdict changes.
    let later = text.replacen(
        "rule cyber_catch_all \"Art. 5(1)\"\n",
        "rule cyber_catch_all \"Art. 5(1)\"\n  in force from 2023-01-01\n",
        1,
    );
    assert_ne!(later, text);
    let body = json!({ "rulebook": { "files": { "policy.licit": later } }, "case": case_json });
    let (status, decided) = server.post_json("/v1/decide", &body.to_string());
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["verdict"]["kind"], "no_licence_required");

    // Why-not and what-if under the sent text, with parameters.
    let why_not = json!({ "rulebook": sent, "case": case_json, "verdict": "no_licence_required" });
    let (status, answer) = server.post_json("/v1/why-not", &why_not.to_string());
    assert_eq!(status, 200, "{answer}");
    let what_if = json!({ "rulebook": sent, "case": case_json, "changes": { "item.cyber_surveillance": false } });
    let (status, answer) = server.post_json("/v1/what-if", &what_if.to_string());
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["verdict"]["kind"], "no_licence_required");
    let what_if = json!({ "rulebook": "cyber-catch-all", "case": case_json, "changes": {}, "params": { "catch_all_applies": "true" } });
    let (_, answer) = server.post_json("/v1/what-if", &what_if.to_string());
    assert_eq!(answer["verdict"]["kind"], "licence_required", "{answer}");

    // What does not fit: diagnostics with their codes, never a 500.
    let expect_code = |path: &str, body: Json, status: u16, code: &str| {
        let (got, errors) = server.post_json(path, &body.to_string());
        assert_eq!(
            (got, first_code(&errors)),
            (status, code),
            "{path}: {errors}"
        );
    };
    expect_code(
        "/v1/decide",
        json!({ "rulebook": "cyber-catch-all", "case": case_json, "params": { "nope": true } }),
        422,
        "licit::param::unknown",
    );
    expect_code(
        "/v1/decide",
        json!({ "rulebook": "cyber-catch-all", "case": case_json, "params": { "catch_all_applies": "maybe" } }),
        422,
        "licit::param::bad_value",
    );
    expect_code(
        "/v1/decide",
        json!({ "rulebook": "cyber-catch-all", "case": case_json, "params": { "catch_all_applies": [] } }),
        400,
        "licit::serve::bad_request",
    );
    expect_code(
        "/v1/explain",
        json!({ "rulebook": { "files": { "policy.licit": text.replacen("rule ", "rul ", 1) } }, "case": case_json }),
        422,
        "licit::syntax::unexpected",
    );
    expect_code(
        "/v1/decide",
        json!({ "rulebook": "nothing", "case": case_json }),
        404,
        "licit::serve::unknown_rulebook",
    );
    expect_code(
        "/v1/decide",
        json!({ "case": case_json }),
        400,
        "licit::serve::bad_request",
    );
    expect_code(
        "/v1/rulebooks/cyber-catch-all/why-not",
        json!({ "rulebook": "cyber-catch-all", "case": case_json, "verdict": "prohibited" }),
        400,
        "licit::serve::bad_request",
    );
    expect_code(
        "/v1/why-not",
        json!({ "case": case_json, "verdict": "prohibited" }),
        400,
        "licit::serve::bad_request",
    );
    let (_, metrics) = server.get("/metrics");
    assert!(
        metrics.contains("licit_decisions_total{rulebook=\"(sent)\",verdict=\"licence_required\"}")
    );

    // A reload sets `--param` again.
    let tests = copy.join("tests.licit");
    let tests_text = std::fs::read_to_string(&tests).expect("the tests");
    std::fs::write(&tests, format!("{tests_text}\n# reviewed\n")).expect("an edit");
    let reloaded = eventually(|| {
        let (_, list) = server.get_json("/v1/rulebooks");
        list["rulebooks"][0]["sha256"] != served_sha
    });
    assert!(reloaded, "the edit is picked up");
    let (_, decided) = server.post_json("/v1/rulebooks/cyber-catch-all/decide", &case);
    assert_eq!(decided["verdict"]["kind"], "no_licence_required");
    assert_eq!(
        decided["receipt"]["params"],
        json!({ "catch_all_applies": "false" })
    );
    let _ = server.child.kill();
    let _ = std::fs::remove_dir_all(copy.parent().expect("the copy's folder"));
}

#[test]
fn serve_reads_param_as_eval_does() {
    let copy = copy_of_example("params");
    with_a_parameter(&copy);
    for (param, code) in [
        ("nope=1", "licit::param::unknown"),
        ("catch_all_applies=maybe", "licit::param::bad_value"),
        ("catch_all_applies", "licit::usage::param_form"),
    ] {
        let run = |command: &str| {
            let mut args = vec![
                command,
                copy.to_str().expect("a UTF-8 path"),
                "--param",
                param,
            ];
            match command {
                "serve" => args.extend(["--addr", "127.0.0.1:0"]),
                _ => args.extend(["--case", "examples/example-catch-all.json"]),
            }
            Command::new(env!("CARGO_BIN_EXE_licit"))
                .args(&args)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("NO_COLOR", "1")
                .output()
                .expect("licit runs")
        };
        let (served, evaluated) = (run("serve"), run("eval"));
        assert_eq!(served.status.code(), Some(2), "{param}");
        assert_eq!(served.status.code(), evaluated.status.code(), "{param}");
        let stderr = String::from_utf8_lossy(&served.stderr);
        assert!(stderr.contains(code), "{param}: {stderr}");
        assert_eq!(
            stderr,
            String::from_utf8_lossy(&evaluated.stderr),
            "{param}"
        );
    }
    let _ = std::fs::remove_dir_all(copy.parent().expect("the copy's folder"));
}

#[test]
fn sigterm_does_not_wait_for_an_abandoned_search() {
    // A diff of the EU rulebook with the 2016 proposal searches for longer than its one
    // second (about 8 s in a release build).
    let mut server = Server::start_with(
        &[
            Path::new("policies/eu/dual-use"),
            Path::new("policies/eu/proposal-2016"),
        ],
        &["--search-timeout", "1"],
    );
    let (status, errors) =
        server.post_json("/v1/diff", r#"{"old": "dual-use", "new": "proposal-2016"}"#);
    assert_eq!(
        (status, first_code(&errors)),
        (503, "licit::serve::timeout"),
        "{errors}"
    );
    // It stops while the abandoned search still runs.
    server.stop_with_sigterm();
}

#[test]
fn every_decision_given_out_is_in_the_decision_log_first() {
    let copy = copy_of_example("decision-log");
    let log = copy
        .parent()
        .expect("the copy's folder")
        .join("decisions.jsonl");
    let log_text = log.display().to_string();
    let server = Server::start_with(&[&copy], &["--decision-log", &log_text]);
    let case = example_case();
    let one_line = case.replace('\n', " ");
    let (status, decided) = server.post_json("/v1/rulebooks/cyber-catch-all/decide", &case);
    assert_eq!(status, 200, "{decided}");
    let (status, _) = server.post_json("/v1/rulebooks/cyber-catch-all/explain", &case);
    assert_eq!(status, 200);
    // A batch's decisions are logged as well, its bad lines not.
    let batch = format!("{one_line}\nnot json\n{one_line}\n");
    let (status, out) = server.post_ndjson("/v1/rulebooks/cyber-catch-all/batch", &batch);
    assert_eq!((status, out.lines().count()), (200, 3), "{out}");
    let logged: Vec<Json> = std::fs::read_to_string(&log)
        .expect("the log")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(logged.len(), 4, "{logged:?}");
    let mut batch_receipt = decided["receipt"].clone();
    batch_receipt["case_sha256"] = json!(licit::case_sha256(&one_line));
    for (position, line) in logged.iter().enumerate() {
        let receipt = if position < 2 {
            &decided["receipt"]
        } else {
            &batch_receipt
        };
        assert_eq!(&line["receipt"], receipt);
        assert_eq!(line["verdict"], "licence_required");
        assert_eq!(line["decided_by"], "cyber_catch_all");
    }
    drop(server);

    // A log that cannot be written: no decision is given out, and the answer says why.
    let server = Server::start_with(&[&copy], &["--decision-log", "/dev/full"]);
    for route in ["decide", "explain"] {
        let (status, errors) =
            server.post_json(&format!("/v1/rulebooks/cyber-catch-all/{route}"), &case);
        assert_eq!(
            (status, first_code(&errors)),
            (503, "licit::io::cannot_write"),
            "{errors}"
        );
        assert!(
            errors["errors"][0]["message"]
                .as_str()
                .is_some_and(|message| message.contains("/dev/full"))
        );
    }
    let (status, out) = server.post_ndjson("/v1/rulebooks/cyber-catch-all/batch", &batch);
    assert_eq!(status, 200);
    let lines: Vec<Json> = out
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "no decision is sent, only why: {out}");
    assert_eq!(first_code(&lines[0]), "licit::io::cannot_write");
    assert!(lines[0].get("line").is_none());
    let _ = std::fs::remove_dir_all(copy.parent().expect("the copy's folder"));
}

#[test]
fn a_search_past_its_deadline_stops_and_frees_its_slot() {
    // A diff of the EU rulebook with the 2016 proposal searches for longer than one second.
    let server = Server::start_with(
        &[
            Path::new("policies/eu/dual-use"),
            Path::new("policies/eu/proposal-2016"),
        ],
        &["--search-timeout", "1"],
    );
    // There is one search slot per core: more abandoned searches than slots would find every
    // slot taken ("busy") if an abandoned search ran on to its end.
    let slots = std::thread::available_parallelism().map_or(1, usize::from);
    for attempt in 0..=slots {
        let started = Instant::now();
        let code = loop {
            let (status, errors) =
                server.post_json("/v1/diff", r#"{"old": "dual-use", "new": "proposal-2016"}"#);
            let code = first_code(&errors).to_string();
            // A stopped search frees its slot within moments, not at the end of its search.
            if code != "licit::serve::busy" || started.elapsed() > Duration::from_secs(5) {
                assert_eq!(status, 503, "{errors}");
                break code;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(code, "licit::serve::timeout", "search {attempt}");
    }
}

/// A client that sends part of its headers and then nothing (slowloris) is disconnected after
/// the header timeout (ten seconds); it held its connection forever, and twenty thousand such
/// clients took every descriptor, so that nobody else was answered. Others are answered
/// meanwhile, and a SIGTERM still stops the server at once.
#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use std::io::{Read, Write};
    let mut server = Server::start(&[Path::new("policies/examples/cyber-catch-all")]);
    let address = server.base.trim_start_matches("http://").to_string();
    let mut slow: Vec<std::net::TcpStream> = (0..20)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&address).expect("it connects");
            stream
                .write_all(b"POST /v1/rulebooks/cyber-catch-all/decide HTTP/1.1\r\nHost: x\r\n")
                .expect("part of the headers is sent");
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .expect("a read timeout");
            stream
        })
        .collect();
    assert_eq!(server.get("/health").0, 200);
    let started = Instant::now();
    for stream in &mut slow {
        let mut byte = [0u8; 1];
        // The server closes the connection (end of file, or a reset): the read does not wait
        // for the thirty seconds of its own timeout.
        let _ = stream.read(&mut byte);
    }
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(20), "closed after {waited:?}");
    assert_eq!(server.get("/health").0, 200);
    server.stop_with_sigterm();
}

/// A client that sends its headers and then its body a little at a time, or not at all, is
/// answered 408 `licit::serve::slow_body` after thirty seconds; it held its connection for ever.
#[test]
fn a_body_that_never_arrives_is_answered_408() {
    use std::io::{Read, Write};
    let server = Server::start(&[Path::new("policies/examples/cyber-catch-all")]);
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("it connects");
    stream
        .write_all(b"POST /v1/rulebooks/cyber-catch-all/decide HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"date\"")
        .expect("the headers and part of the body are sent");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a read timeout");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("licit::serve::slow_body"), "{answer}");
    assert_eq!(server.get("/health").0, 200);
}

/// A body that breaks off in a malformed chunk is a bad request (400), not one over the limit:
/// every error of reading a body was once answered 413 "larger than the limit".
#[test]
fn a_malformed_chunked_body_is_a_bad_request() {
    use std::io::{Read, Write};
    let server = Server::start(&[Path::new("policies/examples/cyber-catch-all")]);
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("it connects");
    stream
        .write_all(b"POST /v1/rulebooks/cyber-catch-all/decide HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{\"dat\r\nzz\r\n")
        .expect("the headers and a malformed chunk are sent");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a read timeout");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("licit::serve::bad_request"), "{answer}");
    assert_eq!(server.get("/health").0, 200);
}

/// A policy of half a megabyte with 60,000 constant conditions, each a warning, sent to
/// `/v1/check`: it is checked on a blocking thread with one line index for its diagnostics, in
/// moments, and the service answers others meanwhile. It was checked on the runtime's own
/// threads with a line index of the whole policy for each diagnostic: minutes, and two such
/// requests left the service answering nobody.
#[test]
fn a_large_policy_sent_to_check_leaves_the_service_answering() {
    let server = Server::start_with(
        &[Path::new("policies/examples/cyber-catch-all")],
        &["--body-limit", "1000000", "--search-timeout", "60"],
    );
    let terms = vec!["true"; 60_000].join(" and ");
    let policy = format!(
        "policy \"Large\" in force from 2021-01-01\ninput Case {{ date: date }}\nverdicts a > b\notherwise b\nrule r \"Art. 1\"\n  when {terms}\n  then a\n"
    );
    let body = json!({ "files": { "p.licit": policy }, "path": "p.licit" }).to_string();
    let started = Instant::now();
    let checks: Vec<_> = (0..2)
        .map(|_| {
            let (agent, url, body) = (
                server.agent.clone(),
                format!("{}/v1/check", server.base),
                body.clone(),
            );
            std::thread::spawn(move || {
                // The answer is larger than ureq reads by default (10 MB).
                let mut response = agent
                    .post(&url)
                    .header("content-type", "application/json")
                    .send(&body)
                    .expect("the server answers");
                let text = response
                    .body_mut()
                    .with_config()
                    .limit(200_000_000)
                    .read_to_string()
                    .expect("the answer");
                (response.status().as_u16(), text)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let health = Instant::now();
    assert_eq!(server.get("/health").0, 200);
    assert!(
        health.elapsed() < Duration::from_secs(5),
        "{:?}",
        health.elapsed()
    );
    for check in checks {
        let (status, text) = check.join().expect("the check answers");
        // Both are checked, or one is refused as busy on a machine of one core.
        if status == 503 {
            assert!(text.contains("licit::serve::busy"), "{text}");
            continue;
        }
        assert_eq!(status, 200, "{text}");
        let answer: Json = serde_json::from_str(&text).expect("JSON");
        assert_eq!(answer["diagnostics"].as_array().map(Vec::len), Some(60_000));
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}
