//! Collecting declarations: every enum, record, constant, set, parameter, verdict, obligation,
//! rule, test, assertion and assumption registered under its name, across the files and layers
//! of a policy.

use super::error::CheckError;
use super::ir::*;
use super::types::BUILTIN_TYPES;
use super::{Checker, KindSymbol, Progress, Source, TypeSymbol, ValueSymbol};
use crate::syntax::Span;
use crate::syntax::ast;

impl<'a> Checker<'a> {
    /// First pass: registers every declaration under its name, applying amendments in order.
    pub(super) fn collect(&mut self) {
        let sources = self.sources;
        let top_layer = sources.iter().map(|source| source.layer).max().unwrap_or(0);
        (self.layer_windows, self.policy_period) = super::amendments::layer_windows(sources);
        for (file, source) in sources.iter().enumerate() {
            self.file = file;
            let Some(ast) = &source.ast else { continue };
            if let Some(header) = &ast.header {
                self.collect_header(file, source, header);
            }
            let mut use_index = 0;
            for declaration in &ast.declarations {
                match declaration {
                    ast::Declaration::Use(path) => {
                        if let Some(Err(reason)) = source.uses.get(use_index) {
                            self.error(CheckError::MissingUse {
                                path: path.text.clone(),
                                reason: reason.clone(),
                                hidden: 0,
                                span: path.span,
                            });
                        }
                        use_index += 1;
                    }
                    ast::Declaration::Enum(decl) => self.declare_enum(decl),
                    ast::Declaration::Record(decl) => self.declare_record(file, decl),
                    ast::Declaration::Const(decl) => self.declare_const(file, decl),
                    ast::Declaration::Set(decl) => self.declare_set(file, decl),
                    ast::Declaration::Param(decl) => self.declare_param(file, decl),
                    ast::Declaration::Verdicts(kinds, span) => {
                        self.declare_verdicts(file, kinds, *span);
                    }
                    ast::Declaration::Otherwise(name) => {
                        if self.otherwise.is_some() {
                            self.error(CheckError::DuplicateOtherwise { span: name.span });
                        } else {
                            self.otherwise = Some((file, name));
                        }
                    }
                    ast::Declaration::Obligation(kind) => {
                        let index = self.obligations.len();
                        if self.declare_kind(&kind.name, KindSymbol::Obligation(index)) {
                            self.obligations.push(KindDef {
                                name: kind.name.name.clone(),
                                params: Vec::new(),
                            });
                            self.obligation_asts.push((file, kind));
                            self.used_obligations.push(false);
                        }
                    }
                    ast::Declaration::Rule(rule) => self.declare_rule(file, rule),
                    // The tests and assertions of an amended policy are the amendment's own.
                    ast::Declaration::Assert(assertion) => {
                        if source.layer == top_layer {
                            self.assert_asts.push((file, assertion));
                        }
                    }
                    // An amendment keeps its base's assumptions and may add its own.
                    ast::Declaration::Assume(assumption) => {
                        self.assume_asts.push((file, assumption));
                    }
                    ast::Declaration::Test(test) => {
                        if source.layer == top_layer {
                            self.test_asts.push((file, test));
                        }
                    }
                    ast::Declaration::AddRule(rule) => {
                        if self.amendment_allowed(source, rule.name.span, "add rule") {
                            self.add_rule(file, rule);
                        }
                    }
                    ast::Declaration::ReplaceRule(rule) => {
                        if self.amendment_allowed(source, rule.name.span, "replace rule") {
                            self.replace_rule(file, rule);
                        }
                    }
                    ast::Declaration::RepealRule {
                        name,
                        citation,
                        span,
                    } => {
                        if self.amendment_allowed(source, *span, "repeal rule") {
                            self.repeal_rule(source.layer, name, citation);
                        }
                    }
                    ast::Declaration::ChangeSet {
                        name,
                        citation,
                        add,
                        span,
                        ..
                    } => {
                        if self.amendment_allowed(source, *span, "change set") {
                            self.change_set(file, declaration, name, citation, *add);
                        }
                    }
                    ast::Declaration::ChangeValue {
                        name,
                        citation,
                        is_param,
                        span,
                        ..
                    } => {
                        if self.amendment_allowed(source, *span, "change") {
                            self.change_value(file, declaration, name, citation, *is_param);
                        }
                    }
                }
            }
        }
        self.flatten_rule_versions();
        self.check_essentials();
    }

