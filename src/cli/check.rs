//! `licit check`: parse and type-check every policy under a path.

use super::args::{CheckArgs, DiagnosticFormat};
use super::{Exit, load, load_and_check, print_diagnostics, print_plain};
use crate::report::diagnostic::to_json;

/// Runs `licit check`.
pub fn run(args: &CheckArgs) -> Exit {
    let roots = match load::discover(&args.path) {
        Ok(roots) => roots,
        Err(error) => {
            print_plain(&error);
            return Exit::Invalid;
        }
    };
    let mut errors = 0;
    let mut warnings = 0;
    let mut json = Vec::new();
    for root in &roots {
        let result = match load_and_check(root) {
            Ok(result) => result,
            Err(error) => {
                print_plain(&error);
                errors += 1;
                continue;
            }
        };
        let diagnostics = result.diagnostics();
        let (e, w) = result.counts();
        errors += e;
        warnings += w;
        match args.format {
            DiagnosticFormat::Human => print_diagnostics(&diagnostics, DiagnosticFormat::Human),
            DiagnosticFormat::Json => json.extend(diagnostics.iter().map(to_json)),
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
            eprintln!(
                "checked {policies}: {errors} error{}, {warnings} warning{}",
                plural(errors),
                plural(warnings)
            );
        }
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        Exit::Invalid
    } else {
        Exit::Ok
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
