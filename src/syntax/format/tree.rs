//! The layout tree: the file as nested lines and blocks, each piece knowing where it starts in the
//! source so that comments can be attached to it. Built from the AST, independent of comments.

use super::condition;
use super::expr::{self, level};
use super::measure::{CLAUSE_INDENT, WIDTH};
use super::scan::Scan;
use crate::syntax::ast::{
    Dated, Declaration, Expectation, Expr, ExprKind, File, Header, RecordDecl, RuleDecl, Str,
    TestDecl, TypeExpr,
};

/// One piece of the layout with the comments attached to it.
#[derive(Debug)]
pub(super) struct Node {
    /// The byte offset in the source of the piece's first token.
    pub start: usize,
    pub shape: Shape,
    /// Which run of one-line declarations a top-level declaration can share without blank lines.
    pub group: Group,
    /// Comments on their own lines before the piece.
    pub leading: Vec<usize>,
    /// Comments at the end of the piece's first line (blocks) or of its only line (leaves).
    pub head: Vec<usize>,
    /// Comments at the end of the piece's last line.
    pub trailing: Vec<usize>,
    /// Comments on their own lines after the last child of a block, before its closing line.
    pub dangling: Vec<usize>,
}

/// How a piece is laid out.
#[derive(Debug)]
pub(super) enum Shape {
    /// Fixed lines; the first at the piece's indentation, the rest with their own extra indentation.
    Text(Vec<String>),
    /// A head line, children indented by two spaces, and an optional closing line. `empty` is the
    /// one-line form used when there are no children and no comments inside.
    Block {
        head: Option<String>,
        children: Vec<Node>,
        close: Option<String>,
        empty: Option<String>,
    },
    /// A comma-separated list in braces: `open items close` on one line if it fits and holds no
    /// comments; otherwise `head`, the items indented (several to a line when `fill`), and `}`.
    List {
        head: String,
        open: String,
        close: String,
        items: Vec<Node>,
        fill: bool,
    },
    /// A `when` (or an assumption's `that`) condition that is an `and` chain: the first
    /// conjunct after the keyword, each of the others on its own line after `and`, aligned
    /// under the first.
    Chain(&'static str, Vec<Node>),
}

/// Kinds of one-line declarations that may stand on consecutive lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Group {
    None,
    Use,
    Enum,
    Set,
    Const,
    Param,
    Obligation,
    Verdicts,
    Otherwise,
    Repeal,
    ChangeSet,
    ChangeValue,
}

impl Node {
    fn new(start: usize, shape: Shape) -> Node {
        Node {
            start,
            shape,
            group: Group::None,
            leading: Vec::new(),
            head: Vec::new(),
            trailing: Vec::new(),
            dangling: Vec::new(),
        }
    }

    fn line(start: usize, text: String) -> Node {
        Node::new(start, Shape::Text(vec![text]))
    }

    fn grouped(mut self, group: Group) -> Node {
        self.group = group;
        self
    }

    /// The children, in the order they are printed.
    pub fn children(&self) -> &[Node] {
        match &self.shape {
            Shape::Text(_) => &[],
            Shape::Block { children, .. } => children,
            Shape::List { items, .. } => items,
            Shape::Chain(_, children) => children,
        }
    }

    /// Whether the piece ends with a closing brace of its own.
    pub fn has_close(&self) -> bool {
        match &self.shape {
            Shape::Text(_) | Shape::Chain(..) => false,
            Shape::Block { close, .. } => close.is_some(),
            Shape::List { .. } => true,
        }
    }
}

/// The layout of a whole file: a block without head whose children are the declarations.
pub(super) fn file(file: &File, scan: &Scan<'_>) -> Node {
    let mut children = Vec::new();
    if let Some(header) = &file.header {
        children.push(self::header(header, scan));
    }
    for declaration in &file.declarations {
        children.push(self::declaration(declaration, scan));
    }
    Node::new(
        0,
        Shape::Block {
            head: None,
            children,
            close: None,
            empty: None,
        },
    )
}