    /// The `policy` header: one per policy, an amendment's superseding its base's.
    fn collect_header(&mut self, file: usize, source: &Source, header: &'a ast::Header) {
        if let (Some(reason), Some(path)) = (&source.amends_error, &header.amends) {
            self.error(CheckError::MissingBase {
                path: path.text.clone(),
                reason: reason.clone(),
                span: path.span,
            });
        }
        // An amendment's header supersedes the header of the policy it amends.
        let superseded = self
            .header
            .is_some_and(|(first_file, _)| self.sources[first_file].layer < source.layer);
        if superseded {
            self.header = None;
        }
        match self.header {
            Some((first_file, first)) => {
                let first = self.describe_place(Place {
                    file: first_file,
                    span: first.span,
                });
                self.error(CheckError::DuplicateHeader {
                    first,
                    span: header.title.span,
                });
            }
            None => self.header = Some((file, header)),
        }
        self.check_period(&header.in_force);
    }

    fn declare_enum(&mut self, decl: &ast::EnumDecl) {
        let index = self.enums.len();
        if !self.declare_type(&decl.name, TypeSymbol::Enum(index)) {
            return;
        }
        let mut members: Vec<String> = Vec::new();
        for member in &decl.members {
            if members.contains(&member.name) {
                self.error(CheckError::DuplicateDefinition {
                    name: member.name.clone(),
                    first: format!("an earlier member of `{}`", decl.name.name),
                    span: member.span,
                });
                continue;
            }
            self.members
                .entry(member.name.clone())
                .or_default()
                .push((index, members.len()));
            members.push(member.name.clone());
        }
        if members.len() > 256 {
            self.error(CheckError::EnumTooLarge {
                name: decl.name.name.clone(),
                count: members.len(),
                span: decl.name.span,
            });
        }
        self.enums.push(EnumDef {
            name: decl.name.name.clone(),
            members,
        });
        self.enum_places.push(self.place(decl.name.span));
        self.used_types.push(false);
    }

    fn declare_record(&mut self, file: usize, decl: &'a ast::RecordDecl) {
        let index = self.records.len();
        if !self.declare_type(&decl.name, TypeSymbol::Record(index)) {
            return;
        }
        if decl.is_input {
            match self.input {
                Some(first) => self.error(CheckError::DuplicateInput {
                    first: self.records[first].name.clone(),
                    span: decl.name.span,
                }),
                None => self.input = Some(index),
            }
        }
        self.records.push(RecordDef {
            name: decl.name.name.clone(),
            doc: self.doc_above(file, decl.name.span.start as usize),
            fields: Vec::new(),
        });
        self.record_asts.push((file, decl));
        self.used_records.push(decl.is_input);
    }

    fn declare_const(&mut self, file: FileId, decl: &'a ast::ConstDecl) {
        let index = self.consts.len();
        if self.declare_value(&decl.name, ValueSymbol::Const(index)) {
            self.consts.push(ConstDef {
                name: decl.name.name.clone(),
                ty: Type::Error,
                versions: Vec::new(),
            });
            self.const_asts.push((file, decl));
            self.const_progress.push(Progress::Pending);
        }
    }

    fn declare_set(&mut self, file: FileId, decl: &'a ast::SetDecl) {
        let index = self.sets.len();
        if self.declare_value(&decl.name, ValueSymbol::Set(index)) {
            self.sets.push(SetDef {
                name: decl.name.name.clone(),
                element: Type::Error,
                members: Vec::new(),
                removed: Vec::new(),
            });
            self.set_asts.push((file, decl));
            self.set_progress.push(Progress::Pending);
        }
    }

