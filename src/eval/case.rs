//! Decoding a JSON case into a value of the policy's input type, with a diagnostic pointing
//! into the JSON for everything that does not fit; and reading `--param` values.

use miette::Diagnostic;
use thiserror::Error;

use crate::check::Policy;
use crate::check::ir::{MAX_KEPT_DURATION, MAX_KEPT_INT, Type, kept_decimal};
use crate::syntax::Span;
use crate::syntax::calendar::{Date, Duration};
use crate::syntax::json::{self, Json, JsonError, JsonKind};

use super::hash::{NameTable, TextCache, same_text};
use super::ir::{CaseShape, Program};
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
                Some(duration) => Value::Duration(duration),
                None => self.wrong(
                    json,
                    ty,
                    "write a duration as \"5 years\", \"3 months\" or \"30 days\", of at most 16777216 months or days".to_string(),
                ),
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

/// A duration of a case or a `--param`, if it is one of at most `MAX_KEPT_DURATION` months or
/// days: the checker proves sums of durations exact for durations of that length.
fn parse_duration(text: &str) -> Option<Duration> {
    let mut words = text.split_whitespace();
    let count: i32 = words.next()?.parse().ok()?;
    let kept = |n: i32| (n.unsigned_abs() <= MAX_KEPT_DURATION.unsigned_abs()).then_some(n);
    let unit = words.next()?;
    if words.next().is_some() {
        return None;
    }
    match unit {
        "year" | "years" => Some(Duration {
            months: kept(count.checked_mul(12)?)?,
            days: 0,
        }),
        "month" | "months" => Some(Duration {
            months: kept(count)?,
            days: 0,
        }),
        "day" | "days" => Some(Duration {
            months: 0,
            days: kept(count)?,
        }),
        _ => None,
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
        Type::Duration => parse_duration(text).map(Value::Duration).ok_or_else(|| {
            "expected a duration such as `5 years`, of at most 16777216 months or days".to_string()
        }),
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
    /// The tables of a program's policy.
    pub(super) fn of(program: &Program) -> CaseShape {
        let policy = &program.policy;
        let members = policy
            .enums
            .iter()
            .map(|e| NameTable::new(e.members.iter().map(String::as_str)))
            .collect();
        // Each field's default and its key, record by record.
        let (defaults, keys) = policy
            .records
            .iter()
            .map(|record| {
                record
                    .fields
                    .iter()
                    .map(|field| {
                        let default = match (&field.default, &field.ty) {
                            (Some(default), _) => Some(program.constant_value(default)),
                            (None, Type::Optional(_)) => Some(Value::None),
                            (None, _) => None,
                        };
                        let key: Box<[u8]> = format!("\"{}\":", field.name).into_bytes().into();
                        (default, key)
                    })
                    .unzip()
            })
            .unzip();
        CaseShape {
            members,
            defaults,
            keys,
        }
    }
}

/// Reads a case that is well formed in one pass, without building a JSON tree; `None` for
/// anything unusual (an error, an escape in a name), which the careful reader then explains.
pub fn decode_case_fast(program: &Program, text: &str) -> Option<Value> {
    // The records to reuse and the texts read lately serve one case after another on a thread.
    let records = RECORDS.with(|records| records.take());
    let texts = TEXTS.with(|texts| texts.take());
    let mut reader = FastReader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        program,
        records,
        texts,
    };
    let value = reader.value(&Type::Record(program.policy.input), 0);
    reader.skip_space();
    let ended = reader.at == reader.bytes.len();
    RECORDS.with(|pool| pool.replace(reader.records));
    TEXTS.with(|pool| pool.replace(reader.texts));
    value.filter(|_| ended)
}

/// Gives a decided case's records back to this thread's fast reader, which fills them in again
/// for the next case instead of allocating new ones: what a batch does after each line. A
/// record still shared elsewhere is only let go.
pub fn recycle_case(case: Value) {
    RECORDS.with(|pool| {
        let mut records = pool.take();
        records.give(case);
        pool.replace(records);
    });
}

thread_local! {
    /// Records of decided cases, to be filled in again by the fast reader.
    static RECORDS: std::cell::Cell<RecordPool> = std::cell::Cell::new(RecordPool::default());
    /// The texts the fast reader read lately on this thread, given out again when repeated.
    static TEXTS: std::cell::Cell<TextCache> = std::cell::Cell::new(TextCache::default());
}

