//! The abstract syntax tree of a `.licit` file, with spans; built from pest's pairs in `parse`.
//!
//! Nodes that carry a span have no `==`: a span compares by position, and the same tree written
//! elsewhere is still the same tree, so a derived equality would mislead. Only the span-free
//! enums (`BinaryOp`, `IsTest`, `IsWhat`, `Quantifier`) compare.

#![expect(
    missing_docs,
    reason = "the AST is internal: it is reached from outside only through `licit::internals`, by the formatter's tests"
)]

use super::calendar::{Date, Duration};
use super::span::Span;

/// A name as written, with its place.
#[derive(Debug, Clone)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal as written (escapes resolved), with its place.
#[derive(Debug, Clone)]
pub struct Str {
    pub text: String,
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone)]
pub struct File {
    pub header: Option<Header>,
    pub declarations: Vec<Declaration>,
}

/// `policy "title" source "…" in force from D until D`
#[derive(Debug, Clone)]
pub struct Header {
    pub title: Str,
    pub source: Option<Str>,
    pub in_force: Period,
    /// `amends "path"`: the policy this one amends.
    pub amends: Option<Str>,
    pub span: Span,
}

/// A date as written.
#[derive(Debug, Clone, Copy)]
pub struct DateLit {
    pub date: Date,
    pub span: Span,
}

/// `from D until D`; both ends inclusive, either may be absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Period {
    pub from: Option<DateLit>,
    pub until: Option<DateLit>,
}

/// A top-level declaration.
#[derive(Debug, Clone)]
pub enum Declaration {
    Use(Str),
    Enum(EnumDecl),
    Record(RecordDecl),
    Const(ConstDecl),
    Set(SetDecl),
    Param(ParamDecl),
    Verdicts(Vec<KindDecl>, Span),
    Otherwise(Ident),
    Obligation(KindDecl),
    Rule(RuleDecl),
    Test(TestDecl),
    /// `assert "name" when … expect …`
    Assert(AssertDecl),
    /// `assume "text" that …`
    Assume(AssumeDecl),
    /// `add rule …` in an amendment.
    AddRule(RuleDecl),
    /// `replace rule …` in an amendment.
    ReplaceRule(RuleDecl),
    /// `repeal rule name "citation"` in an amendment.
    RepealRule {
        name: Ident,
        citation: Option<Str>,
        span: Span,
    },
    /// `change set name "citation" += {…}` (`add`) or `-= {…}` in an amendment.
    ChangeSet {
        name: Ident,
        citation: Option<Str>,
        add: bool,
        members: Vec<Dated<Expr>>,
        span: Span,
    },
    /// `change const name "citation" = …` or `change param …` in an amendment.
    ChangeValue {
        name: Ident,
        citation: Option<Str>,
        is_param: bool,
        versions: Vec<Dated<Expr>>,
        span: Span,
    },
}

/// `enum Name { a, b }`
#[derive(Debug, Clone)]
pub struct EnumDecl {
    pub name: Ident,
    pub members: Vec<Ident>,
}

/// `record Name { … }` or `input Name { … }`
#[derive(Debug, Clone)]
pub struct RecordDecl {
    pub name: Ident,
    pub is_input: bool,
    pub fields: Vec<FieldDecl>,
}

/// `name: type = default`
#[derive(Debug, Clone)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
}

/// A written type.
#[derive(Debug, Clone)]
pub enum TypeExpr {
    Named(Ident),
    Set(Box<TypeExpr>, Span),
    Optional(Box<TypeExpr>, Span),
}

impl TypeExpr {
    /// Where the type is written.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(ident) => ident.span,
            TypeExpr::Set(_, span) | TypeExpr::Optional(_, span) => *span,
        }
    }
}

/// `const name: type = value [period], value`
#[derive(Debug, Clone)]
pub struct ConstDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub versions: Vec<Dated<Expr>>,
}

/// A value with the period in which it holds.
#[derive(Debug, Clone)]
pub struct Dated<T> {
    pub value: T,
    pub period: Period,
}

