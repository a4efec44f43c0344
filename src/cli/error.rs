//! The problems of the command line itself — arguments that do not fit, files it cannot
//! write, searches it cannot make — each a diagnostic with a stable code, printed like every
//! other.

use miette::Diagnostic;
use thiserror::Error;

/// A problem with the command line or what it was asked to do.
#[derive(Debug, Error, Diagnostic)]
pub enum CliError {
    #[error("`--param {argument}` needs the form `name=value`")]
    #[diagnostic(
        code(licit::usage::param_form),
        help("for example `--param china_counts_as_arms_embargo=true`")
    )]
    ParamForm { argument: String },

    #[error("unknown parameter `{name}`")]
    #[diagnostic(code(licit::param::unknown), help("{hint}"))]
    UnknownParam { name: String, hint: String },

    #[error("bad value for parameter `{name}`: {problem}")]
    #[diagnostic(code(licit::param::bad_value))]
    BadParamValue { name: String, problem: String },

    #[error("`--param {name}` is given twice, as `{first}` and as `{second}`")]
    #[diagnostic(
        code(licit::usage::repeated_param),
        help("give each parameter once, with the value it should have")
    )]
    RepeatedParam {
        name: String,
        first: String,
        second: String,
    },

    #[error("{message}")]
    #[diagnostic(code(licit::usage::unknown_flag), help("{help}"))]
    UnknownFlag { message: String, help: String },

    #[error("{message}")]
    #[diagnostic(code(licit::usage::conflicting_flags), help("{help}"))]
    ConflictingFlags { message: String, help: String },

    #[error("{message}")]
    #[diagnostic(code(licit::usage::bad_value), help("{help}"))]
    BadFlagValue { message: String, help: String },

    #[error("{message}")]
    #[diagnostic(code(licit::usage::missing_argument), help("{help}"))]
    MissingArgument { message: String, help: String },

    #[error("{message}")]
    #[diagnostic(code(licit::usage::invalid), help("{help}"))]
    Usage { message: String, help: String },

    #[error("`--as-of {text}` is not a date: {problem}")]
    #[diagnostic(code(licit::usage::bad_date), help("write the date as `YYYY-MM-DD`"))]
    BadDate { text: String, problem: String },

    #[error("`--what-if {change}` needs the form `field=value`")]
    #[diagnostic(
        code(licit::usage::what_if_form),
        help("for example `--what-if destination=JP` or `--what-if item.annex_i=5A002`")
    )]
    WhatIfForm { change: String },

    #[error("cannot watch `{path}` for changes: {reason}")]
    #[diagnostic(code(licit::io::cannot_watch))]
    CannotWatch { path: String, reason: String },

    #[error("the language server stopped: {reason}")]
    #[diagnostic(code(licit::lsp::stopped))]
    Lsp { reason: String },

    #[error("cannot write {what} into `{dir}`: {reason}")]
    #[diagnostic(code(licit::io::cannot_write))]
    CannotWrite {
        /// What was to be written: "tests" (`diff --emit-tests`), "a new policy" (`init`).
        what: &'static str,
        dir: String,
        reason: String,
    },

    #[error("the tests of `{path}` were skipped: the policy does not check")]
    #[diagnostic(
        code(licit::diff::tests_skipped),
        help("run `licit check {path}` to see its errors")
    )]
    TestsSkipped { path: String },

    #[error("`{flag}` cannot be used with `--format {format}`")]
    #[diagnostic(code(licit::usage::format_conflict), help("{help}"))]
    FormatConflict {
        flag: &'static str,
        format: &'static str,
        help: &'static str,
    },

    #[error("`{path}` already exists and is not empty")]
    #[diagnostic(
        code(licit::init::not_empty),
        help(
            "give the name of a new folder, or of an empty one; `licit init` writes over nothing"
        )
    )]
    InitNotEmpty { path: String },

    #[error("cannot write the output: {reason}")]
    #[diagnostic(code(licit::io::cannot_write))]
    Output { reason: String },

    #[error("no test matches `--filter {filter}`")]
    #[diagnostic(
        code(licit::test::no_match),
        help(
            "the filter keeps the tests whose name contains it; `licit test` without it runs them all"
        )
    )]
    NoTestMatches { filter: String },

    #[error("cannot write the decision log `{path}`: {reason}")]
    #[diagnostic(
        code(licit::io::cannot_write),
        help("name a file in a folder that exists and can be written")
    )]
    DecisionLog { path: String, reason: String },
}

impl From<crate::api::decision_log::LogError> for CliError {
    fn from(error: crate::api::decision_log::LogError) -> CliError {
        CliError::DecisionLog {
            path: error.path,
            reason: error.reason,
        }
    }
}

impl CliError {
    /// A usage error clap found, as a diagnostic: its first line as the message, the advice
    /// after it as the help.
    pub fn usage(error: &clap::Error) -> CliError {
        use clap::error::ErrorKind;
        let rendered = error.render().to_string();
        let mut lines = rendered
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty());
        let message = lines
            .next()
            .unwrap_or("the command line is wrong")
            .trim_start_matches("error: ")
            .to_string();
        let help = lines.collect::<Vec<_>>().join("; ");
        match error.kind() {
            ErrorKind::UnknownArgument | ErrorKind::InvalidSubcommand => {
                CliError::UnknownFlag { message, help }
            }
            ErrorKind::ArgumentConflict => CliError::ConflictingFlags { message, help },
            ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
                CliError::BadFlagValue { message, help }
            }
            ErrorKind::MissingRequiredArgument | ErrorKind::MissingSubcommand => {
                CliError::MissingArgument { message, help }
            }
            _ => CliError::Usage { message, help },
        }
    }
}
