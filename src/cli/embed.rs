//! Embedding licit in a system: load a rulebook once, then decide JSON cases from any number of
//! threads. What the command line does for one case or a batch, as a library.
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

use std::path::Path;
use std::sync::Arc;

use crate::eval::{Decision, Program, Trace, case_date, decode_case};
use crate::report::decision::{DecisionJson, decision_json};
use crate::report::diagnostic::{JsonDiagnostic, Sourced, Style, render_human, to_json};
use crate::syntax::calendar::Date;

/// A rulebook, checked and lowered, ready to decide cases. Cheap to clone and safe to share
/// between threads.
#[derive(Debug, Clone)]
pub struct Rulebook {
    program: Arc<Program>,
}

/// Why something given to a rulebook could not be used: every diagnostic, as data (the JSON
/// diagnostics of `licit check --format json`) and as text (as the command line prints them).
#[derive(Debug, Clone)]
pub struct Problems {
    pub diagnostics: Vec<JsonDiagnostic>,
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
        Problems {
            diagnostics: items.iter().map(to_json).collect(),
            text: items.iter().map(|item| render_human(item, style)).collect(),
        }
    }

    /// A problem with no place in a source (an unknown parameter).
    fn plain(diagnostic: &dyn miette::Diagnostic) -> Problems {
        Problems::of(&[Sourced {
            name: "",
            text: "",
            diagnostic,
        }])
    }
}

/// A parameter that `Rulebook::with_params` could not set, or a case without a date.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum Problem {
    #[error("unknown parameter `{name}`")]
    #[diagnostic(code(licit::param::unknown), help("the parameters are {known}"))]
    Unknown { name: String, known: String },
    #[error("bad value for parameter `{name}`: {problem}")]
    #[diagnostic(code(licit::param::bad_value))]
    BadValue { name: String, problem: String },
    #[error("the case has no `date`")]
    #[diagnostic(
        code(licit::case::missing_field),
        help("give the case a `date`, or decide it with `decide_as_of`")
    )]
    NoDate,
}

impl Rulebook {
    /// Loads the policy at a path (a `.licit` file or a policy's folder, with the files it
    /// `use`s and the policies it amends, or a folder that holds one policy), checks it and
    /// lowers it. Warnings do not stop it;
    /// errors do, all of them reported.
    pub fn load(path: impl AsRef<Path>) -> Result<Rulebook, Problems> {
        let result = match super::load_one(path.as_ref()) {
            Ok(result) => result,
            Err(error) => return Err(Problems::plain(&error)),
        };
        match result.checked.clone() {
            Some(policy) => Ok(Rulebook {
                program: Arc::new(Program::lower(policy, &[])),
            }),
            None => Err(Problems::of(&result.diagnostics())),
        }
    }

    /// The same rulebook with some parameters set, by name and value as on the command line
    /// (`("china_counts_as_arms_embargo", "true")`); the others keep their values.
    pub fn with_params(&self, params: &[(&str, &str)]) -> Result<Rulebook, Problems> {
        let policy = &self.program.policy;
        let mut values: Vec<_> = self.program.params.iter().cloned().map(Some).collect();
        for (name, text) in params {
            match super::set_param(policy, name, text, &mut values) {
                Ok(()) => {}
                Err(super::ParamError::Unknown) => {
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
                Err(super::ParamError::BadValue(problem)) => {
                    return Err(Problems::plain(&Problem::BadValue {
                        name: name.to_string(),
                        problem,
                    }));
                }
            }
        }
        Ok(Rulebook {
            program: Arc::new(Program::lower(policy.clone(), &values)),
        })
    }

    /// Decides a case given as JSON, as of its own `date`: the verdict, the rule that decided
    /// it and the obligations, without the explanation (the fast path).
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
    pub fn explain(&self, case: &str) -> Result<DecisionJson<'_>, Problems> {
        let (value, date) = self.read(case, None)?;
        let mut trace = Trace::default();
        let decision = self.program.explain_into(&value, date, &mut trace);
        Ok(decision_json(&self.program, &decision, &trace))
    }

    /// The name of a decision's verdict.
    pub fn verdict<'r>(&'r self, decision: &Decision) -> &'r str {
        self.program
            .policy
            .verdicts
            .get(decision.verdict)
            .map_or("", |verdict| verdict.name.as_str())
    }

    /// The name and citation of the rule that decided, if a rule did (not the `otherwise`).
    pub fn decided_by<'r>(&'r self, decision: &Decision) -> Option<(&'r str, &'r str)> {
        let rule = self.program.policy.rules.get(decision.decided_by?)?;
        Some((rule.name.as_str(), rule.citation.as_str()))
    }

    /// The lowered program, for the lower-level API (`Program::decide` on decoded cases).
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// A JSON case as a value and the date to decide it as of.
    fn read(
        &self,
        case: &str,
        as_of: Option<Date>,
    ) -> Result<(crate::eval::Value, Date), Problems> {
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
        match as_of.or_else(|| case_date(&self.program.policy, &value)) {
            Some(date) => Ok((value, date)),
            None => Err(Problems::plain(&Problem::NoDate)),
        }
    }
}
