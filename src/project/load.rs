//! Finding policies (a file, a policy directory, or a directory of policies) and reading one
//! with the files it `use`s and the policies it `amends`, through [`Files`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use super::{EntryKind, Files, normalize};
use crate::check::Source;
use crate::syntax::{self, SyntaxError};

/// A file or directory that could not be read.
#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    /// A file or directory that is not there or cannot be read.
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(licit::io::unreadable),
        help("check the path and its permissions")
    )]
    Unreadable {
        /// The path as given.
        path: String,
        /// Why, in a few lowercase words.
        reason: String,
    },

    /// A file larger than licit reads.
    #[error("`{path}` is larger than {limit}")]
    #[diagnostic(
        code(licit::io::too_large),
        help("licit reads policy and case files of at most 16 MiB; split the file")
    )]
    TooLarge {
        /// The path as given.
        path: String,
        /// The limit, in words.
        limit: String,
    },

    /// A file that is not text.
    #[error("`{path}` is not valid UTF-8")]
    #[diagnostic(code(licit::io::not_utf8), help("save the file as UTF-8"))]
    NotUtf8 {
        /// The path as given.
        path: String,
    },

    /// A FIFO, a socket or a device where a policy file or an example case was looked for:
    /// it is not opened for reading, as reading it could wait forever.
    #[error("`{path}` is not a regular file: it is {what}")]
    #[diagnostic(
        code(licit::io::not_a_file),
        help(
            "licit reads only regular files from a folder or a `use`; move it out of the folder or rename it"
        )
    )]
    NotAFile {
        /// The path as found.
        path: String,
        /// What it is instead, in words (`a FIFO`).
        what: String,
    },

    /// A file of a policy folder that is a symbolic link to a file outside the project.
    #[error("`{path}` links to a file outside the project")]
    #[diagnostic(
        code(licit::io::outside_project),
        help(
            "a policy's files are inside its project: the nearest folder above the policy that holds a `licit.toml`, else the policy's own folder; copy the file into the project, or add a `licit.toml` to a folder that holds both"
        )
    )]
    LinkOutsideProject {
        /// The path of the link, as found.
        path: String,
    },

    /// A directory with no policy in it.
    #[error("no policy in `{path}`")]
    #[diagnostic(
        code(licit::io::no_policy),
        help(
            "a policy is a `.licit` file, or a directory with a file that begins `policy \"title\"`"
        )
    )]
    NoPolicy {
        /// The path as given.
        path: String,
    },

    /// A directory of several policies where one is wanted.
    #[error("`{path}` holds {count} policies: {names}")]
    #[diagnostic(
        code(licit::io::many_policies),
        help("name one of them; `licit check` and `licit test` take a folder of several")
    )]
    ManyPolicies {
        /// The path as given.
        path: String,
        /// How many policies it holds.
        count: usize,
        /// Their paths, each in backticks.
        names: String,
    },
}

/// A `use` or `amends` that names a file outside the project: reported at the path, and the
/// file is not read.
#[derive(Debug, Error, Diagnostic)]
#[error("`{path}` is outside the project")]
#[diagnostic(
    code(licit::io::outside_project),
    help(
        "`use` and `amends` name files inside the project: the nearest folder above the policy that holds a `licit.toml`, else the policy's own folder; add a `licit.toml` to a folder that holds both"
    )
)]
pub struct OutsideProject {
    /// The path as written.
    pub path: String,
    #[label("outside the project")]
    pub span: miette::SourceSpan,
}

/// A policy read: its sources (own files first, then used modules) and the syntax errors found
/// in them.
pub struct LoadedPolicy {
    /// The path the policy was loaded from, as the user gave it.
    pub root: String,
    /// Every file of the policy, each once.
    pub sources: Vec<Source>,
    /// The syntax errors, with the index of the source each is in.
    pub syntax_errors: Vec<(usize, SyntaxError)>,
    /// The `use`s and `amends` that name files outside the project, with the index of the
    /// source each is in. Checking waits until there are none.
    pub outside_project: Vec<(usize, OutsideProject)>,
}

