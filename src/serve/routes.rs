//! The endpoints of the service, one function each, and the middleware that logs every
//! request and times it.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Query, Request, State as Shared};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::errors::{ErrorCodes, Failure, ServeError};
use super::rulebooks::Served;
use super::{State, batch, describe};
use crate::api::receipt::log_line;
use crate::syntax::calendar::Date;

/// Every route, with the shared state and the request log.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/", get(super::playground::page))
        .route("/playground/{file}", get(super::playground::asset))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/rulebooks", get(list))
        .route("/v1/rulebooks/{name}/source", get(source))
        .route("/v1/rulebooks/{name}/problems", get(problems))
        .route("/v1/rulebooks/{name}/input", get(input))
        .route("/v1/rulebooks/{name}/decide", post(decide))
        .route("/v1/rulebooks/{name}/explain", post(explain))
        .route("/v1/rulebooks/{name}/batch", post(batch::batch))
        .route("/v1/check", post(check))
        .route("/v1/examples", get(examples))
        .route("/v1/examples/{name}", get(example))
        .merge(super::ask::routes())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .fallback(not_found)
        .with_state(state)
}

/// Logs one request (method, route, status, time) and counts its latency and error codes.
async fn track(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_default();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    state.metrics.latency(&route, seconds);
    if let Some(ErrorCodes(codes)) = response.extensions().get::<ErrorCodes>() {
        for code in codes {
            state.metrics.error(code);
        }
    }
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        micros = (seconds * 1e6) as u64,
        "request"
    );
    response
}

async fn not_found() -> Response {
    Failure::from(ServeError::bad_request(
        "no such endpoint",
        "the endpoints are listed in `/v1/openapi.json`",
    ))
    .with_status(StatusCode::NOT_FOUND)
    .into_response()
}

impl Failure {
    fn with_status(mut self, status: StatusCode) -> Failure {
        self.status = status;
        self
    }
}

async fn health() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// Ready once every rulebook is loaded, which is before the port is bound: always, while the
/// process listens.
async fn ready(Shared(state): Shared<Arc<State>>) -> Response {
    axum::Json(json!({ "ready": true, "rulebooks": state.rulebooks.len() })).into_response()
}

