//! `licit test`: run the `test` blocks of every policy under a path, with coverage, stored
//! explanations, and human, JSON or JUnit output.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::args::{DiagnosticFormat, TestArgs, TestFormat};
use super::{
    CliError, Exit, parse_as_of, parse_params, print_diagnostics, print_out, print_plain, program,
};
use crate::check::{Policy, Source};
use crate::eval::coverage::{RuleCoverage, coverage};
use crate::eval::{SuiteOptions, TestOutcome, run_tests};
use crate::report::coverage::{coverage_json, percent, render_coverage, totals};
use crate::report::decision::{TextStyle, render_text};
use crate::report::diagnostic::{Sourced, Style, render_human};
use crate::report::diff::line_diff;
use crate::report::junit::{Suite, render_junit};
use crate::report::test_results::{TestReportJson, render_failures, summary, tests_json};

/// One policy's run.
struct PolicyRun {
    name: String,
    sources: Vec<Source>,
    policy: Arc<Policy>,
    outcomes: Vec<TestOutcome>,
}

/// Runs `licit test`.
pub fn run(args: &TestArgs) -> Exit {
    let roots = match super::discover_all(&args.paths) {
        Ok(roots) => roots,
        Err(exit) => return exit,
    };
    let as_of = match parse_as_of(&args.as_of) {
        Ok(as_of) => as_of,
        Err(error) => {
            print_plain(&error);
            return Exit::Usage;
        }
    };
    let mut runs: Vec<PolicyRun> = Vec::new();
    // The policies that could not be used, with their diagnostics drawn without colour.
    let mut broken: Vec<(String, String)> = Vec::new();
    let plain = Style {
        colour: false,
        width: 100,
    };
    for root in &roots {
        let name = root.display().to_string();
        let result = match crate::project::load_and_check(&crate::project::OsFiles, root) {
            Ok(result) => result,
            Err(error) => {
                print_plain(&error);
                broken.push((name, render_human(&Sourced::plain(&error), plain)));
                continue;
            }
        };
        let diagnostics = result.diagnostics();
        print_diagnostics(&diagnostics, DiagnosticFormat::Human);
        let Some(policy) = result.checked.clone() else {
            let drawn = super::drawn(&diagnostics, plain);
            broken.push((name, drawn));
            continue;
        };
        let params = match parse_params(&policy, &args.params) {
            Ok(params) => params,
            Err(error) => {
                print_plain(&error);
                return Exit::Usage;
            }
        };
        let base = program(&policy, &params);
        let options = SuiteOptions {
            as_of,
            params,
            filter: args.filter.clone(),
        };
        let mut outcomes = run_tests(&policy, &base, &options);
        compare_explanations(&result.loaded.sources, &mut outcomes, args.update);
        runs.push(PolicyRun {
            name: root.display().to_string(),
            sources: result.loaded.sources,
            policy,
            outcomes,
        });
    }
    let wants_coverage = args.coverage || args.min_coverage.is_some();
    let coverages: Vec<Vec<RuleCoverage>> = runs
        .iter()
        .map(|run| coverage(&run.policy, &run.outcomes))
        .collect();
    let failed = runs
        .iter()
        .flat_map(|run| run.outcomes.iter())
        .any(|o| !o.passed());
    print_results(&runs, &broken, &coverages, args.format, wants_coverage);
    let ran = runs.iter().map(|run| run.outcomes.len()).sum::<usize>();
    let unmatched = match &args.filter {
        Some(filter) if ran == 0 && broken.is_empty() => {
            print_plain(&CliError::NoTestMatches {
                filter: filter.clone(),
            });
            true
        }
        _ => false,
    };
    let mut below = false;
    if let Some(minimum) = args.min_coverage {
        for (run, rules) in runs.iter().zip(&coverages) {
            let (covered, total) = totals(rules);
            let share = percent(covered, total);
            if share + 1e-9 < minimum {
                below = true;
                eprintln!(
                    "coverage of {} is {share:.1}%, below the minimum of {minimum}%",
                    run.name
                );
            }
        }
    }
    if !broken.is_empty() {
        Exit::Invalid
    } else if failed || below || unmatched {
        Exit::Failures
    } else {
        Exit::Ok
    }
}

