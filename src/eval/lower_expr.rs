//! Lowering one checked expression to the evaluator's `Expr`: parameters substituted, literal
//! sets folded, `some e in S: starts_with(x, e)` recognised. Both lowering the program and
//! evaluating constants on demand (`interpret`) use it, so it has its own file.

use crate::check::ir::{self, Type};

use super::ir::{Expr, Program};
use super::value::Value;

impl Program {
    pub(crate) fn lower_expr(&self, expr: &ir::Expr) -> Expr {
        let lower = |e: &ir::Expr| Box::new(self.lower_expr(e));
        match expr {
            ir::Expr::Bool(b) => Expr::Value(Value::Bool(*b)),
            ir::Expr::Int(i) => Expr::Value(Value::Int(*i)),
            ir::Expr::Decimal(d) => Expr::Value(Value::Decimal(*d)),
            ir::Expr::Text(t) => Expr::Value(Value::Text(t.as_str().into())),
            ir::Expr::Date(d) => Expr::Value(Value::Date(*d)),
            ir::Expr::Duration(d) => Expr::Value(Value::Duration(*d)),
            ir::Expr::None => Expr::Value(Value::None),
            ir::Expr::Member(ty, member) => Expr::Value(Value::Enum(small(*ty), small(*member))),
            ir::Expr::Case => Expr::Case,
            ir::Expr::Local(depth) => Expr::Local(*depth),
            ir::Expr::Const(index) => Expr::Const(*index),
            ir::Expr::Param(index) => match self.dated_params.get(*index) {
                Some(Some(slot)) => Expr::Const(*slot),
                _ => Expr::Value(self.params.get(*index).cloned().unwrap_or(Value::None)),
            },
            ir::Expr::NamedSet(index) => Expr::NamedSet(*index),
            ir::Expr::Field(base, position) => Expr::Field(lower(base), *position),
            ir::Expr::SetLit(members, element) => {
                let members: Vec<Expr> = members.iter().map(|m| self.lower_expr(m)).collect();
                let is_enum = enum_of(element);
                if members.iter().all(|m| matches!(m, Expr::Value(_))) {
                    let values = members
                        .into_iter()
                        .filter_map(|m| match m {
                            Expr::Value(v) => Some(v),
                            _ => None,
                        })
                        .collect();
                    Expr::Value(Value::set_of(values, is_enum))
                } else {
                    Expr::SetLit(members, is_enum)
                }
            }
            ir::Expr::RecordLit(record, fields) => Expr::RecordLit(
                small(*record),
                fields.iter().map(|f| self.lower_expr(f)).collect(),
            ),
            ir::Expr::Not(inner) => Expr::Not(lower(inner)),
            ir::Expr::And(items) => Expr::And(items.iter().map(|i| self.lower_expr(i)).collect()),
            ir::Expr::Or(items) => Expr::Or(items.iter().map(|i| self.lower_expr(i)).collect()),
            ir::Expr::Compare(op, a, b) => Expr::Compare(*op, lower(a), lower(b)),
            ir::Expr::In(a, b) => Expr::In(lower(a), lower(b)),
            ir::Expr::IsNone(a) => Expr::IsNone(lower(a)),
            ir::Expr::IsEmpty(a) => Expr::IsEmpty(lower(a)),
            ir::Expr::Arith(op, a, b) => Expr::Arith(*op, lower(a), lower(b)),
            ir::Expr::Quantifier {
                every: false,
                set,
                body,
            } if matches!(&**body, ir::Expr::StartsWith(text, prefix)
                    if matches!(**prefix, ir::Expr::Local(0)) && !reads_locals(text)) =>
            {
                let ir::Expr::StartsWith(text, _) = &**body else {
                    return Expr::Value(Value::Bool(false));
                };
                Expr::AnyPrefix(lower(text), lower(set))
            }
            ir::Expr::Quantifier { every, set, body } => Expr::Quantifier {
                every: *every,
                set: lower(set),
                body: lower(body),
            },
            ir::Expr::If(c, a, b) => Expr::If(lower(c), lower(a), lower(b)),
            ir::Expr::StartsWith(a, b) => Expr::StartsWith(lower(a), lower(b)),
            ir::Expr::Count(a) => Expr::Count(lower(a)),
            ir::Expr::EndOfYear(a) => Expr::EndOfYear(lower(a)),
        }
    }
}

/// Whether an expression reads a quantifier's variable.
fn reads_locals(expr: &ir::Expr) -> bool {
    let mut found = false;
    visit_ir(expr, &mut |e| found |= matches!(e, ir::Expr::Local(_)));
    found
}

pub(super) fn visit_ir(expr: &ir::Expr, out: &mut dyn FnMut(&ir::Expr)) {
    out(expr);
    match expr {
        ir::Expr::Field(inner, _)
        | ir::Expr::Not(inner)
        | ir::Expr::IsNone(inner)
        | ir::Expr::IsEmpty(inner)
        | ir::Expr::Count(inner)
        | ir::Expr::EndOfYear(inner) => visit_ir(inner, out),
        ir::Expr::SetLit(items, _)
        | ir::Expr::RecordLit(_, items)
        | ir::Expr::And(items)
        | ir::Expr::Or(items) => items.iter().for_each(|item| visit_ir(item, out)),
        ir::Expr::Compare(_, a, b)
        | ir::Expr::In(a, b)
        | ir::Expr::Arith(_, a, b)
        | ir::Expr::StartsWith(a, b) => {
            visit_ir(a, out);
            visit_ir(b, out);
        }
        ir::Expr::Quantifier { set, body, .. } => {
            visit_ir(set, out);
            visit_ir(body, out);
        }
        ir::Expr::If(c, a, b) => {
            visit_ir(c, out);
            visit_ir(a, out);
            visit_ir(b, out);
        }
        _ => {}
    }
}

/// An index that the checker has bounded (at most 256 enum members) as a small integer.
pub(super) fn small(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// The enum a set's elements belong to, if they are enum members.
pub(super) fn enum_of(element: &Type) -> Option<u16> {
    match element {
        Type::Enum(index) => Some(small(*index)),
        _ => None,
    }
}
