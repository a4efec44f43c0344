//! A loaded policy as the server holds it (a [`Snapshot`]), and its diagnostics as LSP
//! diagnostics: the same codes, messages and places as `licit check`, labels after the first as
//! related places; with the fixes code actions offer.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Url};

use super::files::Overlay;
use super::index::Index;
use super::position::Lines;
use crate::eval::{Program, SuiteOptions, run_tests};
use crate::project::{CheckResult, LoadError, load_and_check};
use crate::report::analysis::{assert_diagnostic, finding_diagnostic};
use crate::report::diagnostic::{Diagnostic, Level, Sourced};
use crate::syntax::ast::Declaration;
use miette::Diagnostic as _;

/// A change a code action offers for a diagnostic.
#[derive(Debug, Clone)]
pub struct Fix {
    pub file: usize,
    /// The diagnostic's primary place, to match the action to the diagnostic.
    pub at: (usize, usize),
    pub title: String,
    /// What to replace, and with what.
    pub replace: (usize, usize),
    pub text: String,
    /// The diagnostic's code.
    pub code: String,
}

/// The result of a `test` block at the last save.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    pub failures: Vec<String>,
}

/// A policy loaded over the editor's text.
pub struct Snapshot {
    pub result: CheckResult,
    pub index: Index,
    /// The canonical path of each source.
    pub paths: Vec<PathBuf>,
    /// The checker's (and parser's) diagnostics, by source.
    pub diagnostics: Vec<(usize, Diagnostic)>,
    /// Analysis findings and failing tests of the last save, by source.
    pub saved: Vec<(usize, Diagnostic)>,
    /// The tests' results at the last save; `None` before one.
    pub tests: Option<Vec<TestResult>>,
    pub fixes: Vec<Fix>,
    /// While a file does not parse (a half-typed line), the index of the last load in which
    /// every file parsed: completion answers from it, so names and fields stay offered.
    pub last_good: Option<Index>,
}

impl Snapshot {
    /// Loads and checks the policy at a root; the error when it cannot be read (a FIFO or a
    /// link loop in its folder, a file too large, a folder of several policies).
    pub fn load(overlay: &Overlay, root: &Path) -> Result<Snapshot, LoadError> {
        let result = load_and_check(overlay, root)?;
        let sources = &result.loaded.sources;
        let paths = sources
            .iter()
            .map(|s| Overlay::key(Path::new(&s.name)))
            .collect();
        let mut diagnostics = Vec::new();
        for sourced in result.diagnostics() {
            let Some(file) = sources.iter().position(|s| s.name == sourced.name) else {
                continue;
            };
            diagnostics.push((file, Diagnostic::new(&sourced)));
        }
        let index = Index::build(sources);
        let mut snapshot = Snapshot {
            result,
            index,
            paths,
            diagnostics,
            saved: Vec::new(),
            tests: None,
            fixes: Vec::new(),
            last_good: None,
        };
        snapshot.fixes = snapshot.find_fixes();
        Ok(snapshot)
    }

    /// Did-you-mean replacements and the two readings of mixed `and`/`or`.
    fn find_fixes(&self) -> Vec<Fix> {
        let sources = &self.result.loaded.sources;
        let mut fixes = Vec::new();
        for (file, diagnostic) in &self.diagnostics {
            let Some(label) = diagnostic.labels.first() else {
                continue;
            };
            let Some(name) = diagnostic.help.as_deref().and_then(suggested_name) else {
                continue;
            };
            let text = &sources[*file].text;
            let written = text.get(label.bytes.0..label.bytes.1).unwrap_or("");
            let is_name =
                !written.is_empty() && written.chars().all(|c| c.is_alphanumeric() || c == '_');
            if is_name {
                fixes.push(Fix {
                    file: *file,
                    at: label.bytes,
                    title: format!("replace `{written}` with `{name}`"),
                    replace: label.bytes,
                    text: name.to_string(),
                    code: diagnostic.code.clone(),
                });
            }
        }
        for (file, error) in &self.result.loaded.syntax_errors {
            let Some((readings, whole)) = error.readings() else {
                continue;
            };
            let span = error.span();
            let code = error
                .code()
                .map(|code| code.to_string())
                .unwrap_or_default();
            for reading in readings {
                fixes.push(Fix {
                    file: *file,
                    at: (span.start as usize, span.end as usize),
                    title: format!(
                        "write `{}`",
                        reading.split_whitespace().collect::<Vec<_>>().join(" ")
                    ),
                    replace: (whole.start as usize, whole.end as usize),
                    text: reading.clone(),
                    code: code.clone(),
                });
            }
        }
        fixes
    }

