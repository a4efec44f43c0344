//! The questions beyond one decision, as a library: what if some facts were different, why not
//! another verdict, what two versions of a policy decide differently, whether a policy's own
//! tests pass, what the analysis finds. The command line, the service and the Python package
//! ask them here and only render the answers.

use miette::Diagnostic;
use thiserror::Error;

use super::{Problems, Rulebook};
use crate::analysis::{Comparison, SearchError, compare, search, why_not};
use crate::check::Source;
use crate::eval::coverage::coverage;
use crate::eval::{Decision, Program, Trace, Value, case_date, check_assumptions, decode_case};
use crate::eval::{SuiteOptions, run_tests};
use crate::report::analysis::{AnalysisDiagnostic, assert_diagnostic, finding_diagnostic};
use crate::report::comparison::{Compared, Sides, diff_json};
use crate::report::coverage::coverage_json;
use crate::report::decision::{decision_json, value_json};
use crate::report::diagnostic::Sourced;
use crate::report::test_results::{TestReportJson, tests_json};
use crate::report::why_not::why_not_json;
use crate::syntax::calendar::Date;

/// A question that cannot be answered: each a diagnostic with a stable code.
#[derive(Debug, Error, Diagnostic)]
pub(crate) enum AskError {
    #[error("`{change}`: `{field}` is not a field of the case")]
    #[diagnostic(code(licit::usage::what_if_field))]
    WhatIfField { change: String, field: String },

    #[error("after the changes, the case does not fit: {problem}")]
    #[diagnostic(code(licit::case::changed_case))]
    ChangedCase { problem: String },

    #[error("`{target}` is not a verdict of the policy")]
    #[diagnostic(code(licit::usage::unknown_verdict), help("{hint}"))]
    UnknownVerdict { target: String, hint: String },

    #[error("`{target}` is not a verdict as the policy writes it: {problem}")]
    #[diagnostic(code(licit::usage::malformed_verdict), help("{hint}"))]
    MalformedVerdict {
        target: String,
        problem: String,
        hint: String,
    },

    #[error("{label}: the case breaks the assumption \"{text}\"; skipped")]
    #[diagnostic(code(licit::case::assumption), help("{help}"))]
    CaseBreaksAssumption {
        label: String,
        text: String,
        help: String,
    },

    #[error("{label}: the case does not fit the input of both policies; skipped")]
    #[diagnostic(code(licit::diff::case_does_not_fit))]
    CaseDoesNotFit { label: String },

    #[error("cannot search: {reason}")]
    #[diagnostic(code(licit::diff::different_inputs))]
    DifferentInputs { reason: String },

    #[error("{reason}")]
    #[diagnostic(
        code(licit::diff::too_large),
        help("compare over given cases with `--cases`")
    )]
    SearchTooLarge { reason: String },

    #[error("{reason}")]
    #[diagnostic(code(licit::why_not::cannot_search))]
    WhyNotCannotSearch { reason: String },

    #[error("cannot analyse `{path}`: {reason}")]
    #[diagnostic(code(licit::analyze::too_large))]
    CannotAnalyse { path: String, reason: String },
}

/// Sets a dotted path of a JSON object (`item.annex_i`), making the objects on the way; false
/// when a step is not an object.
pub(crate) fn set_path(json: &mut serde_json::Value, path: &str, value: serde_json::Value) -> bool {
    let mut current = json;
    let parts: Vec<&str> = path.split('.').collect();
    for (index, part) in parts.iter().enumerate() {
        let Some(object) = current.as_object_mut() else {
            return false;
        };
        if index + 1 == parts.len() {
            object.insert((*part).to_string(), value);
            return true;
        }
        current = object
            .entry((*part).to_string())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    }
    false
}

/// A case after some of its facts were changed, read and checked against the policy's
/// assumptions: the value, the date to decide it as of, and the changed JSON text.
pub(crate) struct Changed {
    /// The changed case.
    pub case: Value,
    /// The date to decide it as of.
    pub date: Date,
}

