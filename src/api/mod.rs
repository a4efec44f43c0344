//! The front door of the library: load a rulebook once — from the disk or from memory — then
//! decide JSON cases from any number of threads. What the command line does for one case or a
//! batch, as a library.
//!
//! ```
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/eu/dual-use");
//! let rulebook = licit::Rulebook::load(path).expect("the EU rulebook loads");
//! let case = r#"{"date": "2022-03-01", "activity": "export", "exporter_state": "NL",
//!     "destination": "CN", "item": {"annex_i": null, "cyber_surveillance": true},
//!     "informed": ["internal_repression"]}"#;
//! let decision = rulebook.decide(case).expect("the case fits the rulebook");
//! assert_eq!(rulebook.verdict(&decision), "licence_required");
//! assert_eq!(
//!     rulebook.decided_by(&decision),
//!     Some(("cyber_catch_all", "Art. 5(1) Regulation (EU) 2021/821"))
//! );
//! // The whole explanation, as the object of docs/decision-json.md.
//! let explained = rulebook.explain(case).expect("the case fits the rulebook");
//! assert_eq!(explained.verdict.kind, "licence_required");
//! ```

pub(crate) mod ask;
pub mod batch;
#[cfg(feature = "fs")]
pub(crate) mod decision_log;
pub mod receipt;

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use batch::{BatchOptions, BatchSummary};
use receipt::{Receipt, ReceiptStamp};

use crate::check::{Policy, Source};
use crate::eval::{Decision, Program, Trace, Value, case_date, check_assumptions, decode_case};
use crate::project::Files;
use crate::report::decision::{DecisionJson, decision_json};
use crate::report::decision_line::DecisionTexts;
use crate::report::diagnostic::{Diagnostic, Sourced, Style};
use crate::syntax::calendar::Date;

/// The explanation of a decision: the object documented in `docs/decision-json.md`, borrowing
/// names and citations from its rulebook. Serialise it with `serde_json`.
pub type Explanation<'r> = DecisionJson<'r>;

/// A rulebook, checked and lowered, ready to decide cases. Cheap to clone and safe to share
/// between threads.
#[derive(Debug, Clone)]
pub struct Rulebook {
    program: Arc<Program>,
    /// The policy's files as read (its own, those it `use`s and those it amends), in load order.
    sources: Arc<Vec<Source>>,
    /// The path the rulebook was loaded from, as given.
    name: Arc<str>,
    /// The constant part of every receipt, made once.
    stamp: Arc<ReceiptStamp>,
    /// The texts of its decision JSON that are the same for every case, escaped once.
    texts: Arc<DecisionTexts>,
}

/// Why something given to a rulebook could not be used: every diagnostic, as data (the JSON
/// diagnostics of `licit check --format json`) and as text (as the command line prints them).
#[derive(Debug, Clone)]
pub struct Problems {
    /// Every problem, as data.
    pub diagnostics: Vec<Diagnostic>,
    /// Every problem as the command line prints it, without colour.
    pub text: String,
}

impl std::fmt::Display for Problems {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.text.trim_end())
    }
}

impl std::error::Error for Problems {}

impl Problems {
    fn of(items: &[Sourced<'_>]) -> Problems {
        let style = Style {
            colour: false,
            width: 100,
        };
        let (diagnostics, mut text, rest) = crate::report::diagnostic::drawn(items, style);
        if rest > 0 {
            text.push_str(&format!("… and {rest} more problems, in the diagnostics\n"));
        }
        Problems { diagnostics, text }
    }

    /// A problem with no place in a source (an unknown parameter).
    fn plain(diagnostic: &dyn miette::Diagnostic) -> Problems {
        Problems::plain_many(&[diagnostic])
    }

    /// Problems with no place in a source.
    fn plain_many(diagnostics: &[&dyn miette::Diagnostic]) -> Problems {
        let items: Vec<Sourced<'_>> = diagnostics
            .iter()
            .map(|diagnostic| Sourced {
                name: "",
                text: "",
                diagnostic: *diagnostic,
            })
            .collect();
        Problems::of(&items)
    }
}

/// A parameter that `Rulebook::with_params` could not set.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum Problem {
    #[error("unknown parameter `{name}`")]
    #[diagnostic(code(licit::param::unknown), help("the parameters are {known}"))]
    Unknown { name: String, known: String },
    #[error("bad value for parameter `{name}`: {problem}")]
    #[diagnostic(code(licit::param::bad_value))]
    BadValue { name: String, problem: String },
}

impl Rulebook {
    /// Loads the policy at a path on disk (a `.licit` file or a policy's folder, with the
    /// files it `use`s and the policies it amends, or a folder that holds one policy), checks
    /// it and lowers it. Warnings do not stop it; errors do, all of them reported.
    #[cfg(feature = "fs")]
    pub fn load(path: impl AsRef<Path>) -> Result<Rulebook, Problems> {
        Rulebook::from_files(&crate::project::OsFiles, path)
    }

