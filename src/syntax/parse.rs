//! Parsing: runs the pest grammar and lowers its pairs to the AST, collecting syntax errors.

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use super::ast::*;
use super::calendar::{Date, Duration};
use super::error::SyntaxError;
use super::limits::{MAX_NESTING, STACK_GROWTH, STACK_RED_ZONE};
use super::span::Span;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/licit.pest"]
struct LicitParser;

/// Parses one file. Returns the AST when the text fits the grammar, and every problem found while
/// lowering it (bad dates, operators written the C way, nesting too deep, repeated clauses).
pub fn parse(text: &str) -> (Option<File>, Vec<SyntaxError>) {
    // Refuse deep nesting before pest sees it, so the error is the same on every machine
    // rather than wherever pest's stack guard happens to stop.
    if let Some(error) = too_deep(text) {
        return (None, vec![error]);
    }
    // A carriage return alone is no line end to the grammar: a comment before one would run
    // on to the next line feed and hide what follows, so it is refused where it is.
    if let Some(at) = memchr::memchr_iter(b'\r', text.as_bytes())
        .find(|&at| text.as_bytes().get(at + 1) != Some(&b'\n'))
    {
        return (
            None,
            vec![SyntaxError::LoneCarriageReturn {
                span: Span::new(at, at + 1),
            }],
        );
    }
    // A bidirectional control character, in a comment or a string, can show a reader other
    // text than licit reads (Trojan Source): refused wherever it is, as rustc does.
    let bidi = bidi_controls(text);
    if !bidi.is_empty() {
        return (None, bidi);
    }
    let pairs = match LicitParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(error) => return (None, vec![convert_pest_error(&error, text)]),
    };
    let mut lowerer = Lowerer { errors: Vec::new() };
    let file = pairs
        .into_iter()
        .next()
        .map(|pair| lowerer.file(pair))
        .unwrap_or(File {
            header: None,
            declarations: Vec::new(),
        });
    (Some(file), lowerer.errors)
}

/// The place where brackets, a run of `not`s, or a type's run of `optional`s and `set of`s first
/// nest deeper than `MAX_NESTING`.
fn too_deep(text: &str) -> Option<SyntaxError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut nots = 0usize;
    // `optional` and `of` each wrap a type in another; `set` before `of` keeps the run going.
    let mut wrappers = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'{' => {
                depth += 1;
                nots = 0;
                wrappers = 0;
                if depth > MAX_NESTING {
                    return Some(SyntaxError::TooDeep {
                        span: Span::new(i, i + 1),
                    });
                }
            }
            b')' | b'}' => {
                depth = depth.saturating_sub(1);
                nots = 0;
                wrappers = 0;
            }
            b'!' if bytes.get(i + 1) != Some(&b'=') => {
                nots += 1;
                wrappers = 0;
                if nots > MAX_NESTING {
                    return Some(SyntaxError::TooDeep {
                        span: Span::new(i, i + 1),
                    });
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &bytes[start..i];
                if word == b"not" {
                    nots += 1;
                    if nots > MAX_NESTING {
                        return Some(SyntaxError::TooDeep {
                            span: Span::new(start, i),
                        });
                    }
                } else {
                    nots = 0;
                }
                match word {
                    b"optional" | b"of" => {
                        wrappers += 1;
                        if wrappers > MAX_NESTING {
                            return Some(SyntaxError::TypeTooDeep {
                                span: Span::new(start, i),
                            });
                        }
                    }
                    b"set" => {}
                    _ => wrappers = 0,
                }
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            _ => {
                nots = 0;
                wrappers = 0;
            }
        }
        i += 1;
    }
    None
}

fn convert_pest_error(error: &pest::error::Error<Rule>, text: &str) -> SyntaxError {
    let (start, end) = match error.location {
        InputLocation::Pos(pos) => (pos, pos),
        InputLocation::Span((start, end)) => (start, end),
    };
    // Underline the token that was found, so the label sits on something visible.
    let at_end = end <= start && start >= text.trim_end().len();
    let (start, found_end) = if end > start {
        (start, end)
    } else if start >= text.trim_end().len() {
        // At the end of the file: underline the last visible character.
        let last = text
            .trim_end()
            .char_indices()
            .last()
            .map(|(i, _)| i)
            .unwrap_or(0);
        (last, text.trim_end().len())
    } else {
        (start, token_end(text, start))
    };
    let found = if at_end {
        String::new()
    } else {
        text.get(start..found_end).unwrap_or("").to_string()
    };
    let span = Span::new(start, found_end);
    match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<&'static str> = positives
                .iter()
                .filter_map(|rule| describe(*rule))
                .collect();
            expected.sort_unstable();
            expected.dedup();
            let mut expected = join_alternatives(&expected);
            // A reserved word where a name was expected (`verdicts granted > no`).
            if expected.contains("a name") && super::KEYWORDS.contains(&found.as_str()) {
                expected.push_str(&format!(
                    " (`{found}` is a word of the language, which cannot name anything)"
                ));
            }
            SyntaxError::Unexpected {
                found: if found.is_empty() {
                    "end of file".to_string()
                } else {
                    format!("`{found}`")
                },
                expected,
                span,
            }
        }
        ErrorVariant::CustomError { message } if message.contains("limit") => {
            SyntaxError::TooDeep { span }
        }
        ErrorVariant::CustomError { message } => SyntaxError::Unexpected {
            found: format!("`{found}`"),
            expected: message.clone(),
            span,
        },
    }
}

/// The end of the token starting at `start`: a word, or one character.
fn token_end(text: &str, start: usize) -> usize {
    let rest = text.get(start..).unwrap_or("");
    let word: usize = rest
        .char_indices()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    if word > 0 {
        return start + word;
    }
    start + rest.chars().next().map(char::len_utf8).unwrap_or(0)
}

