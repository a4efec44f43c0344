//! Parameters, constants and sets: their types, dated versions and members, and definition cycles.

use super::amendments::{intersect, subtract};
use super::error::{CheckError, Located};
use super::expr::Ctx;
use super::ir::*;
use super::{Checker, Progress, ValueSymbol};
use crate::syntax::ast;

impl<'a> Checker<'a> {
    /// Resolves each parameter's type, which constants and sets reading it need.
    pub(super) fn resolve_param_types(&mut self) {
        for index in 0..self.param_asts.len() {
            let (file, decl) = self.param_asts[index];
            self.file = file;
            self.params[index].ty = self.resolve_type(&decl.ty);
        }
    }

    /// Types each parameter's default, and the defaults amendments give it: an undated
    /// amendment's replaces it, a dated one's holds on its dates (newest first in `versions`).
    pub(super) fn check_params(&mut self) {
        for index in 0..self.param_asts.len() {
            let (file, decl) = self.param_asts[index];
            self.file = file;
            let ty = self.params[index].ty.clone();
            let mut ctx = Ctx::constant();
            let mut default = self.expect_type(&decl.default, &ty, &mut ctx);
            self.check_kept(&default, &ty, decl.default.span);
            let mut dated = Vec::new();
            let changes = self.param_changes.get(&index).cloned().unwrap_or_default();
            for (change_file, change, window) in changes {
                let ast::Declaration::ChangeValue { versions, .. } = change else {
                    continue;
                };
                self.file = change_file;
                let Some(version) = versions.first() else {
                    continue;
                };
                let value = self.expect_type(&version.value, &ty, &mut Ctx::constant());
                self.check_kept(&value, &ty, version.value.span);
                if window == Period::default() {
                    default = value;
                    dated.clear();
                } else {
                    dated.insert(0, (value, window));
                }
            }
            self.params[index].default = default;
            self.params[index].versions = dated;
        }
    }

