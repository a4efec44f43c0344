//! `licit check --analyze`: one pass over the dates on which anything changes, feeding each
//! date's rule regions to the lints and to the assertions.

use crate::eval::Program;

use super::assert::{AssertOutcome, Asserts};
use super::domain::dates_to_examine;
use super::encode::Search;
use super::error::{SearchError, within_budget};
use super::lint::{Finding, Lints};

/// The rules times the dates beyond which the analysis does not start. It also pairs the rules
/// on every date, so it takes less than the diff (3,000 rules each from its own day: 11 s).
const ANALYSIS_RULE_DATES: usize = 50_000_000;

/// What `licit check --analyze` found.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub asserts: Vec<AssertOutcome>,
    pub approximations: Vec<String>,
}

/// Looks for drafting mistakes in one policy and proves or refutes its assertions.
pub fn analyze(program: &Program) -> Result<Analysis, SearchError> {
    let dates = dates_to_examine(program, program);
    within_budget(dates.len(), program.rules.len(), ANALYSIS_RULE_DATES)?;
    // The dates examined are classes of their own for date facts too, as a diff's are: a
    // date of the case's compared with its date (`l.valid_from <= case.date`) is before, on
    // or after each.
    let mut search = Search::on_dates(program, program, &dates);
    let mut lints = Lints::new(program);
    let mut asserts = Asserts::new(program);
    for &date in &dates {
        let regions = search.rule_regions(program, date)?;
        lints.observe(&mut search, &regions, date)?;
        asserts.observe(&mut search, &regions, date)?;
    }
    let findings = lints.findings(&mut search)?;
    let asserts = asserts.outcomes(&mut search)?;
    search.approximations.sort();
    search.approximations.dedup();
    Ok(Analysis {
        findings,
        asserts,
        approximations: search.approximations,
    })
}