    /// Loads the policy at a path of `files` (for example [`MemoryFiles`](crate::MemoryFiles):
    /// an editor's unsaved text, a policy sent to a service), as [`Rulebook::load`] does from
    /// the disk.
    pub fn from_files(files: &dyn Files, path: impl AsRef<Path>) -> Result<Rulebook, Problems> {
        let result = match crate::project::load_one(files, path.as_ref()) {
            Ok(result) => result,
            Err(error) => return Err(Problems::plain(&error)),
        };
        match result.checked.clone() {
            Some(policy) => Ok(Rulebook::of(
                Program::lower(policy, &[]),
                Arc::new(result.loaded.sources),
                path.as_ref().display().to_string().into(),
            )),
            None => Err(Problems::of(&result.diagnostics())),
        }
    }

    /// The same rulebook with some parameters set, by name and value as on the command line
    /// (`("china_counts_as_arms_embargo", "true")`); the others keep their values.
    pub fn with_params(&self, params: &[(&str, &str)]) -> Result<Rulebook, Problems> {
        let policy = &self.program.policy;
        let mut values = self.program.param_overrides();
        for (name, text) in params {
            match set_param(policy, name, text, &mut values) {
                Ok(()) => {}
                Err(ParamError::Unknown) => {
                    let known: Vec<String> = policy
                        .params
                        .iter()
                        .map(|p| format!("`{}`", p.name))
                        .collect();
                    return Err(Problems::plain(&Problem::Unknown {
                        name: name.to_string(),
                        known: match known.is_empty() {
                            true => "none".to_string(),
                            false => known.join(", "),
                        },
                    }));
                }
                Err(ParamError::BadValue(problem)) => {
                    return Err(Problems::plain(&Problem::BadValue {
                        name: name.to_string(),
                        problem,
                    }));
                }
            }
        }
        Ok(Rulebook::of(
            Program::lower(policy.clone(), &values),
            self.sources.clone(),
            self.name.clone(),
        ))
    }

