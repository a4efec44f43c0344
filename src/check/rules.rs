//! Rules: citations, periods, conditions, conclusions and `because`; exceptions and their cycles.

use super::error::{CheckError, Located};
use super::expr::{self, Ctx};
use super::ir::*;
use super::suggest;
use super::{Checker, KindSymbol};
use crate::syntax::Span;
use crate::syntax::ast;
use crate::syntax::limits::MAX_EXCEPTION_DEPTH;

impl<'a> Checker<'a> {
    /// A written period, with an error when it ends before it begins.
    pub(super) fn check_period(&mut self, period: &ast::Period) -> Period {
        if let (Some(from), Some(until)) = (period.from, period.until)
            && until.date < from.date
        {
            self.error(CheckError::PeriodReversed {
                from: from.date.to_string(),
                until: until.date.to_string(),
                span: from.span.to(until.span),
            });
        }
        Period {
            from: period.from.map(|d| d.date),
            until: period.until.map(|d| d.date),
        }
    }

    /// Checks every rule, then what exceptions need across rules.
    pub(super) fn check_rules(&mut self) {
        let policy_period = self.policy_period;
        for index in 0..self.rule_asts.len() {
            let (file, rule) = self.rule_asts[index];
            self.file = file;
            let mut definition = self.check_rule(rule, policy_period);
            // An amendment's dates narrow the rule's own (see `amendments`); a text kept only
            // so that exceptions to it never apply is in force on no day.
            definition.in_force =
                super::amendments::meet(definition.in_force, self.rule_windows[index]);
            self.rules.push(definition);
        }
        self.check_exceptions_replace_something();
        self.check_exceptions_in_force();
    }

    /// One rule, in the file `self.file`: everything but the checks across rules.
    fn check_rule(&mut self, rule: &ast::RuleDecl, policy_period: Option<Period>) -> RuleDef {
        let citation = match &rule.citation {
            Some(citation) if !citation.text.trim().is_empty() => citation.text.clone(),
            _ => {
                self.error(CheckError::MissingCitation {
                    rule: rule.name.name.clone(),
                    span: rule.name.span,
                });
                String::new()
            }
        };
        let in_force = rule
            .in_force
            .as_ref()
            .map(|period| self.check_period(period))
            .unwrap_or_default();
        // Rules inherited from the policy an amendment amends may lie outside its period.
        let inherited =
            self.sources[self.file].layer < self.sources.iter().map(|s| s.layer).max().unwrap_or(0);
        if let Some(policy) = policy_period.filter(|_| !inherited) {
            let ends_before =
                matches!((in_force.until, policy.from), (Some(until), Some(from)) if until < from);
            let starts_after =
                matches!((in_force.from, policy.until), (Some(from), Some(until)) if from > until);
            if ends_before || starts_after {
                self.error(CheckError::NeverInForce {
                    rule: rule.name.name.clone(),
                    policy_period: policy.to_string(),
                    rule_period: in_force.to_string(),
                    span: rule.name.span,
                });
            }
        }
        let exception_to = self.exception_bases(rule);
        let allows = self.allowed_findings(rule);
        // `for x in S`: the set is read in the rule's context; `x` is then bound in the
        // condition, the conclusion and the `because` text.
        let mut for_each = None;
        let mut binding: Option<(String, Type, bool)> = None;
        if let Some((variable, set)) = &rule.for_each {
            let mut ctx = Ctx::rule();
            let (set_expr, set_ty) = self.expr(set, None, &mut ctx);
            let element =
                self.set_element(&set_ty, set.span, "`for` ranges over the members of a set");
            // A condition that reads `x` depends on the case when the set does.
            binding = Some((
                variable.name.clone(),
                element,
                ctx.reads_facts_since_reset(),
            ));
            for_each = Some(ForEach {
                variable: variable.name.clone(),
                set: set_expr,
                text: self.source_text(set.span),
            });
        }
        let rule_ctx = || {
            let mut ctx = Ctx::rule();
            if let Some((name, ty, reads_facts)) = &binding {
                ctx.bind(name, ty.clone(), *reads_facts);
            }
            ctx
        };
        let conditions = self.rule_conditions(rule, rule_ctx());
        // The conclusions and the `because` text see what the whole condition narrowed.
        let narrowed_ctx = || {
            let mut ctx = rule_ctx();
            if let Some(when) = &rule.when {
                expr::narrow_after(when, &mut ctx);
            }
            ctx
        };
        let (verdict, obligations) = self.rule_conclusions(rule, narrowed_ctx);
        let mut because = Vec::new();
        if let Some(template) = &rule.because {
            let mut ctx = narrowed_ctx();
            for part in &template.parts {
                match part {
                    ast::TemplatePart::Text(text) => because.push(TemplatePart::Text(text.clone())),
                    ast::TemplatePart::Hole(hole) => {
                        let (expr, _) = self.expr(hole, None, &mut ctx);
                        because.push(TemplatePart::Hole(expr));
                    }
                }
            }
        }
        RuleDef {
            name: rule.name.name.clone(),
            citation,
            exception_to,
            in_force,
            for_each,
            conditions,
            verdict,
            obligations,
            because,
            place: self.place(rule.span),
            inherited,
            allows,
        }
    }

