//! Breaking a long condition over lines: `and` and `or` chains one operand to a line, nested
//! chains in parentheses with their operators hanging under their first operand.

use super::expr::{self, level};
use super::measure::{CLAUSE_INDENT, WIDTH};
use crate::syntax::ast::{Expr, ExprKind, Quantifier};

/// The lines of a condition whose first line starts at `column` (counted from the clause's
/// indentation) in a place that takes expressions of level `min`. The first line is to be written
/// after whatever precedes the condition; the others are whole lines, relative to the clause's
/// indentation. A condition that fits stays on one line. A `top` chain is not parenthesised and
/// puts its operators before the column of its operands (`when a` / `  or b`); a nested chain that
/// breaks is parenthesised and its operators hang at the column of its first operand.
pub(super) fn lines(condition: &Expr, column: usize, min: u8, top: bool) -> Vec<String> {
    let one_line = expr::at(condition, min);
    if CLAUSE_INDENT + column + one_line.chars().count() <= WIDTH {
        return vec![one_line];
    }
    let chain = match &condition.kind {
        ExprKind::Or(operands) => Some(("or", operands, level::NOT)),
        ExprKind::And(operands) => Some(("and", operands, level::NOT)),
        _ => None,
    };
    let parenthesised = expr::level_of(condition) < min || (chain.is_some() && !top);
    let inner = column + usize::from(parenthesised);
    let mut result = match (chain, &condition.kind) {
        (Some((word, operands, operand_min)), _) => {
            let mut result = Vec::new();
            for (i, operand) in operands.iter().enumerate() {
                // A quantifier keeps its parentheses, as on one line.
                let operand_min = match operand.kind {
                    ExprKind::Quantifier(..) => level::COMPARISON,
                    _ => operand_min,
                };
                if i == 0 {
                    result.extend(lines(operand, inner, operand_min, false));
                    continue;
                }
                let (operator_column, operand_column) = if top {
                    (inner.saturating_sub(word.len() + 1), inner)
                } else {
                    (inner, inner + word.len() + 1)
                };
                let prefix = format!("{}{word} ", " ".repeat(operator_column));
                result.extend(prefixed(
                    &prefix,
                    lines(operand, operand_column, operand_min, false),
                ));
            }
            result
        }
        (None, ExprKind::Not(operand)) => {
            // A quantifier under `not` keeps its parentheses, as on one line.
            let min = match operand.kind {
                ExprKind::Quantifier(..) => level::COMPARISON,
                _ => level::NOT,
            };
            prefixed("not ", lines(operand, inner + 4, min, false))
        }
        (None, ExprKind::Quantifier(quantifier, variable, set, body)) => {
            let word = match quantifier {
                Quantifier::Some => "some",
                Quantifier::Every => "every",
            };
            let head = format!(
                "{word} {} in {}: ",
                variable.name,
                expr::at(set, level::SUM)
            );
            let column = inner + head.chars().count();
            prefixed(&head, lines(body, column, level::NOT, false))
        }
        _ => return vec![one_line],
    };
    if parenthesised {
        if let Some(first) = result.first_mut() {
            first.insert(0, '(');
        }
        if let Some(last) = result.last_mut() {
            last.push(')');
        }
    }
    result
}

/// Lines with `prefix` written before the first.
fn prefixed(prefix: &str, mut lines: Vec<String>) -> Vec<String> {
    if let Some(first) = lines.first_mut() {
        first.insert_str(0, prefix);
    }
    lines
}
