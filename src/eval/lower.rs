//! Lowering a checked policy to the program that decides cases: parameters substituted,
//! constants folded, sets built once for every epoch in which the policy does not change, sets
//! whose members have their own dates kept once with them, and the bound on epochs.

use std::sync::Arc;

use crate::check::Policy;
use crate::check::ir::{self, Compare, Period};
use crate::syntax::calendar::Date;

use super::decide::SharedConditions;
use super::ir::{CaseShape, DatedSet, Epoch, Expr, Part, Program, Rule};
use super::lower_expr::{enum_of, visit_ir};
use super::tree::index_key;
use super::value::Value;

/// Epochs split at every date a rule comes into force or goes out of it while the number of
/// epochs times the number of rules stays under this; past it (thousands of rules, each from
/// its own date) they split only where constants, sets or the policy's being in force change.
const EPOCH_RULE_BUDGET: usize = 1 << 20;

impl Program {
    /// Lowers a checked policy with the given parameter values (`None` keeps the default).
    pub fn lower(policy: Arc<Policy>, overrides: &[Option<Value>]) -> Program {
        let mut program = Program {
            policy: policy.clone(),
            rules: Vec::new(),
            epochs: Vec::new(),
            params: Vec::new(),
            dated_params: Vec::new(),
            requirements: Vec::new(),
            implied: Vec::new(),
            live: Vec::new(),
            dated_sets: Vec::new(),
            shape: CaseShape::default(),
            shared_conditions: SharedConditions::default(),
            assumptions: Vec::new(),
            compiled: Vec::new(),
            compiled_assumptions: Vec::new(),
            every_assumption: super::compiled::Test::default(),
        };
        let mut params = Vec::new();
        for (index, param) in policy.params.iter().enumerate() {
            let value = match overrides.get(index).cloned().flatten() {
                Some(value) => value,
                None => program.constant_value(&param.default),
            };
            params.push(value);
        }
        program.params = params;
        let mut slot = policy.consts.len();
        program.dated_params = policy
            .params
            .iter()
            .enumerate()
            .map(|(index, param)| {
                let given = overrides.get(index).is_some_and(Option::is_some);
                (!given && !param.versions.is_empty()).then(|| {
                    slot += 1;
                    slot - 1
                })
            })
            .collect();
        program.dated_sets = program.dated_sets();
        program.rules = policy
            .rules
            .iter()
            .map(|rule| program.lower_rule(rule))
            .collect();
        for index in 0..program.rules.len() {
            for base in program.rules[index].exception_to.clone() {
                program.rules[base].exceptions.push(index);
            }
        }
        program.requirements = program
            .rules
            .iter()
            .map(|rule| {
                rule.conditions
                    .iter()
                    .enumerate()
                    .filter_map(|(position, condition)| {
                        let (path, members, ty) = index_key(condition)?;
                        Some((position, path, members, ty))
                    })
                    .collect()
            })
            .collect();
        let date_field = policy
            .records
            .get(policy.input)
            .and_then(|input| input.field_index("date"));
        program.implied = program
            .rules
            .iter()
            .map(|rule| implied_period(&rule.conditions, date_field))
            .collect();
        program.live = policy
            .rules
            .iter()
            .zip(&program.implied)
            .map(|(rule, implied)| intersection(&rule.in_force, implied))
            .collect();
        program.epochs = program.build_epochs();
        program.shape = CaseShape::of(&program);
        program.shared_conditions = SharedConditions::of(&program);
        program.assumptions = policy
            .assumptions
            .iter()
            .map(|assumption| {
                let facts = assumption.observed.iter();
                (
                    program.lower_expr(&assumption.condition),
                    facts.map(|(_, fact)| program.lower_expr(fact)).collect(),
                )
            })
            .collect();
        program.compile_conditions();
        program
    }

    /// The parameters' values, as overrides to lower the policy again with: a parameter whose
    /// default a dated amendment changes, and that was not given, stays unset so that it keeps
    /// its dates.
    pub fn param_overrides(&self) -> Vec<Option<Value>> {
        self.params
            .iter()
            .zip(&self.dated_params)
            .map(|(value, dated)| dated.is_none().then(|| value.clone()))
            .collect()
    }

