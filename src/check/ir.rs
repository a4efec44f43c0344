//! The checked policy: every name resolved to an index, every expression typed. `eval` lowers it
//! to its program; `report` reads names and citations from it.

use crate::syntax::Span;
use crate::syntax::calendar::{Date, Duration};

/// Which source file something comes from: an index into the policy's sources.
pub type FileId = usize;

/// A type of the language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Bool,
    Int,
    Decimal,
    Text,
    Date,
    Duration,
    Enum(usize),
    Record(usize),
    Set(Box<Type>),
    Optional(Box<Type>),
    /// The type of `none` before context says what it is missing.
    NoneLiteral,
    /// The type of an expression that already has an error; it fits everywhere so that one
    /// mistake is reported once.
    Error,
}

impl Type {
    /// The type with any `optional` removed.
    pub fn unwrap_optional(&self) -> &Type {
        match self {
            Type::Optional(inner) => inner.unwrap_optional(),
            other => other,
        }
    }
}

/// A period in which something is in force; both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Period {
    pub from: Option<Date>,
    pub until: Option<Date>,
}

impl Period {
    /// Whether the date lies in the period.
    pub fn contains(&self, date: Date) -> bool {
        self.from.is_none_or(|from| from <= date) && self.until.is_none_or(|until| date <= until)
    }

    /// Whether the period contains no day (it ends before it starts).
    pub fn is_empty(&self) -> bool {
        matches!((self.from, self.until), (Some(from), Some(until)) if until < from)
    }

    /// Whether the two periods share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        let before = |a: &Period, b: &Period| matches!((a.until, b.from), (Some(until), Some(from)) if until < from);
        !self.is_empty() && !other.is_empty() && !before(self, other) && !before(other, self)
    }

    /// The period in words: `from 2024-01-01 until 2024-12-31`, `from …`, `until …`, or
    /// `unbounded` when it has no ends. Diagnostics say "in force at all times" (the `Display`
    /// form) and the decision tree "in force always", so the one wording of the bounds takes
    /// the word for no bounds from its caller rather than change either output.
    pub fn describe(&self, unbounded: &str) -> String {
        match (self.from, self.until) {
            (Some(from), Some(until)) => format!("from {from} until {until}"),
            (Some(from), None) => format!("from {from}"),
            (None, Some(until)) => format!("until {until}"),
            (None, None) => unbounded.to_string(),
        }
    }
}

/// How diagnostics name a period: see [`Period::describe`].
impl std::fmt::Display for Period {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.describe("at all times"))
    }
}

/// A place in the sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub file: FileId,
    pub span: Span,
}

/// A checked policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub title: String,
    /// Where the policy was read from, for receipts; the loader fills it in.
    pub origin: Origin,
    pub source: Option<String>,
    pub in_force: Period,
    pub enums: Vec<EnumDef>,
    pub records: Vec<RecordDef>,
    pub input: usize,
    pub consts: Vec<ConstDef>,
    pub sets: Vec<SetDef>,
    pub params: Vec<ParamDef>,
    /// Verdict kinds, strongest first.
    pub verdicts: Vec<KindDef>,
    pub otherwise: usize,
    pub obligations: Vec<KindDef>,
    pub rules: Vec<RuleDef>,
    pub tests: Vec<TestDef>,
    /// What amendments changed, in order; empty for a policy that amends nothing.
    pub amendments: Vec<Amendment>,
    /// Properties `licit check --analyze` proves or refutes.
    pub asserts: Vec<AssertDef>,
    /// What every case is taken to be: a case that breaks one is rejected, and the analyses
    /// look only at cases that keep them all. A base's come first, then an amendment's.
    pub assumptions: Vec<AssumeDef>,
}

/// Where a policy was read from: its name and the hash of its source files, computed once by
/// the loader (`project::load_and_check`) so that every decision's receipt can name them.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The rulebook's name: its folder's name, or its file's name without `.licit`.
    pub name: String,
    /// The SHA-256, in lowercase hex, of its source files in the canonical order of
    /// `docs/receipts.md`; empty for a policy checked without the loader.
    pub sha256: String,
}

/// `assume "text" that condition`.
#[derive(Debug, Clone)]
pub struct AssumeDef {
    /// The assumption in words; also its name (unique in the policy).
    pub text: String,
    pub place: Place,
    /// A boolean over the case, constants and sets.
    pub condition: Expr,
    /// The facts it reads (`case.exporter_state`), to show what a case that breaks it says.
    pub observed: Vec<(String, Expr)>,
}