/// One change of a fact: a dotted field path, its new value, and the change as the user wrote
/// it (for the diagnostics).
pub(crate) struct Change<'a> {
    /// The field, as a dotted path (`item.annex_i`).
    pub field: &'a str,
    /// Its new value.
    pub value: serde_json::Value,
    /// The change as written (`--what-if item.annex_i=5A002`).
    pub written: String,
}

/// Why a changed case cannot be decided: the problems, each a diagnostic.
pub(crate) type ChangeProblems = Vec<Box<dyn Diagnostic + Send + Sync>>;

/// Applies `changes` (dotted field paths and JSON values) to a case given as JSON text that
/// the strict reader accepted, and reads the result; `as_of` overrides the case's date.
pub(crate) fn change_case(
    program: &Program,
    text: &str,
    changes: &[Change<'_>],
    as_of: Option<Date>,
    no_date_help: &'static str,
) -> Result<Changed, ChangeProblems> {
    let mut json: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    for change in changes {
        if !set_path(&mut json, change.field.trim(), change.value.clone()) {
            return Err(vec![Box::new(AskError::WhatIfField {
                change: change.written.clone(),
                field: change.field.trim().to_string(),
            })]);
        }
    }
    let case = decode_case(program, &json.to_string()).map_err(|errors| {
        errors
            .iter()
            .map(|error| {
                Box::new(AskError::ChangedCase {
                    problem: error.to_string(),
                }) as Box<dyn Diagnostic + Send + Sync>
            })
            .collect::<ChangeProblems>()
    })?;
    let Some(date) = as_of.or_else(|| case_date(&program.policy, &case)) else {
        return Err(vec![Box::new(crate::eval::case::NoDate {
            help: no_date_help,
        })]);
    };
    // The changed case is not the given text, so a diagnostic has no place to point at.
    check_assumptions(program, &case, date, None)
        .map_err(|error| vec![Box::new(error) as Box<dyn Diagnostic + Send + Sync>])?;
    Ok(Changed { case, date })
}

/// The answer to "why not this verdict?": the decision as it is, its trace, the smallest
/// changes that give the verdict (each decided again), and whether the case already has it.
pub(crate) struct WhyNotAnswer {
    /// The decision of the case as it is.
    pub decision: Decision,
    /// Its trace, for the explanation.
    pub trace: Trace,
    /// The smallest changes that give the verdict.
    pub answers: Vec<crate::report::why_not::Alternative>,
    /// The case already has the verdict: nothing needs to change.
    pub already: bool,
}

/// Asks why a case does not have a verdict, written as its name or with its arguments
/// (`authorised(basis: "EU001")`).
pub(crate) fn ask_why_not(
    program: &Program,
    case: &Value,
    date: Date,
    target: &str,
) -> Result<WhyNotAnswer, AskError> {
    let (target_name, written) = match target.split_once('(') {
        Some((name, _)) => (name.trim(), Some(target)),
        None => (target.trim(), None),
    };
    let names: Vec<&str> = program
        .policy
        .verdicts
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    let Some(verdict) = names.iter().position(|name| *name == target_name) else {
        let close = crate::check::closest_name(target_name, names.iter().copied());
        let hint = crate::check::did_you_mean_or(
            close.as_deref(),
            format!("the verdicts are {}", names.join(", ")),
        );
        return Err(AskError::UnknownVerdict {
            target: target.to_string(),
            hint,
        });
    };
    let normalised = match written {
        Some(written) => Some(written_verdict(program, verdict, written)?),
        None => None,
    };
    let written = normalised.as_deref();
    let (decision, trace) = program.explain(case, date);
    // A case that already has the verdict needs no change: say so, and search nothing.
    let already = crate::analysis::gives(program, &decision, verdict, written);
    let answers = match already {
        true => Vec::new(),
        false => why_not(program, case, date, verdict, written).map_err(|error| {
            AskError::WhyNotCannotSearch {
                reason: error.to_string(),
            }
        })?,
    };
    Ok(WhyNotAnswer {
        decision,
        trace,
        answers,
        already,
    })
}

/// A verdict written with its arguments (`authorised(basis: "EU001")`), checked against the
/// verdict's parameters: each once, each value of its type. Written again with its arguments
/// in the declared order, as decisions write it.
fn written_verdict(program: &Program, verdict: usize, written: &str) -> Result<String, AskError> {
    use crate::check::ir::Type;
    let kind = &program.policy.verdicts[verdict];
    let policy = &program.policy;
    let type_text = |ty: &Type| crate::check::ir::type_text(&policy.enums, &policy.records, ty);
    let usage = kind
        .params
        .iter()
        .map(|(name, ty)| format!("{name}: {}", type_text(ty)))
        .collect::<Vec<_>>()
        .join(", ");
    let fail = |problem: String| AskError::MalformedVerdict {
        target: written.to_string(),
        problem,
        hint: if kind.params.is_empty() {
            format!("`{}` has no arguments: write it alone", kind.name)
        } else {
            format!("write it as `{}({usage})`", kind.name)
        },
    };
    let inside = written
        .split_once('(')
        .map(|(_, rest)| rest.trim_end())
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(|| fail("its arguments are not closed by `)`".to_string()))?;
    // The arguments, split at the commas outside texts.
    let mut arguments: Vec<&str> = Vec::new();
    let (mut start, mut in_text, mut escaped) = (0, false, false);
    for (at, c) in inside.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_text => escaped = true,
            '"' => in_text = !in_text,
            ',' if !in_text => {
                arguments.push(&inside[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    if in_text {
        return Err(fail("a text is not closed by `\"`".to_string()));
    }
    if !inside[start..].trim().is_empty() || !arguments.is_empty() {
        arguments.push(&inside[start..]);
    }
    let mut values: Vec<Option<&str>> = vec![None; kind.params.len()];
    for argument in arguments {
        let Some((name, value)) = argument.split_once(':') else {
            return Err(fail(format!("`{}` is not `name: value`", argument.trim())));
        };
        let (name, value) = (name.trim(), value.trim());
        let Some(position) = kind.params.iter().position(|(param, _)| param == name) else {
            return Err(fail(format!("`{}` has no argument `{name}`", kind.name)));
        };
        if values[position].replace(value).is_some() {
            return Err(fail(format!("`{name}` is given twice")));
        }
        let ty = kind.params[position].1.unwrap_optional();
        let fits = match ty {
            Type::Text => value.len() >= 2 && value.starts_with('"') && value.ends_with('"'),
            Type::Int => value.parse::<i64>().is_ok(),
            Type::Decimal => value.parse::<rust_decimal::Decimal>().is_ok(),
            Type::Bool => matches!(value, "true" | "false"),
            Type::Date => Date::parse(value).is_ok(),
            Type::Enum(index) => program
                .policy
                .enums
                .get(*index)
                .is_some_and(|e| e.members.iter().any(|m| m == value)),
            _ => true,
        } || (value == "none" && matches!(kind.params[position].1, Type::Optional(_)));
        if !fits {
            return Err(fail(format!(
                "`{value}` is not a value of `{}` for `{name}`",
                type_text(ty)
            )));
        }
    }
    if let Some(missing) = values.iter().position(Option::is_none) {
        return Err(fail(format!("`{}` is missing", kind.params[missing].0)));
    }
    let arguments: Vec<String> = kind
        .params
        .iter()
        .zip(values)
        .map(|((name, _), value)| format!("{name}: {}", value.unwrap_or_default()))
        .collect();
    Ok(format!("{}({})", kind.name, arguments.join(", ")))
}

/// A case to compare, as JSON text, with a label saying where it came from.
#[derive(Debug, Clone)]
pub struct DiffCase {
    /// Where the case came from (a file, a line, a test).
    pub label: String,
    /// The case, as JSON text.
    pub json: String,
}

/// What `licit::diff` compares and how.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Decide every case (given and searched) as of this date instead of its own.
    pub as_of: Option<Date>,
    /// Cases to decide under both versions.
    pub cases: Vec<DiffCase>,
    /// Search every kind of case the versions decide differently (the default of `licit diff`
    /// without cases).
    pub search: bool,
    /// The names of the two versions in the report (by default `old` and `new`).
    pub names: Option<(String, String)>,
}

/// The comparison of two versions of a policy.
#[derive(Debug, Clone)]
pub struct DiffReport {
    /// The report: the object of `licit diff --format json` (`docs/`).
    pub json: serde_json::Value,
    /// Some case is decided differently.
    pub changed: bool,
    /// The given cases that could not be compared, and why.
    pub skipped: Problems,
    /// What the search says of itself (dates searched, approximations), one note a line.
    pub notes: Vec<String>,
}

/// Decides each given case under both policies; a case that does not fit both, has no date or
/// breaks an assumption of either is skipped with its reason.
pub(crate) fn compare_given(
    old: &Program,
    new: &Program,
    cases: &[DiffCase],
    as_of: Option<Date>,
) -> (Vec<(String, Comparison)>, ChangeProblems) {
    let mut compared = Vec::new();
    let mut skipped: ChangeProblems = Vec::new();
    for case in cases {
        let (Ok(old_case), Ok(new_case)) =
            (decode_case(old, &case.json), decode_case(new, &case.json))
        else {
            skipped.push(Box::new(AskError::CaseDoesNotFit {
                label: case.label.clone(),
            }));
            continue;
        };
        let Some(date) = as_of.or_else(|| case_date(&old.policy, &old_case)) else {
            skipped.push(Box::new(crate::eval::case::NoDate {
                help: "give the case a `date`, or compare as of one with `--as-of DATE`; the case was skipped",
            }));
            continue;
        };
        // A case one of the policies assumes away is not a case of both: it is not compared.
        let broken =
            [(old, &old_case), (new, &new_case)]
                .into_iter()
                .find_map(|(program, case)| {
                    let index = program.violated_assumption(case, date)?;
                    Some((program, index, case))
                });
        if let Some((program, index, broken_case)) = broken {
            skipped.push(Box::new(AskError::CaseBreaksAssumption {
                label: case.label.clone(),
                text: program.policy.assumptions[index].text.clone(),
                help: program.assumption_facts(index, broken_case, date),
            }));
            continue;
        }
        let comparison = compare(old, &old_case, new, &new_case, date);
        compared.push((case.label.clone(), comparison));
    }
    (compared, skipped)
}

/// A kind of difference found by the search: its label, the comparison and the witness case.
pub(crate) type Witness = (String, Comparison, serde_json::Value);

/// What the search found: every kind of difference with its smallest witness, and what it
/// says of itself.
pub(crate) struct Found {
    /// The kinds, each with its witness.
    pub witnesses: Vec<Witness>,
    /// What was searched, and any approximation or dropped difference, one note a line.
    pub notes: Vec<String>,
}

/// Searches every kind of case the two policies decide differently, each with its smallest
/// witness.
pub(crate) fn search_witnesses(
    old: &Program,
    new: &Program,
    as_of: Option<Date>,
) -> Result<Found, AskError> {
    let report = match search(old, new, as_of) {
        Ok(report) => report,
        Err(SearchError::DifferentInputs(reason)) => {
            return Err(AskError::DifferentInputs { reason });
        }
        Err(error @ (SearchError::TooLarge | SearchError::TooManyDates { .. })) => {
            return Err(AskError::SearchTooLarge {
                reason: error.to_string(),
            });
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
        let case = value_json(old, &difference.case);
        witnesses.push((label, difference.comparison, case));
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut notes = vec![format!(
        "searched {} date{} on which the rules change: {} kind{} of difference",
        report.dates,
        plural(report.dates),
        witnesses.len(),
        plural(witnesses.len())
    )];
    if !report.approximations.is_empty() {
        notes.push(format!(
            "warning: the search approximated {}; a difference that needs these may be missed",
            report.approximations.join("; ")
        ));
    }
    if report.unconfirmed > 0 {
        notes.push(format!(
            "note: {} symbolic difference(s) did not show when decided concretely and were dropped",
            report.unconfirmed
        ));
    }
    Ok(Found { witnesses, notes })
}

/// The compared items of a diff, witnesses first, then the given cases.
pub(crate) fn diff_items<'a>(
    witnesses: &'a [Witness],
    compared: &'a [(String, Comparison)],
) -> Vec<Compared<'a>> {
    let mut items: Vec<Compared<'a>> = witnesses
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
    items
}

/// Compares two versions of a policy: every given case decided under both, and with
/// `options.search` every kind of case they decide differently, each with its smallest witness
/// — what `licit diff --format json` prints.
///
/// ```
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/eu/");
/// let old = licit::Rulebook::load(format!("{dir}dual-use")).expect("loads");
/// let new = licit::Rulebook::load(format!("{dir}proposal-2016")).expect("loads");
/// let case = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed-2022.json"))
///     .expect("the example is there");
/// let options = licit::DiffOptions {
///     cases: vec![licit::DiffCase { label: "seed-2022".into(), json: case }],
///     ..Default::default()
/// };
/// let report = licit::diff(&old, &new, &options).expect("the versions compare");
/// assert!(report.skipped.diagnostics.is_empty());
/// assert_eq!(report.json["cases"], 1);
/// ```
pub fn diff(old: &Rulebook, new: &Rulebook, options: &DiffOptions) -> Result<DiffReport, Problems> {
    let (old_program, new_program) = (old.program(), new.program());
    let (compared, skipped) =
        compare_given(old_program, new_program, &options.cases, options.as_of);
    let found = match options.search {
        true => search_witnesses(old_program, new_program, options.as_of)
            .map_err(|error| Problems::plain(&error))?,
        false => Found {
            witnesses: Vec::new(),
            notes: Vec::new(),
        },
    };
    let items = diff_items(&found.witnesses, &compared);
    let (old_name, new_name) = options
        .names
        .clone()
        .unwrap_or_else(|| ("old".to_string(), "new".to_string()));
    let sides = Sides {
        old_name: &old_name,
        new_name: &new_name,
        old: old_program,
        new: new_program,
    };
    let json = serde_json::to_value(diff_json(&sides, &items, items.len())).unwrap_or_default();
    let skipped: Vec<&dyn Diagnostic> = skipped
        .iter()
        .map(|e| e.as_ref() as &dyn Diagnostic)
        .collect();
    Ok(DiffReport {
        json,
        changed: items.iter().any(|item| item.comparison.changed()),
        skipped: Problems::plain_many(&skipped),
        notes: found.notes,
    })
}

impl Rulebook {
    /// Decides a case with some facts changed — dotted field paths and their new JSON values,
    /// as `licit eval --what-if item.annex_i=5A002` — and explains the decision.
    pub fn what_if(
        &self,
        case: &str,
        changes: &[(&str, serde_json::Value)],
    ) -> Result<super::Explanation<'_>, Problems> {
        let program = self.program();
        // A case that is not JSON at all is reported with its place, as `decide` reports it.
        if serde_json::from_str::<serde_json::Value>(case).is_err() {
            self.read(case, None)?;
        }
        let changes: Vec<Change<'_>> = changes
            .iter()
            .map(|(field, value)| Change {
                field,
                value: value.clone(),
                written: format!("{field}={value}"),
            })
            .collect();
        let changed = change_case(program, case, &changes, None, "give the case a `date`")
            .map_err(|problems| {
                let items: Vec<&dyn Diagnostic> = problems
                    .iter()
                    .map(|p| p.as_ref() as &dyn Diagnostic)
                    .collect();
                Problems::plain_many(&items)
            })?;
        let mut trace = Trace::default();
        let decision = program.explain_into(&changed.case, changed.date, &mut trace);
        Ok(decision_json(program, &decision, &trace))
    }

    /// Why a case does not have a verdict (its name, or with arguments:
    /// `authorised(basis: "EU001")`): the smallest changes of one or two facts (the date among
    /// them) that give it, each decided again — the object of `licit eval --why-not V --format
    /// json`.
    pub fn why_not(&self, case: &str, verdict: &str) -> Result<serde_json::Value, Problems> {
        let program = self.program();
        let (value, date) = self.read(case, None)?;
        let answer =
            ask_why_not(program, &value, date, verdict).map_err(|error| Problems::plain(&error))?;
        let json = why_not_json(
            program,
            &answer.decision,
            verdict,
            &answer.answers,
            date,
            answer.already,
        );
        Ok(serde_json::to_value(json).unwrap_or_default())
    }
}

/// What the analysis of one policy found: its findings and broken assertions as diagnostics
/// (each pointing into a file of the policy), the assertions it proved, and what it
/// approximated.
pub(crate) struct Analysed {
    /// Findings (warnings) and broken assertions (errors).
    pub diagnostics: Vec<AnalysisDiagnostic>,
    /// The names of the assertions proven over every case.
    pub proven: Vec<String>,
    /// What the analysis approximated, if anything.
    pub approximations: Vec<String>,
}

/// Runs the analysis of a checked policy (`licit check --analyze`); `path` names it when it
/// cannot be made.
pub(crate) fn analyse(
    program: &Program,
    sources: &[Source],
    path: &str,
) -> Result<Analysed, AskError> {
    let analysis = crate::analysis::analyze(program).map_err(|error| AskError::CannotAnalyse {
        path: path.to_string(),
        reason: error.to_string(),
    })?;
    let policy = &program.policy;
    let mut diagnostics = Vec::new();
    for finding in &analysis.findings {
        let rule = &policy.rules[finding.rule];
        let text = sources.get(rule.place.file).map_or("", |s| s.text.as_str());
        let start = (rule.place.span.start as usize).min(text.len());
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        diagnostics.push(finding_diagnostic(program, finding, (start, end)));
    }
    let mut proven = Vec::new();
    for outcome in &analysis.asserts {
        match assert_diagnostic(program, outcome) {
            Some(diagnostic) => diagnostics.push(diagnostic),
            None => proven.push(policy.asserts[outcome.assert].name.clone()),
        }
    }
    Ok(Analysed {
        diagnostics,
        proven,
        approximations: analysis.approximations,
    })
}

/// What the analysis of a rulebook found (`licit check --analyze`).
#[derive(Debug, Clone)]
pub struct AnalysisReport {
    /// Findings (warnings: rules that can never apply, conflicts, …) and broken assertions
    /// (errors, each with a counterexample), as data and as the command line prints them.
    pub findings: Problems,
    /// The names of the `assert`s proven over every case that satisfies the assumptions.
    pub proven: Vec<String>,
    /// What the analysis approximated, if anything (a finding that needs it may be missed).
    pub approximations: Vec<String>,
}

/// The outcome of a rulebook's own `test` blocks.
#[derive(Debug, Clone)]
pub struct TestReport {
    /// How many passed.
    pub passed: usize,
    /// How many failed.
    pub failed: usize,
    /// The object of `licit test --format json --coverage` for this rulebook.
    pub json: serde_json::Value,
}

impl Rulebook {
    /// Runs the rulebook's own `test` blocks (those of its files, with the parameters it was
    /// given), with the coverage of its rules.
    pub fn test(&self) -> TestReport {
        let program = self.program();
        let policy = &program.policy;
        let options = SuiteOptions {
            as_of: None,
            params: program.param_overrides(),
            filter: None,
        };
        let outcomes = run_tests(policy, program, &options);
        let rules = coverage(policy, &outcomes);
        let report = TestReportJson {
            passed: outcomes.iter().filter(|o| o.passed()).count(),
            failed: outcomes.iter().filter(|o| !o.passed()).count(),
            tests: tests_json(self.sources(), &outcomes),
            coverage: vec![coverage_json(self.name(), self.sources(), policy, &rules)],
        };
        TestReport {
            passed: report.passed,
            failed: report.failed,
            json: serde_json::to_value(&report).unwrap_or_default(),
        }
    }

    /// Analyses the rulebook as `licit check --analyze` does: rules that can never apply,
    /// conflicts, redundant and masked rules, each with a witness case, and every `assert`
    /// proven over all cases or refuted with a counterexample.
    pub fn analyze(&self) -> Result<AnalysisReport, Problems> {
        let analysed = analyse(self.program(), self.sources(), self.name())
            .map_err(|error| Problems::plain(&error))?;
        let items: Vec<Sourced<'_>> = analysed
            .diagnostics
            .iter()
            .map(|diagnostic| {
                let source = &self.sources()[diagnostic.file];
                Sourced {
                    name: &source.name,
                    text: &source.text,
                    diagnostic,
                }
            })
            .collect();
        Ok(AnalysisReport {
            findings: Problems::of(&items),
            proven: analysed.proven,
            approximations: analysed.approximations,
        })
    }
}
