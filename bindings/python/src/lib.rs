//! The native module `licit._licit`: a rulebook of the `licit` library held by Python, taking
//! cases and giving decisions as JSON text. The `licit` package (python/licit/) turns Python
//! values into that JSON and back, and raises the errors defined in `licit._errors`; this module
//! releases the GIL whenever it decides, so Python threads decide in parallel.

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use licit::{BatchOptions, MemoryFiles, Problems};

/// A checked rulebook, shared by every Python thread that decides with it.
#[pyclass(module = "licit._licit", frozen)]
struct Rulebook {
    inner: Arc<licit::Rulebook>,
}

/// The Python exception of a kind (`PolicyError`, `CaseError`) from `licit._errors`, carrying the
/// problems as the command line prints them and as JSON diagnostics.
fn error(py: Python<'_>, kind: &str, problems: &Problems) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let class = py.import("licit._errors")?.getattr(kind)?;
        let diagnostics = serde_json::to_string(&problems.diagnostics)
            .map_err(|error| PyValueError::new_err(error.to_string()))?;
        let value = class.call1((problems.text.clone(), diagnostics))?;
        Ok(PyErr::from_value(value))
    })();
    made.unwrap_or_else(|error| error)
}

fn policy_error(py: Python<'_>, problems: &Problems) -> PyErr {
    error(py, "PolicyError", problems)
}

fn case_error(py: Python<'_>, problems: &Problems) -> PyErr {
    error(py, "CaseError", problems)
}

/// The rulebook with its parameters set, if any are given.
fn with_params(
    py: Python<'_>,
    rulebook: licit::Rulebook,
    params: Option<Vec<(String, String)>>,
) -> PyResult<Rulebook> {
    let rulebook = match params {
        Some(params) if !params.is_empty() => {
            let pairs: Vec<(&str, &str)> = params
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            rulebook
                .with_params(&pairs)
                .map_err(|problems| policy_error(py, &problems))?
        }
        _ => rulebook,
    };
    Ok(Rulebook {
        inner: Arc::new(rulebook),
    })
}

/// How a case is given to the batch: as its own line, or (when it cannot be one line of JSONL)
/// decided on its own.
enum Prepared<'a> {
    Line(std::borrow::Cow<'a, str>),
    Alone,
}

/// A case as one line of a batch. Line ends outside JSON strings are whitespace and become
/// spaces; a line end inside a string (never valid JSON) or a blank case (which a batch skips)
/// is decided on its own, so that its diagnostics are those of `decide`.
fn prepare(case: &str) -> Prepared<'_> {
    if case.trim().is_empty() {
        return Prepared::Alone;
    }
    if !case.contains(['\n', '\r']) {
        return Prepared::Line(case.into());
    }
    let mut line = String::with_capacity(case.len());
    let mut in_string = false;
    let mut escaped = false;
    for character in case.chars() {
        match character {
            '\n' | '\r' if in_string => return Prepared::Alone,
            '\n' | '\r' => line.push(' '),
            '"' if !escaped => {
                in_string = !in_string;
                line.push(character);
            }
            _ => line.push(character),
        }
        escaped = in_string && character == '\\' && !escaped;
    }
    Prepared::Line(line.into())
}

/// What `decide` says of a case that the batch could not decide: `{"errors": […], "text": …}`.
fn problems_line(problems: &Problems) -> String {
    serde_json::json!({"errors": problems.diagnostics, "text": problems.text}).to_string()
}

#[pymethods]
impl Rulebook {
    /// Loads the policy at a path (a `.licit` file or a policy's folder) and sets parameters,
    /// given as (name, value) pairs of text as on the command line.
    #[staticmethod]
    #[pyo3(signature = (path, params=None))]
    fn load(py: Python<'_>, path: &str, params: Option<Vec<(String, String)>>) -> PyResult<Self> {
        let path = path.to_string();
        let loaded = py.detach(move || licit::Rulebook::load(path));
        let rulebook = loaded.map_err(|problems| policy_error(py, &problems))?;
        with_params(py, rulebook, params)
    }

    /// Loads a policy from texts by file name, starting at `entry` (a file or folder name).
    #[staticmethod]
    #[pyo3(signature = (sources, entry, params=None))]
    fn from_sources(
        py: Python<'_>,
        sources: Vec<(String, String)>,
        entry: &str,
        params: Option<Vec<(String, String)>>,
    ) -> PyResult<Self> {
        let mut files = MemoryFiles::new();
        for (name, text) in sources {
            files.insert(name, text);
        }
        let entry = entry.to_string();
        let loaded = py.detach(move || licit::Rulebook::from_files(&files, entry));
        let rulebook = loaded.map_err(|problems| policy_error(py, &problems))?;
        with_params(py, rulebook, params)
    }

