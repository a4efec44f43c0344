//! `assume` declarations: each condition typed as a boolean over the case, constants and sets,
//! and each text, the assumption's name, unique in the policy.

use super::Checker;
use super::error::CheckError;
use super::expr::Ctx;
use super::ir::*;

impl<'a> Checker<'a> {
    /// Checks every `assume`, a base's and an amendment's alike.
    pub(super) fn check_assumptions(&mut self) {
        for index in 0..self.assume_asts.len() {
            let (file, assumption) = self.assume_asts[index];
            self.file = file;
            let first = self
                .assumptions
                .iter()
                .find(|seen| seen.text == assumption.text.text)
                .map(|seen| seen.place);
            if let Some(first) = first {
                let first = self.describe_place(first);
                self.error(CheckError::DuplicateAssumption {
                    text: assumption.text.text.clone(),
                    first,
                    span: assumption.text.span,
                });
                continue;
            }
            let mut ctx = Ctx::assumption();
            let condition = self.condition(&assumption.condition, &mut ctx);
            self.assumptions.push(AssumeDef {
                text: assumption.text.text.clone(),
                place: self.place(assumption.text.span),
                condition,
                observed: std::mem::take(&mut ctx.observed),
            });
        }
    }
}
