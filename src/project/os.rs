//! The files of a policy on disk: the one implementation of [`Files`] that touches the file
//! system (feature `fs`).

use std::path::{Path, PathBuf};

use super::{EntryKind, Files, LoadError};

/// The file system, as the command line sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsFiles;

impl Files for OsFiles {
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        let bytes = std::fs::read(path).map_err(|error| LoadError::Unreadable {
            path: path.display().to_string(),
            reason: io_reason(&error),
        })?;
        String::from_utf8(bytes).map_err(|_| LoadError::NotUtf8 {
            path: path.display().to_string(),
        })
    }

    fn kind(&self, path: &Path) -> Result<EntryKind, LoadError> {
        let metadata = std::fs::metadata(path).map_err(|error| LoadError::Unreadable {
            path: path.display().to_string(),
            reason: io_reason(&error),
        })?;
        Ok(match metadata.is_dir() {
            true => EntryKind::Directory,
            false => EntryKind::File,
        })
    }

    fn list(&self, dir: &Path) -> Result<Vec<(PathBuf, EntryKind)>, LoadError> {
        let entries = std::fs::read_dir(dir).map_err(|error| LoadError::Unreadable {
            path: dir.display().to_string(),
            reason: io_reason(&error),
        })?;
        Ok(entries
            .flatten()
            .map(|entry| {
                let path = entry.path();
                let kind = match path.is_dir() {
                    true => EntryKind::Directory,
                    false => EntryKind::File,
                };
                (path, kind)
            })
            .collect())
    }

    fn identity(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// A short lowercase reason for an I/O error.
pub fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => error.to_string().to_lowercase(),
    }
}