impl Policy {
    /// The text of a rule in force on a date. A rule an amendment replaced or repealed keeps
    /// its old text beside the new one, under the same name, each in force on its own dates;
    /// a test or assertion that names the rule means the text in force. The rule itself when
    /// no text of its name is in force.
    pub fn rule_on(&self, rule: usize, date: Date) -> usize {
        let Some(name) = self.rules.get(rule).map(|r| r.name.as_str()) else {
            return rule;
        };
        self.rules
            .iter()
            .position(|r| r.name == name && r.in_force.contains(date))
            .unwrap_or(rule)
    }
}

/// One change an amendment made, with the article of the amending act.
#[derive(Debug, Clone)]
pub struct Amendment {
    /// What it does: "adds rule `x`", "removes members from set `y`".
    pub change: String,
    pub citation: String,
    pub place: Place,
}

/// `enum`
#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub members: Vec<String>,
}

/// `record` or `input`
#[derive(Debug, Clone)]
pub struct RecordDef {
    pub name: String,
    /// The comment lines directly above its declaration.
    pub doc: Option<String>,
    pub fields: Vec<FieldDef>,
}

impl RecordDef {
    /// The index of a field by name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }
}

/// A field of a record.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub ty: Type,
    /// Used when a case leaves the field out; `optional` fields default to `none`.
    pub default: Option<Expr>,
    /// The comment lines directly above the field.
    pub doc: Option<String>,
}

/// `const`
#[derive(Debug, Clone)]
pub struct ConstDef {
    pub name: String,
    pub ty: Type,
    /// Tried in order; the first in force on the case's date holds. The last is undated.
    pub versions: Vec<(Expr, Period)>,
}

/// `set`
#[derive(Debug, Clone)]
pub struct SetDef {
    pub name: String,
    pub element: Type,
    pub members: Vec<(Expr, Period)>,
    /// Members an amendment removes, in the periods given.
    pub removed: Vec<(Expr, Period)>,
}

/// `param`
#[derive(Debug, Clone)]
pub struct ParamDef {
    pub name: String,
    pub ty: Type,
    /// The value when not given (`--param`), outside the dates of `versions`.
    pub default: Expr,
    /// Defaults that dated amendments give, newest first, each on the amendment's dates.
    pub versions: Vec<(Expr, Period)>,
}

/// A verdict or obligation kind.
#[derive(Debug, Clone)]
pub struct KindDef {
    pub name: String,
    pub params: Vec<(String, Type)>,
}

/// A rule.
#[derive(Debug, Clone)]
pub struct RuleDef {
    pub name: String,
    pub citation: String,
    pub exception_to: Vec<usize>,
    pub in_force: Period,
    /// `for x in S`: the rule applies for the first member of `S` whose conditions hold.
    pub for_each: Option<ForEach>,
    /// The condition split at its top-level `and`s; empty when the rule has no `when`.
    pub conditions: Vec<Condition>,
    pub verdict: Option<Conclusion>,
    pub obligations: Vec<Conclusion>,
    pub because: Vec<TemplatePart>,
    pub place: Place,
    /// Whether the rule comes unchanged from a policy this one amends.
    pub inherited: bool,
    /// Analysis findings that are intended, with the reason: `(finding, reason)`.
    pub allows: Vec<(String, String)>,
}

/// The analysis findings a rule may `allow`.
pub const FINDINGS: [&str; 5] = [
    "never_applies",
    "always_masked",
    "exception_never_bites",
    "redundant",
    "conflict",
];

/// `assert "name" when … expect …`: a property of every case.
#[derive(Debug, Clone)]
pub struct AssertDef {
    pub name: String,
    pub place: Place,
    /// The cases it speaks of; `None` for all.
    pub when: Option<Expr>,
    pub expect: AssertCheck,
}

/// What an assertion requires.
#[derive(Debug, Clone)]
pub enum AssertCheck {
    /// The verdict is one of these kinds.
    Verdicts(Vec<usize>),
    /// This rule does not decide.
    NotDecidedBy(usize),
}

/// A rule's `for x in S`.
#[derive(Debug, Clone)]
pub struct ForEach {
    pub variable: String,
    pub set: Expr,
    /// The set as written, for explanations.
    pub text: String,
}

