//! What a request names to decide under: a served rulebook, or a policy sent as text (the
//! playground's edited files), with parameters set for that request; and a case, as a JSON
//! object or as its text. The one home for loading sources from a request: `/v1/check`,
//! `/v1/diff`, `/v1/decide`, `/v1/explain`, `/v1/why-not` and `/v1/what-if` all read them here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value as Json;

use super::State;
use super::ask::search;
use super::errors::{Failure, ServeError};
use crate::api::Rulebook;
use crate::project::MemoryFiles;

/// The label metrics give a rulebook sent as text: its name is the sender's, and labels from
/// requests would grow the metrics without bound.
pub const SENT_LABEL: &str = "(sent)";

pub const SENT_HELP: &str =
    "send `{\"files\": {\"policy.licit\": \"policy \\\"…\\\" …\"}, \"path\": \"policy.licit\"}`";

/// A policy sent as text: its files by path, and the path of the policy among them (a file or
/// folder; the only file when left out).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentPolicy {
    files: BTreeMap<String, String>,
    path: Option<String>,
}

impl SentPolicy {
    /// The files in memory, and the path of the policy among them.
    pub fn memory(self) -> Result<(MemoryFiles, PathBuf), ServeError> {
        let path = match self.path {
            Some(path) => path,
            None if self.files.len() == 1 => self.files.keys().next().cloned().unwrap_or_default(),
            None => {
                return Err(ServeError::bad_request(
                    "`path` is needed with more than one file",
                    SENT_HELP,
                ));
            }
        };
        let mut files = MemoryFiles::new();
        for (name, text) in self.files {
            files.insert(name, text);
        }
        Ok((files, PathBuf::from(path)))
    }

    /// Loads and checks the policy as a search does: on a blocking thread, within the deadline
    /// of `--search-timeout`; a policy that does not check is a 422 with its diagnostics.
    pub async fn load(self, state: &State) -> Result<Rulebook, Failure> {
        let (files, path) = self.memory()?;
        Ok(search(state, move || Rulebook::from_files(&files, &path)).await??)
    }
}

/// A rulebook a request names: a served one by name, or one sent as text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RulebookRef {
    Served(String),
    Sent(SentPolicy),
}

/// The rulebook a request decides under, and the label its decisions are counted by.
pub struct Target {
    pub rulebook: Rulebook,
    pub label: String,
}

impl Target {
    /// A served rulebook as it serves now.
    pub fn served(state: &State, name: &str) -> Result<Target, ServeError> {
        let served = state.rulebook(name)?;
        Ok(Target {
            rulebook: served.current().rulebook.clone(),
            label: served.name.clone(),
        })
    }

    /// The rulebook a body names, with the request's parameters set.
    pub async fn of(
        state: &State,
        reference: RulebookRef,
        params: &Params,
    ) -> Result<Target, Failure> {
        let target = match reference {
            RulebookRef::Served(name) => Target::served(state, &name)?,
            RulebookRef::Sent(sent) => Target {
                rulebook: sent.load(state).await?,
                label: SENT_LABEL.to_string(),
            },
        };
        target.with_params(params)
    }

    /// The rulebook of a route with `{name}` (whose body must not name another), or the one the
    /// body names (which it must, on a route without).
    pub async fn pick(
        state: &State,
        in_path: Option<&str>,
        in_body: Option<RulebookRef>,
        params: &Params,
        help: &str,
    ) -> Result<Target, Failure> {
        match (in_path, in_body) {
            (Some(name), None) => Target::served(state, name)?.with_params(params),
            (None, Some(reference)) => Target::of(state, reference, params).await,
            (Some(_), Some(_)) => Err(ServeError::bad_request(
                "the rulebook is named by the path; `rulebook` is for `/v1/…` without one",
                help,
            )
            .into()),
            (None, None) => Err(ServeError::bad_request("`rulebook` is missing", help).into()),
        }
    }

    /// The same rulebook with a request's parameters set, as `--param` sets them: the
    /// receipt records them. An unknown parameter or a bad value is a 422.
    fn with_params(self, params: &Params) -> Result<Target, Failure> {
        if params.0.is_empty() {
            return Ok(self);
        }
        let texts = params.texts()?;
        let pairs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str()))
            .collect();
        Ok(Target {
            rulebook: self.rulebook.with_params(&pairs)?,
            label: self.label,
        })
    }
}

/// Parameters set for one request: `{"name": value}`, a value as `--param name=value` writes
/// it (a string), or a JSON boolean or number standing for its text.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Params(BTreeMap<String, Json>);

impl Params {
    fn texts(&self) -> Result<Vec<(String, String)>, ServeError> {
        self.0
            .iter()
            .map(|(name, value)| match value {
                Json::String(text) => Ok((name.clone(), text.clone())),
                Json::Bool(_) | Json::Number(_) => Ok((name.clone(), value.to_string())),
                _ => Err(ServeError::bad_request(
                    format!("the value of parameter `{name}` is not a string, boolean or number"),
                    "write it as `--param` takes it: `{\"params\": {\"name\": \"value\"}}`",
                )),
            })
            .collect()
    }
}

/// A case in a request: a JSON object, or its text as a string (kept byte for byte, so that
/// diagnostics point into it and its hash is that of the text).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum CaseBody {
    Text(String),
    Object(serde_json::Map<String, Json>),
}

impl CaseBody {
    pub fn text(self) -> String {
        match self {
            CaseBody::Text(text) => text,
            CaseBody::Object(object) => Json::Object(object).to_string(),
        }
    }
}
