//! Resolving written types, record fields, verdict and obligation parameters, and field defaults.

use super::error::CheckError;
use super::expr::Ctx;
use super::ir::*;
use super::suggest;
use super::{Checker, TypeSymbol};
use crate::syntax::ast;

impl<'a> Checker<'a> {
    /// Resolves a written type.
    pub(super) fn resolve_type(&mut self, ty: &ast::TypeExpr) -> Type {
        match ty {
            ast::TypeExpr::Set(inner, _) => Type::Set(Box::new(self.resolve_type(inner))),
            ast::TypeExpr::Optional(inner, _) => Type::Optional(Box::new(self.resolve_type(inner))),
            ast::TypeExpr::Named(name) => match name.name.as_str() {
                "bool" => Type::Bool,
                "int" => Type::Int,
                "decimal" => Type::Decimal,
                "text" => Type::Text,
                "date" => Type::Date,
                "duration" => Type::Duration,
                other => match self.types.get(other) {
                    Some((TypeSymbol::Enum(index), _)) => {
                        let index = *index;
                        self.used_types[index] = true;
                        Type::Enum(index)
                    }
                    Some((TypeSymbol::Record(index), _)) => {
                        let index = *index;
                        self.used_records[index] = true;
                        Type::Record(index)
                    }
                    None => {
                        let candidates: Vec<&str> = BUILTIN_TYPES
                            .iter()
                            .copied()
                            .chain(self.types.keys().map(String::as_str))
                            .collect();
                        let suggestion = suggest::closest(other, candidates);
                        self.error(CheckError::UnknownType {
                            name: other.to_string(),
                            suggestion,
                            span: name.span,
                        });
                        Type::Error
                    }
                },
            },
        }
    }

    /// Resolves the fields of records and the parameters of verdicts and obligations.
    pub(super) fn resolve_records_and_kinds(&mut self) {
        for index in 0..self.record_asts.len() {
            let (file, decl) = self.record_asts[index];
            self.file = file;
            let mut fields: Vec<FieldDef> = Vec::new();
            for field in &decl.fields {
                if fields.iter().any(|f| f.name == field.name.name) {
                    self.error(CheckError::DuplicateDefinition {
                        name: field.name.name.clone(),
                        first: format!("an earlier field of `{}`", decl.name.name),
                        span: field.name.span,
                    });
                    continue;
                }
                let ty = self.resolve_type(&field.ty);
                fields.push(FieldDef {
                    name: field.name.name.clone(),
                    ty,
                    default: None,
                    doc: self.doc_above(file, field.name.span.start as usize),
                });
            }
            self.records[index].fields = fields;
        }
        for index in 0..self.verdict_asts.len() {
            let (file, decl) = self.verdict_asts[index];
            self.file = file;
            self.verdicts[index].params = self.kind_params(decl);
        }
        for index in 0..self.obligation_asts.len() {
            let (file, decl) = self.obligation_asts[index];
            self.file = file;
            self.obligations[index].params = self.kind_params(decl);
        }
    }

    /// The input must carry the date of the act: it picks the rules in force.
    pub(super) fn check_input_date(&mut self) {
        let Some(input) = self.input else { return };
        let has_date = self.records[input]
            .field_index("date")
            .is_some_and(|position| self.records[input].fields[position].ty == Type::Date);
        if !has_date {
            let (file, decl) = self.record_asts[input];
            self.file = file;
            self.error(CheckError::InputWithoutDate {
                input: decl.name.name.clone(),
                span: decl.name.span,
            });
        }
    }

    fn kind_params(&mut self, decl: &ast::KindDecl) -> Vec<(String, Type)> {
        let mut params: Vec<(String, Type)> = Vec::new();
        for (name, ty) in &decl.params {
            if params.iter().any(|(n, _)| *n == name.name) {
                self.error(CheckError::DuplicateDefinition {
                    name: name.name.clone(),
                    first: format!("an earlier parameter of `{}`", decl.name.name),
                    span: name.span,
                });
                continue;
            }
            let ty = self.resolve_type(ty);
            params.push((name.name.clone(), ty));
        }
        params
    }

    /// Types each field default against its field, once every constant is known.
    pub(super) fn check_field_defaults(&mut self) {
        for index in 0..self.record_asts.len() {
            let (file, decl) = self.record_asts[index];
            self.file = file;
            for field in &decl.fields {
                let Some(default) = &field.default else {
                    continue;
                };
                let Some(position) = self.records[index].field_index(&field.name.name) else {
                    continue;
                };
                let ty = self.records[index].fields[position].ty.clone();
                let mut ctx = Ctx::constant();
                let expr = self.expect_type(default, &ty, &mut ctx);
                self.check_kept(&expr, &ty, default.span);
                self.records[index].fields[position].default = Some(expr);
            }
        }
    }
}

/// The built-in type names, which no declaration may take.
pub(super) const BUILTIN_TYPES: [&str; 6] = ["bool", "int", "decimal", "text", "date", "duration"];