/// `set name: ElementType = { member [period], … }`
#[derive(Debug, Clone)]
pub struct SetDecl {
    pub name: Ident,
    pub element_type: Option<TypeExpr>,
    pub members: Vec<Dated<Expr>>,
    pub span: Span,
}

/// `param name: type = default`
#[derive(Debug, Clone)]
pub struct ParamDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Expr,
}

/// A verdict or obligation kind: `authorised(basis: text)`.
#[derive(Debug, Clone)]
pub struct KindDecl {
    pub name: Ident,
    pub params: Vec<(Ident, TypeExpr)>,
}

/// A rule.
#[derive(Debug, Clone)]
pub struct RuleDecl {
    pub name: Ident,
    pub citation: Option<Str>,
    pub exception_to: Vec<Ident>,
    pub in_force: Option<Period>,
    /// `for x in S`: the variable and the set it ranges over.
    pub for_each: Option<(Ident, Expr)>,
    pub when: Option<Expr>,
    pub then: Vec<Conclusion>,
    pub because: Option<Template>,
    /// `allow finding "reason"` clauses: analysis findings that are intended.
    pub allows: Vec<(Ident, Str)>,
    pub span: Span,
}

/// A property every case must have.
#[derive(Debug, Clone)]
pub struct AssertDecl {
    pub name: Str,
    pub when: Option<Expr>,
    pub expect: AssertExpectation,
    pub span: Span,
}

/// `assume "text" that condition`: what every case is taken to be.
#[derive(Debug, Clone)]
pub struct AssumeDecl {
    /// The assumption in words; also its name.
    pub text: Str,
    pub condition: Expr,
    pub span: Span,
}

/// What an assertion expects of every case in its scope.
#[derive(Debug, Clone)]
pub enum AssertExpectation {
    /// The verdict is one of these kinds.
    Verdicts(Vec<Ident>),
    /// The rule does not decide.
    NotDecidedBy(Ident),
}

/// `kind(name: value, …)`: a verdict or an obligation with its arguments.
#[derive(Debug, Clone)]
pub struct Conclusion {
    pub name: Ident,
    pub args: Vec<Arg>,
    pub span: Span,
}

/// `name: value`
#[derive(Debug, Clone)]
pub struct Arg {
    pub name: Ident,
    pub value: Expr,
}

/// A `because` text with interpolated expressions.
#[derive(Debug, Clone)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    pub span: Span,
}

/// A piece of a template.
#[derive(Debug, Clone)]
pub enum TemplatePart {
    Text(String),
    Hole(Expr),
}

/// `test "name" { given {…} param p = v expect … }`
#[derive(Debug, Clone)]
pub struct TestDecl {
    pub name: Str,
    pub given: Option<Expr>,
    pub params: Vec<(Ident, Expr)>,
    pub expectations: Vec<Expectation>,
    pub span: Span,
}

/// What a test expects of the decision.
#[derive(Debug, Clone)]
pub enum Expectation {
    /// The rendered explanation equals the file stored for the test.
    Explanation(Span),
    Verdict(Conclusion),
    DecidedBy(Ident),
    Applied(Ident),
    NotApplied(Ident),
    Suppressed {
        rule: Ident,
        by: Ident,
    },
    Obligation(Conclusion),
    NoObligation(Ident),
}

/// An expression with its place.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The forms of expression.
#[derive(Debug, Clone)]
pub enum ExprKind {
    Bool(bool),
    Int(i64),
    /// An exact decimal, as written.
    Decimal(String),
    Text(String),
    Date(Date),
    Duration(Duration),
    None,
    Name(Ident),
    Field(Box<Expr>, Ident),
    Call(Ident, Vec<Expr>),
    Set(Vec<Expr>),
    Record(Vec<Arg>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Is(Box<Expr>, IsTest),
    Quantifier(Quantifier, Ident, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// Binary operators other than `and` and `or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Add,
    Sub,
    Mul,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
        }
    }
}

/// `is none`, `is some`, `is empty`, and their negations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsTest {
    pub negated: bool,
    pub what: IsWhat,
}

/// What `is` tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsWhat {
    None,
    Some,
    Empty,
}

/// `some` or `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Some,
    Every,
}