/// The folder a policy's `use`s and `amends` must stay inside, as [`Files::identity`] names
/// it: the nearest folder at or above the policy that holds a `licit.toml`, else the policy's
/// own folder (the folder given, or the folder of the file given).
pub fn project_root(files: &dyn Files, policy: &Path) -> PathBuf {
    let folder = match files.kind(policy) {
        Ok(EntryKind::Directory) => policy.to_path_buf(),
        _ => policy.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let folder = files.identity(&folder);
    folder
        .ancestors()
        .find(|dir| files.kind(&dir.join("licit.toml")).ok() == Some(EntryKind::File))
        .map(Path::to_path_buf)
        .unwrap_or(folder)
}

/// Whether a path, once its links are resolved, is inside the project root. A path to
/// nothing is judged by the nearest folder on it that exists, so that a `use` of a missing
/// file outside the project is refused alike on disk and in memory.
fn inside(files: &dyn Files, root: &Path, path: &Path) -> bool {
    let identity = resolved(files, path);
    let climbs = identity
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir));
    !climbs && identity.starts_with(root)
}

/// A path as [`Files::identity`] names it, or for a path to nothing, the identity of the
/// nearest part of it that exists with the rest after it.
fn resolved(files: &dyn Files, path: &Path) -> PathBuf {
    let path = normalize(path);
    for ancestor in path.ancestors() {
        let existing = match ancestor.as_os_str().is_empty() {
            true => Path::new("."),
            false => ancestor,
        };
        if files.kind(existing).is_err() {
            continue;
        }
        let rest = path.strip_prefix(ancestor).unwrap_or(&path);
        return normalize(&files.identity(existing).join(rest));
    }
    path
}

