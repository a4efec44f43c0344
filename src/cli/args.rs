//! The command line, as clap derive types.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// licit: check, run, test and explain export-control licensing rules.
#[derive(Debug, Parser)]
#[command(name = "licit", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour in human output: `auto` colours a terminal unless `NO_COLOR` is set (to anything
    /// but the empty text); `always` and `never` decide whatever the terminal and `NO_COLOR`.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only what was asked for and problems: no summary lines, notes or progress.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The shells `licit completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and type-check policies; print every error and warning.
    Check(CheckArgs),
    /// Decide a case (or a batch of cases) and explain the decision.
    Eval(EvalArgs),
    /// Run the `test` blocks of policies.
    Test(TestArgs),
    /// Print policies in the canonical layout, or check that they are.
    Fmt(FmtArgs),
    /// Compare two versions of a policy over cases: every case whose outcome changes.
    Diff(DiffArgs),
    /// Serve the language server protocol over standard input and output, for editors.
    Lsp(LspArgs),
    /// Print the JSON Schema (draft 2020-12) of a policy's cases.
    Schema(SchemaArgs),
    /// Create a new policy folder that checks, tests and is formatted as created.
    Init(InitArgs),
    /// Print a shell completion script: `licit completions bash > ~/.local/share/bash-completion/completions/licit`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output: `licit man > licit.1`.
    Man,
    /// Decide a receipt's case again and say whether the decision reproduces.
    VerifyReceipt(VerifyReceiptArgs),
    /// Serve policies over HTTP: decisions with receipts, explanations, batches, and a
    /// playground at `/` (docs/serve.md).
    Serve(ServeArgs),
}

/// `licit serve`
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The policies to serve (files or folders), each under its name.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The address to listen on; port 0 picks a free port (the first line of standard output
    /// says which).
    #[arg(long, default_value = "127.0.0.1:8181")]
    pub addr: std::net::SocketAddr,
    /// The folder of example cases the playground offers (default `examples`, when there is one).
    #[arg(long, value_name = "DIR")]
    pub examples: Option<PathBuf>,
    /// Append each decision's receipt and verdict to this JSONL file (docs/receipts.md).
    #[arg(long, value_name = "FILE")]
    pub decision_log: Option<PathBuf>,
    /// How long a search (why-not, what-if, diff) may take, in seconds, before it is abandoned.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub search_timeout: u64,
    /// The largest request body in bytes (a batch is streamed and not bounded by it).
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
    pub body_limit: usize,
    /// Set a parameter as `licit eval --param` does: `--param name=value`; may be repeated.
    /// It applies to every served policy that declares it (at least one must).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

/// `licit verify-receipt`
#[derive(Debug, clap::Args)]
pub struct VerifyReceiptArgs {
    /// A receipt: the `receipt` object, a decision JSON that carries one, or a decision log line.
    pub receipt: PathBuf,
    /// The policy the decision was made under (a file or folder).
    #[arg(long)]
    pub policy: PathBuf,
    /// The case that was decided, a JSON file.
    #[arg(long)]
    pub case: PathBuf,
}

/// `licit init`
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to create (its last part names the policy); it must not exist or be empty.
    pub name: PathBuf,
}

/// `licit completions`
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `licit schema`
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// A policy file or directory.
    pub path: PathBuf,
}

/// `licit diff`
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The policy before the change.
    pub old: PathBuf,
    /// The policy after the change (for example an amendment of OLD).
    pub new: PathBuf,
    /// Cases to decide under both: JSON files, JSONL files, and the cases of the `test` blocks of
    /// policies, under this path. Without it, the cases of both policies' own tests.
    #[arg(long)]
    pub cases: Option<PathBuf>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = DecisionFormat::Text)]
    pub format: DecisionFormat,
    /// Decide every case as of this date instead of its own.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Search for every kind of case on which the two differ, with a witness each (the default
    /// without `--cases`).
    #[arg(long)]
    pub search: bool,
    /// Write each witness the search finds as a `test` block into this directory.
    #[arg(long, value_name = "DIR")]
    pub emit_tests: Option<PathBuf>,
}