/// One conjunct of a rule's condition, with its source text for explanations.
#[derive(Debug, Clone)]
pub struct Condition {
    pub expr: Expr,
    pub text: String,
    /// The facts the condition reads, shown in explanations: `case.destination`.
    pub observed: Vec<(String, Expr)>,
}

/// A verdict or obligation with its arguments in declaration order.
#[derive(Debug, Clone)]
pub struct Conclusion {
    pub kind: usize,
    pub args: Vec<Expr>,
}

/// A piece of a `because` text.
#[derive(Debug, Clone)]
pub enum TemplatePart {
    Text(String),
    Hole(Expr),
}

/// A `test` block.
#[derive(Debug, Clone)]
pub struct TestDef {
    /// The test's mistakes (also reported as diagnostics), each with its place: a test with
    /// any fails whatever the decision.
    pub broken: Vec<String>,
    pub name: String,
    pub place: Place,
    /// The case, a record literal of the input type; `None` when it did not check.
    pub given: Option<Expr>,
    pub params: Vec<(usize, Expr)>,
    pub expectations: Vec<Expectation>,
}

/// A checked expectation.
#[derive(Debug, Clone)]
pub enum Expectation {
    /// The rendered explanation equals the stored one (compared by the command line, which
    /// reads the file).
    Explanation,
    Verdict {
        kind: usize,
        args: Vec<Option<Expr>>,
        text: String,
    },
    DecidedBy(usize),
    Applied(usize),
    NotApplied(usize),
    Suppressed {
        rule: usize,
        by: usize,
    },
    Obligation {
        kind: usize,
        args: Vec<Option<Expr>>,
        text: String,
    },
    NoObligation(usize),
}

