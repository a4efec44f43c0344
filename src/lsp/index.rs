//! The symbol index: every declaration of a policy's files and every place a name refers to one,
//! built from the syntax trees the loader parsed. Hover, definition, references, rename and
//! completion read it; it resolves names as the checker does (local variables, then constants,
//! sets and parameters, then enum members by the type the place expects), without re-parsing.

use std::collections::HashMap;

use crate::check::Source;
use crate::syntax::Span;
use crate::syntax::ast::{self, Declaration, Expectation, ExprKind, TypeExpr};

/// What a name declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolKind {
    Rule,
    Set,
    Const,
    Param,
    Enum,
    /// A member of the enum named.
    Member(String),
    Record,
    /// A field of the record named.
    Field(String),
    Verdict,
    Obligation,
    /// A parameter of the verdict or obligation named.
    KindParam(String),
    /// A `for` or quantifier variable, of the type given (if known).
    Variable(Option<Ty>),
}

impl SymbolKind {
    /// The word for it in hover text and completion details.
    pub fn word(&self) -> &'static str {
        match self {
            SymbolKind::Rule => "rule",
            SymbolKind::Set => "set",
            SymbolKind::Const => "const",
            SymbolKind::Param => "param",
            SymbolKind::Enum => "enum",
            SymbolKind::Member(_) => "enum member",
            SymbolKind::Record => "record",
            SymbolKind::Field(_) => "field",
            SymbolKind::Verdict => "verdict",
            SymbolKind::Obligation => "obligation",
            SymbolKind::KindParam(_) => "argument",
            SymbolKind::Variable(_) => "variable",
        }
    }
}

/// A simplified type, as far as naming needs it: enough to find fields and enum members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `bool`, `int`, `decimal`, `text`, `date`, `duration`.
    Builtin(String),
    Enum(String),
    Record(String),
    Set(Box<Ty>),
    Optional(Box<Ty>),
}

impl Ty {
    /// The type without `optional`.
    pub fn plain(&self) -> &Ty {
        match self {
            Ty::Optional(inner) => inner.plain(),
            other => other,
        }
    }

    /// The element type of a set.
    pub fn element(&self) -> Option<Ty> {
        match self.plain() {
            Ty::Set(inner) => Some((**inner).clone()),
            _ => None,
        }
    }
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Builtin(name) | Ty::Enum(name) | Ty::Record(name) => f.write_str(name),
            Ty::Set(inner) => write!(f, "set of {inner}"),
            Ty::Optional(inner) => write!(f, "optional {inner}"),
        }
    }
}

/// One declaration.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    /// The source it is declared in and the place of its name.
    pub file: usize,
    pub span: Span,
    /// Its type, where it has one (constants, sets, parameters, fields, members, variables).
    pub ty: Option<Ty>,
}

/// A place where a name is written: its declaration or a use.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence {
    pub symbol: usize,
    pub file: usize,
    pub span: Span,
    pub is_declaration: bool,
}

/// The index of a policy's sources.
#[derive(Debug, Default)]
pub struct Index {
    pub symbols: Vec<Symbol>,
    pub occurrences: Vec<Occurrence>,
    /// The input record's name.
    pub input: Option<String>,
}

impl Index {
    /// Indexes the sources (those that parsed).
    pub fn build(sources: &[Source]) -> Index {
        let mut builder = Builder::default();
        for (file, source) in sources.iter().enumerate() {
            if let Some(ast) = &source.ast {
                builder.declare(file, ast);
            }
        }
        for (file, source) in sources.iter().enumerate() {
            if let Some(ast) = &source.ast {
                builder.declare_typed(file, ast);
            }
        }
        for (file, source) in sources.iter().enumerate() {
            if let Some(ast) = &source.ast {
                builder.file = file;
                builder.refer(ast);
            }
        }
        builder.index
    }

    /// The occurrence at a byte offset of a file.
    pub fn at(&self, file: usize, offset: usize) -> Option<&Occurrence> {
        self.occurrences.iter().find(|o| {
            o.file == file && o.span.start as usize <= offset && offset <= o.span.end as usize
        })
    }