/// The policies at a path: the file itself, the directory if it is a policy, or every policy
/// directory below it.
pub fn discover(files: &dyn Files, path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if files.kind(path)? == EntryKind::File {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut roots = Vec::new();
    find_roots(files, path, &mut HashSet::new(), &mut roots)?;
    if roots.is_empty() {
        return Err(LoadError::NoPolicy {
            path: path.display().to_string(),
        });
    }
    Ok(roots)
}

fn find_roots(
    files: &dyn Files,
    dir: &Path,
    seen: &mut HashSet<PathBuf>,
    roots: &mut Vec<PathBuf>,
) -> Result<(), LoadError> {
    // A directory reached again (through a symbolic link) is not walked twice: a link to a
    // folder above would otherwise be followed forever.
    if !seen.insert(files.identity(dir)) {
        return Ok(());
    }
    let (licit_files, dirs) = list(files, dir)?;
    // A link to a file outside the project is not read to tell whether it is a policy.
    let project = project_root(files, dir);
    if licit_files.iter().any(|file| {
        inside(files, &project, file) && read_policy(files, file).is_ok_and(|t| has_header(&t))
    }) {
        roots.push(dir.to_path_buf());
        return Ok(());
    }
    for sub in dirs {
        find_roots(files, &sub, seen, roots)?;
    }
    Ok(())
}

/// The `.licit` files and the subdirectories of a directory, sorted.
fn list(files: &dyn Files, dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), LoadError> {
    let mut licit_files = Vec::new();
    let mut dirs = Vec::new();
    for (path, kind) in files.list(dir)? {
        if kind == EntryKind::Directory {
            dirs.push(path);
        } else if path.extension().is_some_and(|ext| ext == "licit") {
            licit_files.push(path);
        }
    }
    let mut files = licit_files;
    files.sort();
    dirs.sort();
    Ok((files, dirs))
}

/// The text of a policy file found in a folder or named by a policy (only a regular file:
/// [`Files::read_regular`]), without the byte-order mark an editor may have put before it.
pub fn read_policy(files: &dyn Files, path: &Path) -> Result<String, LoadError> {
    files.read_regular(path).map(without_mark)
}

/// A policy's text without a leading byte-order mark (the one place a mark is taken off, so
/// every command reads policies alike).
fn without_mark(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
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
/// of their own; a subdirectory that a link takes outside the project is left out, and a file
/// that a link takes outside it is `LoadError::LinkOutsideProject`, not read.
fn policy_files(
    files: &dyn Files,
    dir: &Path,
    top: bool,
    (project, seen): (&Path, &mut HashSet<PathBuf>),
    out: &mut Vec<PathBuf>,
) -> Result<(), LoadError> {
    if !seen.insert(files.identity(dir)) || (!top && !inside(files, project, dir)) {
        return Ok(());
    }
    let (licit_files, dirs) = list(files, dir)?;
    if let Some(outside) = licit_files
        .iter()
        .find(|file| !inside(files, project, file))
    {
        return Err(LoadError::LinkOutsideProject {
            path: outside.display().to_string(),
        });
    }
    if !top
        && licit_files
            .iter()
            .any(|file| read_policy(files, file).is_ok_and(|text| has_header(&text)))
    {
        return Ok(());
    }
    out.extend(licit_files);
    for sub in dirs {
        policy_files(files, &sub, false, (project, seen), out)?;
    }
    Ok(())
}

/// Whether a file found below `dir` is inside the project `dir` is in once its links are
/// followed: `fmt`, which rewrites the files it finds, treats those outside as loading a policy
/// does.
pub fn inside_project(files: &dyn Files, dir: &Path, file: &Path) -> bool {
    inside(files, &project_root(files, dir), file)
}

/// Every file below a directory (in its subdirectories too), sorted; a directory reached again
/// through a symbolic link is walked once.
pub fn files_below(files: &dyn Files, dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    fn walk(
        files: &dyn Files,
        dir: &Path,
        seen: &mut HashSet<PathBuf>,
        out: &mut Vec<PathBuf>,
    ) -> Result<(), LoadError> {
        if !seen.insert(files.identity(dir)) {
            return Ok(());
        }
        for (path, kind) in files.list(dir)? {
            match kind {
                EntryKind::Directory => walk(files, &path, seen, out)?,
                EntryKind::File => out.push(path),
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(files, dir, &mut HashSet::new(), &mut out)?;
    out.sort();
    Ok(out)
}

/// A file read and parsed: its path, its text, its AST (if it parsed) and its syntax errors.
type ParsedFile = (
    PathBuf,
    String,
    (Option<syntax::ast::File>, Vec<SyntaxError>),
);

/// Where an `amends` could not be followed: the layer and file that says it, and why.
type AmendsError = (usize, usize, AmendsProblem);

/// Why an `amends` was not followed.
enum AmendsProblem {
    /// The base cannot be read, or amends this policy again: why.
    Broken(String),
    /// The base is outside the project.
    Outside(OutsideProject),
}

/// Reads a policy: the policies it amends (base first), its own files, then every file they
/// `use`, each once.
pub fn load(files: &dyn Files, root: &Path) -> Result<LoadedPolicy, LoadError> {
    let project = project_root(files, root);
    let (layers, mut amends_errors) = read_layers(files, root, &project)?;
    let mut loaded = LoadedPolicy {
        root: root.display().to_string(),
        sources: Vec::new(),
        syntax_errors: Vec::new(),
        outside_project: Vec::new(),
    };
    let mut index_of: HashMap<PathBuf, usize> = HashMap::new();
    let mut queue: Vec<PathBuf> = Vec::new();
    let count = layers.len();
    // The deepest base is layer 0; the policy named on the command line is the last layer.
    for (position, layer_files) in layers.into_iter().rev().enumerate() {
        let layer = count - 1 - position;
        for (file_index, (path, text, parsed)) in layer_files.into_iter().enumerate() {
            let index = add_source(
                files,
                &mut loaded,
                &mut index_of,
                &path,
                text,
                parsed,
                position,
            );
            if let Some(at) = amends_errors
                .iter()
                .position(|(l, f, _)| *l == layer && *f == file_index)
            {
                match amends_errors.swap_remove(at).2 {
                    AmendsProblem::Broken(reason) => {
                        loaded.sources[index].amends_error = Some(reason)
                    }
                    AmendsProblem::Outside(error) => loaded.outside_project.push((index, error)),
                }
            }
            queue.push(path);
        }
    }
    resolve_uses(files, &project, &mut loaded, &mut index_of, &mut queue);
    Ok(loaded)
}

/// Follows `amends` from the policy to its base, its base's base, and so on: the files of each
/// policy, read and parsed (the policy at `root` first), and where the chain broke.
fn read_layers(
    files: &dyn Files,
    root: &Path,
    project: &Path,
) -> Result<(Vec<Vec<ParsedFile>>, Vec<AmendsError>), LoadError> {
    let mut layers: Vec<Vec<ParsedFile>> = Vec::new();
    let mut amends_errors: Vec<AmendsError> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut current = root.to_path_buf();
    loop {
        let mut paths = Vec::new();
        let current_is_dir = files.kind(&current).ok() == Some(EntryKind::Directory);
        if current_is_dir {
            policy_files(
                files,
                &current,
                true,
                (project, &mut HashSet::new()),
                &mut paths,
            )?;
        } else {
            paths.push(current.clone());
        }
        // Each file is parsed here, once: the header says whether the policy amends another.
        // Only the file named on the command line may be other than a regular file (`<(…)`).
        let mut parsed_files = Vec::new();
        for path in paths {
            let text = match layers.is_empty() && !current_is_dir {
                true => files.read(&path).map(without_mark)?,
                false => read_policy(files, &path)?,
            };
            let parsed = syntax::parse(&text);
            parsed_files.push((path, text, parsed));
        }
        seen.push(files.identity(&current));
        let amends = parsed_files
            .iter()
            .enumerate()
            .find_map(|(index, (_, _, (ast, _)))| {
                let header = ast.as_ref()?.header.as_ref()?;
                header
                    .amends
                    .as_ref()
                    .map(|path| (index, path.text.clone(), path.span))
            });
        let layer = layers.len();
        layers.push(parsed_files);
        let Some((file, relative, span)) = amends else {
            break;
        };
        let dir = if current_is_dir {
            current.clone()
        } else {
            current.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let base = normalize(&dir.join(&relative));
        let canonical = files.identity(&base);
        if seen.contains(&canonical) {
            amends_errors.push((
                layer,
                file,
                AmendsProblem::Broken(format!(
                    "`{}` amends, through others, this policy itself",
                    base.display()
                )),
            ));
            break;
        }
        if !inside(files, project, &base) {
            amends_errors.push((
                layer,
                file,
                AmendsProblem::Outside(OutsideProject {
                    path: relative,
                    span: span.into(),
                }),
            ));
            break;
        }
        if files.kind(&base).is_err() {
            amends_errors.push((
                layer,
                file,
                AmendsProblem::Broken(format!(
                    "no such file or directory (looked for `{}`)",
                    base.display()
                )),
            ));
            break;
        }
        current = base;
    }
    Ok((layers, amends_errors))
}

/// Reads every file the sources `use`, breadth-first, each once; a used file that cannot be
/// read is reported at the `use`. `queue` holds each source's path.
fn resolve_uses(
    files: &dyn Files,
    project: &Path,
    loaded: &mut LoadedPolicy,
    index_of: &mut HashMap<PathBuf, usize>,
    queue: &mut Vec<PathBuf>,
) {
    let mut next = 0;
    while next < loaded.sources.len() {
        let base = queue[next]
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let wanted: Vec<(String, crate::syntax::Span)> = loaded.sources[next]
            .ast
            .as_ref()
            .map(|ast| {
                ast.declarations
                    .iter()
                    .filter_map(|d| match d {
                        syntax::ast::Declaration::Use(path) => Some((path.text.clone(), path.span)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut uses = Vec::new();
        for (relative, span) in wanted {
            let path = normalize(&base.join(&relative));
            // A file outside the project is not read, nor looked for: reported at the `use`.
            if !inside(files, project, &path) {
                uses.push(Err(format!(
                    "outside the project (looked for `{}`)",
                    path.display()
                )));
                loaded.outside_project.push((
                    next,
                    OutsideProject {
                        path: relative,
                        span: span.into(),
                    },
                ));
                continue;
            }
            let key = files.identity(&path);
            if let Some(&index) = index_of.get(&key) {
                uses.push(Ok(index));
                continue;
            }
            match read_policy(files, &path) {
                Ok(text) => {
                    let layer = loaded.sources[next].layer;
                    let parsed = syntax::parse(&text);
                    let index = add_source(files, loaded, index_of, &path, text, parsed, layer);
                    queue.push(path);
                    uses.push(Ok(index));
                }
                Err(LoadError::Unreadable { reason, .. }) => {
                    uses.push(Err(format!("{reason} (looked for `{}`)", path.display())))
                }
                Err(LoadError::NotAFile { what, .. }) => uses.push(Err(format!(
                    "it is {what}, not a regular file (looked for `{}`)",
                    path.display()
                ))),
                Err(error) => uses.push(Err(error.to_string())),
            }
        }
        loaded.sources[next].uses = uses;
        next += 1;
    }
}

/// Adds a file read and parsed to the policy's sources; its index.
fn add_source(
    files: &dyn Files,
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
    index_of.insert(files.identity(path), index);
    index
}
