//! `licit fmt`: rewrite `.licit` files in the canonical layout, or check that they are in it.

use std::path::{Path, PathBuf};

use super::args::FmtArgs;
use super::{Exit, print_out, print_plain};
use crate::report::diagnostic::Sourced;
use crate::report::escape::for_terminal;

/// Runs `licit fmt`.
pub fn run(args: &FmtArgs) -> Exit {
    let mut files = Vec::new();
    for path in &args.paths {
        match licit_files(path) {
            Ok(found) => {
                for file in found {
                    if !files.contains(&file) {
                        files.push(file);
                    }
                }
            }
            Err(error) => {
                print_plain(&error);
                return Exit::Invalid;
            }
        }
    }
    let mut invalid = false;
    let mut changed = Vec::new();
    for file in &files {
        let text = match crate::project::read_policy(&crate::project::OsFiles, file) {
            Ok(text) => text,
            Err(error) => {
                print_plain(&error);
                invalid = true;
                continue;
            }
        };
        let formatted = match crate::syntax::format::format(&text) {
            Ok(formatted) => formatted,
            Err(errors) => {
                let name = file.display().to_string();
                let items: Vec<Sourced<'_>> = (errors.iter())
                    .map(|error| Sourced {
                        name: &name,
                        text: &text,
                        diagnostic: error,
                    })
                    .collect();
                eprint!("{}", super::drawn(&items, super::style_for_stderr()));
                invalid = true;
                continue;
            }
        };
        if args.stdout {
            print_out(&formatted);
            continue;
        }
        if formatted == text {
            continue;
        }
        changed.push(file.display().to_string());
        if !args.check
            && let Err(error) = std::fs::write(file, &formatted)
        {
            print_plain(&crate::project::LoadError::Unreadable {
                path: file.display().to_string(),
                reason: crate::project::io_reason(&error),
            });
            invalid = true;
        }
    }
    if args.check {
        for file in &changed {
            print_out(&for_terminal(&format!("would reformat {file}\n"), false));
        }
    } else if !args.stdout && !super::quiet() {
        for file in &changed {
            print_out(&for_terminal(&format!("formatted {file}\n"), false));
        }
    }
    if invalid {
        Exit::Invalid
    } else if args.check && !changed.is_empty() {
        Exit::Failures
    } else {
        Exit::Ok
    }
}

/// The `.licit` files at a path, sorted.
fn licit_files(path: &Path) -> Result<Vec<PathBuf>, crate::project::LoadError> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = crate::project::files_below(&crate::project::OsFiles, path)?;
    files.retain(|file| file.extension().is_some_and(|ext| ext == "licit"));
    // `fmt` rewrites what it finds, so never a file outside the project, as loading a policy
    // reads none: one reached through a folder that a link takes outside is left out, and a
    // file that is itself such a link is refused.
    let mut inside = Vec::with_capacity(files.len());
    for file in files {
        if crate::project::inside_project(&crate::project::OsFiles, path, &file) {
            inside.push(file);
        } else if file.parent().is_some_and(|folder| {
            crate::project::inside_project(&crate::project::OsFiles, path, folder)
        }) {
            return Err(crate::project::LoadError::LinkOutsideProject {
                path: file.display().to_string(),
            });
        }
    }
    Ok(inside)
}
