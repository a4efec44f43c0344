//! `licit lsp`: a language server over stdio. It keeps the editor's unsaved text in an
//! [`Overlay`] over the disk, loads each policy through [`crate::project::load_and_check`] as
//! `licit check` does, and answers from the loaded sources and a [`index::Index`] of their
//! names. On save it also runs the analysis (`check --analyze`) and the policy's tests.
//!
//! Invariant: no request panics or fails on any text; a document that does not parse still gets
//! its syntax diagnostics, and requests that need a syntax tree answer nothing.

mod actions;
mod completion;
mod diagnostics;
mod files;
mod format;
mod hover;
mod index;
mod lens;
mod navigate;
mod position;
#[cfg(test)]
mod robustness;
mod symbols;
mod transport;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lsp_server::{Connection, ExtractError, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, ExecuteCommandOptions,
    HoverProviderCapability, OneOf, PublishDiagnosticsParams, RenameOptions, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Url,
};

pub use diagnostics::Snapshot;
pub use files::Overlay;

use crate::project::{EntryKind, Files, discover};

/// The command a code lens runs: the tests of the policy of a document.
pub const RUN_TESTS: &str = "licit.runTests";

/// Serves one client over standard input and output until it exits.
pub fn run() -> Result<(), String> {
    let (connection, threads) = transport::stdio();
    let capabilities = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    if let Some(options) = initialize(&connection, capabilities)? {
        let mut server = Server::default();
        if let Some(seconds) = options
            .get("analysisSeconds")
            .and_then(serde_json::Value::as_f64)
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        {
            server.analysis_budget = Duration::from_secs_f64(seconds.min(86_400.0));
        }
        server.main_loop(&connection)?;
    }
    drop(connection);
    threads.join()
}

/// Waits for `initialize` and answers it with the server's capabilities; a request before it
/// is answered `ServerNotInitialized`, a notification ignored. Its `initializationOptions`
/// (`{}` when it has none); `None` when the input ends, or the client exits, first.
fn initialize(
    connection: &Connection,
    capabilities: serde_json::Value,
) -> Result<Option<serde_json::Value>, String> {
    for message in &connection.receiver {
        match message {
            Message::Request(request) if request.method == req::Initialize::METHOD => {
                let result = serde_json::json!({ "capabilities": capabilities });
                let options = request
                    .params
                    .get("initializationOptions")
                    .filter(|options| options.is_object())
                    .cloned()
                    .unwrap_or_else(|| serde_json::json!({}));
                send(
                    connection,
                    Message::Response(Response::new_ok(request.id, result)),
                )?;
                return Ok(Some(options));
            }
            Message::Request(request) => {
                let response = Response::new_err(
                    request.id,
                    lsp_server::ErrorCode::ServerNotInitialized as i32,
                    format!(
                        "`{}` came before `initialize`: the client initializes the server first",
                        request.method
                    ),
                );
                send(connection, Message::Response(response))?;
            }
            Message::Notification(notification) if notification.method == notif::Exit::METHOD => {
                return Ok(None);
            }
            Message::Notification(answer) if answer.method == transport::INVALID => {
                send(connection, Message::Notification(answer))?;
            }
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
    Ok(None)
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(false),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string(), " ".to_string()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        code_lens_provider: Some(lsp_types::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![RUN_TESTS.to_string()],
            work_done_progress_options: Default::default(),
        }),
        ..Default::default()
    }
}

/// How long a save's analysis may run before the server stops it, unless the client says
/// otherwise (`initializationOptions.analysisSeconds`).
pub const ANALYSIS_SECONDS: u64 = 5;

/// The server's state: open documents and the policies loaded for them.
pub struct Server {
    /// How long a save's analysis may run.
    pub analysis_budget: Duration,
    overlay: Overlay,
    /// Loaded policies by root.
    snapshots: HashMap<PathBuf, Snapshot>,
    /// The files each root last published diagnostics for, to clear those that have none now.
    published: HashMap<PathBuf, Vec<PathBuf>>,
    /// Notifications a request caused (running the tests publishes diagnostics), sent after
    /// its response.
    pub pending: Vec<Notification>,
}

