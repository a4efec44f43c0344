//! Why a search cannot run: the diagrams grew too large, the inputs differ, or the work would
//! exceed its budget of rules times dates.

use super::bdd::TooLarge;

/// Why the search could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    /// The two policies do not take the same input.
    DifferentInputs(String),
    /// The decision diagrams grew past the limit.
    TooLarge,
    /// So many rules change on so many dates that the search would take many minutes: it
    /// builds every rule's regions on every date where something changes.
    TooManyDates {
        dates: usize,
        rules: usize,
        budget: usize,
    },
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchError::DifferentInputs(reason) => formatter.write_str(reason),
            SearchError::TooLarge => {
                formatter.write_str("the search grew too large for this machine")
            }
            SearchError::TooManyDates {
                dates,
                rules,
                budget,
            } => write!(
                formatter,
                "the search would build {rules} rules' regions on each of {dates} dates on which something changes, more than the {budget} rule-dates it takes on (about a minute)"
            ),
        }
    }
}

/// Refuses a search of `rules` rules over `dates` dates past a budget.
pub(super) fn within_budget(dates: usize, rules: usize, budget: usize) -> Result<(), SearchError> {
    match dates.saturating_mul(rules) > budget {
        true => Err(SearchError::TooManyDates {
            dates,
            rules,
            budget,
        }),
        false => Ok(()),
    }
}

impl From<TooLarge> for SearchError {
    fn from(_: TooLarge) -> SearchError {
        SearchError::TooLarge
    }
}