    /// A checked rule lowered; its `exceptions` are filled in once every rule is lowered.
    fn lower_rule(&self, rule: &ir::RuleDef) -> Rule {
        Rule {
            for_each: rule.for_each.as_ref().map(|f| self.lower_expr(&f.set)),
            conditions: rule
                .conditions
                .iter()
                .map(|c| self.lower_expr(&c.expr))
                .collect(),
            observed: rule
                .conditions
                .iter()
                .map(|c| c.observed.iter().map(|(_, e)| self.lower_expr(e)).collect())
                .collect(),
            verdict: rule
                .verdict
                .as_ref()
                .map(|v| (v.kind, v.args.iter().map(|a| self.lower_expr(a)).collect())),
            obligations: rule
                .obligations
                .iter()
                .map(|o| (o.kind, o.args.iter().map(|a| self.lower_expr(a)).collect()))
                .collect(),
            exception_to: rule.exception_to.clone(),
            exceptions: Vec::new(),
            because: rule
                .because
                .iter()
                .map(|part| match part {
                    ir::TemplatePart::Text(text) => Part::Text(text.clone()),
                    ir::TemplatePart::Hole(expr) => Part::Hole(self.lower_expr(expr)),
                })
                .collect(),
        }
    }

    /// Which named sets to keep with their members' dates: those of values other than enum
    /// members (whose sets are small bitsets) with dated members written as plain values, that
    /// no constant or other set reads.
    fn dated_sets(&self) -> Vec<Option<DatedSet>> {
        let policy = &self.policy;
        let mut read = vec![false; policy.sets.len()];
        let mut mark = |expr: &ir::Expr| {
            visit_ir(expr, &mut |e| {
                if let ir::Expr::NamedSet(index) = e
                    && let Some(flag) = read.get_mut(*index)
                {
                    *flag = true;
                }
            })
        };
        policy
            .consts
            .iter()
            .flat_map(|c| c.versions.iter())
            .chain(
                policy
                    .sets
                    .iter()
                    .flat_map(|s| s.members.iter().chain(&s.removed)),
            )
            .for_each(|(expr, _)| mark(expr));
        policy
            .sets
            .iter()
            .enumerate()
            .map(|(index, set)| {
                let dated = set
                    .members
                    .iter()
                    .chain(&set.removed)
                    .any(|(_, period)| period.from.is_some() || period.until.is_some());
                if read[index] || enum_of(&set.element).is_some() || !dated {
                    return None;
                }
                let mut entries = Vec::new();
                for (list, removed) in [(&set.members, false), (&set.removed, true)] {
                    for (expr, period) in list {
                        match self.lower_expr(expr) {
                            Expr::Value(value) => entries.push((value, *period, removed)),
                            _ => return None,
                        }
                    }
                }
                Some(DatedSet::new(entries))
            })
            .collect()
    }

    /// The dates on which something can change: a constant, a set, the policy's being in force
    /// or a rule's, or what a rule's own conditions on `case.date` allow.
    pub fn change_dates(&self) -> Vec<Date> {
        let (mut dates, rules) = self.boundaries();
        dates.extend(rules);
        dates.extend(self.dated_sets_boundaries());
        dates.sort();
        dates.dedup();
        dates
    }

    /// The first days of the periods of constants, set members and the policy; and those of
    /// the rules' periods, in force and allowed by their own conditions on `case.date`.
    fn boundaries(&self) -> (Vec<Date>, Vec<Date>) {
        let policy = &self.policy;
        let starts = |periods: &mut dyn Iterator<Item = &Period>| -> Vec<Date> {
            let one_day = crate::syntax::calendar::Duration { months: 0, days: 1 };
            periods
                .flat_map(|period| [period.from, period.until.map(|u| u.add(one_day, 1))])
                .flatten()
                .collect()
        };
        let values = starts(
            &mut std::iter::once(&policy.in_force)
                .chain(
                    policy
                        .consts
                        .iter()
                        .flat_map(|c| c.versions.iter().map(|v| &v.1)),
                )
                .chain(
                    policy
                        .params
                        .iter()
                        .zip(&self.dated_params)
                        .filter(|(_, slot)| slot.is_some())
                        .flat_map(|(p, _)| p.versions.iter().map(|v| &v.1)),
                )
                .chain(
                    policy
                        .sets
                        .iter()
                        .enumerate()
                        .filter(|(index, _)| self.dated_set(*index).is_none())
                        .flat_map(|(_, s)| s.members.iter().chain(s.removed.iter()).map(|m| &m.1)),
                ),
        );
        let rules = starts(
            &mut policy
                .rules
                .iter()
                .map(|rule| &rule.in_force)
                .chain(self.implied.iter()),
        );
        (values, rules)
    }

