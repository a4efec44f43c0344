//! Amendments: `add`, `replace` and `repeal rule`, `change set`, `change const` and `change param`,
//! applied in layer order over the policy they amend.

use super::error::{CheckError, Located};
use super::ir::*;
use super::suggest;
use super::{Checker, Source, ValueSymbol};
use crate::syntax::Span;
use crate::syntax::ast;

impl<'a> Checker<'a> {
    /// `add rule`: a rule the amended policy does not have.
    pub(super) fn add_rule(&mut self, file: FileId, rule: &'a ast::RuleDecl) {
        if self.rules_by_name.contains_key(&rule.name.name) {
            self.error(CheckError::AddExistingRule {
                rule: rule.name.name.clone(),
                span: rule.name.span,
            });
            return;
        }
        self.rules_by_name
            .insert(rule.name.name.clone(), self.rule_asts.len());
        self.rule_asts.push((file, rule));
        self.amendment_note(format!("adds rule `{}`", rule.name.name), &rule.citation);
    }

    /// `replace rule`: the new text takes the old rule's place in the order.
    pub(super) fn replace_rule(&mut self, file: FileId, rule: &'a ast::RuleDecl) {
        match self.rules_by_name.get(&rule.name.name) {
            Some(&index) => {
                self.rule_asts[index] = (file, rule);
                self.amendment_note(
                    format!("replaces rule `{}`", rule.name.name),
                    &rule.citation,
                );
            }
            None => self.unknown_amended_rule(&rule.name),
        }
    }

    /// `repeal rule`: the rule is dropped once every file is collected.
    pub(super) fn repeal_rule(&mut self, name: &ast::Ident, citation: &Option<ast::Str>) {
        match self.rules_by_name.remove(&name.name) {
            Some(index) => {
                self.repealed
                    .push((index, self.place(name.span), name.name.clone()));
                self.amendment_note(format!("repeals rule `{}`", name.name), citation);
            }
            None => self.unknown_amended_rule(name),
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
                self.set_changes.push((index, file, declaration));
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

    /// `change const` or `change param`: new versions or a new default, used when the constant
    /// or parameter is checked.
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
                self.const_changes.insert(index, (file, declaration));
                self.amendment_note(format!("changes constant `{}`", name.name), citation);
            }
            (Some((ValueSymbol::Param(index), _)), true) => {
                let index = *index;
                self.param_changes.insert(index, (file, declaration));
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

    pub(super) fn unknown_amended_rule(&mut self, name: &ast::Ident) {
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

    /// Drops repealed rules, keeping the others in order, and says which remaining rules were
    /// exceptions to a repealed one (at the repeal, where the amendment can fix it).
    pub(super) fn remove_repealed_rules(&mut self) {
        if self.repealed.is_empty() {
            return;
        }
        let repealed: Vec<usize> = self.repealed.iter().map(|(index, _, _)| *index).collect();
        let kept: Vec<(FileId, &ast::RuleDecl)> = self
            .rule_asts
            .iter()
            .enumerate()
            .filter(|(index, _)| !repealed.contains(index))
            .map(|(_, rule)| *rule)
            .collect();
        for (_, place, name) in self.repealed.clone() {
            for (_, rule) in &kept {
                if rule.exception_to.iter().any(|base| base.name == name) {
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
        self.rule_asts = kept;
        self.rules_by_name = self
            .rule_asts
            .iter()
            .enumerate()
            .map(|(index, (_, rule))| (rule.name.name.clone(), index))
            .collect();
    }
}