/// Prints the outcomes of every policy's tests, with their coverage if wanted, in a format.
fn print_results(
    runs: &[PolicyRun],
    broken: &[(String, String)],
    coverages: &[Vec<RuleCoverage>],
    format: TestFormat,
    wants_coverage: bool,
) {
    let all: Vec<&TestOutcome> = runs.iter().flat_map(|run| run.outcomes.iter()).collect();
    let style = TextStyle {
        colour: super::stdout_colour(),
    };
    match format {
        TestFormat::Human => {
            for run in runs {
                print_out(&render_failures(&run.sources, &run.outcomes, style));
            }
            let outcomes: Vec<TestOutcome> = all.iter().map(|o| (*o).clone()).collect();
            if !super::quiet() {
                print_out(&format!("{}\n", summary(&outcomes)));
            }
            if wants_coverage {
                for (run, rules) in runs.iter().zip(coverages) {
                    print_out(&render_coverage(
                        &run.name,
                        &run.sources,
                        &run.policy,
                        rules,
                    ));
                }
            }
        }
        TestFormat::Json => {
            let mut report = TestReportJson {
                passed: all.iter().filter(|o| o.passed()).count(),
                failed: all.iter().filter(|o| !o.passed()).count(),
                tests: runs
                    .iter()
                    .flat_map(|run| tests_json(&run.sources, &run.outcomes))
                    .collect(),
                coverage: Vec::new(),
            };
            if wants_coverage {
                report.coverage = runs
                    .iter()
                    .zip(coverages)
                    .map(|(run, rules)| coverage_json(&run.name, &run.sources, &run.policy, rules))
                    .collect();
            }
            print_out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            ));
        }
        TestFormat::Junit => {
            let mut suites: Vec<Suite<'_>> = runs
                .iter()
                .map(|run| Suite {
                    name: &run.name,
                    sources: &run.sources,
                    outcomes: &run.outcomes,
                    error: None,
                })
                .collect();
            suites.extend(broken.iter().map(|(name, error)| Suite {
                name,
                sources: &[],
                outcomes: &[],
                error: Some(error),
            }));
            print_out(&render_junit(&suites));
            if wants_coverage {
                for (run, rules) in runs.iter().zip(coverages) {
                    eprint!(
                        "{}",
                        render_coverage(&run.name, &run.sources, &run.policy, rules)
                    );
                }
            }
        }
    }
}

/// Where the stored explanation of a test lives: `explanations/<name>.txt` beside its file.
fn explanation_path(sources: &[Source], outcome: &TestOutcome) -> Option<PathBuf> {
    let file = Path::new(&sources.get(outcome.place.file)?.name);
    Some(
        file.parent()
            .unwrap_or(Path::new("."))
            .join("explanations")
            .join(crate::check::explanation_file_name(&outcome.name)),
    )
}

/// The stored explanation at `path` (`None` when there is none yet), read as a policy's own
/// files are: a regular file of the project, of at most 16 MiB. Anything else is refused, with
/// the reason as a test failure, and is neither read nor written by `--update`: a FIFO there
/// hung `licit test`, `/dev/zero` took all memory, and a link out of the project was shown in
/// the diff and overwritten by `--update`.
fn stored_explanation(path: &Path) -> Result<Option<String>, String> {
    use crate::project::{Files, LoadError, OsFiles};
    let refused = |error: LoadError| {
        let code = miette::Diagnostic::code(&error).map(|code| code.to_string());
        format!(
            "cannot use the stored explanation: {error} ({})",
            code.unwrap_or_default()
        )
    };
    let Ok(entry) = std::fs::symlink_metadata(path) else {
        return Ok(None);
    };
    // The folder of the test's file: `explanations` is below it, and may itself be a link.
    let folder = path
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let dangling = entry.file_type().is_symlink() && std::fs::metadata(path).is_err();
    if dangling || !crate::project::inside_project(&OsFiles, folder, path) {
        return Err(refused(LoadError::LinkOutsideProject {
            path: path.display().to_string(),
        }));
    }
    OsFiles.read_regular(path).map(Some).map_err(refused)
}

/// Compares (or, with `update`, stores) the explanations of tests that `expect explanation`.
fn compare_explanations(sources: &[Source], outcomes: &mut [TestOutcome], update: bool) {
    for outcome in outcomes.iter_mut().filter(|o| o.expects_explanation) {
        let Some((decision, trace)) = &outcome.decision else {
            continue;
        };
        let Some(path) = explanation_path(sources, outcome) else {
            continue;
        };
        let actual = render_text(&outcome.program, decision, trace, TextStyle::default());
        let stored = match stored_explanation(&path) {
            Ok(stored) => stored,
            Err(refused) => {
                outcome.failures.push(refused);
                continue;
            }
        };
        if stored.as_deref() == Some(actual.as_str()) {
            continue;
        }
        if update {
            let written = path
                .parent()
                .map(std::fs::create_dir_all)
                .unwrap_or(Ok(()))
                .and_then(|()| std::fs::write(&path, &actual));
            if let Err(error) = written {
                outcome.failures.push(format!(
                    "cannot write `{}`: {}",
                    path.display(),
                    crate::project::io_reason(&error)
                ));
            }
            continue;
        }
        match stored {
            None => outcome.failures.push(format!(
                "no stored explanation at `{}`; run `licit test --update` to write it",
                path.display()
            )),
            Some(stored) => outcome.failures.push(format!(
                "the explanation differs from `{}` (- stored, + actual); run `licit test --update` to accept it:\n{}",
                path.display(),
                line_diff(&stored, &actual).trim_end()
            )),
        }
    }
}
