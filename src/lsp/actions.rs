//! Code actions: a diagnostic's fix (the name a did-you-mean suggests, either reading of mixed
//! `and`/`or` with its parentheses) and, for an analysis finding of the last save, an `allow`
//! clause on the rule.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, WorkspaceEdit,
};

use super::Server;
use super::position::Lines;

/// Answers `textDocument/codeAction`: the fixes of the diagnostics the range touches.
pub fn code_actions(
    server: &mut Server,
    params: &CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    let uri = params.text_document.uri.clone();
    let (snapshot, file) = server.snapshot(&uri)?;
    let lines = Lines::new(&snapshot.result.loaded.sources[file].text);
    let start = lines.offset(params.range.start);
    let end = lines.offset(params.range.end);
    let mut actions = Vec::new();
    for fix in snapshot.fixes.iter().filter(|f| f.file == file) {
        let touches = fix.at.0 <= end && start <= fix.at.1;
        if !touches {
            continue;
        }
        let diagnostic = params
            .context
            .diagnostics
            .iter()
            .find(|d| d.code == Some(lsp_types::NumberOrString::String(fix.code.clone())));
        let edit = TextEdit::new(lines.range(fix.replace.0, fix.replace.1), fix.text.clone());
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix.title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: diagnostic.map(|d| vec![d.clone()]),
            edit: Some(WorkspaceEdit::new(HashMap::from([(
                uri.clone(),
                vec![edit],
            )]))),
            is_preferred: Some(!fix.code.starts_with("licit::analyze")),
            ..Default::default()
        }));
    }
    Some(actions)
}