impl Default for Server {
    fn default() -> Server {
        Server {
            analysis_budget: Duration::from_secs(ANALYSIS_SECONDS),
            overlay: Overlay::default(),
            snapshots: HashMap::new(),
            published: HashMap::new(),
            pending: Vec::new(),
        }
    }
}

impl Server {
    fn main_loop(&mut self, connection: &Connection) -> Result<(), String> {
        for message in &connection.receiver {
            match message {
                Message::Request(request) => {
                    if connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    let response = self.request(request);
                    send(connection, Message::Response(response))?;
                    for out in std::mem::take(&mut self.pending) {
                        send(connection, Message::Notification(out))?;
                    }
                }
                // A frame that was not a message: its error response, in its turn.
                Message::Notification(answer) if answer.method == transport::INVALID => {
                    send(connection, Message::Notification(answer))?;
                }
                Message::Notification(notification) => {
                    for out in self.notification(notification) {
                        send(connection, Message::Notification(out))?;
                    }
                }
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    /// Answers a request; an unknown method or bad parameters get an error response.
    pub fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let method = request.method.clone();
        let result = match method.as_str() {
            req::HoverRequest::METHOD => self
                .params::<req::HoverRequest>(request)
                .map(|p| to_value(hover::hover(self, &p))),
            req::GotoDefinition::METHOD => self
                .params::<req::GotoDefinition>(request)
                .map(|p| to_value(navigate::definition(self, &p))),
            req::References::METHOD => self
                .params::<req::References>(request)
                .map(|p| to_value(navigate::references(self, &p))),
            req::Rename::METHOD => {
                self.params::<req::Rename>(request)
                    .and_then(|p| match navigate::rename(self, &p) {
                        Ok(edit) => Ok(to_value(edit)),
                        Err(reason) => Err(Response::new_err(
                            id.clone(),
                            lsp_server::ErrorCode::RequestFailed as i32,
                            reason,
                        )),
                    })
            }
            req::Completion::METHOD => self
                .params::<req::Completion>(request)
                .map(|p| to_value(completion::completion(self, &p))),
            req::DocumentSymbolRequest::METHOD => self
                .params::<req::DocumentSymbolRequest>(request)
                .map(|p| to_value(symbols::document_symbols(self, &p))),
            req::Formatting::METHOD => self
                .params::<req::Formatting>(request)
                .map(|p| to_value(format::formatting(self, &p))),
            req::CodeActionRequest::METHOD => self
                .params::<req::CodeActionRequest>(request)
                .map(|p| to_value(actions::code_actions(self, &p))),
            req::CodeLensRequest::METHOD => self
                .params::<req::CodeLensRequest>(request)
                .map(|p| to_value(lens::code_lenses(self, &p))),
            req::ExecuteCommand::METHOD => self
                .params::<req::ExecuteCommand>(request)
                .map(|p| to_value(lens::execute(self, &p))),
            req::Initialize::METHOD => Err(Response::new_err(
                id.clone(),
                lsp_server::ErrorCode::InvalidRequest as i32,
                "the server is already initialized: `initialize` comes once".to_string(),
            )),
            _ => Err(Response::new_err(
                id.clone(),
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("`{method}` is not a method licit answers"),
            )),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(response) => response,
        }
    }

    fn params<R: req::Request>(&self, request: Request) -> Result<R::Params, Response> {
        let id: RequestId = request.id.clone();
        request
            .extract::<R::Params>(R::METHOD)
            .map(|(_, p)| p)
            .map_err(|error| {
                let message = match error {
                    ExtractError::JsonError { error, .. } => error.to_string(),
                    ExtractError::MethodMismatch(_) => "wrong method".to_string(),
                };
                Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, message)
            })
    }

    /// Handles a notification; returns the diagnostics to publish.
    pub fn notification(&mut self, notification: Notification) -> Vec<Notification> {
        match notification.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                let Ok(p) = notification.extract::<lsp_types::DidOpenTextDocumentParams>(
                    notif::DidOpenTextDocument::METHOD,
                ) else {
                    return Vec::new();
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return Vec::new();
                };
                self.overlay.set(&path, p.text_document.text);
                self.refresh(&path, false)
            }
            notif::DidChangeTextDocument::METHOD => {
                let Ok(p) = notification.extract::<lsp_types::DidChangeTextDocumentParams>(
                    notif::DidChangeTextDocument::METHOD,
                ) else {
                    return Vec::new();
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return Vec::new();
                };
                // Full synchronisation: the last change is the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return Vec::new();
                };
                self.overlay.set(&path, change.text);
                self.refresh(&path, false)
            }
            notif::DidSaveTextDocument::METHOD => {
                let Ok(p) = notification.extract::<lsp_types::DidSaveTextDocumentParams>(
                    notif::DidSaveTextDocument::METHOD,
                ) else {
                    return Vec::new();
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return Vec::new();
                };
                self.refresh(&path, true)
            }
            notif::DidCloseTextDocument::METHOD => {
                let Ok(p) = notification.extract::<lsp_types::DidCloseTextDocumentParams>(
                    notif::DidCloseTextDocument::METHOD,
                ) else {
                    return Vec::new();
                };
                if let Some(path) = path_of(&p.text_document.uri) {
                    self.overlay.close(&path);
                    return self.refresh(&path, false);
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Reloads the policy a document belongs to (with the analysis and tests when `saved`) and
    /// returns its diagnostics, one notification per file.
    pub fn refresh(&mut self, path: &Path, saved: bool) -> Vec<Notification> {
        let root = self.root_of(path);
        let mut previous = self.snapshots.remove(&root);
        let mut snapshot = match Snapshot::load(&self.overlay, &root) {
            Ok(snapshot) => snapshot,
            // The policy cannot be read at all: its error, shown on the document, in place of
            // every diagnostic published for the policy before (as `licit check` prints it).
            Err(error) => {
                let key = Overlay::key(path);
                let diagnostic = crate::report::diagnostic::Diagnostic::plain(&error);
                let converted = uri_of(&key)
                    .map(|uri| diagnostics::convert(&diagnostic, "", &uri))
                    .into_iter()
                    .collect();
                return self.publish(root, vec![(key, converted)]);
            }
        };
        if let Some(previous) = &mut previous {
            snapshot.keep_last_good(previous);
        }
        match saved {
            true => snapshot.run_saved(self.analysis_budget),
            // Until the next save, the findings and test results of the last one stay shown
            // when the policy still checks.
            false => {
                if let Some(previous) = previous {
                    snapshot.keep_saved(previous);
                }
            }
        }
        let published = snapshot.publish();
        self.snapshots.insert(root.clone(), snapshot);
        self.publish(root, published)
    }

    /// The notifications that publish a root's diagnostics by file, clearing those of files
    /// it published for before and has none for now.
    fn publish(
        &mut self,
        root: PathBuf,
        published: Vec<(PathBuf, Vec<lsp_types::Diagnostic>)>,
    ) -> Vec<Notification> {
        let files: Vec<PathBuf> = published.iter().map(|(p, _)| p.clone()).collect();
        let mut out = Vec::new();
        for old in self.published.remove(&root).unwrap_or_default() {
            if !files.contains(&old) {
                out.push((old, Vec::new()));
            }
        }
        out.extend(published);
        self.published.insert(root, files);
        out.into_iter()
            .filter_map(|(path, diagnostics)| {
                let uri = Url::from_file_path(&path).ok()?;
                Some(Notification::new(
                    notif::PublishDiagnostics::METHOD.to_string(),
                    PublishDiagnosticsParams::new(uri, diagnostics, None),
                ))
            })
            .collect()
    }

    /// The root of the policy a file belongs to: a loaded policy that has it, else its folder
    /// when that is a policy, else the file alone.
    fn root_of(&self, path: &Path) -> PathBuf {
        let key = Overlay::key(path);
        if let Some((root, _)) = self
            .snapshots
            .iter()
            .find(|(_, snapshot)| snapshot.paths.contains(&key))
        {
            return root.clone();
        }
        if let Some(folder) = key.parent()
            && self.overlay.kind(folder).ok() == Some(EntryKind::Directory)
            && discover(&self.overlay, folder).is_ok_and(|roots| roots == [folder.to_path_buf()])
        {
            return folder.to_path_buf();
        }
        key
    }

    /// The loaded policy of a document and the document's index in its sources, loading it if
    /// needed.
    pub fn snapshot(&mut self, uri: &Url) -> Option<(&Snapshot, usize)> {
        let path = path_of(uri)?;
        let key = Overlay::key(&path);
        let root = self.root_of(&path);
        if !self.snapshots.contains_key(&root) {
            let snapshot = Snapshot::load(&self.overlay, &root).ok()?;
            self.snapshots.insert(root.clone(), snapshot);
        }
        let snapshot = self.snapshots.get(&root)?;
        let file = snapshot.paths.iter().position(|p| *p == key)?;
        Some((snapshot, file))
    }

    /// The text the server holds for a document: the editor's, else the disk's.
    pub fn text(&self, uri: &Url) -> Option<String> {
        let path = path_of(uri)?;
        self.overlay.read(&path).ok()
    }
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection.sender.send(message).map_err(|e| e.to_string())
}

fn to_value<T: serde::Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// The path of a `file:` URI.
pub fn path_of(uri: &Url) -> Option<PathBuf> {
    uri.to_file_path().ok()
}

/// The URI of a path.
pub fn uri_of(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use lsp_server::{Notification, Request, RequestId};
    use serde_json::json;

    use super::Server;

    /// Every prefix of the fixture's files, as an editor sends them while the drafter types,
    /// gets diagnostics and answers to every request without a panic.
    #[test]
    fn half_typed_text_never_fails() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/policy");
        let mut server = Server::default();
        let mut id = 0;
        for name in ["rules.licit", "policy.licit"] {
            let path = dir.join(name);
            let uri = super::uri_of(&path)
                .map(|u| u.to_string())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let open = json!({"textDocument": {"uri": uri, "languageId": "licit", "version": 0, "text": ""}});
            server.notification(Notification::new("textDocument/didOpen".into(), open));
            let cuts: Vec<usize> = (0..=text.len())
                .step_by(5)
                .filter(|cut| text.is_char_boundary(*cut))
                .collect();
            for cut in cuts {
                let prefix = &text[..cut];
                let change = json!({"textDocument": {"uri": uri, "version": cut}, "contentChanges": [{"text": prefix}]});
                let published =
                    server.notification(Notification::new("textDocument/didChange".into(), change));
                assert!(
                    !published.is_empty(),
                    "no diagnostics for {name} cut at {cut}"
                );
                let line = prefix.lines().count().saturating_sub(1);
                let position = json!({"line": line, "character": 200});
                let document = json!({"uri": uri});
                let requests = [
                    (
                        "textDocument/hover",
                        json!({"textDocument": document, "position": position}),
                    ),
                    (
                        "textDocument/completion",
                        json!({"textDocument": document, "position": position}),
                    ),
                    (
                        "textDocument/definition",
                        json!({"textDocument": document, "position": position}),
                    ),
                    (
                        "textDocument/documentSymbol",
                        json!({"textDocument": document}),
                    ),
                    ("textDocument/codeLens", json!({"textDocument": document})),
                    (
                        "textDocument/formatting",
                        json!({"textDocument": document, "options": {"tabSize": 2, "insertSpaces": true}}),
                    ),
                    (
                        "textDocument/codeAction",
                        json!({"textDocument": document, "range": {"start": position, "end": position}, "context": {"diagnostics": []}}),
                    ),
                ];
                for (method, params) in requests {
                    id += 1;
                    let response =
                        server.request(Request::new(RequestId::from(id), method.into(), params));
                    assert!(
                        response.error.is_none(),
                        "{method} failed on {name} cut at {cut}: {:?}",
                        response.error
                    );
                }
            }
            let close = json!({"textDocument": {"uri": uri}});
            server.notification(Notification::new("textDocument/didClose".into(), close));
        }
    }
}
