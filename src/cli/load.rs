//! Finding and reading policies: a file, a policy directory, or a directory of policies; and
//! the files they `use`. The only code that reads policy files.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::check::Source;
use crate::syntax::{self, SyntaxError};

/// A file or directory that could not be read.
#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(licit::io::unreadable),
        help("check the path and its permissions")
    )]
    Unreadable { path: String, reason: String },

    #[error("`{path}` is not valid UTF-8")]
    #[diagnostic(code(licit::io::not_utf8), help("save the file as UTF-8"))]
    NotUtf8 { path: String },

    #[error("no policy in `{path}`")]
    #[diagnostic(
        code(licit::io::no_policy),
        help(
            "a policy is a `.licit` file, or a directory with a file that begins `policy \"title\"`"
        )
    )]
    NoPolicy { path: String },

    #[error("`{path}` holds {count} policies: {names}")]
    #[diagnostic(
        code(licit::io::many_policies),
        help("name one of them; `licit check` and `licit test` take a folder of several")
    )]
    ManyPolicies {
        path: String,
        count: usize,
        names: String,
    },
}

/// A policy read from disk: its sources (own files first, then used modules) and the syntax
/// errors found in them.
pub struct LoadedPolicy {
    pub root: String,
    pub sources: Vec<Source>,
    pub syntax_errors: Vec<(usize, SyntaxError)>,
}

/// Reads a file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|error| LoadError::Unreadable {
        path: path.display().to_string(),
        reason: io_reason(&error),
    })?;
    String::from_utf8(bytes).map_err(|_| LoadError::NotUtf8 {
        path: path.display().to_string(),
    })
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

/// The policies at a path: the file itself, the directory if it is a policy, or every policy
/// directory below it.
pub fn discover(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|error| LoadError::Unreadable {
        path: path.display().to_string(),
        reason: io_reason(&error),
    })?;
    if metadata.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut roots = Vec::new();
    find_roots(path, &mut roots)?;
    if roots.is_empty() {
        return Err(LoadError::NoPolicy {
            path: path.display().to_string(),
        });
    }
    Ok(roots)
}

fn find_roots(dir: &Path, roots: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let (files, dirs) = list(dir)?;
    if files
        .iter()
        .any(|file| read_text(file).is_ok_and(|text| has_header(&text)))
    {
        roots.push(dir.to_path_buf());
        return Ok(());
    }
    for sub in dirs {
        find_roots(&sub, roots)?;
    }
    Ok(())
}

/// The `.licit` files and the subdirectories of a directory, sorted.
fn list(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|error| LoadError::Unreadable {
        path: dir.display().to_string(),
        reason: io_reason(&error),
    })?;
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            dirs.push(path);
        } else if path.extension().is_some_and(|ext| ext == "licit") {
            files.push(path);
        }
    }
    files.sort();
    dirs.sort();
    Ok((files, dirs))
}

/// Whether a file begins (after comments) with a `policy` header.
fn has_header(text: &str) -> bool {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        return line
            .strip_prefix("policy")
            .is_some_and(|rest| rest.starts_with([' ', '\t', '"']));
    }
    false
}

/// Every `.licit` file of a policy directory, including subdirectories that are not policies
/// of their own.
fn policy_files(dir: &Path, top: bool, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let (files, dirs) = list(dir)?;
    if !top
        && files
            .iter()
            .any(|file| read_text(file).is_ok_and(|text| has_header(&text)))
    {
        return Ok(());
    }
    out.extend(files);
    for sub in dirs {
        policy_files(&sub, false, out)?;
    }
    Ok(())
}

