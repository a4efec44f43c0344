//! The drafting mistakes `licit check --analyze` finds: a rule that never applies, one always
//! masked, an exception that never bites, a redundant rule, and two rules in conflict.

use std::collections::HashSet;

use crate::eval::{Program, Rule, Value};
use crate::syntax::calendar::Date;

use super::bdd::{FALSE, Node};
use super::encode::Search;
use super::error::SearchError;
use super::regions::RuleRegions;

/// A kind of drafting mistake the analysis finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// No case satisfies the rule's conditions on any date it is in force.
    NeverApplies,
    /// The rule is triggered, but a stronger verdict or an exception always wins.
    AlwaysMasked,
    /// An exception whose conditions hold only where the rule it is an exception to does not.
    ExceptionNeverBites,
    /// Wherever the rule applies, another rule with the same conclusion applies too.
    Redundant,
    /// Two rules conclude the same verdict kind with different arguments on one case.
    Conflict,
}

impl FindingKind {
    /// The name used in codes and in `allow` clauses.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::NeverApplies => "never_applies",
            FindingKind::AlwaysMasked => "always_masked",
            FindingKind::ExceptionNeverBites => "exception_never_bites",
            FindingKind::Redundant => "redundant",
            FindingKind::Conflict => "conflict",
        }
    }
}

/// One finding of the analysis.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// The rule it was found of: an index into the policy's rules.
    pub rule: usize,
    /// The other rule involved: the masking, covering or conflicting one.
    pub other: Option<usize>,
    /// A case that shows it, when one can (never for `NeverApplies`).
    pub witness: Option<(Value, Date)>,
}

impl Finding {
    /// Whether the finding's witness, decided concretely, shows it (a finding without one, as
    /// `never_applies`, stands on the search alone).
    pub(super) fn shown_by_witness(&self, program: &Program) -> bool {
        use crate::eval::Status;
        let Some((case, date)) = &self.witness else {
            return true;
        };
        let (decision, trace) = program.explain(case, *date);
        let status = |rule: usize| trace.rules.get(rule).map(|r| &r.status);
        let applied =
            |rule: Option<usize>| rule.is_some_and(|r| status(r) == Some(&Status::Applied));
        match self.kind {
            FindingKind::NeverApplies => true,
            FindingKind::ExceptionNeverBites => {
                status(self.rule) == Some(&Status::BaseNotApplicable)
            }
            FindingKind::Redundant | FindingKind::Conflict => {
                applied(Some(self.rule)) && applied(self.other)
            }
            FindingKind::AlwaysMasked => {
                matches!(
                    status(self.rule),
                    Some(Status::Applied | Status::Suppressed { .. })
                ) && decision.decided_by.map(|r| r.index()) != Some(self.rule)
            }
        }
    }
}

/// What the dates examined so far showed of each rule.
pub(super) struct Lints<'p> {
    program: &'p Program,
    /// Over all dates: where each rule's conditions held, it was triggered, applied, decided.
    ever_holds: Vec<Option<(Node, Date)>>,
    ever_triggered: Vec<Option<(Node, Date)>>,
    ever_applied: Vec<Option<(Node, Date)>>,
    ever_decides: Vec<bool>,
    /// For each rule, the rules with the same conclusion that applied wherever it did.
    covered_by: Vec<Vec<usize>>,
    /// Two rules (the first earlier) that both apply with different verdicts of one kind, where
    /// and when.
    conflicts: Vec<(usize, usize, Node, Date)>,
    reported: HashSet<(usize, usize)>,
}

