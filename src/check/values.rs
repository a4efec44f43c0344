//! Parameters, constants and sets: their types, dated versions and members, and definition cycles.

use super::amendments::{intersect, subtract};
use super::error::{CheckError, Located};
use super::expr::Ctx;
use super::ir::*;
use super::{Checker, Progress};
use crate::syntax::ast;

impl<'a> Checker<'a> {
    /// Types each parameter and its default, and the defaults amendments give it: an undated
    /// amendment's replaces it, a dated one's holds on its dates (newest first in `versions`).
    pub(super) fn check_params(&mut self) {
        for index in 0..self.param_asts.len() {
            let (file, decl) = self.param_asts[index];
            self.file = file;
            let ty = self.resolve_type(&decl.ty);
            let mut ctx = Ctx::constant();
            let mut default = self.expect_type(&decl.default, &ty, &mut ctx);
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
                if window == Period::default() {
                    default = value;
                    dated.clear();
                } else {
                    dated.insert(0, (value, window));
                }
            }
            self.params[index].ty = ty;
            self.params[index].default = default;
            self.params[index].versions = dated;
        }
    }

    /// Checks a constant (on first reference or in order), finding cycles.
    pub(super) fn check_const(&mut self, index: usize) {
        match self.const_progress[index] {
            Progress::Done => return,
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
            Progress::Pending => {}
        }
        self.const_progress[index] = Progress::Checking;
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

    pub(super) fn check_set(&mut self, index: usize) {
        match self.set_progress[index] {
            Progress::Done => return,
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
            Progress::Pending => {}
        }
        self.set_progress[index] = Progress::Checking;
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
        self.file = saved_file;
    }
}
