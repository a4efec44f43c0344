//! Printing expressions, literals and types on one line, with the fewest parentheses that keep an
//! expression's meaning (and so its syntax tree).

use crate::syntax::ast::{
    Arg, BinaryOp, Conclusion, Expr, ExprKind, IsWhat, KindDecl, Period, Quantifier, Template,
    TemplatePart, TypeExpr,
};

/// How tightly an expression binds, loosest first. A place in the grammar takes expressions of at
/// least some level; a looser one there needs parentheses.
pub(super) mod level {
    /// `if … then … else …`, and any place that takes a whole expression.
    pub const ANY: u8 = 0;
    /// `a or b`
    pub const OR: u8 = 1;
    /// `a and b`
    pub const AND: u8 = 2;
    /// `not a`, `some x in s: a`
    pub const NOT: u8 = 3;
    /// `a == b`, `a in s`, `a is none`
    pub const COMPARISON: u8 = 4;
    /// `a + b`, `a - b`
    pub const SUM: u8 = 5;
    /// `a * b`
    pub const PRODUCT: u8 = 6;
    /// `a.b`
    pub const POSTFIX: u8 = 7;
    /// Literals, names and calls.
    pub const ATOM: u8 = 8;
}

/// An expression in a place that takes any expression.
pub(super) fn expr(expr: &Expr) -> String {
    at(expr, level::ANY)
}

/// An expression in a place that takes expressions of at least `min` level.
pub(super) fn at(expr: &Expr, min: u8) -> String {
    let mut out = String::new();
    write(expr, min, &mut out);
    out
}

/// The level of an expression's outermost form.
pub(super) fn level_of(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::If(..) => level::ANY,
        ExprKind::Or(_) => level::OR,
        ExprKind::And(_) => level::AND,
        ExprKind::Not(_) | ExprKind::Quantifier(..) => level::NOT,
        ExprKind::Is(..) => level::COMPARISON,
        ExprKind::Binary(op, ..) => match op {
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::NotIn => level::COMPARISON,
            BinaryOp::Add | BinaryOp::Sub => level::SUM,
            BinaryOp::Mul => level::PRODUCT,
        },
        ExprKind::Field(..) => level::POSTFIX,
        ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Decimal(_)
        | ExprKind::Text(_)
        | ExprKind::Date(_)
        | ExprKind::Duration(_)
        | ExprKind::None
        | ExprKind::Name(_)
        | ExprKind::Call(..)
        | ExprKind::Set(_)
        | ExprKind::Record(_) => level::ATOM,
    }
}

fn write(expr: &Expr, min: u8, out: &mut String) {
    if level_of(expr) < min {
        out.push('(');
        write_bare(expr, out);
        out.push(')');
    } else {
        write_bare(expr, out);
    }
}

/// An operand of `and`, `or` or `not`: a quantifier goes in parentheses, so that where its
/// body ends is plain to a reader (`not (some c in s: p) and q`), though the grammar needs none.
fn write_operand(operand: &Expr, out: &mut String) {
    let min = match operand.kind {
        ExprKind::Quantifier(..) => level::COMPARISON,
        _ => level::NOT,
    };
    write(operand, min, out);
}

fn write_list(items: &[Expr], min: u8, separator: &str, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        write(item, min, out);
    }
}