fn header(header: &Header, scan: &Scan<'_>) -> Node {
    let mut children = Vec::new();
    if let Some(source) = &header.source {
        let start = scan.keyword_before(source.span.start as usize, "source");
        children.push(Node::line(
            start,
            format!("source {}", expr::string(&source.text)),
        ));
    }
    if let Some(amends) = &header.amends {
        let start = scan.keyword_before(amends.span.start as usize, "amends");
        children.push(Node::line(
            start,
            format!("amends {}", expr::string(&amends.text)),
        ));
    }
    if let Some(date) = header.in_force.from.or(header.in_force.until) {
        let start = scan.keyword_before(date.span.start as usize, "in");
        children.push(Node::line(
            start,
            format!("in force{}", expr::period(&header.in_force)),
        ));
    }
    Node::new(
        header.span.start as usize,
        Shape::Block {
            head: Some(format!("policy {}", expr::string(&header.title.text))),
            children,
            close: None,
            empty: None,
        },
    )
}

// Long by design: one arm per kind of declaration, read side by side as the layout's table;
// rules, records and tests, which need more, have functions of their own.
fn declaration(declaration: &Declaration, scan: &Scan<'_>) -> Node {
    let keyword = |offset: u32, word: &str| scan.keyword_before(offset as usize, word);
    match declaration {
        Declaration::Use(path) => Node::line(
            keyword(path.span.start, "use"),
            format!("use {}", expr::string(&path.text)),
        )
        .grouped(Group::Use),
        Declaration::Enum(decl) => {
            let items = decl
                .members
                .iter()
                .map(|member| Node::line(member.span.start as usize, member.name.clone()))
                .collect();
            Node::new(
                keyword(decl.name.span.start, "enum"),
                Shape::List {
                    head: format!("enum {} {{", decl.name.name),
                    open: format!("enum {} {{ ", decl.name.name),
                    close: " }".to_string(),
                    items,
                    fill: true,
                },
            )
            .grouped(Group::Enum)
        }
        Declaration::Record(decl) => record(decl, scan),
        Declaration::Const(decl) => Node::line(
            keyword(decl.name.span.start, "const"),
            format!(
                "const {}{} = {}",
                decl.name.name,
                annotation(decl.ty.as_ref()),
                dated_values(&decl.versions)
            ),
        )
        .grouped(Group::Const),
        Declaration::Set(decl) => {
            let items = set_members(&decl.members, scan);
            let prefix = format!(
                "set {}{} = {{",
                decl.name.name,
                annotation(decl.element_type.as_ref())
            );
            Node::new(
                decl.span.start as usize,
                Shape::List {
                    head: prefix.clone(),
                    open: prefix,
                    close: "}".to_string(),
                    items,
                    fill: true,
                },
            )
            .grouped(Group::Set)
        }
        Declaration::Param(decl) => Node::line(
            keyword(decl.name.span.start, "param"),
            format!(
                "param {}: {} = {}",
                decl.name.name,
                expr::type_expr(&decl.ty),
                expr::expr(&decl.default)
            ),
        )
        .grouped(Group::Param),
        Declaration::Verdicts(kinds, span) => {
            let kinds: Vec<String> = kinds.iter().map(expr::kind).collect();
            Node::line(
                span.start as usize,
                format!("verdicts {}", kinds.join(" > ")),
            )
            .grouped(Group::Verdicts)
        }
        Declaration::Otherwise(verdict) => Node::line(
            keyword(verdict.span.start, "otherwise"),
            format!("otherwise {}", verdict.name),
        )
        .grouped(Group::Otherwise),
        Declaration::Obligation(kind) => Node::line(
            keyword(kind.name.span.start, "obligation"),
            format!("obligation {}", expr::kind(kind)),
        )
        .grouped(Group::Obligation),
        Declaration::Assert(decl) => {
            let expectation = match &decl.expect {
                crate::syntax::ast::AssertExpectation::Verdicts(kinds) => kinds
                    .iter()
                    .map(|k| k.name.clone())
                    .collect::<Vec<_>>()
                    .join(" or "),
                crate::syntax::ast::AssertExpectation::NotDecidedBy(rule) => {
                    format!("not decided by {}", rule.name)
                }
            };
            let mut children = Vec::new();
            if let Some(condition) = &decl.when {
                children.push(when(
                    condition,
                    "when",
                    keyword(condition.span.start, "when"),
                    scan,
                ));
            }
            let expect_at = match &decl.expect {
                crate::syntax::ast::AssertExpectation::Verdicts(kinds) => {
                    kinds.first().map(|k| k.span.start).unwrap_or(decl.span.end)
                }
                crate::syntax::ast::AssertExpectation::NotDecidedBy(rule) => rule.span.start,
            };
            children.push(Node::line(
                keyword(expect_at, "expect"),
                format!("expect {expectation}"),
            ));
            Node::new(
                decl.span.start as usize,
                Shape::Block {
                    head: Some(format!("assert {}", expr::string(&decl.name.text))),
                    children,
                    close: None,
                    empty: None,
                },
            )
        }
        Declaration::Assume(decl) => {
            let condition = &decl.condition;
            let that = when(
                condition,
                "that",
                keyword(condition.span.start, "that"),
                scan,
            );
            Node::new(
                decl.span.start as usize,
                Shape::Block {
                    head: Some(format!("assume {}", expr::string(&decl.text.text))),
                    children: vec![that],
                    close: None,
                    empty: None,
                },
            )
        }
        Declaration::Rule(rule) => self::rule(rule, "", scan),
        Declaration::AddRule(rule) => self::rule(rule, "add", scan),
        Declaration::ReplaceRule(rule) => self::rule(rule, "replace", scan),
        Declaration::RepealRule {
            name,
            citation,
            span,
        } => Node::line(
            keyword(span.start, "repeal"),
            format!("repeal rule {}{}", name.name, cited(citation.as_ref())),
        )
        .grouped(Group::Repeal),
        Declaration::ChangeSet {
            name,
            citation,
            add,
            members,
            span,
        } => {
            let prefix = format!(
                "change set {}{} {} {{",
                name.name,
                cited(citation.as_ref()),
                if *add { "+=" } else { "-=" }
            );
            Node::new(
                keyword(span.start, "change"),
                Shape::List {
                    head: prefix.clone(),
                    open: prefix,
                    close: "}".to_string(),
                    items: set_members(members, scan),
                    fill: true,
                },
            )
            .grouped(Group::ChangeSet)
        }
        Declaration::ChangeValue {
            name,
            citation,
            is_param,
            versions,
            span,
        } => Node::line(
            keyword(span.start, "change"),
            format!(
                "change {} {}{} = {}",
                if *is_param { "param" } else { "const" },
                name.name,
                cited(citation.as_ref()),
                dated_values(versions)
            ),
        )
        .grouped(Group::ChangeValue),
        Declaration::Test(test) => self::test(test, scan),
    }
}