fn join_alternatives(items: &[&str]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What a grammar rule is called in "expected …" messages; `None` for rules a user never needs to
/// hear about. Exhaustive on purpose: a new grammar rule must be named here.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::WHITESPACE | Rule::COMMENT | Rule::file | Rule::declaration => return None,
        Rule::header => "a `policy` header",
        Rule::in_force => "`in force`",
        Rule::from_date => "`from`",
        Rule::until_date => "`until`",
        Rule::use_decl => "`use`",
        Rule::enum_decl => "`enum`",
        Rule::record_decl => "`record`",
        Rule::input_decl => "`input`",
        Rule::field_list | Rule::field_decl => "a field",
        Rule::const_decl => "`const`",
        Rule::const_version => "a value",
        Rule::set_decl => "`set`",
        Rule::set_member => "a set member",
        Rule::dated => "`from` or `until`",
        Rule::param_decl => "`param`",
        Rule::verdicts_decl => "`verdicts`",
        Rule::kind_decl => "a verdict or obligation kind",
        Rule::param_field => "a parameter",
        Rule::otherwise_decl => "`otherwise`",
        Rule::obligation_decl => "`obligation`",
        Rule::rule_decl => "`rule`",
        Rule::rule_clause => "a rule clause",
        Rule::exception_clause => "`exception to`",
        Rule::when_clause => "`when`",
        Rule::then_clause => "`then`",
        Rule::conclusion => "a verdict or obligation",
        Rule::arg => "an argument `name: value`",
        Rule::because_clause => "`because`",
        Rule::test_decl => "`test`",
        Rule::test_item => "`given`, `param` or `expect`",
        Rule::given => "`given`",
        Rule::test_param => "`param`",
        Rule::expect => "`expect`",
        Rule::expectation => "an expectation",
        Rule::expect_explanation => "`explanation`",
        Rule::expect_decided_by => "`decided by`",
        Rule::expect_applied => "`applied`",
        Rule::expect_not_applied => "`not applied`",
        Rule::expect_suppressed => "`suppressed`",
        Rule::expect_obligation => "`obligation`",
        Rule::expect_no_obligation => "`no obligation`",
        Rule::expect_verdict => "a verdict",
        Rule::type_expr => "a type",
        Rule::set_type => "`set of`",
        Rule::optional_type => "`optional`",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::comparison
        | Rule::sum
        | Rule::product
        | Rule::postfix
        | Rule::primary => "an expression",
        Rule::quantifier => "`some` or `every`",
        Rule::if_expr => "`if`",
        Rule::cmp_tail => "a comparison",
        Rule::is_test => "`is`",
        Rule::in_test => "`in`",
        Rule::not_in_test => "`not in`",
        Rule::cmp_op => "a comparison operator",
        Rule::bad_eq => "`==`",
        Rule::bad_and => "`and`",
        Rule::bad_or => "`or`",
        Rule::bad_not => "`not`",
        Rule::add_op => "`+` or `-`",
        Rule::mul_op => "`*`",
        Rule::call => "a function call",
        Rule::set_lit => "a set `{…}`",
        Rule::record_lit => "a record `{name: value}`",
        Rule::duration => "a duration",
        Rule::duration_unit => "`days`, `months` or `years`",
        Rule::date => "a date",
        Rule::decimal => "a decimal",
        Rule::int => "a number",
        Rule::string_lit | Rule::string => "a string",
        Rule::string_inner => return None,
        Rule::template => "a text in quotes",
        Rule::template_text | Rule::template_hole => return None,
        Rule::ident | Rule::ident_char | Rule::field_name => "a name",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::dot => "`.`",
        Rule::assign => "`=`",
        Rule::gt => "`>`",
        Rule::keyword => "a keyword",
        Rule::kw_policy => "`policy`",
        Rule::kw_source => "`source`",
        Rule::kw_in => "`in`",
        Rule::kw_force => "`force`",
        Rule::kw_from => "`from`",
        Rule::kw_until => "`until`",
        Rule::kw_use => "`use`",
        Rule::kw_enum => "`enum`",
        Rule::kw_record => "`record`",
        Rule::kw_input => "`input`",
        Rule::kw_const => "`const`",
        Rule::kw_set => "`set`",
        Rule::kw_param => "`param`",
        Rule::kw_verdicts => "`verdicts`",
        Rule::kw_otherwise => "`otherwise`",
        Rule::kw_obligation => "`obligation`",
        Rule::kw_rule => "`rule`",
        Rule::kw_exception => "`exception`",
        Rule::kw_to => "`to`",
        Rule::kw_when => "`when`",
        Rule::kw_then => "`then`",
        Rule::kw_because => "`because`",
        Rule::kw_test => "`test`",
        Rule::kw_given => "`given`",
        Rule::kw_expect => "`expect`",
        Rule::kw_decided => "`decided`",
        Rule::kw_by => "`by`",
        Rule::kw_applied => "`applied`",
        Rule::kw_suppressed => "`suppressed`",
        Rule::kw_no => "`no`",
        Rule::kw_of => "`of`",
        Rule::kw_optional => "`optional`",
        Rule::kw_some => "`some`",
        Rule::kw_every => "`every`",
        Rule::kw_if => "`if`",
        Rule::kw_else => "`else`",
        Rule::kw_or => "`or`",
        Rule::kw_and => "`and`",
        Rule::kw_not => "`not`",
        Rule::kw_is => "`is`",
        Rule::kw_none => "`none`",
        Rule::kw_empty => "`empty`",
        Rule::kw_true => "`true`",
        Rule::kw_false => "`false`",
        Rule::kw_explanation => "`explanation`",
        Rule::kw_for => "`for`",
        Rule::kw_assert | Rule::assert_decl => "`assert`",
        Rule::kw_allow | Rule::allow_clause => "`allow`",
        Rule::assert_not_decided => "`not decided by`",
        Rule::assert_verdicts | Rule::assert_expectation => "verdict kinds",
        Rule::kw_amends | Rule::amends_clause => "`amends`",
        Rule::kw_add | Rule::add_rule => "`add`",
        Rule::kw_replace | Rule::replace_rule => "`replace`",
        Rule::kw_repeal | Rule::repeal_rule => "`repeal`",
        Rule::kw_change | Rule::change_set | Rule::change_value => "`change`",
        Rule::source_clause => "`source`",
        Rule::plus_assign => "`+=`",
        Rule::minus_assign => "`-=`",
        Rule::for_clause => "`for`",
        Rule::kw_assume | Rule::assume_decl => "`assume`",
        Rule::kw_that => "`that`",
    })
}

/// The span of a pair, without the whitespace and comments pest may have consumed at its end:
/// it ends where its last token ends.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let span = pair.as_span();
    if is_atomic(pair.as_rule()) {
        return Span::new(span.start(), span.end());
    }
    let end = pair
        .clone()
        .into_inner()
        .flatten()
        .filter(|inner| {
            // Atomic rules hold no skipped whitespace, so their ends are exact; so are tokens.
            is_atomic(inner.as_rule()) || inner.clone().into_inner().next().is_none()
        })
        .map(|token| token.as_span().end())
        .max()
        .unwrap_or_else(|| span.start() + pair.as_str().trim_end().len());
    Span::new(span.start(), end)
}

/// Rules that pest matches without skipping whitespace inside, so their spans are exact.
fn is_atomic(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::string | Rule::template | Rule::duration | Rule::date | Rule::decimal | Rule::int
    )
}

/// Turns pest pairs into the AST, noting problems as it goes.
struct Lowerer {
    errors: Vec<SyntaxError>,
}

