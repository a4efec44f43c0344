//! Completion, by what the text before the cursor asks for: fields after `case.` (and after any
//! path to a record), enum members where the type expects them (after `==`, inside a set of an
//! enum type), verdicts and obligations after `then`, rules after `exception to`, otherwise
//! keywords and the names in scope.

use lsp_types::{CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse};

use super::Server;
use super::index::{Index, Symbol, SymbolKind, Ty};
use super::position::Lines;
use crate::syntax::KEYWORDS;

/// Answers `textDocument/completion`.
pub fn completion(server: &mut Server, params: &CompletionParams) -> Option<CompletionResponse> {
    let place = &params.text_document_position;
    let text = server.text(&place.text_document.uri)?;
    let offset = Lines::new(&text).offset(place.position);
    let before = &text[..offset];
    let (snapshot, _) = server.snapshot(&place.text_document.uri)?;
    let items = complete(snapshot.completion_index(), before);
    Some(CompletionResponse::Array(items))
}

/// The completions for the text before the cursor.
pub fn complete(index: &Index, before: &str) -> Vec<CompletionItem> {
    // The word being typed, and what comes before it.
    let word_start = after_last(before, |c| !(c.is_alphanumeric() || c == '_'));
    let head = &before[..word_start];
    if let Some(path) = head.strip_suffix('.') {
        return fields_after(index, path);
    }
    let trimmed = head.trim_end();
    if ends_with_words(trimmed, &["exception", "to"]) || after_list_of(trimmed, "exception to") {
        return symbols(index, |k| *k == SymbolKind::Rule);
    }
    if ends_with_words(trimmed, &["then"]) || after_list_of(trimmed, "then") {
        return symbols(index, |k| {
            matches!(k, SymbolKind::Verdict | SymbolKind::Obligation)
        });
    }
    if let Some(ty) = expected_type(index, trimmed) {
        let wanted = match ty.plain() {
            Ty::Set(inner) => inner.plain().clone(),
            other => other.clone(),
        };
        if let Ty::Enum(name) = &wanted {
            let mut items: Vec<CompletionItem> = index
                .members(name)
                .into_iter()
                .map(|m| item(m, CompletionItemKind::ENUM_MEMBER))
                .collect();
            // Sets of the type and values of it fit there too.
            items.extend(values_of_type(index, &wanted));
            return items;
        }
    }
    let mut items: Vec<CompletionItem> = KEYWORDS
        .iter()
        .map(|k| CompletionItem {
            label: k.to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            ..Default::default()
        })
        .collect();
    items.extend(symbols(index, |k| {
        matches!(
            k,
            SymbolKind::Const | SymbolKind::Set | SymbolKind::Param | SymbolKind::Variable(_)
        )
    }));
    items
}

/// The byte offset just after the last character of a text that matches, 0 when none does.
fn after_last(text: &str, matches: impl Fn(char) -> bool) -> usize {
    text.char_indices()
        .rev()
        .find(|(_, c)| matches(*c))
        .map_or(0, |(at, c)| at + c.len_utf8())
}

fn ends_with_words(text: &str, words: &[&str]) -> bool {
    let found: Vec<&str> = text.split_whitespace().rev().take(words.len()).collect();
    found.iter().rev().copied().eq(words.iter().copied())
}

/// Whether the text ends inside a comma-separated list of names that follows `lead`:
/// `then a, b,` or `exception to x,`.
fn after_list_of(text: &str, lead: &str) -> bool {
    let Some(at) = text.rfind(lead) else {
        return false;
    };
    let rest = &text[at + lead.len()..];
    rest.trim_end().ends_with(',')
        && rest
            .chars()
            .all(|c| c.is_alphanumeric() || "_,() :\"".contains(c) || c.is_whitespace())
        && !rest.contains('\n')
}

/// Fields of the record a dotted path ends in: `case.item.` gives the item's fields.
fn fields_after(index: &Index, path_text: &str) -> Vec<CompletionItem> {
    let Some(path) = trailing_path(path_text) else {
        return Vec::new();
    };
    match index.path_type(&path).as_ref().map(Ty::plain) {
        Some(Ty::Record(record)) => index
            .fields(record)
            .into_iter()
            .map(|f| item(f, CompletionItemKind::FIELD))
            .collect(),
        _ => Vec::new(),
    }
}

