//! Decoding a JSON case into a value of the policy's input type, with a diagnostic pointing
//! into the JSON for everything that does not fit; and reading `--param` values.

use miette::Diagnostic;
use thiserror::Error;

use crate::check::Policy;
use crate::check::ir::{MAX_KEPT_DURATION, MAX_KEPT_INT, Type, kept_decimal};
use crate::syntax::Span;
use crate::syntax::calendar::{Date, Duration, DurationProblem};
use crate::syntax::json::{self, Json, JsonError, JsonKind};

use super::hash::{NameTable, TextCache, low_bytes};
use super::ir::{CaseShape, FieldShape, Program, RecordShape, ValueKind};
use super::lower_expr::small;
use super::value::Value;

/// A problem with a case file.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum CaseError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Json(#[from] JsonError),

    #[error("missing field `{field}` in {record}")]
    #[diagnostic(
        code(licit::case::missing_field),
        help("add `\"{field}\": …` with {expected}")
    )]
    MissingField {
        field: String,
        record: String,
        expected: String,
        #[label("`{field}` is required here")]
        span: Span,
    },

    #[error("unknown field `{field}` in {record}")]
    #[diagnostic(code(licit::case::unknown_field), help("{help}"))]
    UnknownField {
        field: String,
        record: String,
        help: String,
        #[label("not a field of {record}")]
        span: Span,
    },

    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(licit::case::wrong_type), help("{help}"))]
    WrongType {
        expected: String,
        found: String,
        help: String,
        #[label("this is {found}")]
        span: Span,
    },

    #[error("`{text}` is not a date")]
    #[diagnostic(code(licit::case::invalid_date), help("{problem}"))]
    InvalidDate {
        text: String,
        problem: String,
        #[label("not a date")]
        span: Span,
    },

    #[error("`{text}` {problem}")]
    #[diagnostic(code(licit::case::invalid_duration), help("{help}"))]
    InvalidDuration {
        text: String,
        /// What is wrong: not a duration, or too long.
        problem: &'static str,
        help: String,
        /// What the label says: `not a duration`, `too long`.
        label: &'static str,
        #[label("{label}")]
        span: Span,
    },

    #[error("`{value}` is not a member of `{enum_name}`")]
    #[diagnostic(code(licit::case::not_a_member), help("{help}"))]
    NotAMember {
        value: String,
        enum_name: String,
        help: String,
        #[label("not in `{enum_name}`")]
        span: Span,
    },

    /// A case the policy's `assume` declarations rule out.
    #[error("{text}")]
    #[diagnostic(code(licit::case::assumption), help("{help}"))]
    Assumption {
        /// The assumption's text.
        text: String,
        help: String,
        /// The fact in the case's JSON, or the whole case; `None` when the case has no text of
        /// its own to point into (a case changed by `--what-if`).
        #[label("the policy assumes this is not so")]
        span: Option<Span>,
    },

    #[error("`{text}` is not {expected}")]
    #[diagnostic(code(licit::case::invalid_number), help("{help}"))]
    InvalidNumber {
        text: String,
        expected: &'static str,
        help: &'static str,
        #[label("not {expected}")]
        span: Span,
    },
}

impl CaseError {
    /// Where the problem is in the case text.
    pub fn span(&self) -> Span {
        match self {
            CaseError::Json(error) => error.span(),
            CaseError::MissingField { span, .. }
            | CaseError::UnknownField { span, .. }
            | CaseError::WrongType { span, .. }
            | CaseError::InvalidDate { span, .. }
            | CaseError::InvalidDuration { span, .. }
            | CaseError::NotAMember { span, .. }
            | CaseError::InvalidNumber { span, .. } => *span,
            CaseError::Assumption { span, .. } => span.unwrap_or(Span::new(0, 0)),
        }
    }
}

/// Parses and decodes a case, filling in defaults; returns the case or every problem found.
pub fn decode_case(program: &Program, text: &str) -> Result<Value, Vec<CaseError>> {
    if let Some(value) = decode_case_fast(program, text) {
        return Ok(value);
    }
    decode_case_careful(program, text)
}

/// The careful reader alone: parses the JSON into a tree with spans, then decodes it, finding
/// every problem. [`decode_case`] uses it when the one-pass reader gives up; the two must agree
/// on every case the one-pass reader accepts (the `case` fuzz target checks it).
pub fn decode_case_careful(program: &Program, text: &str) -> Result<Value, Vec<CaseError>> {
    let json = json::parse(text).map_err(|error| vec![CaseError::Json(error)])?;
    let policy = &*program.policy;
    let mut decoder = Decoder {
        policy,
        program,
        errors: Vec::new(),
    };
    let value = decoder.value(&json, &Type::Record(policy.input), "the case");
    if decoder.errors.is_empty() {
        Ok(value)
    } else {
        Err(decoder.errors)
    }
}

/// The date a decoded case carries in its `date` field, if its input has one.
pub fn case_date(policy: &Policy, case: &Value) -> Option<Date> {
    let position = policy.records.get(policy.input)?.field_index("date")?;
    match case {
        Value::Record(_, fields) => match fields.get(position) {
            Some(Value::Date(date)) => Some(*date),
            _ => None,
        },
        _ => None,
    }
}

struct Decoder<'a> {
    policy: &'a Policy,
    program: &'a Program,
    errors: Vec<CaseError>,
}