    /// Every occurrence of a symbol, declarations first.
    pub fn occurrences_of(&self, symbol: usize) -> Vec<&Occurrence> {
        let mut found: Vec<&Occurrence> = self
            .occurrences
            .iter()
            .filter(|o| o.symbol == symbol)
            .collect();
        found.sort_by_key(|o| (!o.is_declaration, o.file, o.span.start));
        found
    }

    /// Members of an enum, in order.
    pub fn members(&self, enum_name: &str) -> Vec<&Symbol> {
        self.symbols
            .iter()
            .filter(|s| matches!(&s.kind, SymbolKind::Member(e) if e == enum_name))
            .collect()
    }

    /// Fields of a record, in order.
    pub fn fields(&self, record: &str) -> Vec<&Symbol> {
        self.symbols
            .iter()
            .filter(|s| matches!(&s.kind, SymbolKind::Field(r) if r == record))
            .collect()
    }

    /// The type of a dotted path written in text: `case.item`, a constant's or a variable's
    /// name followed by fields.
    pub fn path_type(&self, path: &[&str]) -> Option<Ty> {
        let (first, rest) = path.split_first()?;
        let mut ty = if *first == "case" {
            Ty::Record(self.input.clone()?)
        } else {
            let symbol = self.symbols.iter().rev().find(|s| {
                s.name == *first
                    && matches!(
                        s.kind,
                        SymbolKind::Const
                            | SymbolKind::Param
                            | SymbolKind::Set
                            | SymbolKind::Variable(_)
                    )
            })?;
            symbol.ty.clone()?
        };
        for field in rest {
            let Ty::Record(record) = ty.plain() else {
                return None;
            };
            let symbol = self
                .symbols
                .iter()
                .find(|s| s.name == *field && s.kind == SymbolKind::Field(record.clone()))?;
            ty = symbol.ty.clone()?;
        }
        Some(ty)
    }
}

#[derive(Default)]
struct Builder {
    index: Index,
    file: usize,
    /// Names of enums, records, and the value names (constants, sets, parameters) to symbols.
    enums: HashMap<String, usize>,
    records: HashMap<String, usize>,
    values: HashMap<String, usize>,
    kinds: HashMap<String, usize>,
    rules: HashMap<String, usize>,
    /// Fields by record and name, kind parameters by kind and name, enum members by name.
    fields: HashMap<(String, String), usize>,
    kind_params: HashMap<(String, String), usize>,
    members: HashMap<String, Vec<usize>>,
    /// The local variables in scope, innermost last.
    scope: Vec<usize>,
}

const BUILTINS: [&str; 6] = ["bool", "int", "decimal", "text", "date", "duration"];

impl Builder {
    fn add(&mut self, kind: SymbolKind, ident: &ast::Ident, file: usize, ty: Option<Ty>) -> usize {
        let symbol = self.index.symbols.len();
        self.index.symbols.push(Symbol {
            kind,
            name: ident.name.clone(),
            file,
            span: ident.span,
            ty,
        });
        self.index.occurrences.push(Occurrence {
            symbol,
            file,
            span: ident.span,
            is_declaration: true,
        });
        symbol
    }

    fn mention(&mut self, symbol: usize, span: Span) {
        self.index.occurrences.push(Occurrence {
            symbol,
            file: self.file,
            span,
            is_declaration: false,
        });
    }

    /// First pass: enums, records, verdicts, obligations and rules.
    fn declare(&mut self, file: usize, ast: &ast::File) {
        for declaration in &ast.declarations {
            match declaration {
                Declaration::Enum(decl) => {
                    let id = self.add(SymbolKind::Enum, &decl.name, file, None);
                    self.enums.entry(decl.name.name.clone()).or_insert(id);
                    for member in &decl.members {
                        let ty = Some(Ty::Enum(decl.name.name.clone()));
                        let kind = SymbolKind::Member(decl.name.name.clone());
                        let id = self.add(kind, member, file, ty);
                        self.members
                            .entry(member.name.clone())
                            .or_default()
                            .push(id);
                    }
                }
                Declaration::Record(decl) => {
                    let id = self.add(SymbolKind::Record, &decl.name, file, None);
                    self.records.entry(decl.name.name.clone()).or_insert(id);
                    if decl.is_input {
                        self.index.input = Some(decl.name.name.clone());
                    }
                }
                Declaration::Verdicts(kinds, _) => {
                    for kind in kinds {
                        let id = self.add(SymbolKind::Verdict, &kind.name, file, None);
                        self.kinds.entry(kind.name.name.clone()).or_insert(id);
                    }
                }
                Declaration::Obligation(kind) => {
                    let id = self.add(SymbolKind::Obligation, &kind.name, file, None);
                    self.kinds.entry(kind.name.name.clone()).or_insert(id);
                }
                Declaration::Rule(rule) | Declaration::AddRule(rule) => {
                    let id = self.add(SymbolKind::Rule, &rule.name, file, None);
                    self.rules.entry(rule.name.name.clone()).or_insert(id);
                }
                _ => {}
            }
        }
    }

