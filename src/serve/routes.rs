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

use super::ask::search;
use super::errors::{ErrorCodes, Failure, ServeError};
use super::rulebooks::Served;
use super::sent::{CaseBody, Params, RulebookRef, SENT_HELP, SentPolicy, Target};
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
        .route("/v1/decide", post(decide_sent))
        .route("/v1/explain", post(explain_sent))
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
    let response = as_errors(next.run(request).await).await;
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

/// An answer of axum's own extractors (a query or path it cannot read, a method the route does
/// not take) is plain text: made the `{"errors": [...]}` every other error answer is, so that
/// every 4xx has the media type and schema the OpenAPI document declares.
async fn as_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !status.is_client_error() || is_json {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let problem = match (text.is_empty(), status) {
        (false, _) => text,
        (true, StatusCode::METHOD_NOT_ALLOWED) => "the endpoint does not take this method".into(),
        (true, _) => status.canonical_reason().unwrap_or("bad request").into(),
    };
    Failure::from(ServeError::bad_request(
        problem,
        "the endpoints, their methods and queries are listed in `/v1/openapi.json`",
    ))
    .with_status(status)
    .into_response()
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

/// How long a request body (not a batch's, which is streamed) may take to arrive: a client
/// that sent a byte now and then held its connection, and its slot, for ever.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads a request body as UTF-8 text of at most the limit, within [`BODY_TIMEOUT`].
pub(super) async fn read_body(state: &State, body: Body) -> Result<String, ServeError> {
    let read = axum::body::to_bytes(body, state.body_limit);
    let bytes: Bytes = tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .map_err(|_| ServeError::SlowBody {
            seconds: BODY_TIMEOUT.as_secs(),
        })?
        .map_err(|error| body_error(state, &error))?;
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        ServeError::bad_request(
            "the body is not valid UTF-8",
            "send the case as JSON in UTF-8",
        )
    })
}

/// Why a body could not be read: over the limit (413), or broken off or malformed on the way
/// (a connection closed mid-body, a bad chunk: 400).
fn body_error(state: &State, error: &axum::Error) -> ServeError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(inner) = cause {
        if inner.is::<http_body_util::LengthLimitError>() {
            return ServeError::TooLarge {
                limit: state.body_limit,
            };
        }
        cause = inner.source();
    }
    ServeError::bad_request(
        format!("the request body could not be read: {error}"),
        "send the whole body, with a `Content-Length` or well-formed chunks",
    )
}

/// `POST /v1/rulebooks/{name}/decide`: the verdict, deciding rule, obligations and receipt.
async fn decide(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    Query(query): Query<AsOf>,
    body: Body,
) -> Response {
    decide_served(state, name, query, body, Answer::Decision).await
}

/// `POST /v1/rulebooks/{name}/explain`: the whole decision JSON, with its receipt.
async fn explain(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    Query(query): Query<AsOf>,
    body: Body,
) -> Response {
    decide_served(state, name, query, body, Answer::Explanation).await
}

/// What a decision is answered with.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// The verdict, deciding rule, obligations and receipt (`decide`).
    Decision,
    /// The whole decision JSON (`explain`).
    Explanation,
}

/// Decides the body's case under a served rulebook.
async fn decide_served(
    state: Arc<State>,
    name: String,
    query: AsOf,
    body: Body,
    answer: Answer,
) -> Response {
    let decided = async {
        let target = Target::served(&state, &name)?;
        let as_of = query.date()?;
        let case = read_body(&state, body).await?;
        decide_under(&state, &target, &case, as_of, answer)
    };
    decided.await.unwrap_or_else(IntoResponse::into_response)
}

/// The body of `POST /v1/decide` and `/v1/explain`: the rulebook (served, or sent as text),
/// the case, and optionally the date and parameters for this decision.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideRequest {
    rulebook: RulebookRef,
    case: CaseBody,
    as_of: Option<String>,
    #[serde(default)]
    params: Params,
}

const DECIDE_HELP: &str = "send `{\"rulebook\": \"name\" or {\"files\": {…}, \"path\": \"…\"}, \"case\": {…}}`, with `as_of` and `params` if wanted";

