//! The command line: the only layer that reads files and writes to the terminal. One module per
//! subcommand; this one holds what they share.

mod args;
pub mod batch;
mod check;
mod diff;
mod error;
mod eval;
mod fmt;
mod init;
mod lsp;
mod receipt;
mod schema;
mod serve;
mod shell;
mod test;
mod watch;
mod whatif;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use clap::Parser;
use miette::Diagnostic;

use crate::api::{ParamError, set_param};
use crate::check::Policy;
use crate::check::{closest_name, did_you_mean_or};
use crate::eval::{Program, Value};
use crate::project::{LoadError, OsFiles, load_one};
use crate::report::diagnostic::{Sourced, Style, render_human};
use args::{Cli, ColorChoice, Command, DiagnosticFormat};
pub(crate) use error::CliError;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything succeeded.
    Ok = 0,
    /// Tests failed (or, for comparisons, differences were found).
    Failures = 1,
    /// The command line was wrong.
    Usage = 2,
    /// A policy, case or file is invalid or unreadable; diagnostics were printed.
    Invalid = 3,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(exit as u8)
    }
}

/// Parses the arguments and runs the command.
pub fn run() -> Exit {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // With `--format json` a usage error is the JSON error object, as every other
            // failure of a command asked for JSON is.
            if error.use_stderr() && json_wanted(std::env::args_os().skip(1)) {
                print_error_object(&[crate::report::diagnostic::Diagnostic::plain(
                    &CliError::usage(&error),
                )]);
                return Exit::Usage;
            }
            let _ = error.print();
            return if error.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
        }
    };
    let _ = TERMINAL.set(Terminal {
        color: cli.color,
        quiet: cli.quiet,
    });
    match cli.command {
        Command::Check(args) if args.watch => watch::run(&args.paths, || check::run(&args)),
        Command::Check(args) => check::run(&args),
        Command::Test(args) if args.watch => watch::run(&args.paths, || test::run(&args)),
        Command::Eval(args) => eval::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Lsp(_) => lsp::run(),
        Command::VerifyReceipt(args) => receipt::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Completions(args) => shell::completions(args.shell),
        Command::Man => shell::man(),
    }
}

/// Whether a command line asks for JSON output: `--format json` or `--format=json`, read from
/// the words themselves because clap could not read them.
fn json_wanted(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let mut previous_was_format = false;
    for arg in args {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            return false;
        }
        if (previous_was_format && arg == "json") || arg == "--format=json" {
            return true;
        }
        previous_was_format = arg == "--format";
    }
    false
}

/// The global options of every command: `--color` and `--quiet`.
#[derive(Debug, Clone, Copy)]
struct Terminal {
    color: ColorChoice,
    quiet: bool,
}

/// Set once, from the command line, before the command runs.
static TERMINAL: OnceLock<Terminal> = OnceLock::new();

fn terminal() -> Terminal {
    TERMINAL.get().copied().unwrap_or(Terminal {
        color: ColorChoice::Auto,
        quiet: false,
    })
}

/// Whether an output gets colour: the one place `--color`, `NO_COLOR` and the terminal are
/// weighed. `NO_COLOR` counts when set to anything but the empty text (no-color.org).
fn colour(choice: ColorChoice, is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && no_color.is_none_or(|value| value.is_empty()),
    }
}

/// How the terminal wants its output.
pub(crate) fn style_for_stderr() -> Style {
    Style {
        colour: colour(
            terminal().color,
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        ),
        width: 100,
    }
}