    fn declare_param(&mut self, file: FileId, decl: &'a ast::ParamDecl) {
        let index = self.params.len();
        if self.declare_value(&decl.name, ValueSymbol::Param(index)) {
            self.params.push(ParamDef {
                name: decl.name.name.clone(),
                ty: Type::Error,
                default: Expr::Bool(false),
                versions: Vec::new(),
            });
            self.param_asts.push((file, decl));
        }
    }

    fn declare_verdicts(&mut self, file: usize, kinds: &'a [ast::KindDecl], span: Span) {
        if let Some(first) = self.verdicts_declared {
            let first = self.describe_place(first);
            self.error(CheckError::DuplicateVerdicts { first, span });
            return;
        }
        self.verdicts_declared = Some(self.place(span));
        for kind in kinds {
            let index = self.verdicts.len();
            if self.declare_kind(&kind.name, KindSymbol::Verdict(index)) {
                self.verdicts.push(KindDef {
                    name: kind.name.name.clone(),
                    params: Vec::new(),
                });
                self.verdict_asts.push((file, kind));
            }
        }
    }

    fn declare_rule(&mut self, file: usize, rule: &'a ast::RuleDecl) {
        if let Some(&first) = self.rules_by_name.get(&rule.name.name) {
            let first = &self.rule_slots[first][0];
            let first = self.describe_place(Place {
                file: first.file,
                span: first.decl.name.span,
            });
            self.error(CheckError::DuplicateDefinition {
                name: rule.name.name.clone(),
                first,
                span: rule.name.span,
            });
            return;
        }
        self.rules_by_name
            .insert(rule.name.name.clone(), self.rule_slots.len());
        self.rule_slots
            .push(vec![super::amendments::RuleVersion::new(
                file,
                rule,
                Period::default(),
            )]);
    }

    /// After collecting: the header, the input and the verdicts every policy needs.
    fn check_essentials(&mut self) {
        self.file = self.header.map(|(file, _)| file).unwrap_or(0);
        let anchor = self
            .header
            .map(|(_, header)| header.title.span)
            .unwrap_or_default();
        if self.header.is_none() && self.sources.iter().any(|source| source.ast.is_some()) {
            self.error(CheckError::MissingHeader {
                span: Span::new(0, 0),
            });
        }
        if self.input.is_none() && (!self.rule_asts.is_empty() || !self.test_asts.is_empty()) {
            self.error(CheckError::MissingInput { span: anchor });
        }
        if self.verdicts_declared.is_none()
            && (!self.rule_asts.is_empty() || !self.test_asts.is_empty())
        {
            self.error(CheckError::MissingVerdicts { span: anchor });
        }
    }

    fn declare_type(&mut self, name: &ast::Ident, symbol: TypeSymbol) -> bool {
        if BUILTIN_TYPES.contains(&name.name.as_str()) {
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first: "the built-in types".to_string(),
                span: name.span,
            });
            return false;
        }
        if let Some((_, first)) = self.types.get(&name.name) {
            let first = self.describe_place(*first);
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first,
                span: name.span,
            });
            return false;
        }
        self.types
            .insert(name.name.clone(), (symbol, self.place(name.span)));
        true
    }

    fn declare_value(&mut self, name: &ast::Ident, symbol: ValueSymbol) -> bool {
        if name.name == "case" {
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first: "the language (`case` is the case being decided)".to_string(),
                span: name.span,
            });
            return false;
        }
        if let Some((_, first)) = self.values.get(&name.name) {
            let first = self.describe_place(*first);
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first,
                span: name.span,
            });
            return false;
        }
        self.values
            .insert(name.name.clone(), (symbol, self.place(name.span)));
        self.used_values.insert(symbol, false);
        true
    }

    fn declare_kind(&mut self, name: &ast::Ident, symbol: KindSymbol) -> bool {
        if let Some((_, first)) = self.kinds.get(&name.name) {
            let first = self.describe_place(*first);
            self.error(CheckError::DuplicateDefinition {
                name: name.name.clone(),
                first,
                span: name.span,
            });
            return false;
        }
        self.kinds
            .insert(name.name.clone(), (symbol, self.place(name.span)));
        true
    }
}