/// A typed expression with every name resolved.
#[derive(Debug, Clone)]
pub enum Expr {
    Bool(bool),
    Int(i64),
    Decimal(rust_decimal::Decimal),
    Text(String),
    Date(Date),
    Duration(Duration),
    None,
    /// A member of an enum, by index.
    Member(usize, usize),
    Case,
    /// A quantifier's variable, counted from the innermost quantifier outwards.
    Local(usize),
    Const(usize),
    Param(usize),
    NamedSet(usize),
    Field(Box<Expr>, usize),
    SetLit(Vec<Expr>, Type),
    RecordLit(usize, Vec<Expr>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare(Compare, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Box<Expr>),
    IsNone(Box<Expr>),
    IsEmpty(Box<Expr>),
    Arith(Arith, Box<Expr>, Box<Expr>),
    Quantifier {
        every: bool,
        set: Box<Expr>,
        body: Box<Expr>,
    },
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    StartsWith(Box<Expr>, Box<Expr>),
    Count(Box<Expr>),
    /// The last day of the calendar year of a date.
    EndOfYear(Box<Expr>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Compare {
    /// Whether two values in this order satisfy the comparison.
    pub fn holds(self, order: std::cmp::Ordering) -> bool {
        match self {
            Compare::Eq => order.is_eq(),
            Compare::Ne => order.is_ne(),
            Compare::Lt => order.is_lt(),
            Compare::Le => order.is_le(),
            Compare::Gt => order.is_gt(),
            Compare::Ge => order.is_ge(),
        }
    }
}

/// The largest size of a whole number that a case, a constant, a parameter, a default, a set
/// member or a record field holds: 2^31 - 1. A sum of two products of two such numbers fits in
/// 64 bits.
pub const MAX_KEPT_INT: i64 = i32::MAX as i64;

/// The largest size the value of an `int` expression can have, as far as its form shows: a
/// literal is itself, a sum or product bounds its operands' sizes, and every other whole number
/// (a field, a constant, a parameter, a set member, `count`) is at most `MAX_KEPT_INT`. Counted
/// in `u128`, saturating, so a bound beyond 64 bits is seen as such.
pub fn int_magnitude(expr: &Expr) -> u128 {
    match expr {
        Expr::Int(n) => u128::from(n.unsigned_abs()),
        Expr::Arith(Arith::AddInt | Arith::SubInt, left, right) => {
            int_magnitude(left).saturating_add(int_magnitude(right))
        }
        Expr::Arith(Arith::MulInt, left, right) => {
            int_magnitude(left).saturating_mul(int_magnitude(right))
        }
        Expr::If(_, then, otherwise) => int_magnitude(then).max(int_magnitude(otherwise)),
        _ => u128::from(MAX_KEPT_INT.unsigned_abs()),
    }
}

/// The longest duration that a case, a constant, a parameter, a default, a set member or a
/// record field holds: 2^24 months and 2^24 days (more than a million years of months, more than
/// forty thousand years of days). A sum of 128 such durations stays within 32 bits.
pub const MAX_KEPT_DURATION: i32 = 1 << 24;

/// The largest months and days the value of a `duration` expression can have, as far as its
/// form shows: a literal is itself, a sum or difference bounds its operands', and every other
/// duration is at most `MAX_KEPT_DURATION` in each.
pub fn duration_magnitude(expr: &Expr) -> (u128, u128) {
    match expr {
        Expr::Duration(duration) => (
            u128::from(duration.months.unsigned_abs()),
            u128::from(duration.days.unsigned_abs()),
        ),
        Expr::Arith(Arith::AddDuration | Arith::SubDuration, left, right) => {
            let (left_months, left_days) = duration_magnitude(left);
            let (right_months, right_days) = duration_magnitude(right);
            (
                left_months.saturating_add(right_months),
                left_days.saturating_add(right_days),
            )
        }
        Expr::If(_, then, otherwise) => {
            let (then_months, then_days) = duration_magnitude(then);
            let (else_months, else_days) = duration_magnitude(otherwise);
            (then_months.max(else_months), then_days.max(else_days))
        }
        _ => {
            let kept = u128::from(MAX_KEPT_DURATION.unsigned_abs());
            (kept, kept)
        }
    }
}

/// The most digits before the point that a decimal kept by a case, a constant, a parameter, a
/// default, a set member, a record field or a literal has: 10 (up to 9999999999.9999).
pub const KEPT_DECIMAL_DIGITS: u32 = 10;

/// The most digits after the point that a kept decimal has: 4 (as SQL's `money`). With
/// `KEPT_DECIMAL_DIGITS` a kept decimal has at most 14 significant digits, so a product of two
/// has at most 28, and a sum of two such products stays below 2^96, the mantissa of
/// `rust_decimal`: such arithmetic is exact, never rounded.
pub const KEPT_DECIMAL_SCALE: u32 = 4;

/// The largest mantissa (units of the last place) `rust_decimal` holds exactly: 2^96 - 1.
const MAX_DECIMAL_MANTISSA: u128 = (1 << 96) - 1;

/// The most digits after the point `rust_decimal` holds.
const MAX_DECIMAL_SCALE: u32 = 28;

/// What the form of a `decimal` expression shows of its value: its size is at most `mantissa`
/// units of 10^-`scale`, and it has at most `scale` digits after the point. Counted in `u128`,
/// saturating, so a bound beyond 128 bits is seen as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalBound {
    pub mantissa: u128,
    pub scale: u32,
}

impl DecimalBound {
    /// The bound of every kept decimal: 9999999999.9999.
    pub const KEPT: DecimalBound = DecimalBound {
        mantissa: 10u128.pow(KEPT_DECIMAL_DIGITS + KEPT_DECIMAL_SCALE) - 1,
        scale: KEPT_DECIMAL_SCALE,
    };

    /// The bound of one value: itself.
    pub fn of(value: rust_decimal::Decimal) -> DecimalBound {
        DecimalBound {
            mantissa: value.mantissa().unsigned_abs(),
            scale: value.scale(),
        }
    }

    /// The bound in units of 10^-`scale`, for a scale at least its own.
    fn mantissa_at(self, scale: u32) -> u128 {
        let factor = 10u128.checked_pow(scale.saturating_sub(self.scale));
        factor.map_or(u128::MAX, |factor| self.mantissa.saturating_mul(factor))
    }

    /// A bound of the sum or difference of values within two bounds.
    fn plus(self, other: DecimalBound) -> DecimalBound {
        let scale = self.scale.max(other.scale);
        DecimalBound {
            mantissa: self
                .mantissa_at(scale)
                .saturating_add(other.mantissa_at(scale)),
            scale,
        }
    }

    /// A bound of the product of values within two bounds.
    fn times(self, other: DecimalBound) -> DecimalBound {
        DecimalBound {
            mantissa: self.mantissa.saturating_mul(other.mantissa),
            scale: self.scale.saturating_add(other.scale),
        }
    }

    /// A bound of either of two values.
    fn either(self, other: DecimalBound) -> DecimalBound {
        let scale = self.scale.max(other.scale);
        DecimalBound {
            mantissa: self.mantissa_at(scale).max(other.mantissa_at(scale)),
            scale,
        }
    }

    /// Whether `rust_decimal` holds every value within the bound exactly, so that `+`, `-` and
    /// `*` giving such a value neither round nor overflow.
    pub fn is_exact(self) -> bool {
        self.mantissa <= MAX_DECIMAL_MANTISSA && self.scale <= MAX_DECIMAL_SCALE
    }

    /// Whether every value within the bound is a kept decimal.
    pub fn is_kept(self) -> bool {
        self.scale <= KEPT_DECIMAL_SCALE
            && self.mantissa_at(KEPT_DECIMAL_SCALE) <= DecimalBound::KEPT.mantissa
    }

    /// The bound written as a number, `19999999999.9998` (`10^26 and more` past 128 bits).
    pub fn text(self) -> String {
        if self.mantissa == u128::MAX {
            // u128::MAX is more than 10^38 units.
            let power = 38i64 - i64::from(self.scale);
            return format!("10^{power} and more");
        }
        let digits = self.mantissa.to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return digits;
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        format!("{whole}.{fraction}")
    }
}

/// The bound of a `decimal` expression's value, as far as its form shows: a literal is itself,
/// a sum, difference or product bounds its operands', `if` the larger of its two, and every
/// other decimal (a field, a constant, a parameter, a set member) is kept.
pub fn decimal_magnitude(expr: &Expr) -> DecimalBound {
    match expr {
        Expr::Decimal(value) => DecimalBound::of(*value),
        Expr::Arith(Arith::AddDecimal | Arith::SubDecimal, left, right) => {
            decimal_magnitude(left).plus(decimal_magnitude(right))
        }
        Expr::Arith(Arith::MulDecimal, left, right) => {
            decimal_magnitude(left).times(decimal_magnitude(right))
        }
        Expr::If(_, then, otherwise) => {
            decimal_magnitude(then).either(decimal_magnitude(otherwise))
        }
        _ => DecimalBound::KEPT,
    }
}

/// A decimal written in digits (`-12.50`, and in a case also `+12.5`, `.5`, `12.`), if it is a
/// kept one: at most `KEPT_DECIMAL_DIGITS` digits before the point (leading zeros aside) and
/// `KEPT_DECIMAL_SCALE` after (trailing zeros beyond them aside, which are dropped). Read
/// digit by digit, so nothing is ever rounded: a number with more digits is no kept decimal.
pub fn kept_decimal(text: &str) -> Option<rust_decimal::Decimal> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let fraction = if fraction.len() > KEPT_DECIMAL_SCALE as usize {
        fraction.trim_end_matches('0')
    } else {
        fraction
    };
    if whole.len() > KEPT_DECIMAL_DIGITS as usize || fraction.len() > KEPT_DECIMAL_SCALE as usize {
        return None;
    }
    // At most 14 digits: an i128 holds them.
    let mut mantissa: i128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        mantissa = mantissa * 10 + i128::from(digit - b'0');
    }
    if negative {
        mantissa = -mantissa;
    }
    let scale = u32::try_from(fraction.len()).ok()?;
    rust_decimal::Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

/// Whether a decimal is a kept one (at most 9999999999.9999 in size, 4 digits after the point).
pub fn is_kept_decimal(value: rust_decimal::Decimal) -> bool {
    DecimalBound::of(value).is_kept()
}

/// Arithmetic operators, by the types they work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    AddInt,
    SubInt,
    MulInt,
    AddDecimal,
    SubDecimal,
    MulDecimal,
    AddDateDuration,
    SubDateDuration,
    AddDuration,
    SubDuration,
}

