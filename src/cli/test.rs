//! `licit test`: run the `test` blocks of every policy under a path.

use super::args::{TestArgs, TestFormat};
use super::{
    Exit, load, load_and_check, parse_as_of, parse_params, print_diagnostics, print_out,
    print_plain, program,
};
use crate::eval::{SuiteOptions, run_tests};
use crate::report::decision::TextStyle;
use crate::report::tests::{TestReportJson, render_failures, summary, tests_json};

/// Runs `licit test`.
pub fn run(args: &TestArgs) -> Exit {
    let roots = match load::discover(&args.path) {
        Ok(roots) => roots,
        Err(error) => {
            print_plain(&error);
            return Exit::Invalid;
        }
    };
    let as_of = match parse_as_of(&args.as_of) {
        Ok(as_of) => as_of,
        Err(exit) => return exit,
    };
    let mut invalid = false;
    let mut all_outcomes = Vec::new();
    let mut report = TestReportJson {
        passed: 0,
        failed: 0,
        tests: Vec::new(),
    };
    let style = TextStyle {
        colour: super::stdout_colour(),
    };
    for root in &roots {
        let result = match load_and_check(root) {
            Ok(result) => result,
            Err(error) => {
                print_plain(&error);
                invalid = true;
                continue;
            }
        };
        print_diagnostics(&result.diagnostics(), super::args::DiagnosticFormat::Human);
        let Some(policy) = result.checked.clone() else {
            invalid = true;
            continue;
        };
        // Parameters named on the command line must exist in every policy they are run on.
        let params = match parse_params(&policy, &args.params) {
            Ok(params) => params,
            Err(exit) => return exit,
        };
        let base = program(&policy, &params);
        let options = SuiteOptions {
            as_of,
            params,
            filter: args.filter.clone(),
        };
        let outcomes = run_tests(&policy, &base, &options);
        match args.format {
            TestFormat::Human => {
                print_out(&render_failures(&result.loaded.sources, &outcomes, style))
            }
            TestFormat::Json => report
                .tests
                .extend(tests_json(&result.loaded.sources, &outcomes)),
        }
        all_outcomes.extend(outcomes);
    }
    match args.format {
        TestFormat::Human => print_out(&format!("{}\n", summary(&all_outcomes))),
        TestFormat::Json => {
            report.passed = all_outcomes.iter().filter(|o| o.passed()).count();
            report.failed = all_outcomes.len() - report.passed;
            print_out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            ));
        }
    }
    if invalid {
        Exit::Invalid
    } else if all_outcomes.iter().any(|o| !o.passed()) {
        Exit::Failures
    } else {
        Exit::Ok
    }
}
