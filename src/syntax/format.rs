//! The canonical layout of `.licit` files, used by `licit fmt`.
//!
//! Formatting parses the file, lays its syntax tree out in a tree of lines and blocks
//! (`tree`), finds the comments the grammar throws away (`scan`), attaches each to the piece of
//! the layout it sits next to (`attach`) and renders the result (`render`). Expressions are printed
//! from the syntax tree with the fewest parentheses that keep their meaning (`expr`).

mod attach;
mod condition;
mod expr;
mod measure;
mod render;
mod scan;
mod tree;

use super::SyntaxError;

/// A string literal as licit writes it: quoted, with `"`, `\\`, newlines and tabs escaped.
pub fn string_literal(text: &str) -> String {
    expr::string(text)
}

/// Formats a file in the canonical layout, keeping its comments; formatting the result again
/// changes nothing. Fails with the syntax errors of a file that does not parse.
pub fn format(text: &str) -> Result<String, Vec<SyntaxError>> {
    let (ast, errors) = super::parse(text);
    let file = match ast {
        Some(file) if errors.is_empty() => file,
        _ => return Err(errors),
    };
    let scan = scan::scan(text);
    let mut root = tree::file(&file, &scan);
    attach::attach(&mut root, &scan, text.len());
    Ok(render::render(&root, &scan.comments))
}