impl<'p> Lints<'p> {
    /// Nothing seen yet: every rule is a candidate for redundancy with those that conclude the
    /// same.
    pub(super) fn new(program: &'p Program) -> Lints<'p> {
        let count = program.rules.len();
        let covered_by: Vec<Vec<usize>> = (0..count)
            .map(|r| {
                (0..count)
                    .filter(|s| *s != r && same_conclusion(program, r, *s))
                    .collect()
            })
            .collect();
        Lints {
            program,
            ever_holds: vec![None; count],
            ever_triggered: vec![None; count],
            ever_applied: vec![None; count],
            ever_decides: vec![false; count],
            covered_by,
            conflicts: Vec::new(),
            reported: HashSet::default(),
        }
    }

    /// Takes in the rules' regions on one date.
    pub(super) fn observe(
        &mut self,
        search: &mut Search<'_>,
        regions: &RuleRegions,
        date: Date,
    ) -> Result<(), SearchError> {
        self.observe_rules(search, regions, date)?;
        self.observe_conflicts(search, regions, date)
    }

    /// Where each rule held, was triggered, applied and decided, and which rules still cover it.
    fn observe_rules(
        &mut self,
        search: &mut Search<'_>,
        regions: &RuleRegions,
        date: Date,
    ) -> Result<(), SearchError> {
        for rule in 0..self.program.rules.len() {
            let record = |slot: &mut Option<(Node, Date)>, node: Node| {
                if slot.is_none() && node != FALSE {
                    *slot = Some((node, date));
                }
            };
            record(&mut self.ever_holds[rule], regions.holds[rule]);
            record(&mut self.ever_triggered[rule], regions.triggered[rule]);
            record(&mut self.ever_applied[rule], regions.applied[rule]);
            self.ever_decides[rule] |= regions.decides[rule] != FALSE;
            // A rule stays a candidate for redundancy while every application is also one of
            // the other rule's: always so where it does not apply, or applies where the other
            // does.
            if regions.applied[rule] == FALSE {
                continue;
            }
            let mut still = Vec::new();
            for &other in &self.covered_by[rule] {
                if regions.applied[other] == regions.applied[rule] {
                    still.push(other);
                    continue;
                }
                let not_other = search.manager.not(regions.applied[other])?;
                let alone = search.manager.and(regions.applied[rule], not_other)?;
                if alone == FALSE {
                    still.push(other);
                }
            }
            self.covered_by[rule] = still;
        }
        Ok(())
    }

    /// Two rules conflict where both apply with verdicts of the same kind written
    /// differently. Rules that apply on this date are grouped by verdict as written, and
    /// only groups of the same kind with different texts are paired.
    fn observe_conflicts(
        &mut self,
        search: &mut Search<'_>,
        regions: &RuleRegions,
        date: Date,
    ) -> Result<(), SearchError> {
        let program = self.program;
        let rules = &program.policy.rules;
        let mut applying: Vec<(usize, &str, usize)> = (0..program.rules.len())
            .filter(|rule| regions.applied[*rule] != FALSE)
            .filter_map(|rule| {
                let kind = program.rules[rule].verdict.as_ref()?.0;
                Some((kind, regions.verdicts[rule].as_deref()?, rule))
            })
            .collect();
        applying.sort_unstable();
        let groups: Vec<&[(usize, &str, usize)]> =
            applying.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)).collect();
        let mut found: Vec<(usize, usize, Node)> = Vec::new();
        for (position, group) in groups.iter().enumerate() {
            for other in groups[position + 1..]
                .iter()
                .take_while(|other| other[0].0 == group[0].0)
            {
                for &(_, _, a) in group.iter() {
                    for &(_, _, b) in other.iter() {
                        let (r, s) = (a.min(b), a.max(b));
                        let ordered = rules[r].exception_to.contains(&s)
                            || rules[s].exception_to.contains(&r);
                        if ordered || self.reported.contains(&(r, s)) {
                            continue;
                        }
                        let both = search.manager.and(regions.applied[r], regions.applied[s])?;
                        if both != FALSE {
                            found.push((r, s, both));
                        }
                    }
                }
            }
        }
        // In the order of the rules, as they are reported.
        found.sort_unstable_by_key(|(r, s, _)| (*r, *s));
        for (r, s, both) in found {
            self.reported.insert((r, s));
            self.conflicts.push((r, s, both, date));
        }
        Ok(())
    }

    /// The findings, each rule's in the order of the rules and then the conflicts, without
    /// those a rule allows.
    pub(super) fn findings(self, search: &mut Search<'_>) -> Result<Vec<Finding>, SearchError> {
        let program = self.program;
        let change_dates = program.change_dates();
        let mut findings = Vec::new();
        for rule in 0..program.rules.len() {
            if !in_force_somewhere(program, &change_dates, rule) {
                continue;
            }
            if let Some(finding) = self.rule_finding(search, rule)? {
                findings.push(finding);
            }
        }
        for &(r, s, region, date) in &self.conflicts {
            let witness = search.witness(region, date)?;
            findings.push(Finding {
                kind: FindingKind::Conflict,
                rule: s,
                other: Some(r),
                witness: Some((witness, date)),
            });
        }
        // Findings a rule allows, with a reason, are intended.
        let allows = |rule: usize, kind: FindingKind| {
            program.policy.rules[rule]
                .allows
                .iter()
                .any(|(name, _)| name == kind.name())
        };
        findings.retain(|f| {
            !(allows(f.rule, f.kind)
                || f.kind == FindingKind::Conflict && f.other.is_some_and(|o| allows(o, f.kind)))
        });
        // Where the search approximated (arithmetic on facts it cannot split), a region may
        // hold cases that do not show the finding: every witness is decided again, and a
        // finding its witness does not show is not reported.
        findings.retain(|f| f.shown_by_witness(program));
        Ok(findings)
    }

    /// The first of never applies, exception never bites, redundant and always masked that a
    /// rule shows, if any.
    fn rule_finding(
        &self,
        search: &mut Search<'_>,
        rule: usize,
    ) -> Result<Option<Finding>, SearchError> {
        let program = self.program;
        let exception = !program.rules[rule].exception_to.is_empty();
        let finding = |kind, other, witness| Finding {
            kind,
            rule,
            other,
            witness,
        };
        if self.ever_holds[rule].is_none() {
            return Ok(Some(finding(FindingKind::NeverApplies, None, None)));
        }
        if exception && self.ever_triggered[rule].is_none() {
            let (region, date) = self.ever_holds[rule].unwrap_or((FALSE, Date::EPOCH));
            let witness = search.witness(region, date)?;
            let base = program.rules[rule].exception_to.first().copied();
            return Ok(Some(finding(
                FindingKind::ExceptionNeverBites,
                base,
                Some((witness, date)),
            )));
        }
        if let (Some(&other), Some((region, date))) =
            (self.covered_by[rule].first(), self.ever_applied[rule])
        {
            // Of two rules that cover each other, report the later one only.
            if covered_by_later(&self.covered_by, rule, other) {
                return Ok(None);
            }
            let witness = search.witness(region, date)?;
            return Ok(Some(finding(
                FindingKind::Redundant,
                Some(other),
                Some((witness, date)),
            )));
        }
        let in_conflict = self
            .conflicts
            .iter()
            .any(|(r, s, _, _)| *r == rule || *s == rule);
        if program.rules[rule].verdict.is_some()
            && !self.ever_decides[rule]
            && !in_conflict
            && let Some((region, date)) = self.ever_triggered[rule]
        {
            let witness = search.witness(region, date)?;
            let decided = program
                .decide(&witness, date)
                .decided_by
                .map(|rule| rule.index());
            return Ok(Some(finding(
                FindingKind::AlwaysMasked,
                decided,
                Some((witness, date)),
            )));
        }
        Ok(None)
    }
}