impl Lowerer {
    fn file(&mut self, pair: Pair<'_, Rule>) -> File {
        let mut header = None;
        let mut declarations = Vec::new();
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::header => header = Some(self.header(item)),
                Rule::EOI => {}
                _ => {
                    if let Some(declaration) = self.declaration(item) {
                        declarations.push(declaration);
                    }
                }
            }
        }
        File {
            header,
            declarations,
        }
    }

    fn header(&mut self, pair: Pair<'_, Rule>) -> Header {
        let span = span_of(&pair);
        let mut title = Str {
            text: String::new(),
            span,
        };
        let mut source = None;
        let mut amends = None;
        let mut in_force = Period::default();
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::string => title = self.string(item),
                Rule::source_clause => {
                    source = item
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::string)
                        .map(|p| self.string(p));
                }
                Rule::amends_clause => {
                    amends = item
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::string)
                        .map(|p| self.string(p));
                }
                Rule::in_force => in_force = self.period(item),
                _ => {}
            }
        }
        Header {
            title,
            source,
            in_force,
            amends,
            span,
        }
    }

    fn period(&mut self, pair: Pair<'_, Rule>) -> Period {
        let mut period = Period::default();
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::from_date => {
                    period.from = item
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::date)
                        .map(|p| self.date(p))
                }
                Rule::until_date => {
                    period.until = item
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::date)
                        .map(|p| self.date(p))
                }
                _ => {}
            }
        }
        period
    }

    fn date(&mut self, pair: Pair<'_, Rule>) -> DateLit {
        let span = span_of(&pair);
        let date = match Date::parse(pair.as_str()) {
            Ok(date) => date,
            Err(problem) => {
                self.errors.push(SyntaxError::InvalidDate {
                    text: pair.as_str().to_string(),
                    problem: problem.to_string(),
                    span,
                });
                Date::EPOCH
            }
        };
        DateLit { date, span }
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> Str {
        let span = span_of(&pair);
        let (raw, start) = pair
            .into_inner()
            .next()
            .map_or(("", 0), |p| (p.as_str(), p.as_span().start()));
        Str {
            text: self.unescape(raw, start),
            span,
        }
    }

    fn ident(&mut self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: span_of(&pair),
        }
    }

    fn declaration(&mut self, pair: Pair<'_, Rule>) -> Option<Declaration> {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        // Keywords are filtered out below; `change param` is told from `change const` here.
        let changes_param = pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::kw_param);
        let mut inner = pair.into_inner().filter(|p| !is_punctuation(p.as_rule()));
        Some(match rule {
            Rule::use_decl => {
                let path = inner.find(|p| p.as_rule() == Rule::string)?;
                Declaration::Use(self.string(path))
            }
            Rule::enum_decl => {
                let mut idents = inner.filter(|p| p.as_rule() == Rule::ident);
                let name = self.ident(idents.next()?);
                let members = idents.map(|p| self.ident(p)).collect();
                Declaration::Enum(EnumDecl { name, members })
            }
            Rule::record_decl | Rule::input_decl => {
                let name = self.ident(inner.find(|p| p.as_rule() == Rule::ident)?);
                let fields = inner
                    .find(|p| p.as_rule() == Rule::field_list)
                    .map(|list| {
                        list.into_inner()
                            .filter(|p| p.as_rule() == Rule::field_decl)
                            .filter_map(|p| self.field(p))
                            .collect()
                    })
                    .unwrap_or_default();
                Declaration::Record(RecordDecl {
                    name,
                    is_input: rule == Rule::input_decl,
                    fields,
                })
            }
            Rule::const_decl => self.const_decl(inner)?,
            Rule::set_decl => self.set_decl(span, inner)?,
            Rule::param_decl => {
                let name = self.ident(inner.next()?);
                let ty = self.type_expr(inner.next()?)?;
                let default = self.expr(inner.next()?, 0)?;
                Declaration::Param(ParamDecl { name, ty, default })
            }
            Rule::verdicts_decl => {
                let kinds = inner
                    .filter(|p| p.as_rule() == Rule::kind_decl)
                    .filter_map(|p| self.kind(p))
                    .collect();
                Declaration::Verdicts(kinds, span)
            }
            Rule::otherwise_decl => {
                Declaration::Otherwise(self.ident(inner.find(|p| p.as_rule() == Rule::ident)?))
            }
            Rule::obligation_decl => {
                Declaration::Obligation(self.kind(inner.find(|p| p.as_rule() == Rule::kind_decl)?)?)
            }
            Rule::rule_decl => Declaration::Rule(self.rule(span, inner)?),
            Rule::add_rule | Rule::replace_rule => {
                let rule_pair = inner.find(|p| p.as_rule() == Rule::rule_decl)?;
                let rule_span = span_of(&rule_pair);
                let parts = rule_pair
                    .into_inner()
                    .filter(|p| !is_punctuation(p.as_rule()));
                let decl = self.rule(rule_span, parts)?;
                if rule == Rule::add_rule {
                    Declaration::AddRule(decl)
                } else {
                    Declaration::ReplaceRule(decl)
                }
            }
            Rule::repeal_rule => self.repeal_rule(span, inner)?,
            Rule::change_set | Rule::change_value => {
                self.change(rule, changes_param, span, inner)?
            }
            Rule::test_decl => Declaration::Test(self.test(span, inner)?),
            Rule::assert_decl => self.assert_decl(span, inner)?,
            Rule::assume_decl => self.assume_decl(span, inner)?,
            _ => return None,
        })
    }

    /// A `const`: its name, optional type and dated versions.
    fn const_decl<'a>(
        &mut self,
        inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<Declaration> {
        let mut name = None;
        let mut ty = None;
        let mut versions = Vec::new();
        for item in inner {
            match item.as_rule() {
                Rule::ident => name = Some(self.ident(item)),
                Rule::type_expr => ty = self.type_expr(item),
                Rule::const_version => versions.push(self.dated_expr(item)?),
                _ => {}
            }
        }
        Some(Declaration::Const(ConstDecl {
            name: name?,
            ty,
            versions,
        }))
    }

    /// A `set`: its name, optional element type and dated members.
    fn set_decl<'a>(
        &mut self,
        span: Span,
        inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<Declaration> {
        let mut name = None;
        let mut element_type = None;
        let mut members = Vec::new();
        for item in inner {
            match item.as_rule() {
                Rule::ident => name = Some(self.ident(item)),
                Rule::type_expr => element_type = self.type_expr(item),
                Rule::set_member => members.push(self.dated_expr(item)?),
                _ => {}
            }
        }
        Some(Declaration::Set(SetDecl {
            name: name?,
            element_type,
            members,
            span,
        }))
    }

    /// `repeal rule name "citation"`.
    fn repeal_rule<'a>(
        &mut self,
        span: Span,
        inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<Declaration> {
        let mut name = None;
        let mut citation = None;
        for item in inner {
            match item.as_rule() {
                Rule::ident => name = Some(self.ident(item)),
                Rule::string => citation = Some(self.string(item)),
                _ => {}
            }
        }
        Some(Declaration::RepealRule {
            name: name?,
            citation,
            span,
        })
    }

    /// `change set name += { … }` or `-= { … }`, and `change const|param name = …`.
    fn change<'a>(
        &mut self,
        rule: Rule,
        changes_param: bool,
        span: Span,
        inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<Declaration> {
        let mut name = None;
        let mut citation = None;
        let mut add = true;
        let is_param = changes_param;
        let mut members = Vec::new();
        for item in inner {
            match item.as_rule() {
                Rule::ident => name = Some(self.ident(item)),
                Rule::string => citation = Some(self.string(item)),
                Rule::minus_assign => add = false,
                Rule::set_member | Rule::const_version => members.push(self.dated_expr(item)?),
                _ => {}
            }
        }
        let name = name?;
        Some(if rule == Rule::change_set {
            Declaration::ChangeSet {
                name,
                citation,
                add,
                members,
                span,
            }
        } else {
            Declaration::ChangeValue {
                name,
                citation,
                is_param,
                versions: members,
                span,
            }
        })
    }

    /// An `assert`: its name, optional `when` and what it expects.
    fn assert_decl<'a>(
        &mut self,
        span: Span,
        inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<Declaration> {
        let mut name = None;
        let mut when = None;
        let mut expect = None;
        for item in inner {
            match item.as_rule() {
                Rule::string => name = Some(self.string(item)),
                Rule::when_clause => {
                    when = item
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::expr)
                        .and_then(|p| self.expr(p, 0));
                }
                Rule::assert_not_decided => {
                    let rule = item.into_inner().find(|p| p.as_rule() == Rule::ident)?;
                    expect = Some(AssertExpectation::NotDecidedBy(self.ident(rule)));
                }
                Rule::assert_verdicts => {
                    let kinds = item
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::ident)
                        .map(|p| self.ident(p))
                        .collect();
                    expect = Some(AssertExpectation::Verdicts(kinds));
                }
                _ => {}
            }
        }
        Some(Declaration::Assert(AssertDecl {
            name: name?,
            when,
            expect: expect?,
            span,
        }))
    }

    /// An `assume`: its text and condition.
    fn assume_decl<'a>(
        &mut self,
        span: Span,
        inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<Declaration> {
        let mut text = None;
        let mut condition = None;
        for item in inner {
            match item.as_rule() {
                Rule::string => text = Some(self.string(item)),
                Rule::expr => condition = self.expr(item, 0),
                _ => {}
            }
        }
        Some(Declaration::Assume(AssumeDecl {
            text: text?,
            condition: condition?,
            span,
        }))
    }

    fn field(&mut self, pair: Pair<'_, Rule>) -> Option<FieldDecl> {
        let mut inner = pair.into_inner().filter(|p| !is_punctuation(p.as_rule()));
        let name = self.ident(inner.next()?);
        let ty = self.type_expr(inner.next()?)?;
        let default = match inner.next() {
            Some(expr) => Some(self.expr(expr, 0)?),
            None => None,
        };
        Some(FieldDecl { name, ty, default })
    }

    fn dated_expr(&mut self, pair: Pair<'_, Rule>) -> Option<Dated<Expr>> {
        let mut value = None;
        let mut period = Period::default();
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::expr => value = self.expr(item, 0),
                Rule::dated => period = self.period(item),
                _ => {}
            }
        }
        Some(Dated {
            value: value?,
            period,
        })
    }

    fn kind(&mut self, pair: Pair<'_, Rule>) -> Option<KindDecl> {
        let mut name = None;
        let mut params = Vec::new();
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::ident => name = Some(self.ident(item)),
                Rule::param_field => {
                    let mut inner = item.into_inner().filter(|p| !is_punctuation(p.as_rule()));
                    let param_name = self.ident(inner.next()?);
                    let ty = self.type_expr(inner.next()?)?;
                    params.push((param_name, ty));
                }
                _ => {}
            }
        }
        Some(KindDecl {
            name: name?,
            params,
        })
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Option<TypeExpr> {
        let span = span_of(&pair);
        let inner = pair.into_inner().next()?;
        Some(match inner.as_rule() {
            Rule::ident => TypeExpr::Named(self.ident(inner)),
            Rule::set_type => {
                let element = inner
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::type_expr)?;
                TypeExpr::Set(Box::new(self.type_expr(element)?), span)
            }
            Rule::optional_type => {
                let element = inner
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::type_expr)?;
                TypeExpr::Optional(Box::new(self.type_expr(element)?), span)
            }
            _ => return None,
        })
    }

    fn rule<'a>(
        &mut self,
        span: Span,
        inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<RuleDecl> {
        let mut name = None;
        let mut citation = None;
        let mut exception_to = Vec::new();
        let mut in_force = None;
        let mut when = None;
        let mut for_each = None;
        let mut allows = Vec::new();
        let mut then = Vec::new();
        let mut because = None;
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        for item in inner {
            let clause = match item.as_rule() {
                Rule::exception_clause => Some("exception to"),
                Rule::in_force => Some("in force"),
                Rule::for_clause => Some("for"),
                Rule::when_clause => Some("when"),
                Rule::then_clause => Some("then"),
                Rule::because_clause => Some("because"),
                _ => None,
            };
            if let Some(clause) = clause {
                let here = span_of(&item);
                if let Some((_, first)) = seen.iter().find(|(c, _)| *c == clause) {
                    self.errors.push(SyntaxError::DuplicateClause {
                        clause,
                        span: Span::new(
                            here.start as usize,
                            (here.start as usize + clause.len()).min(here.end as usize),
                        ),
                        first: Span::new(
                            first.start as usize,
                            (first.start as usize + clause.len()).min(first.end as usize),
                        ),
                    });
                    continue;
                }
                seen.push((clause, here));
            }
            match item.as_rule() {
                Rule::ident => name = Some(self.ident(item)),
                Rule::string => citation = Some(self.string(item)),
                Rule::exception_clause => {
                    exception_to = item
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::ident)
                        .map(|p| self.ident(p))
                        .collect();
                }
                Rule::in_force => in_force = Some(self.period(item)),
                Rule::allow_clause => {
                    let mut parts = item.into_inner();
                    let finding = parts
                        .find(|p| p.as_rule() == Rule::ident)
                        .map(|p| self.ident(p));
                    let reason = parts
                        .find(|p| p.as_rule() == Rule::string)
                        .map(|p| self.string(p));
                    if let (Some(finding), Some(reason)) = (finding, reason) {
                        allows.push((finding, reason));
                    }
                }
                Rule::for_clause => {
                    let mut parts = item
                        .into_inner()
                        .filter(|p| matches!(p.as_rule(), Rule::ident | Rule::sum));
                    let variable = parts.next().map(|p| self.ident(p));
                    let set = parts.next().and_then(|p| self.expr(p, 0));
                    if let (Some(variable), Some(set)) = (variable, set) {
                        for_each = Some((variable, set));
                    }
                }
                Rule::when_clause => {
                    when = item
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::expr)
                        .and_then(|p| self.expr(p, 0));
                }
                Rule::then_clause => {
                    then = item
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::conclusion)
                        .filter_map(|p| self.conclusion(p))
                        .collect();
                }
                Rule::because_clause => {
                    because = item
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::template)
                        .and_then(|p| self.template(p));
                }
                _ => {}
            }
        }
        Some(RuleDecl {
            name: name?,
            citation,
            exception_to,
            in_force,
            for_each,
            when,
            then,
            because,
            allows,
            span,
        })
    }

    fn conclusion(&mut self, pair: Pair<'_, Rule>) -> Option<Conclusion> {
        let span = span_of(&pair);
        let mut name = None;
        let mut args = Vec::new();
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::ident => name = Some(self.ident(item)),
                Rule::arg => args.push(self.arg(item)?),
                _ => {}
            }
        }
        Some(Conclusion {
            name: name?,
            args,
            span,
        })
    }

    fn arg(&mut self, pair: Pair<'_, Rule>) -> Option<Arg> {
        self.arg_at(pair, 0)
    }

    fn arg_at(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Option<Arg> {
        let mut inner = pair.into_inner().filter(|p| !is_punctuation(p.as_rule()));
        let name = self.ident(inner.next()?);
        let value = self.nested(inner.next()?, depth)?;
        Some(Arg { name, value })
    }

    fn template(&mut self, pair: Pair<'_, Rule>) -> Option<Template> {
        let span = span_of(&pair);
        let mut parts = Vec::new();
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::template_text => {
                    let text = self.unescape(item.as_str(), item.as_span().start());
                    parts.push(TemplatePart::Text(text));
                }
                Rule::template_hole => {
                    let expr = item.into_inner().find(|p| p.as_rule() == Rule::expr)?;
                    parts.push(TemplatePart::Hole(self.expr(expr, 0)?));
                }
                _ => {}
            }
        }
        Some(Template { parts, span })
    }

    fn test<'a>(
        &mut self,
        span: Span,
        inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<TestDecl> {
        let mut name = None;
        let mut given = None;
        let mut params = Vec::new();
        let mut expectations = Vec::new();
        for item in inner {
            match item.as_rule() {
                Rule::string => name = Some(self.string(item)),
                Rule::given => {
                    let literal = item
                        .into_inner()
                        .find(|p| matches!(p.as_rule(), Rule::record_lit | Rule::set_lit))?;
                    given = self.expr_inner(literal, 0);
                }
                Rule::test_param => {
                    let mut parts = item
                        .into_inner()
                        .filter(|p| matches!(p.as_rule(), Rule::ident | Rule::expr));
                    let param = self.ident(parts.next()?);
                    let value = self.expr(parts.next()?, 0)?;
                    params.push((param, value));
                }
                Rule::expect => {
                    if let Some(expectation) = item
                        .into_inner()
                        .find(|p| p.as_rule() != Rule::kw_expect)
                        .and_then(|p| self.expectation(p))
                    {
                        expectations.push(expectation);
                    }
                }
                _ => {}
            }
        }
        Some(TestDecl {
            name: name?,
            given,
            params,
            expectations,
            span,
        })
    }

    fn expectation(&mut self, pair: Pair<'_, Rule>) -> Option<Expectation> {
        let rule = pair.as_rule();
        let span = span_of(&pair);
        let mut idents = Vec::new();
        let mut conclusion = None;
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::ident => idents.push(self.ident(item)),
                Rule::conclusion => conclusion = self.conclusion(item),
                _ => {}
            }
        }
        let mut idents = idents.into_iter();
        Some(match rule {
            Rule::expect_explanation => Expectation::Explanation(span),
            Rule::expect_decided_by => Expectation::DecidedBy(idents.next()?),
            Rule::expect_applied => Expectation::Applied(idents.next()?),
            Rule::expect_not_applied => Expectation::NotApplied(idents.next()?),
            Rule::expect_suppressed => Expectation::Suppressed {
                rule: idents.next()?,
                by: idents.next()?,
            },
            Rule::expect_obligation => Expectation::Obligation(conclusion?),
            Rule::expect_no_obligation => Expectation::NoObligation(idents.next()?),
            Rule::expect_verdict => Expectation::Verdict(conclusion?),
            _ => return None,
        })
    }

    /// Lowers an expression rule at the same nesting depth.
    fn expr(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Option<Expr> {
        self.expr_inner(pair, depth)
    }

    /// Lowers an expression one level deeper (inside parentheses, `not`, a quantifier, a call,
    /// a literal), refusing to go past the nesting limit.
    fn nested(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Option<Expr> {
        if depth >= MAX_NESTING {
            self.errors.push(SyntaxError::TooDeep {
                span: span_of(&pair),
            });
            return None;
        }
        // Each level costs several frames here; grow the stack on the heap rather than
        // overflow it when a thread's stack is small.
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || {
            self.expr_inner(pair, depth + 1)
        })
    }

    // Long by design: one arm per expression rule of the grammar, in the grammar's order, so
    // the lowering reads against `grammar/licit.pest` line by line.
    fn expr_inner(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Option<Expr> {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        let kind = match rule {
            Rule::expr | Rule::primary => {
                let inner = pair.into_inner().find(|p| !is_punctuation(p.as_rule()))?;
                return self.expr(inner, depth);
            }
            Rule::or_expr | Rule::and_expr => {
                if rule == Rule::or_expr {
                    self.mixed_and_or(&pair);
                }
                self.quantifier_body_unclear(&pair);
                let mut operands = Vec::new();
                for item in pair.into_inner() {
                    match item.as_rule() {
                        Rule::kw_or | Rule::kw_and => {}
                        Rule::bad_or => self.bad_operator("||", "or", &item),
                        Rule::bad_and => self.bad_operator("&&", "and", &item),
                        _ => operands.push(self.expr(item, depth)?),
                    }
                }
                if operands.len() == 1 {
                    return operands.pop();
                }
                if rule == Rule::or_expr {
                    ExprKind::Or(operands)
                } else {
                    ExprKind::And(operands)
                }
            }
            Rule::not_expr => {
                let mut inner = pair.into_inner();
                let first = inner.next()?;
                match first.as_rule() {
                    Rule::kw_not => ExprKind::Not(Box::new(self.nested(inner.next()?, depth)?)),
                    Rule::bad_not => {
                        self.bad_operator("!", "not", &first);
                        ExprKind::Not(Box::new(self.nested(inner.next()?, depth)?))
                    }
                    _ => return self.expr(first, depth),
                }
            }
            Rule::quantifier => {
                let mut inner = pair.into_inner();
                let quantifier = match inner.next()?.as_rule() {
                    Rule::kw_every => Quantifier::Every,
                    _ => Quantifier::Some,
                };
                let mut rest = inner.filter(|p| !matches!(p.as_rule(), Rule::kw_in | Rule::colon));
                let variable = self.ident(rest.next()?);
                let set = self.nested(rest.next()?, depth)?;
                let body = self.nested(rest.next()?, depth)?;
                ExprKind::Quantifier(quantifier, variable, Box::new(set), Box::new(body))
            }
            Rule::if_expr => {
                if let Some(otherwise) = pair
                    .clone()
                    .into_inner()
                    .rfind(|p| p.as_rule() == Rule::expr)
                {
                    self.else_branch_unclear(&pair, &otherwise);
                }
                let mut parts = pair.into_inner().filter(|p| p.as_rule() == Rule::expr);
                let condition = self.nested(parts.next()?, depth)?;
                let then = self.nested(parts.next()?, depth)?;
                let otherwise = self.nested(parts.next()?, depth)?;
                ExprKind::If(Box::new(condition), Box::new(then), Box::new(otherwise))
            }
            Rule::comparison => {
                let mut inner = pair.into_inner();
                let left = self.expr(inner.next()?, depth)?;
                let Some(tail) = inner.next() else {
                    return Some(left);
                };
                match tail.as_rule() {
                    Rule::is_test => {
                        let mut negated = false;
                        let mut what = IsWhat::None;
                        for word in tail.into_inner() {
                            match word.as_rule() {
                                Rule::kw_not => negated = true,
                                Rule::kw_none => what = IsWhat::None,
                                Rule::kw_some => what = IsWhat::Some,
                                Rule::kw_empty => what = IsWhat::Empty,
                                _ => {}
                            }
                        }
                        ExprKind::Is(Box::new(left), IsTest { negated, what })
                    }
                    Rule::in_test | Rule::not_in_test => {
                        let op = if tail.as_rule() == Rule::in_test {
                            BinaryOp::In
                        } else {
                            BinaryOp::NotIn
                        };
                        let right = tail.into_inner().find(|p| p.as_rule() == Rule::sum)?;
                        ExprKind::Binary(op, Box::new(left), Box::new(self.expr(right, depth)?))
                    }
                    Rule::cmp_op | Rule::bad_eq => {
                        let op = match tail.as_str() {
                            "!=" => BinaryOp::Ne,
                            "<=" => BinaryOp::Le,
                            ">=" => BinaryOp::Ge,
                            "<" => BinaryOp::Lt,
                            ">" => BinaryOp::Gt,
                            "==" => BinaryOp::Eq,
                            _ => {
                                self.bad_operator("=", "==", &tail);
                                BinaryOp::Eq
                            }
                        };
                        let right = self.expr(inner.next()?, depth)?;
                        ExprKind::Binary(op, Box::new(left), Box::new(right))
                    }
                    _ => return None,
                }
            }
            Rule::sum | Rule::product => {
                let mut inner = pair.into_inner();
                let mut left = self.expr(inner.next()?, depth)?;
                let mut terms = depth;
                while let Some(op) = inner.next() {
                    // `a + b + c` nests to the left: each term is a level.
                    terms += 1;
                    if terms >= MAX_NESTING {
                        self.errors
                            .push(SyntaxError::TooDeep { span: span_of(&op) });
                        return None;
                    }
                    let op = match op.as_str() {
                        "+" => BinaryOp::Add,
                        "-" => BinaryOp::Sub,
                        _ => BinaryOp::Mul,
                    };
                    let right = self.expr(inner.next()?, depth)?;
                    let span = left.span.to(right.span);
                    left = Expr {
                        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                        span,
                    };
                }
                return Some(left);
            }
            Rule::postfix => {
                let mut inner = pair
                    .into_inner()
                    .filter(|p| !matches!(p.as_rule(), Rule::dot | Rule::rparen));
                let first = inner.next()?;
                let mut value = if first.as_rule() == Rule::lparen {
                    self.nested(inner.next()?, depth)?
                } else {
                    self.expr(first, depth)?
                };
                for (levels, field) in inner.enumerate() {
                    if depth + levels >= MAX_NESTING {
                        self.errors.push(SyntaxError::TooDeep {
                            span: span_of(&field),
                        });
                        return None;
                    }
                    let field = self.ident(field);
                    let span = value.span.to(field.span);
                    value = Expr {
                        kind: ExprKind::Field(Box::new(value), field),
                        span,
                    };
                }
                return Some(value);
            }
            Rule::call => {
                let mut inner = pair.into_inner().filter(|p| !is_punctuation(p.as_rule()));
                let name = self.ident(inner.next()?);
                let mut args = Vec::new();
                for arg in inner {
                    args.push(self.nested(arg, depth)?);
                }
                ExprKind::Call(name, args)
            }
            Rule::set_lit => {
                let mut members = Vec::new();
                for member in pair.into_inner().filter(|p| p.as_rule() == Rule::expr) {
                    members.push(self.nested(member, depth)?);
                }
                ExprKind::Set(members)
            }
            Rule::record_lit => {
                let mut fields = Vec::new();
                for field in pair.into_inner().filter(|p| p.as_rule() == Rule::arg) {
                    fields.push(self.arg_at(field, depth)?);
                }
                ExprKind::Record(fields)
            }
            Rule::duration => {
                let mut inner = pair.into_inner();
                let number = inner.next()?;
                let number_span = span_of(&number);
                let count = self.int(number)?;
                let unit = inner.next()?.as_str();
                let per_unit = if unit.starts_with("year") { 12 } else { 1 };
                let Some(count) = i32::try_from(count)
                    .ok()
                    .and_then(|count| count.checked_mul(per_unit))
                    .map(|total| total / per_unit)
                else {
                    self.errors
                        .push(SyntaxError::DurationTooLong { span: number_span });
                    return None;
                };
                let duration = if unit.starts_with("year") {
                    Duration {
                        months: count * 12,
                        days: 0,
                    }
                } else if unit.starts_with("month") {
                    Duration {
                        months: count,
                        days: 0,
                    }
                } else {
                    Duration {
                        months: 0,
                        days: count,
                    }
                };
                ExprKind::Duration(duration)
            }
            Rule::date => ExprKind::Date(self.date(pair).date),
            Rule::decimal => ExprKind::Decimal(pair.as_str().to_string()),
            Rule::int => ExprKind::Int(self.int(pair)?),
            Rule::string_lit => {
                let string = pair.into_inner().next()?;
                ExprKind::Text(self.string(string).text)
            }
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::kw_none => ExprKind::None,
            Rule::ident => ExprKind::Name(self.ident(pair)),
            _ => return None,
        };
        Some(Expr { kind, span })
    }

    fn int(&mut self, pair: Pair<'_, Rule>) -> Option<i64> {
        match pair.as_str().parse::<i64>() {
            Ok(value) => Some(value),
            Err(_) => {
                self.errors.push(SyntaxError::NumberTooLarge {
                    span: span_of(&pair),
                });
                Some(0)
            }
        }
    }

    /// Reports an `or` whose operands are `and`s written without parentheses: `a and b or c`
    /// reads as `(a and b) or c` to the grammar and as `a and (b or c)` to many readers, so the
    /// language accepts neither. Line breaks do not group: the condition of a `when`, however
    /// many lines it takes, is one expression.
    fn mixed_and_or(&mut self, pair: &Pair<'_, Rule>) {
        // The `or`'s operands, each the list of its `and`'s operands (as written for the help,
        // and where they are for the readings), and the operators between.
        let mut groups: Vec<Vec<(String, Span)>> = Vec::new();
        let mut ands: Vec<Vec<Span>> = Vec::new();
        let mut ors: Vec<Span> = Vec::new();
        for item in pair.clone().into_inner() {
            match item.as_rule() {
                Rule::kw_or | Rule::bad_or => ors.push(span_of(&item)),
                _ => {
                    let mut operands = Vec::new();
                    let mut operators = Vec::new();
                    for operand in item.into_inner() {
                        match operand.as_rule() {
                            Rule::kw_and | Rule::bad_and => operators.push(span_of(&operand)),
                            _ => operands.push((operand_text(&operand), span_of(&operand))),
                        }
                    }
                    groups.push(operands);
                    ands.push(operators);
                }
            }
        }
        // The first `or` beside an `and`, and that `and`.
        let Some((or, and)) = ors.iter().enumerate().find_map(|(i, or)| {
            let before = ands.get(i).and_then(|spans| spans.last());
            let after = ands.get(i + 1).and_then(|spans| spans.first());
            before.or(after).map(|and| (*or, *and))
        }) else {
            return;
        };
        // Read `or` first: the last operand of each `and` joins the first of the next.
        let mut runs: Vec<Vec<(String, Span)>> = Vec::new();
        for (index, group) in groups.iter().enumerate() {
            for (position, operand) in group.iter().enumerate() {
                match runs.last_mut() {
                    Some(run) if index > 0 && position == 0 => run.push(operand.clone()),
                    _ => runs.push(vec![operand.clone()]),
                }
            }
        }
        let help_of = |chains: &[Vec<(String, Span)>], inner: &str, outer: &str| {
            chains
                .iter()
                .map(|chain| {
                    let texts: Vec<String> = chain.iter().map(|(text, _)| text.clone()).collect();
                    parenthesized(&texts, inner)
                })
                .collect::<Vec<_>>()
                .join(outer)
        };
        // The same readings as written: parentheses around each chain of several operands.
        let reading_of = |chains: &[Vec<(String, Span)>]| {
            let ranges: Vec<(u32, u32)> = chains
                .iter()
                .filter(|chain| chain.len() > 1)
                .filter_map(|chain| Some((chain.first()?.1.start, chain.last()?.1.end)))
                .collect();
            with_parentheses(pair, &ranges)
        };
        let lines = if pair.as_str().trim_end().contains('\n') {
            "; a new line does not group conditions"
        } else {
            ""
        };
        self.errors.push(SyntaxError::MixedAndOr {
            help: format!(
                "write `{}` or `{}`{lines}",
                help_of(&groups, " and ", " or "),
                help_of(&runs, " or ", " and ")
            ),
            span: or,
            and,
            whole: span_of(pair),
            readings: vec![reading_of(&groups), reading_of(&runs)],
        });
    }

    /// An operand of `and` or `or` other than the last that ends in a quantifier not in
    /// parentheses (`some l in s: a and b`): whether the body takes the operands after it is
    /// the grammar's choice (it does not), not plain to a reader, so it is an error whose help
    /// writes out both readings.
    fn quantifier_body_unclear(&mut self, chain: &Pair<'_, Rule>) {
        let items: Vec<Pair<'_, Rule>> = chain.clone().into_inner().collect();
        let Some((at, quantifier)) = items
            .iter()
            .enumerate()
            .filter(|(at, _)| at + 1 < items.len())
            .find_map(|(at, item)| Some((at, trailing_quantifier(item)?)))
        else {
            return;
        };
        let Some(operator) = items.get(at + 1) else {
            return;
        };
        let word = match operator.as_rule() {
            Rule::kw_or | Rule::bad_or => "or",
            _ => "and",
        };
        let whole = span_of(chain);
        let span = span_of(&quantifier);
        // The innermost quantifier's body, which the second reading extends to the end.
        let mut innermost = quantifier.clone();
        while let Some(inner) = innermost
            .clone()
            .into_inner()
            .last()
            .and_then(|body| trailing_quantifier(&body))
        {
            innermost = inner;
        }
        let Some(body) = innermost.clone().into_inner().last() else {
            return;
        };
        let body = span_of(&body);
        let head = quantifier
            .as_str()
            .get(..(body.start - span.start) as usize)
            .unwrap_or("")
            .trim_end();
        let head_span = Span::new(span.start as usize, span.start as usize + head.len());
        let head = head.trim_end_matches(':').trim_end();
        let readings = vec![
            with_parentheses(chain, &[(span.start, span.end)]),
            with_parentheses(chain, &[(body.start, whole.end)]),
        ];
        // The help writes both readings from the quantifier on (the operands before it read
        // alike in both), each operand after it cut short, so that where they differ shows.
        let source = chain.get_input();
        let text_of = |from: u32, to: u32| source.get(from as usize..to as usize).unwrap_or("");
        let before = match at.checked_sub(1).and_then(|at| items.get(at)) {
            Some(operator) => format!("… {} ", operator.as_str().trim()),
            None => String::new(),
        };
        let lead = shortened(text_of(span_of(&items[at]).start, span.start), 40);
        let rest: Vec<String> = items[at + 1..]
            .iter()
            .map(|item| match item.as_rule() {
                Rule::kw_and | Rule::bad_and | Rule::kw_or | Rule::bad_or => {
                    item.as_str().trim().to_string()
                }
                _ => operand_text(item),
            })
            .collect();
        let rest = shortened(&rest.join(" "), 60);
        let help = format!(
            "write `{before}{lead}({}) {rest}` if the body ends before `{word}`, or \
             `{before}{lead}{}: ({} {rest})` if it goes on",
            shortened(text_of(span.start, span.end), 60),
            shortened(head, 40),
            shortened(text_of(body.start, body.end), 40),
        );
        self.errors.push(SyntaxError::QuantifierBodyUnclear {
            quantifier: one_line(head),
            help,
            span: span_of(operator),
            operator: word,
            head: head_span,
            whole,
            readings,
        });
    }

    /// An `if` whose `else` branch is an `and` or `or` chain not in parentheses
    /// (`if a then b else c and d`): error, with both readings.
    fn else_branch_unclear(&mut self, if_expr: &Pair<'_, Rule>, otherwise: &Pair<'_, Rule>) {
        let Some(chain) = otherwise
            .clone()
            .into_inner()
            .find(|p| p.as_rule() == Rule::or_expr)
        else {
            return;
        };
        let mut chain = chain;
        if chain.clone().into_inner().count() == 1 {
            match chain.clone().into_inner().next() {
                Some(and) => chain = and,
                None => return,
            }
        }
        let items: Vec<Pair<'_, Rule>> = chain.clone().into_inner().collect();
        let (Some(first), Some(operator)) = (items.first(), items.get(1)) else {
            return;
        };
        let word = match operator.as_rule() {
            Rule::kw_or | Rule::bad_or => "or",
            _ => "and",
        };
        let whole = span_of(if_expr);
        let branch = span_of(otherwise);
        let readings = vec![
            with_parentheses(if_expr, &[(branch.start, branch.end)]),
            with_parentheses(if_expr, &[(whole.start, span_of(first).end)]),
        ];
        let help = format!(
            "write `{}` if `else` takes the whole `{word}`, or `{}` if it does not",
            one_line(&readings[0]),
            one_line(&readings[1]),
        );
        self.errors.push(SyntaxError::ElseBranchUnclear {
            help,
            span: span_of(operator),
            operator: word,
            whole,
            readings,
        });
    }

    fn bad_operator(&mut self, found: &'static str, want: &'static str, pair: &Pair<'_, Rule>) {
        self.errors.push(SyntaxError::WrongOperator {
            found,
            want,
            span: span_of(pair),
        });
    }
}

/// The quantifier an operand of `and` or `or` ends in, not in parentheses: the operand itself,
/// or under `not`, or the last operand of a chain of one.
fn trailing_quantifier<'i>(pair: &Pair<'i, Rule>) -> Option<Pair<'i, Rule>> {
    match pair.as_rule() {
        Rule::quantifier => Some(pair.clone()),
        Rule::not_expr | Rule::and_expr | Rule::or_expr | Rule::expr => {
            let inner: Vec<Pair<'i, Rule>> = pair.clone().into_inner().collect();
            match inner.as_slice() {
                [only] => trailing_quantifier(only),
                [not, operand] if matches!(not.as_rule(), Rule::kw_not | Rule::bad_not) => {
                    trailing_quantifier(operand)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The text of `pair` as written, with parentheses put around each of `ranges` (offsets in the
/// source, inside the pair, not overlapping): a reading of an unclear condition that keeps its
/// line breaks and comments, for an editor to put in its place.
fn with_parentheses(pair: &Pair<'_, Rule>, ranges: &[(u32, u32)]) -> String {
    let whole = span_of(pair);
    let text = pair.as_str().get(..whole.len()).unwrap_or("");
    let mut marks: Vec<(usize, bool)> = ranges
        .iter()
        .flat_map(|&(start, end)| [(start, true), (end, false)])
        .map(|(at, open)| {
            (
                (at.saturating_sub(whole.start) as usize).min(text.len()),
                open,
            )
        })
        .collect();
    // At one place, a range that ends closes before the next opens.
    marks.sort_unstable();
    let mut out = String::with_capacity(text.len() + marks.len());
    let mut from = 0;
    for (at, open) in marks {
        out.push_str(text.get(from..at).unwrap_or(""));
        out.push(if open { '(' } else { ')' });
        from = at;
    }
    out.push_str(text.get(from..).unwrap_or(""));
    out
}

/// A text on one line, cut short when long, for a help text.
fn one_line(text: &str) -> String {
    shortened(text, 100)
}

/// An operand of `and` or `or` as written, on one line and cut short when long, for a help text.
fn operand_text(pair: &Pair<'_, Rule>) -> String {
    shortened(pair.as_str().get(..span_of(pair).len()).unwrap_or(""), 40)
}

/// A text's words on one line, without its comments, cut to `longest` characters with `…`.
fn shortened(text: &str, longest: usize) -> String {
    let text = text
        .lines()
        .map(without_comment)
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() <= longest {
        return text;
    }
    let mut short: String = text.chars().take(longest - 1).collect();
    short.push('…');
    short
}

/// A line of policy text without its comment (from `#` or `//` outside a string to the end).
fn without_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return &line[..at],
            '/' if !in_string && line[at..].starts_with("//") => return &line[..at],
            _ => {}
        }
    }
    line
}

/// Operands joined by an operator, in parentheses when there are several.
fn parenthesized(operands: &[String], operator: &str) -> String {
    let joined = operands.join(operator);
    if operands.len() > 1 {
        format!("({joined})")
    } else {
        joined
    }
}

fn is_punctuation(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::comma
            | Rule::colon
            | Rule::dot
            | Rule::assign
            | Rule::gt
    ) || is_keyword(rule)
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_policy
            | Rule::kw_source
            | Rule::kw_in
            | Rule::kw_force
            | Rule::kw_from
            | Rule::kw_until
            | Rule::kw_use
            | Rule::kw_enum
            | Rule::kw_record
            | Rule::kw_input
            | Rule::kw_const
            | Rule::kw_set
            | Rule::kw_param
            | Rule::kw_verdicts
            | Rule::kw_otherwise
            | Rule::kw_obligation
            | Rule::kw_rule
            | Rule::kw_exception
            | Rule::kw_to
            | Rule::kw_when
            | Rule::kw_then
            | Rule::kw_because
            | Rule::kw_test
            | Rule::kw_given
            | Rule::kw_expect
            | Rule::kw_of
            | Rule::kw_optional
            | Rule::kw_if
            | Rule::kw_else
    )
}