#[cfg(test)]
mod tests {
    use super::{DecimalBound, Period, kept_decimal};
    use rust_decimal::Decimal;

    #[test]
    fn kept_decimals_are_read_digit_by_digit_and_never_rounded() {
        let read = |text: &str| kept_decimal(text).map(|d| d.to_string());
        assert_eq!(read("9999999999.9999").as_deref(), Some("9999999999.9999"));
        assert_eq!(
            read("-9999999999.9999").as_deref(),
            Some("-9999999999.9999")
        );
        assert_eq!(read("0012.50").as_deref(), Some("12.50"));
        assert_eq!(read("1.2500000000").as_deref(), Some("1.25"));
        assert_eq!(read(".5").as_deref(), Some("0.5"));
        assert_eq!(read("+5.").as_deref(), Some("5"));
        assert_eq!(
            read("0.0000000000000000000000000000000000").as_deref(),
            Some("0")
        );
        for beyond in [
            "10000000000",
            "99999999999999999999999999999",
            "0.12345",
            "0.100000000000000000000000000000000000001",
            "1e3",
            "",
            ".",
            "-",
            " 5",
            "5 ",
            "1_000",
            "--5",
            "5.5.5",
        ] {
            assert_eq!(read(beyond), None, "{beyond:?} is no kept decimal");
        }
    }