/// Records to reuse, by record type: a few of each, whose fields are overwritten.
#[derive(Default)]
struct RecordPool {
    kept: Vec<Vec<std::sync::Arc<[Value]>>>,
}

/// How many records of one type a thread keeps for reuse.
const KEPT_RECORDS: usize = 4;

impl RecordPool {
    /// A record of `length` fields that nothing else holds: a kept one, or a new one.
    fn take(&mut self, record: usize, length: usize) -> std::sync::Arc<[Value]> {
        self.kept
            .get_mut(record)
            .and_then(|kept| kept.pop())
            .filter(|fields| fields.len() == length)
            .unwrap_or_else(|| (0..length).map(|_| Value::None).collect())
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
            if matches!(slot, Value::Record(..)) {
                self.give(std::mem::replace(slot, Value::None));
            }
        }
        let record = usize::from(record);
        if self.kept.len() <= record {
            self.kept.resize_with(record + 1, Vec::new);
        }
        if let Some(kept) = self.kept.get_mut(record)
            && kept.len() < KEPT_RECORDS
        {
            kept.push(fields);
        }
    }
}

struct FastReader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    program: &'a Program,
    /// Records to fill in rather than allocate.
    records: RecordPool,
    /// Texts read lately, shared rather than allocated again.
    texts: TextCache,
}

