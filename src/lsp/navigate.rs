//! Go to definition, find references and rename, across the files of a policy.

use std::collections::HashMap;

use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Location, ReferenceParams, RenameParams,
    TextDocumentPositionParams, TextEdit, Url, WorkspaceEdit,
};

use super::Server;
use super::diagnostics::Snapshot;
use super::index::{Occurrence, SymbolKind};
use super::position::Lines;

/// The symbols the name at a place stands for: one, or every text of a rule an amendment
/// replaced (they share the name).
fn symbols_at(snapshot: &Snapshot, file: usize, offset: usize) -> Vec<usize> {
    let Some(occurrence) = snapshot.index.at(file, offset) else {
        return Vec::new();
    };
    let symbol = &snapshot.index.symbols[occurrence.symbol];
    match symbol.kind {
        SymbolKind::Rule => snapshot
            .index
            .symbols
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == SymbolKind::Rule && s.name == symbol.name)
            .map(|(id, _)| id)
            .collect(),
        _ => vec![occurrence.symbol],
    }
}

fn offset_of(snapshot: &Snapshot, file: usize, place: &TextDocumentPositionParams) -> usize {
    Lines::new(&snapshot.result.loaded.sources[file].text).offset(place.position)
}

fn location(snapshot: &Snapshot, occurrence: &Occurrence) -> Option<Location> {
    let uri = super::uri_of(&snapshot.paths[occurrence.file])?;
    let lines = Lines::new(&snapshot.result.loaded.sources[occurrence.file].text);
    Some(Location::new(
        uri,
        lines.range(occurrence.span.start as usize, occurrence.span.end as usize),
    ))
}

/// Answers `textDocument/definition`.
pub fn definition(
    server: &mut Server,
    params: &GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let place = &params.text_document_position_params;
    let (snapshot, file) = server.snapshot(&place.text_document.uri)?;
    let offset = offset_of(snapshot, file, place);
    let symbols = symbols_at(snapshot, file, offset);
    let locations: Vec<Location> = snapshot
        .index
        .occurrences
        .iter()
        .filter(|o| o.is_declaration && symbols.contains(&o.symbol))
        .filter_map(|o| location(snapshot, o))
        .collect();
    match locations.len() {
        0 => None,
        1 => locations
            .into_iter()
            .next()
            .map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    }
}

/// Answers `textDocument/references`.
pub fn references(server: &mut Server, params: &ReferenceParams) -> Option<Vec<Location>> {
    let place = &params.text_document_position;
    let (snapshot, file) = server.snapshot(&place.text_document.uri)?;
    let offset = offset_of(snapshot, file, place);
    let symbols = symbols_at(snapshot, file, offset);
    let mut found: Vec<&Occurrence> = symbols
        .iter()
        .flat_map(|&s| snapshot.index.occurrences_of(s))
        .filter(|o| params.context.include_declaration || !o.is_declaration)
        .collect();
    found.sort_by_key(|o| (o.file, o.span.start));
    Some(
        found
            .into_iter()
            .filter_map(|o| location(snapshot, o))
            .collect(),
    )
}

/// Whether a text can be a name: a letter or `_`, then letters, digits and `_`, and no keyword.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !crate::syntax::KEYWORDS.contains(&text)
}

/// Whether two declarations could not share a name: a field is named apart from everything but
/// the other fields of its record (it is read after a `.` or in a literal of its record), and an
/// argument of a verdict or obligation apart from everything but that kind's other arguments.
fn same_namespace(one: &SymbolKind, other: &SymbolKind) -> bool {
    match (one, other) {
        (SymbolKind::Field(a), SymbolKind::Field(b))
        | (SymbolKind::KindParam(a), SymbolKind::KindParam(b)) => a == b,
        (SymbolKind::Field(_) | SymbolKind::KindParam(_), _)
        | (_, SymbolKind::Field(_) | SymbolKind::KindParam(_)) => false,
        _ => true,
    }
}

/// Answers `textDocument/rename`: every occurrence of the name, in every file of the policy.
/// A place on no name renames nothing. A new name that is not a name, or that something of the
/// policy already has, is refused with the reason (the edit would leave a policy that no longer
/// reads or checks: two declarations of one name, or a use that now means the other one).
pub fn rename(server: &mut Server, params: &RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let new_name = &params.new_name;
    if !is_name(new_name) {
        return Err(format!(
            "`{new_name}` is not a name: a letter or `_`, then letters, digits and `_`, and not a keyword"
        ));
    }
    let place = &params.text_document_position;
    let Some((snapshot, file)) = server.snapshot(&place.text_document.uri) else {
        return Ok(None);
    };
    let offset = offset_of(snapshot, file, place);
    let symbols = symbols_at(snapshot, file, offset);
    if symbols.is_empty() {
        return Ok(None);
    }
    let renamed: Vec<&SymbolKind> = symbols
        .iter()
        .filter_map(|&id| snapshot.index.symbols.get(id))
        .map(|symbol| &symbol.kind)
        .collect();
    let taken = snapshot
        .index
        .symbols
        .iter()
        .enumerate()
        .any(|(id, symbol)| {
            symbol.name == *new_name
                && !symbols.contains(&id)
                && renamed
                    .iter()
                    .any(|kind| same_namespace(kind, &symbol.kind))
        });
    if taken {
        return Err(format!(
            "`{new_name}` is already a name in this policy: renaming to it would give two things one name; choose another"
        ));
    }
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for occurrence in symbols
        .iter()
        .flat_map(|&s| snapshot.index.occurrences_of(s))
    {
        let Some(location) = location(snapshot, occurrence) else {
            continue;
        };
        changes
            .entry(location.uri)
            .or_default()
            .push(TextEdit::new(location.range, params.new_name.clone()));
    }
    for edits in changes.values_mut() {
        edits.sort_by_key(|e| (e.range.start.line, e.range.start.character));
    }
    Ok(Some(WorkspaceEdit::new(changes)))
}