    /// The decision JSON of a case, with its explanation (docs/decision-json.md).
    fn explain(&self, py: Python<'_>, case: &str) -> PyResult<String> {
        let inner = &self.inner;
        let explained = py.detach(|| {
            inner
                .explain(case)
                .map(|explanation| serde_json::to_string(&explanation))
        });
        match explained {
            Ok(json) => json.map_err(|error| PyValueError::new_err(error.to_string())),
            Err(problems) => Err(case_error(py, &problems)),
        }
    }

    /// Decides cases (JSON texts) on every core, without the GIL: one JSON line per case, in
    /// order, each the line of `licit eval --batch` (`line` is the case's position from 1) or,
    /// for a case that cannot be decided, `{"errors": [...], "text": ...}`.
    #[pyo3(signature = (cases, jobs=None))]
    fn decide_lines(
        &self,
        py: Python<'_>,
        cases: Vec<String>,
        jobs: Option<usize>,
    ) -> PyResult<Vec<String>> {
        let inner = &self.inner;
        let jobs = jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(1)
        });
        py.detach(|| decide_lines(inner, &cases, jobs))
    }

    /// Decides cases as `decide_lines` does and gives the columns of `decide_frame`, read from
    /// the lines without the GIL: verdict, basis, decided_by, citation, obligations (kinds),
    /// and for a case that cannot be decided its `{"errors": …, "text": …}` line (else None).
    #[pyo3(signature = (cases, jobs=None))]
    fn decide_columns(
        &self,
        py: Python<'_>,
        cases: Vec<String>,
        jobs: Option<usize>,
    ) -> PyResult<Columns> {
        let inner = &self.inner;
        let jobs = jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(1)
        });
        py.detach(|| {
            let lines = decide_lines(inner, &cases, jobs)?;
            Ok(columns(&lines))
        })
    }

    /// The analysis of the rulebook (`licit check --analyze`), as JSON: `findings` (JSON
    /// diagnostics), `text` (as the command line prints them), `proven`, `approximations`.
    fn analyze(&self, py: Python<'_>) -> PyResult<String> {
        let inner = &self.inner;
        let analysed = py.detach(|| inner.analyze());
        let report = analysed.map_err(|problems| policy_error(py, &problems))?;
        Ok(serde_json::json!({
            "findings": report.findings.diagnostics,
            "text": report.findings.text,
            "proven": report.proven,
            "approximations": report.approximations,
        })
        .to_string())
    }

    /// The results of the rulebook's own `test` blocks, as JSON: `passed`, `failed` and `json`
    /// (the object of `licit test --format json --coverage`).
    fn test(&self, py: Python<'_>) -> String {
        let inner = &self.inner;
        let report = py.detach(|| inner.test());
        serde_json::json!({"passed": report.passed, "failed": report.failed, "json": report.json})
            .to_string()
    }

    /// Why a case does not get a verdict, and what would give it (`eval --why-not --format json`).
    fn why_not(&self, py: Python<'_>, case: &str, verdict: &str) -> PyResult<String> {
        let inner = &self.inner;
        let answer = py.detach(|| inner.why_not(case, verdict));
        match answer {
            Ok(json) => Ok(json.to_string()),
            Err(problems) => Err(case_error(py, &problems)),
        }
    }

    /// The decision JSON of a case with some fields changed (dotted paths to JSON values).
    fn what_if(&self, py: Python<'_>, case: &str, changes: &str) -> PyResult<String> {
        let changes: serde_json::Map<String, serde_json::Value> = serde_json::from_str(changes)
            .map_err(|error| PyValueError::new_err(format!("changes: {error}")))?;
        let inner = &self.inner;
        let answer = py.detach(|| {
            let pairs: Vec<(&str, serde_json::Value)> = changes
                .iter()
                .map(|(path, value)| (path.as_str(), value.clone()))
                .collect();
            inner
                .what_if(case, &pairs)
                .map(|explanation| serde_json::to_string(&explanation))
        });
        match answer {
            Ok(json) => json.map_err(|error| PyValueError::new_err(error.to_string())),
            Err(problems) => Err(case_error(py, &problems)),
        }
    }

    /// What changes from this rulebook to `other` (`licit diff --format json`): on the given
    /// cases (JSON texts) if any, by the symbolic search if `search`.
    #[pyo3(signature = (other, cases, as_of=None, search=true))]
    fn diff(
        &self,
        py: Python<'_>,
        other: &Rulebook,
        cases: Vec<String>,
        as_of: Option<&str>,
        search: bool,
    ) -> PyResult<String> {
        let as_of = match as_of {
            Some(text) => Some(
                licit::Date::parse(text)
                    .map_err(|error| PyValueError::new_err(format!("as_of: {error}")))?,
            ),
            None => None,
        };
        let options = licit::DiffOptions {
            as_of,
            cases: cases
                .into_iter()
                .enumerate()
                .map(|(index, json)| licit::DiffCase {
                    label: format!("case {index}"),
                    json,
                })
                .collect(),
            search,
            names: None,
        };
        let (old, new) = (&self.inner, &other.inner);
        let answer = py.detach(|| licit::diff(old, new, &options));
        let report = answer.map_err(|problems| policy_error(py, &problems))?;
        Ok(serde_json::json!({
            "report": report.json,
            "changed": report.changed,
            "skipped": report.skipped.diagnostics,
            "skipped_text": report.skipped.text,
            "notes": report.notes,
        })
        .to_string())
    }
}