/// `POST /v1/decide`: as `/v1/rulebooks/{name}/decide`, under the rulebook the body names.
async fn decide_sent(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    decide_request(state, body, Answer::Decision).await
}

/// `POST /v1/explain`: as `/v1/rulebooks/{name}/explain`, under the rulebook the body names.
async fn explain_sent(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    decide_request(state, body, Answer::Explanation).await
}

async fn decide_request(state: Arc<State>, body: Body, answer: Answer) -> Response {
    let decided = async {
        let request: DecideRequest = super::ask::request(&state, body, DECIDE_HELP).await?;
        let as_of = AsOf {
            as_of: request.as_of,
        }
        .date()?;
        let target = Target::of(&state, request.rulebook, &request.params).await?;
        decide_under(&state, &target, &request.case.text(), as_of, answer)
    };
    decided.await.unwrap_or_else(IntoResponse::into_response)
}

/// Decides a case under a rulebook, counts it and logs its receipt.
fn decide_under(
    state: &State,
    target: &Target,
    case: &str,
    as_of: Option<Date>,
    answer: Answer,
) -> Result<Response, Failure> {
    let rulebook = &target.rulebook;
    match answer {
        Answer::Decision => {
            let decision = match as_of {
                Some(date) => rulebook.decide_as_of(case, date),
                None => rulebook.decide(case),
            }?;
            // The batch line's form without its line number: `{"line":0,` is its fixed start.
            let mut line = String::new();
            crate::report::decision_line::write_decision_line(
                &mut line,
                rulebook.program(),
                rulebook.decision_texts(),
                &decision,
                0,
            );
            let mut text = format!("{{{}", line.strip_prefix("{\"line\":0,").unwrap_or(&line));
            rulebook
                .stamp()
                .append_to_object(&mut text, case.as_bytes(), decision.date);
            let verdict = rulebook.verdict(&decision);
            if state.decision_log.is_some() {
                let receipt = rulebook.receipt(case, decision.date);
                let rule = rulebook.decided_by(&decision).map(|(rule, _)| rule);
                state.log(&log_line(&receipt, verdict, rule))?;
            }
            state.metrics.decision(&target.label, verdict);
            Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
        }
        Answer::Explanation => {
            let explained = match as_of {
                Some(date) => rulebook.explain_as_of(case, date),
                None => rulebook.explain(case),
            }?;
            if let Some(receipt) = &explained.receipt {
                let rule = explained.decided_by.as_ref().map(|rule| rule.rule);
                state.log(&log_line(receipt, explained.verdict.kind, rule))?;
            }
            state
                .metrics
                .decision(&target.label, explained.verdict.kind);
            Ok(axum::Json(&explained).into_response())
        }
    }
}

/// `POST /v1/check`: checks a policy sent as text, as `licit check --format json` does; with
/// its name and hash when it checks.
async fn check(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    let answer = async {
        let text = read_body(&state, body).await?;
        let request: SentPolicy = serde_json::from_str(&text)
            .map_err(|error| ServeError::bad_request(error.to_string(), SENT_HELP))?;
        let (files, path) = request.memory()?;
        // Checked as a search is, on a blocking thread within `--search-timeout`: a policy of
        // a few hundred kilobytes checked on the runtime's own threads took minutes, and two
        // of them left the service answering nobody.
        let answer = search(&state, move || {
            let result = match crate::project::load_one(&files, &path) {
                Ok(result) => result,
                Err(error) => {
                    return json!({
                        "ok": false,
                        "sha256": null,
                        "diagnostics": [crate::report::diagnostic::Diagnostic::plain(&error)],
                    });
                }
            };
            let diagnostics = crate::report::diagnostic::all(&result.diagnostics());
            let checked = result.checked.as_ref();
            json!({
                "ok": checked.is_some(),
                "sha256": checked.map(|policy| policy.origin.sha256.clone()),
                "diagnostics": diagnostics,
            })
        })
        .await?;
        Ok::<_, Failure>(axum::Json(answer).into_response())
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
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
