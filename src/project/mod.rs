//! Finding and loading the files of a policy — its own files, the files they `use` and the
//! policies it `amends` — over a [`Files`] trait, so that a policy can come from the disk
//! ([`OsFiles`], feature `fs`) or from memory ([`MemoryFiles`]: an editor's unsaved text, a
//! browser, a test). Nothing here touches the file system but `os.rs`.

mod files;
mod load;
mod origin;
#[cfg(feature = "fs")]
mod os;

use std::path::Path;
use std::sync::Arc;

pub use files::{EntryKind, Files, MemoryFiles, normalize};
pub use load::{LoadError, LoadedPolicy, discover, files_below, inside_project, load, read_policy};
pub use origin::{canonical_files, sha256_hex};
pub(crate) use origin::{push_digest_hex, sha256};
#[cfg(feature = "fs")]
pub use os::{OsFiles, io_reason};

use crate::check::{CheckError, Located, Policy};
use crate::report::diagnostic::Sourced;
use crate::syntax::SyntaxError;

/// The largest file licit reads, policy or case: 16 MiB. A larger file (or an endless one,
/// such as `/dev/zero`) is `LoadError::TooLarge`, found after reading one byte past the limit.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The [`LoadError::TooLarge`] of a path.
pub(crate) fn too_large(path: &Path) -> LoadError {
    LoadError::TooLarge {
        path: path.display().to_string(),
        limit: "16 MiB".to_string(),
    }
}

/// What loading and checking one policy found.
pub struct CheckResult {
    /// The policy's files as read and parsed, with their syntax errors.
    pub loaded: LoadedPolicy,
    /// The checked policy, when it has no errors (warnings allowed), in its tests neither.
    pub checked: Option<Arc<Policy>>,
    /// Every problem the checker found (errors and warnings).
    pub check_errors: Vec<Located>,
}

impl CheckResult {
    /// Every diagnostic of the policy, with the source it points into, in file order.
    pub fn diagnostics(&self) -> Vec<Sourced<'_>> {
        let mut items: Vec<(usize, u32, Sourced<'_>)> = Vec::new();
        for (file, error) in &self.loaded.syntax_errors {
            let source = &self.loaded.sources[*file];
            items.push((
                *file,
                error.span().start,
                Sourced {
                    name: &source.name,
                    text: &source.text,
                    diagnostic: error,
                },
            ));
        }
        for (file, error) in &self.loaded.outside_project {
            let source = &self.loaded.sources[*file];
            items.push((
                *file,
                error.span.offset() as u32,
                Sourced {
                    name: &source.name,
                    text: &source.text,
                    diagnostic: error,
                },
            ));
        }
        for located in &self.check_errors {
            let source = &self.loaded.sources[located.file];
            items.push((
                located.file,
                located.error_span_start(),
                Sourced {
                    name: &source.name,
                    text: &source.text,
                    diagnostic: &located.error,
                },
            ));
        }
        items.sort_by_key(|(file, start, _)| (*file, *start));
        items.into_iter().map(|(_, _, item)| item).collect()
    }
}

/// Loads and checks the policy at a path (a file or a policy directory).
pub fn load_and_check(files: &dyn Files, root: &Path) -> Result<CheckResult, LoadError> {
    let loaded = load(files, root)?;
    // A file outside the project, like a file that did not parse, is reported alone.
    let parsed_all = loaded.sources.iter().all(|source| source.ast.is_some())
        && loaded.outside_project.is_empty();
    // A file that did not parse would make every name it declares look unknown: report the
    // syntax errors alone until it parses.
    let (checked, check_errors) = if parsed_all {
        let (policy, mut errors) = crate::check::check(&loaded.sources);
        errors.retain(|found| !repeats_a_syntax_error(found, &loaded.syntax_errors));
        let policy = policy.map(|mut policy| {
            policy.origin = origin::origin(files, root, &loaded);
            Arc::new(policy)
        });
        (policy, errors)
    } else {
        (None, Vec::new())
    };
    // One rule for every command and the library: a policy with an error anywhere, a `test`
    // block included, is not used.
    let has_error = !loaded.syntax_errors.is_empty()
        || !loaded.outside_project.is_empty()
        || check_errors.iter().any(|found| !found.error.is_warning());
    let checked = if has_error { None } else { checked };
    Ok(CheckResult {
        loaded,
        checked,
        check_errors,
    })
}

/// Whether a problem the checker found only repeats a syntax error: in `some l in s: a and
/// l.b`, "`l` is not bound here" where the syntax error already asks where the body ends and
/// writes both readings.
fn repeats_a_syntax_error(found: &Located, syntax_errors: &[(usize, SyntaxError)]) -> bool {
    let CheckError::QuantifierEnded { span, .. } = &found.error else {
        return false;
    };
    syntax_errors.iter().any(|(file, error)| {
        matches!(error, SyntaxError::QuantifierBodyUnclear { whole, .. }
            if *file == found.file && whole.start <= span.start && span.end <= whole.end)
    })
}

/// Loads and checks the one policy at a path: a policy file or folder, or a folder that holds
/// exactly one.
pub fn load_one(files: &dyn Files, path: &Path) -> Result<CheckResult, LoadError> {
    let roots = discover(files, path)?;
    match roots.as_slice() {
        [root] => load_and_check(files, root),
        _ => Err(LoadError::ManyPolicies {
            path: path.display().to_string(),
            count: roots.len(),
            names: roots
                .iter()
                .map(|r| format!("`{}`", r.display()))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
