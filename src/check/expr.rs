//! Typing expressions: name resolution (with enum members resolved by the type expected),
//! operator types, narrowing of optional values after `is some`, and the facts a condition reads.

use super::error::CheckError;
use super::ir::{self, Arith, Compare, Expr, Type};
use super::suggest;
use super::{Checker, TypeSymbol, ValueSymbol};
use crate::syntax::Span;
use crate::syntax::ast::{self, BinaryOp, ExprKind, IsWhat};
use crate::syntax::limits::{STACK_GROWTH, STACK_RED_ZONE};

/// What an expression may refer to, and what it has read.
pub(super) struct Ctx {
    /// Whether `case` may be read (not in constants, defaults and test literals).
    allow_case: bool,
    /// Whether parameters may be read (not in an assumption, which holds whatever a run's
    /// parameters are).
    allow_params: bool,
    /// Quantifier variables, innermost last.
    locals: Vec<Local>,
    /// Variables of the quantifiers whose bodies have ended, with `some` or `every`: a name
    /// read after its quantifier is told so rather than called unknown.
    ended: Vec<(String, &'static str)>,
    /// Paths known to be present here (`case.item.annex_i` after `… is some and`).
    narrowed: Vec<String>,
    /// The facts read, for explanations: `case.destination`, a parameter.
    pub observed: Vec<(String, Expr)>,
    reads_facts: bool,
}

/// A variable bound by a rule's `for` or by `some`/`every`.
struct Local {
    name: String,
    ty: Type,
    /// Whether the set it ranges over reads a fact of the case or a parameter: a condition that
    /// reads the variable then depends on the case too, though it names no fact itself.
    reads_facts: bool,
}

impl Ctx {
    /// The context of a rule's condition or conclusion.
    pub fn rule() -> Ctx {
        Ctx {
            allow_case: true,
            allow_params: true,
            locals: Vec::new(),
            ended: Vec::new(),
            narrowed: Vec::new(),
            observed: Vec::new(),
            reads_facts: false,
        }
    }

    /// The context of a constant, a default, a parameter, or a test's literal.
    pub fn constant() -> Ctx {
        Ctx {
            allow_case: false,
            ..Ctx::rule()
        }
    }

    /// The context of an assumption's condition: the case, constants and sets, no parameters.
    pub fn assumption() -> Ctx {
        Ctx {
            allow_params: false,
            ..Ctx::rule()
        }
    }

    /// Binds a variable (a rule's `for`) for everything checked in this context;
    /// `reads_facts` says whether its set reads a fact of the case or a parameter.
    pub fn bind(&mut self, name: &str, ty: Type, reads_facts: bool) {
        self.locals.push(Local {
            name: name.to_string(),
            ty,
            reads_facts,
        });
    }

    /// Forgets what was read so far.
    pub fn reset_observed(&mut self) {
        self.observed.clear();
        self.reads_facts = false;
    }

    /// Whether a fact of the case or a parameter was read since the last reset.
    pub fn reads_facts_since_reset(&self) -> bool {
        self.reads_facts
    }
}

/// The path an expression names, `case.item.annex_i`, if it is one.
fn path_key(expr: &ast::Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Name(name) => Some(name.name.clone()),
        ExprKind::Field(base, field) => Some(format!("{}.{}", path_key(base)?, field.name)),
        _ => None,
    }
}

/// After a true conjunct, the paths it proves present: `x is some`, `x is not none`.
pub(super) fn narrow_after(condition: &ast::Expr, ctx: &mut Ctx) {
    match &condition.kind {
        ExprKind::Is(inner, test) => {
            let present = matches!(
                (test.what, test.negated),
                (IsWhat::Some, false) | (IsWhat::None, true)
            );
            if present && let Some(key) = path_key(inner) {
                ctx.narrowed.push(key);
            }
        }
        ExprKind::And(operands) => {
            for operand in operands {
                narrow_after(operand, ctx);
            }
        }
        _ => {}
    }
}

/// After a false disjunct, the paths it proves present: `x is none or …`.
fn narrow_after_false(condition: &ast::Expr, ctx: &mut Ctx) {
    if let ExprKind::Is(inner, test) = &condition.kind {
        let present = matches!(
            (test.what, test.negated),
            (IsWhat::None, false) | (IsWhat::Some, true)
        );
        if present && let Some(key) = path_key(inner) {
            ctx.narrowed.push(key);
        }
    }
}