/// The dotted path at the end of a text: `… case.item` gives `["case", "item"]`.
fn trailing_path(text: &str) -> Option<Vec<&str>> {
    let start = after_last(text, |c| !(c.is_alphanumeric() || c == '_' || c == '.'));
    let path: Vec<&str> = text[start..].split('.').collect();
    path.iter().all(|p| !p.is_empty()).then_some(path)
}

/// The type expected where the cursor is: after a comparison or `in`, the left side's type;
/// inside the braces of a set declared with an element type, or of `x in {`, that type.
fn expected_type(index: &Index, text: &str) -> Option<Ty> {
    let text = text.trim_end_matches(',').trim_end();
    for op in ["==", "!="] {
        if let Some(left) = text.strip_suffix(op) {
            let path = trailing_path(left.trim_end())?;
            return index.path_type(&path);
        }
    }
    // Inside an unclosed `{`: a set declaration's element type, or a set after `in`.
    let open = text.rfind('{')?;
    if text[open..].contains('}') {
        return None;
    }
    let lead = text[..open].trim_end();
    if let Some(left) = lead
        .strip_suffix("in")
        .filter(|l| l.ends_with(char::is_whitespace))
    {
        let left = left.trim_end().trim_end_matches("not").trim_end();
        let path = trailing_path(left)?;
        return index.path_type(&path);
    }
    // `set name: Type = {`
    let lead = lead.strip_suffix('=')?.trim_end();
    let (_, type_name) = lead.rsplit_once(':')?;
    let type_name = type_name.trim();
    index
        .symbols
        .iter()
        .find(|s| s.name == type_name && s.kind == SymbolKind::Enum)
        .map(|_| Ty::Enum(type_name.to_string()))
}

fn values_of_type(index: &Index, element: &Ty) -> Vec<CompletionItem> {
    index
        .symbols
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                SymbolKind::Const | SymbolKind::Set | SymbolKind::Param
            ) && s.ty.as_ref().is_some_and(|t| {
                t.plain() == element || t.element().as_ref().map(Ty::plain) == Some(element)
            })
        })
        .map(|s| item(s, CompletionItemKind::VARIABLE))
        .collect()
}

fn symbols(index: &Index, want: impl Fn(&SymbolKind) -> bool) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    index
        .symbols
        .iter()
        .filter(|s| want(&s.kind) && seen.insert((s.name.clone(), s.kind.word())))
        .map(|s| {
            let kind = match s.kind {
                SymbolKind::Rule => CompletionItemKind::FUNCTION,
                SymbolKind::Verdict | SymbolKind::Obligation => CompletionItemKind::EVENT,
                SymbolKind::Set => CompletionItemKind::VARIABLE,
                SymbolKind::Const | SymbolKind::Param => CompletionItemKind::CONSTANT,
                _ => CompletionItemKind::VARIABLE,
            };
            item(s, kind)
        })
        .collect()
}

fn item(symbol: &Symbol, kind: CompletionItemKind) -> CompletionItem {
    let detail = match &symbol.ty {
        Some(ty) => format!("{} {}: {ty}", symbol.kind.word(), symbol.name),
        None => format!("{} {}", symbol.kind.word(), symbol.name),
    };
    CompletionItem {
        label: symbol.name.clone(),
        kind: Some(kind),
        detail: Some(detail),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::{expected_type, trailing_path};
    use crate::lsp::index::Index;

    #[test]
    fn paths_and_odd_text_never_panic() {
        assert_eq!(trailing_path("when case.item"), Some(vec!["case", "item"]));
        assert_eq!(trailing_path("when case..item"), None);
        let index = Index::default();
        for text in ["", "{", "}", "==", "x in {", "set a: = {", "é€ ==", ": = {"] {
            let _ = expected_type(&index, text);
            let _ = super::complete(&index, text);
        }
    }
}