    /// The first days of the periods of the members of sets kept with their dates.
    fn dated_sets_boundaries(&self) -> Vec<Date> {
        let one_day = crate::syntax::calendar::Duration { months: 0, days: 1 };
        self.dated_sets
            .iter()
            .flatten()
            .flat_map(|set| set.entries.iter())
            .flat_map(|(_, period, _)| [period.from, period.until.map(|u| u.add(one_day, 1))])
            .flatten()
            .collect()
    }

    /// Constants (numbered first) and sets, each after those its definition reads: building
    /// them in this order evaluates each once, where evaluating on demand would follow a chain
    /// of definitions on the stack and evaluate a shared one again for every reader. Found by a
    /// depth-first search with its path on the heap; the checker has rejected cycles.
    pub(super) fn definition_order(&self) -> Vec<usize> {
        let policy = &self.policy;
        let consts = policy.consts.len();
        let edges: Vec<Vec<usize>> = policy
            .consts
            .iter()
            .map(|c| c.versions.iter().collect::<Vec<_>>())
            .chain(
                policy
                    .sets
                    .iter()
                    .map(|s| s.members.iter().chain(&s.removed).collect()),
            )
            .map(|definition| {
                let mut read = Vec::new();
                for (expr, _) in definition {
                    visit_ir(expr, &mut |e| match e {
                        ir::Expr::Const(index) => read.push(*index),
                        ir::Expr::NamedSet(index) => read.push(consts + index),
                        _ => {}
                    });
                }
                read
            })
            .collect();
        let mut seen = vec![false; edges.len()];
        let mut order = Vec::with_capacity(edges.len());
        for start in 0..edges.len() {
            if seen[start] {
                continue;
            }
            seen[start] = true;
            let mut path = vec![(start, 0usize)];
            while let Some(&(node, next)) = path.last() {
                match edges[node].get(next) {
                    Some(&read) => {
                        if let Some(frame) = path.last_mut() {
                            frame.1 += 1;
                        }
                        if read < edges.len() && !seen[read] {
                            seen[read] = true;
                            path.push((read, 0));
                        }
                    }
                    None => {
                        path.pop();
                        order.push(node);
                    }
                }
            }
        }
        order
    }

    /// Builds an epoch's constants and sets as of `date`, in `order` (`definition_order`).
    pub(super) fn build_definitions(&self, epoch: &mut Epoch, date: Date, order: &[usize]) {
        let consts = self.policy.consts.len();
        // A parameter whose default a dated amendment changes is read like a constant, from a
        // slot after the constants (`Program::dated_params`). Its defaults are built before the
        // constants and sets that may read it, and again after them, for a default that reads
        // a constant.
        let dated_params: Vec<usize> = self.dated_params.iter().flatten().copied().collect();
        epoch.consts = vec![Value::None; consts + dated_params.len()];
        epoch.sets = vec![Value::None; self.policy.sets.len()];
        for &slot in &dated_params {
            epoch.consts[slot] = self.const_value_at(slot, date, epoch);
        }
        for &node in order {
            match node.checked_sub(consts) {
                None => epoch.consts[node] = self.const_value_at(node, date, epoch),
                // A set kept with its dates is asked on the case's date instead.
                Some(set) if self.dated_set(set).is_some() => {}
                Some(set) => epoch.sets[set] = self.set_value_at(set, date, epoch),
            }
        }
        for &slot in &dated_params {
            epoch.consts[slot] = self.const_value_at(slot, date, epoch);
        }
    }

