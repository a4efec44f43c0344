//! A policy on one date as regions of cases: where each rule's conditions hold, where it is
//! triggered, applies and decides the verdict, and the partition of all cases by outcome.

use crate::check::ir::KindDef;
use crate::eval::{Epoch, Expr, Program};
use crate::syntax::calendar::Date;

use super::bdd::{FALSE, Node, TRUE};
use super::encode::{Search, Sym, SymEnv};
use super::error::SearchError;

impl Search<'_> {
    /// Each rule's regions on a date: where its conditions hold, where it is triggered, where it
    /// applies, and where it decides the verdict (with the verdict as written).
    pub(super) fn rule_regions(
        &mut self,
        program: &Program,
        date: Date,
    ) -> Result<RuleRegions, SearchError> {
        let epoch = program.epoch(date);
        let count = program.rules.len();
        // Each rule's conditions (with its `for`), when in force.
        let mut holds = vec![FALSE; count];
        for &rule_id in &epoch.rules {
            let index = rule_id as usize;
            if program.policy.rules[index].in_force.contains(date) {
                holds[index] = self.rule_condition(program, epoch, date, index)?;
            }
        }
        // Only the cases the policy's assumptions allow are cases at all: every region below
        // lies within them, so no witness breaks an assumption. Encoded after the rules, so
        // that the facts get their variables in the order the rules read them.
        let assumed = self.assumed(program, epoch, date)?;
        // And only assignments that spell a value are cases: a fact with three classes has two
        // bits, and the fourth pattern is no case (`not in` a set would otherwise hold there).
        let valid = self.well_formed()?;
        let assumed = self.manager.and(assumed, valid)?;
        let mut triggered_memo: Vec<Option<Node>> = vec![None; count];
        let mut triggered = Vec::with_capacity(count);
        for index in 0..count {
            triggered.push(self.triggered(program, index, &holds, &mut triggered_memo)?);
        }
        let mut applied_memo: Vec<Option<Node>> = vec![None; count];
        let mut applied = Vec::with_capacity(count);
        for index in 0..count {
            applied.push(self.applied(program, index, &triggered_memo, &mut applied_memo)?);
        }
        // The deciding rule: the strongest verdict, the first rule among equals.
        let mut taken = FALSE;
        let mut decides = vec![FALSE; count];
        let mut verdicts: Vec<Option<String>> = vec![None; count];
        for kind in 0..program.policy.verdicts.len() {
            for (index, rule) in program.rules.iter().enumerate() {
                let Some((rule_kind, args)) = &rule.verdict else {
                    continue;
                };
                if *rule_kind != kind {
                    continue;
                }
                verdicts[index] = Some(self.conclusion_text(
                    program,
                    epoch,
                    date,
                    &program.policy.verdicts[kind],
                    args,
                ));
                if applied[index] == FALSE {
                    continue;
                }
                let not_taken = self.manager.not(taken)?;
                decides[index] = self.manager.and(applied[index], not_taken)?;
                taken = self.manager.or(taken, applied[index])?;
            }
        }
        let mut otherwise = self.manager.not(taken)?;
        // The regions are built over every case and restricted to the assumed ones last (the
        // same regions as restricting each rule's conditions first, since restricting commutes
        // with and, or and not, but far smaller diagrams on the way).
        if !self.late_assumptions {
            for node in holds
                .iter_mut()
                .chain(&mut triggered)
                .chain(&mut applied)
                .chain(&mut decides)
                .chain(std::iter::once(&mut otherwise))
            {
                *node = self.manager.and(*node, assumed)?;
            }
        }
        Ok(RuleRegions {
            assumed,
            holds,
            triggered,
            applied,
            decides,
            verdicts,
            otherwise,
        })
    }

    /// A program's outcomes on a date: for each kind of outcome (the outcome as written — the
    /// verdict, then the obligations — the rule that decides, and the rules whose obligations
    /// accumulate), the region of cases that get it; and the region the policy's assumptions
    /// allow, within which those regions lie unless `late_assumptions` is set.
    pub(super) fn outcomes(
        &mut self,
        program: &Program,
        date: Date,
    ) -> Result<(Vec<(OutcomeKind, Node)>, Node), SearchError> {
        let epoch = program.epoch(date);
        let regions = self.rule_regions(program, date)?;
        let applied = regions.applied.clone();
        let mut parts: Vec<(OutcomeKind, Node)> = Vec::new();
        for (index, text) in regions.verdicts.iter().enumerate() {
            if let Some(text) = text
                && regions.decides[index] != FALSE
            {
                let kind = OutcomeKind {
                    verdict: text.clone(),
                    decided_by: Some(index),
                    obligations: Vec::new(),
                };
                parts.push((kind, regions.decides[index]));
            }
        }
        let otherwise = OutcomeKind {
            verdict: program.policy.verdicts[program.policy.otherwise]
                .name
                .clone(),
            decided_by: None,
            obligations: Vec::new(),
        };
        parts.push((otherwise, regions.otherwise));
        // Refine by each rule that imposes obligations: present where it applies.
        for (index, rule) in program.rules.iter().enumerate() {
            if rule.obligations.is_empty() || applied[index] == FALSE {
                continue;
            }
            let texts: Vec<String> = rule
                .obligations
                .iter()
                .map(|(kind, args)| {
                    self.conclusion_text(
                        program,
                        epoch,
                        date,
                        &program.policy.obligations[*kind],
                        args,
                    )
                })
                .collect();
            let absent = self.manager.not(applied[index])?;
            let mut next = Vec::new();
            for (kind, node) in parts {
                let with = self.manager.and(node, applied[index])?;
                let without = self.manager.and(node, absent)?;
                if with != FALSE {
                    let mut kind_with = kind.clone();
                    kind_with
                        .obligations
                        .extend(texts.iter().map(|text| (index, text.clone())));
                    next.push((kind_with, with));
                }
                if without != FALSE {
                    next.push((kind, without));
                }
            }
            parts = next;
        }
        Ok((parts, regions.assumed))
    }

    fn triggered(
        &mut self,
        program: &Program,
        index: usize,
        holds: &[Node],
        memo: &mut Vec<Option<Node>>,
    ) -> Result<Node, SearchError> {
        if let Some(node) = memo[index] {
            return Ok(node);
        }
        let rule = &program.rules[index];
        let mut result = holds[index];
        if !rule.exception_to.is_empty() && result != FALSE {
            let mut any_base = FALSE;
            for &base in &rule.exception_to {
                let t = self.triggered(program, base, holds, memo)?;
                any_base = self.manager.or(any_base, t)?;
            }
            result = self.manager.and(result, any_base)?;
        }
        memo[index] = Some(result);
        Ok(result)
    }

    /// Where a rule applies: triggered, and no exception to it applies.
    fn applied(
        &mut self,
        program: &Program,
        index: usize,
        triggered: &[Option<Node>],
        memo: &mut Vec<Option<Node>>,
    ) -> Result<Node, SearchError> {
        if let Some(node) = memo[index] {
            return Ok(node);
        }
        let mut suppressed = FALSE;
        for &exception in &program.rules[index].exceptions {
            let applies = self.applied(program, exception, triggered, memo)?;
            suppressed = self.manager.or(suppressed, applies)?;
        }
        let not_suppressed = self.manager.not(suppressed)?;
        let own = triggered[index].unwrap_or(FALSE);
        let node = self.manager.and(own, not_suppressed)?;
        memo[index] = Some(node);
        Ok(node)
    }

    /// A conclusion as written when its arguments are known on this date, otherwise with the
    /// expression of each unknown argument.
    fn conclusion_text(
        &mut self,
        program: &Program,
        epoch: &Epoch,
        date: Date,
        kind: &KindDef,
        args: &[Expr],
    ) -> String {
        if kind.params.is_empty() {
            return kind.name.clone();
        }
        let parts: Vec<String> = kind
            .params
            .iter()
            .zip(args)
            .map(|((name, _), arg)| {
                let mut env = SymEnv {
                    program,
                    epoch,
                    date,
                    locals: Vec::new(),
                };
                match self.sym(arg, &mut env) {
                    Ok(Sym::Known(value)) => format!("{name}: {}", program.format_value(&value)),
                    _ => format!("{name}: <depends on the case>"),
                }
            })
            .collect();
        format!("{}({})", kind.name, parts.join(", "))
    }

    /// The region where a rule's conditions hold (for its first member, with `for`).
    /// The cases a program's assumptions allow on a date.
    fn assumed(
        &mut self,
        program: &Program,
        epoch: &Epoch,
        date: Date,
    ) -> Result<Node, SearchError> {
        let mut env = SymEnv {
            program,
            epoch,
            date,
            locals: Vec::new(),
        };
        let mut result = TRUE;
        for (condition, definition) in program
            .assumption_conditions()
            .zip(&program.policy.assumptions)
        {
            self.current_rule = format!("assume \"{}\"", definition.text);
            let node = self.truth(condition, &mut env)?;
            result = self.manager.and(result, node)?;
        }
        Ok(result)
    }

    fn rule_condition(
        &mut self,
        program: &Program,
        epoch: &Epoch,
        date: Date,
        index: usize,
    ) -> Result<Node, SearchError> {
        let rule = &program.rules[index];
        self.current_rule = program.policy.rules[index].name.clone();
        let mut env = SymEnv {
            program,
            epoch,
            date,
            locals: Vec::new(),
        };
        match &rule.for_each {
            None => self.conjunction(&rule.conditions, &mut env),
            Some(set) => {
                let set = self.sym(set, &mut env)?;
                let written = || format!("{:?}", rule.conditions);
                self.over_members(set, true, &mut env, &written, &mut |search, env| {
                    search.conjunction(&rule.conditions, env)
                })
            }
        }
    }
}