    /// Checks every constant and set, each after those its definition names, so that checking
    /// one never goes down a chain of definitions; reports each cycle of definitions.
    pub(super) fn check_definitions(&mut self) {
        let edges = self.definition_edges();
        let consts = self.const_asts.len();
        // Depth-first search with the path on the heap; finishing order puts every definition
        // after the ones it names, except along an edge back into the path, which closes a cycle.
        let mut state = vec![Visit::New; edges.len()];
        let mut order = Vec::with_capacity(edges.len());
        for start in 0..edges.len() {
            if state[start] != Visit::New {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = Visit::OnPath;
            while let Some(&(node, next)) = path.last() {
                let Some(&named) = edges[node].get(next) else {
                    path.pop();
                    state[node] = Visit::Done;
                    order.push(node);
                    continue;
                };
                if let Some(frame) = path.last_mut() {
                    frame.1 += 1;
                }
                match state[named] {
                    Visit::New => {
                        state[named] = Visit::OnPath;
                        path.push((named, 0));
                    }
                    Visit::OnPath => self.report_definition_cycle(named, consts),
                    Visit::Done => {}
                }
            }
        }
        for node in order {
            match node.checked_sub(consts) {
                None => self.check_const(node),
                Some(set) => self.check_set(set),
            }
        }
    }

    /// For each constant, then each set, the constants and sets its definition names.
    fn definition_edges(&self) -> Vec<Vec<usize>> {
        let consts = self.const_asts.len();
        let node = |name: &str| match self.values.get(name) {
            Some((ValueSymbol::Const(index), _)) => Some(*index),
            Some((ValueSymbol::Set(index), _)) => Some(consts + index),
            Some((ValueSymbol::Param(_), _)) | None => None,
        };
        let mut edges = Vec::with_capacity(consts + self.set_asts.len());
        for (index, (_, decl)) in self.const_asts.iter().enumerate() {
            // Its own versions and every amendment's: a dated change keeps the old ones too.
            let changed = self
                .const_changes
                .get(&index)
                .into_iter()
                .flatten()
                .filter_map(|(_, change, _)| match change {
                    ast::Declaration::ChangeValue { versions, .. } => Some(versions),
                    _ => None,
                })
                .flatten();
            let mut named = Vec::new();
            for version in decl.versions.iter().chain(changed) {
                names_in(&version.value, &mut Vec::new(), &mut |name| {
                    named.extend(node(name));
                });
            }
            edges.push(named);
        }
        for (index, (_, decl)) in self.set_asts.iter().enumerate() {
            let changed = self
                .set_changes
                .iter()
                .filter(|(set, _, _, _)| *set == index)
                .filter_map(|(_, _, change, _)| match change {
                    ast::Declaration::ChangeSet { members, .. } => Some(members),
                    _ => None,
                })
                .flatten();
            let mut named = Vec::new();
            for member in decl.members.iter().chain(changed) {
                names_in(&member.value, &mut Vec::new(), &mut |name| {
                    named.extend(node(name));
                });
            }
            edges.push(named);
        }
        edges
    }

    /// Reports the constant or set (numbered as in `definition_edges`) that closes a cycle, once.
    fn report_definition_cycle(&mut self, node: usize, consts: usize) {
        let (progress, file, name, what, help) = match node.checked_sub(consts) {
            None => {
                let (file, decl) = self.const_asts[node];
                (
                    &mut self.const_progress[node],
                    file,
                    &decl.name,
                    "constant",
                    "give the constant a value that does not refer back to it",
                )
            }
            Some(set) => {
                let (file, decl) = self.set_asts[set];
                (
                    &mut self.set_progress[set],
                    file,
                    &decl.name,
                    "set",
                    "list its members without referring back to it",
                )
            }
        };
        if *progress == Progress::Cyclic {
            return;
        }
        *progress = Progress::Cyclic;
        self.errors.push(Located {
            in_test: false,
            file,
            error: CheckError::DefinitionCycle {
                what,
                name: name.name.clone(),
                help,
                span: name.span,
            },
        });
    }

    /// Checks a constant (in `check_definitions`' order, or on first reference), finding cycles
    /// that order did not.
    pub(super) fn check_const(&mut self, index: usize) {
        match self.const_progress[index] {
            Progress::Done => return,
            // Reported by `check_definitions`; checked there, not on a reference.
            Progress::Cyclic if self.definition_depth > 0 => return,
            Progress::Checking => {
                let (file, decl) = self.const_asts[index];
                self.errors.push(Located {
                    in_test: false,
                    file,
                    error: CheckError::DefinitionCycle {
                        what: "constant",
                        name: decl.name.name.clone(),
                        help: "give the constant a value that does not refer back to it",
                        span: decl.name.span,
                    },
                });
                return;
            }
            Progress::Pending | Progress::Cyclic => {}
        }
        // A cyclic one stays marked so, so that its own cycle is not reported again.
        if self.const_progress[index] == Progress::Pending {
            self.const_progress[index] = Progress::Checking;
        }
        self.definition_depth += 1;
        let saved_file = self.file;
        let (file, decl) = self.const_asts[index];
        self.file = file;
        let mut ty = decl.ty.as_ref().map(|ty| self.resolve_type(ty));
        let mut versions = self.const_versions(&decl.name, &decl.versions, &mut ty);
        // An amendment's `change const` gives new versions on its dates, tried before the old
        // ones; an undated amendment's replace them.
        let changes = self.const_changes.get(&index).cloned().unwrap_or_default();
        for (change_file, change, window) in changes {
            let ast::Declaration::ChangeValue {
                versions: changed, ..
            } = change
            else {
                continue;
            };
            self.file = change_file;
            let new = self.const_versions(&decl.name, changed, &mut ty);
            if window == Period::default() {
                versions = new;
                continue;
            }
            let mut dated: Vec<(Expr, Period)> = new
                .into_iter()
                .filter_map(|(expr, period)| Some((expr, intersect(period, window)?)))
                .collect();
            dated.append(&mut versions);
            versions = dated;
        }
        self.consts[index].ty = ty.unwrap_or(Type::Error);
        self.consts[index].versions = versions;
        self.const_progress[index] = Progress::Done;
        self.definition_depth -= 1;
        self.file = saved_file;
    }

    /// A constant's written versions, typed (the first fixes the type when none is given);
    /// the last must be undated.
    fn const_versions(
        &mut self,
        name: &ast::Ident,
        declared: &[ast::Dated<ast::Expr>],
        ty: &mut Option<Type>,
    ) -> Vec<(Expr, Period)> {
        let mut versions = Vec::new();
        for (position, version) in declared.iter().enumerate() {
            let mut ctx = Ctx::constant();
            let expr = match ty.as_ref() {
                Some(ty) => self.expect_type(&version.value, ty, &mut ctx),
                None => {
                    let (expr, found) = self.expr(&version.value, None, &mut ctx);
                    *ty = Some(found);
                    expr
                }
            };
            if let Some(kept) = ty.clone() {
                self.check_kept(&expr, &kept, version.value.span);
            }
            let period = self.check_period(&version.period);
            let dated = version.period.from.is_some() || version.period.until.is_some();
            if position + 1 == declared.len() && dated {
                self.error(CheckError::MissingUndatedValue {
                    name: name.name.clone(),
                    span: version.value.span,
                });
            }
            versions.push((expr, period));
        }
        versions
    }

    /// Checks a set as `check_const` checks a constant.
    pub(super) fn check_set(&mut self, index: usize) {
        match self.set_progress[index] {
            Progress::Done => return,
            // Reported by `check_definitions`; checked there, not on a reference.
            Progress::Cyclic if self.definition_depth > 0 => return,
            Progress::Checking => {
                let (file, decl) = self.set_asts[index];
                self.errors.push(Located {
                    in_test: false,
                    file,
                    error: CheckError::DefinitionCycle {
                        what: "set",
                        name: decl.name.name.clone(),
                        help: "list its members without referring back to it",
                        span: decl.name.span,
                    },
                });
                return;
            }
            Progress::Pending | Progress::Cyclic => {}
        }
        // A cyclic one stays marked so, so that its own cycle is not reported again.
        if self.set_progress[index] == Progress::Pending {
            self.set_progress[index] = Progress::Checking;
        }
        self.definition_depth += 1;
        let saved_file = self.file;
        let (file, decl) = self.set_asts[index];
        self.file = file;
        let mut element = decl.element_type.as_ref().map(|ty| self.resolve_type(ty));
        let mut members = Vec::new();
        for member in &decl.members {
            let mut ctx = Ctx::constant();
            let expr = match &element {
                Some(ty) => self.expect_type(&member.value, ty, &mut ctx),
                None => {
                    let (expr, found) = self.expr(&member.value, None, &mut ctx);
                    element = Some(found);
                    expr
                }
            };
            if let Some(ty) = &element {
                self.check_kept(&expr, ty, member.value.span);
            }
            let period = self.check_period(&member.period);
            members.push((expr, period));
        }
        if element.is_none() {
            self.error(CheckError::NeedsType {
                what: format!("the empty set `{}`", decl.name.name),
                help: format!(
                    "give the element type: `set {}: Country = {{}}`",
                    decl.name.name
                ),
                span: decl.name.span,
            });
        }
        self.sets[index].element = element.clone().unwrap_or(Type::Error);
        // Amendments add and remove members on their dates, in order. A member added again
        // after an earlier amendment removed it is no longer removed on the dates it is added
        // (members are matched by how they are written).
        let mut removed: Vec<(Expr, Period)> = Vec::new();
        let changes: Vec<(FileId, &ast::Declaration, Period)> = self
            .set_changes
            .iter()
            .filter(|(set, _, _, _)| *set == index)
            .map(|(_, file, change, window)| (*file, *change, *window))
            .collect();
        for (change_file, change, window) in changes {
            let ast::Declaration::ChangeSet {
                add,
                members: changed,
                ..
            } = change
            else {
                continue;
            };
            self.file = change_file;
            let element_ty = element.clone().unwrap_or(Type::Error);
            for member in changed {
                let expr = self.expect_type(&member.value, &element_ty, &mut Ctx::constant());
                self.check_kept(&expr, &element_ty, member.value.span);
                let written = self.check_period(&member.period);
                let Some(period) = intersect(written, window) else {
                    continue;
                };
                if *add {
                    let key = format!("{expr:?}");
                    removed = removed
                        .into_iter()
                        .flat_map(|(old, old_period)| {
                            let periods = if format!("{old:?}") == key {
                                subtract(old_period, period)
                            } else {
                                vec![old_period]
                            };
                            periods.into_iter().map(move |p| (old.clone(), p))
                        })
                        .collect();
                    members.push((expr, period));
                } else {
                    removed.push((expr, period));
                }
            }
        }
        self.sets[index].members = members;
        self.sets[index].removed = removed;
        self.set_progress[index] = Progress::Done;
        self.definition_depth -= 1;
        self.file = saved_file;
    }
}

/// Where the search for cycles of definitions stands with a constant or set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    OnPath,
    Done,
}