    fn build_epochs(&self) -> Vec<Epoch> {
        let policy = &self.policy;
        let (mut starts, rule_starts) = self.boundaries();
        starts.sort();
        starts.dedup();
        let mut every = starts.clone();
        every.extend(rule_starts);
        every.sort();
        every.dedup();
        // Epochs split at the rules' dates too, so that deciding never reaches a rule out of
        // force, unless that would build too many copies of the rules' tree: then a rule's
        // dates are tested when a case reaches it.
        if every.len().saturating_mul(self.rules.len().max(1)) <= EPOCH_RULE_BUDGET {
            starts = every;
        }
        // The first epoch starts before any date a case can have.
        let first = Date::from_ymd(1, 1, 1).unwrap_or(Date::EPOCH);
        let mut epoch_starts = vec![first];
        epoch_starts.extend(starts.into_iter().filter(|d| *d > first));
        let one_day = crate::syntax::calendar::Duration { months: 0, days: 1 };
        let order = self.definition_order();
        let mut epochs: Vec<Epoch> = Vec::with_capacity(epoch_starts.len());
        for (position, start) in epoch_starts.iter().enumerate() {
            let start = *start;
            let end = epoch_starts
                .get(position + 1)
                .map(|next| next.add(one_day, -1));
            let mut epoch = Epoch::new(start, end, policy.in_force.contains(start));
            self.build_definitions(&mut epoch, start, &order);
            // A set equal to the epoch before's is that set, shared: a memo keyed by a set
            // (the prefix tests') finds it again from one epoch to the next.
            if let Some(before) = epochs.last() {
                for (set, earlier) in epoch.sets.iter_mut().zip(&before.sets) {
                    if let (Value::Set(members), Value::Set(earlier)) = (&*set, earlier)
                        && **members == **earlier
                    {
                        *set = Value::Set(earlier.clone());
                    }
                }
            }
            self.index_rules(&mut epoch, epochs.last());
            epochs.push(epoch);
        }
        epochs
    }
}

/// The dates a rule's conditions on the case's date allow: `case.date > D` and the like,
/// between the date field and a constant date.
fn implied_period(conditions: &[Expr], date_field: Option<usize>) -> Period {
    let mut period = Period::default();
    let Some(date_field) = date_field else {
        return period;
    };
    let one_day = crate::syntax::calendar::Duration { months: 0, days: 1 };
    for condition in conditions {
        let Expr::Compare(op, left, right) = condition else {
            continue;
        };
        let (op, date) = match (&**left, &**right) {
            (Expr::Field(base, field), Expr::Value(Value::Date(d)))
                if matches!(**base, Expr::Case) && *field == date_field =>
            {
                (*op, *d)
            }
            (Expr::Value(Value::Date(d)), Expr::Field(base, field))
                if matches!(**base, Expr::Case) && *field == date_field =>
            {
                // `D < case.date` is `case.date > D`.
                let flipped = match op {
                    Compare::Lt => Compare::Gt,
                    Compare::Le => Compare::Ge,
                    Compare::Gt => Compare::Lt,
                    Compare::Ge => Compare::Le,
                    other => *other,
                };
                (flipped, *d)
            }
            _ => continue,
        };
        let (from, until) = match op {
            Compare::Gt => (Some(date.add(one_day, 1)), None),
            Compare::Ge => (Some(date), None),
            Compare::Lt => (None, Some(date.add(one_day, -1))),
            Compare::Le => (None, Some(date)),
            Compare::Eq => (Some(date), Some(date)),
            Compare::Ne => (None, None),
        };
        if let Some(from) = from {
            period.from = Some(period.from.map_or(from, |f| f.max(from)));
        }
        if let Some(until) = until {
            period.until = Some(period.until.map_or(until, |u| u.min(until)));
        }
    }
    period
}

/// The days in both periods.
fn intersection(a: &Period, b: &Period) -> Period {
    let later = |x: Option<Date>, y: Option<Date>| match (x, y) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let earlier = |x: Option<Date>, y: Option<Date>| match (x, y) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    Period {
        from: later(a.from, b.from),
        until: earlier(a.until, b.until),
    }
}