/// The bytes of a word of eight (little-endian) that may end the plain part of a JSON string,
/// each flagged by its high bit: a quote, a backslash or a control character. The lowest flag
/// is exact; a flag above it may be false (a borrow), which the reader never looks at.
/// The batch writer asks the same of the names it writes (`report::decision`).
pub(crate) fn plain_text_ends(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\')))
        | control
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

    fn eat(&mut self, byte: u8) -> Option<()> {
        // Compact JSON has no space between tokens: the byte is tried before any is skipped.
        if self.bytes.get(self.at) != Some(&byte) {
            self.skip_space();
        }
        (self.bytes.get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    fn peek(&mut self) -> Option<u8> {
        if self.bytes.get(self.at).is_none_or(|b| *b <= b' ') {
            self.skip_space();
        }
        self.bytes.get(self.at).copied()
    }

    /// A string without escapes, as a slice of the text.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        // Eight bytes at a time: the lowest flagged byte of a word is the first that ends the
        // plain text (flags are never missed; a false one only ever follows a true one).
        while let Some(word) = self.bytes.get(self.at..self.at + 8) {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(word);
            let flags = plain_text_ends(u64::from_le_bytes(eight));
            if flags != 0 {
                self.at += (flags.trailing_zeros() / 8) as usize;
                break;
            }
            self.at += 8;
        }
        while let Some(&byte) = self.bytes.get(self.at) {
            match byte {
                b'"' => {
                    // Both ends are ASCII quotes, so they are character boundaries.
                    let text = self.text.get(start..self.at)?;
                    self.at += 1;
                    return Some(text);
                }
                b'\\' => return None,
                byte if byte < 0x20 => return None,
                _ => self.at += 1,
            }
        }
        None
    }

    /// Whether the next string is exactly `name` without escapes: if so it is read. A key the
    /// case gives in the declared order is matched by one comparison, without a scan.
    fn key_is(&mut self, name: &str) -> bool {
        if self.bytes.get(self.at) != Some(&b'"') {
            self.skip_space();
        }
        let name = name.as_bytes();
        let Some(rest) = self.bytes.get(self.at..) else {
            return false;
        };
        let matches = rest.len() > name.len() + 1
            && rest[0] == b'"'
            && rest[name.len() + 1] == b'"'
            && same_text(&rest[1..=name.len()], name);
        if matches {
            self.at += name.len() + 2;
        }
        matches
    }

    /// Whether a field's key and its colon come next, exactly as in `key` (`"name":`): if so
    /// they are read.
    fn key_and_colon(&mut self, key: Option<&[u8]>) -> bool {
        if self.bytes.get(self.at) != Some(&b'"') {
            self.skip_space();
        }
        let Some(key) = key else {
            return false;
        };
        let matches = self
            .bytes
            .get(self.at..self.at + key.len())
            .is_some_and(|next| same_text(next, key));
        if matches {
            self.at += key.len();
        }
        matches
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        if self.bytes.get(self.at).is_none_or(|b| *b <= b' ') {
            self.skip_space();
        }
        if self.bytes.get(self.at..self.at + word.len()) == Some(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Option<Value> {
        if depth > 32 {
            return None;
        }
        match ty {
            Type::Optional(inner) => {
                if self.literal(b"null") {
                    Some(Value::None)
                } else {
                    self.value(inner, depth)
                }
            }
            Type::Bool => {
                if self.literal(b"true") {
                    Some(Value::Bool(true))
                } else if self.literal(b"false") {
                    Some(Value::Bool(false))
                } else {
                    None
                }
            }
            Type::Text => {
                let text = self.string()?;
                Some(Value::Text(self.texts.text(text)))
            }
            Type::Date => Date::parse(self.string()?).ok().map(Value::Date),
            Type::Enum(index) => {
                let name = self.string()?;
                let member = self.program.shape.members.get(*index)?.get(name)?;
                Some(Value::Enum(small(*index), member))
            }
            Type::Set(inner) => {
                self.eat(b'[')?;
                // A set of enum members goes straight into its bits.
                let mut bits = match **inner {
                    Type::Enum(index) => Some((small(index), super::value::EnumSet::default())),
                    _ => None,
                };
                let mut members = Vec::new();
                if self.peek() == Some(b']') {
                    self.at += 1;
                } else {
                    loop {
                        match (&mut bits, self.value(inner, depth + 1)?) {
                            (Some((_, set)), Value::Enum(_, member)) => set.insert(member),
                            (_, member) => members.push(member),
                        }
                        if self.eat(b',').is_some() {
                            continue;
                        }
                        self.eat(b']')?;
                        break;
                    }
                }
                Some(match bits {
                    Some((ty, set)) => Value::EnumSet(ty, set),
                    None => Value::set_of(members, None),
                })
            }
            Type::Record(index) => {
                let definition = self.program.policy.records.get(*index)?;
                let defaults = self.program.shape.defaults.get(*index)?;
                let keys = self.program.shape.keys.get(*index)?;
                // Which fields the case gives, a bit each: a record of more fields is left
                // to the careful reader.
                if defaults.len() > 64 {
                    return None;
                }
                let mut given: u64 = 0;
                // The record's one allocation, reused from a case decided before when there is
                // one (`recycle_case`).
                let mut record = self.records.take(*index, defaults.len());
                let fields = std::sync::Arc::get_mut(&mut record)?;
                self.eat(b'{')?;
                if self.peek() == Some(b'}') {
                    self.at += 1;
                } else {
                    // Cases usually give the fields in their declared order: the next one is
                    // tried first.
                    let mut expected = 0;
                    loop {
                        let position = match definition.fields.get(expected) {
                            // Key and colon at once, as compact JSON writes them.
                            Some(_) if self.key_and_colon(keys.get(expected).map(|key| &**key)) => {
                                expected
                            }
                            Some(field) if self.key_is(&field.name) => {
                                self.eat(b':')?;
                                expected
                            }
                            _ => {
                                let key = self.string()?;
                                self.eat(b':')?;
                                definition.fields.iter().position(|f| f.name == key)?
                            }
                        };
                        expected = position + 1;
                        let bit = 1u64 << position;
                        if given & bit != 0 {
                            return None;
                        }
                        given |= bit;
                        let ty = &definition.fields.get(position)?.ty;
                        *fields.get_mut(position)? = self.value(ty, depth + 1)?;
                        if self.eat(b',').is_some() {
                            continue;
                        }
                        self.eat(b'}')?;
                        break;
                    }
                }
                // The fields the case does not give take their defaults (what a reused record
                // held there is let go); a required field the case does not give: the careful
                // reader says so.
                for (position, (field, default)) in fields.iter_mut().zip(defaults).enumerate() {
                    if given & (1 << position) == 0 {
                        *field = default.clone()?;
                    }
                }
                Some(Value::Record(small(*index), record))
            }
            // Numbers and durations are rare in cases: the careful reader handles them.
            Type::Int | Type::Decimal | Type::Duration | Type::NoneLiteral | Type::Error => None,
        }
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
