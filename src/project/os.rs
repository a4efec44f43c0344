//! The files of a policy on disk: the one implementation of [`Files`] that touches the file
//! system (feature `fs`).

use std::path::{Path, PathBuf};

use std::io::Read;

use super::{EntryKind, Files, LoadError, MAX_FILE_BYTES, too_large};

/// The file system, as the command line sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsFiles;

impl Files for OsFiles {
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        let unreadable = |error: std::io::Error| LoadError::Unreadable {
            path: path.display().to_string(),
            reason: io_reason(&error),
        };
        // One byte past the limit is enough to know a file is too large; a special file that
        // never ends (`/dev/zero`) is read no further.
        let file = std::fs::File::open(path).map_err(unreadable)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large(path));
        }
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
