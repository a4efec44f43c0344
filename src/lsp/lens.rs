//! Code lenses over each `test`: its result at the last save (or run), and one to run the
//! policy's tests now.

use lsp_types::{CodeLens, CodeLensParams, Command, ExecuteCommandParams};

use super::position::Lines;
use super::{RUN_TESTS, Server};
use crate::syntax::ast::Declaration;

/// Answers `textDocument/codeLens`.
pub fn code_lenses(server: &mut Server, params: &CodeLensParams) -> Option<Vec<CodeLens>> {
    let uri = params.text_document.uri.clone();
    let (snapshot, file) = server.snapshot(&uri)?;
    let source = &snapshot.result.loaded.sources[file];
    let ast = source.ast.as_ref()?;
    let lines = Lines::new(&source.text);
    let mut lenses = Vec::new();
    for declaration in &ast.declarations {
        let Declaration::Test(test) = declaration else {
            continue;
        };
        let start = test.span.start as usize;
        let range = lines.range(start, start);
        let result = snapshot
            .tests
            .as_ref()
            .map(|tests| tests.iter().find(|t| t.name == test.name.text));
        let title = match result {
            None => "not run yet: save to run the tests".to_string(),
            Some(None) => "not run: the policy has errors".to_string(),
            Some(Some(found)) if found.failures.is_empty() => "✓ passed".to_string(),
            Some(Some(found)) => format!("✗ failed: {}", found.failures.join("; ")),
        };
        lenses.push(CodeLens {
            range,
            command: Some(Command::new(title, String::new(), None)),
            data: None,
        });
        lenses.push(CodeLens {
            range,
            command: Some(Command::new(
                "▶ run tests".to_string(),
                RUN_TESTS.to_string(),
                Some(vec![serde_json::Value::String(uri.to_string())]),
            )),
            data: None,
        });
    }
    Some(lenses)
}

/// Runs `licit.runTests` for the document named by its argument; returns the tests' count and
/// failures, and leaves the results for the lenses and the diagnostics.
pub fn execute(server: &mut Server, params: &ExecuteCommandParams) -> Option<serde_json::Value> {
    if params.command != RUN_TESTS {
        return None;
    }
    let uri = params.arguments.first()?.as_str()?;
    let uri = lsp_types::Url::parse(uri).ok()?;
    let path = super::path_of(&uri)?;
    let published = server.refresh(&path, true);
    server.pending.extend(published);
    let (snapshot, _) = server.snapshot(&uri)?;
    let tests = snapshot.tests.as_ref()?;
    let failed = tests.iter().filter(|t| !t.failures.is_empty()).count();
    Some(serde_json::json!({ "tests": tests.len(), "failed": failed }))
}