    fn ty(&mut self, written: &TypeExpr, file: usize, mention: bool) -> Option<Ty> {
        match written {
            TypeExpr::Named(ident) => {
                if BUILTINS.contains(&ident.name.as_str()) {
                    return Some(Ty::Builtin(ident.name.clone()));
                }
                if let Some(&id) = self.enums.get(&ident.name) {
                    if mention {
                        self.file = file;
                        self.mention(id, ident.span);
                    }
                    return Some(Ty::Enum(ident.name.clone()));
                }
                if let Some(&id) = self.records.get(&ident.name) {
                    if mention {
                        self.file = file;
                        self.mention(id, ident.span);
                    }
                    return Some(Ty::Record(ident.name.clone()));
                }
                None
            }
            TypeExpr::Set(inner, _) => Some(Ty::Set(Box::new(self.ty(inner, file, mention)?))),
            TypeExpr::Optional(inner, _) => {
                Some(Ty::Optional(Box::new(self.ty(inner, file, mention)?)))
            }
        }
    }

    /// Second pass: fields, values and kind parameters, whose types may name an enum or a
    /// record of any file.
    fn declare_typed(&mut self, file: usize, ast: &ast::File) {
        // Values first, in every file, so a rule may use a constant declared in a later file.
        for declaration in &ast.declarations {
            match declaration {
                Declaration::Record(decl) => {
                    for field in &decl.fields {
                        let ty = self.ty(&field.ty, file, true);
                        let kind = SymbolKind::Field(decl.name.name.clone());
                        let id = self.add(kind, &field.name, file, ty);
                        let key = (decl.name.name.clone(), field.name.name.clone());
                        self.fields.entry(key).or_insert(id);
                    }
                }
                Declaration::Const(decl) => {
                    let ty = decl.ty.as_ref().and_then(|t| self.ty(t, file, true));
                    let id = self.add(SymbolKind::Const, &decl.name, file, ty);
                    self.values.entry(decl.name.name.clone()).or_insert(id);
                }
                Declaration::Set(decl) => {
                    let element = decl
                        .element_type
                        .as_ref()
                        .and_then(|t| self.ty(t, file, true));
                    let ty = element.map(|e| Ty::Set(Box::new(e)));
                    let id = self.add(SymbolKind::Set, &decl.name, file, ty);
                    self.values.entry(decl.name.name.clone()).or_insert(id);
                }
                Declaration::Param(decl) => {
                    let ty = self.ty(&decl.ty, file, true);
                    let id = self.add(SymbolKind::Param, &decl.name, file, ty);
                    self.values.entry(decl.name.name.clone()).or_insert(id);
                }
                Declaration::Verdicts(kinds, _) => {
                    for kind in kinds {
                        self.kind_params(kind, file);
                    }
                }
                Declaration::Obligation(kind) => self.kind_params(kind, file),
                _ => {}
            }
        }
    }

    fn kind_params(&mut self, kind: &ast::KindDecl, file: usize) {
        for (name, written) in &kind.params {
            let ty = self.ty(written, file, true);
            let id = self.add(
                SymbolKind::KindParam(kind.name.name.clone()),
                name,
                file,
                ty,
            );
            let key = (kind.name.name.clone(), name.name.clone());
            self.kind_params.entry(key).or_insert(id);
        }
    }
}