    /// Runs what a save runs: the analysis of `check --analyze`, for at most `budget`, and the
    /// policy's tests.
    pub fn run_saved(&mut self, budget: Duration) {
        self.saved.clear();
        self.fixes
            .retain(|fix| !fix.code.starts_with("licit::analyze"));
        let Some(policy) = self.result.checked.clone() else {
            self.tests = None;
            return;
        };
        let program = Arc::new(Program::lower(policy.clone(), &[]));
        let sources = &self.result.loaded.sources;
        let (analysis, stopped) = within(budget, || crate::analysis::analyze(&program));
        if let Err(error) = &analysis {
            // Said, not left out: a save that shows no finding must not pass for a clean analysis.
            let reason = match stopped {
                true => format!(
                    "it ran past the {} s the editor gives it at a save",
                    budget.as_secs_f64()
                ),
                false => error.to_string(),
            };
            // On the first line of the file with the `policy` header.
            let file = sources
                .iter()
                .position(|source| source.ast.as_ref().is_some_and(|ast| ast.header.is_some()))
                .unwrap_or(0);
            let source = &sources[file];
            let header = source.text.find('\n').unwrap_or(source.text.len());
            let found = AnalysisUnfinished {
                reason,
                span: (0, header).into(),
            };
            self.saved.push((
                file,
                Diagnostic::new(&Sourced {
                    name: &source.name,
                    text: &source.text,
                    diagnostic: &found,
                }),
            ));
        }
        if let Ok(analysis) = analysis {
            for finding in &analysis.findings {
                let rule = &policy.rules[finding.rule];
                let file = rule.place.file;
                let text = &sources[file].text;
                let start = (rule.place.span.start as usize).min(text.len());
                let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
                let found = finding_diagnostic(&program, finding, (start, end));
                let diagnostic = Diagnostic::new(&Sourced {
                    name: &sources[file].name,
                    text,
                    diagnostic: &found,
                });
                if let Some(fix) = allow_fix(self, file, start, finding.kind.name(), &diagnostic) {
                    self.fixes.push(fix);
                }
                self.saved.push((file, diagnostic));
            }
            for outcome in &analysis.asserts {
                if let Some(found) = assert_diagnostic(&program, outcome) {
                    let source = &sources[found.file];
                    let diagnostic = Diagnostic::new(&Sourced {
                        name: &source.name,
                        text: &source.text,
                        diagnostic: &found,
                    });
                    self.saved.push((found.file, diagnostic));
                }
            }
        }
        let outcomes = run_tests(&policy, &program, &SuiteOptions::default());
        let mut tests = Vec::new();
        for outcome in &outcomes {
            tests.push(TestResult {
                name: outcome.name.clone(),
                failures: outcome.failures.clone(),
            });
            if outcome.passed() {
                continue;
            }
            let file = outcome.place.file;
            let lines = Lines::new(&sources[file].text);
            let (start, end) = (
                outcome.place.span.start as usize,
                outcome.place.span.end as usize,
            );
            let range = lines.range(start, end);
            self.saved.push((
                file,
                Diagnostic {
                    file: sources[file].name.clone(),
                    line: range.start.line as usize + 1,
                    column: range.start.character as usize + 1,
                    end_line: range.end.line as usize + 1,
                    end_column: range.end.character as usize + 1,
                    severity: Level::Error,
                    code: "licit::test::failed".to_string(),
                    message: format!("test \"{}\" fails", outcome.name),
                    help: Some(outcome.failures.join("; ")),
                    labels: vec![crate::report::diagnostic::Label {
                        message: Some("this test".to_string()),
                        line: 0,
                        column: 0,
                        end_line: 0,
                        end_column: 0,
                        file: None,
                        bytes: (start, end),
                    }],
                    data: None,
                },
            ));
        }
        self.tests = Some(tests);
    }

    /// Keeps the test results of the snapshot before (tests are found again by name); the
    /// findings' places may have moved, so they wait for the next save.
    pub fn keep_saved(&mut self, previous: Snapshot) {
        if self.result.checked.is_some() {
            self.tests = previous.tests;
        }
    }

    /// Whether every file of the policy parsed.
    pub fn parsed(&self) -> bool {
        self.result.loaded.sources.iter().all(|s| s.ast.is_some())
    }