async fn metrics(Shared(state): Shared<Arc<State>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

/// `GET /v1/rulebooks`: every served rulebook.
async fn list(Shared(state): Shared<Arc<State>>) -> Response {
    let rulebooks: Vec<Json> = state.rulebooks.iter().map(|s| summary(s)).collect();
    axum::Json(json!({ "rulebooks": rulebooks })).into_response()
}

/// A served rulebook's name, title, period, parameters and hash.
fn summary(served: &Served) -> Json {
    let loaded = served.current();
    let rulebook = &loaded.rulebook;
    let program = rulebook.program();
    let policy = &program.policy;
    let date = |date: Option<Date>| date.map(|d| d.to_string());
    let params: Vec<Json> = policy
        .params
        .iter()
        .zip(&program.params)
        .map(|(param, value)| {
            json!({
                "name": param.name,
                "type": describe::type_name(policy, &param.ty),
                "value": program.format_value(value),
            })
        })
        .collect();
    json!({
        "name": served.name,
        "title": policy.title,
        "source": policy.source,
        "in_force": { "from": date(policy.in_force.from), "until": date(policy.in_force.until) },
        "params": params,
        "verdicts": policy.verdicts.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        "sha256": rulebook.sha256(),
        "files": loaded.files.len(),
        "problems": served.problems().len(),
    })
}

/// `GET /v1/rulebooks/{name}/source`: the files serving now, by canonical path.
async fn source(Shared(state): Shared<Arc<State>>, Path(name): Path<String>) -> Response {
    let served = match state.rulebook(&name) {
        Ok(served) => served,
        Err(error) => return Failure::from(error).into_response(),
    };
    let loaded = served.current();
    let files: Vec<Json> = loaded
        .files
        .iter()
        .map(|(path, text)| json!({ "path": path, "text": text }))
        .collect();
    axum::Json(json!({
        "name": served.name,
        "sha256": loaded.rulebook.sha256(),
        "files": files,
    }))
    .into_response()
}

/// `GET /v1/rulebooks/{name}/problems`: the diagnostics of the last change that did not check.
async fn problems(Shared(state): Shared<Arc<State>>, Path(name): Path<String>) -> Response {
    match state.rulebook(&name) {
        Ok(served) => axum::Json(json!({
            "name": served.name,
            "serving_sha256": served.current().rulebook.sha256(),
            "problems": served.problems(),
        }))
        .into_response(),
        Err(error) => Failure::from(error).into_response(),
    }
}

/// `GET /v1/rulebooks/{name}/input`: the fields a case has, for forms.
async fn input(Shared(state): Shared<Arc<State>>, Path(name): Path<String>) -> Response {
    match state.rulebook(&name) {
        Ok(served) => {
            let loaded = served.current();
            axum::Json(describe::input(&loaded.rulebook.program().policy)).into_response()
        }
        Err(error) => Failure::from(error).into_response(),
    }
}

/// The query of `decide` and `explain`.
#[derive(Debug, Deserialize)]
pub(super) struct AsOf {
    /// Decide as of this date instead of the case's own.
    as_of: Option<String>,
}

impl AsOf {
    pub(super) fn date(&self) -> Result<Option<Date>, ServeError> {
        match &self.as_of {
            None => Ok(None),
            Some(text) => Date::parse(text).map(Some).map_err(|problem| {
                ServeError::bad_request(
                    format!("`as_of={text}` is not a date: {problem}"),
                    "write the date as `YYYY-MM-DD`",
                )
            }),
        }
    }
}

/// Reads a request body as UTF-8 text of at most the limit.
pub(super) async fn read_body(state: &State, body: Body) -> Result<String, ServeError> {
    let bytes: Bytes = axum::body::to_bytes(body, state.body_limit)
        .await
        .map_err(|_| ServeError::TooLarge {
            limit: state.body_limit,
        })?;
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        ServeError::bad_request(
            "the body is not valid UTF-8",
            "send the case as JSON in UTF-8",
        )
    })
}

