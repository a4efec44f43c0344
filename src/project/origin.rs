//! A policy's origin for receipts: its name, and one SHA-256 over its source files in a canonical
//! order (docs/receipts.md), computed once when the policy is loaded.

use std::path::{Component, Path};

use sha2::{Digest, Sha256};

use super::{Files, LoadedPolicy};
use crate::check::ir::Origin;

/// The name and hash of a loaded policy. Each file is named by its path inside the project
/// (the folder that `use` and `amends` stay inside), with `/` between components, so that the
/// hash is the same wherever the project is and however its path was given.
pub fn origin(files: &dyn Files, root: &Path, loaded: &LoadedPolicy) -> Origin {
    let named = canonical_files(files, root, loaded);
    Origin {
        name: rulebook_name(files, root),
        sha256: sources_sha256(named.iter().map(|(path, text)| (path.as_str(), *text))),
    }
}

/// A loaded policy's files, each named by its canonical path (its path inside the project,
/// `/` between the parts), sorted by it: the order the hash covers them in.
pub fn canonical_files<'a>(
    files: &dyn Files,
    root: &Path,
    loaded: &'a LoadedPolicy,
) -> Vec<(String, &'a str)> {
    let project = super::load::project_root(files, root);
    let mut named: Vec<(String, &str)> = loaded
        .sources
        .iter()
        .map(|source| {
            let identity = files.identity(Path::new(&source.name));
            let inside = identity.strip_prefix(&project).unwrap_or(&identity);
            (canonical_path(inside), source.text.as_str())
        })
        .collect();
    named.sort();
    named
}

/// The hash of source files given as (canonical path, text), in the order given: for each, the
/// path's bytes, a NUL, the text's length in bytes as decimal digits, a NUL, the text.
pub fn sources_sha256<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut hasher = Sha256::new();
    for (path, text) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(text.len().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
    }
    hex(&hasher.finalize())
}

/// The SHA-256 of some bytes, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lowercase hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

/// A path's normal components joined with `/`.
fn canonical_path(path: &Path) -> String {
    path.components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            Component::Prefix(_)
            | Component::RootDir
            | Component::CurDir
            | Component::ParentDir => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A rulebook's name: the name of its folder, or of its file without `.licit`.
pub fn rulebook_name(files: &dyn Files, root: &Path) -> String {
    let named = match root.file_name() {
        Some(_) => root.to_path_buf(),
        // `.` or `..`: the folder's own name.
        None => files.identity(root),
    };
    let name = match files.kind(&named) {
        Ok(super::EntryKind::File) => named.file_stem(),
        _ => named.file_name(),
    };
    name.map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "policy".to_string())
}

#[cfg(test)]
mod tests {
    use super::{sha256_hex, sources_sha256};

    /// The hash is SHA-256 over the documented bytes, so `sha256sum` recomputes it.
    #[test]
    fn the_canonical_bytes() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sources_sha256([("a.licit", "ab"), ("b/c.licit", "")]),
            sha256_hex(b"a.licit\x002\x00abb/c.licit\x000\x00")
        );
    }
}