/// The members of a set, each a piece of its own.
fn set_members(members: &[Dated<Expr>], scan: &Scan<'_>) -> Vec<Node> {
    members
        .iter()
        .map(|member| {
            Node::line(
                scan.with_open_parens(member.value.span.start as usize),
                format!(
                    "{}{}",
                    expr::expr(&member.value),
                    expr::period(&member.period)
                ),
            )
        })
        .collect()
}

/// The versions of a constant: `5 years from 2021-09-09, 3 years`.
fn dated_values(versions: &[Dated<Expr>]) -> String {
    let versions: Vec<String> = versions
        .iter()
        .map(|version| {
            format!(
                "{}{}",
                expr::expr(&version.value),
                expr::period(&version.period)
            )
        })
        .collect();
    versions.join(", ")
}

/// ` "citation"`, or nothing.
fn cited(citation: Option<&Str>) -> String {
    citation
        .map(|citation| format!(" {}", expr::string(&citation.text)))
        .unwrap_or_default()
}

/// `: Type`, or nothing.
fn annotation(ty: Option<&TypeExpr>) -> String {
    ty.map(|ty| format!(": {}", expr::type_expr(ty)))
        .unwrap_or_default()
}

fn record(decl: &RecordDecl, scan: &Scan<'_>) -> Node {
    let word = if decl.is_input { "input" } else { "record" };
    let children = decl
        .fields
        .iter()
        .map(|field| {
            let default = field
                .default
                .as_ref()
                .map(|value| format!(" = {}", expr::expr(value)))
                .unwrap_or_default();
            Node::line(
                field.name.span.start as usize,
                format!(
                    "{}: {}{default}",
                    field.name.name,
                    expr::type_expr(&field.ty)
                ),
            )
        })
        .collect();
    Node::new(
        scan.keyword_before(decl.name.span.start as usize, word),
        Shape::Block {
            head: Some(format!("{word} {} {{", decl.name.name)),
            children,
            close: Some("}".to_string()),
            empty: Some(format!("{word} {} {{}}", decl.name.name)),
        },
    )
}