/// `POST /v1/rulebooks/{name}/decide`: the verdict, deciding rule, obligations and receipt.
async fn decide(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    Query(query): Query<AsOf>,
    body: Body,
) -> Response {
    let answer = async {
        let served = state.rulebook(&name)?;
        let as_of = query.date()?;
        let case = read_body(&state, body).await?;
        let loaded = served.current();
        let rulebook = &loaded.rulebook;
        let decision = match as_of {
            Some(date) => rulebook.decide_as_of(&case, date),
            None => rulebook.decide(&case),
        }?;
        // The batch line's form without its line number: `{"line":0,` is its fixed start.
        let mut line = String::new();
        crate::report::decision::write_decision_line(&mut line, rulebook.program(), &decision, 0);
        let mut text = format!("{{{}", line.strip_prefix("{\"line\":0,").unwrap_or(&line));
        rulebook
            .stamp()
            .append_to_object(&mut text, &case, decision.date);
        record(&state, served, rulebook, &decision, &case);
        Ok::<_, Failure>(([(header::CONTENT_TYPE, "application/json")], text).into_response())
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /v1/rulebooks/{name}/explain`: the whole decision JSON, with its receipt.
async fn explain(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    Query(query): Query<AsOf>,
    body: Body,
) -> Response {
    let answer = async {
        let served = state.rulebook(&name)?;
        let as_of = query.date()?;
        let case = read_body(&state, body).await?;
        let loaded = served.current();
        let rulebook = &loaded.rulebook;
        let explained = match as_of {
            Some(date) => rulebook.explain_as_of(&case, date),
            None => rulebook.explain(&case),
        }?;
        state.metrics.decision(&served.name, explained.verdict.kind);
        if let Some(receipt) = &explained.receipt {
            let rule = explained.decided_by.as_ref().map(|rule| rule.rule);
            state.log(&log_line(receipt, explained.verdict.kind, rule));
        }
        Ok::<_, Failure>(axum::Json(&explained).into_response())
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
}

/// Counts a decision and appends it to the decision log.
fn record(
    state: &State,
    served: &Served,
    rulebook: &crate::api::Rulebook,
    decision: &crate::eval::Decision,
    case: &str,
) {
    let verdict = rulebook.verdict(decision);
    state.metrics.decision(&served.name, verdict);
    if state.decision_log.is_some() {
        let receipt = rulebook.receipt(case, decision.date);
        let rule = rulebook.decided_by(decision).map(|(rule, _)| rule);
        state.log(&log_line(&receipt, verdict, rule));
    }
}

/// The body of `POST /v1/check`: a policy's files as text, and the path of the policy among
/// them (a file or folder; the only file when left out).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    files: std::collections::BTreeMap<String, String>,
    path: Option<String>,
}

/// `POST /v1/check`: checks a policy sent as text, as `licit check --format json` does; with
/// its name and hash when it checks.
async fn check(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    let answer = async {
        let text = read_body(&state, body).await?;
        let request: CheckRequest = serde_json::from_str(&text)
            .map_err(|error| ServeError::bad_request(error.to_string(), CHECK_HELP))?;
        let (files, path) = memory_policy(request.files, request.path)?;
        let result = match crate::project::load_one(&files, &path) {
            Ok(result) => result,
            Err(error) => {
                return Ok::<_, Failure>(
                    axum::Json(json!({
                        "ok": false,
                        "diagnostics": [crate::report::diagnostic::Diagnostic::plain(&error)],
                    }))
                    .into_response(),
                );
            }
        };
        let diagnostics: Vec<crate::report::diagnostic::Diagnostic> = result
            .diagnostics()
            .iter()
            .map(crate::report::diagnostic::Diagnostic::new)
            .collect();
        let checked = result.checked.as_ref();
        Ok(axum::Json(json!({
            "ok": checked.is_some(),
            "sha256": checked.map(|policy| policy.origin.sha256.clone()),
            "diagnostics": diagnostics,
        }))
        .into_response())
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
}

const CHECK_HELP: &str =
    "send `{\"files\": {\"policy.licit\": \"policy \\\"…\\\" …\"}, \"path\": \"policy.licit\"}`";

/// Files sent as text, in memory, and the path of the policy among them.
pub(super) fn memory_policy(
    sent: std::collections::BTreeMap<String, String>,
    path: Option<String>,
) -> Result<(crate::project::MemoryFiles, std::path::PathBuf), ServeError> {
    let path = match path {
        Some(path) => path,
        None if sent.len() == 1 => sent.keys().next().cloned().unwrap_or_default(),
        None => {
            return Err(ServeError::bad_request(
                "`path` is needed with more than one file",
                CHECK_HELP,
            ));
        }
    };
    let mut files = crate::project::MemoryFiles::new();
    for (name, text) in sent {
        files.insert(name, text);
    }
    Ok((files, std::path::PathBuf::from(path)))
}

/// `GET /v1/examples`: the example cases offered, by name.
async fn examples(Shared(state): Shared<Arc<State>>) -> Response {
    let names: Vec<&str> = state
        .examples
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    axum::Json(json!({ "examples": names })).into_response()
}

/// `GET /v1/examples/{name}`: one example case, as its JSON text.
async fn example(Shared(state): Shared<Arc<State>>, Path(name): Path<String>) -> Response {
    match state.examples.iter().find(|(found, _)| *found == name) {
        Some((_, text)) => {
            ([(header::CONTENT_TYPE, "application/json")], text.clone()).into_response()
        }
        None => Failure::from(ServeError::bad_request(
            format!("no example case is named `{name}`"),
            "`GET /v1/examples` lists them",
        ))
        .with_status(StatusCode::NOT_FOUND)
        .into_response(),
    }
}
