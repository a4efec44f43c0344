//! The search endpoints — why-not, what-if, and the diff of two rulebooks — over the library's
//! `Rulebook::why_not`, `Rulebook::what_if` and `licit::diff`. Each runs on a blocking thread
//! with a deadline, and at most one per core at a time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State as Shared};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::Value as Json;

use super::State;
use super::errors::{Failure, ServeError};
use super::routes::read_body;
use super::sent::{CaseBody, Params, RulebookRef, SENT_LABEL, Target};
use crate::api::Rulebook;
use crate::api::ask::{DiffCase, DiffOptions, diff};
use crate::syntax::calendar::Date;

/// The routes of the searches.
pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/rulebooks/{name}/why-not", post(why_not_served))
        .route("/v1/rulebooks/{name}/what-if", post(what_if_served))
        .route("/v1/why-not", post(why_not_sent))
        .route("/v1/what-if", post(what_if_sent))
        .route("/v1/diff", post(diff_rulebooks))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhyNotRequest {
    rulebook: Option<RulebookRef>,
    case: CaseBody,
    verdict: String,
    #[serde(default)]
    params: Params,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatIfRequest {
    rulebook: Option<RulebookRef>,
    case: CaseBody,
    changes: BTreeMap<String, Json>,
    #[serde(default)]
    params: Params,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffRequest {
    old: RulebookRef,
    new: RulebookRef,
    as_of: Option<String>,
    #[serde(default)]
    cases: Vec<CaseBody>,
    search: Option<bool>,
}

const WHY_NOT_HELP: &str = "send `{\"case\": {…}, \"verdict\": \"licence_required\"}`, with `\"rulebook\": …` on `/v1/why-not`";
const WHAT_IF_HELP: &str = "send `{\"case\": {…}, \"changes\": {\"destination\": \"JP\"}}`, with `\"rulebook\": …` on `/v1/what-if`";
const DIFF_HELP: &str = "send `{\"old\": \"name\", \"new\": {\"files\": {\"policy.licit\": \"…\"}}}`, with `cases` or `search`";

/// Reads a JSON request body into its type; a body that is not one is a 400.
pub(super) async fn request<T: serde::de::DeserializeOwned>(
    state: &State,
    body: Body,
    help: &str,
) -> Result<T, ServeError> {
    let text = read_body(state, body).await?;
    serde_json::from_str(&text).map_err(|error| ServeError::bad_request(error.to_string(), help))
}

/// Runs a search on a blocking thread: `Busy` when every slot is taken, `Timeout` past the
/// deadline (the search is stopped: it gives up at its next few thousand nodes, and its
/// thread frees the slot then).
pub(super) async fn search<T: Send + 'static>(
    state: &State,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServeError> {
    let permit = state
        .searches
        .clone()
        .try_acquire_owned()
        .map_err(|_| ServeError::Busy)?;
    // Set past the deadline: the search gives up soon after, and frees its slot and its core.
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let handle = tokio::task::spawn_blocking(move || {
        let answer = crate::analysis::bdd::stoppable(stopped, work);
        drop(permit);
        answer
    });
    match tokio::time::timeout(state.search_timeout, handle).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(_)) => Err(ServeError::Stopped),
        Err(_) => {
            stop.store(true, Ordering::Relaxed);
            Err(ServeError::Timeout {
                seconds: state.search_timeout.as_secs(),
            })
        }
    }
}

/// `POST /v1/rulebooks/{name}/why-not`: the JSON of `licit eval --why-not V --format json`.
async fn why_not_served(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    body: Body,
) -> Response {
    why_not(state, Some(name), body).await
}

/// `POST /v1/why-not`: the same, under the rulebook the body names (served, or sent as text).
async fn why_not_sent(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    why_not(state, None, body).await
}

async fn why_not(state: Arc<State>, name: Option<String>, body: Body) -> Response {
    let answer = async {
        let request: WhyNotRequest = request(&state, body, WHY_NOT_HELP).await?;
        let target = Target::pick(
            &state,
            name.as_deref(),
            request.rulebook,
            &request.params,
            WHY_NOT_HELP,
        )
        .await?;
        let rulebook = target.rulebook;
        let case = request.case.text();
        let answer = search(&state, move || rulebook.why_not(&case, &request.verdict)).await??;
        Ok::<_, Failure>(axum::Json(answer).into_response())
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /v1/rulebooks/{name}/what-if`: the explanation of the case with the facts changed.
async fn what_if_served(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    body: Body,
) -> Response {
    what_if(state, Some(name), body).await
}

/// `POST /v1/what-if`: the same, under the rulebook the body names (served, or sent as text).
async fn what_if_sent(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    what_if(state, None, body).await
}

async fn what_if(state: Arc<State>, name: Option<String>, body: Body) -> Response {
    let answer = async {
        let request: WhatIfRequest = request(&state, body, WHAT_IF_HELP).await?;
        let target = Target::pick(
            &state,
            name.as_deref(),
            request.rulebook,
            &request.params,
            WHAT_IF_HELP,
        )
        .await?;
        let rulebook = target.rulebook;
        let case = request.case.text();
        let answer = search(&state, move || {
            let changes: Vec<(&str, Json)> = request
                .changes
                .iter()
                .map(|(field, value)| (field.as_str(), value.clone()))
                .collect();
            rulebook
                .what_if(&case, &changes)
                .map(|explained| serde_json::to_value(&explained).unwrap_or_default())
        })
        .await??;
        Ok::<_, Failure>(axum::Json(answer).into_response())
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /v1/diff`: the JSON of `licit diff --format json` between two rulebooks, served or
/// sent as text; searched for witnesses unless cases are given (as `licit diff`).
async fn diff_rulebooks(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    let answer = async {
        let request: DiffRequest = request(&state, body, DIFF_HELP).await?;
        let as_of = match &request.as_of {
            None => None,
            Some(text) => Some(Date::parse(text).map_err(|problem| {
                ServeError::bad_request(format!("`as_of` is not a date: {problem}"), DIFF_HELP)
            })?),
        };
        let (old, old_name) = rulebook_of(&state, request.old).await?;
        let (new, new_name) = rulebook_of(&state, request.new).await?;
        let search_wanted = request.search.unwrap_or(request.cases.is_empty());
        let options = DiffOptions {
            as_of,
            cases: request
                .cases
                .into_iter()
                .enumerate()
                .map(|(index, case)| DiffCase {
                    label: format!("case {}", index + 1),
                    json: case.text(),
                })
                .collect(),
            search: search_wanted,
            names: Some((old_name, new_name)),
        };
        let report = search(&state, move || diff(&old, &new, &options)).await??;
        let mut json = report.json;
        if let Some(object) = json.as_object_mut() {
            object.insert(
                "skipped".to_string(),
                serde_json::to_value(&report.skipped.diagnostics).unwrap_or_default(),
            );
            object.insert("notes".to_string(), serde_json::json!(report.notes));
        }
        Ok::<_, Failure>(axum::Json(json).into_response())
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
}

/// The rulebook a diff names, with the name the report gives it.
async fn rulebook_of(state: &State, reference: RulebookRef) -> Result<(Rulebook, String), Failure> {
    let target = Target::of(state, reference, &Params::default()).await?;
    let name = match target.label.as_str() {
        SENT_LABEL => target.rulebook.short_name().to_string(),
        served => served.to_string(),
    };
    Ok((target.rulebook, name))
}
