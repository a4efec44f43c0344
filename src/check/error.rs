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
    #[error("this arithmetic may leave the range of whole numbers")]
    #[diagnostic(
        code(licit::check::int_overflow),
        help(
            "its operands allow a result as large as {bound}, beyond 9223372036854775807 (2^63 - 1); whole numbers that cases, constants, parameters, sets and records hold are at most 2^31 - 1 in size, so add at most two products of two of them, or use decimals"
        )
    )]
    IntOverflow {
        bound: String,
        #[label("may exceed 64 bits")]
        span: Span,
    },

    #[error("a whole number kept in a policy is at most 2^31 - 1 in size")]
    #[diagnostic(
        code(licit::check::int_range),
        help(
            "this value may be as large as {bound}; constants, parameters, defaults, set members and record fields hold whole numbers from -2147483647 to 2147483647, as cases do, so that arithmetic on them stays exact"
        )
    )]
    IntRange {
        bound: String,
        #[label("may exceed 2^31 - 1")]
        span: Span,
    },

    #[error("this sum of durations may be too long")]
    #[diagnostic(
        code(licit::check::duration_overflow),
        help(
            "its operands allow up to {bound}, beyond 2147483647 months or days; durations that cases, constants, parameters, sets and records hold are at most 16777216 months and 16777216 days"
        )
    )]
    DurationOverflow {
        bound: String,
        #[label("may exceed 2147483647 months or days")]
        span: Span,
    },

    #[error("a duration kept in a policy is at most 16777216 months and 16777216 days")]
    #[diagnostic(
        code(licit::check::duration_range),
        help(
            "this duration may be as long as {bound}; constants, parameters, defaults, set members and record fields hold durations of at most 16777216 (2^24) months and as many days, as cases do, so that sums of them stay exact"
        )
    )]
    DurationRange {
        bound: String,
        #[label("may exceed 2^24 months or days")]
        span: Span,
    },

    #[error("this decimal arithmetic may not be exact")]
    #[diagnostic(
        code(licit::check::decimal_overflow),
        help(
            "its operands allow a result as large as {bound}, with {scale} digits after the point; a decimal is exact up to 79228162514264337593543950335 (2^96 - 1) units of its last place and 28 digits after the point, and would be rounded beyond; decimals that cases, constants, parameters, sets and records hold have at most 10 digits before the point and 4 after, so add at most two products of two of them"
        )
    )]
    DecimalOverflow {
        bound: String,
        scale: u32,
        #[label("may be rounded")]
        span: Span,
    },

    #[error("a decimal kept in a policy has at most 10 digits before the point and 4 after")]
    #[diagnostic(
        code(licit::check::decimal_range),
        help(
            "this value may be as large as {bound}; literals, constants, parameters, defaults, set members and record fields hold decimals from -9999999999.9999 to 9999999999.9999 with at most 4 digits after the point, as cases do, so that arithmetic on them stays exact"
        )
    )]
    DecimalRange {
        bound: String,
        #[label("beyond 9999999999.9999 or 4 digits after the point")]
        span: Span,
    },

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

    /// A quantifier's variable read after its body ended: `(some x in s: x > 1) and x < 5`.
    /// (Without the parentheses, where the body ends is the syntax error
    /// `quantifier_body_unclear`, and this one is not reported.)
    #[error("`{name}` is not bound here: the body of its `{quantifier}` has ended")]
    #[diagnostic(
        code(licit::check::quantifier_ended),
        help("move what reads `{name}` into the body: `{quantifier} {name} in …: (… and …)`")
    )]
    QuantifierEnded {
        name: String,
        /// `some` or `every`.
        quantifier: &'static str,
        #[label("`{name}` is out of its quantifier here")]
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

    #[error(
        "rule `{rule}` is an exception more than {} levels deep",
        crate::syntax::limits::MAX_EXCEPTION_DEPTH
    )]
    #[diagnostic(
        code(licit::check::exception_too_deep),
        help(
            "a chain of exceptions to exceptions has at most {} links; make some of these rules exceptions to an earlier rule of the chain",
            crate::syntax::limits::MAX_EXCEPTION_DEPTH
        )
    )]
    ExceptionTooDeep {
        rule: String,
        #[label("the chain grows too long here")]
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

    #[error("a policy has one `policy` header")]
    #[diagnostic(
        code(licit::check::duplicate_header),
        help(
            "the header is already given at {first}; remove this one, or make this file a separate policy"
        )
    )]
    DuplicateHeader {
        first: String,
        #[label("here")]
        span: Span,
    },

    #[error("the policy has no `policy` header")]
    #[diagnostic(
        code(licit::check::missing_header),
        help("begin one file with `policy \"title\" source \"…\" in force from YYYY-MM-DD`")
    )]
    MissingHeader {
        #[label("here")]
        span: Span,
    },

    #[error("a policy has one `input` record")]
    #[diagnostic(
        code(licit::check::duplicate_input),
        help("`{first}` is already the input; declare this one with `record`")
    )]
    DuplicateInput {
        first: String,
        #[label("here")]
        span: Span,
    },

    #[error("the policy declares no `input` record")]
    #[diagnostic(
        code(licit::check::missing_input),
        help("declare the shape of a case: `input Case {{ date: date, … }}`")
    )]
    MissingInput {
        #[label("here")]
        span: Span,
    },

    #[error("input `{input}` has no field `date: date`")]
    #[diagnostic(
        code(licit::check::input_without_date),
        help(
            "a case carries the date of the act, which picks the rules in force: add `date: date`"
        )
    )]
    InputWithoutDate {
        input: String,
        #[label("here")]
        span: Span,
    },

    #[error("verdicts are declared twice")]
    #[diagnostic(
        code(licit::check::duplicate_verdicts),
        help("they are first declared at {first}; keep one `verdicts` line")
    )]
    DuplicateVerdicts {
        first: String,
        #[label("here")]
        span: Span,
    },

    #[error("the policy declares no verdicts")]
    #[diagnostic(
        code(licit::check::missing_verdicts),
        help("declare them strongest first: `verdicts licence_required > no_licence_required`")
    )]
    MissingVerdicts {
        #[label("here")]
        span: Span,
    },

    #[error("`otherwise` is given twice")]
    #[diagnostic(
        code(licit::check::duplicate_otherwise),
        help("keep one `otherwise` line")
    )]
    DuplicateOtherwise {
        #[label("here")]
        span: Span,
    },

    #[error("the policy does not say what holds when no rule applies")]
    #[diagnostic(
        code(licit::check::missing_otherwise),
        help("add `otherwise <verdict>`, for example `otherwise no_licence_required`")
    )]
    MissingOtherwise {
        #[label("here")]
        span: Span,
    },

    #[error("enum `{name}` has {count} members")]
    #[diagnostic(
        code(licit::check::enum_too_large),
        help("an enum has at most 256 members")
    )]
    EnumTooLarge {
        name: String,
        count: usize,
        #[label("here")]
        span: Span,
    },

    /// A constant or set whose value refers back to itself.
    #[error("{what} `{name}` is defined in terms of itself")]
    #[diagnostic(code(licit::check::definition_cycle), help("{help}"))]
    DefinitionCycle {
        what: &'static str,
        name: String,
        help: &'static str,
        #[label("here")]
        span: Span,
    },

    #[error("constant `{name}` has no value outside the dates given")]
    #[diagnostic(
        code(licit::check::missing_undated_value),
        help("end the list with an undated value, used when no dated one is in force")
    )]
    MissingUndatedValue {
        name: String,
        #[label("here")]
        span: Span,
    },

    #[error("`case` cannot be read here")]
    #[diagnostic(
        code(licit::check::case_outside_rule),
        help(
            "constants, defaults, parameters and test cases are fixed values; only rules read the case"
        )
    )]
    CaseOutsideRule {
        #[label("here")]
        span: Span,
    },

    #[error("an assumption cannot read parameter `{name}`")]
    #[diagnostic(
        code(licit::check::param_in_assumption),
        help(
            "an assumption says what every case is, whatever a run's parameters; read the case, constants and sets"
        )
    )]
    ParamInAssumption {
        name: String,
        #[label("a parameter")]
        span: Span,
    },

    #[error("the assumption \"{text}\" is declared twice")]
    #[diagnostic(
        code(licit::check::duplicate_assumption),
        help("an assumption's text is its name; it is first declared at {first}: keep one")
    )]
    DuplicateAssumption {
        text: String,
        first: String,
        #[label("second declaration")]
        span: Span,
    },

    #[error("rule `{rule}` concludes nothing")]
    #[diagnostic(
        code(licit::check::rule_without_conclusion),
        help("add `then <verdict>` or `then <obligation>(…)`")
    )]
    RuleWithoutConclusion {
        rule: String,
        #[label("here")]
        span: Span,
    },

    #[error("test `{test}` gives no case")]
    #[diagnostic(
        code(licit::check::test_without_case),
        help("add `given {{ … }}` with the facts of the case")
    )]
    TestWithoutCase {
        test: String,
        #[label("here")]
        span: Span,
    },

    #[error("a second test named `{test}`")]
    #[diagnostic(
        code(licit::check::duplicate_test),
        help("give each test its own name: results and stored explanations are kept by name")
    )]
    DuplicateTest {
        test: String,
        #[label("second test of this name")]
        span: Span,
    },

    #[error("tests `{other}` and `{test}` would store their explanations in one file")]
    #[diagnostic(
        code(licit::check::test_file_collision),
        help("both are stored as `explanations/{stored}`; rename one of them")
    )]
    TestFileCollision {
        test: String,
        other: String,
        stored: String,
        #[label("stored as `explanations/{stored}`, as `{other}` is")]
        span: Span,
    },

    #[error("`{what}` belongs in an amendment")]
    #[diagnostic(
        code(licit::check::change_outside_amendment),
        help(
            "say which policy this amends in the header: `amends \"../dual-use\"`; in a policy of its own, declare the rule or value directly"
        )
    )]
    ChangeOutsideAmendment {
        what: &'static str,
        #[label("here")]
        span: Span,
    },

    #[error("rule `{rule}` is already in the policy this amends")]
    #[diagnostic(
        code(licit::check::add_existing_rule),
        help("write `replace rule {rule}` to replace it")
    )]
    AddExistingRule {
        rule: String,
        #[label("here")]
        span: Span,
    },

    #[error("`{exception}` is an exception to `{repealed}`, which this repeals")]
    #[diagnostic(
        code(licit::check::repeal_leaves_exception),
        help("repeal or replace `{exception}` too")
    )]
    RepealLeavesException {
        exception: String,
        repealed: String,
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

    #[error("repealing `{rule}` changes nothing: it is not in force when the amendment is")]
    #[diagnostic(
        code(licit::check::repeal_changes_nothing),
        severity(Warning),
        help(
            "the amendment's changes take effect {window}; the rule is in force {rule_period}: leave the repeal out"
        )
    )]
    RepealChangesNothing {
        rule: String,
        window: String,
        rule_period: String,
        #[label("not in force from the amendment's date")]
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
                | CheckError::RepealChangesNothing { .. }
                | CheckError::ConstantCondition { .. }
                | CheckError::ExceptionOutOfForce { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::CheckError;
    use crate::syntax::Span;
    use miette::Diagnostic;

    fn message_help_code(error: CheckError) -> (String, String, String) {
        let help = error
            .help()
            .map(|help| help.to_string())
            .unwrap_or_default();
        let code = error
            .code()
            .map(|code| code.to_string())
            .unwrap_or_default();
        (error.to_string(), help, code)
    }

    /// The errors that once shared `licit::check::policy_shape` keep their words, each with a
    /// code of its own; most have no snapshot, so their texts are pinned here. Long because it
    /// is a table, one row per error.
    #[test]
    fn policy_errors_keep_their_words_under_their_own_codes() {
        let span = Span::new(0, 0);
        let cases = [
            (
                CheckError::DuplicateHeader {
                    first: "a.licit:1:1".into(),
                    span,
                },
                "a policy has one `policy` header",
                "the header is already given at a.licit:1:1; remove this one, or make this file a separate policy",
                "duplicate_header",
            ),
            (
                CheckError::MissingHeader { span },
                "the policy has no `policy` header",
                "begin one file with `policy \"title\" source \"…\" in force from YYYY-MM-DD`",
                "missing_header",
            ),
            (
                CheckError::DuplicateInput {
                    first: "Case".into(),
                    span,
                },
                "a policy has one `input` record",
                "`Case` is already the input; declare this one with `record`",
                "duplicate_input",
            ),
            (
                CheckError::MissingInput { span },
                "the policy declares no `input` record",
                "declare the shape of a case: `input Case { date: date, … }`",
                "missing_input",
            ),
            (
                CheckError::InputWithoutDate {
                    input: "Case".into(),
                    span,
                },
                "input `Case` has no field `date: date`",
                "a case carries the date of the act, which picks the rules in force: add `date: date`",
                "input_without_date",
            ),
            (
                CheckError::DuplicateVerdicts {
                    first: "a.licit:2:1".into(),
                    span,
                },
                "verdicts are declared twice",
                "they are first declared at a.licit:2:1; keep one `verdicts` line",
                "duplicate_verdicts",
            ),
            (
                CheckError::MissingVerdicts { span },
                "the policy declares no verdicts",
                "declare them strongest first: `verdicts licence_required > no_licence_required`",
                "missing_verdicts",
            ),
            (
                CheckError::DuplicateOtherwise { span },
                "`otherwise` is given twice",
                "keep one `otherwise` line",
                "duplicate_otherwise",
            ),
            (
                CheckError::MissingOtherwise { span },
                "the policy does not say what holds when no rule applies",
                "add `otherwise <verdict>`, for example `otherwise no_licence_required`",
                "missing_otherwise",
            ),
            (
                CheckError::EnumTooLarge {
                    name: "Country".into(),
                    count: 300,
                    span,
                },
                "enum `Country` has 300 members",
                "an enum has at most 256 members",
                "enum_too_large",
            ),
            (
                CheckError::DefinitionCycle {
                    what: "constant",
                    name: "limit".into(),
                    help: "give the constant a value that does not refer back to it",
                    span,
                },
                "constant `limit` is defined in terms of itself",
                "give the constant a value that does not refer back to it",
                "definition_cycle",
            ),
            (
                CheckError::DefinitionCycle {
                    what: "set",
                    name: "listed".into(),
                    help: "list its members without referring back to it",
                    span,
                },
                "set `listed` is defined in terms of itself",
                "list its members without referring back to it",
                "definition_cycle",
            ),
            (
                CheckError::MissingUndatedValue {
                    name: "limit".into(),
                    span,
                },
                "constant `limit` has no value outside the dates given",
                "end the list with an undated value, used when no dated one is in force",
                "missing_undated_value",
            ),
            (
                CheckError::CaseOutsideRule { span },
                "`case` cannot be read here",
                "constants, defaults, parameters and test cases are fixed values; only rules read the case",
                "case_outside_rule",
            ),
            (
                CheckError::RuleWithoutConclusion {
                    rule: "r1".into(),
                    span,
                },
                "rule `r1` concludes nothing",
                "add `then <verdict>` or `then <obligation>(…)`",
                "rule_without_conclusion",
            ),
            (
                CheckError::TestWithoutCase {
                    test: "t".into(),
                    span,
                },
                "test `t` gives no case",
                "add `given { … }` with the facts of the case",
                "test_without_case",
            ),
            (
                CheckError::ChangeOutsideAmendment {
                    what: "add rule",
                    span,
                },
                "`add rule` belongs in an amendment",
                "say which policy this amends in the header: `amends \"../dual-use\"`; in a policy of its own, declare the rule or value directly",
                "change_outside_amendment",
            ),
            (
                CheckError::AddExistingRule {
                    rule: "r1".into(),
                    span,
                },
                "rule `r1` is already in the policy this amends",
                "write `replace rule r1` to replace it",
                "add_existing_rule",
            ),
            (
                CheckError::RepealLeavesException {
                    exception: "r2".into(),
                    repealed: "r1".into(),
                    span,
                },
                "`r2` is an exception to `r1`, which this repeals",
                "repeal or replace `r2` too",
                "repeal_leaves_exception",
            ),
            (
                CheckError::RepealChangesNothing {
                    rule: "r1".into(),
                    window: "from 2021-09-09".into(),
                    rule_period: "until 2021-09-08".into(),
                    span,
                },
                "repealing `r1` changes nothing: it is not in force when the amendment is",
                "the amendment's changes take effect from 2021-09-09; the rule is in force until 2021-09-08: leave the repeal out",
                "repeal_changes_nothing",
            ),
        ];
        for (error, message, help, code) in cases {
            assert_eq!(
                message_help_code(error),
                (
                    message.to_string(),
                    help.to_string(),
                    format!("licit::check::{code}")
                )
            );
        }
    }
}