/// Removes `.` and `a/..` from a path without touching the file system.
fn normalize(path: &Path) -> PathBuf {
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

/// A file read and parsed: its path, its text, its AST (if it parsed) and its syntax errors.
type ParsedFile = (
    PathBuf,
    String,
    (Option<syntax::ast::File>, Vec<SyntaxError>),
);

/// Reads a policy: the policies it amends (base first), its own files, then every file they
/// `use`, each once.
pub fn load(root: &Path) -> Result<LoadedPolicy, LoadError> {
    // Follow `amends` from the policy to its base, its base's base, and so on.
    let mut layers: Vec<Vec<ParsedFile>> = Vec::new();
    let mut amends_errors: Vec<(usize, usize, String)> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut current = root.to_path_buf();
    loop {
        let mut paths = Vec::new();
        if current.is_dir() {
            policy_files(&current, true, &mut paths)?;
        } else {
            paths.push(current.clone());
        }
        // Each file is parsed here, once: the header says whether the policy amends another.
        let mut files = Vec::new();
        for path in paths {
            let text = read_text(&path)?;
            let parsed = syntax::parse(&text);
            files.push((path, text, parsed));
        }
        seen.push(std::fs::canonicalize(&current).unwrap_or_else(|_| current.clone()));
        let amends = files
            .iter()
            .enumerate()
            .find_map(|(index, (_, _, (ast, _)))| {
                let header = ast.as_ref()?.header.as_ref()?;
                header
                    .amends
                    .as_ref()
                    .map(|path| (index, path.text.clone()))
            });
        let layer = layers.len();
        layers.push(files);
        let Some((file, relative)) = amends else {
            break;
        };
        let dir = if current.is_dir() {
            current.clone()
        } else {
            current.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let base = normalize(&dir.join(&relative));
        let canonical = std::fs::canonicalize(&base).unwrap_or_else(|_| base.clone());
        if seen.contains(&canonical) {
            amends_errors.push((
                layer,
                file,
                format!(
                    "`{}` amends, through others, this policy itself",
                    base.display()
                ),
            ));
            break;
        }
        if !base.exists() {
            amends_errors.push((
                layer,
                file,
                format!(
                    "no such file or directory (looked for `{}`)",
                    base.display()
                ),
            ));
            break;
        }
        current = base;
    }
    let mut loaded = LoadedPolicy {
        root: root.display().to_string(),
        sources: Vec::new(),
        syntax_errors: Vec::new(),
    };
    let mut index_of: HashMap<PathBuf, usize> = HashMap::new();
    let mut queue: Vec<PathBuf> = Vec::new();
    let count = layers.len();
    // The deepest base is layer 0; the policy named on the command line is the last layer.
    for (position, files) in layers.into_iter().rev().enumerate() {
        let layer = count - 1 - position;
        let layer_number = position;
        for (file_index, (path, text, parsed)) in files.into_iter().enumerate() {
            let index = add_source(
                &mut loaded,
                &mut index_of,
                &path,
                text,
                parsed,
                layer_number,
            );
            if let Some((_, _, reason)) = amends_errors
                .iter()
                .find(|(l, f, _)| *l == layer && *f == file_index)
            {
                loaded.sources[index].amends_error = Some(reason.clone());
            }
            queue.push(path);
        }
    }
    // Resolve `use`s breadth-first; a used file that cannot be read is reported at the `use`.
    let mut next = 0;
    while next < loaded.sources.len() {
        let base = queue[next]
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let wanted: Vec<String> = loaded.sources[next]
            .ast
            .as_ref()
            .map(|ast| {
                ast.declarations
                    .iter()
                    .filter_map(|d| match d {
                        syntax::ast::Declaration::Use(path) => Some(path.text.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut uses = Vec::new();
        for relative in wanted {
            let path = normalize(&base.join(&relative));
            let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if let Some(&index) = index_of.get(&key) {
                uses.push(Ok(index));
                continue;
            }
            match read_text(&path) {
                Ok(text) => {
                    let layer = loaded.sources[next].layer;
                    let parsed = syntax::parse(&text);
                    let index = add_source(&mut loaded, &mut index_of, &path, text, parsed, layer);
                    queue.push(path);
                    uses.push(Ok(index));
                }
                Err(LoadError::Unreadable { reason, .. }) => {
                    uses.push(Err(format!("{reason} (looked for `{}`)", path.display())))
                }
                Err(error) => uses.push(Err(error.to_string())),
            }
        }
        loaded.sources[next].uses = uses;
        next += 1;
    }
    Ok(loaded)
}

fn add_source(
    loaded: &mut LoadedPolicy,
    index_of: &mut HashMap<PathBuf, usize>,
    path: &Path,
    text: String,
    (ast, errors): (Option<syntax::ast::File>, Vec<SyntaxError>),
    layer: usize,
) -> usize {
    let index = loaded.sources.len();
    loaded
        .syntax_errors
        .extend(errors.into_iter().map(|error| (index, error)));
    loaded.sources.push(Source {
        name: path.display().to_string(),
        text,
        ast,
        uses: Vec::new(),
        layer,
        amends_error: None,
    });
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    index_of.insert(key, index);
    index
}
