//! The policy's assumptions about the world, checked on a decoded case: the one place every
//! path that decides a case (`eval`, `--batch`, the library, `what-if`, `test`) asks whether
//! the case is one the policy speaks of. Deciding itself does not ask: it takes a case that
//! was read through here.

use crate::syntax::Span;
use crate::syntax::calendar::Date;
use crate::syntax::json::{self, Json, JsonKind};

use super::case::CaseError;
use super::interpret::Env;
use super::ir::Program;
use super::value::Value;

impl Program {
    /// Each assumption's condition, lowered, in the order of the policy's `assumptions`: what
    /// the analyses conjoin into the cases they search.
    pub fn assumption_conditions(&self) -> impl Iterator<Item = &super::ir::Expr> {
        self.assumptions.iter().map(|(condition, _)| condition)
    }

    /// The first assumption of the policy that the case breaks as of `date`, by index.
    pub fn violated_assumption(&self, case: &Value, date: Date) -> Option<usize> {
        if self.assumptions.is_empty() {
            return None;
        }
        let epoch = self.find_epoch(date);
        let mut env = Env::new(self, case, epoch, date);
        // Most cases keep them all: one test says so.
        if env.test(&self.every_assumption) {
            return None;
        }
        self.compiled_assumptions
            .iter()
            .position(|test| !env.test(test))
    }

    /// What a case says of the facts an assumption reads: "`case.exporter_state` is `AD`".
    pub fn assumption_facts(&self, index: usize, case: &Value, date: Date) -> String {
        let Some(((_, facts), definition)) = self
            .assumptions
            .get(index)
            .zip(self.policy.assumptions.get(index))
        else {
            return String::new();
        };
        let epoch = self.epoch_at(date);
        let mut env = Env::new(self, case, epoch, date);
        let said: Vec<String> = definition
            .observed
            .iter()
            .zip(facts)
            .map(|((path, _), fact)| {
                let value = env.value(fact).into_owned();
                format!("`{path}` is `{}`", self.format_value(&value))
            })
            .collect();
        match said.is_empty() {
            true => "the case breaks it whatever it says".to_string(),
            false => format!("the case says {}", said.join(", ")),
        }
    }
}

/// Checks a decoded case, read from the JSON `text`, against the policy's assumptions as of
/// `date`: the first it breaks as a diagnostic that points at the first fact it reads, or at
/// the whole case. Without a text (a case the user did not write as it is) it points nowhere.
/// The text is given as bytes, and read only for a case that breaks an assumption: a batch's
/// line, which is not made a `str` to be decided, need not be made one to be checked.
pub fn check_assumptions(
    program: &Program,
    case: &Value,
    date: Date,
    text: Option<&[u8]>,
) -> Result<(), CaseError> {
    let Some(index) = program.violated_assumption(case, date) else {
        return Ok(());
    };
    let definition = &program.policy.assumptions[index];
    let json = text
        .and_then(|text| std::str::from_utf8(text).ok())
        .and_then(|text| json::parse(text).ok());
    let span = json.as_ref().map(|json| {
        definition
            .observed
            .first()
            .and_then(|(path, _)| place_of(json, path))
            .unwrap_or(json.span)
    });
    Err(CaseError::Assumption {
        text: definition.text.clone(),
        help: program.assumption_facts(index, case, date),
        span,
    })
}

/// Where the value of a path (`case.item.annex_i`) is written in a JSON case, if it is.
fn place_of(json: &Json, path: &str) -> Option<Span> {
    let mut names = path.split('.');
    if names.next() != Some("case") {
        return None;
    }
    let mut value = json;
    for name in names {
        let JsonKind::Object(members) = &value.kind else {
            return None;
        };
        value = &members.iter().find(|(key, _)| key.name == name)?.1;
    }
    Some(value.span)
}
