//! `licit diff OLD NEW`: decide the same cases under two versions of a policy and report every
//! case whose verdict, basis or obligations change.

use std::path::Path;
use std::sync::Arc;

use super::args::{DecisionFormat, DiffArgs};
use super::{CliError, Exit, checked_policy, parse_as_of, print_out, print_plain, program};
use crate::analysis::{Comparison, SearchError, compare, search};
use crate::eval::{Program, case_date, decode_case};
use crate::report::comparison::{
    Compared, Sides, diff_json, render_markdown_report, render_text_report,
};
use crate::report::decision::{TextStyle, value_json};

/// A case as JSON text, with where it came from.
struct CaseText {
    label: String,
    json: String,
}

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
    let compared = compare_given(&old_program, &new_program, &cases, as_of, &mut invalid);
    // The search: every kind of difference, with its smallest witness.
    let witnesses = match searching {
        true => match search_witnesses(&old_program, &new_program, as_of) {
            Ok(witnesses) => witnesses,
            Err(exit) => return exit,
        },
        false => Vec::new(),
    };
    if let Some(dir) = &args.emit_tests
        && let Err(reason) = emit_tests(dir, &new_program, &witnesses)
    {
        print_plain(&CliError::CannotWrite {
            dir: dir.display().to_string(),
            reason,
        });
        invalid = true;
    }
    let mut items: Vec<Compared<'_>> = witnesses
        .iter()
        .map(|(label, comparison, case)| Compared {
            label,
            comparison,
            case: Some(case),
        })
        .collect();
    items.extend(compared.iter().map(|(label, comparison)| Compared {
        label,
        comparison,
        case: None,
    }));
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

/// Decides each given case under both policies; a case that does not fit both, or has no date,
/// is reported and skipped.
fn compare_given(
    old_program: &Program,
    new_program: &Program,
    cases: &[CaseText],
    as_of: Option<crate::syntax::calendar::Date>,
    invalid: &mut bool,
) -> Vec<(String, Comparison)> {
    let mut compared = Vec::new();
    for case in cases {
        let old_case = decode_case(old_program, &case.json);
        let new_case = decode_case(new_program, &case.json);
        let (Ok(old_case), Ok(new_case)) = (old_case, new_case) else {
            print_plain(&CliError::CaseDoesNotFit {
                label: case.label.clone(),
            });
            *invalid = true;
            continue;
        };
        let Some(date) = as_of.or_else(|| case_date(&old_program.policy, &old_case)) else {
            print_plain(&crate::eval::case::NoDate {
                help: "give the case a `date`, or compare as of one with `--as-of DATE`; the case was skipped",
            });
            *invalid = true;
            continue;
        };
        // A case one of the policies assumes away is not a case of both: it is not compared.
        let broken = [(old_program, &old_case), (new_program, &new_case)]
            .into_iter()
            .find_map(|(program, case)| {
                let index = program.violated_assumption(case, date)?;
                Some((program, index, case))
            });
        if let Some((program, index, broken_case)) = broken {
            print_plain(&CliError::CaseBreaksAssumption {
                label: case.label.clone(),
                text: program.policy.assumptions[index].text.clone(),
                help: program.assumption_facts(index, broken_case, date),
            });
            *invalid = true;
            continue;
        }
        let comparison = compare(old_program, &old_case, new_program, &new_case, date);
        compared.push((case.label.clone(), comparison));
    }
    compared
}

/// A kind of difference found by the search: its label, the comparison and the witness case.
type Witness = (String, Comparison, serde_json::Value);

/// Searches every kind of case the two policies decide differently, each with its smallest
/// witness; what was searched is told on standard error.
fn search_witnesses(
    old_program: &Program,
    new_program: &Program,
    as_of: Option<crate::syntax::calendar::Date>,
) -> Result<Vec<Witness>, Exit> {
    let report = match search(old_program, new_program, as_of) {
        Ok(report) => report,
        Err(SearchError::DifferentInputs(reason)) => {
            print_plain(&CliError::DifferentInputs { reason });
            return Err(Exit::Usage);
        }
        Err(error @ (SearchError::TooLarge | SearchError::TooManyDates { .. })) => {
            print_plain(&CliError::SearchTooLarge {
                reason: error.to_string(),
            });
            return Err(Exit::Invalid);
        }
    };
    let mut witnesses = Vec::new();
    for (index, difference) in report.differences.into_iter().enumerate() {
        let label = format!(
            "difference {}: {} → {}",
            index + 1,
            difference.old_outcome,
            difference.new_outcome
        );
        let case = value_json(old_program, &difference.case);
        witnesses.push((label, difference.comparison, case));
    }
    super::print_note(&format!(
        "searched {} date{} on which the rules change: {} kind{} of difference",
        report.dates,
        if report.dates == 1 { "" } else { "s" },
        witnesses.len(),
        if witnesses.len() == 1 { "" } else { "s" }
    ));
    if !report.approximations.is_empty() {
        eprintln!(
            "warning: the search approximated {}; a difference that needs these may be missed",
            report.approximations.join("; ")
        );
    }
    if report.unconfirmed > 0 {
        super::print_note(&format!(
            "note: {} symbolic difference(s) did not show when decided concretely and were dropped",
            report.unconfirmed
        ));
    }
    Ok(witnesses)
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
fn tests_as_cases(program: &Arc<Program>, prefix: &str, out: &mut Vec<CaseText>) {
    for test in &program.policy.tests {
        let Some(given) = &test.given else { continue };
        let value = program.constant_value(given);
        out.push(CaseText {
            label: format!("{prefix}test \"{}\"", test.name),
            json: value_json(program, &value).to_string(),
        });
    }
}

/// Collects the cases under a path; false when something could not be read.
fn gather(path: &Path, out: &mut Vec<CaseText>) -> bool {
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
            "json" | "jsonl" => match crate::project::Files::read(&crate::project::OsFiles, file) {
                Ok(text) if extension == "json" => out.push(CaseText {
                    label: file.display().to_string(),
                    json: text,
                }),
                Ok(text) => {
                    for (index, line) in text.lines().enumerate() {
                        if !line.trim().is_empty() {
                            out.push(CaseText {
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
            },
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
