//! The editor's view of the disk: the unsaved text of open documents over the files on disk, as
//! a [`Files`] implementation, so the server loads a policy exactly as `licit check` does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::project::{EntryKind, Files, LoadError, OsFiles, normalize};

/// Open documents by path (as [`Overlay::key`] names them), over the disk.
#[derive(Debug, Default)]
pub struct Overlay {
    open: BTreeMap<PathBuf, String>,
}

impl Overlay {
    /// The path an open document is kept under: its canonical path when it exists on disk, so a
    /// policy's `use` that reaches the same file by another way finds the editor's text.
    pub fn key(path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
    }

    /// Opens or changes a document.
    pub fn set(&mut self, path: &Path, text: String) {
        self.open.insert(Overlay::key(path), text);
    }

    /// Closes a document: the disk's text counts again.
    pub fn close(&mut self, path: &Path) {
        self.open.remove(&Overlay::key(path));
    }
}

impl Files for Overlay {
    /// The editor's text, else the disk's, but only a regular file's: no path reaches the
    /// server from a command line, every one comes from the editor or a policy, so a FIFO named
    /// by a document's URI is `LoadError::NotAFile` rather than an open that waits forever for
    /// a writer (and holds every later request).
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        match self.open.get(&Overlay::key(path)) {
            Some(text) if text.len() as u64 > crate::project::MAX_FILE_BYTES => {
                Err(crate::project::too_large(path))
            }
            Some(text) => Ok(text.clone()),
            None => OsFiles.read_regular(path),
        }
    }

    fn read_regular(&self, path: &Path) -> Result<String, LoadError> {
        self.read(path)
    }

    fn kind(&self, path: &Path) -> Result<EntryKind, LoadError> {
        if self.open.contains_key(&Overlay::key(path)) {
            return Ok(EntryKind::File);
        }
        OsFiles.kind(path)
    }

    fn list(&self, dir: &Path) -> Result<Vec<(PathBuf, EntryKind)>, LoadError> {
        let mut entries = OsFiles.list(dir).unwrap_or_default();
        // A new document not yet saved is listed in its folder too.
        let key = Overlay::key(dir);
        for path in self.open.keys() {
            if path.parent() == Some(key.as_path()) {
                let entry = (
                    dir.join(path.file_name().unwrap_or_default()),
                    EntryKind::File,
                );
                if !entries.iter().any(|(p, _)| Overlay::key(p) == *path) {
                    entries.push(entry);
                }
            }
        }
        if entries.is_empty() {
            return OsFiles.list(dir);
        }
        Ok(entries)
    }

    fn identity(&self, path: &Path) -> PathBuf {
        Overlay::key(path)
    }
}
