//! Parameters, constants and sets: their types, dated versions and members, and definition cycles.

use super::error::{CheckError, Located};
use super::expr::Ctx;
use super::ir::*;
use super::{Checker, Progress};
use crate::syntax::ast;

impl<'a> Checker<'a> {
    /// Types each parameter and its default (or the default an amendment gives it).
    pub(super) fn check_params(&mut self) {
        for index in 0..self.param_asts.len() {
            let (file, decl) = self.param_asts[index];
            self.file = file;
            let ty = self.resolve_type(&decl.ty);
            let mut ctx = Ctx::constant();
            let mut default = self.expect_type(&decl.default, &ty, &mut ctx);
            self.check_kept(&default, &ty, decl.default.span);
            // An amendment's `change param` gives a new default.
            if let Some(&(change_file, ast::Declaration::ChangeValue { versions, .. })) =
                self.param_changes.get(&index)
            {
                self.file = change_file;
                if let Some(version) = versions.first() {
                    default = self.expect_type(&version.value, &ty, &mut Ctx::constant());
                    self.check_kept(&default, &ty, version.value.span);
                }
            }
            self.params[index].ty = ty;
            self.params[index].default = default;
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
        let mut versions = Vec::new();
        // An amendment's `change const` replaces the versions, keeping the declared type.
        let declared_versions = match self.const_changes.get(&index) {
            Some(&(change_file, ast::Declaration::ChangeValue { versions, .. })) => {
                self.file = change_file;
                versions
            }
            _ => &decl.versions,
        };
        for (position, version) in declared_versions.iter().enumerate() {
            let mut ctx = Ctx::constant();
            let (expr, found) = match &ty {
                Some(ty) => {
                    let expr = self.expect_type(&version.value, ty, &mut ctx);
                    (expr, ty.clone())
                }
                None => self.expr(&version.value, None, &mut ctx),
            };
            self.check_kept(&expr, &found, version.value.span);
            if ty.is_none() {
                ty = Some(found);
            }
            let period = self.check_period(&version.period);
            let dated = version.period.from.is_some() || version.period.until.is_some();
            if position + 1 == declared_versions.len() && dated {
                self.error(CheckError::MissingUndatedValue {
                    name: decl.name.name.clone(),
                    span: version.value.span,
                });
            }
            versions.push((expr, period));
        }
        self.consts[index].ty = ty.unwrap_or(Type::Error);
        self.consts[index].versions = versions;
        self.const_progress[index] = Progress::Done;
        self.file = saved_file;
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
        // Amendments add and remove members, in order.
        let mut removed = Vec::new();
        let changes: Vec<(FileId, &ast::Declaration)> = self
            .set_changes
            .iter()
            .filter(|(set, _, _)| *set == index)
            .map(|(_, file, change)| (*file, *change))
            .collect();
        for (change_file, change) in changes {
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
                let period = self.check_period(&member.period);
                if *add {
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
