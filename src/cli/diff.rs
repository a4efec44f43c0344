//! `licit diff OLD NEW`: decide the same cases under two versions of a policy and report every
//! case whose verdict, basis or obligations change.

use std::path::Path;
use std::sync::Arc;

use super::args::{DecisionFormat, DiffArgs};
use super::{CliError, Exit, checked_policy, parse_as_of, print_out, print_plain, program};
use crate::analysis::Comparison;
use crate::api::ask::{AskError, DiffCase, compare_given, diff_items, search_witnesses};
use crate::eval::Program;
use crate::report::comparison::{Sides, diff_json, render_markdown_report, render_text_report};
use crate::report::decision::{TextStyle, value_json};

/// Runs `licit diff`.
pub fn run(args: &DiffArgs) -> Exit {
    let old = match checked_policy(&args.old, false) {
        Ok(checked) => checked,
        Err(exit) => return exit,
    };
    let new = match checked_policy(&args.new, false) {
        Ok(checked) => checked,
        Err(exit) => return exit,
    };
    let as_of = match parse_as_of(&args.as_of) {
        Ok(as_of) => as_of,
        Err(error) => {
            print_plain(&error);
            return Exit::Usage;
        }
    };
    let old_program = program(&old.policy, &[]);
    let new_program = program(&new.policy, &[]);
    let mut cases = Vec::new();
    let mut invalid = false;
    if let Some(path) = &args.cases {
        // Cases that are not there are no comparison at all: nothing is reported.
        if let Err(error) = crate::project::Files::kind(&crate::project::OsFiles, path) {
            print_plain(&error);
            return Exit::Invalid;
        }
        invalid |= !gather(path, &mut cases);
    }
    let searching = args.search || args.cases.is_none();
    // The same case may come from both policies' tests: keep the first.
    let mut seen = std::collections::HashSet::new();
    cases.retain(|case| seen.insert(case.json.clone()));
    let (compared, skipped) = compare_given(&old_program, &new_program, &cases, as_of);
    for problem in &skipped {
        print_plain(problem.as_ref());
    }
    invalid |= !skipped.is_empty();
    // The search: every kind of difference, with its smallest witness.
    let witnesses = match searching {
        true => match search_witnesses(&old_program, &new_program, as_of) {
            Ok(found) => {
                // What was searched is a note (`--quiet` drops it); a warning of approximations is not.
                for note in &found.notes {
                    match note.starts_with("warning:") {
                        true => eprintln!("{note}"),
                        false => super::print_note(note),
                    }
                }
                found.witnesses
            }
            Err(error) => {
                let exit = match error {
                    AskError::DifferentInputs { .. } => Exit::Usage,
                    _ => Exit::Invalid,
                };
                print_plain(&error);
                return exit;
            }
        },
        false => Vec::new(),
    };
    if let Some(dir) = &args.emit_tests
        && let Err(reason) = emit_tests(dir, &new_program, &witnesses)
    {
        print_plain(&CliError::CannotWrite {
            what: "tests",
            dir: dir.display().to_string(),
            reason,
        });
        invalid = true;
    }
    let items = diff_items(&witnesses, &compared);
    let old_name = args.old.display().to_string();
    let new_name = args.new.display().to_string();
    let sides = Sides {
        old_name: &old_name,
        new_name: &new_name,
        old: &old_program,
        new: &new_program,
    };
    let total = items.len();
    let rendered = match args.format {
        DecisionFormat::Text => render_text_report(
            &sides,
            &items,
            total,
            TextStyle {
                colour: super::stdout_colour(),
            },
        ),
        DecisionFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&diff_json(&sides, &items, total)).unwrap_or_default()
        ),
        DecisionFormat::Markdown => render_markdown_report(&sides, &items, total),
    };
    print_out(&rendered);
    if invalid {
        Exit::Invalid
    } else if items.iter().any(|item| item.comparison.changed()) {
        Exit::Failures
    } else {
        Exit::Ok
    }
}

/// Writes each witness as a `test` block of the new policy: a found difference becomes a
/// regression test. The text is put through the formatter, which parses it, so the file is
/// what `licit fmt` would write and strings carry licit's escapes.
fn emit_tests(
    dir: &Path,
    new: &Program,
    witnesses: &[(String, Comparison, serde_json::Value)],
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| crate::project::io_reason(&e))?;
    let mut text = String::from(
        "# Witnesses found by `licit diff --search`: each case and what the new policy decides.\n",
    );
    for (label, comparison, _) in witnesses {
        let (decision, _) = &comparison.new;
        let given = new.format_value(&comparison.new_case);
        let name = crate::syntax::format::string_literal(label);
        text.push_str(&format!("\ntest {name} {{\n  given {given}\n"));
        text.push_str(&format!("  expect {}\n", comparison.new_outcome.verdict));
        if let Some(rule) = decision.decided_by {
            text.push_str(&format!(
                "  expect decided by {}\n",
                new.policy.rules[rule].name
            ));
        }
        text.push_str("}\n");
    }
    let formatted = crate::syntax::format::format(&text).map_err(|errors| {
        let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("the tests written do not parse: {}", reasons.join("; "))
    })?;
    std::fs::write(dir.join("diff-witnesses.licit"), formatted)
        .map_err(|e| crate::project::io_reason(&e))
}

/// The cases of a policy's tests, as JSON.
fn tests_as_cases(program: &Arc<Program>, prefix: &str, out: &mut Vec<DiffCase>) {
    for test in &program.policy.tests {
        let Some(given) = &test.given else { continue };
        let value = program.constant_value(given);
        out.push(DiffCase {
            label: format!("{prefix}test \"{}\"", test.name),
            json: value_json(program, &value).to_string(),
        });
    }
}

/// Collects the cases under a path; false when something could not be read.
fn gather(path: &Path, out: &mut Vec<DiffCase>) -> bool {
    let mut ok = true;
    let mut files = Vec::new();
    if path.is_file() {
        files.push(path.to_path_buf());
    } else {
        match crate::project::files_below(&crate::project::OsFiles, path) {
            Ok(below) => files = below,
            Err(error) => {
                print_plain(&error);
                return false;
            }
        }
    }
    for file in &files {
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        match extension {
            "json" | "jsonl" => {
                match crate::project::Files::read_regular(&crate::project::OsFiles, file) {
                    Ok(text) if extension == "json" => out.push(DiffCase {
                        label: file.display().to_string(),
                        json: text,
                    }),
                    Ok(text) => {
                        for (index, line) in text.lines().enumerate() {
                            if !line.trim().is_empty() {
                                out.push(DiffCase {
                                    label: format!("{}:{}", file.display(), index + 1),
                                    json: line.to_string(),
                                });
                            }
                        }
                    }
                    Err(error) => {
                        print_plain(&error);
                        ok = false;
                    }
                }
            }
            _ => {}
        }
    }
    // Tests of the policies under the path contribute their cases too.
    if path.is_dir()
        && let Ok(roots) = crate::project::discover(&crate::project::OsFiles, path)
    {
        for root in roots {
            match crate::project::load_and_check(&crate::project::OsFiles, &root) {
                Ok(result) => match result.checked {
                    Some(policy) => {
                        let program = program(&policy, &[]);
                        tests_as_cases(&program, &format!("{}: ", root.display()), out);
                    }
                    None => {
                        print_plain(&CliError::TestsSkipped {
                            path: root.display().to_string(),
                        });
                        ok = false;
                    }
                },
                Err(error) => {
                    print_plain(&error);
                    ok = false;
                }
            }
        }
    }
    ok
}