    /// Keeps the index of the last load in which every file parsed, when this one's did not.
    pub fn keep_last_good(&mut self, previous: &mut Snapshot) {
        if self.parsed() {
            return;
        }
        self.last_good = match previous.parsed() {
            true => Some(std::mem::take(&mut previous.index)),
            false => previous.last_good.take(),
        };
    }

    /// The index completion answers from: this load's, or the last one in which every file
    /// parsed while a file does not.
    pub fn completion_index(&self) -> &Index {
        self.last_good.as_ref().unwrap_or(&self.index)
    }

    /// The diagnostics of every file of the policy, an empty list for a file without any.
    pub fn publish(&self) -> Vec<(PathBuf, Vec<lsp_types::Diagnostic>)> {
        let sources = &self.result.loaded.sources;
        let mut out: Vec<(PathBuf, Vec<lsp_types::Diagnostic>)> =
            self.paths.iter().map(|p| (p.clone(), Vec::new())).collect();
        for (file, diagnostic) in self.diagnostics.iter().chain(&self.saved) {
            let Some(uri) = super::uri_of(&self.paths[*file]) else {
                continue;
            };
            let converted = convert(diagnostic, &sources[*file].text, &uri);
            out[*file].1.push(converted);
        }
        out
    }
}

/// One diagnostic in LSP's form: the first label is its range, the others related places.
pub fn convert(diagnostic: &Diagnostic, text: &str, uri: &Url) -> lsp_types::Diagnostic {
    let lines = Lines::new(text);
    let range = diagnostic
        .labels
        .first()
        .map(|label| lines.range(label.bytes.0, label.bytes.1))
        .unwrap_or_default();
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .skip(1)
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), lines.range(label.bytes.0, label.bytes.1)),
            message: label.message.clone().unwrap_or_default(),
        })
        .collect();
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    lsp_types::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Level::Error => DiagnosticSeverity::ERROR,
            Level::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.clone())),
        source: Some("licit".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// The name in a "did you mean `x`?" help.
fn suggested_name(help: &str) -> Option<&str> {
    let rest = &help[help.find("did you mean `")? + "did you mean `".len()..];
    let name = &rest[..rest.find('`')?];
    (!name.is_empty()).then_some(name)
}

/// An `allow finding "…"` clause added at the end of the rule a finding is about.
fn allow_fix(
    snapshot: &Snapshot,
    file: usize,
    rule_start: usize,
    finding: &str,
    diagnostic: &Diagnostic,
) -> Option<Fix> {
    let ast = snapshot.result.loaded.sources[file].ast.as_ref()?;
    let rule = ast.declarations.iter().find_map(|d| match d {
        Declaration::Rule(rule) | Declaration::AddRule(rule) | Declaration::ReplaceRule(rule)
            if rule.span.start as usize <= rule_start && rule_start < rule.span.end as usize =>
        {
            Some(rule)
        }
        _ => None,
    })?;
    let end = rule.span.end as usize;
    let label = diagnostic.labels.first()?;
    Some(Fix {
        file,
        at: label.bytes,
        title: format!("allow `{finding}` for rule `{}`", rule.name.name),
        replace: (end, end),
        text: format!("\n  allow {finding} \"say why this is intended\""),
        code: diagnostic.code.clone(),
    })
}

/// A save's analysis that did not finish: stopped at the editor's time limit, or too large.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the analysis of `licit check --analyze` did not finish: {reason}")]
#[diagnostic(
    code(licit::analyze::unfinished),
    severity(Warning),
    help(
        "no finding shown is not a clean analysis: run `licit check --analyze` on the command line, which has no time limit"
    )
)]
struct AnalysisUnfinished {
    reason: String,
    #[label("this policy")]
    span: miette::SourceSpan,
}

/// Runs a search and stops it once it has run `budget` (its diagrams give up at their next few
/// thousand nodes), so that a save does not hold the editor for the minute a large policy's
/// analysis can take; true when it was stopped.
fn within<T>(budget: Duration, work: impl FnOnce() -> T) -> (T, bool) {
    let stop = Arc::new(AtomicBool::new(false));
    let (done, finished) = channel::<()>();
    let flag = stop.clone();
    let timer = std::thread::spawn(move || {
        if let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(budget) {
            flag.store(true, Ordering::Relaxed);
        }
    });
    let result = crate::analysis::bdd::stoppable(stop.clone(), work);
    drop(done);
    let _ = timer.join();
    (result, stop.load(Ordering::Relaxed))
}
