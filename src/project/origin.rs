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
    let mut out = String::with_capacity(64);
    push_digest_hex(&mut out, hasher.finalize().into());
    out
}

/// The SHA-256 of some bytes, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    push_digest_hex(&mut out, sha256(bytes));
    out
}

/// The SHA-256 of some bytes in one call: the whole blocks are compressed where they lie, and
/// only the last part and its padding are copied (a batch hashes each line for its receipt,
/// where the incremental hasher's buffering cost about a hundred instructions more a line).
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut state: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    let (blocks, rest) = bytes.as_chunks::<64>();
    sha2::block_api::compress256(&mut state, blocks);
    // The rest, the byte 0x80, zeros and the length in bits (64 bits, big-endian) end the
    // message in one block, or in two when the rest leaves no room for the length.
    let mut tail = [[0u8; 64]; 2];
    let used = if rest.len() < 56 { 1 } else { 2 };
    let flat = tail.as_flattened_mut();
    if let Some(start) = flat.get_mut(..rest.len()) {
        start.copy_from_slice(rest);
    }
    if let Some(mark) = flat.get_mut(rest.len()) {
        *mark = 0x80;
    }
    let bits = (bytes.len() as u64).wrapping_mul(8);
    if let Some(length) = flat.get_mut(used * 64 - 8..used * 64) {
        length.copy_from_slice(&bits.to_be_bytes());
    }
    sha2::block_api::compress256(&mut state, tail.get(..used).unwrap_or_default());
    let mut digest = [0u8; 32];
    for (out, word) in digest.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// Appends a SHA-256 digest as 64 lowercase hex digits, without an intermediate string (a
/// batch writes one in each line's receipt).
pub(crate) fn push_digest_hex(out: &mut String, digest: [u8; 32]) {
    let mut text = [0u8; 64];
    for (pair, byte) in text.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
    }
    // Hex digits are ASCII, so the text is always UTF-8.
    if let Ok(hex) = std::str::from_utf8(&text) {
        out.push_str(hex);
    }
}

/// The two lowercase hex digits of every byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        pairs[byte] = [DIGITS[byte >> 4], DIGITS[byte & 15]];
        byte += 1;
    }
    pairs
};

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
    use sha2::{Digest, Sha256};

    use super::{sha256, sha256_hex, sources_sha256};

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

    /// The one-call hash is SHA-256 on every length about the block's edges (where the
    /// padding takes one block or two) and across several blocks.
    #[test]
    fn the_one_call_hash_is_sha256() {
        let bytes: Vec<u8> = (0..400u32).map(|n| (n * 7 + n / 13) as u8).collect();
        for length in 0..bytes.len() {
            let expected: [u8; 32] = Sha256::digest(&bytes[..length]).into();
            assert_eq!(sha256(&bytes[..length]), expected, "{length} bytes");
        }
    }
}
