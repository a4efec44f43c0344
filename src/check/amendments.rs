//! Amendments: `add`, `replace` and `repeal rule`, `change set`, `change const` and `change param`,
//! applied in layer order over the policy they amend. An amendment is a dated change, as a
//! consolidated text is: its header's `in force` gives the dates its changes take effect (its
//! *window*); outside them the amended policy decides as its base. A replaced or repealed rule
//! keeps its old text outside the window, beside the new one under the same name.

use std::collections::BTreeSet;

use super::error::{CheckError, Located};
use super::ir::*;
use super::suggest;
use super::{Checker, Source, ValueSymbol};
use crate::syntax::Span;
use crate::syntax::ast;
use crate::syntax::calendar::{Date, Duration};

/// One text of a rule while collecting, with the stretches of dates amendments leave it in
/// force (before its own `in force` narrows them).
pub(super) struct RuleVersion<'a> {
    pub(super) file: FileId,
    pub(super) decl: &'a ast::RuleDecl,
    pub(super) windows: Vec<Period>,
}

impl<'a> RuleVersion<'a> {
    pub(super) fn new(file: FileId, decl: &'a ast::RuleDecl, window: Period) -> RuleVersion<'a> {
        RuleVersion {
            file,
            decl,
            windows: vec![window],
        }
    }
}

/// The dates each layer's changes take effect (its header's `in force`; the base's header says
/// when the policy itself is in force and dates no change), and the policy's own period: the
/// deepest base's.
pub(super) fn layer_windows(sources: &[Source]) -> (Vec<Period>, Option<Period>) {
    let layers = sources
        .iter()
        .map(|source| source.layer + 1)
        .max()
        .unwrap_or(0);
    let mut windows = vec![Period::default(); layers];
    let mut policy_period = None;
    let mut base_layer = usize::MAX;
    for source in sources {
        let Some(header) = source.ast.as_ref().and_then(|ast| ast.header.as_ref()) else {
            continue;
        };
        let period = Period {
            from: header.in_force.from.map(|d| d.date),
            until: header.in_force.until.map(|d| d.date),
        };
        if source.layer > 0 {
            windows[source.layer] = period;
        }
        if source.layer < base_layer {
            base_layer = source.layer;
            policy_period = Some(period);
        }
    }
    (windows, policy_period)
}

/// The days in both periods; `None` when there are none.
pub(super) fn intersect(a: Period, b: Period) -> Option<Period> {
    let period = meet(a, b);
    match (period.from, period.until) {
        (Some(from), Some(until)) if until < from => None,
        _ => Some(period),
    }
}

/// The later start and the earlier end of two periods: their common days, and a period that
/// contains no day (ending before it starts) when they have none.
pub(super) fn meet(a: Period, b: Period) -> Period {
    let from = match (a.from, b.from) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let until = match (a.until, b.until) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    Period { from, until }
}

/// The days of a period outside a window: at most two stretches, the one before the window
/// and the one after it.
pub(super) fn subtract(period: Period, window: Period) -> Vec<Period> {
    let day = |date: Date, days: i32| date.add(Duration { months: 0, days: 1 }, days);
    let before = window.from.and_then(|from| {
        intersect(
            period,
            Period {
                from: None,
                until: Some(day(from, -1)),
            },
        )
    });
    let after = window.until.and_then(|until| {
        intersect(
            period,
            Period {
                from: Some(day(until, 1)),
                until: None,
            },
        )
    });
    before.into_iter().chain(after).collect()
}

impl<'a> Checker<'a> {
    /// The dates the changes of a file's layer take effect.
    fn window(&self, file: FileId) -> Period {
        let layer = self.sources[file].layer;
        self.layer_windows.get(layer).copied().unwrap_or_default()
    }

    /// `add rule`: a rule the amended policy does not have, in force from the amendment's date.
    pub(super) fn add_rule(&mut self, file: FileId, rule: &'a ast::RuleDecl) {
        if self.rules_by_name.contains_key(&rule.name.name) {
            self.error(CheckError::AddExistingRule {
                rule: rule.name.name.clone(),
                span: rule.name.span,
            });
            return;
        }
        self.rules_by_name
            .insert(rule.name.name.clone(), self.rule_slots.len());
        let window = self.window(file);
        self.rule_slots
            .push(vec![RuleVersion::new(file, rule, window)]);
        self.amendment_note(format!("adds rule `{}`", rule.name.name), &rule.citation);
    }