/// A kind of outcome on one date: what is decided, by which rule, with whose obligations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OutcomeKind {
    /// The verdict as written.
    pub(super) verdict: String,
    /// The rule that decides it (`None`: the `otherwise` verdict).
    pub(super) decided_by: Option<usize>,
    /// The rules that impose obligations, each with an obligation as written.
    pub(super) obligations: Vec<(usize, String)>,
}

impl OutcomeKind {
    /// The outcome as written: the verdict, then the obligations sorted without repeats.
    pub(super) fn text(&self) -> String {
        let mut obligations: Vec<&str> = self.obligations.iter().map(|(_, o)| o.as_str()).collect();
        obligations.sort_unstable();
        obligations.dedup();
        if obligations.is_empty() {
            self.verdict.clone()
        } else {
            format!("{} with {}", self.verdict, obligations.join(", "))
        }
    }
}

/// Each rule's regions on one date.
pub(super) struct RuleRegions {
    /// The cases the policy's assumptions allow; every other region lies within it.
    pub(super) assumed: Node,
    pub(super) holds: Vec<Node>,
    pub(super) triggered: Vec<Node>,
    pub(super) applied: Vec<Node>,
    pub(super) decides: Vec<Node>,
    /// Each rule's verdict as written, if it concludes one.
    pub(super) verdicts: Vec<Option<String>>,
    /// Where no rule concludes a verdict.
    pub(super) otherwise: Node,
}