    /// The rules a rule is an exception to, each resolved to its index.
    fn exception_bases(&mut self, rule: &ast::RuleDecl) -> Vec<usize> {
        let mut exception_to = Vec::new();
        for base in &rule.exception_to {
            match self.rule_versions.get(&base.name) {
                // Every text of the rule: the one in force on a date is the one it excepts.
                Some(versions) => exception_to.extend(versions.iter().copied()),
                None if self.repealed.iter().any(|(name, _, _)| *name == base.name) => {
                    // Reported at the repeal, where the amendment can fix it.
                }
                None => {
                    let suggestion =
                        suggest::closest(&base.name, self.rules_by_name.keys().map(String::as_str));
                    self.error(CheckError::UnknownRule {
                        name: base.name.clone(),
                        suggestion,
                        span: base.span,
                    });
                }
            }
        }
        exception_to
    }

    /// The analysis findings a rule `allows`, with their reasons.
    fn allowed_findings(&mut self, rule: &ast::RuleDecl) -> Vec<(String, String)> {
        let mut allows = Vec::new();
        for (finding, reason) in &rule.allows {
            if FINDINGS.contains(&finding.name.as_str()) {
                allows.push((finding.name.clone(), reason.text.clone()));
            } else {
                let suggestion = suggest::closest(&finding.name, FINDINGS);
                self.error(CheckError::WrongArgument {
                    problem: format!("`{}` is not an analysis finding", finding.name),
                    help: suggest::did_you_mean_or(
                        suggestion.as_deref(),
                        format!(
                            "the findings are {}",
                            suggest::backticked(FINDINGS.iter().copied())
                        ),
                    ),
                    span: finding.span,
                });
            }
        }
        allows
    }

    /// A rule's `when`, one condition per conjunct, each narrowing the ones after it.
    fn rule_conditions(&mut self, rule: &ast::RuleDecl, mut ctx: Ctx) -> Vec<Condition> {
        let mut conditions = Vec::new();
        let Some(when) = &rule.when else {
            return conditions;
        };
        let conjuncts: Vec<&ast::Expr> = match &when.kind {
            ast::ExprKind::And(operands) => operands.iter().collect(),
            _ => vec![when],
        };
        for conjunct in conjuncts {
            ctx.reset_observed();
            let errors_before = self.errors.len();
            let expr = self.condition(conjunct, &mut ctx);
            if !ctx.reads_facts_since_reset() && self.errors.len() == errors_before {
                self.error(CheckError::ConstantCondition {
                    span: conjunct.span,
                });
            }
            conditions.push(Condition {
                expr,
                text: self.source_text(conjunct.span),
                observed: std::mem::take(&mut ctx.observed),
            });
            expr::narrow_after(conjunct, &mut ctx);
        }
        conditions
    }