impl Decoder<'_> {
    fn type_text(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "a boolean".to_string(),
            Type::Int => "a whole number".to_string(),
            Type::Decimal => "a decimal number".to_string(),
            Type::Text => "a string".to_string(),
            Type::Date => "a date \"YYYY-MM-DD\"".to_string(),
            Type::Duration => "a duration such as \"5 years\"".to_string(),
            Type::Enum(index) => format!(
                "a member of `{}` as a string",
                self.policy.enums[*index].name
            ),
            Type::Record(index) => format!("an object (`{}`)", self.policy.records[*index].name),
            Type::Set(inner) => format!("a list, each item {}", self.type_text(inner)),
            Type::Optional(inner) => format!("{} or null", self.type_text(inner)),
            Type::NoneLiteral | Type::Error => "a value".to_string(),
        }
    }

    fn wrong(&mut self, json: &Json, ty: &Type, help: String) -> Value {
        let expected = self.type_text(ty);
        self.errors.push(CaseError::WrongType {
            expected,
            found: json.kind.describe().to_string(),
            help,
            span: json.span,
        });
        Value::None
    }

    fn value(&mut self, json: &Json, ty: &Type, place: &str) -> Value {
        match (ty, &json.kind) {
            (Type::Optional(_), JsonKind::Null) => Value::None,
            (Type::Optional(inner), _) => self.value(json, inner, place),
            (Type::Bool, JsonKind::Bool(b)) => Value::Bool(*b),
            (Type::Text, JsonKind::String(s)) => Value::Text(s.as_str().into()),
            (Type::Int, JsonKind::Number(text)) => match parse_int(text) {
                Some(i) => Value::Int(i),
                None => {
                    self.errors.push(CaseError::InvalidNumber {
                        text: text.clone(),
                        expected: "a whole number",
                        help: "write a whole number from -2147483647 to 2147483647 (2^31 - 1), without a fraction or exponent",
                        span: json.span,
                    });
                    Value::None
                }
            },
            (Type::Decimal, JsonKind::Number(text) | JsonKind::String(text)) => {
                match kept_decimal(text) {
                    Some(d) => Value::Decimal(d),
                    None => {
                        self.errors.push(CaseError::InvalidNumber {
                            text: text.clone(),
                            expected: "a decimal of at most 10 digits before the point and 4 after",
                            help: DECIMAL_HELP,
                            span: json.span,
                        });
                        Value::None
                    }
                }
            }
            (Type::Date, JsonKind::String(text)) => match Date::parse(text) {
                Ok(date) => Value::Date(date),
                Err(problem) => {
                    self.errors.push(CaseError::InvalidDate {
                        text: text.clone(),
                        problem: problem.to_string(),
                        span: json.span,
                    });
                    Value::None
                }
            },
            (Type::Duration, JsonKind::String(text)) => match parse_duration(text) {
                Ok(duration) => Value::Duration(duration),
                Err((problem, help)) => {
                    let label = if problem.contains("too long") {
                        "too long"
                    } else {
                        "not a duration"
                    };
                    self.errors.push(CaseError::InvalidDuration {
                        text: text.clone(),
                        problem,
                        help,
                        label,
                        span: json.span,
                    });
                    Value::None
                }
            },
            (Type::Enum(index), JsonKind::String(text)) => {
                let definition = &self.policy.enums[*index];
                match definition.members.iter().position(|m| m == text) {
                    Some(member) => Value::Enum(small(*index), small(member)),
                    None => {
                        let help = member_help(text, &definition.members);
                        self.errors.push(CaseError::NotAMember {
                            value: text.clone(),
                            enum_name: definition.name.clone(),
                            help,
                            span: json.span,
                        });
                        Value::None
                    }
                }
            }
            (Type::Set(inner), JsonKind::Array(items)) => {
                let members: Vec<Value> = items
                    .iter()
                    .map(|item| self.value(item, inner, place))
                    .collect();
                let enum_of = match **inner {
                    Type::Enum(index) => Some(small(index)),
                    _ => None,
                };
                Value::set_of(members, enum_of)
            }
            (Type::Record(index), JsonKind::Object(members)) => self.record(*index, json, members),
            (_, JsonKind::Null) => self.wrong(
                json,
                ty,
                format!("{place} needs a value here; only optional fields may be null"),
            ),
            (Type::Set(_), _) => {
                self.wrong(json, ty, "write a list in brackets: `[…]`".to_string())
            }
            (Type::Text | Type::Date | Type::Enum(_) | Type::Duration, _) => self.wrong(
                json,
                ty,
                "write it as a string in double quotes".to_string(),
            ),
            (Type::Record(_), _) => {
                self.wrong(json, ty, "write an object: `{ \"field\": … }`".to_string())
            }
            _ => {
                let expected = self.type_text(ty);
                self.wrong(json, ty, format!("give {expected}"))
            }
        }
    }

    fn record(&mut self, index: usize, json: &Json, members: &[(json::JsonKey, Json)]) -> Value {
        let definition = &self.policy.records[index];
        let mut values: Vec<Option<Value>> = vec![None; definition.fields.len()];
        for (key, value) in members {
            match definition.field_index(&key.name) {
                Some(position) => {
                    let ty = definition.fields[position].ty.clone();
                    let place = format!("`{}`", key.name);
                    values[position] = Some(self.value(value, &ty, &place));
                }
                None => {
                    let names: Vec<&str> =
                        definition.fields.iter().map(|f| f.name.as_str()).collect();
                    let close = crate::check::closest_name(&key.name, names.iter().copied());
                    let fields = names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let help = crate::check::did_you_mean_or(
                        close.as_deref(),
                        format!("the fields are {fields}"),
                    );
                    self.errors.push(CaseError::UnknownField {
                        field: key.name.clone(),
                        record: format!("`{}`", definition.name),
                        help,
                        span: key.span,
                    });
                }
            }
        }
        let mut fields = Vec::with_capacity(values.len());
        for (position, value) in values.into_iter().enumerate() {
            let field = &definition.fields[position];
            let value = match (value, &field.default, &field.ty) {
                (Some(value), _, _) => value,
                (None, Some(default), _) => self.program.constant_value(default),
                (None, None, Type::Optional(_)) => Value::None,
                (None, None, ty) => {
                    let expected = self.type_text(ty);
                    self.errors.push(CaseError::MissingField {
                        field: field.name.clone(),
                        record: format!("`{}`", definition.name),
                        expected,
                        span: Span::new(json.span.start as usize, json.span.start as usize + 1),
                    });
                    Value::None
                }
            };
            fields.push(value);
        }
        Value::Record(small(index), fields.into())
    }
}

fn member_help(text: &str, members: &[String]) -> String {
    let close = crate::check::closest_name(text, members.iter().map(String::as_str));
    let listed: Vec<String> = members.iter().take(12).map(|m| format!("`{m}`")).collect();
    let more = if members.len() > 12 {
        format!(" and {} more", members.len() - 12)
    } else {
        String::new()
    };
    crate::check::did_you_mean_or(
        close.as_deref(),
        format!("the members are {}{more}", listed.join(", ")),
    )
}

/// A whole number of a case or a `--param`, if it is one of at most `MAX_KEPT_INT` (2^31 - 1) in
/// size: the checker proves arithmetic exact for whole numbers of that size.
fn parse_int(text: &str) -> Option<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|i| i.unsigned_abs() <= MAX_KEPT_INT.unsigned_abs())
}

/// What a case or a `--param` is told of a decimal that is not a kept one
/// (`check::ir::kept_decimal`): the checker proves arithmetic exact on decimals of that range.
const DECIMAL_HELP: &str = "write digits with at most one point, from -9999999999.9999 to 9999999999.9999, without an exponent; a decimal is never rounded";

/// A duration of a case, a `--param` or a `--what-if`, if it is one [`Duration::parse`] reads
/// of at most `MAX_KEPT_DURATION` months and days: the checker proves sums of durations exact for
/// durations of that length. Otherwise what is wrong (`is not a duration`, `is too long for a
/// duration`) and the help, with the forms licit reads.
fn parse_duration(text: &str) -> Result<Duration, (&'static str, String)> {
    let bound = MAX_KEPT_DURATION.unsigned_abs();
    let too_long = || {
        (
            "is too long for a duration",
            format!(
                "a duration of a case or a parameter is at most {bound} months and {bound} days"
            ),
        )
    };
    match Duration::parse(text) {
        Ok(duration)
            if duration.months.unsigned_abs() <= bound && duration.days.unsigned_abs() <= bound =>
        {
            Ok(duration)
        }
        Ok(_) | Err(DurationProblem::TooLong) => Err(too_long()),
        Err(DurationProblem::Form { suggestion }) => {
            let forms = "a duration is a count and a unit, as in \"5 years\", \"18 months\" or \"30 days\", or such parts joined by `+` or `-`, as in \"1 month + 2 days\"";
            let help = match suggestion {
                Some(sum) => format!("write \"{sum}\": {forms}"),
                None => forms.to_string(),
            };
            Err(("is not a duration", help))
        }
    }
}

/// Reads a `--param` value of the parameter's type; the error says what was expected.
pub fn parse_param(policy: &Policy, ty: &Type, text: &str) -> Result<Value, String> {
    match ty {
        Type::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("expected `true` or `false`".to_string()),
        },
        Type::Int => parse_int(text)
            .map(Value::Int)
            .ok_or_else(|| "expected a whole number from -2147483647 to 2147483647".to_string()),
        Type::Decimal => kept_decimal(text)
            .map(Value::Decimal)
            .ok_or_else(|| {
                format!("expected a decimal of at most 10 digits before the point and 4 after: {DECIMAL_HELP}")
            }),
        Type::Text => Ok(Value::Text(text.into())),
        Type::Date => Date::parse(text)
            .map(Value::Date)
            .map_err(|problem| problem.to_string()),
        Type::Duration => parse_duration(text)
            .map(Value::Duration)
            .map_err(|(problem, help)| format!("`{text}` {problem}: {help}")),
        Type::Enum(index) => {
            let members = &policy.enums[*index].members;
            match members.iter().position(|m| m == text) {
                Some(member) => Ok(Value::Enum(small(*index), small(member))),
                None => Err(format!(
                    "`{text}` is not a member of `{}`; {}",
                    policy.enums[*index].name,
                    member_help(text, members)
                )),
            }
        }
        Type::Optional(inner) => match text {
            "none" => Ok(Value::None),
            _ => parse_param(policy, inner, text),
        },
        Type::Set(inner) => {
            let members: Result<Vec<Value>, String> = text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| parse_param(policy, inner, item))
                .collect();
            let enum_of = match **inner {
                Type::Enum(index) => Some(small(index)),
                _ => None,
            };
            Ok(Value::set_of(members?, enum_of))
        }
        Type::Record(_) | Type::NoneLiteral | Type::Error => {
            Err("this parameter cannot be set from the command line".to_string())
        }
    }
}