/// A rule, or with `amendment` (`add`, `replace`) a rule an amendment adds or replaces.
fn rule(rule: &RuleDecl, amendment: &str, scan: &Scan<'_>) -> Node {
    let keyword = |offset: u32, word: &str| scan.keyword_before(offset as usize, word);
    let mut clauses = Vec::new();
    if let Some(first) = rule.exception_to.first() {
        let names: Vec<String> = rule.exception_to.iter().map(|n| n.name.clone()).collect();
        clauses.push(Node::new(
            keyword(first.span.start, "exception"),
            Shape::Text(filled("exception to", &names)),
        ));
    }
    if let Some(period) = &rule.in_force {
        let start = period
            .from
            .or(period.until)
            .map_or(rule.span.start as usize, |date| {
                keyword(date.span.start, "in")
            });
        clauses.push(Node::line(
            start,
            format!("in force{}", expr::period(period)),
        ));
    }
    if let Some((variable, set)) = &rule.for_each {
        clauses.push(Node::line(
            keyword(variable.span.start, "for"),
            format!("for {} in {}", variable.name, expr::at(set, level::SUM)),
        ));
    }
    if let Some(condition) = &rule.when {
        clauses.push(when(
            condition,
            "when",
            keyword(condition.span.start, "when"),
            scan,
        ));
    }
    if let Some(first) = rule.then.first() {
        let conclusions: Vec<String> = rule.then.iter().map(expr::conclusion).collect();
        clauses.push(Node::new(
            keyword(first.span.start, "then"),
            Shape::Text(filled("then", &conclusions)),
        ));
    }
    if let Some(because) = &rule.because {
        clauses.push(Node::line(
            keyword(because.span.start, "because"),
            format!("because {}", expr::template(because)),
        ));
    }
    for (finding, reason) in &rule.allows {
        clauses.push(Node::line(
            keyword(finding.span.start, "allow"),
            format!("allow {} {}", finding.name, expr::string(&reason.text)),
        ));
    }
    let (start, word) = if amendment.is_empty() {
        (rule.span.start as usize, String::new())
    } else {
        (keyword(rule.span.start, amendment), format!("{amendment} "))
    };
    Node::new(
        start,
        Shape::Block {
            head: Some(format!(
                "{word}rule {}{}",
                rule.name.name,
                cited(rule.citation.as_ref())
            )),
            children: clauses,
            close: None,
            empty: None,
        },
    )
}

/// The width of `when ` and ` and `, after which a condition's conjuncts start.
const CONDITION_COLUMN: usize = 5;

/// The `when` clause: a top-level `and` chain puts each conjunct on its own line; a condition or
/// conjunct too long for a line breaks its own chains (`condition::lines`).
fn when(when_expr: &Expr, word: &'static str, start: usize, scan: &Scan<'_>) -> Node {
    match &when_expr.kind {
        ExprKind::And(conjuncts) => {
            let children = conjuncts
                .iter()
                .enumerate()
                .map(|(i, conjunct)| {
                    // A quantifier before the last conjunct keeps its parentheses: its body
                    // would otherwise seem to go on (`licit::syntax::quantifier_body_unclear`).
                    let min = match conjunct.kind {
                        ExprKind::Quantifier(..) if i + 1 < conjuncts.len() => level::COMPARISON,
                        _ => level::NOT,
                    };
                    let lines = condition::lines(conjunct, CONDITION_COLUMN, min, false);
                    // A conjunct starts at its `and`, so a comment before the `and` comes
                    // before the conjunct.
                    let first = scan.with_open_parens(conjunct.span.start as usize);
                    let start = if i == 0 {
                        first
                    } else {
                        scan.keyword_before(first, "and")
                    };
                    Node::new(start, Shape::Text(lines))
                })
                .collect();
            Node::new(start, Shape::Chain(word, children))
        }
        _ => {
            let mut lines = condition::lines(when_expr, CONDITION_COLUMN, level::ANY, true);
            if let Some(first) = lines.first_mut() {
                first.insert_str(0, &format!("{word} "));
            }
            Node::new(start, Shape::Text(lines))
        }
    }
}