fn write_bare(expr: &Expr, out: &mut String) {
    match &expr.kind {
        ExprKind::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        ExprKind::Int(value) => out.push_str(&value.to_string()),
        ExprKind::Decimal(text) => out.push_str(text),
        ExprKind::Text(text) => out.push_str(&string(text)),
        ExprKind::Date(date) => out.push_str(&date.to_string()),
        // A literal has months or days, which `Duration` writes in the largest exact unit.
        ExprKind::Duration(value) => out.push_str(&value.to_string()),
        ExprKind::None => out.push_str("none"),
        ExprKind::Name(name) => out.push_str(&name.name),
        ExprKind::Field(base, field) => {
            write(base, level::POSTFIX, out);
            out.push('.');
            out.push_str(&field.name);
        }
        ExprKind::Call(name, args) => {
            out.push_str(&name.name);
            out.push('(');
            write_list(args, level::ANY, ", ", out);
            out.push(')');
        }
        ExprKind::Set(members) => {
            out.push('{');
            write_list(members, level::ANY, ", ", out);
            out.push('}');
        }
        ExprKind::Record(fields) => out.push_str(&record(fields)),
        ExprKind::Not(operand) => {
            out.push_str("not ");
            write_operand(operand, out);
        }
        ExprKind::And(operands) | ExprKind::Or(operands) => {
            let separator = match &expr.kind {
                ExprKind::And(_) => " and ",
                _ => " or ",
            };
            for (i, operand) in operands.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator);
                }
                write_operand(operand, out);
            }
        }
        ExprKind::Binary(op, left, right) => {
            // Arithmetic groups to the left (`a - b - c`); comparisons do not chain.
            let level = level_of(expr);
            let (left_min, right_min) = match level {
                level::COMPARISON => (level + 1, level + 1),
                _ => (level, level + 1),
            };
            write(left, left_min, out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write(right, right_min, out);
        }
        ExprKind::Is(operand, test) => {
            write(operand, level::SUM, out);
            out.push_str(if test.negated { " is not " } else { " is " });
            out.push_str(match test.what {
                IsWhat::None => "none",
                IsWhat::Some => "some",
                IsWhat::Empty => "empty",
            });
        }
        ExprKind::Quantifier(quantifier, variable, set, body) => {
            out.push_str(match quantifier {
                Quantifier::Some => "some ",
                Quantifier::Every => "every ",
            });
            out.push_str(&variable.name);
            out.push_str(" in ");
            write(set, level::SUM, out);
            out.push_str(": ");
            write(body, level::NOT, out);
        }
        ExprKind::If(condition, then, otherwise) => {
            out.push_str("if ");
            write(condition, level::ANY, out);
            out.push_str(" then ");
            write(then, level::ANY, out);
            out.push_str(" else ");
            // An `and` or `or` chain in the `else` branch keeps its parentheses
            // (`licit::syntax::else_branch_unclear`); a chain of `else if` does not need them.
            let min = match otherwise.kind {
                ExprKind::And(_) | ExprKind::Or(_) => level::NOT,
                _ => level::ANY,
            };
            write(otherwise, min, out);
        }
    }
}

/// A record literal on one line: `{ name: value, … }`.
pub(super) fn record(fields: &[Arg]) -> String {
    let fields: Vec<String> = fields.iter().map(arg).collect();
    format!("{{ {} }}", fields.join(", "))
}

/// `name: value`
pub(super) fn arg(arg: &Arg) -> String {
    format!("{}: {}", arg.name.name, expr(&arg.value))
}

/// A verdict or obligation with its arguments: `authorised(basis: "EU001")`.
pub(super) fn conclusion(conclusion: &Conclusion) -> String {
    if conclusion.args.is_empty() {
        return conclusion.name.name.clone();
    }
    let args: Vec<String> = conclusion.args.iter().map(arg).collect();
    format!("{}({})", conclusion.name.name, args.join(", "))
}

/// A verdict or obligation kind with its typed parameters: `authorised(basis: text)`.
pub(super) fn kind(kind: &KindDecl) -> String {
    if kind.params.is_empty() {
        return kind.name.name.clone();
    }
    let params: Vec<String> = kind
        .params
        .iter()
        .map(|(name, ty)| format!("{}: {}", name.name, type_expr(ty)))
        .collect();
    format!("{}({})", kind.name.name, params.join(", "))
}

/// A written type: `set of optional Country`.
pub(super) fn type_expr(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(name) => name.name.clone(),
        TypeExpr::Set(element, _) => format!("set of {}", type_expr(element)),
        TypeExpr::Optional(element, _) => format!("optional {}", type_expr(element)),
    }
}

/// The words of a period, each with a space before it: ` from 2021-09-09 until 2022-01-01`.
pub(super) fn period(period: &Period) -> String {
    let mut out = String::new();
    if let Some(from) = period.from {
        out.push_str(&format!(" from {}", from.date));
    }
    if let Some(until) = period.until {
        out.push_str(&format!(" until {}", until.date));
    }
    out
}

/// A string literal with `"`, `\`, newlines and tabs escaped.
pub(super) fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    escape(text, false, &mut out);
    out.push('"');
    out
}

/// A `because` text; `{` in its literal parts is escaped so that it does not open a hole.
pub(super) fn template(template: &Template) -> String {
    let mut out = String::from("\"");
    for part in &template.parts {
        match part {
            TemplatePart::Text(text) => escape(text, true, &mut out),
            TemplatePart::Hole(hole) => {
                out.push('{');
                write(hole, level::ANY, &mut out);
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

fn escape(text: &str, in_template: bool, out: &mut String) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // A line break written raw in the string as CR LF (there is no `\r` escape): kept
            // raw, as `\n` after a raw CR would leave the CR alone, which does not parse.
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                out.push_str("\r\n");
            }
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '{' if in_template => out.push_str("\\{"),
            other => out.push(other),
        }
    }
}
