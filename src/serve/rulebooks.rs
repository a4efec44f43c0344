//! The rulebooks a service serves: each loaded from its path, kept with its source files, and
//! replaced atomically when its files change and the change checks cleanly. A change with
//! errors leaves the last good rulebook serving and its problems to be read.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::api::Rulebook;
use crate::project::{OsFiles, canonical_files, load_one};
use crate::report::diagnostic::Diagnostic;

/// A rulebook as loaded at one moment: what requests decide with. Requests hold an `Arc` of
/// it, so one in flight finishes on the rulebook it began with when a reload swaps it.
pub struct Loaded {
    pub rulebook: Rulebook,
    /// Its source files: canonical path and text, in the order the hash covers them.
    pub files: Vec<(String, String)>,
    /// The files on disk it was read from, to watch.
    pub watched: Vec<PathBuf>,
}

/// One served rulebook: its name, where it is read from, what serves now, and the problems
/// of the last change that did not check (empty when the files on disk serve).
pub struct Served {
    pub name: String,
    pub path: PathBuf,
    /// The parameters of `--param`, set at every load.
    params: Vec<(String, String)>,
    current: RwLock<Arc<Loaded>>,
    problems: RwLock<Vec<Diagnostic>>,
}

/// What a reload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reloaded {
    /// The files hash as before: nothing changed.
    Unchanged,
    /// The new files checked and now serve.
    Replaced,
    /// The new files have errors; the last good rulebook still serves.
    Kept,
}

impl Served {
    /// Loads a rulebook to serve; its diagnostics when it does not check.
    pub fn load(path: &Path, params: &[(String, String)]) -> Result<Served, Vec<Diagnostic>> {
        let loaded = load(path, params)?;
        Ok(Served {
            name: loaded.rulebook.short_name().to_string(),
            path: path.to_path_buf(),
            params: params.to_vec(),
            current: RwLock::new(Arc::new(loaded)),
            problems: RwLock::new(Vec::new()),
        })
    }

    /// What serves now.
    pub fn current(&self) -> Arc<Loaded> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The problems of the last change that did not check.
    pub fn problems(&self) -> Vec<Diagnostic> {
        match self.problems.read() {
            Ok(problems) => problems.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the files again: a change that checks replaces the rulebook, one with errors is
    /// kept as problems.
    pub fn reload(&self) -> Reloaded {
        let result = load(&self.path, &self.params);
        let mut problems = match self.problems.write() {
            Ok(problems) => problems,
            Err(poisoned) => poisoned.into_inner(),
        };
        match result {
            Ok(loaded) => {
                problems.clear();
                if loaded.rulebook.sha256() == self.current().rulebook.sha256() {
                    return Reloaded::Unchanged;
                }
                let mut current = match self.current.write() {
                    Ok(current) => current,
                    Err(poisoned) => poisoned.into_inner(),
                };
                *current = Arc::new(loaded);
                Reloaded::Replaced
            }
            Err(found) => {
                *problems = found;
                Reloaded::Kept
            }
        }
    }
}

/// Loads and checks the rulebook at a path, keeping its sources, with those of the parameters
/// that it declares set.
fn load(path: &Path, params: &[(String, String)]) -> Result<Loaded, Vec<Diagnostic>> {
    let result = match load_one(&OsFiles, path) {
        Ok(result) => result,
        Err(error) => return Err(vec![Diagnostic::plain(&error)]),
    };
    let Some(policy) = result.checked.clone() else {
        return Err(crate::report::diagnostic::all(&result.diagnostics()));
    };
    let files: Vec<(String, String)> = canonical_files(&OsFiles, path, &result.loaded)
        .into_iter()
        .map(|(name, text)| (name, text.to_string()))
        .collect();
    let watched = result
        .loaded
        .sources
        .iter()
        .map(|source| PathBuf::from(&source.name))
        .collect();
    let sources = result.loaded.sources;
    let rulebook = Rulebook::from_policy(policy, sources, path);
    let declared: Vec<(&str, &str)> = params
        .iter()
        .filter(|(name, _)| {
            rulebook
                .program()
                .policy
                .params
                .iter()
                .any(|p| &p.name == name)
        })
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let rulebook = match declared.is_empty() {
        true => rulebook,
        false => rulebook
            .with_params(&declared)
            .map_err(|problems| problems.diagnostics)?,
    };
    Ok(Loaded {
        rulebook,
        files,
        watched,
    })
}

/// Served rulebooks by name: the first of a name wins the name; a second is named with its
/// place (`dual-use-2`).
pub fn unique_name(taken: &[Arc<Served>], name: &str) -> String {
    if !taken.iter().any(|served| served.name == name) {
        return name.to_string();
    }
    (2..)
        .map(|n| format!("{name}-{n}"))
        .find(|candidate| !taken.iter().any(|served| &served.name == candidate))
        .unwrap_or_else(|| name.to_string())
}

impl Served {
    /// The same rulebook served under another name.
    pub fn renamed(mut self, name: String) -> Served {
        self.name = name;
        self
    }
}