/// The lines of `decide_lines`: the batch of the library for the cases that can be lines, each
/// case the batch could not decide asked again on its own for its diagnostics.
fn decide_lines(
    rulebook: &licit::Rulebook,
    cases: &[String],
    jobs: usize,
) -> PyResult<Vec<String>> {
    let prepared: Vec<Prepared<'_>> = cases.iter().map(|case| prepare(case)).collect();
    let mut input = String::with_capacity(cases.iter().map(|case| case.len() + 1).sum());
    for case in &prepared {
        match case {
            Prepared::Line(line) => input.push_str(line),
            // A placeholder that the batch rejects: the case is decided on its own below.
            Prepared::Alone => input.push_str("null"),
        }
        input.push('\n');
    }
    let mut output = Vec::with_capacity(cases.len() * 256);
    let options = BatchOptions {
        as_of: None,
        explain: false,
        jobs,
    };
    rulebook.decide_batch(&mut input.as_bytes(), &mut output, &options);
    let output =
        String::from_utf8(output).map_err(|error| PyValueError::new_err(error.to_string()))?;
    let mut lines: Vec<String> = output.lines().map(str::to_string).collect();
    if lines.len() != cases.len() {
        return Err(PyValueError::new_err(format!(
            "the batch gave {} lines for {} cases",
            lines.len(),
            cases.len()
        )));
    }
    for (line, case) in lines.iter_mut().zip(cases) {
        let rejected = line
            .split_once(',')
            .is_some_and(|(_, rest)| rest.starts_with("\"errors\""));
        if rejected {
            *line = match rulebook.decide(case) {
                Err(problems) => problems_line(&problems),
                // Never so: a case the batch rejects is rejected on its own too.
                Ok(_) => line.clone(),
            };
        }
    }
    Ok(lines)
}

/// The columns of `decide_columns`.
type Columns = (
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<Vec<String>>,
    Vec<Option<String>>,
);

/// The frame's columns from decision lines (`decide_lines`).
fn columns(lines: &[String]) -> Columns {
    let mut columns: Columns = Default::default();
    for line in lines {
        let json: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let text = |value: &serde_json::Value| value.as_str().map(str::to_string);
        if json.get("errors").is_some() || json.get("verdict").is_none() {
            columns.0.push(None);
            columns.1.push(None);
            columns.2.push(None);
            columns.3.push(None);
            columns.4.push(Vec::new());
            columns.5.push(Some(line.clone()));
            continue;
        }
        columns.0.push(text(&json["verdict"]["kind"]));
        columns.1.push(text(&json["verdict"]["args"]["basis"]));
        columns.2.push(text(&json["decided_by"]["rule"]));
        columns.3.push(text(&json["decided_by"]["citation"]));
        columns.4.push(
            json["obligations"]
                .as_array()
                .map(|obligations| {
                    obligations
                        .iter()
                        .filter_map(|obligation| text(&obligation["kind"]))
                        .collect()
                })
                .unwrap_or_default(),
        );
        columns.5.push(None);
    }
    columns
}

/// The native half of the `licit` package.
#[pymodule]
fn _licit(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Rulebook>()?;
    let versions = PyDict::new(module.py());
    versions.set_item("licit", env!("CARGO_PKG_VERSION"))?;
    module.add("__versions__", versions)?;
    Ok(())
}
