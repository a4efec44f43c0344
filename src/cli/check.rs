//! `licit check`: parse and type-check every policy under a path.

use super::args::{CheckArgs, DiagnosticFormat};
use super::{Exit, print_diagnostics, print_plain};
use crate::api::ask::analyse;
use crate::report::analysis::AnalysisDiagnostic;
use crate::report::diagnostic::{Diagnostic, Sourced, is_warning};

/// Runs `licit check`.
pub fn run(args: &CheckArgs) -> Exit {
    let mut errors = 0;
    let mut warnings = 0;
    let mut json = Vec::new();
    // With `--format json` every problem is in the array, a path that cannot be read too, and
    // the other paths are still checked.
    let roots = match args.format {
        DiagnosticFormat::Human => match super::discover_all(&args.paths) {
            Ok(roots) => roots,
            Err(exit) => return exit,
        },
        DiagnosticFormat::Json => {
            let mut roots: Vec<std::path::PathBuf> = Vec::new();
            for path in &args.paths {
                match crate::project::discover(&crate::project::OsFiles, path) {
                    Ok(found) => {
                        for root in found {
                            if !roots.contains(&root) {
                                roots.push(root);
                            }
                        }
                    }
                    Err(error) => {
                        json.push(Diagnostic::plain(&error));
                        errors += 1;
                    }
                }
            }
            roots
        }
    };
    for root in &roots {
        let result = match crate::project::load_and_check(&crate::project::OsFiles, root) {
            Ok(result) => result,
            Err(error) => {
                report_plain(args.format, &error, &mut json);
                errors += 1;
                continue;
            }
        };
        let mut diagnostics = result.diagnostics();
        let found_warnings = diagnostics
            .iter()
            .filter(|d| is_warning(d.diagnostic))
            .count();
        errors += diagnostics.len() - found_warnings;
        warnings += found_warnings;
        let findings = match (&result.checked, args.analyze) {
            (Some(policy), true) => {
                match analyze(root, &result, policy, (args.format, &mut json)) {
                    Some(findings) => findings,
                    // An analysis that was asked for and could not be made is an error.
                    None => {
                        errors += 1;
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        };
        for finding in &findings {
            if finding.is_error() {
                errors += 1;
            } else {
                warnings += 1;
            }
            let source = &result.loaded.sources[finding.file];
            diagnostics.push(Sourced {
                name: &source.name,
                text: &source.text,
                diagnostic: finding,
            });
        }
        match args.format {
            DiagnosticFormat::Human => print_diagnostics(&diagnostics, DiagnosticFormat::Human),
            DiagnosticFormat::Json => json.extend(crate::report::diagnostic::all(&diagnostics)),
        }
    }
    match args.format {
        DiagnosticFormat::Json => super::print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        )),
        DiagnosticFormat::Human => {
            let policies = if roots.len() == 1 {
                "1 policy".to_string()
            } else {
                format!("{} policies", roots.len())
            };
            super::print_note(&format!(
                "checked {policies}: {errors} error{}, {warnings} warning{}",
                plural(errors),
                plural(warnings)
            ));
        }
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        Exit::Invalid
    } else {
        Exit::Ok
    }
}

/// Reports a problem that has no place in a policy's text (an unreadable file, an analysis
/// that cannot be made): drawn on standard error, or added to the JSON array.
fn report_plain(
    format: DiagnosticFormat,
    error: &dyn miette::Diagnostic,
    json: &mut Vec<Diagnostic>,
) {
    match format {
        DiagnosticFormat::Human => print_plain(error),
        DiagnosticFormat::Json => json.push(Diagnostic::plain(error)),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Runs the analysis of a checked policy: findings as warnings, broken assertions as errors;
/// proven assertions are reported on standard error. `None` (with the reason printed) when the
/// analysis cannot be made.
fn analyze(
    root: &std::path::Path,
    result: &crate::project::CheckResult,
    policy: &std::sync::Arc<crate::check::Policy>,
    (format, json): (DiagnosticFormat, &mut Vec<Diagnostic>),
) -> Option<Vec<AnalysisDiagnostic>> {
    let program = super::program(policy, &[]);
    let path = root.display().to_string();
    let analysed = match analyse(&program, &result.loaded.sources, &path) {
        Ok(analysed) => analysed,
        Err(error) => {
            report_plain(format, &error, json);
            return None;
        }
    };
    // An approximation may hide a case that breaks an assertion: then none is called proven.
    for name in &analysed.proven {
        super::print_note(&if analysed.approximations.is_empty() {
            format!("proven: assert \"{name}\"")
        } else {
            format!("not broken within the approximations below: assert \"{name}\"")
        });
    }
    if !analysed.approximations.is_empty() {
        super::print_note(&format!(
            "note: the analysis of `{path}` approximated {}",
            analysed.approximations.join("; ")
        ));
    }
    Some(analysed.diagnostics)
}