impl CaseShape {
    /// The fast reader's plan of a program's policy.
    pub(super) fn of(program: &Program) -> CaseShape {
        let policy = &program.policy;
        let members = policy
            .enums
            .iter()
            .map(|e| NameTable::new(e.members.iter().map(String::as_str)))
            .collect();
        let records = policy
            .records
            .iter()
            .enumerate()
            .map(|(index, record)| RecordShape {
                index: small(index),
                fields: record
                    .fields
                    .iter()
                    .map(|field| {
                        let default = match (&field.default, &field.ty) {
                            (Some(default), _) => Some(program.constant_value(default)),
                            (None, Type::Optional(_)) => Some(Value::None),
                            (None, _) => None,
                        };
                        let key = format!("\"{}\":", field.name).into_bytes();
                        let (kind, optional) = match &field.ty {
                            Type::Optional(inner) => (ValueKind::of(inner), true),
                            ty => (ValueKind::of(ty), false),
                        };
                        FieldShape {
                            key_words: [0, 8, 16, 24].map(|at| word_at(&key, at)),
                            key_masks: [0, 8, 16, 24]
                                .map(|at| low_bytes(key.len().saturating_sub(at))),
                            key: key.into(),
                            kind,
                            optional,
                            default,
                        }
                    })
                    .collect(),
                names: NameTable::new(record.fields.iter().map(|field| field.name.as_str())),
            })
            .collect();
        /// The number of the last plan made.
        static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        CaseShape {
            id,
            members,
            records,
        }
    }
}

impl ValueKind {
    /// How a value of a type is read.
    fn of(ty: &Type) -> ValueKind {
        match ty {
            Type::Bool => ValueKind::Bool,
            Type::Text => ValueKind::Text,
            Type::Date => ValueKind::Date,
            Type::Enum(index) => ValueKind::Enum(small(*index)),
            Type::Record(index) => ValueKind::Record(small(*index)),
            Type::Set(inner) => match **inner {
                Type::Enum(index) => ValueKind::EnumSet(small(index)),
                _ => ValueKind::Set(Box::new(ValueKind::of(inner))),
            },
            Type::Optional(inner) => ValueKind::Optional(Box::new(ValueKind::of(inner))),
            Type::Int | Type::Decimal | Type::Duration | Type::NoneLiteral | Type::Error => {
                ValueKind::Careful
            }
        }
    }
}

/// The eight bytes of `bytes` from `at` as a word (little-endian), zero where `bytes` ends
/// before them.
#[inline]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(eight) => <[u8; 8]>::try_from(eight).map_or(0, u64::from_le_bytes),
        None => word_at_end(bytes, at),
    }
}

/// The same, near the end of `bytes`: out of the way of the common case.
#[cold]
#[inline(never)]
fn word_at_end(bytes: &[u8], at: usize) -> u64 {
    let mut eight = [0u8; 8];
    let rest = bytes.get(at..).unwrap_or_default();
    if let Some(part) = eight.get_mut(..rest.len()) {
        part.copy_from_slice(rest);
    }
    u64::from_le_bytes(eight)
}

/// Reads a case that is well formed in one pass, without building a JSON tree; `None` for
/// anything unusual (an error, an escape in a name), which the careful reader then explains.
pub fn decode_case_fast(program: &Program, text: &str) -> Option<Value> {
    decode_case_bytes_fast(program, text.as_bytes())
}

/// The same on bytes not known to be UTF-8 (a batch's line): a case is read only from bytes
/// that are. Outside strings the reader accepts only ASCII, and the text of every string it
/// accepts is UTF-8 (a name or a key is one it knows; any other text is checked), so a line
/// is never checked as a whole: `None` for bytes that are not UTF-8, as for anything else
/// unusual, and the careful path then finds why.
pub fn decode_case_bytes_fast(program: &Program, bytes: &[u8]) -> Option<Value> {
    // The records to reuse and the texts read lately serve one case after another on a thread.
    READER.with(|state| match state.try_borrow_mut() {
        Ok(mut state) => read_case(program, bytes, &mut state),
        Err(_) => read_case(program, bytes, &mut ReaderState::default()),
    })
}

/// The one-pass reader on a case with the state it keeps between cases.
fn read_case(program: &Program, bytes: &[u8], state: &mut ReaderState) -> Option<Value> {
    // Records read for another program's cases are not this one's (its enums and defaults
    // differ): a thread that reads cases of several programs starts afresh when it changes.
    if state.read.program != program.shape.id {
        state.read = RecordCache {
            program: program.shape.id,
            ..RecordCache::default()
        };
        state.lists = RecordCache::default();
        state.key_orders.clear();
        state.out_of_order = 0;
    }
    let mut reader = FastReader {
        bytes,
        at: 0,
        shape: &program.shape,
        state,
    };
    let value = reader.record(small(program.policy.input), 0)?;
    reader.skip_space();
    (reader.at == reader.bytes.len()).then_some(value)
}

/// Gives a decided case's record back to this thread's fast reader, which fills it in again
/// for the next case instead of allocating a new one: what a batch does after each line. The
/// records and sets in its fields stay there until the next case's are read into the same
/// slots, which reuse them. A record still shared elsewhere is only let go.
pub fn recycle_case(case: Value) {
    READER.with(|state| {
        if let Ok(mut state) = state.try_borrow_mut() {
            // The fields the case's record took defaults in, if it is the record last read
            // (the weak reference kept its allocation from being another's since): they hold
            // them still, and are not written again.
            let defaulted = match (state.defaulted.take(), &case) {
                (Some((read, defaulted)), Value::Record(_, fields))
                    if std::ptr::addr_eq(read.as_ptr(), std::sync::Arc::as_ptr(fields)) =>
                {
                    defaulted
                }
                _ => 0,
            };
            state.records.give_whole(case, defaulted);
        }
    });
}

thread_local! {
    /// What the fast reader keeps on a thread from one case to the next.
    static READER: std::cell::RefCell<ReaderState> = const {
        std::cell::RefCell::new(ReaderState {
            records: RecordPool { kept: Vec::new() },
            texts: TextCache::new(),
            read: RecordCache {
                program: 0,
                kept: Vec::new(),
                seen: Vec::new(),
                next: Vec::new(),
            },
            lists: RecordCache {
                program: 0,
                kept: Vec::new(),
                seen: Vec::new(),
                next: Vec::new(),
            },
            sets: Vec::new(),
            defaulted: None,
            spare_sets: Vec::new(),
            unescaped: Vec::new(),
            out_of_order: 0,
            key_orders: Vec::new(),
        })
    };
}

/// What the fast reader keeps from one case to the next.
#[derive(Default)]
struct ReaderState {
    /// Records of decided cases, to be filled in again.
    records: RecordPool,
    /// The texts read lately, given out again when repeated.
    texts: TextCache,
    /// The nested records read lately, with the text each was read from.
    read: RecordCache,
    /// The sets of texts read lately (a licence's items and end users), with the text each
    /// was read from: apart from the records, which they would otherwise push out.
    lists: RecordCache,
    /// Lists to gather a set's members in before they are sorted, one for each set being read.
    sets: Vec<Vec<Value>>,
    /// The case's record last read, weakly, with the fields it took defaults in, a bit each.
    defaulted: Option<(std::sync::Weak<[Value]>, u64)>,
    /// Sets of cases decided before, which nothing else holds, to put the members of a set of
    /// as many in (their members are overwritten).
    spare_sets: Vec<std::sync::Arc<[Value]>>,
    /// The bytes of a text with escapes, decoded (`FastReader::escaped_text`).
    unescaped: Vec<u8>,
    /// The record types (a bit each, by index modulo 64) whose keys came out of their declared
    /// order: a case written by one program gives its keys in one order (sorted, or as its
    /// serialiser has them), which is then learned and expected (`key_orders`).
    out_of_order: u64,
    /// For each record type whose keys came out of order, the order they came in: the position
    /// of the key that followed each field's (and, last, of the first key).
    key_orders: Vec<Vec<u8>>,
}

impl ReaderState {
    /// Learns that the key at `position` followed the one at `previous` (`count`, the number of
    /// fields, when it came first) in a record of type `index`.
    #[cold]
    fn learn_order(&mut self, index: u16, count: usize, previous: usize, position: usize) {
        let index = usize::from(index);
        if self.key_orders.len() <= index {
            self.key_orders.resize(index + 1, Vec::new());
        }
        let Some(order) = self.key_orders.get_mut(index) else {
            return;
        };
        if order.len() != count + 1 {
            // The declared order to begin with: each field followed by the next.
            *order = (1..=count).chain([0]).map(|next| next as u8).collect();
        }
        if let Some(next) = order.get_mut(previous) {
            *next = position as u8;
        }
    }

