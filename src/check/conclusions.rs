//! Verdicts and obligations: naming them, checking a conclusion's arguments, and `otherwise`.

use super::error::CheckError;
use super::expr::Ctx;
use super::ir::*;
use super::suggest;
use super::{Checker, KindSymbol};
use crate::syntax::Span;
use crate::syntax::ast;

impl<'a> Checker<'a> {
    /// The policy says what holds when no rule applies, with a verdict that takes no arguments.
    pub(super) fn check_verdict_order(&mut self) {
        let Some((file, name)) = self.otherwise else {
            if self.verdicts_declared.is_some() {
                let place = self
                    .verdicts_declared
                    .unwrap_or(self.place(Span::default()));
                self.file = place.file;
                self.error(CheckError::MissingOtherwise { span: place.span });
            }
            return;
        };
        self.file = file;
        if let Some(index) = self.verdict_named(name)
            && !self.verdicts[index].params.is_empty()
        {
            self.error(CheckError::WrongArgument {
                problem: format!("`otherwise` verdict `{}` takes arguments", name.name),
                help: "choose a verdict without parameters for `otherwise`".to_string(),
                span: name.span,
            });
        }
    }

    /// The verdict a name stands for; where it stands for none (or for an obligation), an
    /// `unknown_kind` error that suggests the closest verdict.
    pub(super) fn verdict_named(&mut self, name: &ast::Ident) -> Option<usize> {
        if let Some((KindSymbol::Verdict(index), _)) = self.kinds.get(&name.name) {
            return Some(*index);
        }
        let suggestion =
            suggest::closest(&name.name, self.verdicts.iter().map(|v| v.name.as_str()));
        self.unknown_kind(name, suggestion);
        None
    }

    /// The obligation a name stands for; where it stands for none (or for a verdict), an
    /// `unknown_kind` error that suggests the closest obligation.
    pub(super) fn obligation_named(&mut self, name: &ast::Ident) -> Option<usize> {
        if let Some((KindSymbol::Obligation(index), _)) = self.kinds.get(&name.name) {
            return Some(*index);
        }
        let suggestion =
            suggest::closest(&name.name, self.obligations.iter().map(|o| o.name.as_str()));
        self.unknown_kind(name, suggestion);
        None
    }

    fn unknown_kind(&mut self, name: &ast::Ident, suggestion: Option<String>) {
        self.error(CheckError::UnknownKind {
            name: name.name.clone(),
            suggestion,
            span: name.span,
        });
    }

    /// Checks `kind(name: value, …)`. With `complete`, every parameter must be given (a rule's
    /// conclusion); otherwise missing ones are left open (a test's expectation).
    pub(super) fn conclusion(
        &mut self,
        conclusion: &ast::Conclusion,
        ctx: &mut Ctx,
        complete: bool,
    ) -> Option<(KindSymbol, Vec<Option<Expr>>)> {
        let symbol = match self.kinds.get(&conclusion.name.name) {
            Some((symbol, _)) => *symbol,
            None => {
                let suggestion =
                    suggest::closest(&conclusion.name.name, self.kinds.keys().map(String::as_str));
                self.unknown_kind(&conclusion.name, suggestion);
                return None;
            }
        };
        let params = match symbol {
            KindSymbol::Verdict(index) => self.verdicts[index].params.clone(),
            KindSymbol::Obligation(index) => {
                self.used_obligations[index] = true;
                self.obligations[index].params.clone()
            }
        };
        let mut args: Vec<Option<Expr>> = vec![None; params.len()];
        for arg in &conclusion.args {
            match params.iter().position(|(name, _)| *name == arg.name.name) {
                Some(position) => {
                    if args[position].is_some() {
                        self.error(CheckError::WrongArgument {
                            problem: format!("argument `{}` is given twice", arg.name.name),
                            help: "give each argument once".to_string(),
                            span: arg.name.span,
                        });
                        continue;
                    }
                    let ty = params[position].1.clone();
                    args[position] = Some(self.expect_type(&arg.value, &ty, ctx));
                }
                None => {
                    let suggestion =
                        suggest::closest(&arg.name.name, params.iter().map(|(n, _)| n.as_str()));
                    let expected = if params.is_empty() {
                        format!("`{}` takes no arguments", conclusion.name.name)
                    } else {
                        format!(
                            "the parameters of `{}` are {}",
                            conclusion.name.name,
                            suggest::backticked(params.iter().map(|(n, _)| n.as_str()))
                        )
                    };
                    // A misspelt parameter: check the value as the parameter meant, so that
                    // the one mistake is reported once.
                    let meant = suggestion
                        .as_ref()
                        .and_then(|name| params.iter().position(|(n, _)| n == name))
                        .filter(|position| args[*position].is_none());
                    if let Some(position) = meant {
                        let ty = params[position].1.clone();
                        args[position] = Some(self.expect_type(&arg.value, &ty, ctx));
                    }
                    self.error(CheckError::WrongArgument {
                        problem: format!(
                            "`{}` has no parameter `{}`",
                            conclusion.name.name, arg.name.name
                        ),
                        help: suggest::did_you_mean_or(suggestion.as_deref(), expected),
                        span: arg.name.span,
                    });
                }
            }
        }
        if complete {
            for (position, (name, ty)) in params.iter().enumerate() {
                if args[position].is_none() {
                    self.error(CheckError::WrongArgument {
                        problem: format!("missing argument `{name}` of `{}`", conclusion.name.name),
                        help: format!(
                            "give it: `{}({name}: …)` where `{name}` is {}",
                            conclusion.name.name,
                            self.type_name(ty)
                        ),
                        span: conclusion.span,
                    });
                }
            }
        }
        Some((symbol, args))
    }
}