/// Calls `found` with every name an expression reads that none of its quantifiers binds (the
/// expression nests no deeper than the parser allows).
fn names_in<'e>(expr: &'e ast::Expr, bound: &mut Vec<&'e str>, found: &mut dyn FnMut(&str)) {
    match &expr.kind {
        ast::ExprKind::Name(name) => {
            if !bound.contains(&name.name.as_str()) {
                found(&name.name);
            }
        }
        ast::ExprKind::Bool(_)
        | ast::ExprKind::Int(_)
        | ast::ExprKind::Decimal(_)
        | ast::ExprKind::Text(_)
        | ast::ExprKind::Date(_)
        | ast::ExprKind::Duration(_)
        | ast::ExprKind::None => {}
        ast::ExprKind::Field(base, _) | ast::ExprKind::Not(base) | ast::ExprKind::Is(base, _) => {
            names_in(base, bound, found);
        }
        ast::ExprKind::Call(_, items)
        | ast::ExprKind::Set(items)
        | ast::ExprKind::And(items)
        | ast::ExprKind::Or(items) => {
            for item in items {
                names_in(item, bound, found);
            }
        }
        ast::ExprKind::Record(args) => {
            for arg in args {
                names_in(&arg.value, bound, found);
            }
        }
        ast::ExprKind::Binary(_, left, right) => {
            names_in(left, bound, found);
            names_in(right, bound, found);
        }
        ast::ExprKind::Quantifier(_, variable, set, body) => {
            names_in(set, bound, found);
            bound.push(&variable.name);
            names_in(body, bound, found);
            bound.pop();
        }
        ast::ExprKind::If(condition, then, otherwise) => {
            names_in(condition, bound, found);
            names_in(then, bound, found);
            names_in(otherwise, bound, found);
        }
    }
}