    /// A rule's `then`: at most one verdict, and its obligations.
    fn rule_conclusions(
        &mut self,
        rule: &ast::RuleDecl,
        narrowed_ctx: impl Fn() -> Ctx,
    ) -> (Option<Conclusion>, Vec<Conclusion>) {
        let mut verdict = None;
        let mut obligations = Vec::new();
        for conclusion in &rule.then {
            let mut ctx = narrowed_ctx();
            let Some((symbol, args)) = self.conclusion(conclusion, &mut ctx, true) else {
                continue;
            };
            // Missing arguments are already reported; `false` stands in for them.
            let args = args
                .into_iter()
                .map(|arg| arg.unwrap_or(Expr::Bool(false)))
                .collect();
            match symbol {
                KindSymbol::Verdict(kind) => {
                    if verdict.is_some() {
                        self.error(CheckError::TwoVerdicts {
                            span: conclusion.span,
                        });
                    }
                    verdict = Some(Conclusion { kind, args });
                }
                KindSymbol::Obligation(kind) => obligations.push(Conclusion { kind, args }),
            }
        }
        if rule.then.is_empty() {
            self.error(CheckError::RuleWithoutConclusion {
                rule: rule.name.name.clone(),
                span: rule.name.span,
            });
        }
        (verdict, obligations)
    }

    /// An exception that concludes a verdict must have a base with a verdict to replace: each
    /// text of the base (an amendment may have replaced it) in force on a day the exception is.
    fn check_exceptions_replace_something(&mut self) {
        for index in 0..self.rules.len() {
            let (file, rule_ast) = self.rule_asts[index];
            if self.rules[index].verdict.is_none() {
                continue;
            }
            let own = self.rules[index].in_force;
            let mut seen: Vec<&str> = Vec::new();
            for &base in &self.rules[index].exception_to {
                if seen.contains(&self.rules[base].name.as_str()) {
                    continue;
                }
                if self.rules[base].verdict.is_none()
                    && self.rules[base].obligations.iter().len() > 0
                    && self.rules[base].in_force.overlaps(&own)
                {
                    seen.push(&self.rules[base].name);
                    let span = exception_span(rule_ast, &self.rules[base].name);
                    self.errors.push(Located {
                        in_test: false,
                        file,
                        error: CheckError::ExceptionReplacesNothing {
                            exception: self.rules[index].name.clone(),
                            base: self.rules[base].name.clone(),
                            span,
                        },
                    });
                }
            }
        }
    }

