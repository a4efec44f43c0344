//! `--watch`: run a command, then run it again on every change of the policy's files (their
//! folders are watched with `notify`; a burst of changes, as an editor's save makes, is one
//! rerun), until interrupted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};

use super::{CliError, Exit, print_plain};
use crate::project::{OsFiles, discover, load};

/// How long the files must be quiet before a rerun.
const QUIET: Duration = Duration::from_millis(150);

/// Runs `command` now and after every change below `path`; returns only when watching fails.
pub fn run(path: &Path, mut command: impl FnMut() -> Exit) -> Exit {
    let (sender, receiver) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = match new_debouncer(QUIET, sender) {
        Ok(debouncer) => debouncer,
        Err(error) => return cannot_watch(path, &error.to_string()),
    };
    let mut watched: BTreeSet<PathBuf> = BTreeSet::new();
    loop {
        let exit = command();
        // The policy's files may have changed which files it uses: watch their folders again.
        let folders = folders(path);
        for folder in folders.difference(&watched) {
            if let Err(error) = debouncer
                .watcher()
                .watch(folder, RecursiveMode::NonRecursive)
            {
                return cannot_watch(folder, &error.to_string());
            }
        }
        watched.extend(folders);
        eprintln!(
            "[watch] exit {}; watching {} folder{} for changes (Ctrl-C to stop)",
            exit as u8,
            watched.len(),
            if watched.len() == 1 { "" } else { "s" }
        );
        let changed = loop {
            match receiver.recv() {
                Ok(Ok(events)) => {
                    let changed: BTreeSet<String> = events
                        .iter()
                        .filter(|event| matters(&event.path))
                        .filter_map(|event| event.path.file_name())
                        .map(|name| name.to_string_lossy().into_owned())
                        .collect();
                    if !changed.is_empty() {
                        break changed;
                    }
                }
                Ok(Err(error)) => return cannot_watch(path, &error.to_string()),
                Err(_) => return Exit::Ok,
            }
        };
        let names: Vec<String> = changed.into_iter().collect();
        eprintln!("\n[watch] changed: {}", names.join(", "));
    }
}

/// The folders of every file of the policies at a path (its own, what they `use`, what they
/// amend), and the path's folder itself, so that a new file is seen.
fn folders(path: &Path) -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    let own = match path.is_dir() {
        true => path.to_path_buf(),
        false => path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let own = if own.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        own
    };
    found.insert(own.canonicalize().unwrap_or(own));
    for root in discover(&OsFiles, path).unwrap_or_default() {
        let Ok(loaded) = load(&OsFiles, &root) else {
            continue;
        };
        for source in &loaded.sources {
            if let Some(folder) = Path::new(&source.name).parent() {
                let folder = if folder.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    folder
                };
                if let Ok(folder) = folder.canonicalize() {
                    found.insert(folder);
                }
            }
        }
    }
    found
}

/// Whether a changed path is worth a rerun: not an editor's backup, swap or hidden file.
fn matters(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return false;
    };
    !(name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp"))
}

fn cannot_watch(path: &Path, reason: &str) -> Exit {
    print_plain(&CliError::CannotWatch {
        path: path.display().to_string(),
        reason: reason.to_string(),
    });
    Exit::Invalid
}