    /// The position of the key expected after the one at `previous` (`count`: the first) in a
    /// record of type `index`: as learned, else the next in declared order.
    #[inline]
    fn expected_after(&self, index: u16, previous: usize) -> usize {
        self.key_orders
            .get(usize::from(index))
            .and_then(|order| order.get(previous))
            .map_or(previous + 1, |next| usize::from(*next))
    }
}

/// How many sets of decided cases a thread keeps to put members in.
const SPARE_SETS: usize = 8;

/// Records to reuse, by record type: a few of each, whose fields are overwritten, each with
/// the fields known to hold their defaults (a bit each).
#[derive(Default)]
struct RecordPool {
    kept: Vec<Vec<(std::sync::Arc<[Value]>, u64)>>,
}

/// How many records of one type a thread keeps for reuse.
const KEPT_RECORDS: usize = 4;

impl RecordPool {
    /// A record of `length` fields that nothing else holds, with the fields known to hold
    /// their defaults: a kept one, or a new one (none known).
    fn take(&mut self, record: u16, length: usize) -> (std::sync::Arc<[Value]>, u64) {
        self.kept
            .get_mut(usize::from(record))
            .and_then(|kept| kept.pop())
            .filter(|(fields, _)| fields.len() == length)
            .unwrap_or_else(|| ((0..length).map(|_| Value::None).collect(), 0))
    }

    /// Keeps a record that nothing else holds as it is, its fields and all: they are
    /// overwritten (or reused) when it is filled in again, but for those `defaulted` says hold
    /// their defaults.
    fn give_whole(&mut self, value: Value, defaulted: u64) {
        let Value::Record(record, mut fields) = value else {
            return;
        };
        if std::sync::Arc::get_mut(&mut fields).is_some() {
            self.keep(record, fields, defaulted);
        }
    }