    /// An exception in force only when the rule it is an exception to is not can never bite.
    /// A rule an amendment replaced has several texts: the exception is out of force only when
    /// it is out of force of every one.
    fn check_exceptions_in_force(&mut self) {
        for index in 0..self.rules.len() {
            let (file, rule_ast) = self.rule_asts[index];
            let own = self.rules[index].in_force;
            // An old text an amendment narrowed is the base's drafting, checked with the base.
            if self.rules[index].inherited && self.rule_windows[index] != Period::default() {
                continue;
            }
            for base_name in &rule_ast.exception_to {
                let versions: Vec<usize> = self.rules[index]
                    .exception_to
                    .iter()
                    .copied()
                    .filter(|&base| self.rules[base].name == base_name.name)
                    .collect();
                let Some(&newest) = versions.last() else {
                    continue;
                };
                let disjoint = versions
                    .iter()
                    .all(|&base| !self.rules[base].in_force.overlaps(&own));
                if disjoint {
                    let base_period = if versions.len() == 1 {
                        self.rules[newest].in_force.to_string()
                    } else {
                        versions
                            .iter()
                            .map(|&base| self.rules[base].in_force.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    self.errors.push(Located {
                        in_test: false,
                        file,
                        error: CheckError::ExceptionOutOfForce {
                            exception: self.rules[index].name.clone(),
                            base: base_name.name.clone(),
                            exception_period: own.to_string(),
                            base_period,
                            span: base_name.span,
                        },
                    });
                }
            }
        }
    }

    /// Finds cycles of `exception to`, each reported once, and chains of exceptions to
    /// exceptions longer than `MAX_EXCEPTION_DEPTH`.
    pub(super) fn check_exception_cycles(&mut self) {
        // Depth-first search over "is an exception to" edges, with the path kept on the heap so
        // that a chain of any length cannot overflow the stack; a back edge closes a cycle.
        let count = self.rules.len();
        let mut state = vec![Visit::New; count];
        let mut reported = vec![false; count];
        // How many exceptions deep each finished rule is: 0 for a rule that is no exception.
        let mut depth = vec![0usize; count];
        for start in 0..count {
            if state[start] != Visit::New {
                continue;
            }
            // Each frame: a rule on the path and the position of the next base to follow.
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = Visit::OnPath;
            while let Some(&(rule, next)) = path.last() {
                if let Some(&base) = self.rules[rule].exception_to.get(next) {
                    if let Some(frame) = path.last_mut() {
                        frame.1 += 1;
                    }
                    match state[base] {
                        Visit::OnPath => {
                            self.report_exception_cycle(rule, base, &path, &mut reported)
                        }
                        Visit::New => {
                            state[base] = Visit::OnPath;
                            path.push((base, 0));
                        }
                        Visit::Done => {}
                    }
                    continue;
                }
                path.pop();
                state[rule] = Visit::Done;
                // A base still on the path closes a cycle, already reported; it adds no depth.
                let deepest = self.rules[rule]
                    .exception_to
                    .iter()
                    .filter(|&&base| state[base] == Visit::Done)
                    .max_by_key(|&&base| depth[base])
                    .copied();
                depth[rule] = match deepest {
                    Some(base) => depth[base] + 1,
                    None => usize::from(!self.rules[rule].exception_to.is_empty()),
                };
                // Reported where the chain first grows too long, once for each such place.
                if depth[rule] == MAX_EXCEPTION_DEPTH + 1 {
                    let (file, rule_ast) = self.rule_asts[rule];
                    let base_name = deepest.map(|base| self.rules[base].name.clone());
                    let span = match &base_name {
                        Some(base) => exception_span(rule_ast, base),
                        None => rule_ast.name.span,
                    };
                    self.errors.push(Located {
                        in_test: false,
                        file,
                        error: CheckError::ExceptionTooDeep {
                            rule: self.rules[rule].name.clone(),
                            span,
                        },
                    });
                }
            }
        }
    }

    /// Reports the cycle that the edge from `rule` to `base` (on the path) closes, unless one of
    /// its rules is already in a reported cycle.
    fn report_exception_cycle(
        &mut self,
        rule: usize,
        base: usize,
        path: &[(usize, usize)],
        reported: &mut [bool],
    ) {
        let position = path.iter().position(|&(r, _)| r == base).unwrap_or(0);
        let members: Vec<usize> = path[position..].iter().map(|&(r, _)| r).collect();
        if members.iter().any(|&m| reported[m]) {
            return;
        }
        for &m in &members {
            reported[m] = true;
        }
        let mut names: Vec<String> = members
            .iter()
            .map(|&m| self.rules[m].name.clone())
            .collect();
        names.push(self.rules[base].name.clone());
        let (file, rule_ast) = self.rule_asts[rule];
        let span = exception_span(rule_ast, &self.rules[base].name);
        self.errors.push(Located {
            in_test: false,
            file,
            error: CheckError::ExceptionCycle {
                cycle: names.join(" → "),
                span,
            },
        });
    }
}

/// Where the search for exception cycles stands with a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    OnPath,
    Done,
}

/// Where a rule names the rule it is an exception to, or its name when it does not.
fn exception_span(rule: &ast::RuleDecl, base: &str) -> Span {
    rule.exception_to
        .iter()
        .find(|name| name.name == base)
        .map(|name| name.span)
        .unwrap_or(rule.name.span)
}
