//! `licit diff`: the exhaustive search for cases on which two policies disagree.
//!
//! For each date on which anything changes, each policy's outcome is a partition of all cases
//! (see `regions`). Where the partitions disagree there is a difference, and a satisfying
//! assignment that prefers default values is its smallest witness. Each witness is decided again
//! concretely under both policies before it is reported, so a reported difference is always
//! real.

use std::collections::BTreeMap;

use crate::check::ir::Type;
use crate::eval::{Decision, Program, Value};
use crate::syntax::calendar::Date;

use super::bdd::{FALSE, Node};
use super::compare::Comparison;
use super::domain::dates_to_examine;
use super::encode::Search;
use super::error::{SearchError, within_budget};
use super::regions::OutcomeKind;

/// One way the two policies disagree, with a concrete case that shows it.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The outcome under the old policy and under the new one, as written.
    pub old_outcome: String,
    pub new_outcome: String,
    /// The witness case (a value of the old policy's input type) and its date.
    pub case: Value,
    /// The witness decided under both policies.
    pub comparison: Comparison,
}

/// What the search found.
#[derive(Debug, Clone, Default)]
pub struct SearchReport {
    pub differences: Vec<Difference>,
    /// Conditions the search could only approximate; when empty, "no difference" is a proof
    /// over the classes of values the search tells apart.
    pub approximations: Vec<String>,
    /// How many dates were examined.
    pub dates: usize,
    /// Differences found symbolically that did not show when decided concretely.
    pub unconfirmed: usize,
}

/// The rules times the dates beyond which a search for differences does not start: about a
/// minute of work (10,000 rules each from its own day, compared with themselves, took 51 s).
const DIFF_RULE_DATES: usize = 250_000_000;

/// Searches for every way two policies with the same input can decide differently: on every
/// date that can matter, or only `as_of` when given.
pub fn search(
    old: &Program,
    new: &Program,
    as_of: Option<Date>,
) -> Result<SearchReport, SearchError> {
    check_same_input(old, new)?;
    let dates = match as_of {
        Some(date) => vec![date],
        None => dates_to_examine(old, new),
    };
    let mut search = Search::on_dates(old, new, &dates);
    search.late_assumptions = true;
    within_budget(
        dates.len(),
        old.rules.len() + new.rules.len(),
        DIFF_RULE_DATES,
    )?;
    let mut report = SearchReport {
        dates: dates.len(),
        ..SearchReport::default()
    };
    // One witness per kind of difference: the verdicts, the rules that decide them, and which
    // rules' obligations (not their arguments) accumulate under each.
    let mut found: BTreeMap<Vec<String>, Difference> = BTreeMap::new();
    for date in dates {
        for (region, known) in search.differences_on(date, &found)? {
            // A kind already reported needs no other witness.
            if known.is_some_and(|key| found.contains_key(&key)) {
                continue;
            }
            let case = search.witness(region, date)?;
            match search.confirm(&case, date) {
                Some(comparison) => {
                    let key = difference_kind(old, new, &comparison);
                    if found.contains_key(&key) {
                        continue;
                    }
                    found.insert(
                        key,
                        Difference {
                            old_outcome: comparison.old_outcome.describe(),
                            new_outcome: comparison.new_outcome.describe(),
                            case,
                            comparison,
                        },
                    );
                }
                None => report.unconfirmed += 1,
            }
        }
    }
    report.differences = found.into_values().collect();
    report.approximations = search.approximations;
    report.approximations.sort();
    report.approximations.dedup();
    Ok(report)
}