/// Third pass: every use of a name.
impl Builder {
    fn refer(&mut self, ast: &ast::File) {
        for declaration in &ast.declarations {
            self.scope.clear();
            match declaration {
                Declaration::Use(_) | Declaration::Enum(_) | Declaration::Verdicts(..) => {}
                Declaration::Obligation(_) => {}
                Declaration::Record(decl) => {
                    let record = Ty::Record(decl.name.name.clone());
                    for field in &decl.fields {
                        if let Some(default) = &field.default {
                            let ty = self.field_type(&record, &field.name.name);
                            self.expr(default, ty.as_ref());
                        }
                    }
                }
                Declaration::Const(decl) => {
                    let ty = self.value_type(&decl.name.name);
                    for version in &decl.versions {
                        self.expr(&version.value, ty.as_ref());
                    }
                }
                Declaration::Set(decl) => {
                    let element = self.value_type(&decl.name.name).and_then(|t| t.element());
                    for member in &decl.members {
                        self.expr(&member.value, element.as_ref());
                    }
                }
                Declaration::Param(decl) => {
                    let ty = self.value_type(&decl.name.name);
                    self.expr(&decl.default, ty.as_ref());
                }
                Declaration::Otherwise(name) => self.kind(name),
                Declaration::Rule(rule) | Declaration::AddRule(rule) => self.rule(rule),
                Declaration::ReplaceRule(rule) => {
                    self.rule_name(&rule.name);
                    self.rule(rule);
                }
                Declaration::RepealRule { name, .. } => self.rule_name(name),
                Declaration::ChangeSet { name, members, .. } => {
                    self.value(name);
                    let element = self.value_type(&name.name).and_then(|t| t.element());
                    for member in members {
                        self.expr(&member.value, element.as_ref());
                    }
                }
                Declaration::ChangeValue { name, versions, .. } => {
                    self.value(name);
                    let ty = self.value_type(&name.name);
                    for version in versions {
                        self.expr(&version.value, ty.as_ref());
                    }
                }
                Declaration::Test(test) => self.test(test),
                Declaration::Assert(assert) => {
                    if let Some(when) = &assert.when {
                        self.expr(when, None);
                    }
                    match &assert.expect {
                        ast::AssertExpectation::Verdicts(names) => {
                            for name in names {
                                self.kind(name);
                            }
                        }
                        ast::AssertExpectation::NotDecidedBy(rule) => self.rule_name(rule),
                    }
                }
                Declaration::Assume(assume) => {
                    self.expr(&assume.condition, None);
                }
            }
        }
    }

    fn rule(&mut self, rule: &ast::RuleDecl) {
        for target in &rule.exception_to {
            self.rule_name(target);
        }
        if let Some((variable, set)) = &rule.for_each {
            let element = self.expr(set, None).and_then(|t| t.element());
            let id = self.add(
                SymbolKind::Variable(element.clone()),
                variable,
                self.file,
                element,
            );
            self.scope.push(id);
        }
        if let Some(when) = &rule.when {
            self.expr(when, None);
        }
        for conclusion in &rule.then {
            self.conclusion(conclusion);
        }
        if let Some(because) = &rule.because {
            for part in &because.parts {
                if let ast::TemplatePart::Hole(expr) = part {
                    self.expr(expr, None);
                }
            }
        }
    }

    fn test(&mut self, test: &ast::TestDecl) {
        if let Some(given) = &test.given {
            let input = self.index.input.clone().map(Ty::Record);
            self.expr(given, input.as_ref());
        }
        for (name, value) in &test.params {
            self.value(name);
            let ty = self.value_type(&name.name);
            self.expr(value, ty.as_ref());
        }
        for expectation in &test.expectations {
            match expectation {
                Expectation::Explanation(_) => {}
                Expectation::Verdict(conclusion) | Expectation::Obligation(conclusion) => {
                    self.conclusion(conclusion)
                }
                Expectation::DecidedBy(rule)
                | Expectation::Applied(rule)
                | Expectation::NotApplied(rule) => self.rule_name(rule),
                Expectation::Suppressed { rule, by } => {
                    self.rule_name(rule);
                    self.rule_name(by);
                }
                Expectation::NoObligation(name) => self.kind(name),
            }
        }
    }

