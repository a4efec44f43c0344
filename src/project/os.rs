//! The files of a policy on disk: the one implementation of [`Files`] that touches the file
//! system (feature `fs`).

use std::fs::Metadata;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{EntryKind, Files, LoadError, MAX_FILE_BYTES, too_large};

/// The file system, as the command line sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsFiles;

impl Files for OsFiles {
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        let file = std::fs::File::open(path).map_err(|error| unreadable(path, &error))?;
        read_limited(path, file)
    }

    fn read_regular(&self, path: &Path) -> Result<String, LoadError> {
        // The type is looked at before opening, to name what is there; and again on the file
        // opened, as a FIFO may have taken the file's place in between. Opening without
        // blocking keeps that FIFO from holding the open until a writer comes.
        let before = std::fs::metadata(path).map_err(|error| unreadable(path, &error))?;
        refuse_special(path, &before)?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NONBLOCK);
        }
        let file = options
            .open(path)
            .map_err(|error| unreadable(path, &error))?;
        let opened = file.metadata().map_err(|error| unreadable(path, &error))?;
        refuse_special(path, &opened)?;
        read_limited(path, file)
    }

    fn kind(&self, path: &Path) -> Result<EntryKind, LoadError> {
        let metadata = std::fs::metadata(path).map_err(|error| unreadable(path, &error))?;
        Ok(match metadata.is_dir() {
            true => EntryKind::Directory,
            false => EntryKind::File,
        })
    }

    fn list(&self, dir: &Path) -> Result<Vec<(PathBuf, EntryKind)>, LoadError> {
        let entries = std::fs::read_dir(dir).map_err(|error| unreadable(dir, &error))?;
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

/// The [`LoadError::Unreadable`] of an I/O error at a path.
fn unreadable(path: &Path, error: &std::io::Error) -> LoadError {
    LoadError::Unreadable {
        path: path.display().to_string(),
        reason: io_reason(error),
    }
}

/// The text of a file opened, at most [`MAX_FILE_BYTES`] long. One byte past the limit is
/// enough to know a file is too large; a special file that never ends (`/dev/zero`) is read no
/// further.
fn read_limited(path: &Path, file: std::fs::File) -> Result<String, LoadError> {
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| unreadable(path, &error))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    String::from_utf8(bytes).map_err(|_| LoadError::NotUtf8 {
        path: path.display().to_string(),
    })
}

/// An error unless the metadata is a regular file's: a directory is unreadable, as it is to
/// [`OsFiles::read`]; anything else (a FIFO, a socket, a device) is `LoadError::NotAFile`.
fn refuse_special(path: &Path, metadata: &Metadata) -> Result<(), LoadError> {
    if metadata.is_file() {
        return Ok(());
    }
    if metadata.is_dir() {
        return Err(LoadError::Unreadable {
            path: path.display().to_string(),
            reason: "it is a directory".to_string(),
        });
    }
    Err(LoadError::NotAFile {
        path: path.display().to_string(),
        what: special_kind(metadata).to_string(),
    })
}

/// What a file that is neither a regular file nor a directory is, in a few words.
fn special_kind(metadata: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    #[cfg(not(unix))]
    let _ = metadata;
    "a special file"
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