/// Resolves `\"`, `\\`, `\n`, `\t` and `\{` escapes; any other escaped character stands for itself.
/// The bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) in a
/// text, each an error where it is.
fn bidi_controls(text: &str) -> Vec<SyntaxError> {
    text.char_indices()
        .filter_map(|(at, c)| {
            let name = match c {
                '\u{202a}' => "U+202A LEFT-TO-RIGHT EMBEDDING",
                '\u{202b}' => "U+202B RIGHT-TO-LEFT EMBEDDING",
                '\u{202c}' => "U+202C POP DIRECTIONAL FORMATTING",
                '\u{202d}' => "U+202D LEFT-TO-RIGHT OVERRIDE",
                '\u{202e}' => "U+202E RIGHT-TO-LEFT OVERRIDE",
                '\u{2066}' => "U+2066 LEFT-TO-RIGHT ISOLATE",
                '\u{2067}' => "U+2067 RIGHT-TO-LEFT ISOLATE",
                '\u{2068}' => "U+2068 FIRST STRONG ISOLATE",
                '\u{2069}' => "U+2069 POP DIRECTIONAL ISOLATE",
                _ => return None,
            };
            Some(SyntaxError::BidiControl {
                name,
                span: Span::new(at, at + c.len_utf8()),
            })
        })
        .collect()
}