/// Whether stdout gets colour.
pub(crate) fn stdout_colour() -> bool {
    colour(
        terminal().color,
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// Whether `--quiet` was given: summaries, notes and progress are not printed.
pub(crate) fn quiet() -> bool {
    terminal().quiet
}

/// Prints a summary line or a note on standard error, unless `--quiet`.
pub(crate) fn print_note(text: &str) {
    if !quiet() {
        eprintln!("{text}");
    }
}

/// The policies under every path given, each once, in the order given; `Err` (printed) at the
/// first path that cannot be read.
pub(crate) fn discover_all(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Exit> {
    let mut roots: Vec<PathBuf> = Vec::new();
    for path in paths {
        match crate::project::discover(&OsFiles, path) {
            Ok(found) => {
                for root in found {
                    if !roots.contains(&root) {
                        roots.push(root);
                    }
                }
            }
            Err(error) => {
                print_plain(&error);
                return Err(Exit::Invalid);
            }
        }
    }
    Ok(roots)
}

/// Prints a diagnostic that has no source text (an unreadable file, a bad argument).
pub(crate) fn print_plain(diagnostic: &dyn Diagnostic) {
    let text = render_human(
        &Sourced {
            name: "",
            text: "",
            diagnostic,
        },
        style_for_stderr(),
    );
    eprint!("{text}");
}

/// Writes to standard output, ignoring a closed pipe.
pub(crate) fn print_out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// A policy that loaded and checked, ready to run.
pub(crate) struct Checked {
    pub policy: Arc<Policy>,
}

/// Prints diagnostics in the chosen format.
pub(crate) fn print_diagnostics(items: &[Sourced<'_>], format: DiagnosticFormat) {
    match format {
        DiagnosticFormat::Human => eprint!("{}", drawn(items, style_for_stderr())),
        DiagnosticFormat::Json => {
            let json = crate::report::diagnostic::all(items);
            print_out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            ));
        }
    }
}

/// Diagnostics drawn for a person: the first hundred (errors first), and a line counting the
/// rest, which `--format json` lists.
pub(crate) fn drawn(items: &[Sourced<'_>], style: Style) -> String {
    let (_, mut text, rest) = crate::report::diagnostic::drawn(items, style);
    if rest > 0 {
        text.push_str(&format!(
            "… and {rest} more problems; `--format json` lists every one\n"
        ));
    }
    text
}

/// Loads, checks and reports the one policy at a path; `Err` (with diagnostics printed) when
/// it is not usable. With `json_errors`, the errors of an unusable policy are printed as the
/// JSON error object `{"errors": [...]}` on standard output instead.
pub(crate) fn checked_policy(path: &Path, json_errors: bool) -> Result<Checked, Exit> {
    let result = match load_one(&OsFiles, path) {
        Ok(result) => result,
        Err(error) => {
            // Naming a folder of several policies where one is wanted is a usage error.
            let exit = match error {
                LoadError::ManyPolicies { .. } => Exit::Usage,
                _ => Exit::Invalid,
            };
            print_failure(json_errors, "", "", &[error]);
            return Err(exit);
        }
    };
    let diagnostics = result.diagnostics();
    match result.checked.clone() {
        Some(policy) => {
            print_diagnostics(&diagnostics, DiagnosticFormat::Human);
            Ok(Checked { policy })
        }
        None if json_errors => {
            let json = crate::report::diagnostic::all(&diagnostics);
            print_error_object(&json);
            Err(Exit::Invalid)
        }
        None => {
            print_diagnostics(&diagnostics, DiagnosticFormat::Human);
            Err(Exit::Invalid)
        }
    }
}

/// Prints errors that stop a command: as the JSON error object on standard output (`json`),
/// or drawn on standard error, pointing into `text` (a file named `name`; both empty when the
/// errors have no place).
pub(crate) fn print_failure<D: Diagnostic>(json: bool, name: &str, text: &str, errors: &[D]) {
    if json {
        print_error_object(&crate::api::batch::errors_json(name, 1, text, errors));
        return;
    }
    let items: Vec<Sourced<'_>> = (errors.iter())
        .map(|error| Sourced {
            name,
            text,
            diagnostic: error,
        })
        .collect();
    eprint!("{}", drawn(&items, style_for_stderr()));
}

/// Prints one error that has no place, as [`print_failure`] does.
pub(crate) fn print_plain_failure(json: bool, error: &dyn Diagnostic) {
    match json {
        true => print_error_object(&[crate::report::diagnostic::Diagnostic::plain(error)]),
        false => print_plain(error),
    }
}

/// Prints `{"errors": [...]}` on standard output.
fn print_error_object(errors: &[crate::report::diagnostic::Diagnostic]) {
    let json = serde_json::json!({ "errors": errors });
    print_out(&format!(
        "{}\n",
        serde_json::to_string_pretty(&json).unwrap_or_default()
    ));
}

/// Reads `--param name=value` arguments into values for the policy's parameters; the caller
/// prints a problem (as JSON with `--format json`) and exits with a usage error.
pub(crate) fn parse_params(
    policy: &Policy,
    params: &[String],
) -> Result<Vec<Option<Value>>, CliError> {
    let mut values: Vec<Option<Value>> = vec![None; policy.params.len()];
    // Each parameter's text as first given: a second, different value is a usage error rather
    // than one of them silently winning.
    let mut given: Vec<(&str, &str)> = Vec::new();
    for param in params {
        let Some((name, text)) = param.split_once('=') else {
            return Err(CliError::ParamForm {
                argument: param.clone(),
            });
        };
        match given.iter().find(|(seen, _)| *seen == name.trim()) {
            Some((_, first)) if *first != text.trim() => {
                return Err(CliError::RepeatedParam {
                    name: name.trim().to_string(),
                    first: first.to_string(),
                    second: text.trim().to_string(),
                });
            }
            Some(_) => {}
            None => given.push((name.trim(), text.trim())),
        }
        match set_param(policy, name.trim(), text.trim(), &mut values) {
            Ok(()) => {}
            Err(ParamError::Unknown) => {
                let names: Vec<&str> = policy.params.iter().map(|p| p.name.as_str()).collect();
                let fallback = match names.is_empty() {
                    true => "the policy has no parameters".to_string(),
                    false => format!(
                        "the parameters are {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let close = closest_name(name.trim(), names.iter().copied());
                let hint = did_you_mean_or(close.as_deref(), fallback);
                return Err(CliError::UnknownParam {
                    name: name.trim().to_string(),
                    hint,
                });
            }
            Err(ParamError::BadValue(problem)) => {
                return Err(CliError::BadParamValue {
                    name: name.trim().to_string(),
                    problem,
                });
            }
        }
    }
    Ok(values)
}

/// Reads `--as-of`; the caller prints a problem and exits with a usage error.
pub(crate) fn parse_as_of(
    as_of: &Option<String>,
) -> Result<Option<crate::syntax::calendar::Date>, CliError> {
    match as_of {
        None => Ok(None),
        Some(text) => match crate::syntax::calendar::Date::parse(text) {
            Ok(date) => Ok(Some(date)),
            Err(problem) => Err(CliError::BadDate {
                text: text.clone(),
                problem: problem.to_string(),
            }),
        },
    }
}

/// Lowers a checked policy with parameters.
pub(crate) fn program(policy: &Arc<Policy>, params: &[Option<Value>]) -> Arc<Program> {
    Arc::new(Program::lower(policy.clone(), params))
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, colour};
    use std::ffi::OsStr;

    #[test]
    fn colour_is_decided_by_the_choice_then_no_color_then_the_terminal() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(colour(ColorChoice::Always, false, set));
        assert!(!colour(ColorChoice::Never, true, None));
        assert!(colour(ColorChoice::Auto, true, None));
        assert!(colour(ColorChoice::Auto, true, empty));
        assert!(!colour(ColorChoice::Auto, true, set));
        assert!(!colour(ColorChoice::Auto, false, None));
    }
}