    /// `replace rule`: the new text holds from the amendment's date, the old texts before it
    /// (and after it, when the amendment's changes end), in the old rule's place in the order.
    pub(super) fn replace_rule(&mut self, file: FileId, rule: &'a ast::RuleDecl) {
        match self.rules_by_name.get(&rule.name.name) {
            Some(&slot) => {
                let window = self.window(file);
                self.narrow_rule(slot, window);
                self.rule_slots[slot].push(RuleVersion::new(file, rule, window));
                self.amendment_note(
                    format!("replaces rule `{}`", rule.name.name),
                    &rule.citation,
                );
            }
            None => self.unknown_rule(&rule.name),
        }
    }

    /// `repeal rule`: the rule's texts hold only outside the amendment's dates.
    pub(super) fn repeal_rule(
        &mut self,
        layer: usize,
        name: &ast::Ident,
        citation: &Option<ast::Str>,
    ) {
        match self.rules_by_name.get(&name.name) {
            Some(&slot) => {
                let window = self.layer_windows.get(layer).copied().unwrap_or_default();
                self.warn_if_repeal_changes_nothing(slot, name, window);
                self.narrow_rule(slot, window);
                self.repealed
                    .push((name.name.clone(), self.place(name.span), window));
                self.amendment_note(format!("repeals rule `{}`", name.name), citation);
            }
            None => self.unknown_rule(name),
        }
    }