/// Whether `rule` and `other` cover each other and `other` comes later, so that `other` is the
/// one reported.
fn covered_by_later(covered_by: &[Vec<usize>], rule: usize, other: usize) -> bool {
    covered_by[other].contains(&rule) && other > rule
}

/// Whether a rule is in force, with the policy, on some date.
fn in_force_somewhere(program: &Program, change_dates: &[Date], rule: usize) -> bool {
    let in_force = &program.policy.rules[rule].in_force;
    // Whether a rule and the policy are in force together changes only on these dates.
    std::iter::once(Date::EPOCH)
        .chain(change_dates.iter().copied())
        .any(|d| program.policy.in_force.contains(d) && in_force.contains(d))
}

/// Whether two rules conclude the same: the same verdict expression and the same obligations.
fn same_conclusion(program: &Program, a: usize, b: usize) -> bool {
    let (ra, rb) = (&program.rules[a], &program.rules[b]);
    let verdict = |rule: &Rule| {
        rule.verdict
            .as_ref()
            .map(|(kind, args)| format!("{kind}{args:?}"))
    };
    let obligations = |rule: &Rule| {
        let mut list: Vec<String> = rule
            .obligations
            .iter()
            .map(|(kind, args)| format!("{kind}{args:?}"))
            .collect();
        list.sort();
        list
    };
    verdict(ra) == verdict(rb)
        && obligations(ra) == obligations(rb)
        && (ra.verdict.is_some() || !ra.obligations.is_empty())
}