    #[test]
    fn decimal_bounds_are_exact_only_within_the_mantissa() {
        let kept = DecimalBound::KEPT;
        assert!(kept.is_kept() && kept.is_exact());
        assert_eq!(kept.text(), "9999999999.9999");
        let product = kept.times(kept);
        assert!(product.is_exact() && !product.is_kept());
        assert!(
            product.plus(product).is_exact(),
            "two products of kept decimals"
        );
        assert!(
            !product.times(kept).is_exact(),
            "three kept decimals multiplied"
        );
        assert_eq!(
            product.times(product).times(product).text(),
            "10^14 and more"
        );
        let tiny = DecimalBound::of(Decimal::new(1, 4));
        let mut scale = tiny;
        for _ in 0..6 {
            scale = scale.times(tiny);
        }
        assert_eq!(scale.scale, 28);
        assert!(scale.is_exact());
        assert!(!scale.times(tiny).is_exact(), "32 digits after the point");
        assert_eq!(tiny.either(kept), kept);
        assert_eq!(
            DecimalBound::of(Decimal::new(5, 1)).plus(tiny).text(),
            "0.5001"
        );
        // The largest kept decimals, multiplied and added as the bound allows, are exact.
        let largest = Decimal::new(99_999_999_999_999, 4);
        let square = largest.checked_mul(largest);
        assert_eq!(square.map(|d| d.scale()), Some(8));
        let sum = square.and_then(|s| s.checked_add(s));
        assert_eq!(
            sum.map(|d| d.to_string()).as_deref(),
            Some("199999999999996000000.00000002")
        );
    }
    use crate::syntax::calendar::Date;

    #[test]
    fn periods_in_words() {
        let (from, until) = (
            Date::parse("2024-01-01").ok(),
            Date::parse("2024-12-31").ok(),
        );
        let both = Period { from, until };
        assert_eq!(both.to_string(), "from 2024-01-01 until 2024-12-31");
        assert_eq!(Period { from, until: None }.to_string(), "from 2024-01-01");
        assert_eq!(Period { from: None, until }.to_string(), "until 2024-12-31");
        assert_eq!(Period::default().to_string(), "at all times");
        assert_eq!(Period::default().describe("always"), "always");
        assert_eq!(both.describe("always"), both.to_string());
    }
}

/// Typed indices into a checked policy's tables, so a rule is never taken for a verdict.
macro_rules! policy_id {
    ($(#[$doc:meta])* $name:ident indexes $table:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u32);

        impl $name {
            /// The id of the entry at a position of its table.
            pub fn new(index: usize) -> $name {
                $name(u32::try_from(index).unwrap_or(u32::MAX))
            }

            /// Its position in its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl std::ops::Index<$name> for Vec<$table> {
            type Output = $table;
            fn index(&self, id: $name) -> &$table {
                &self[id.index()]
            }
        }
    };
}

policy_id!(
    /// A rule of a policy: its position in `Policy::rules`.
    RuleId indexes RuleDef
);
policy_id!(
    /// A verdict kind of a policy: its position in `Policy::verdicts`.
    VerdictId indexes KindDef
);

/// A type as the language writes it (`set of Country`, `optional date`), naming enums and
/// records from the given tables; one home for the checker's messages and the service's
/// description of an input.
pub fn type_text(enums: &[EnumDef], records: &[RecordDef], ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".to_string(),
        Type::Int => "int".to_string(),
        Type::Decimal => "decimal".to_string(),
        Type::Text => "text".to_string(),
        Type::Date => "date".to_string(),
        Type::Duration => "duration".to_string(),
        Type::Enum(index) => enums
            .get(*index)
            .map_or_else(|| "?".to_string(), |e| e.name.clone()),
        Type::Record(index) => records
            .get(*index)
            .map_or_else(|| "?".to_string(), |r| r.name.clone()),
        Type::Set(inner) => format!("set of {}", type_text(enums, records, inner)),
        Type::Optional(inner) => format!("optional {}", type_text(enums, records, inner)),
        Type::NoneLiteral => "none".to_string(),
        Type::Error => "?".to_string(),
    }
}
