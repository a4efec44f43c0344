//! Check errors and warnings: what name resolution, typing, exceptions and time checks find.

use miette::Diagnostic;
use thiserror::Error;

use super::ir::FileId;
use super::suggest::did_you_mean_or;
use crate::syntax::Span;

/// A check finding together with the file it is in.
#[derive(Debug, Clone)]
pub struct Located {
    pub file: FileId,
    pub error: CheckError,
    /// Found in a `test` block: the test fails, but the policy and its other tests stand.
    pub in_test: bool,
}

/// A problem a policy has; warnings say so in their severity.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum CheckError {
    #[error("unknown name `{name}`")]
    #[diagnostic(
        code(licit::check::unknown_name),
        help(
            "{}",
            did_you_mean_or(suggestion.as_deref(),
                "declare it with `const`, `set` or `param`, or check the spelling"
            )
        )
    )]
    UnknownName {
        name: String,
        suggestion: Option<String>,
        #[label("not declared")]
        span: Span,
    },

    #[error("unknown type `{name}`")]
    #[diagnostic(
        code(licit::check::unknown_type),
        help(
            "{}",
            did_you_mean_or(suggestion.as_deref(),
                "the built-in types are `bool`, `int`, `decimal`, `text`, `date` and `duration`; others are declared with `enum` or `record`"
            )
        )
    )]
    UnknownType {
        name: String,
        suggestion: Option<String>,
        #[label("no such type")]
        span: Span,
    },

    #[error("`{record}` has no field `{field}`")]
    #[diagnostic(code(licit::check::unknown_field), help("{}", did_you_mean_or(suggestion.as_deref(), format!("the fields of `{record}` are {fields}"))))]
    UnknownField {
        record: String,
        field: String,
        fields: String,
        suggestion: Option<String>,
        #[label("unknown field")]
        span: Span,
    },

    #[error("missing field `{field}` of `{record}`")]
    #[diagnostic(
        code(licit::check::missing_field),
        help("give `{field}: …`, or declare a default for it in `{record}`")
    )]
    MissingField {
        record: String,
        field: String,
        #[label("`{field}` is required")]
        span: Span,
    },

    #[error("`{name}` is defined twice")]
    #[diagnostic(
        code(licit::check::duplicate_definition),
        help("`{name}` is first defined at {first}; rename one of them")
    )]
    DuplicateDefinition {
        name: String,
        first: String,
        #[label("second definition")]
        span: Span,
    },

    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(licit::check::type_mismatch), help("{help}"))]
    TypeMismatch {
        expected: String,
        found: String,
        help: String,
        #[label("this is {found}")]
        span: Span,
    },

    #[error("`{op}` cannot be applied to {left} and {right}")]
    #[diagnostic(code(licit::check::operator_types), help("{help}"))]
    OperatorTypes {
        op: String,
        left: String,
        right: String,
        help: String,
        #[label("{left} {op} {right}")]
        span: Span,
    },

    #[error("condition is {found}, not a boolean")]
    #[diagnostic(
        code(licit::check::not_boolean),
        help(
            "a condition must be true or false; compare the value, for example `… == …` or `… is some`"
        )
    )]
    NotBoolean {
        found: String,
        #[label("this is {found}")]
        span: Span,
    },

    #[error("`{value}` is not a member of `{enum_name}`")]
    #[diagnostic(code(licit::check::not_a_member), help("{}", did_you_mean_or(suggestion.as_deref(), format!("the members of `{enum_name}` are {members}"))))]
    NotAMember {
        value: String,
        enum_name: String,
        members: String,
        suggestion: Option<String>,
        #[label("not in `{enum_name}`")]
        span: Span,
    },

    #[error("`{name}` is a member of several enums: {enums}")]
    #[diagnostic(
        code(licit::check::ambiguous_member),
        help("qualify it, for example `{example}`")
    )]
    AmbiguousMember {
        name: String,
        enums: String,
        example: String,
        #[label("which one?")]
        span: Span,
    },

    #[error("`{name}` may be none here")]
    #[diagnostic(
        code(licit::check::maybe_none),
        help("test it first: `{name} is some and …`")
    )]
    MaybeNone {
        name: String,
        #[label("optional value used as if always present")]
        span: Span,
    },

    #[error("unknown verdict or obligation `{name}`")]
    #[diagnostic(
        code(licit::check::unknown_kind),
        help(
            "{}",
            did_you_mean_or(suggestion.as_deref(), "declare it in `verdicts` or with `obligation`")
        )
    )]
    UnknownKind {
        name: String,
        suggestion: Option<String>,
        #[label("not declared")]
        span: Span,
    },

    #[error("{problem}")]
    #[diagnostic(code(licit::check::wrong_argument), help("{help}"))]
    WrongArgument {
        problem: String,
        help: String,
        #[label("here")]
        span: Span,
    },

    #[error("a rule concludes at most one verdict")]
    #[diagnostic(
        code(licit::check::two_verdicts),
        help("split the rule, or make one of them an obligation")
    )]
    TwoVerdicts {
        #[label("second verdict")]
        span: Span,
    },

    #[error("rule `{rule}` has no citation")]
    #[diagnostic(
        code(licit::check::missing_citation),
        help("cite the article the rule encodes: `rule {rule} \"Art. 5(1)\"`")
    )]
    MissingCitation {
        rule: String,
        #[label("needs a citation")]
        span: Span,
    },

    #[error("unknown rule `{name}`")]
    #[diagnostic(
        code(licit::check::unknown_rule),
        help("{}", did_you_mean_or(suggestion.as_deref(), "name a rule of this policy"))
    )]
    UnknownRule {
        name: String,
        suggestion: Option<String>,
        #[label("no such rule")]
        span: Span,
    },

    #[error("`{exception}` concludes a verdict but `{base}` concludes none for it to replace")]
    #[diagnostic(
        code(licit::check::exception_replaces_nothing),
        help(
            "make `{exception}` an exception to a rule that concludes a verdict, or make it a rule of its own"
        )
    )]
    ExceptionReplacesNothing {
        exception: String,
        base: String,
        #[label("`{base}` only imposes obligations")]
        span: Span,
    },

    #[error("exceptions form a cycle: {cycle}")]
    #[diagnostic(
        code(licit::check::exception_cycle),
        help(
            "an exception cannot, through others, be an exception to itself; remove one `exception to`"
        )
    )]
    ExceptionCycle {
        cycle: String,
        #[label("the cycle closes here")]
        span: Span,
    },

    #[error("`until` {until} is before `from` {from}")]
    #[diagnostic(
        code(licit::check::period_reversed),
        help("swap the dates, or correct one of them")
    )]
    PeriodReversed {
        from: String,
        until: String,
        #[label("ends before it begins")]
        span: Span,
    },

    #[error("cannot use `{path}`: {reason}")]
    #[diagnostic(
        code(licit::check::missing_use),
        help("the path is relative to the file that says `use`{}", match hidden {
            0 => String::new(),
            1 => "; fix this first: 1 error about an unknown name or type is not shown, as it may come from this file".to_string(),
            n => format!("; fix this first: {n} errors about unknown names and types are not shown, as they may all come from this file"),
        })
    )]
    MissingUse {
        path: String,
        reason: String,
        /// How many errors about unknown names and types are hidden behind this one.
        hidden: usize,
        #[label("not found")]
        span: Span,
    },

    #[error("cannot amend `{path}`: {reason}")]
    #[diagnostic(
        code(licit::check::missing_base),
        help(
            "`amends` takes the path of the amended policy's directory, relative to this policy's directory"
        )
    )]
    MissingBase {
        path: String,
        reason: String,
        #[label("not found")]
        span: Span,
    },

    #[error("{problem}")]
    #[diagnostic(code(licit::check::policy_shape), help("{help}"))]
    PolicyShape {
        problem: String,
        help: String,
        #[label("here")]
        span: Span,
    },

    #[error("unknown function `{name}`")]
    #[diagnostic(
        code(licit::check::unknown_function),
        help(
            "{}",
            did_you_mean_or(suggestion.as_deref(),
                "the functions are `starts_with(text, prefix)`, `count(set)` and `end_of_year(date)`"
            )
        )
    )]
    UnknownFunction {
        name: String,
        suggestion: Option<String>,
        #[label("no such function")]
        span: Span,
    },

    #[error("cannot tell the type of {what}")]
    #[diagnostic(code(licit::check::needs_type), help("{help}"))]
    NeedsType {
        what: String,
        help: String,
        #[label("type unknown")]
        span: Span,
    },

    #[error("{what} `{name}` is never used")]
    #[diagnostic(
        code(licit::check::unused),
        severity(Warning),
        help("remove it, or use it in a rule")
    )]
    Unused {
        what: &'static str,
        name: String,
        #[label("unused")]
        span: Span,
    },

    #[error("rule `{rule}` is never in force while the policy is")]
    #[diagnostic(
        code(licit::check::never_in_force),
        severity(Warning),
        help("the policy is in force {policy_period}; the rule {rule_period}")
    )]
    NeverInForce {
        rule: String,
        policy_period: String,
        rule_period: String,
        #[label("never in force")]
        span: Span,
    },

    #[error("exception `{exception}` is never in force when `{base}` is")]
    #[diagnostic(
        code(licit::check::exception_out_of_force),
        severity(Warning),
        help(
            "`{exception}` is in force {exception_period}, `{base}` {base_period}; correct a date, or make it an exception to the rule in force then"
        )
    )]
    ExceptionOutOfForce {
        exception: String,
        base: String,
        exception_period: String,
        base_period: String,
        #[label("never in force together")]
        span: Span,
    },

    #[error("condition does not depend on the case")]
    #[diagnostic(
        code(licit::check::constant_condition),
        severity(Warning),
        help("it reads no fact of the case; make it depend on `case` or a `param`, or remove it")
    )]
    ConstantCondition {
        #[label("does not depend on the case")]
        span: Span,
    },
}

impl CheckError {
    /// Whether this finding is a warning rather than an error.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            CheckError::Unused { .. }
                | CheckError::NeverInForce { .. }
                | CheckError::ConstantCondition { .. }
                | CheckError::ExceptionOutOfForce { .. }
        )
    }
}