/// What makes two differences the same kind: the verdicts (by kind: arguments computed from the
/// case would make kinds without end), the deciding rules, and which rules' obligations
/// accumulate under each (by kind, not arguments).
fn difference_kind(old: &Program, new: &Program, comparison: &Comparison) -> Vec<String> {
    let rule = |program: &Program, decision: &Decision| {
        decision
            .decided_by
            .map(|r| program.policy.rules[r].name.clone())
            .unwrap_or_default()
    };
    // Which rules' obligations accumulate, by kind (not their arguments).
    let kinds = |program: &Program, decision: &Decision| {
        let mut kinds: Vec<String> = decision
            .obligations
            .iter()
            .map(|o| {
                format!(
                    "{}:{}",
                    program.policy.rules[o.rule].name, program.policy.obligations[o.kind].name
                )
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds.join(",")
    };
    vec![
        old.policy.verdicts[comparison.old.0.verdict].name.clone(),
        new.policy.verdicts[comparison.new.0.verdict].name.clone(),
        rule(old, &comparison.old.0),
        rule(new, &comparison.new.0),
        kinds(old, &comparison.old.0),
        kinds(new, &comparison.new.0),
    ]
}

/// A kind of difference, as `difference_kind` writes it.
type DifferenceKind = Vec<String>;

/// The inputs must have the same fields and enums, so that a case means the same to both.
fn check_same_input(old: &Program, new: &Program) -> Result<(), SearchError> {
    fn shape(program: &Program, ty: &Type, depth: usize) -> String {
        let policy = &program.policy;
        match ty {
            Type::Enum(index) => format!("enum {:?}", policy.enums[*index].members),
            Type::Record(index) if depth < 8 => {
                let fields: Vec<String> = policy.records[*index]
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, shape(program, &f.ty, depth + 1)))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }
            Type::Set(inner) => format!("set of {}", shape(program, inner, depth + 1)),
            Type::Optional(inner) => format!("optional {}", shape(program, inner, depth + 1)),
            other => format!("{other:?}"),
        }
    }
    let old_shape = shape(old, &Type::Record(old.policy.input), 0);
    let new_shape = shape(new, &Type::Record(new.policy.input), 0);
    if old_shape == new_shape {
        Ok(())
    } else {
        Err(SearchError::DifferentInputs(
            "the two policies' inputs differ; compare them over given cases with `--cases`"
                .to_string(),
        ))
    }
}

impl Search<'_> {
    /// Every difference between the two policies' outcomes on one date: the region of cases
    /// of each pair of kinds of outcome (see `OutcomeKind`) whose outcomes as written differ,
    /// with its kind of difference when the verdicts are known without a case. A pair whose
    /// kind is among those `found` already is not searched: it needs no other witness.
    fn differences_on(
        &mut self,
        date: Date,
        found: &BTreeMap<DifferenceKind, Difference>,
    ) -> Result<Vec<(Node, Option<DifferenceKind>)>, SearchError> {
        let old = self.old;
        let new = self.new;
        let (old_outcomes, old_assumed) = self.outcomes(old, date)?;
        let (new_outcomes, new_assumed) = self.outcomes(new, date)?;
        // Only cases both policies' assumptions allow are cases at all.
        let assumed = self.manager.and(old_assumed, new_assumed)?;
        // Each policy's outcomes partition the cases: an old kind differs from the new
        // outcome exactly where the new outcome is not the same as written. Where that is
        // nowhere (most kinds, as two versions of a policy mostly agree), no pair is searched.
        let new_texts: Vec<String> = new_outcomes.iter().map(|(kind, _)| kind.text()).collect();
        let mut regions = Vec::new();
        for (old_kind, old_region) in &old_outcomes {
            let text = old_kind.text();
            let same = new_texts
                .iter()
                .zip(&new_outcomes)
                .filter(|(new_text, _)| **new_text == text)
                .map(|(_, (_, region))| *region);
            let same = self.manager.any(same)?;
            let different = self.manager.not(same)?;
            let changed = self.manager.and(*old_region, different)?;
            if changed == FALSE {
                continue;
            }
            for ((new_kind, new_region), new_text) in new_outcomes.iter().zip(&new_texts) {
                if *new_text == text {
                    continue;
                }
                let known = symbolic_kind(old, old_kind, new, new_kind);
                if known.as_ref().is_some_and(|key| found.contains_key(key)) {
                    continue;
                }
                let region = self.manager.and(changed, *new_region)?;
                let region = self.manager.and(region, assumed)?;
                if region != FALSE {
                    regions.push((region, known));
                }
            }
        }
        Ok(regions)
    }
}

/// The kind of difference (as `difference_kind` writes it) between two kinds of outcome.
fn symbolic_kind(
    old: &Program,
    old_kind: &OutcomeKind,
    new: &Program,
    new_kind: &OutcomeKind,
) -> Option<DifferenceKind> {
    let side = |program: &Program, kind: &OutcomeKind| {
        let rule = kind
            .decided_by
            .map(|r| program.policy.rules[r].name.clone())
            .unwrap_or_default();
        let mut obligations: Vec<String> = kind
            .obligations
            .iter()
            .map(|(r, text)| {
                let name = text.split('(').next().unwrap_or("");
                format!("{}:{name}", program.policy.rules[*r].name)
            })
            .collect();
        obligations.sort();
        obligations.dedup();
        (rule, obligations.join(","))
    };
    let (old_rule, old_obligations) = side(old, old_kind);
    let (new_rule, new_obligations) = side(new, new_kind);
    let name = |verdict: &str| verdict.split('(').next().unwrap_or("").to_string();
    Some(vec![
        name(&old_kind.verdict),
        name(&new_kind.verdict),
        old_rule,
        new_rule,
        old_obligations,
        new_obligations,
    ])
}