    /// A repeal on dates the rule is not in force on anyway (the base's rules of an earlier
    /// regime, say) is a warning: it reads as a change and makes none.
    fn warn_if_repeal_changes_nothing(&mut self, slot: usize, name: &ast::Ident, window: Period) {
        let policy = self.policy_period.unwrap_or_default();
        let periods: Vec<Period> = self.rule_slots[slot]
            .iter()
            .flat_map(|version| {
                let own = own_period(version.decl);
                version
                    .windows
                    .iter()
                    .filter_map(move |window| intersect(intersect(own, *window)?, policy))
            })
            .collect();
        if periods.iter().any(|p| intersect(*p, window).is_some()) {
            return;
        }
        let rule_period = match periods.is_empty() {
            true => "on none of the policy's dates".to_string(),
            false => periods
                .iter()
                .map(Period::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        };
        self.error(CheckError::RepealChangesNothing {
            rule: name.name.clone(),
            window: window.to_string(),
            rule_period,
            span: name.span,
        });
    }

    /// Takes an amendment's dates out of every text a rule has so far.
    fn narrow_rule(&mut self, slot: usize, window: Period) {
        for version in &mut self.rule_slots[slot] {
            version.windows = version
                .windows
                .iter()
                .flat_map(|period| subtract(*period, window))
                .collect();
        }
    }

    /// `change set … add/remove`: applied to the set's members when the set is checked.
    pub(super) fn change_set(
        &mut self,
        file: FileId,
        declaration: &'a ast::Declaration,
        name: &ast::Ident,
        citation: &Option<ast::Str>,
        add: bool,
    ) {
        match self.values.get(&name.name) {
            Some((ValueSymbol::Set(index), _)) => {
                let index = *index;
                let window = self.window(file);
                self.set_changes.push((index, file, declaration, window));
                let what = if add {
                    "adds members to"
                } else {
                    "removes members from"
                };
                self.amendment_note(format!("{what} set `{}`", name.name), citation);
            }
            _ => self.unknown_amended_value(name, "set"),
        }
    }

    /// `change const` or `change param`: new versions or a new default from the amendment's
    /// date, used when the constant or parameter is checked.
    pub(super) fn change_value(
        &mut self,
        file: FileId,
        declaration: &'a ast::Declaration,
        name: &ast::Ident,
        citation: &Option<ast::Str>,
        is_param: bool,
    ) {
        match (self.values.get(&name.name), is_param) {
            (Some((ValueSymbol::Const(index), _)), false) => {
                let index = *index;
                let window = self.window(file);
                self.const_changes
                    .entry(index)
                    .or_default()
                    .push((file, declaration, window));
                self.amendment_note(format!("changes constant `{}`", name.name), citation);
            }
            (Some((ValueSymbol::Param(index), _)), true) => {
                let index = *index;
                let window = self.window(file);
                self.param_changes
                    .entry(index)
                    .or_default()
                    .push((file, declaration, window));
                self.amendment_note(format!("changes parameter `{}`", name.name), citation);
            }
            _ => self.unknown_amended_value(name, if is_param { "parameter" } else { "constant" }),
        }
    }

    /// Whether an amendment's change may stand here (only in a policy that `amends` another).
    pub(super) fn amendment_allowed(
        &mut self,
        source: &Source,
        span: Span,
        what: &'static str,
    ) -> bool {
        if source.layer > 0 {
            return true;
        }
        self.error(CheckError::ChangeOutsideAmendment { what, span });
        false
    }

    pub(super) fn amendment_note(&mut self, change: String, citation: &Option<ast::Str>) {
        self.amendments.push(Amendment {
            change,
            citation: citation
                .as_ref()
                .map(|c| c.text.clone())
                .unwrap_or_default(),
            place: self.place(citation.as_ref().map(|c| c.span).unwrap_or_default()),
        });
    }

    /// Reports a rule name that names no rule, with the nearest one as a suggestion: for an
    /// amendment's `replace`/`repeal` and a test's expectations alike.
    pub(super) fn unknown_rule(&mut self, name: &ast::Ident) {
        let suggestion =
            suggest::closest(&name.name, self.rules_by_name.keys().map(String::as_str));
        self.error(CheckError::UnknownRule {
            name: name.name.clone(),
            suggestion,
            span: name.span,
        });
    }

    pub(super) fn unknown_amended_value(&mut self, name: &ast::Ident, what: &str) {
        let suggestion = suggest::closest(&name.name, self.values.keys().map(String::as_str));
        self.error(CheckError::UnknownName {
            name: name.name.clone(),
            suggestion: suggestion
                .or_else(|| Some(format!("a {what} of the policy this amends")))
                .filter(|s| !s.starts_with("a ")),
            span: name.span,
        });
    }

    /// Once every file is collected: one entry per text of a rule and stretch of dates it
    /// holds, in the order of the rules (a rule's old texts before its new one). A text whose
    /// stretch, own `in force` and the policy's period share no day is dropped. Then says which rules are
    /// exceptions to a repealed one on dates where it no longer has a text in force (at the
    /// repeal, where the amendment can fix it).
    pub(super) fn flatten_rule_versions(&mut self) {
        let slots = std::mem::take(&mut self.rule_slots);
        let excepted: BTreeSet<&str> = slots
            .iter()
            .flatten()
            .flat_map(|version| &version.decl.exception_to)
            .map(|base| base.name.as_str())
            .collect();
        let mut final_periods = Vec::new();
        for slot in &slots {
            let mut indices = Vec::new();
            let name = slot[0].decl.name.name.clone();
            let mut dropped = None;
            for version in slot {
                let own = own_period(version.decl);
                for &window in &version.windows {
                    // Unnarrowed, the rule stays as written, so its own period is checked. A
                    // text an amendment narrowed to dates outside the policy's is dropped.
                    let policy = self.policy_period.unwrap_or_default();
                    let period = match intersect(own, window) {
                        _ if window == Period::default() => own,
                        Some(period) if intersect(period, policy).is_some() => period,
                        Some(_) | None => {
                            dropped = Some((version.file, version.decl, window));
                            continue;
                        }
                    };
                    indices.push(self.rule_asts.len());
                    self.rule_asts.push((version.file, version.decl));
                    self.rule_windows.push(window);
                    final_periods.push(period);
                }
            }
            // A rule every text of which was dropped, but which an exception names, keeps its
            // last text, in force on no day: an exception to it then never applies, where
            // without a base it would apply as a rule of its own.
            if indices.is_empty()
                && excepted.contains(name.as_str())
                && let Some((file, decl, window)) = dropped
            {
                indices.push(self.rule_asts.len());
                self.rule_asts.push((file, decl));
                self.rule_windows.push(window);
                final_periods.push(meet(own_period(decl), window));
            }
            if let Some(&newest) = indices.last() {
                self.rules_by_name.insert(name.clone(), newest);
                self.rule_versions.insert(name, indices);
            } else {
                self.rules_by_name.remove(&name);
            }
        }
        for (name, place, window) in self.repealed.clone() {
            let base_in_force = self.rule_versions.get(&name).is_some_and(|versions| {
                versions
                    .iter()
                    .any(|&v| intersect(final_periods[v], window).is_some())
            });
            if base_in_force {
                continue;
            }
            let mut reported: Vec<&str> = Vec::new();
            for (index, (_, rule)) in self.rule_asts.iter().enumerate() {
                let names_it = rule.exception_to.iter().any(|base| base.name == name);
                let overlaps = intersect(final_periods[index], window).is_some();
                if names_it && overlaps && !reported.contains(&rule.name.name.as_str()) {
                    reported.push(&rule.name.name);
                    self.errors.push(Located {
                        in_test: false,
                        file: place.file,
                        error: CheckError::RepealLeavesException {
                            exception: rule.name.name.clone(),
                            repealed: name.clone(),
                            span: place.span,
                        },
                    });
                }
            }
        }
    }
}

/// A rule's own `in force`, as written.
fn own_period(rule: &ast::RuleDecl) -> Period {
    rule.in_force
        .as_ref()
        .map(|period| Period {
            from: period.from.map(|d| d.date),
            until: period.until.map(|d| d.date),
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::{Source, check};
    use super::Period;
    use crate::check::ir::Policy;
    use crate::syntax::calendar::Date;

    const BASE: &str = r#"
policy "Base"
  in force from 2020-01-01

enum Country { CN, JP, US }
input Case { date: date, destination: Country, value: int = 0 }
verdicts licence_required > authorised(basis: text) > no_licence_required
otherwise no_licence_required
obligation keep_records(for: duration)

set watched: Country = {CN}
const retention: duration = 5 years
param strict: bool = false

rule export_licence "Art. 1"
  when case.destination in watched or strict
  then licence_required, keep_records(for: retention)

rule small_values "Art. 2"
  exception to export_licence
  when case.value < 100
  then authorised(basis: "small")

rule old_rule "Art. 3"
  in force until 2021-12-31
  when case.destination == US
  then licence_required

rule dated_rule "Art. 4"
  in force from 2022-06-01
  when case.destination == JP
  then licence_required
"#;

    const FIRST: &str = r#"
policy "First amendment"
  amends "base"
  in force from 2023-01-01

add rule added "Art. 9"
  in force from 2022-01-01
  when case.destination == US
  then licence_required

replace rule small_values "Art. 2 new"
  exception to export_licence
  when case.value < 50
  then authorised(basis: "small")

repeal rule dated_rule "Art. 4 repealed"

change set watched "Art. 1 list" += {JP}
change set watched "Art. 1 list" -= {CN}
change const retention "Art. 5" = 10 years
change param strict = true
"#;

    const SECOND: &str = r#"
policy "Second amendment"
  amends "first"
  in force from 2024-01-01 until 2024-12-31

replace rule small_values "Art. 2 newer"
  exception to export_licence
  when case.value < 10
  then authorised(basis: "small")

change set watched "Art. 1 list" += {CN}
change const retention "Art. 5" = 1 year
"#;

    fn date(text: &str) -> Option<Date> {
        Some(Date::parse(text).expect("a date"))
    }

    fn period(from: Option<&str>, until: Option<&str>) -> Period {
        Period {
            from: from.and_then(date),
            until: until.and_then(date),
        }
    }

    /// The sources of a chain of policies, the deepest base first.
    fn sources(layers: &[&str]) -> Vec<Source> {
        layers
            .iter()
            .enumerate()
            .map(|(layer, text)| Source {
                name: format!("layer{layer}.licit"),
                text: text.to_string(),
                ast: crate::syntax::parse(text).0,
                uses: Vec::new(),
                layer,
                amends_error: None,
            })
            .collect()
    }

    /// Checks a chain of policies, the deepest base first.
    fn checked(layers: &[&str]) -> Policy {
        let (policy, findings) = check(&sources(layers));
        let errors: Vec<String> = findings
            .iter()
            .filter(|found| !found.error.is_warning())
            .map(|found| found.error.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        policy.expect("a checked policy")
    }

    fn rule_periods(policy: &Policy) -> Vec<(String, String)> {
        policy
            .rules
            .iter()
            .map(|rule| (rule.name.clone(), rule.in_force.to_string()))
            .collect()
    }

    fn periods(list: &[(crate::check::ir::Expr, Period)]) -> Vec<String> {
        list.iter().map(|(_, period)| period.to_string()).collect()
    }

    #[test]
    fn an_amendment_dates_each_kind_of_change() {
        let policy = checked(&[BASE, FIRST]);
        // The policy's own period is the base's; the title the amendment's.
        assert_eq!(policy.in_force, period(Some("2020-01-01"), None));
        assert_eq!(policy.title, "First amendment");
        let named = |name: &str, period: &str| (name.to_string(), period.to_string());
        assert_eq!(
            rule_periods(&policy),
            vec![
                named("export_licence", "at all times"),
                // Replaced: the old text until the day before, the new from the date.
                named("small_values", "until 2022-12-31"),
                named("small_values", "from 2023-01-01"),
                // Out of force before the amendment anyway: unchanged.
                named("old_rule", "until 2021-12-31"),
                // Repealed: in force until the day before, within its own period.
                named("dated_rule", "from 2022-06-01 until 2022-12-31"),
                // Added: from the amendment's date, though its own period starts earlier.
                named("added", "from 2023-01-01"),
            ]
        );
        // An exception to a replaced rule excepts each of its texts.
        let export_licence = 0;
        assert_eq!(policy.rules[1].exception_to, vec![export_licence]);
        let set = &policy.sets[0];
        assert_eq!(periods(&set.members), ["at all times", "from 2023-01-01"]);
        assert_eq!(periods(&set.removed), ["from 2023-01-01"]);
        assert_eq!(
            periods(&policy.consts[0].versions),
            ["from 2023-01-01", "at all times"]
        );
        assert!(matches!(
            policy.params[0].default,
            crate::check::ir::Expr::Bool(false)
        ));
        assert_eq!(periods(&policy.params[0].versions), ["from 2023-01-01"]);
        // A test naming the replaced rule means the text in force on its date.
        assert_eq!(policy.rule_on(2, date("2022-12-31").expect("date")), 1);
        assert_eq!(policy.rule_on(1, date("2023-01-01").expect("date")), 2);
    }

    #[test]
    fn a_chain_of_amendments_composes_with_a_sunset() {
        let policy = checked(&[BASE, FIRST, SECOND]);
        assert_eq!(policy.title, "Second amendment");
        assert_eq!(policy.in_force, period(Some("2020-01-01"), None));
        let small_values: Vec<String> = rule_periods(&policy)
            .into_iter()
            .filter(|(name, _)| name == "small_values")
            .map(|(_, period)| period)
            .collect();
        // The base's text, the first amendment's around the second's dates, the second's.
        assert_eq!(
            small_values,
            [
                "until 2022-12-31",
                "from 2023-01-01 until 2023-12-31",
                "from 2025-01-01",
                "from 2024-01-01 until 2024-12-31",
            ]
        );
        let set = &policy.sets[0];
        assert_eq!(
            periods(&set.members),
            [
                "at all times",
                "from 2023-01-01",
                "from 2024-01-01 until 2024-12-31"
            ]
        );
        // CN, removed from 2023, is back for the second amendment's dates.
        assert_eq!(
            periods(&set.removed),
            ["from 2023-01-01 until 2023-12-31", "from 2025-01-01"]
        );
        assert_eq!(
            periods(&policy.consts[0].versions),
            [
                "from 2024-01-01 until 2024-12-31",
                "from 2023-01-01",
                "at all times"
            ]
        );
    }

    #[test]
    fn a_repeal_on_dates_the_rule_is_not_in_force_is_a_warning() {
        let amendment = r#"
policy "Repeal of an expired rule"
  amends "base"
  in force from 2023-01-01

repeal rule old_rule "Art. 3 repealed"
"#;
        let (policy, findings) = check(&sources(&[BASE, amendment]));
        let messages: Vec<String> = findings.iter().map(|f| f.error.to_string()).collect();
        assert_eq!(
            messages,
            ["repealing `old_rule` changes nothing: it is not in force when the amendment is"]
        );
        assert!(policy.is_some());
    }
}