impl Lowerer {
    /// The text of a string's characters (`raw`, which begins at byte `start` of the file) with
    /// its escapes read; an unknown escape is an error (`"\d"` was read as `"d"`, silently).
    fn unescape(&mut self, raw: &str, start: usize) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((at, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, known @ ('"' | '\\' | '{' | '}'))) => out.push(known),
                Some((next, other)) => {
                    let end = start + next + other.len_utf8();
                    self.errors.push(SyntaxError::UnknownEscape {
                        escape: format!("\\{other}"),
                        span: Span::new(start + at, end),
                    });
                    out.push(other);
                }
                None => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The help texts of the `mixed_and_or` errors of a policy whose one constant is `condition`.
    fn readings(condition: &str) -> Vec<String> {
        let text = format!("const c: bool = {condition}\n");
        let (file, errors) = parse(&text);
        assert!(file.is_some(), "{condition} parses");
        errors
            .into_iter()
            .map(|error| match error {
                SyntaxError::MixedAndOr { help, .. } => help,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn mixing_and_with_or_shows_both_readings() {
        assert_eq!(
            readings("a and b or c and d"),
            ["write `(a and b) or (c and d)` or `a and (b or c) and d`"]
        );
        assert_eq!(
            readings("a or b and c or d"),
            ["write `a or (b and c) or d` or `(a or b) and (c or d)`"]
        );
        assert_eq!(
            readings("a or b\n and c"),
            ["write `a or (b and c)` or `(a or b) and c`; a new line does not group conditions"]
        );
    }

    #[test]
    fn parentheses_or_one_operator_are_not_mixing() {
        for condition in [
            "a and b and c",
            "a or b or c",
            "(a and b) or c",
            "a and (b or c)",
            "not (a or b) and c",
            "(a or b) and (c or d)",
            "if a and b then c or d else e",
        ] {
            assert_eq!(readings(condition), Vec::<String>::new(), "{condition}");
        }
    }

    /// The exact readings of the errors of a policy whose one constant is `condition`, each
    /// error's code with them.
    fn exact_readings(condition: &str) -> Vec<(String, Vec<String>)> {
        let text = format!("const c: bool = {condition}\n");
        let (file, errors) = parse(&text);
        assert!(file.is_some(), "{condition} parses");
        errors
            .iter()
            .map(|error| {
                let code = miette::Diagnostic::code(error).map(|c| c.to_string());
                let (readings, whole) = error.readings().unwrap_or_else(|| panic!("{error:?}"));
                let whole = &text[whole.start as usize..whole.end as usize];
                assert_eq!(whole.trim(), whole, "the whole of {condition}");
                (code.unwrap_or_default(), readings.to_vec())
            })
            .collect()
    }

    #[test]
    fn a_quantifier_before_and_or_or_shows_both_readings() {
        assert_eq!(
            exact_readings("some x in s: x and b"),
            [(
                "licit::syntax::quantifier_body_unclear".to_string(),
                vec![
                    "(some x in s: x) and b".to_string(),
                    "some x in s: (x and b)".to_string()
                ]
            )]
        );
        assert_eq!(
            exact_readings("a or not every x in s: some y in x: y or\n  # why\n  b or c")[0].1,
            [
                "a or not (every x in s: some y in x: y) or\n  # why\n  b or c",
                "a or not every x in s: some y in x: (y or\n  # why\n  b or c)"
            ]
        );
        for clear in [
            "(some x in s: x) and b",
            "b and some x in s: x",
            "some x in s: (x and b)",
            "not (some x in s: x) or b",
        ] {
            assert_eq!(exact_readings(clear), [], "{clear}");
        }
    }

    #[test]
    fn an_else_branch_with_and_or_or_shows_both_readings() {
        assert_eq!(
            exact_readings("if a then b else c and d and e"),
            [(
                "licit::syntax::else_branch_unclear".to_string(),
                vec![
                    "if a then b else (c and d and e)".to_string(),
                    "(if a then b else c) and d and e".to_string()
                ]
            )]
        );
        for clear in [
            "if a then b and c else d",
            "if a then b else (c or d)",
            "if a then b else if c then d else e",
            "(if a then b else c) or d",
        ] {
            assert_eq!(exact_readings(clear), [], "{clear}");
        }
    }

    #[test]
    fn the_readings_of_and_mixed_with_or_keep_the_text_as_written() {
        let long = "case.destination_of_the_goods_in_question == CN";
        assert_eq!(
            exact_readings(&format!("a and {long} or # note\n c")),
            [(
                "licit::syntax::mixed_and_or".to_string(),
                vec![
                    format!("(a and {long}) or # note\n c"),
                    format!("a and ({long} or # note\n c)")
                ]
            )]
        );
    }

    #[test]
    fn the_keywords_are_the_grammars_reserved_words() {
        let grammar = include_str!("../../grammar/licit.pest");
        let start = grammar.find("keyword = _{").unwrap_or(0);
        let end = start + grammar[start..].find('}').unwrap_or(0);
        let mut words: Vec<&str> = grammar[start..end].split('"').skip(1).step_by(2).collect();
        words.push("case");
        words.sort_unstable();
        let mut ours = crate::syntax::KEYWORDS.to_vec();
        ours.sort_unstable();
        assert_eq!(words, ours);
    }

    #[test]
    fn the_error_points_at_the_or_and_the_and_beside_it() {
        let text = "const c: bool = a or b and c\n";
        let (_, errors) = parse(text);
        let [SyntaxError::MixedAndOr { span, and, .. }] = errors.as_slice() else {
            panic!("one error expected, got {errors:?}");
        };
        assert_eq!(&text[span.start as usize..span.end as usize], "or");
        assert_eq!(&text[and.start as usize..and.end as usize], "and");
    }
}
