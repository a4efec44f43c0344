//! The files a policy is read from, as a trait: the disk is one implementation, memory another.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::LoadError;

/// What is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    /// A file, to be read.
    File,
    /// A directory, to be listed.
    Directory,
}

/// Where the files of a policy come from. Loading a policy (its files, what they `use`, the
/// policies it `amends`) asks only this, so a policy can be read from the disk or from memory.
pub trait Files {
    /// The text of a file, at most [`super::MAX_FILE_BYTES`] long (`LoadError::TooLarge`
    /// beyond).
    fn read(&self, path: &Path) -> Result<String, LoadError>;

    /// The text of a file that licit found rather than was given: a file of a policy folder,
    /// a file a policy `use`s or `amends`, an example case of a folder. As [`Files::read`],
    /// but only a regular file is read: a FIFO, a socket or a device is
    /// `LoadError::NotAFile`, found without waiting on it.
    fn read_regular(&self, path: &Path) -> Result<String, LoadError> {
        self.read(path)
    }

    /// Whether a path is a file or a directory; an error when there is nothing to read there.
    fn kind(&self, path: &Path) -> Result<EntryKind, LoadError>;

    /// The entries of a directory with what each is, in any order.
    fn list(&self, dir: &Path) -> Result<Vec<(PathBuf, EntryKind)>, LoadError>;

    /// A path that names the same file whatever way it was reached (on disk, the canonical
    /// path), so that a file used twice is read once.
    fn identity(&self, path: &Path) -> PathBuf {
        normalize(path)
    }
}

/// Files held in memory, by path: the unsaved text of an editor, a policy sent to a service,
/// a test. Directories are the paths' prefixes.
#[derive(Debug, Clone, Default)]
pub struct MemoryFiles {
    files: BTreeMap<PathBuf, String>,
}

impl MemoryFiles {
    /// No files.
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: impl AsRef<Path>, text: impl Into<String>) {
        self.files.insert(normalize(path.as_ref()), text.into());
    }

    /// The same files with one more.
    pub fn with(mut self, path: impl AsRef<Path>, text: impl Into<String>) -> MemoryFiles {
        self.insert(path, text);
        self
    }
}

impl Files for MemoryFiles {
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        match self.files.get(&normalize(path)) {
            Some(text) if text.len() as u64 > super::MAX_FILE_BYTES => Err(super::too_large(path)),
            Some(text) => Ok(text.clone()),
            None => Err(LoadError::Unreadable {
                path: path.display().to_string(),
                reason: match self.kind(path) {
                    Ok(EntryKind::Directory) => "it is a directory",
                    _ => "no such file or directory",
                }
                .to_string(),
            }),
        }
    }

    fn kind(&self, path: &Path) -> Result<EntryKind, LoadError> {
        let path = normalize(path);
        if self.files.contains_key(&path) {
            return Ok(EntryKind::File);
        }
        if self.files.keys().any(|file| file.starts_with(&path)) {
            return Ok(EntryKind::Directory);
        }
        Err(LoadError::Unreadable {
            path: path.display().to_string(),
            reason: "no such file or directory".to_string(),
        })
    }

    fn list(&self, dir: &Path) -> Result<Vec<(PathBuf, EntryKind)>, LoadError> {
        let dir = normalize(dir);
        let mut entries: Vec<(PathBuf, EntryKind)> = Vec::new();
        for file in self.files.keys() {
            let Ok(rest) = file.strip_prefix(&dir) else {
                continue;
            };
            let mut components = rest.components();
            let Some(first) = components.next() else {
                continue;
            };
            let kind = match components.next() {
                Some(_) => EntryKind::Directory,
                None => EntryKind::File,
            };
            let entry = (dir.join(first), kind);
            if !entries.contains(&entry) {
                entries.push(entry);
            }
        }
        if entries.is_empty() {
            return Err(LoadError::Unreadable {
                path: dir.display().to_string(),
                reason: "no such file or directory".to_string(),
            });
        }
        Ok(entries)
    }
}

/// Removes `.` and `a/..` from a path without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                // `..` cancels a name before it, but not another `..` (nor the root).
                let ends_in_name =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if ends_in_name {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{EntryKind, Files, MemoryFiles};

    #[test]
    fn memory_files_have_directories() {
        let files = MemoryFiles::new()
            .with("p/main.licit", "a")
            .with("p/sub/x.licit", "b")
            .with("./q.licit", "c");
        assert_eq!(files.kind(Path::new("p")).ok(), Some(EntryKind::Directory));
        assert_eq!(files.kind(Path::new("q.licit")).ok(), Some(EntryKind::File));
        assert!(files.kind(Path::new("r")).is_err());
        assert_eq!(
            files.read(Path::new("p/sub/../main.licit")).ok(),
            Some("a".into())
        );
        let mut entries = files.list(Path::new("p")).unwrap_or_default();
        entries.sort();
        assert_eq!(
            entries,
            vec![
                (PathBuf::from("p/main.licit"), EntryKind::File),
                (PathBuf::from("p/sub"), EntryKind::Directory),
            ]
        );
    }
}
