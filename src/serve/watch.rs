//! Reloading without downtime: the folders of every served file are watched; after a change
//! (and a short quiet moment, as editors save in several steps) each rulebook is read again.
//! One that checks replaces the old atomically; one with errors leaves the old serving and its
//! problems at `GET /v1/rulebooks/{name}/problems`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_mini::notify::{self, RecursiveMode, Watcher};

use super::State;
use super::rulebooks::Reloaded;

/// How long the files must be quiet before they are read again.
const QUIET: Duration = Duration::from_millis(150);

/// Starts watching; the watcher stops when the returned value is dropped. `None` (logged) when
/// the system cannot watch: the service then serves without reloading.
pub fn start(state: Arc<State>) -> Option<notify::RecommendedWatcher> {
    let (events, changes) = std::sync::mpsc::channel::<()>();
    let mut watcher =
        match notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event
                && !event.kind.is_access()
            {
                let _ = events.send(());
            }
        }) {
            Ok(watcher) => watcher,
            Err(error) => {
                tracing::warn!(
                    "cannot watch the policies' files, so they are not reloaded: {error}"
                );
                return None;
            }
        };
    let mut folders: BTreeSet<PathBuf> = BTreeSet::new();
    for served in &state.rulebooks {
        for file in &served.current().watched {
            let folder = file
                .parent()
                .map(PathBuf::from)
                .filter(|folder| !folder.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."));
            folders.insert(folder);
        }
        if served.path.is_dir() {
            folders.insert(served.path.clone());
        }
    }
    for folder in &folders {
        if let Err(error) = watcher.watch(folder, RecursiveMode::NonRecursive) {
            tracing::warn!("cannot watch `{}`: {error}", folder.display());
        }
    }
    std::thread::spawn(move || {
        while changes.recv().is_ok() {
            // Wait for the files to be quiet.
            while changes.recv_timeout(QUIET).is_ok() {}
            for served in &state.rulebooks {
                match served.reload() {
                    Reloaded::Unchanged => {}
                    Reloaded::Replaced => {
                        state.metrics.reload(&served.name, "replaced");
                        tracing::info!(
                            rulebook = %served.name,
                            sha256 = %served.current().rulebook.sha256(),
                            "reloaded"
                        );
                    }
                    Reloaded::Kept => {
                        state.metrics.reload(&served.name, "kept");
                        let problems = served.problems();
                        for problem in &problems {
                            tracing::warn!(
                                rulebook = %served.name,
                                code = %problem.code,
                                file = %problem.file,
                                line = problem.line,
                                column = problem.column,
                                "{}",
                                problem.message
                            );
                        }
                        tracing::warn!(
                            rulebook = %served.name,
                            "the change has {} problem(s); the last good rulebook still serves",
                            problems.len()
                        );
                    }
                }
            }
        }
    });
    Some(watcher)
}