impl Checker<'_> {
    /// How a type is named in messages.
    pub(super) fn type_name(&self, ty: &Type) -> String {
        format!("`{}`", self.type_text(ty))
    }

    fn type_text(&self, ty: &Type) -> String {
        super::ir::type_text(&self.enums, &self.records, ty)
    }

    /// The element type of a set, or an error (reported once, with `help`) when `ty` is not a set.
    pub(super) fn set_element(&mut self, ty: &Type, span: Span, help: &str) -> Type {
        match ty {
            Type::Set(element) => (**element).clone(),
            Type::Error => Type::Error,
            other => {
                let found = self.type_name(other);
                self.error(CheckError::TypeMismatch {
                    expected: "a set".to_string(),
                    found,
                    help: help.to_string(),
                    span,
                });
                Type::Error
            }
        }
    }

    /// Whether a value of type `found` may stand where `expected` is wanted.
    pub(super) fn fits(found: &Type, expected: &Type) -> bool {
        match (found, expected) {
            (Type::Error, _) | (_, Type::Error) => true,
            (Type::NoneLiteral, Type::Optional(_)) => true,
            (Type::Optional(f), Type::Optional(e)) => Self::fits(f, e),
            (f, Type::Optional(e)) => Self::fits(f, e),
            (Type::Set(f), Type::Set(e)) => Self::fits(f, e),
            (f, e) => f == e,
        }
    }

    /// Checks a condition: a boolean expression.
    pub(super) fn condition(&mut self, expr: &ast::Expr, ctx: &mut Ctx) -> Expr {
        let (checked, ty) = self.expr(expr, Some(&Type::Bool), ctx);
        if !Self::fits(&ty, &Type::Bool) {
            let found = self.type_name(&ty);
            self.error(CheckError::NotBoolean {
                found,
                span: expr.span,
            });
        }
        checked
    }

    /// Checks an expression that must have the given type.
    pub(super) fn expect_type(&mut self, expr: &ast::Expr, expected: &Type, ctx: &mut Ctx) -> Expr {
        let (checked, found) = self.expr(expr, Some(expected), ctx);
        if !Self::fits(&found, expected) {
            self.mismatch(expected, &found, expr.span);
        }
        checked
    }

    fn mismatch(&mut self, expected: &Type, found: &Type, span: Span) {
        let help = match (expected.unwrap_optional(), found.unwrap_optional()) {
            (Type::Decimal, Type::Int) => {
                "there are no implicit conversions; write the number with a decimal point, `5.0`"
                    .to_string()
            }
            (inner, Type::Optional(_)) | (inner, _)
                if matches!(found, Type::Optional(_))
                    && Self::fits(found.unwrap_optional(), inner) =>
            {
                "the value may be none; test it first with `… is some and …`".to_string()
            }
            (Type::Set(_), _) => "write a set in braces: `{a, b}`".to_string(),
            _ => format!("give a value of type {}", self.type_name(expected)),
        };
        let expected = self.type_name(expected);
        let found = self.type_name(found);
        self.error(CheckError::TypeMismatch {
            expected,
            found,
            help,
            span,
        });
    }

    /// Types an expression; `expected` guides enum members, empty sets, records and `none`.
    pub(super) fn expr(
        &mut self,
        expr: &ast::Expr,
        expected: Option<&Type>,
        ctx: &mut Ctx,
    ) -> (Expr, Type) {
        // The syntax layer bounds nesting; this keeps small thread stacks safe all the same.
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || {
            self.expr_unguarded(expr, expected, ctx)
        })
    }

    // Long by design: one short arm per kind of expression, read as a table; the kinds that
    // need more (paths, names, calls, literals, binary operators) have methods of their own.
    fn expr_unguarded(
        &mut self,
        expr: &ast::Expr,
        expected: Option<&Type>,
        ctx: &mut Ctx,
    ) -> (Expr, Type) {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Bool(value) => (Expr::Bool(*value), Type::Bool),
            ExprKind::Int(value) => (Expr::Int(*value), Type::Int),
            ExprKind::Decimal(text) => match ir::kept_decimal(text) {
                Some(value) => (Expr::Decimal(value), Type::Decimal),
                None => {
                    self.error(CheckError::DecimalRange {
                        bound: text.trim_start_matches('-').to_string(),
                        span,
                    });
                    (Expr::Bool(false), Type::Error)
                }
            },
            ExprKind::Text(text) => (Expr::Text(text.clone()), Type::Text),
            ExprKind::Date(date) => (Expr::Date(*date), Type::Date),
            ExprKind::Duration(duration) => (Expr::Duration(*duration), Type::Duration),
            ExprKind::None => match expected {
                Some(Type::Optional(inner)) => (Expr::None, Type::Optional(inner.clone())),
                _ => (Expr::None, Type::NoneLiteral),
            },
            ExprKind::Name(_) | ExprKind::Field(..) => {
                let (checked, ty) = self.path(expr, expected, ctx);
                let is_fact =
                    matches!(path_root(&checked), Some(Expr::Case) | Some(Expr::Param(_)));
                if is_fact {
                    ctx.reads_facts = true;
                    let text = path_key(expr).unwrap_or_default();
                    if !ctx.observed.iter().any(|(seen, _)| *seen == text) {
                        ctx.observed.push((text, checked.clone()));
                    }
                }
                (checked, ty)
            }
            ExprKind::Call(name, args) => self.call(name, args, span, ctx),
            ExprKind::Set(members) => self.set_literal(members, expected, span, ctx),
            ExprKind::Record(fields) => self.record_literal(fields, expected, span, ctx),
            ExprKind::Not(inner) => {
                let checked = self.condition(inner, ctx);
                (Expr::Not(Box::new(checked)), Type::Bool)
            }
            ExprKind::And(operands) | ExprKind::Or(operands) => {
                let is_and = matches!(expr.kind, ExprKind::And(_));
                let narrowed_before = ctx.narrowed.len();
                let mut checked = Vec::new();
                for operand in operands {
                    checked.push(self.condition(operand, ctx));
                    if is_and {
                        narrow_after(operand, ctx);
                    } else {
                        narrow_after_false(operand, ctx);
                    }
                }
                ctx.narrowed.truncate(narrowed_before);
                let combined = if is_and {
                    Expr::And(checked)
                } else {
                    Expr::Or(checked)
                };
                (combined, Type::Bool)
            }
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, span, ctx),
            ExprKind::Is(inner, test) => {
                let (checked, ty) = self.expr(inner, None, ctx);
                let result = match test.what {
                    IsWhat::None | IsWhat::Some => {
                        if !matches!(ty, Type::Optional(_) | Type::Error | Type::NoneLiteral) {
                            let found = self.type_name(&ty);
                            self.error(CheckError::TypeMismatch {
                                expected: "an optional value".to_string(),
                                found: found.clone(),
                                help: format!(
                                    "{found} is never none, so `is none` and `is some` do not apply"
                                ),
                                span: inner.span,
                            });
                        }
                        let is_none = Expr::IsNone(Box::new(checked));
                        let negate = (test.what == IsWhat::Some) != test.negated;
                        if negate {
                            Expr::Not(Box::new(is_none))
                        } else {
                            is_none
                        }
                    }
                    IsWhat::Empty => {
                        self.set_element(&ty, inner.span, "`is empty` applies to sets");
                        let is_empty = Expr::IsEmpty(Box::new(checked));
                        if test.negated {
                            Expr::Not(Box::new(is_empty))
                        } else {
                            is_empty
                        }
                    }
                };
                (result, Type::Bool)
            }
            ExprKind::Quantifier(quantifier, variable, set, body) => {
                // Whether the set reads a fact is asked of the set alone, then added to
                // what the condition read before it.
                let read_before = std::mem::replace(&mut ctx.reads_facts, false);
                let (set_checked, set_ty) = self.expr(set, None, ctx);
                let set_reads_facts = ctx.reads_facts;
                ctx.reads_facts |= read_before;
                let element = self.set_element(
                    &set_ty,
                    set.span,
                    "`some` and `every` range over the members of a set",
                );
                ctx.bind(&variable.name, element, set_reads_facts);
                let body_checked = self.condition(body, ctx);
                ctx.locals.pop();
                let word = match quantifier {
                    ast::Quantifier::Some => "some",
                    ast::Quantifier::Every => "every",
                };
                ctx.ended.push((variable.name.clone(), word));
                (
                    Expr::Quantifier {
                        every: *quantifier == ast::Quantifier::Every,
                        set: Box::new(set_checked),
                        body: Box::new(body_checked),
                    },
                    Type::Bool,
                )
            }
            ExprKind::If(condition, then, otherwise) => {
                let condition_checked = self.condition(condition, ctx);
                let narrowed_before = ctx.narrowed.len();
                narrow_after(condition, ctx);
                let (then_checked, then_ty) = self.expr(then, expected, ctx);
                ctx.narrowed.truncate(narrowed_before);
                let result_ty = if then_ty == Type::NoneLiteral {
                    expected.cloned().unwrap_or(then_ty)
                } else {
                    then_ty
                };
                let else_checked = self.expect_type(otherwise, &result_ty, ctx);
                (
                    Expr::If(
                        Box::new(condition_checked),
                        Box::new(then_checked),
                        Box::new(else_checked),
                    ),
                    result_ty,
                )
            }
        }
    }

    /// Resolves a name or a chain of field accesses.
    fn path(&mut self, expr: &ast::Expr, expected: Option<&Type>, ctx: &mut Ctx) -> (Expr, Type) {
        let key = path_key(expr);
        let narrowed = key.as_ref().is_some_and(|key| ctx.narrowed.contains(key));
        let (checked, ty) = match &expr.kind {
            ExprKind::Name(name) => self.name(name, expected, ctx),
            ExprKind::Field(base, field) => {
                // `Country.NO`: a member named with its enum.
                if let ExprKind::Name(base_name) = &base.kind
                    && let Some((TypeSymbol::Enum(index), _)) =
                        self.types.get(&base_name.name).copied()
                    && !ctx.locals.iter().any(|local| local.name == base_name.name)
                    && !self.values.contains_key(&base_name.name)
                {
                    self.used_types[index] = true;
                    return self.member_of(index, field);
                }
                let (base_checked, base_ty) = self.path(base, None, ctx);
                match &base_ty {
                    Type::Record(record) => {
                        let record = *record;
                        match self.records[record].field_index(&field.name) {
                            Some(position) => {
                                let ty = self.records[record].fields[position].ty.clone();
                                (Expr::Field(Box::new(base_checked), position), ty)
                            }
                            None => {
                                let fields: Vec<&str> = self.records[record]
                                    .fields
                                    .iter()
                                    .map(|f| f.name.as_str())
                                    .collect();
                                let suggestion =
                                    suggest::closest(&field.name, fields.iter().copied());
                                let fields = fields
                                    .iter()
                                    .map(|f| format!("`{f}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ");
                                self.error(CheckError::UnknownField {
                                    record: self.records[record].name.clone(),
                                    field: field.name.clone(),
                                    fields,
                                    suggestion,
                                    span: field.span,
                                });
                                (Expr::Bool(false), Type::Error)
                            }
                        }
                    }
                    Type::Optional(inner) if matches!(**inner, Type::Record(_)) => {
                        self.error(CheckError::MaybeNone {
                            name: path_key(base).unwrap_or_default(),
                            span: base.span,
                        });
                        (Expr::Bool(false), Type::Error)
                    }
                    Type::Error => (Expr::Bool(false), Type::Error),
                    other => {
                        let found = self.type_name(other);
                        self.error(CheckError::TypeMismatch {
                            expected: "a record".to_string(),
                            found,
                            help: format!(
                                "only records have fields; `.{}` cannot be read here",
                                field.name
                            ),
                            span: base.span,
                        });
                        (Expr::Bool(false), Type::Error)
                    }
                }
            }
            _ => self.expr(expr, expected, ctx),
        };
        if narrowed && let Type::Optional(inner) = ty {
            return (checked, *inner);
        }
        (checked, ty)
    }

    fn name(&mut self, name: &ast::Ident, expected: Option<&Type>, ctx: &mut Ctx) -> (Expr, Type) {
        if let Some(depth) = ctx
            .locals
            .iter()
            .rev()
            .position(|local| local.name == name.name)
        {
            let local = &ctx.locals[ctx.locals.len() - 1 - depth];
            let ty = local.ty.clone();
            if local.reads_facts {
                ctx.reads_facts = true;
            }
            return (Expr::Local(depth), ty);
        }
        if name.name == "case" {
            if !ctx.allow_case {
                self.error(CheckError::CaseOutsideRule { span: name.span });
                return (Expr::Bool(false), Type::Error);
            }
            return match self.input {
                Some(input) => (Expr::Case, Type::Record(input)),
                None => (Expr::Bool(false), Type::Error),
            };
        }
        if let Some((symbol, _)) = self.values.get(&name.name).copied() {
            self.used_values.insert(symbol, true);
            return match symbol {
                ValueSymbol::Const(index) => {
                    self.check_const(index);
                    (Expr::Const(index), self.consts[index].ty.clone())
                }
                ValueSymbol::Set(index) => {
                    self.check_set(index);
                    (
                        Expr::NamedSet(index),
                        Type::Set(Box::new(self.sets[index].element.clone())),
                    )
                }
                ValueSymbol::Param(index) => {
                    if !ctx.allow_params {
                        self.error(CheckError::ParamInAssumption {
                            name: name.name.clone(),
                            span: name.span,
                        });
                        return (Expr::Bool(false), Type::Error);
                    }
                    ctx.reads_facts = true;
                    (Expr::Param(index), self.params[index].ty.clone())
                }
            };
        }
        // An enum member: by the type expected, else by its unique enum.
        let expected_enum = expected.and_then(|ty| match ty.unwrap_optional() {
            Type::Enum(index) => Some(*index),
            Type::Set(inner) => match inner.unwrap_optional() {
                Type::Enum(index) => Some(*index),
                _ => None,
            },
            _ => None,
        });
        if let Some(index) = expected_enum {
            return self.member_of(index, name);
        }
        if let Some(owners) = self.members.get(&name.name).cloned() {
            if let [(enum_index, member)] = owners.as_slice() {
                self.used_types[*enum_index] = true;
                return (Expr::Member(*enum_index, *member), Type::Enum(*enum_index));
            }
            let enums: Vec<String> = owners
                .iter()
                .map(|(e, _)| format!("`{}`", self.enums[*e].name))
                .collect();
            let example = format!("{}.{}", self.enums[owners[0].0].name, name.name);
            self.error(CheckError::AmbiguousMember {
                name: name.name.clone(),
                enums: enums.join(", "),
                example,
                span: name.span,
            });
            return (Expr::Bool(false), Type::Error);
        }
        if let Some((_, quantifier)) = ctx
            .ended
            .iter()
            .rev()
            .find(|(ended, _)| *ended == name.name)
        {
            self.error(CheckError::QuantifierEnded {
                name: name.name.clone(),
                quantifier,
                span: name.span,
            });
            return (Expr::Bool(false), Type::Error);
        }
        let mut candidates: Vec<&str> = self.values.keys().map(String::as_str).collect();
        candidates.extend(ctx.locals.iter().map(|local| local.name.as_str()));
        candidates.extend(self.members.keys().map(String::as_str));
        if ctx.allow_case {
            candidates.push("case");
        }
        let suggestion = suggest::closest(&name.name, candidates);
        self.error(CheckError::UnknownName {
            name: name.name.clone(),
            suggestion,
            span: name.span,
        });
        (Expr::Bool(false), Type::Error)
    }

    fn member_of(&mut self, enum_index: usize, name: &ast::Ident) -> (Expr, Type) {
        self.used_types[enum_index] = true;
        match self.enums[enum_index]
            .members
            .iter()
            .position(|m| *m == name.name)
        {
            Some(member) => (Expr::Member(enum_index, member), Type::Enum(enum_index)),
            None => {
                let members = &self.enums[enum_index].members;
                let suggestion = suggest::closest(&name.name, members.iter().map(String::as_str));
                let listed: Vec<String> =
                    members.iter().take(12).map(|m| format!("`{m}`")).collect();
                let more = if members.len() > 12 {
                    format!(" and {} more", members.len() - 12)
                } else {
                    String::new()
                };
                self.error(CheckError::NotAMember {
                    value: name.name.clone(),
                    enum_name: self.enums[enum_index].name.clone(),
                    members: format!("{}{more}", listed.join(", ")),
                    suggestion,
                    span: name.span,
                });
                (Expr::Bool(false), Type::Error)
            }
        }
    }

    fn call(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        ctx: &mut Ctx,
    ) -> (Expr, Type) {
        let arity = |checker: &mut Checker<'_>, want: usize, usage: &str| -> bool {
            if args.len() == want {
                return true;
            }
            checker.error(CheckError::WrongArgument {
                problem: format!(
                    "`{}` takes {want} argument{}, not {}",
                    name.name,
                    if want == 1 { "" } else { "s" },
                    args.len()
                ),
                help: format!("write `{usage}`"),
                span,
            });
            false
        };
        match name.name.as_str() {
            "starts_with" => {
                if !arity(self, 2, "starts_with(text, prefix)") {
                    return (Expr::Bool(false), Type::Error);
                }
                // An optional text is allowed: none starts with nothing.
                let (text, text_ty) = self.expr(&args[0], Some(&Type::Text), ctx);
                if !Self::fits(&text_ty, &Type::Optional(Box::new(Type::Text))) {
                    self.mismatch(&Type::Text, &text_ty, args[0].span);
                }
                let prefix = self.expect_type(&args[1], &Type::Text, ctx);
                (
                    Expr::StartsWith(Box::new(text), Box::new(prefix)),
                    Type::Bool,
                )
            }
            "end_of_year" => {
                if !arity(self, 1, "end_of_year(date)") {
                    return (Expr::Bool(false), Type::Error);
                }
                let date = self.expect_type(&args[0], &Type::Date, ctx);
                (Expr::EndOfYear(Box::new(date)), Type::Date)
            }
            "count" => {
                if !arity(self, 1, "count(set)") {
                    return (Expr::Bool(false), Type::Error);
                }
                let (set, ty) = self.expr(&args[0], None, ctx);
                self.set_element(&ty, args[0].span, "`count` counts the members of a set");
                (Expr::Count(Box::new(set)), Type::Int)
            }
            other => {
                let suggestion = suggest::closest(other, ["starts_with", "count", "end_of_year"]);
                self.error(CheckError::UnknownFunction {
                    name: other.to_string(),
                    suggestion,
                    span: name.span,
                });
                (Expr::Bool(false), Type::Error)
            }
        }
    }

    fn set_literal(
        &mut self,
        members: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
        ctx: &mut Ctx,
    ) -> (Expr, Type) {
        // `{}` where a record is wanted: a record of all defaults.
        if members.is_empty()
            && let Some(Type::Record(_)) = expected.map(Type::unwrap_optional)
        {
            return self.record_literal(&[], expected, span, ctx);
        }
        let mut element = match expected.map(Type::unwrap_optional) {
            Some(Type::Set(element)) => Some((**element).clone()),
            _ => None,
        };
        let mut checked = Vec::new();
        for member in members {
            let expr = match &element {
                Some(ty) => self.expect_type(member, ty, ctx),
                None => {
                    let (expr, ty) = self.expr(member, None, ctx);
                    element = Some(ty);
                    expr
                }
            };
            if let Some(ty) = &element {
                self.check_kept(&expr, ty, member.span);
            }
            checked.push(expr);
        }
        match element {
            Some(element) => (
                Expr::SetLit(checked, element.clone()),
                Type::Set(Box::new(element)),
            ),
            None => {
                self.error(CheckError::NeedsType {
                    what: "`{}`".to_string(),
                    help: "compare with `is empty` instead, or use it where a set type is expected"
                        .to_string(),
                    span,
                });
                (Expr::Bool(false), Type::Error)
            }
        }
    }

    fn record_literal(
        &mut self,
        fields: &[ast::Arg],
        expected: Option<&Type>,
        span: Span,
        ctx: &mut Ctx,
    ) -> (Expr, Type) {
        let Some(Type::Record(record)) = expected.map(Type::unwrap_optional) else {
            self.error(CheckError::NeedsType {
                what: "this record".to_string(),
                help: "a record literal can only stand where a record type is expected, such as a field of the case".to_string(),
                span,
            });
            return (Expr::Bool(false), Type::Error);
        };
        let record = *record;
        let definition = self.records[record].clone();
        let mut values: Vec<Option<Expr>> = vec![None; definition.fields.len()];
        for field in fields {
            match definition.field_index(&field.name.name) {
                Some(position) => {
                    if values[position].is_some() {
                        self.error(CheckError::DuplicateDefinition {
                            name: field.name.name.clone(),
                            first: "an earlier field of this literal".to_string(),
                            span: field.name.span,
                        });
                        continue;
                    }
                    let ty = definition.fields[position].ty.clone();
                    let value = self.expect_type(&field.value, &ty, ctx);
                    self.check_kept(&value, &ty, field.value.span);
                    values[position] = Some(value);
                }
                None => {
                    let names: Vec<&str> =
                        definition.fields.iter().map(|f| f.name.as_str()).collect();
                    let suggestion = suggest::closest(&field.name.name, names.iter().copied());
                    let listed = names
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    self.error(CheckError::UnknownField {
                        record: definition.name.clone(),
                        field: field.name.name.clone(),
                        fields: listed,
                        suggestion,
                        span: field.name.span,
                    });
                }
            }
        }
        let mut filled = Vec::new();
        for (position, value) in values.into_iter().enumerate() {
            let field = &definition.fields[position];
            match (value, &field.default, &field.ty) {
                (Some(value), _, _) => filled.push(value),
                (None, Some(default), _) => filled.push(default.clone()),
                (None, None, Type::Optional(_)) => filled.push(Expr::None),
                (None, None, _) => {
                    self.error(CheckError::MissingField {
                        record: definition.name.clone(),
                        field: field.name.clone(),
                        span,
                    });
                    filled.push(Expr::Bool(false));
                }
            }
        }
        (Expr::RecordLit(record, filled), Type::Record(record))
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        left: &ast::Expr,
        right: &ast::Expr,
        span: Span,
        ctx: &mut Ctx,
    ) -> (Expr, Type) {
        match op {
            BinaryOp::In | BinaryOp::NotIn => self.membership(op, left, right, span, ctx),
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => self.comparison(op, left, right, span, ctx),
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul => {
                self.arithmetic(op, left, right, span, ctx)
            }
        }
    }

    /// `in` and `not in`: a value against the members of a set.
    fn membership(
        &mut self,
        op: BinaryOp,
        left: &ast::Expr,
        right: &ast::Expr,
        span: Span,
        ctx: &mut Ctx,
    ) -> (Expr, Type) {
        let (set, set_ty) = self.expr(right, None, ctx);
        let element = self.set_element(
            &set_ty,
            right.span,
            "`in` tests membership of a set; compare single values with `==`",
        );
        let (value, value_ty) = self.expr(left, Some(&element), ctx);
        if !Self::fits(&value_ty, &Type::Optional(Box::new(element.clone()))) {
            let left_name = self.type_name(&value_ty);
            let right_name = self.type_name(&set_ty);
            self.error(CheckError::OperatorTypes {
                op: op.symbol().to_string(),
                left: left_name,
                right: right_name.clone(),
                help: format!(
                    "the members of {right_name} are {}",
                    self.type_name(&element)
                ),
                span,
            });
        }
        let test = Expr::In(Box::new(value), Box::new(set));
        let result = if op == BinaryOp::NotIn {
            Expr::Not(Box::new(test))
        } else {
            test
        };
        (result, Type::Bool)
    }

    /// `==`, `!=`, `<`, `<=`, `>`, `>=`: two values of one type.
    fn comparison(
        &mut self,
        op: BinaryOp,
        left: &ast::Expr,
        right: &ast::Expr,
        span: Span,
        ctx: &mut Ctx,
    ) -> (Expr, Type) {
        // Type the side that can stand alone first, so that a bare enum member on the
        // other side is resolved by its type.
        let left_is_bare = matches!(&left.kind, ExprKind::Name(n) if self.is_bare_member(&n.name, ctx))
            || matches!(left.kind, ExprKind::None | ExprKind::Set(_));
        let (left_checked, left_ty, right_checked, right_ty) = if left_is_bare {
            let (r, rt) = self.expr(right, None, ctx);
            let (l, lt) = self.expr(left, Some(&rt), ctx);
            (l, lt, r, rt)
        } else {
            let (l, lt) = self.expr(left, None, ctx);
            let (r, rt) = self.expr(right, Some(&lt), ctx);
            (l, lt, r, rt)
        };
        let compare = match op {
            BinaryOp::Eq => Compare::Eq,
            BinaryOp::Ne => Compare::Ne,
            BinaryOp::Lt => Compare::Lt,
            BinaryOp::Le => Compare::Le,
            BinaryOp::Gt => Compare::Gt,
            _ => Compare::Ge,
        };
        let equality = matches!(compare, Compare::Eq | Compare::Ne);
        let compatible = if equality {
            Self::fits(
                &left_ty,
                &Type::Optional(Box::new(right_ty.unwrap_optional().clone())),
            ) && Self::fits(
                &right_ty,
                &Type::Optional(Box::new(left_ty.unwrap_optional().clone())),
            ) || (left_ty == Type::NoneLiteral || right_ty == Type::NoneLiteral)
        } else {
            left_ty == right_ty && matches!(left_ty, Type::Int | Type::Decimal | Type::Date)
                || matches!((&left_ty, &right_ty), (Type::Error, _) | (_, Type::Error))
        };
        if !compatible {
            let help = if !equality
                && (matches!(left_ty, Type::Optional(_)) || matches!(right_ty, Type::Optional(_)))
            {
                "the value may be none; test it first with `… is some and …`".to_string()
            } else if !equality && left_ty == Type::Duration {
                "durations in months and days cannot be ordered; compare the dates they lead to"
                    .to_string()
            } else if equality {
                "both sides of `==` must have the same type".to_string()
            } else {
                "order is defined for `int`, `decimal` and `date` values of the same type"
                    .to_string()
            };
            let left_name = self.type_name(&left_ty);
            let right_name = self.type_name(&right_ty);
            self.error(CheckError::OperatorTypes {
                op: op.symbol().to_string(),
                left: left_name,
                right: right_name,
                help,
                span,
            });
        }
        (
            Expr::Compare(compare, Box::new(left_checked), Box::new(right_checked)),
            Type::Bool,
        )
    }

    /// Reports a whole number, duration or decimal that a constant, parameter, default, set
    /// member or record field would keep and that may be beyond its kept range
    /// (`MAX_KEPT_INT`, `MAX_KEPT_DURATION`, `DecimalBound::KEPT`); the arithmetic on kept
    /// values is proven exact only within them.
    pub(super) fn check_kept(&mut self, expr: &Expr, ty: &Type, span: Span) {
        match ty.unwrap_optional() {
            Type::Int => {
                let bound = ir::int_magnitude(expr);
                if bound > u128::from(ir::MAX_KEPT_INT.unsigned_abs()) {
                    self.error(CheckError::IntRange {
                        bound: bound.to_string(),
                        span,
                    });
                }
            }
            Type::Decimal => {
                let bound = ir::decimal_magnitude(expr);
                if !bound.is_kept() {
                    self.error(CheckError::DecimalRange {
                        bound: bound.text(),
                        span,
                    });
                }
            }
            Type::Duration => {
                let (months, days) = ir::duration_magnitude(expr);
                let kept = u128::from(ir::MAX_KEPT_DURATION.unsigned_abs());
                if months > kept || days > kept {
                    self.error(CheckError::DurationRange {
                        bound: format!("{months} months and {days} days"),
                        span,
                    });
                }
            }
            _ => {}
        }
    }

    /// `+`, `-` and `*`: numbers of one type, dates and durations.
    fn arithmetic(
        &mut self,
        op: BinaryOp,
        left: &ast::Expr,
        right: &ast::Expr,
        span: Span,
        ctx: &mut Ctx,
    ) -> (Expr, Type) {
        let (left_checked, left_ty) = self.expr(left, None, ctx);
        let (right_checked, right_ty) = self.expr(right, None, ctx);
        let arith = match (op, &left_ty, &right_ty) {
            (BinaryOp::Add, Type::Int, Type::Int) => Some((Arith::AddInt, Type::Int)),
            (BinaryOp::Sub, Type::Int, Type::Int) => Some((Arith::SubInt, Type::Int)),
            (BinaryOp::Mul, Type::Int, Type::Int) => Some((Arith::MulInt, Type::Int)),
            (BinaryOp::Add, Type::Decimal, Type::Decimal) => {
                Some((Arith::AddDecimal, Type::Decimal))
            }
            (BinaryOp::Sub, Type::Decimal, Type::Decimal) => {
                Some((Arith::SubDecimal, Type::Decimal))
            }
            (BinaryOp::Mul, Type::Decimal, Type::Decimal) => {
                Some((Arith::MulDecimal, Type::Decimal))
            }
            (BinaryOp::Add, Type::Date, Type::Duration) => {
                Some((Arith::AddDateDuration, Type::Date))
            }
            (BinaryOp::Sub, Type::Date, Type::Duration) => {
                Some((Arith::SubDateDuration, Type::Date))
            }
            (BinaryOp::Add, Type::Duration, Type::Duration) => {
                Some((Arith::AddDuration, Type::Duration))
            }
            (BinaryOp::Sub, Type::Duration, Type::Duration) => {
                Some((Arith::SubDuration, Type::Duration))
            }
            _ => None,
        };
        match arith {
            Some((arith, ty)) => {
                let expr = Expr::Arith(arith, Box::new(left_checked), Box::new(right_checked));
                if ty == Type::Int {
                    let bound = ir::int_magnitude(&expr);
                    if bound > u128::from(i64::MAX.unsigned_abs()) {
                        self.error(CheckError::IntOverflow {
                            bound: bound.to_string(),
                            span,
                        });
                    }
                }
                if ty == Type::Decimal {
                    let bound = ir::decimal_magnitude(&expr);
                    if !bound.is_exact() {
                        self.error(CheckError::DecimalOverflow {
                            bound: bound.text(),
                            scale: bound.scale,
                            span,
                        });
                    }
                }
                if ty == Type::Duration {
                    let (months, days) = ir::duration_magnitude(&expr);
                    let most = u128::from(i32::MAX.unsigned_abs());
                    if months > most || days > most {
                        self.error(CheckError::DurationOverflow {
                            bound: format!("{months} months and {days} days"),
                            span,
                        });
                    }
                }
                (expr, ty)
            }
            None => {
                if !matches!((&left_ty, &right_ty), (Type::Error, _) | (_, Type::Error)) {
                    let help = if matches!(left_ty, Type::Optional(_))
                        || matches!(right_ty, Type::Optional(_))
                    {
                        "the value may be none; test it first with `… is some and …`".to_string()
                    } else if matches!(
                        (&left_ty, &right_ty),
                        (Type::Int, Type::Decimal) | (Type::Decimal, Type::Int)
                    ) {
                        "there are no implicit conversions; write whole numbers as decimals, `5.0`"
                            .to_string()
                    } else {
                        "`+` and `-` work on numbers of one type, on a date and a duration, and on durations; `*` on numbers".to_string()
                    };
                    let left_name = self.type_name(&left_ty);
                    let right_name = self.type_name(&right_ty);
                    self.error(CheckError::OperatorTypes {
                        op: op.symbol().to_string(),
                        left: left_name,
                        right: right_name,
                        help,
                        span,
                    });
                }
                (Expr::Bool(false), Type::Error)
            }
        }
    }

    /// Whether a bare name can only be an enum member (not a local, value or `case`).
    fn is_bare_member(&self, name: &str, ctx: &Ctx) -> bool {
        !ctx.locals.iter().any(|local| local.name == name)
            && name != "case"
            && !self.values.contains_key(name)
    }
}

/// The innermost base of a path: `case`, a parameter, a local, …
fn path_root(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Field(base, _) => path_root(base),
        Expr::Case | Expr::Param(_) | Expr::Local(_) | Expr::Const(_) | Expr::NamedSet(_) => {
            Some(expr)
        }
        _ => None,
    }
}