/// `keyword a, b, c` on one line if it fits, otherwise filled onto lines indented by four spaces
/// (two more than the clause).
fn filled(keyword: &str, items: &[String]) -> Vec<String> {
    let one_line = format!("{keyword} {}", items.join(", "));
    if CLAUSE_INDENT + one_line.chars().count() <= WIDTH {
        return vec![one_line];
    }
    let mut lines = Vec::new();
    let mut current = keyword.to_string();
    let last = items.len().saturating_sub(1);
    for (i, item) in items.iter().enumerate() {
        let piece = if i == last {
            item.clone()
        } else {
            format!("{item},")
        };
        let is_first = lines.is_empty() && current == keyword;
        let fits = CLAUSE_INDENT + current.chars().count() + 1 + piece.chars().count() <= WIDTH;
        if !is_first && !fits {
            lines.push(std::mem::replace(&mut current, "  ".to_string()));
            current.push_str(&piece);
        } else {
            current.push(' ');
            current.push_str(&piece);
        }
    }
    lines.push(current);
    lines
}

fn test(test: &TestDecl, scan: &Scan<'_>) -> Node {
    let keyword = |offset: u32, word: &str| scan.keyword_before(offset as usize, word);
    let mut items = Vec::new();
    if let Some(given) = &test.given {
        let start = keyword(given.span.start, "given");
        items.push(match &given.kind {
            ExprKind::Record(fields) => {
                let fields = fields
                    .iter()
                    .map(|field| Node::line(field.name.span.start as usize, expr::arg(field)))
                    .collect();
                Node::new(
                    start,
                    Shape::List {
                        head: "given {".to_string(),
                        open: "given { ".to_string(),
                        close: " }".to_string(),
                        items: fields,
                        fill: false,
                    },
                )
            }
            _ => Node::line(start, format!("given {}", expr::expr(given))),
        });
    }
    for (name, value) in &test.params {
        items.push(Node::line(
            keyword(name.span.start, "param"),
            format!("param {} = {}", name.name, expr::expr(value)),
        ));
    }
    for expectation in &test.expectations {
        let (first, text) = match expectation {
            Expectation::Explanation(span) => (*span, "explanation".to_string()),
            Expectation::Verdict(verdict) => (verdict.span, expr::conclusion(verdict)),
            Expectation::DecidedBy(rule) => (rule.span, format!("decided by {}", rule.name)),
            Expectation::Applied(rule) => (rule.span, format!("applied {}", rule.name)),
            Expectation::NotApplied(rule) => (rule.span, format!("not applied {}", rule.name)),
            Expectation::Suppressed { rule, by } => (
                rule.span,
                format!("suppressed {} by {}", rule.name, by.name),
            ),
            Expectation::Obligation(obligation) => (
                obligation.span,
                format!("obligation {}", expr::conclusion(obligation)),
            ),
            Expectation::NoObligation(kind) => (kind.span, format!("no obligation {}", kind.name)),
        };
        items.push(Node::line(
            keyword(first.start, "expect"),
            format!("expect {text}"),
        ));
    }
    let name = expr::string(&test.name.text);
    Node::new(
        test.span.start as usize,
        Shape::Block {
            head: Some(format!("test {name} {{")),
            children: items,
            close: Some("}".to_string()),
            empty: Some(format!("test {name} {{}}")),
        },
    )
}