    /// Keeps a value's records that nothing else holds, the records in their fields too.
    fn give(&mut self, value: Value) {
        let Value::Record(record, mut fields) = value else {
            return;
        };
        let Some(slots) = std::sync::Arc::get_mut(&mut fields) else {
            return;
        };
        for slot in slots.iter_mut() {
            match slot {
                Value::Record(..) => self.give(std::mem::replace(slot, Value::None)),
                // The records of a set (licences) too, when nothing else holds the set.
                Value::Set(members) => {
                    if let Some(members) = std::sync::Arc::get_mut(members) {
                        for member in members.iter_mut() {
                            if matches!(member, Value::Record(..)) {
                                self.give(std::mem::replace(member, Value::None));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        self.keep(record, fields, 0);
    }

    /// Keeps a record's allocation, unless enough of its type are kept.
    fn keep(&mut self, record: u16, fields: std::sync::Arc<[Value]>, defaulted: u64) {
        let record = usize::from(record);
        if self.kept.len() <= record {
            self.kept.resize_with(record + 1, Vec::new);
        }
        if let Some(kept) = self.kept.get_mut(record)
            && kept.len() < KEPT_RECORDS
        {
            kept.push((fields, defaulted));
        }
    }
}

/// Nested records read lately, each with the text it was read from (an object of the case,
/// `{…}`): a case that gives the same object again, byte for byte (an item or an end user that
/// real traffic repeats), shares the record read before instead of reading it again. The value
/// of an object's text does not depend on what follows it, so a text that begins where the
/// object does is the whole object. Records by a hash of the object's first bytes, a
/// few to a bucket; a text is kept the second time its hash is seen, so that objects that do not repeat
/// cost no copies. A second such cache keeps sets of texts (a licence's items and end users,
/// `[…]`) the same way: a list's text, too, is its whole value.
#[derive(Default)]
struct RecordCache {
    /// The plan (`CaseShape::id`) of the program whose cases the records were read from.
    program: u64,
    kept: Vec<Option<KeptRecord>>,
    /// The hashes of objects seen and not kept, by their own bits (one in each place): an
    /// object is kept when it is seen again before another takes its place here, so objects
    /// that alternate in a bucket are kept too.
    seen: Vec<u64>,
    /// For each bucket, which of its slots is filled next.
    next: Vec<u8>,
}

/// A record the fast reader read, and where.
struct KeptRecord {
    hash: u64,
    /// What was read: a record type's index, or [`TEXT_SET`] for a set of texts; and how deep
    /// in the case it was read (the reader refuses values too deep: one read less deep is not
    /// the same answer).
    record: u32,
    depth: usize,
    /// The text it was read from, `{` to `}`.
    text: Box<[u8]>,
    value: Value,
}

/// What a [`RecordCache`] keeps a set of texts (a licence's items or end users) as, in place of
/// a record type's index: no index of a record type (at most `u16::MAX`) is this.
const TEXT_SET: u32 = u32::MAX;

/// How many records a [`RecordCache`] keeps (a power of two).
const RECORD_CACHE_SLOTS: usize = 256;
/// How many records of one bucket a [`RecordCache`] keeps.
const RECORD_CACHE_WAYS: usize = 4;
/// The longest text of a record a [`RecordCache`] keeps, in bytes.
const RECORD_CACHE_LONGEST: usize = 1024;
/// How many hashes of texts seen and not kept a [`RecordCache`] remembers (a power of two).
const RECORD_CACHE_SEEN: usize = 1024;
/// How many bytes of a set's list its hash reads at most (a multiple of eight).
const LIST_HASHED: usize = 128;

impl RecordCache {
    /// The hash of a record type's object at `start` of `bytes`, from its first 32 bytes, and
    /// its bucket: the first of [`RECORD_CACHE_WAYS`] slots. Objects that begin alike (an item
    /// given with and without a flag at its end) share a bucket, each in a slot of its own.
    #[inline(always)]
    fn bucket(bytes: &[u8], start: usize, record: u32, depth: usize) -> (u64, usize) {
        RecordCache::bucket_of_words(record, depth, |offset| word_at(bytes, start + offset))
    }

    /// The same for a set's list at `start` of `bytes`, from its bytes up to the first `]`
    /// among its first [`LIST_HASHED`]: what follows the list is left out, so that the same list
    /// is found wherever it stands, and lists that begin alike (an end user alone and with
    /// another after it) hash apart.
    #[inline(always)]
    fn list_bucket(bytes: &[u8], start: usize, record: u32, depth: usize) -> (u64, usize) {
        let mut hash = RecordCache::mix(0, u64::from(record) | (depth as u64) << 32);
        let mut offset = 0;
        while offset < LIST_HASHED {
            let word = word_at(bytes, start + offset);
            // The lowest flag of a word is its first `]` exactly.
            let flags = zero_bytes(word ^ (ONES * u64::from(b']')));
            if flags != 0 {
                let length = (flags.trailing_zeros() / 8) as usize + 1;
                hash = RecordCache::mix(hash, word & low_bytes(length));
                break;
            }
            hash = RecordCache::mix(hash, word);
            offset += 8;
        }
        (hash, RecordCache::bucket_of_hash(hash))
    }

    /// One step of the multiply-rotate hash, as `FastHasher` takes it.
    #[inline(always)]
    fn mix(hash: u64, word: u64) -> u64 {
        (hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
    }

    /// The first slot of a hash's bucket.
    #[inline(always)]
    fn bucket_of_hash(hash: u64) -> usize {
        let buckets = RECORD_CACHE_SLOTS / RECORD_CACHE_WAYS;
        (hash >> 32) as usize % buckets * RECORD_CACHE_WAYS
    }

    /// The hash of the four words `word` gives (at offsets 0, 8, 16 and 24) with what was read
    /// and how deep, and its bucket.
    #[inline(always)]
    fn bucket_of_words(record: u32, depth: usize, word: impl Fn(usize) -> u64) -> (u64, usize) {
        // Multiply-rotate over the four words, as `FastHasher` does, without its loop over
        // a slice.
        let hash = [0, 8, 16, 24].into_iter().fold(
            RecordCache::mix(0, u64::from(record) | (depth as u64) << 32),
            |hash, offset| RecordCache::mix(hash, word(offset)),
        );
        (hash, RecordCache::bucket_of_hash(hash))
    }

    /// The record kept for the object at `start` of `bytes`, with the length of its text.
    #[inline(always)]
    fn get(
        &self,
        (hash, bucket): (u64, usize),
        bytes: &[u8],
        start: usize,
        record: u32,
        depth: usize,
    ) -> Option<(&Value, usize)> {
        let slots = self.kept.get(bucket..bucket + RECORD_CACHE_WAYS)?;
        slots.iter().flatten().find_map(|kept| {
            let same = kept.hash == hash
                && kept.record == record
                && kept.depth == depth
                && bytes.get(start..start + kept.text.len()) == Some(&kept.text[..]);
            same.then_some((&kept.value, kept.text.len()))
        })
    }

    /// Keeps a record read from `text`, if its hash was seen in its bucket before, in place of
    /// the bucket's oldest.
    fn keep(
        &mut self,
        (hash, bucket): (u64, usize),
        text: &[u8],
        record: u32,
        depth: usize,
        value: &Value,
    ) {
        if text.len() > RECORD_CACHE_LONGEST {
            return;
        }
        if self.seen.is_empty() {
            self.seen.resize(RECORD_CACHE_SEEN, 0);
            self.next.resize(RECORD_CACHE_SLOTS / RECORD_CACHE_WAYS, 0);
            self.kept.resize_with(RECORD_CACHE_SLOTS, || None);
        }
        let Some(seen) = self.seen.get_mut((hash >> 16) as usize % RECORD_CACHE_SEEN) else {
            return;
        };
        if *seen != hash {
            *seen = hash;
            return;
        }
        let Some(next) = self.next.get_mut(bucket / RECORD_CACHE_WAYS) else {
            return;
        };
        let way = usize::from(*next) % RECORD_CACHE_WAYS;
        *next = next.wrapping_add(1);
        if let Some(entry) = self.kept.get_mut(bucket + way) {
            *entry = Some(KeptRecord {
                hash,
                record,
                depth,
                text: text.into(),
                value: value.clone(),
            });
        }
    }
}

/// How deep the fast reader goes into records and sets; a deeper case is the careful reader's.
const DEEPEST: usize = 32;

struct FastReader<'a> {
    /// The case's bytes, which need not be UTF-8 (a batch's line is not checked first).
    bytes: &'a [u8],
    at: usize,
    shape: &'a CaseShape,
    state: &'a mut ReaderState,
}

/// The bytes of a word of eight (little-endian) that may end the plain part of a JSON string,
/// each flagged by its high bit: a quote, a backslash or a control character. The lowest flag
/// is exact; a flag above it may be false (a borrow), which the reader never looks at.
/// The batch writer asks the same of the texts it writes (`report::decision_line`).
#[inline(always)]
pub(crate) fn plain_text_ends(word: u64) -> u64 {
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    zero_bytes(word ^ (ONES * u64::from(b'"')))
        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
        | control
}

/// The bytes of a date's first word, `YYYY-MM-`, that are digits.
const DATE_DIGITS: u64 = 0x00FF_FF00_FFFF_FFFF;
/// The same word's dashes, where they belong.
const DATE_DASHES: u64 = 0x2D00_002D_0000_0000;
/// The bytes of its second word, `DD"`, that are digits.
const DAY_DIGITS: u64 = 0xFFFF;
/// The low half of each byte of a word.
const LOW_NIBBLES: u64 = 0x0F0F_0F0F_0F0F_0F0F;

/// Whether the bytes of `word` in `places` (whole bytes) are ASCII digits: a high half of 3
/// and a low half that does not reach 16 when 6 is added (no byte carries into the next).
#[inline(always)]
fn all_digits(word: u64, places: u64) -> bool {
    let high = word & places & !LOW_NIBBLES;
    let low = word & places & LOW_NIBBLES;
    high == places & (ONES * 0x30) && (low + (places & (ONES * 0x06))) & (ONES * 0x10) == 0
}

/// A byte of one in each place of a word.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of each byte of a word.
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The zero bytes of a word, each flagged by its high bit: the lowest flag is exact, a flag
/// above it may be false (a borrow).
#[inline(always)]
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

impl<'a> FastReader<'a> {
    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.at += 1;
        }
    }

    /// The next byte that is not space, not read; `None` at the end.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        // Compact JSON has no space between tokens: the byte is tried before any is skipped.
        match self.bytes.get(self.at) {
            Some(&byte) if byte > b' ' => Some(byte),
            _ => {
                self.skip_space();
                self.bytes.get(self.at).copied()
            }
        }
    }

    /// Reads `byte`, after any space, if it comes next.
    #[inline(always)]
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// After a member of a list or an object: whether another follows (a comma, read) or the
    /// list ends (`close`, read); `None` for anything else.
    #[inline(always)]
    fn more(&mut self, close: u8) -> Option<bool> {
        let byte = self.peek()?;
        self.at += 1;
        if byte == b',' {
            Some(true)
        } else {
            (byte == close).then_some(false)
        }
    }

    /// Reads `word` (`null`, `true`, `false`) if it comes next.
    fn literal(&mut self, word: &[u8]) -> bool {
        let at = self.at;
        if self.bytes.get(at..at + word.len()) == Some(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    /// Where the string that begins at `start` (after its opening quote) ends: its closing
    /// quote; `None` for an escape, a control character or the end of the text.
    #[inline]
    fn string_end(&self, start: usize) -> Option<usize> {
        // Eight bytes at a time: the lowest flagged byte of a word is the first that ends the
        // plain text (flags are never missed; a false one only ever follows a true one). Past
        // the end of the text a word is zeros, which are flagged.
        let mut at = start;
        loop {
            let flags = plain_text_ends(word_at(self.bytes, at));
            if flags != 0 {
                let end = at + (flags.trailing_zeros() / 8) as usize;
                return (self.bytes.get(end) == Some(&b'"')).then_some(end);
            }
            at += 8;
        }
    }

    /// A string without escapes, as the bytes between its quotes: UTF-8 only if they are a
    /// name looked up (`NameTable`) or a text that is checked (`TextCache::text`).
    #[inline(always)]
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.at;
        let end = self.string_end(start)?;
        self.at = end + 1;
        self.bytes.get(start..end)
    }

    /// A string as a text: the one kept if the same text was read lately. A string with
    /// escapes (`\u00fc`, as Python's `json.dumps` writes every character beyond ASCII) is
    /// decoded as the careful reader decodes it.
    #[inline(always)]
    fn text(&mut self) -> Option<std::sync::Arc<str>> {
        self.eat(b'"')?;
        let start = self.at;
        match self.string_end(start) {
            Some(end) => {
                self.at = end + 1;
                self.state.texts.text(self.bytes.get(start..end)?)
            }
            None => self.escaped_text(start),
        }
    }

    /// The text of a string that begins at `start` (after its opening quote) and has an
    /// escape, or else ends in a way `string_end` does not read (a control character, the end
    /// of the text: `None`).
    #[inline(never)]
    fn escaped_text(&mut self, start: usize) -> Option<std::sync::Arc<str>> {
        let mut decoded = std::mem::take(&mut self.state.unescaped);
        decoded.clear();
        let end = unescape(self.bytes, start, &mut decoded);
        let text = end.and_then(|_| self.state.texts.text(&decoded));
        self.state.unescaped = decoded;
        self.at = end? + 1;
        text
    }

    /// A member of the enum with this index, given by name as a string without escapes.
    #[inline(always)]
    fn member(&mut self, index: u16) -> Option<u16> {
        let table = self.shape.members.get(usize::from(index))?;
        self.eat(b'"')?;
        let start = self.at;
        let first = word_at(self.bytes, start);
        // Most names are at most seven bytes long (a country, a general authorisation): their
        // first word, cut after its first quote, is the name and its closing quote, which the
        // table finds as it is (a word with an escape or a control character is no name's).
        let quotes = zero_bytes(first ^ (ONES * u64::from(b'"')));
        if quotes != 0 {
            let length = (quotes.trailing_zeros() / 8) as usize;
            if length != 0 {
                self.at = start + length + 1;
                return table.get_quoted(first & low_bytes(length + 1));
            }
        }
        // Else most are at most 24 bytes long: the words that find their end are the name,
        // without a control character (so without a zero byte) before the end.
        let flags = plain_text_ends(first);
        let (length, words) = if flags != 0 {
            let length = (flags.trailing_zeros() / 8) as usize;
            (length, (first & low_bytes(length), 0, 0))
        } else {
            let second = word_at(self.bytes, start + 8);
            let flags = plain_text_ends(second);
            if flags != 0 {
                let length = (flags.trailing_zeros() / 8) as usize;
                (8 + length, (first, second & low_bytes(length), 0))
            } else {
                let third = word_at(self.bytes, start + 16);
                let flags = plain_text_ends(third);
                if flags == 0 {
                    let end = self.string_end(start)?;
                    self.at = end + 1;
                    return table.get_bytes(self.bytes.get(start..end)?);
                }
                let length = (flags.trailing_zeros() / 8) as usize;
                (16 + length, (first, second, third & low_bytes(length)))
            }
        };
        if self.bytes.get(start + length) != Some(&b'"') {
            return None;
        }
        self.at = start + length + 1;
        if length == 0 {
            return table.get("");
        }
        table.get_plain(words)
    }

    /// A date written `"YYYY-MM-DD"`.
    #[inline(always)]
    fn date(&mut self) -> Option<Date> {
        self.eat(b'"')?;
        let at = self.at;
        // `YYYY-MM-` and `DD"` as two words (zero past the end of the text), their digits
        // checked and read eight bytes at a time.
        let head = word_at(self.bytes, at);
        let tail = word_at(self.bytes, at + 8) & low_bytes(3);
        if head & !DATE_DIGITS != DATE_DASHES
            || tail & !DAY_DIGITS != u64::from(b'"') << 16
            || !all_digits(head, DATE_DIGITS)
            || !all_digits(tail, DAY_DIGITS)
        {
            return None;
        }
        // Each digit's value in its byte, then each pair's (the first digit is the low byte):
        // at most 99, so no byte carries into the next.
        let digits = head & DATE_DIGITS & LOW_NIBBLES;
        let pairs = digits * 10 + (digits >> 8);
        let year = (pairs & 0xFF) * 100 + (pairs >> 16 & 0xFF);
        let month = pairs >> 40 & 0xFF;
        let day_digits = tail & LOW_NIBBLES;
        let day = (day_digits & 0xFF) * 10 + (day_digits >> 8 & 0xFF);
        self.at = at + 11;
        // As `Date::parse` reads the same text: a date out of the calendar is the careful
        // reader's to explain. The values are at most 9999 and 99.
        Date::from_ymd(year as i32, month as u32, day as u32).ok()
    }

    /// Reads a field's value into its slot of a record: a value of one of the common kinds is
    /// written there straight away, and what the slot held (a record's of a case decided
    /// before) is let go, or reused where it is a record or a set of the same kind.
    #[inline(always)]
    fn field(&mut self, field: &'a FieldShape, slot: &mut Value, depth: usize) -> Option<()> {
        if field.optional && self.peek()? == b'n' && self.literal(b"null") {
            put(slot, Value::None);
            return Some(());
        }
        match &field.kind {
            ValueKind::Enum(index) => put(slot, Value::Enum(*index, self.member(*index)?)),
            ValueKind::Text => *slot = Value::Text(self.text()?),
            ValueKind::Date => put(slot, Value::Date(self.date()?)),
            ValueKind::Bool => put(slot, Value::Bool(self.boolean()?)),
            ValueKind::EnumSet(index) => {
                // Most such lists in cases are empty, and written so; the slot often holds an
                // empty set of the same enum already.
                if self.bytes.get(self.at..self.at + 2) == Some(b"[]") {
                    self.at += 2;
                    if !matches!(slot, Value::EnumSet(held, set) if held == index && set.is_empty())
                    {
                        put(
                            slot,
                            Value::EnumSet(*index, super::value::EnumSet::default()),
                        );
                    }
                } else {
                    put(
                        slot,
                        Value::EnumSet(*index, self.enum_set_members(*index, depth)?),
                    );
                }
            }
            ValueKind::Record(index) => self.nested_record(*index, depth, slot)?,
            ValueKind::Set(inner) => self.set(inner, depth, slot)?,
            kind => *slot = self.value(kind, depth)?,
        }
        Some(())
    }

    /// A set other than of enum members, into its slot: an empty one is the shared empty set
    /// (left where the slot holds it already); a set of texts read before from the same text
    /// is the one kept then; the members of one the slot held go back to the reader's records
    /// when nothing else holds them, and its allocation holds the new members when there are
    /// as many.
    fn set(&mut self, inner: &'a ValueKind, depth: usize, slot: &mut Value) -> Option<()> {
        if depth > DEEPEST || self.peek()? != b'[' {
            return None;
        }
        let start = self.at;
        self.at += 1;
        if self.peek()? == b']' {
            self.at += 1;
            if !matches!(slot, Value::Set(members) if members.is_empty()) {
                // The set the slot held (a case's licences before) gives its records back to
                // be read into, rather than freeing them.
                let held = std::mem::replace(slot, Value::set_of(Vec::new(), None));
                self.spare(held, inner);
            }
            return Some(());
        }
        // A set of texts (a licence's items or end users) is most often one read before, byte
        // for byte: the set kept for the same text is shared, as a nested record is.
        if let ValueKind::Text = inner {
            let bucket = RecordCache::list_bucket(self.bytes, start, TEXT_SET, depth);
            if let Some((value, length)) = self
                .state
                .lists
                .get(bucket, self.bytes, start, TEXT_SET, depth)
            {
                let value = value.clone();
                self.at = start + length;
                let held = std::mem::replace(slot, value);
                self.spare(held, inner);
                return Some(());
            }
            self.set_members(inner, depth, slot)?;
            let text = self.bytes.get(start..self.at)?;
            self.state.lists.keep(bucket, text, TEXT_SET, depth, slot);
            return Some(());
        }
        self.set_members(inner, depth, slot)
    }

    /// Keeps a set a slot held, when nothing else holds it, for a set of as many members; its
    /// records (licences) go back to be read into.
    fn spare(&mut self, held: Value, inner: &ValueKind) {
        // Most often the set is a list of texts kept by the reader too, shared: only let go
        // (its count read first, which is cheaper than asking for it alone).
        if let Value::Set(mut held) = held
            && std::sync::Arc::strong_count(&held) == 1
            && let Some(places) = std::sync::Arc::get_mut(&mut held)
        {
            if matches!(inner, ValueKind::Record(_)) {
                for member in places.iter_mut() {
                    self.state
                        .records
                        .give(std::mem::replace(member, Value::None));
                }
            }
            if self.state.spare_sets.len() >= SPARE_SETS {
                // The oldest goes; the order of the others is of no account.
                self.state.spare_sets.swap_remove(0);
            }
            self.state.spare_sets.push(held);
        }
    }

    /// The members of a set after its `[`, through its `]`, into its slot, sorted: in a set
    /// the slot held when there are as many, else in a set kept from a case before, or a new
    /// one.
    fn set_members(&mut self, inner: &'a ValueKind, depth: usize, slot: &mut Value) -> Option<()> {
        // The set the slot held is kept for a set of as many members.
        let held = std::mem::replace(slot, Value::None);
        self.spare(held, inner);
        // The members are gathered in a list kept for the next set, and go into a kept set of
        // as many once sorted, or a new one.
        let mut members = self.state.sets.pop().unwrap_or_default();
        let read = self.members(inner, depth, &mut members);
        let set = read.map(|()| {
            sort_members(&mut members);
            let spare = self
                .state
                .spare_sets
                .iter()
                .rposition(|spare| spare.len() == members.len())
                .map(|position| self.state.spare_sets.swap_remove(position));
            match spare {
                Some(mut spare) => match std::sync::Arc::get_mut(&mut spare) {
                    Some(places) => {
                        for (place, member) in places.iter_mut().zip(members.drain(..)) {
                            *place = member;
                        }
                        Value::Set(spare)
                    }
                    None => Value::Set(members.drain(..).collect()),
                },
                None => Value::Set(members.drain(..).collect()),
            }
        });
        members.clear();
        self.state.sets.push(members);
        *slot = set?;
        Some(())
    }

    /// `true` or `false`.
    fn boolean(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' if self.literal(b"true") => Some(true),
            b'f' if self.literal(b"false") => Some(false),
            _ => None,
        }
    }

    fn value(&mut self, kind: &'a ValueKind, depth: usize) -> Option<Value> {
        if depth > DEEPEST {
            return None;
        }
        Some(match kind {
            ValueKind::Enum(index) => Value::Enum(*index, self.member(*index)?),
            ValueKind::Text => Value::Text(self.text()?),
            ValueKind::Date => Value::Date(self.date()?),
            ValueKind::Optional(inner) => {
                if self.peek()? == b'n' && self.literal(b"null") {
                    Value::None
                } else {
                    return self.value(inner, depth);
                }
            }
            ValueKind::Bool => Value::Bool(self.boolean()?),
            ValueKind::Record(index) => {
                let mut slot = Value::None;
                self.nested_record(*index, depth, &mut slot)?;
                slot
            }
            ValueKind::EnumSet(index) => Value::EnumSet(*index, self.enum_set(*index, depth)?),
            ValueKind::Set(inner) => {
                self.eat(b'[')?;
                // The members are gathered in a list kept for the next set, and go into the
                // set's one allocation once sorted.
                let mut members = self.state.sets.pop().unwrap_or_default();
                let read = self.members(inner, depth, &mut members);
                let set = read.map(|()| sorted_set(&mut members));
                members.clear();
                self.state.sets.push(members);
                set?
            }
            ValueKind::Careful => return None,
        })
    }

    /// A set of members of the enum with this index, straight into its bits.
    #[inline]
    fn enum_set(&mut self, index: u16, depth: usize) -> Option<super::value::EnumSet> {
        // Most such lists in cases are empty, and written so.
        if self.bytes.get(self.at..self.at + 2) == Some(b"[]") {
            self.at += 2;
            return Some(super::value::EnumSet::default());
        }
        self.enum_set_members(index, depth)
    }

    /// The same, for a list that may have members.
    #[inline(never)]
    fn enum_set_members(&mut self, index: u16, depth: usize) -> Option<super::value::EnumSet> {
        self.eat(b'[')?;
        let mut set = super::value::EnumSet::default();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(set);
        }
        // A member is a level deeper than its set.
        if depth >= DEEPEST {
            return None;
        }
        loop {
            set.insert(self.member(index)?);
            if !self.more(b']')? {
                return Some(set);
            }
        }
    }

    /// The members of a list after its `[`, through its `]`.
    fn members(
        &mut self,
        inner: &'a ValueKind,
        depth: usize,
        members: &mut Vec<Value>,
    ) -> Option<()> {
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        if let ValueKind::Text = inner {
            // Texts (a licence's items and end users), read here rather than one by one
            // through `value`; a member is a level deeper than its set.
            if depth >= DEEPEST {
                return None;
            }
            loop {
                members.push(Value::Text(self.text()?));
                if !self.more(b']')? {
                    return Some(());
                }
            }
        }
        loop {
            members.push(self.value(inner, depth + 1)?);
            if !self.more(b']')? {
                return Some(());
            }
        }
    }

    /// The position of the field whose key comes next, with its colon read. Cases usually give
    /// the fields in their declared order, as compact JSON, some left out: the key is compared
    /// with the expected field's (the one after the field before) first, then with those of
    /// the fields after it.
    #[inline(always)]
    fn key(&mut self, record: &'a RecordShape, expected: usize) -> Option<(usize, &'a FieldShape)> {
        // The key's first sixteen bytes, read once for every field they are compared with.
        // Space before the key (`, "name"`, as Python's `json.dumps` writes) is skipped first,
        // so that spaced JSON is matched by words as compact JSON is; a key begins with a quote,
        // never with a byte up to a space (the end of the text reads as zeros).
        let mut at = self.at;
        let mut first = word_at(self.bytes, at);
        if first as u8 <= b' ' {
            self.skip_space();
            at = self.at;
            first = word_at(self.bytes, at);
        }
        let words = (first, word_at(self.bytes, at + 8));
        if let Some(field) = record.fields.get(expected)
            && self.key_is_expected(field, words, at)
        {
            self.at = at + field.key.len();
            return Some((expected, field));
        }
        self.later_key(record, expected + 1, words, at)
    }

    /// Whether the bytes at `at`, whose first sixteen are `words`, begin with the expected
    /// field's key (most often they do): both words in one test. A key of at most sixteen bytes
    /// is all in them.
    #[inline(always)]
    fn key_is_expected(&self, field: &FieldShape, (first, second): (u64, u64), at: usize) -> bool {
        let [m0, m1, m2, _] = field.key_masks;
        let [k0, k1, _, _] = field.key_words;
        ((first ^ k0) & m0 | (second ^ k1) & m1) == 0 && (m2 == 0 || self.rest_of_key_is(field, at))
    }

    /// The same for a field that is not the expected one (most often it is not the key): the
    /// second word is only compared when the first matches.
    #[inline(always)]
    fn key_is(&self, field: &FieldShape, (first, second): (u64, u64), at: usize) -> bool {
        let [m0, m1, m2, _] = field.key_masks;
        let [k0, k1, _, _] = field.key_words;
        first & m0 == k0 && second & m1 == k1 && (m2 == 0 || self.rest_of_key_is(field, at))
    }

    /// The same as [`FastReader::key`] for a key that is not the expected one: the fields
    /// after it (some left out), then any field by name (a key out of order, with space about
    /// it, or not one of the record's).
    #[inline(always)]
    fn later_key(
        &mut self,
        record: &'a RecordShape,
        from: usize,
        words: (u64, u64),
        at: usize,
    ) -> Option<(usize, &'a FieldShape)> {
        let later = record.fields.get(from..).unwrap_or_default();
        for (after, field) in later.iter().enumerate() {
            if self.key_is(field, words, at) {
                self.at = at + field.key.len();
                return Some((from + after, field));
            }
        }
        let name = self.string()?;
        self.eat(b':')?;
        let position = usize::from(record.names.get_bytes(name)?);
        // A key before the one expected: the record type's keys are expected in the order
        // they come from its next record on.
        if position + 1 < from {
            self.state.out_of_order |= 1 << (record.index % 64);
        }
        Some((position, record.fields.get(position)?))
    }

    /// Whether the bytes at `at` go on as a field's key after its first sixteen: asked once
    /// those match, so kept apart from the loop over the fields.
    #[inline(never)]
    fn rest_of_key_is(&self, field: &FieldShape, at: usize) -> bool {
        let [_, _, k2, k3] = field.key_words;
        let [_, _, m2, m3] = field.key_masks;
        (m2 == 0 || word_at(self.bytes, at + 16) & m2 == k2)
            && (m3 == 0 || word_at(self.bytes, at + 24) & m3 == k3)
            // A longer key: the rest compared too.
            && (field.key.len() <= 32
                || self.bytes.get(at..at + field.key.len()) == Some(&field.key[..]))
    }

    /// A record inside the case, into its slot: the one kept for the same text if there is
    /// one, else read (and kept if its text comes again). A record the slot held goes back to
    /// the reader's records when nothing else holds it.
    fn nested_record(&mut self, index: u16, depth: usize, slot: &mut Value) -> Option<()> {
        if self.peek()? != b'{' {
            return None;
        }
        let start = self.at;
        let record = u32::from(index);
        let bucket = RecordCache::bucket(self.bytes, start, record, depth);
        if let Some((value, length)) = self
            .state
            .read
            .get(bucket, self.bytes, start, record, depth)
        {
            let value = value.clone();
            self.at = start + length;
            let mut held = std::mem::replace(slot, value);
            // Most often the record the slot held was one kept here too, shared: only let go
            // (its count read first, which is cheaper than asking for it alone).
            if let Value::Record(_, fields) = &mut held
                && std::sync::Arc::strong_count(fields) == 1
                && std::sync::Arc::get_mut(fields).is_some()
            {
                self.state.records.give(held);
            }
            return Some(());
        }
        let held = std::mem::replace(slot, Value::None);
        self.state.records.give(held);
        let value = self.record(index, depth)?;
        let text = self.bytes.get(start..self.at)?;
        self.state.read.keep(bucket, text, record, depth, &value);
        *slot = value;
        Some(())
    }

    /// A record's fields after its `{`, through its `}`, each into its slot; which fields were
    /// given, a bit each. Keys are expected in their declared order, or (`LEARNED`, for a
    /// record type whose keys came out of it) in the order they came in, learned as they come.
    #[inline(always)]
    fn fields<const LEARNED: bool>(
        &mut self,
        record: &'a RecordShape,
        slots: &mut [Value],
        depth: usize,
    ) -> Option<u64> {
        let count = record.fields.len();
        let mut given: u64 = 0;
        let mut previous = count;
        let mut expected = match LEARNED {
            true => self.state.expected_after(record.index, count),
            false => 0,
        };
        loop {
            let (position, field) = self.key(record, expected)?;
            if LEARNED && position != expected {
                self.state
                    .learn_order(record.index, count, previous, position);
            }
            let bit = 1u64 << position;
            if given & bit != 0 {
                return None;
            }
            given |= bit;
            self.field(field, slots.get_mut(position)?, depth + 1)?;
            expected = match LEARNED {
                true => self.state.expected_after(record.index, position),
                false => position + 1,
            };
            previous = position;
            if !self.more(b'}')? {
                return Some(given);
            }
        }
    }

    fn record(&mut self, index: u16, depth: usize) -> Option<Value> {
        if depth > DEEPEST {
            return None;
        }
        let shape = self.shape;
        let record = shape.records.get(usize::from(index))?;
        // Which fields the case gives, a bit each: a record of more fields is left to the
        // careful reader.
        let count = record.fields.len();
        if count > 64 {
            return None;
        }
        self.eat(b'{')?;
        // The record's one allocation, reused from a case decided before when there is one
        // (`recycle_case`).
        let (mut fields, defaulted) = self.state.records.take(index, count);
        let slots = std::sync::Arc::get_mut(&mut fields)?;
        let mut given: u64 = 0;
        if self.peek()? == b'}' {
            self.at += 1;
        } else {
            // The fields are a level deeper than the record.
            if depth >= DEEPEST {
                return None;
            }
            given = match self.state.out_of_order & 1 << (index % 64) {
                0 => self.fields::<false>(record, slots, depth)?,
                _ => self.fields::<true>(record, slots, depth)?,
            };
        }
        // The fields the case does not give take their defaults (what a reused record held
        // there is let go), but for those that hold them still; a required field the case does
        // not give: the careful reader says so.
        let missing = low_bits(count) & !given;
        let mut unwritten = missing & !defaulted;
        while unwritten != 0 {
            let position = unwritten.trailing_zeros() as usize;
            let slot = slots.get_mut(position)?;
            // The defaults most fields have are written without a clone's dispatch, and not at
            // all where the reused record holds them already.
            match record.fields.get(position)?.default.as_ref()? {
                Value::None => {
                    if !matches!(slot, Value::None) {
                        put(slot, Value::None);
                    }
                }
                Value::Bool(default) => {
                    if !matches!(slot, Value::Bool(held) if held == default) {
                        put(slot, Value::Bool(*default));
                    }
                }
                Value::Enum(ty, member) => put(slot, Value::Enum(*ty, *member)),
                default => *slot = default.clone(),
            }
            unwritten &= unwritten - 1;
        }
        // The case's record: which fields hold their defaults is known when it comes back.
        if depth == 0 {
            self.state.defaulted = Some((std::sync::Arc::downgrade(&fields), missing));
        }
        Some(Value::Record(index, fields))
    }
}

/// Decodes the string that begins at `at` (after its opening quote) into `out`, its escapes
/// as the careful reader decodes them (`syntax::json`); where its closing quote is. `None` for
/// a string the careful reader refuses (a control character, an unknown escape, a `\u` escape
/// without four hex digits, a surrogate unpaired) or that does not end. Other bytes are copied
/// as they are: whether they are UTF-8 is asked of the whole text.
fn unescape(bytes: &[u8], mut at: usize, out: &mut Vec<u8>) -> Option<usize> {
    loop {
        match *bytes.get(at)? {
            b'"' => return Some(at),
            b'\\' => {
                let escape = *bytes.get(at + 1)?;
                at += 2;
                let byte = match escape {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b'f' => 0x0C,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'u' => {
                        let first = hex4(bytes.get(at..at + 4)?)?;
                        at += 4;
                        let code = match first {
                            0xD800..=0xDBFF => {
                                if bytes.get(at..at + 2)? != b"\\u" {
                                    return None;
                                }
                                let second = hex4(bytes.get(at + 2..at + 6)?)?;
                                if !(0xDC00..=0xDFFF).contains(&second) {
                                    return None;
                                }
                                at += 6;
                                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                            }
                            0xDC00..=0xDFFF => return None,
                            code => code,
                        };
                        let mut utf8 = [0u8; 4];
                        out.extend_from_slice(
                            char::from_u32(code)?.encode_utf8(&mut utf8).as_bytes(),
                        );
                        continue;
                    }
                    _ => return None,
                };
                out.push(byte);
            }
            byte if byte < 0x20 => return None,
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
}

/// The value of four hex digits (either case), as a `\u` escape writes a code unit.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0, |value, digit| {
        Some(value * 16 + char::from(*digit).to_digit(16)?)
    })
}

/// The mask of a word's lowest `count` bits (all of them from 64).
fn low_bits(count: usize) -> u64 {
    match count {
        64.. => u64::MAX,
        _ => (1u64 << count) - 1,
    }
}

/// A set of the members gathered (which it takes), as `Value::set_of` makes it: sorted, the
/// first of equal members kept.
fn sorted_set(members: &mut Vec<Value>) -> Value {
    if members.is_empty() {
        return Value::set_of(Vec::new(), None);
    }
    sort_members(members);
    // From a draining iterator of known length, the set's members go straight into its one
    // allocation.
    Value::Set(members.drain(..).collect())
}

/// Sorts the members gathered for a set, the first of equal members kept.
fn sort_members(members: &mut Vec<Value>) {
    // Most sets in cases come sorted, or have one member.
    if !members.is_sorted_by(|a, b| a.total_cmp(b).is_lt()) {
        members.sort_by(Value::total_cmp);
        members.dedup_by(|a, b| a.total_cmp(b).is_eq());
    }
}

/// Writes a value into a slot: what the slot held is only dropped when it holds an allocation
/// (a text, a set or a record), so that overwriting a plain value calls no destructor.
#[inline(always)]
fn put(slot: &mut Value, value: Value) {
    match slot {
        Value::Text(_) | Value::Set(_) | Value::Record(..) => *slot = value,
        Value::Bool(_)
        | Value::Int(_)
        | Value::Decimal(_)
        | Value::Date(_)
        | Value::Duration(_)
        | Value::Enum(..)
        | Value::EnumSet(..)
        | Value::None => std::mem::forget(std::mem::replace(slot, value)),
    }
}

/// What a case without a date is told, wherever it is asked.
pub(crate) const NO_DATE: &str = "the case has no `date`";

/// A case without a `date`, where no date was given to decide it as of: one diagnostic for the
/// command line, batches, the library and tests, with the help that fits where it was asked.
#[derive(Debug, Error, Diagnostic)]
#[error("{}", NO_DATE)]
#[diagnostic(code(licit::case::missing_field), help("{help}"))]
pub struct NoDate {
    /// How to give the date, where the case was asked.
    pub help: &'static str,
}

#[cfg(test)]
mod tests {
    use super::plain_text_ends;

    /// The lowest flag of a word is its first quote, backslash or control byte, on words of
    /// every byte in every place among plain bytes, ASCII and not.
    #[test]
    fn the_lowest_flag_is_the_first_byte_that_ends_plain_text() {
        let ends = |byte: u8| byte == b'"' || byte == b'\\' || byte < 0x20;
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for round in 0..20_000u32 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let mut bytes = state.to_le_bytes();
            // Mostly plain bytes, with one chosen byte put somewhere.
            for byte in &mut bytes {
                if ends(*byte) {
                    *byte = b'a';
                }
            }
            let chosen = (round % 256) as u8;
            bytes[(round / 256 % 8) as usize] = chosen;
            let first = bytes.iter().position(|b| ends(*b));
            let flags = plain_text_ends(u64::from_le_bytes(bytes));
            let found = (flags != 0).then(|| (flags.trailing_zeros() / 8) as usize);
            assert_eq!(found, first, "{bytes:?}");
        }
    }
}