    fn conclusion(&mut self, conclusion: &ast::Conclusion) {
        self.kind(&conclusion.name);
        for arg in &conclusion.args {
            let key = (conclusion.name.name.clone(), arg.name.name.clone());
            let param = self.kind_params.get(&key).copied();
            let ty = param.and_then(|p| self.index.symbols[p].ty.clone());
            if let Some(param) = param {
                self.mention(param, arg.name.span);
            }
            self.expr(&arg.value, ty.as_ref());
        }
    }

    fn kind(&mut self, name: &ast::Ident) {
        if let Some(&id) = self.kinds.get(&name.name) {
            self.mention(id, name.span);
        }
    }

    fn rule_name(&mut self, name: &ast::Ident) {
        if let Some(&id) = self.rules.get(&name.name) {
            self.mention(id, name.span);
        }
    }

    fn value(&mut self, name: &ast::Ident) {
        if let Some(&id) = self.values.get(&name.name) {
            self.mention(id, name.span);
        }
    }

    fn value_type(&self, name: &str) -> Option<Ty> {
        self.values
            .get(name)
            .and_then(|&id| self.index.symbols[id].ty.clone())
    }

    fn field_type(&self, record: &Ty, field: &str) -> Option<Ty> {
        let Ty::Record(record) = record.plain() else {
            return None;
        };
        self.field(record, field)
            .and_then(|id| self.index.symbols[id].ty.clone())
    }

    fn field(&self, record: &str, field: &str) -> Option<usize> {
        self.fields
            .get(&(record.to_string(), field.to_string()))
            .copied()
    }

    /// Whether a bare name would be read as an enum member (no variable or value has it).
    fn is_member_name(&self, expr: &ast::Expr) -> bool {
        match &expr.kind {
            ExprKind::Name(ident) => {
                ident.name != "case"
                    && !self.values.contains_key(&ident.name)
                    && !self
                        .scope
                        .iter()
                        .any(|&id| self.index.symbols[id].name == ident.name)
            }
            ExprKind::Set(items) => items.iter().all(|item| self.is_member_name(item)),
            _ => false,
        }
    }