/// `licit fmt`
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// `.licit` files or directories (every `.licit` file below each).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Do not write; list the files that would change and fail if there are any.
    #[arg(long)]
    pub check: bool,
    /// Print the formatted text of a single file instead of writing it.
    #[arg(long, conflicts_with = "check")]
    pub stdout: bool,
}

/// `licit check`
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Policy files, policy directories, or directories of policies.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Fail when there are warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Also search for drafting mistakes (rules that never apply, are always masked, are
    /// redundant or conflict; exceptions that never bite) and prove the policy's `assert`s.
    #[arg(long)]
    pub analyze: bool,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub format: DiagnosticFormat,
    /// Check again on every change of the policy's files, until interrupted.
    #[arg(long)]
    pub watch: bool,
}

/// `licit eval`
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// A policy file or directory.
    pub path: PathBuf,
    /// The case to decide, a JSON file.
    #[arg(long, required_unless_present = "batch", conflicts_with = "batch")]
    pub case: Option<PathBuf>,
    /// Decide every line of a JSONL file (`-` for standard input); one JSON decision per line.
    #[arg(long, conflicts_with_all = ["what_if", "why_not", "case"])]
    pub batch: Option<PathBuf>,
    /// With `--batch`, include each decision's explanation.
    #[arg(long, requires = "batch", conflicts_with = "case")]
    pub explain: bool,
    /// With `--batch`, how many threads decide (default and most: the number of cores).
    #[arg(long, requires = "batch", value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// How to print the decision.
    #[arg(long, value_enum, default_value_t = DecisionFormat::Text)]
    pub format: DecisionFormat,
    /// Decide as of this date (YYYY-MM-DD) instead of the case's own.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Set a parameter of the policy: `--param name=value`; may be repeated.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Decide the case with a fact changed: `--what-if item.cyber_surveillance=false` (the
    /// value is JSON, or text); may be repeated.
    #[arg(long = "what-if", value_name = "FIELD=VALUE", requires = "case")]
    pub what_if: Vec<String>,
    /// List the smallest changes to the case's facts that would give this verdict.
    #[arg(long, value_name = "VERDICT", requires = "case")]
    pub why_not: Option<String>,
    /// Append each decision's receipt and verdict to this JSONL file (docs/receipts.md).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["what_if", "why_not"])]
    pub decision_log: Option<PathBuf>,
}

/// `licit test`
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Report which rules, exceptions and conditions the tests cover.
    #[arg(long)]
    pub coverage: bool,
    /// Fail when a policy's coverage is below this percentage (implies `--coverage`).
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub min_coverage: Option<f64>,
    /// Write or refresh the stored explanations of tests that `expect explanation`.
    #[arg(long)]
    pub update: bool,
    /// Run the tests again on every change of the policy's files, until interrupted.
    #[arg(long, conflicts_with = "update")]
    pub watch: bool,
    /// Policy files, policy directories, or directories of policies.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Run only the tests whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Decide every test's case as of this date.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Set a parameter for every test: `--param name=value`; a test's own `param` wins.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

/// Formats of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    Human,
    Json,
}

/// Formats of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecisionFormat {
    Text,
    Json,
    Markdown,
}

/// Formats of test results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

/// Reads `--jobs`: a whole number of threads, at least one.
fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("at least one thread is needed".to_string()),
        Ok(jobs) => Ok(jobs),
        Err(_) => Err(format!("`{text}` is not a whole number of threads")),
    }
}

/// Reads `--min-coverage`: a percentage from 0 to 100.
fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(share) if (0.0..=100.0).contains(&share) => Ok(share),
        Ok(_) => Err(format!("`{text}` is not a percentage from 0 to 100")),
        Err(_) => Err(format!("`{text}` is not a number")),
    }
}

/// `licit lsp`.
#[derive(Debug, clap::Args)]
pub struct LspArgs {
    /// Talk over standard input and output, the only transport: accepted because editor
    /// clients (vscode-languageclient among them) add it to the command line.
    #[arg(long)]
    pub stdio: bool,
}