    /// The rulebook of a policy checked already, with its sources and the path it was read
    /// from (the service, which keeps the result of loading).
    #[cfg_attr(
        not(feature = "serve"),
        expect(dead_code, reason = "used by the service")
    )]
    pub(crate) fn from_policy(policy: Arc<Policy>, sources: Vec<Source>, path: &Path) -> Rulebook {
        Rulebook::of(
            Program::lower(policy, &[]),
            Arc::new(sources),
            path.display().to_string().into(),
        )
    }

    /// A rulebook of a lowered program.
    fn of(program: Program, sources: Arc<Vec<Source>>, name: Arc<str>) -> Rulebook {
        let stamp = Arc::new(ReceiptStamp::of(&program));
        let texts = Arc::new(DecisionTexts::of(&program));
        Rulebook {
            program: Arc::new(program),
            sources,
            name,
            stamp,
            texts,
        }
    }

    /// The rulebook's short name, as receipts and `licit serve` name it: its folder's name,
    /// or its file's name without `.licit`.
    pub fn short_name(&self) -> &str {
        &self.program.policy.origin.name
    }

    /// The SHA-256 of the rulebook's source files in the canonical order of
    /// `docs/receipts.md`, as lowercase hex: computed once, when it was loaded.
    pub fn sha256(&self) -> &str {
        &self.program.policy.origin.sha256
    }

    /// The receipt of a case decided as of a date (the date of the decision,
    /// `Decision::date`): what the decision was made from, so that it can be decided again
    /// and compared (docs/receipts.md). [`Rulebook::explain`] puts it in the explanation.
    pub fn receipt(&self, case: &str, as_of: Date) -> Receipt {
        self.stamp.receipt(case, as_of)
    }

    /// Decides a case given as JSON, as of its own `date`: the verdict, the rule that decided
    /// it and the obligations, without the explanation (the fast path). A case that does not
    /// fit the input, or breaks one of the policy's `assume` declarations
    /// (`licit::case::assumption`), is a problem, not a decision.
    pub fn decide(&self, case: &str) -> Result<Decision, Problems> {
        let (value, date) = self.read(case, None)?;
        Ok(self.program.decide(&value, date))
    }

    /// Decides a case as of a given date instead of its own.
    pub fn decide_as_of(&self, case: &str, date: Date) -> Result<Decision, Problems> {
        let (value, date) = self.read(case, Some(date))?;
        Ok(self.program.decide(&value, date))
    }

    /// Decides a case given as JSON and explains the decision: the object documented in
    /// `docs/decision-json.md` (serialise it with `serde_json`).
    pub fn explain(&self, case: &str) -> Result<Explanation<'_>, Problems> {
        self.explain_with(case, None)
    }

    /// Explains a case decided as of a given date instead of its own.
    pub fn explain_as_of(&self, case: &str, date: Date) -> Result<Explanation<'_>, Problems> {
        self.explain_with(case, Some(date))
    }

    fn explain_with(&self, case: &str, as_of: Option<Date>) -> Result<Explanation<'_>, Problems> {
        let (value, date) = self.read(case, as_of)?;
        let mut trace = Trace::default();
        let decision = self.program.explain_into(&value, date, &mut trace);
        let mut json = decision_json(&self.program, &decision, &trace);
        json.receipt = Some(self.receipt(case, decision.date));
        Ok(json)
    }

    /// Decides one JSON case per line of `reader` on `options.jobs` threads and writes one JSON
    /// object per line to `out`, in input order, in constant memory: the decision (or, with
    /// `options.explain`, the whole explanation) with its line number, or for a line that is
    /// not a case an object with its line number and diagnostics. Blank lines are skipped.
    pub fn decide_batch(
        &self,
        reader: &mut dyn BufRead,
        out: &mut dyn Write,
        options: &BatchOptions,
    ) -> BatchSummary {
        batch::decide_batch_with(
            (&self.program, &self.stamp, &self.texts),
            "batch",
            reader,
            out,
            options,
            &mut |_| {},
        )
    }

    /// The JSON Schema (draft 2020-12) of the rulebook's cases, as `licit schema` prints it
    /// (docs/schema.md): every field with its type, enum members, default and comment, and the
    /// policy's assumptions in its description. A case it rejects [`Rulebook::decide`] rejects
    /// too; the few things a schema cannot express are listed in its description.
    pub fn schema(&self) -> serde_json::Value {
        crate::report::schema::case_schema(&self.program)
    }

    /// The constant part of the rulebook's receipts, for the service's fast path.
    #[cfg_attr(
        not(feature = "serve"),
        expect(dead_code, reason = "used by the service")
    )]
    pub(crate) fn stamp(&self) -> &ReceiptStamp {
        &self.stamp
    }

    /// The texts of the rulebook's decision JSON made once, for the service's fast path.
    #[cfg_attr(
        not(feature = "serve"),
        expect(dead_code, reason = "used by the service")
    )]
    pub(crate) fn decision_texts(&self) -> &DecisionTexts {
        &self.texts
    }

    /// The lowered program behind the rulebook, for the analyses.
    pub(crate) fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// The policy's files as read: its own, those it `use`s and those it amends, in load order.
    pub(crate) fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The path the rulebook was loaded from, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of a decision's verdict.
    pub fn verdict<'r>(&'r self, decision: &Decision) -> &'r str {
        self.program
            .policy
            .verdicts
            .get(decision.verdict.index())
            .map_or("", |verdict| verdict.name.as_str())
    }

    /// The name and citation of the rule that decided, if a rule did (not the `otherwise`).
    pub fn decided_by<'r>(&'r self, decision: &Decision) -> Option<(&'r str, &'r str)> {
        let rule = self
            .program
            .policy
            .rules
            .get(decision.decided_by?.index())?;
        Some((rule.name.as_str(), rule.citation.as_str()))
    }

    /// A JSON case as a value and the date to decide it as of; a case that breaks one of the
    /// policy's assumptions is a problem, as one that does not fit its input is.
    fn read(&self, case: &str, as_of: Option<Date>) -> Result<(Value, Date), Problems> {
        let problems = |errors: &[crate::eval::CaseError]| {
            let items: Vec<Sourced<'_>> = errors
                .iter()
                .map(|error| Sourced {
                    name: "case",
                    text: case,
                    diagnostic: error,
                })
                .collect();
            Problems::of(&items)
        };
        let value = decode_case(&self.program, case).map_err(|errors| problems(&errors))?;
        let Some(date) = as_of.or_else(|| case_date(&self.program.policy, &value)) else {
            return Err(Problems::plain(&crate::eval::case::NoDate {
                help: "give the case a `date`, or decide it with `decide_as_of`",
            }));
        };
        check_assumptions(&self.program, &value, date, Some(case.as_bytes()))
            .map_err(|error| problems(&[error]))?;
        Ok((value, date))
    }
}

/// Why a parameter could not be set.
pub(crate) enum ParamError {
    /// The policy has no parameter of that name.
    Unknown,
    /// The text is not a value of the parameter's type: what is wrong with it.
    BadValue(String),
}

/// Sets the parameter of a name to the value its text stands for, in `values` (one entry per
/// parameter of the policy): shared by `--param` and `Rulebook::with_params`.
pub(crate) fn set_param(
    policy: &Policy,
    name: &str,
    text: &str,
    values: &mut [Option<Value>],
) -> Result<(), ParamError> {
    let index = policy
        .params
        .iter()
        .position(|p| p.name == name)
        .ok_or(ParamError::Unknown)?;
    let value = crate::eval::parse_param(policy, &policy.params[index].ty, text)
        .map_err(ParamError::BadValue)?;
    if let Some(slot) = values.get_mut(index) {
        *slot = Some(value);
    }
    Ok(())
}