    /// Records the names of an expression and returns its type, where it is known.
    fn expr(&mut self, expr: &ast::Expr, expected: Option<&Ty>) -> Option<Ty> {
        match &expr.kind {
            ExprKind::Bool(_) => Some(Ty::Builtin("bool".into())),
            ExprKind::Int(_) => Some(Ty::Builtin("int".into())),
            ExprKind::Decimal(_) => Some(Ty::Builtin("decimal".into())),
            ExprKind::Text(_) => Some(Ty::Builtin("text".into())),
            ExprKind::Date(_) => Some(Ty::Builtin("date".into())),
            ExprKind::Duration(_) => Some(Ty::Builtin("duration".into())),
            ExprKind::None => expected.cloned(),
            ExprKind::Name(ident) => self.name(ident, expected),
            ExprKind::Field(base, field) => {
                let base_ty = self.expr(base, None)?;
                let Ty::Record(record) = base_ty.plain() else {
                    return None;
                };
                let id = self.field(record, &field.name)?;
                self.mention(id, field.span);
                let ty = self.index.symbols[id].ty.clone()?;
                // A field read through an optional record is optional too.
                Some(match base_ty {
                    Ty::Optional(_) if !matches!(ty, Ty::Optional(_)) => Ty::Optional(Box::new(ty)),
                    _ => ty,
                })
            }
            ExprKind::Call(name, args) => {
                let ty = match name.name.as_str() {
                    "starts_with" => Some(Ty::Builtin("bool".into())),
                    "end_of_year" => Some(Ty::Builtin("date".into())),
                    "count" => Some(Ty::Builtin("int".into())),
                    _ => None,
                };
                for arg in args {
                    self.expr(arg, None);
                }
                ty
            }
            ExprKind::Set(items) => {
                let element = expected.and_then(Ty::element);
                let mut found = element.clone();
                for item in items {
                    let ty = self.expr(item, element.as_ref());
                    found = found.or(ty);
                }
                found.map(|t| Ty::Set(Box::new(t)))
            }
            ExprKind::Record(args) => {
                let record = expected.map(|t| t.plain().clone());
                for arg in args {
                    let field = match &record {
                        Some(Ty::Record(name)) => self.field(name, &arg.name.name),
                        _ => None,
                    };
                    let ty = field.and_then(|id| self.index.symbols[id].ty.clone());
                    if let Some(id) = field {
                        self.mention(id, arg.name.span);
                    }
                    self.expr(&arg.value, ty.as_ref());
                }
                record
            }
            ExprKind::Not(inner) => {
                self.expr(inner, None);
                Some(Ty::Builtin("bool".into()))
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                for item in items {
                    self.expr(item, None);
                }
                Some(Ty::Builtin("bool".into()))
            }
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right),
            ExprKind::Is(inner, _) => {
                self.expr(inner, None);
                Some(Ty::Builtin("bool".into()))
            }
            ExprKind::Quantifier(_, variable, set, body) => {
                let element = self.expr(set, None).and_then(|t| t.element());
                let id = self.add(
                    SymbolKind::Variable(element.clone()),
                    variable,
                    self.file,
                    element,
                );
                self.scope.push(id);
                self.expr(body, None);
                self.scope.pop();
                Some(Ty::Builtin("bool".into()))
            }
            ExprKind::If(condition, then, otherwise) => {
                self.expr(condition, None);
                let ty = self.expr(then, expected);
                let other = self.expr(otherwise, ty.as_ref().or(expected));
                ty.or(other)
            }
        }
    }

    fn binary(&mut self, op: ast::BinaryOp, left: &ast::Expr, right: &ast::Expr) -> Option<Ty> {
        use ast::BinaryOp::*;
        let boolean = Some(Ty::Builtin("bool".into()));
        match op {
            In | NotIn => {
                // `CN in case.destinations`: the set says what the member is.
                if self.is_member_name(left) {
                    let set = self.expr(right, None);
                    self.expr(left, set.and_then(|t| t.element()).as_ref());
                } else {
                    let member = self.expr(left, None);
                    let set = member.map(|t| Ty::Set(Box::new(t.plain().clone())));
                    self.expr(right, set.as_ref());
                }
                boolean
            }
            Eq | Ne | Lt | Le | Gt | Ge => {
                if self.is_member_name(left) {
                    let ty = self.expr(right, None);
                    self.expr(left, ty.as_ref().map(Ty::plain));
                } else {
                    let ty = self.expr(left, None);
                    self.expr(right, ty.as_ref().map(Ty::plain));
                }
                boolean
            }
            Add | Sub | Mul => {
                let ty = self.expr(left, None);
                let other = self.expr(right, None);
                // A date plus a duration is a date; otherwise the left operand's type.
                ty.or(other)
            }
        }
    }

    fn name(&mut self, ident: &ast::Ident, expected: Option<&Ty>) -> Option<Ty> {
        if let Some(&id) = self
            .scope
            .iter()
            .rev()
            .find(|&&id| self.index.symbols[id].name == ident.name)
        {
            self.mention(id, ident.span);
            return self.index.symbols[id].ty.clone();
        }
        if ident.name == "case" {
            return self.index.input.clone().map(Ty::Record);
        }
        if let Some(&id) = self.values.get(&ident.name) {
            self.mention(id, ident.span);
            return self.index.symbols[id].ty.clone();
        }
        // An enum member: of the expected enum, else of the one enum that has it.
        let wanted = match expected.map(Ty::plain) {
            Some(Ty::Enum(name)) => Some(name.clone()),
            Some(Ty::Set(inner)) => match inner.plain() {
                Ty::Enum(name) => Some(name.clone()),
                _ => None,
            },
            _ => None,
        };
        let members = self.members.get(&ident.name)?;
        let chosen = members
            .iter()
            .copied()
            .find(|&id| match (&self.index.symbols[id].kind, &wanted) {
                (SymbolKind::Member(owner), Some(wanted)) => owner == wanted,
                _ => false,
            })
            .or(match members.as_slice() {
                [only] => Some(*only),
                _ => None,
            })?;
        self.mention(chosen, ident.span);
        self.index.symbols[chosen].ty.clone()
    }
}
