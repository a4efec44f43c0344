//! A seeded property test of the server's invariant: no request panics or fails on any text.
//!
//! It edits real policies (the EU dual-use rulebook with its `use` of `policies/common`, the
//! 2016 proposal that `amends` it, the cyber catch-all example and the server's test fixture)
//! under their real paths. Each round makes one random edit to one document and sends it as an
//! editor does (the whole text in a `didOpen` or `didChange`; nothing is written to disk): a
//! span deleted, across lines or not; a fragment inserted (keywords, brackets, quotes, line
//! ends of every kind, numbers and dates that do not exist, text outside ASCII, a UTF-16
//! surrogate pair, a bidi control, NUL, a name of the document); a word replaced by a keyword,
//! a number, another name of the document or itself misspelt; a line duplicated or two
//! swapped. Edits start again from the original text now and then, so that most texts are a
//! few edits from a policy that checks. After the edit it sends hover, completion, definition,
//! references, rename and code actions at random places (on a character, past the end of a
//! line or of the text, inside a surrogate pair; code actions half the time on a diagnostic,
//! else on a range that may be reversed) now and then about a document that is none of the
//! policy's, then symbols, code lenses and formatting, and now and then a save, a close and
//! open, or `licit.runTests`.
//!
//! What it claims, for every text these edits reach: diagnostics are published; no request or
//! notification panics; every response is a result, except a `rename` to a new name that is not
//! a name or is already taken, which is refused with `RequestFailed` and its reason; every
//! result has the shape the protocol gives it; every range in it (diagnostics and their related
//! places, hover, locations, symbols, lenses, edits of completion, rename, formatting and code
//! actions) lies in the document it names, counting lines as the protocol does (ended by `\n`,
//! `\r\n` or a `\r` alone), starts before it ends and splits no surrogate pair; a symbol's
//! selection lies in its range; the edits of one document do not overlap; rename's edits all
//! replace one name; formatting a text that parses gives a text that parses and that formats to
//! itself. And, so that it cannot pass by asking only about garbage, every request kind but the
//! command answered something at least once.
//!
//! It runs [`DEFAULT_ROUNDS`] rounds from a fixed seed: about 14 s in a debug build
//! (`cargo test --lib`, as CI runs it), 18 s on a busy two-core machine. Set `LICIT_LSP_ROUNDS` for more rounds and
//! `LICIT_LSP_SEED` for another seed, best in a release build:
//!
//! ```text
//! LICIT_LSP_ROUNDS=2000 LICIT_LSP_SEED=7 cargo test --release --lib lsp::robustness
//! ```
//!
//! A failure is reported with the seed, the round, the last edit, the request and the
//! document's text, so that it can be reproduced as a small test.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lsp_server::{Notification, Request, RequestId, ResponseError};
use lsp_types::{
    CodeActionOrCommand, CodeLens, CompletionResponse, Diagnostic, DocumentSymbolResponse,
    GotoDefinitionResponse, Hover, Location, Position, PublishDiagnosticsParams, Range, TextEdit,
    Url, WorkspaceEdit,
};
use serde_json::{Value, json};

use super::{RUN_TESTS, Server};
use crate::syntax::KEYWORDS;

/// Rounds run by default: one edit and its requests each.
const DEFAULT_ROUNDS: usize = 70;
/// The seed used unless `LICIT_LSP_SEED` gives another.
const DEFAULT_SEED: u64 = 0x6c69_6369_7400;
/// Failures of one kind reported before the others are only counted.
const REPORTED: usize = 12;

/// The folders whose files are opened, from the repository's root, and how often a round
/// edits one of their files: every edit loads the whole policy again, and the EU policies'
/// loads take most of a debug build's time (the proposal loads the rulebook it amends too).
const FOLDERS: [(&str, usize); 4] = [
    ("policies/eu/dual-use", 2),
    ("policies/eu/proposal-2016", 1),
    ("policies/examples/cyber-catch-all", 6),
    ("tests/lsp/policy", 6),
];

/// The requests that must answer something (not null, not an empty list) at least once in a
/// run.
const ANSWERING: [&str; 9] = [
    "textDocument/codeAction",
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/rename",
    "textDocument/documentSymbol",
    "textDocument/codeLens",
    "textDocument/formatting",
];

/// Requests at a place sent after each edit, each kind at as many random places: they cost
/// little next to the edit's load.
const PLACES: usize = 4;

/// Documents that are none of the test's, now and then asked about instead of the edited one:
/// a file that does not exist, an editor's unsaved buffer, a web page.
const OTHER_URIS: [&str; 3] = [
    "file:///nowhere/at/all.licit",
    "untitled:Untitled-1",
    "https://example.com/policy.licit",
];

/// Fragments inserted into the text.
const FRAGMENTS: &[&str] = &[
    "rule",
    "rule r \"Art. 1\"\n  when true\n  then ",
    "when",
    "then",
    " and ",
    " or ",
    "not ",
    "exception to ",
    "for x in ",
    "some l in ",
    "every ",
    "if ",
    " else ",
    "in force from 2021-01-01",
    "in force from 2021-01-01 until 2020-01-01",
    "because \"{case.x}\"",
    "because \"a {case.item.annex_i} {",
    "amends \"../dual-use\"",
    "amends \"nowhere\"",
    "use \"../common/countries.licit\"",
    "use \"\"",
    "use \"/etc/passwd\"",
    "assume x that ",
    "assert ",
    "test \"x\" { given { } expect ",
    "test \"t\" { given { date: 2021-02-30 } expect licence_required }",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "\\",
    "\\u{",
    "#",
    "# a comment\n",
    "//",
    "\n",
    "\r\n",
    "\r",
    "\t",
    ".",
    ":",
    ",",
    "==",
    "!=",
    "=",
    "&&",
    "case.",
    "case.item.",
    "0",
    "-1",
    "1.5",
    "99999999999999999999999999999999",
    "18446744073709551616",
    "2021-01-01",
    "2021-02-30",
    "99999-01-01",
    "0000-00-00",
    "5 years",
    "999999999999 years 99999999999 months",
    "é",
    "日本",
    "😀",
    "e\u{301}",
    "\u{202E}",
    "\u{0}",
    "\u{FEFF}",
    "   ",
    "{case.",
    "}\"",
    "record R { f: int }",
    "enum E { a, b }",
    "set s: Country = {",
    "const c: int = ",
    "param p: bool = true",
    "policy \"p\"",
    "verdicts a > b\notherwise b\n",
    "obligation o(until: date)",
    "input Case { x: int }",
    "allow ",
    "add rule ",
    "replace rule ",
    "repeal rule ",
    "change ",
];

/// Numbers and dates that replace a word, many of them out of range or not a day.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1e400",
    "340282366920938463463374607431768211456",
    "9223372036854775808",
    "-9223372036854775809",
    "0.000000000000000000000000000001",
    "79228162514264337593543950336",
    "2021-02-29",
    "2021-13-01",
    "2021-00-10",
    "99999-01-01",
    "9999-12-31",
    "0001-01-01",
    "1 days",
    "4294967296 days",
    "2147483648 months",
];

/// The byte spans of the words (letters, digits, `_` and `-`) of a text.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (at, ch) in text.char_indices() {
        let in_word = ch.is_alphanumeric() || ch == '_' || ch == '-';
        match (in_word, start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                spans.push((from, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        spans.push((from, text.len()));
    }
    spans
}

/// A splitmix64 generator: the same seed gives the same rounds on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        match n {
            0 => 0,
            n => (self.next() % n as u64) as usize,
        }
    }

    /// True once in `n` times.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// A char boundary of a text.
    fn boundary(&mut self, text: &str) -> usize {
        let mut at = self.below(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }
}

/// A document the test has open.
struct Document {
    uri: Url,
    /// Which of [`FOLDERS`] it is in.
    policy: usize,
    original: String,
    text: String,
    version: i32,
    /// Whether the server has it open: a document is opened at its first edit, with the
    /// edited text, since each open or change loads the whole policy again.
    opened: bool,
    /// Edits since its text was last the original.
    edits: usize,
}

/// One thing that went wrong, with what is needed to reproduce it.
struct Failure {
    /// What went wrong, without places: failures are grouped by it.
    kind: String,
    report: String,
}

struct Fuzz {
    server: Server,
    rng: Rng,
    seed: u64,
    round: usize,
    documents: Vec<Document>,
    /// The text of the files the test has not opened (`policies/common`), read once.
    disk: HashMap<Url, String>,
    /// The diagnostics last published, by document.
    published: HashMap<Url, Vec<Diagnostic>>,
    last_edit: String,
    next_id: i32,
    failures: Vec<Failure>,
    /// How many requests of each method answered something (not null, not an empty list).
    answered: HashMap<String, usize>,
}

fn rounds() -> usize {
    std::env::var("LICIT_LSP_ROUNDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(DEFAULT_ROUNDS)
}

fn seed() -> u64 {
    std::env::var("LICIT_LSP_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(DEFAULT_SEED)
}

/// The `.licit` files under a folder, its subfolders included, in order.
fn policy_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            policy_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "licit") {
            out.push(path);
        }
    }
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// The lines of a text as the protocol counts them (a line ends at `\n`, `\r\n` or a `\r`
/// alone, as editors split it), without their ends.
fn lines_of(text: &str) -> Vec<&str> {
    lines_at(text).into_iter().map(|(_, line)| line).collect()
}

/// The lines of a text, each with the byte offset it starts at.
fn lines_at(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        let end = match bytes[at] {
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => at + 2,
            b'\r' | b'\n' => at + 1,
            _ => {
                at += 1;
                continue;
            }
        };
        lines.push((start, &text[start..at]));
        start = end;
        at = end;
    }
    lines.push((start, &text[start..]));
    lines
}

/// What is wrong with a position in a text, if anything.
fn position_problem(text: &str, position: Position) -> Option<String> {
    let lines = lines_of(text);
    let Some(line) = lines.get(position.line as usize) else {
        return Some(format!(
            "line {} is past the last line, {}",
            position.line,
            lines.len() - 1
        ));
    };
    let length = line.encode_utf16().count() as u32;
    if position.character > length {
        return Some(format!(
            "character {} of line {} is past its end, {length}",
            position.character, position.line
        ));
    }
    if splits_pair(line, position.character) {
        return Some(format!(
            "character {} of line {} splits a surrogate pair",
            position.character, position.line
        ));
    }
    None
}

/// Whether a UTF-16 column falls between the two halves of a surrogate pair.
fn splits_pair(line: &str, character: u32) -> bool {
    let mut units = 0;
    for ch in line.chars() {
        if units >= character {
            return false;
        }
        units += ch.len_utf16() as u32;
        if units > character {
            return true;
        }
    }
    false
}

/// What is wrong with a range in a text, if anything.
fn range_problem(text: &str, range: Range) -> Option<String> {
    if (range.start.line, range.start.character) > (range.end.line, range.end.character) {
        return Some(format!("the range {range:?} ends before it starts"));
    }
    position_problem(text, range.start).or_else(|| position_problem(text, range.end))
}

/// The byte offset of a position that [`position_problem`] accepts.
fn offset_of(text: &str, position: Position) -> usize {
    let (start, line) = lines_at(text)
        .get(position.line as usize)
        .copied()
        .unwrap_or((text.len(), ""));
    let mut units = 0;
    for (at, ch) in line.char_indices() {
        if units >= position.character {
            return start + at;
        }
        units += ch.len_utf16() as u32;
    }
    start + line.len()
}

/// Whether one range ends after the other starts, both not empty at the same place.
fn overlap(one: Range, other: Range) -> bool {
    let key = |p: Position| (p.line, p.character);
    key(one.start) < key(other.end) && key(other.start) < key(one.end)
}

/// The text after applying edits that do not overlap.
fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start.line, e.range.start.character));
    let mut out = text.to_string();
    for edit in sorted.into_iter().rev() {
        let start = offset_of(text, edit.range.start);
        let end = offset_of(text, edit.range.end).max(start);
        out.replace_range(start..end, &edit.new_text);
    }
    out
}

/// Whether a text parses without a syntax error.
fn parses(text: &str) -> bool {
    let (file, errors) = crate::syntax::parse(text);
    file.is_some() && errors.is_empty()
}

/// The lines of a text around a position, numbered from 0, for a report.
fn excerpt(text: &str, line: u32) -> String {
    let line = line as usize;
    lines_of(text)
        .iter()
        .enumerate()
        .skip(line.saturating_sub(3))
        .take(7)
        .map(|(n, l)| format!("{n:>5} | {l:?}\n"))
        .collect()
}

impl Fuzz {
    fn new(seed: u64) -> Fuzz {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        for (policy, folder) in FOLDERS.iter().enumerate() {
            let mut found = Vec::new();
            policy_files(&root.join(folder.0), &mut found);
            paths.extend(found.into_iter().map(|path| (policy, path)));
        }
        let documents = paths
            .iter()
            .filter_map(|(policy, path)| {
                let path = std::fs::canonicalize(path).ok()?;
                let text = std::fs::read_to_string(&path).ok()?;
                Some(Document {
                    uri: super::uri_of(&path)?,
                    policy: *policy,
                    original: text.clone(),
                    text,
                    version: 0,
                    opened: false,
                    edits: 0,
                })
            })
            .collect();
        // A save runs the analysis for at most this long: the test is about answers, not
        // findings.
        let server = Server {
            analysis_budget: Duration::from_millis(50),
            ..Server::default()
        };
        Fuzz {
            server,
            rng: Rng(seed),
            seed,
            round: 0,
            documents,
            disk: HashMap::new(),
            published: HashMap::new(),
            last_edit: "none".to_string(),
            next_id: 0,
            failures: Vec::new(),
            answered: HashMap::new(),
        }
    }

    /// Records a failure about a document.
    fn fail(&mut self, document: usize, kind: String, detail: String, line: Option<u32>) {
        let text = &self.documents[document].text;
        let mut report = format!(
            "seed {} round {}: {kind}\n  document: {}\n  last edit: {}\n  {detail}\n",
            self.seed, self.round, self.documents[document].uri, self.last_edit
        );
        if let Some(line) = line {
            report.push_str(&excerpt(text, line));
        }
        report.push_str(&format!("  the document's text: {text:?}\n"));
        self.failures.push(Failure { kind, report });
    }

    /// The text of a document as the server holds it: the test's for an open one, the disk's
    /// for another.
    fn text_of(&mut self, uri: &Url) -> Option<String> {
        if let Some(document) = self.documents.iter().find(|d| d.uri == *uri) {
            return Some(document.text.clone());
        }
        if let Some(text) = self.disk.get(uri) {
            return Some(text.clone());
        }
        let text = std::fs::read_to_string(uri.to_file_path().ok()?).ok()?;
        self.disk.insert(uri.clone(), text.clone());
        Some(text)
    }

    /// Checks ranges that a response gives for a document; `what` names them in a failure.
    fn check_ranges(&mut self, document: usize, what: &str, uri: &Url, ranges: &[Range]) {
        // A document that cannot be read (the server's error about it) has no text.
        let text = self.text_of(uri).unwrap_or_default();
        for range in ranges {
            if let Some(problem) = range_problem(&text, *range) {
                let detail = format!("in {uri}: {problem}");
                self.fail(
                    document,
                    format!("{what}: a range outside the document"),
                    detail,
                    Some(range.start.line),
                );
                return;
            }
        }
    }

    /// Checks the edits of a workspace edit: in their documents, not overlapping.
    fn check_workspace_edit(&mut self, document: usize, what: &str, edit: &WorkspaceEdit) {
        let mut changes: Vec<(Url, Vec<TextEdit>)> = edit
            .changes
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        if let Some(lsp_types::DocumentChanges::Edits(edits)) = &edit.document_changes {
            for edit in edits {
                let plain = edit
                    .edits
                    .iter()
                    .map(|e| match e {
                        lsp_types::OneOf::Left(e) => e.clone(),
                        lsp_types::OneOf::Right(e) => e.text_edit.clone(),
                    })
                    .collect();
                changes.push((edit.text_document.uri.clone(), plain));
            }
        }
        for (uri, edits) in changes {
            let ranges: Vec<Range> = edits.iter().map(|e| e.range).collect();
            self.check_ranges(document, what, &uri, &ranges);
            for (n, one) in ranges.iter().enumerate() {
                if let Some(other) = ranges[n + 1..].iter().find(|o| overlap(*one, **o)) {
                    let detail = format!("in {uri}: {one:?} and {other:?}");
                    self.fail(
                        document,
                        format!("{what}: edits overlap"),
                        detail,
                        Some(one.start.line),
                    );
                    return;
                }
            }
        }
    }

    /// Checks the diagnostics a notification published (`didOpen` and `didChange` must
    /// publish some) and remembers them for code actions.
    fn check_published(&mut self, document: usize, method: &str, published: &[Notification]) {
        if published.is_empty() && ["didOpen", "didChange"].contains(&method) {
            let kind = format!("{method} published no diagnostics");
            self.fail(document, kind, String::new(), None);
        }
        for notification in published {
            let Ok(params) =
                serde_json::from_value::<PublishDiagnosticsParams>(notification.params.clone())
            else {
                self.fail(
                    document,
                    "publishDiagnostics: not its shape".to_string(),
                    format!("{:?}", notification.params),
                    None,
                );
                continue;
            };
            let mut ranges = Vec::new();
            for diagnostic in &params.diagnostics {
                ranges.push(diagnostic.range);
                for related in diagnostic.related_information.iter().flatten() {
                    let (uri, range) = (related.location.uri.clone(), related.location.range);
                    self.check_ranges(document, "a diagnostic's related place", &uri, &[range]);
                }
            }
            self.check_ranges(document, "a diagnostic", &params.uri, &ranges);
            self.published.insert(params.uri, params.diagnostics);
        }
    }

    /// Sends a notification; the notifications it returns, `None` when it panicked.
    fn notify(
        &mut self,
        document: usize,
        method: &str,
        params: Value,
    ) -> Option<Vec<Notification>> {
        let notification = Notification::new(method.to_string(), params);
        let server = &mut self.server;
        match catch_unwind(AssertUnwindSafe(|| server.notification(notification))) {
            Ok(published) => Some(published),
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                self.fail(
                    document,
                    format!("{method} panicked: {message}"),
                    String::new(),
                    None,
                );
                None
            }
        }
    }

    /// Sends a request; its result or error, `None` when it panicked.
    fn request(
        &mut self,
        document: usize,
        method: &str,
        params: Value,
        line: Option<u32>,
    ) -> Option<Result<Value, ResponseError>> {
        self.next_id += 1;
        let request = Request::new(RequestId::from(self.next_id), method.to_string(), params);
        let shown = format!("request {method} {}", request.params);
        let server = &mut self.server;
        let answer = catch_unwind(AssertUnwindSafe(|| server.request(request)));
        let pending = std::mem::take(&mut self.server.pending);
        self.check_published(document, method, &pending);
        match answer {
            Ok(response) => match response.error {
                Some(error) => Some(Err(error)),
                None => Some(Ok(response.result.unwrap_or(Value::Null))),
            },
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                self.fail(
                    document,
                    format!("{method} panicked: {message}"),
                    shown,
                    line,
                );
                None
            }
        }
    }

    /// Sends a request that must answer a result of type `T` (or null).
    fn ask<T: serde::de::DeserializeOwned>(
        &mut self,
        document: usize,
        method: &str,
        params: Value,
        line: Option<u32>,
    ) -> Option<T> {
        let shown = format!("request {method} {params}");
        match self.request(document, method, params, line)? {
            Err(error) => {
                self.fail(
                    document,
                    format!("{method} answered an error"),
                    format!("{shown}\n  error {} {}", error.code, error.message),
                    line,
                );
                None
            }
            Ok(Value::Null) => None,
            Ok(value) => {
                if value.as_array().is_none_or(|items| !items.is_empty()) {
                    *self.answered.entry(method.to_string()).or_default() += 1;
                }
                self.parse_answer(document, method, &shown, value, line)
            }
        }
    }

    /// A result read as its type, or a failure.
    fn parse_answer<T: serde::de::DeserializeOwned>(
        &mut self,
        document: usize,
        method: &str,
        shown: &str,
        value: Value,
        line: Option<u32>,
    ) -> Option<T> {
        match serde_json::from_value::<T>(value.clone()) {
            Ok(result) => Some(result),
            Err(error) => {
                self.fail(
                    document,
                    format!("{method} answered a result not of its shape"),
                    format!("{shown}\n  {error}: {value}"),
                    line,
                );
                None
            }
        }
    }

    /// A random place in a document: on a character of it (in a word, a string, a comment),
    /// inside a surrogate pair, or anywhere up to a few past the ends of the lines and text.
    fn position(&mut self, text: &str) -> Position {
        let lines = lines_of(text);
        if self.rng.one_in(3) {
            let at = self.rng.boundary(text);
            let lines = lines_at(text);
            let line = lines.partition_point(|(start, _)| *start <= at) - 1;
            let (start, content) = lines[line];
            let character = content[..(at - start).min(content.len())]
                .encode_utf16()
                .count();
            return Position::new(line as u32, character as u32);
        }
        if self.rng.one_in(4) {
            let mut pairs = Vec::new();
            for (n, line) in lines.iter().enumerate() {
                let mut units = 0;
                for ch in line.chars() {
                    if ch.len_utf16() == 2 {
                        pairs.push(Position::new(n as u32, units + 1));
                    }
                    units += ch.len_utf16() as u32;
                }
            }
            if !pairs.is_empty() {
                return pairs[self.rng.below(pairs.len())];
            }
        }
        let line = self.rng.below(lines.len() + 3);
        let length = lines.get(line).map_or(0, |l| l.encode_utf16().count());
        let character = self.rng.below(length + 4);
        Position::new(line as u32, character as u32)
    }

    /// A random name of the document, or a fixed one when it has none.
    fn word(&mut self, text: &str) -> String {
        let words: Vec<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        match words.len() {
            0 => "case".to_string(),
            n => words[self.rng.below(n)].to_string(),
        }
    }

    /// A word misspelt: a letter dropped, doubled or swapped with the next, or its first
    /// letter's case changed (a did-you-mean for code actions to fix).
    fn typo(&mut self, word: &str) -> String {
        let mut chars: Vec<char> = word.chars().collect();
        let at = self.rng.below(chars.len());
        match self.rng.below(4) {
            0 if chars.len() > 1 => {
                chars.remove(at);
            }
            1 if at + 1 < chars.len() => chars.swap(at, at + 1),
            2 => {
                if let Some(first) = chars.first_mut() {
                    *first = match first.is_uppercase() {
                        true => first.to_ascii_lowercase(),
                        false => first.to_ascii_uppercase(),
                    };
                }
            }
            _ => {
                if let Some(&ch) = chars.get(at) {
                    chars.insert(at, ch);
                }
            }
        }
        chars.into_iter().collect()
    }

    /// A fragment to insert.
    fn fragment(&mut self, text: &str) -> String {
        match self.rng.below(8) {
            0 => self.word(text),
            1 => KEYWORDS[self.rng.below(KEYWORDS.len())].to_string(),
            2 => format!(" {} ", self.word(text)),
            3 => "(".repeat(1 + self.rng.below(300)),
            _ => FRAGMENTS[self.rng.below(FRAGMENTS.len())].to_string(),
        }
    }

    /// Edits a document at random and sends its new text; checks what is published.
    fn edit(&mut self, document: usize) {
        // Edits start again from the original text now and then, so that most texts are a few
        // edits away from a policy that checks, rather than garbage.
        let drifted = self.documents[document].edits >= 4 || self.rng.one_in(5);
        let (text, from) = match drifted {
            true => {
                self.documents[document].edits = 0;
                (
                    self.documents[document].original.clone(),
                    "the original text",
                )
            }
            false => (self.documents[document].text.clone(), "the text"),
        };
        self.documents[document].edits += 1;
        let (new, what) = match self.rng.below(14) {
            0 => (text.clone(), "nothing".to_string()),
            1..=3 => {
                let start = self.rng.boundary(&text);
                let longest = match self.rng.one_in(4) {
                    true => 2_000,
                    false => 12,
                };
                let mut end = (start + 1 + self.rng.below(longest)).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                let mut new = text.clone();
                new.replace_range(start..end, "");
                (new, format!("deleted bytes {start}..{end}"))
            }
            4..=7 => {
                let at = self.rng.boundary(&text);
                let fragment = self.fragment(&text);
                let mut new = text.clone();
                new.insert_str(at, &fragment);
                (new, format!("inserted {fragment:?} at byte {at}"))
            }
            8..=10 => {
                let words = word_spans(&text);
                match words.get(self.rng.below(words.len())) {
                    Some(&(start, end)) => {
                        let replacement = match self.rng.below(4) {
                            0 => KEYWORDS[self.rng.below(KEYWORDS.len())].to_string(),
                            1 => NUMBERS[self.rng.below(NUMBERS.len())].to_string(),
                            2 => self.typo(&text[start..end]),
                            _ => self.word(&text),
                        };
                        let mut new = text.clone();
                        new.replace_range(start..end, &replacement);
                        let what = format!("replaced bytes {start}..{end} with {replacement:?}");
                        (new, what)
                    }
                    None => (text.clone(), "nothing".to_string()),
                }
            }
            11 => {
                let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
                let n = self.rng.below(lines.len());
                if let Some(line) = lines.get(n).copied() {
                    lines.insert(n, line);
                }
                (lines.concat(), format!("duplicated line {n}"))
            }
            _ => {
                let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
                let (one, other) = (self.rng.below(lines.len()), self.rng.below(lines.len()));
                if one < lines.len() && other < lines.len() {
                    lines.swap(one, other);
                }
                (lines.concat(), format!("swapped lines {one} and {other}"))
            }
        };
        self.last_edit = format!("{what} of {from}");
        let entry = &mut self.documents[document];
        entry.text = new;
        entry.version += 1;
        if !entry.opened {
            entry.opened = true;
            self.open(document);
            return;
        }
        let change = json!({
            "textDocument": {"uri": entry.uri, "version": entry.version},
            "contentChanges": [{"text": entry.text}],
        });
        if let Some(published) = self.notify(document, "textDocument/didChange", change) {
            self.check_published(document, "didChange", &published);
        }
    }

    /// Sends every request about a document, at random places, and checks the answers.
    fn requests(&mut self, document: usize) {
        for _ in 0..PLACES {
            let (uri, text) = match self.rng.one_in(12) {
                true => {
                    let uri = OTHER_URIS[self.rng.below(OTHER_URIS.len())];
                    (Url::parse(uri).ok(), String::new())
                }
                false => (
                    Some(self.documents[document].uri.clone()),
                    self.documents[document].text.clone(),
                ),
            };
            if let Some(uri) = uri {
                self.requests_at_places(document, &uri, &text);
            }
        }
        let uri = self.documents[document].uri.clone();
        let text = self.documents[document].text.clone();
        self.whole_document_requests(document, &uri, &text);
    }

    /// The requests about a place: hover, completion, definition, references, rename, code
    /// actions.
    fn requests_at_places(&mut self, document: usize, uri: &Url, text: &str) {
        let at = |fuzz: &mut Fuzz| {
            let position = fuzz.position(text);
            (
                json!({"textDocument": {"uri": uri}, "position": position}),
                Some(position.line),
            )
        };

        let (params, line) = at(self);
        if let Some(hover) = self.ask::<Hover>(document, "textDocument/hover", params, line) {
            self.check_ranges(
                document,
                "hover",
                uri,
                &hover.range.into_iter().collect::<Vec<_>>(),
            );
        }

        let (params, line) = at(self);
        if let Some(completion) =
            self.ask::<CompletionResponse>(document, "textDocument/completion", params, line)
        {
            let items = match completion {
                CompletionResponse::Array(items) => items,
                CompletionResponse::List(list) => list.items,
            };
            let ranges: Vec<Range> = items
                .iter()
                .filter_map(|item| match &item.text_edit {
                    Some(lsp_types::CompletionTextEdit::Edit(edit)) => Some(edit.range),
                    Some(lsp_types::CompletionTextEdit::InsertAndReplace(edit)) => {
                        Some(edit.replace)
                    }
                    None => None,
                })
                .collect();
            self.check_ranges(document, "completion", uri, &ranges);
        }

        let (params, line) = at(self);
        if let Some(definition) =
            self.ask::<GotoDefinitionResponse>(document, "textDocument/definition", params, line)
        {
            let locations = match definition {
                GotoDefinitionResponse::Scalar(location) => vec![location],
                GotoDefinitionResponse::Array(locations) => locations,
                GotoDefinitionResponse::Link(links) => links
                    .into_iter()
                    .map(|l| Location::new(l.target_uri, l.target_range))
                    .collect(),
            };
            self.check_locations(document, "definition", &locations);
        }

        let (mut params, line) = at(self);
        params["context"] = json!({"includeDeclaration": self.rng.one_in(2)});
        if let Some(locations) =
            self.ask::<Vec<Location>>(document, "textDocument/references", params, line)
        {
            self.check_locations(document, "references", &locations);
        }

        self.rename(document, uri, text);
        self.code_actions(document, uri, text);
    }

    /// The requests about a whole document: symbols, code lenses, formatting, and now and then
    /// the command that runs the tests.
    fn whole_document_requests(&mut self, document: usize, uri: &Url, text: &str) {
        let whole = json!({"textDocument": {"uri": uri}});
        if let Some(symbols) = self.ask::<DocumentSymbolResponse>(
            document,
            "textDocument/documentSymbol",
            whole.clone(),
            None,
        ) {
            self.check_symbols(document, uri, symbols);
        }

        if let Some(lenses) =
            self.ask::<Vec<CodeLens>>(document, "textDocument/codeLens", whole.clone(), None)
        {
            let ranges: Vec<Range> = lenses.iter().map(|l| l.range).collect();
            self.check_ranges(document, "a code lens", uri, &ranges);
        }

        self.formatting(document, uri, text);

        if self.rng.one_in(60) {
            let arguments = match self.rng.below(4) {
                0 => json!([]),
                1 => json!([42]),
                2 => json!(["file:///nowhere/at/all.licit"]),
                _ => json!([uri]),
            };
            let params = json!({"command": RUN_TESTS, "arguments": arguments});
            let _ = self.ask::<Value>(document, "workspace/executeCommand", params, None);
        }
    }

    fn check_locations(&mut self, document: usize, what: &str, locations: &[Location]) {
        for location in locations {
            self.check_ranges(document, what, &location.uri, &[location.range]);
        }
    }

    fn check_symbols(&mut self, document: usize, uri: &Url, symbols: DocumentSymbolResponse) {
        let mut stack = match symbols {
            DocumentSymbolResponse::Nested(symbols) => symbols,
            DocumentSymbolResponse::Flat(symbols) => {
                let locations: Vec<Location> = symbols.into_iter().map(|s| s.location).collect();
                self.check_locations(document, "a symbol", &locations);
                return;
            }
        };
        while let Some(symbol) = stack.pop() {
            self.check_ranges(
                document,
                "a symbol",
                uri,
                &[symbol.range, symbol.selection_range],
            );
            let key = |p: Position| (p.line, p.character);
            let inside = key(symbol.range.start) <= key(symbol.selection_range.start)
                && key(symbol.selection_range.end) <= key(symbol.range.end);
            if !inside {
                self.fail(
                    document,
                    "a symbol's selection range is not inside its range".to_string(),
                    format!(
                        "symbol {:?}: range {:?}, selection {:?}",
                        symbol.name, symbol.range, symbol.selection_range
                    ),
                    Some(symbol.range.start.line),
                );
            }
            stack.extend(symbol.children.unwrap_or_default());
        }
    }

    fn rename(&mut self, document: usize, uri: &Url, text: &str) {
        let new_name = match self.rng.below(8) {
            0 | 6 | 7 => format!("renamed_{}", self.next_id),
            1 => self.word(text),
            2 => KEYWORDS[self.rng.below(KEYWORDS.len())].to_string(),
            3 => String::new(),
            4 => "two words".to_string(),
            _ => "é😀".to_string(),
        };
        let position = self.position(text);
        let params = json!({
            "textDocument": {"uri": uri},
            "position": position,
            "newName": new_name,
        });
        let shown = format!("request textDocument/rename {params}");
        let line = Some(position.line);
        let valid = super::navigate::is_name(&new_name);
        match self.request(document, "textDocument/rename", params, line) {
            None => {}
            Some(Err(error)) => {
                let refused = error.code == lsp_server::ErrorCode::RequestFailed as i32
                    && (!valid || error.message.contains("already a name"));
                if !refused {
                    let detail = format!("{shown}\n  error {} {}", error.code, error.message);
                    self.fail(
                        document,
                        "rename answered an error".to_string(),
                        detail,
                        line,
                    );
                }
            }
            Some(Ok(Value::Null)) => {}
            Some(Ok(value)) => {
                *self
                    .answered
                    .entry("textDocument/rename".to_string())
                    .or_default() += 1;
                if !valid {
                    let detail = format!("{shown}\n  {value}");
                    self.fail(document, "rename to no name".to_string(), detail, line);
                    return;
                }
                let Ok(edit) = serde_json::from_value::<WorkspaceEdit>(value.clone()) else {
                    let detail = format!("{shown}\n  {value}");
                    let kind = "rename answered a result not of its shape".to_string();
                    self.fail(document, kind, detail, line);
                    return;
                };
                self.check_workspace_edit(document, "rename", &edit);
                // Every edit replaces the same name.
                let mut replaced = Vec::new();
                for (uri, edits) in edit.changes.iter().flatten() {
                    let Some(text) = self.text_of(uri) else {
                        continue;
                    };
                    for edit in edits {
                        if range_problem(&text, edit.range).is_none() {
                            let start = offset_of(&text, edit.range.start);
                            let end = offset_of(&text, edit.range.end);
                            replaced.push(text[start..end.max(start)].to_string());
                        }
                    }
                }
                replaced.sort();
                replaced.dedup();
                if replaced.len() > 1 {
                    let detail = format!("{shown}\n  replaces {replaced:?}");
                    let kind = "rename replaces different texts".to_string();
                    self.fail(document, kind, detail, line);
                }
            }
        }
    }

    fn formatting(&mut self, document: usize, uri: &Url, text: &str) {
        let params = json!({
            "textDocument": {"uri": uri},
            "options": {"tabSize": 2, "insertSpaces": true},
        });
        let shown = format!("request textDocument/formatting {params}");
        let Some(edits) =
            self.ask::<Vec<TextEdit>>(document, "textDocument/formatting", params, None)
        else {
            return;
        };
        let ranges: Vec<Range> = edits.iter().map(|e| e.range).collect();
        if ranges.iter().any(|r| range_problem(text, *r).is_some()) {
            self.check_ranges(document, "formatting", uri, &ranges);
            return;
        }
        if !parses(text) {
            return;
        }
        let formatted = apply(text, &edits);
        if !parses(&formatted) {
            let detail = format!("{shown}\n  formatted text: {formatted:?}");
            let kind = "formatting gives a text that does not parse".to_string();
            self.fail(document, kind, detail, None);
        } else if crate::syntax::format::format(&formatted).ok().as_ref() != Some(&formatted) {
            let detail = format!("{shown}\n  formatted text: {formatted:?}");
            let kind = "formatting a formatted text changes it".to_string();
            self.fail(document, kind, detail, None);
        }
    }

    fn code_actions(&mut self, document: usize, uri: &Url, text: &str) {
        let mut diagnostics = self.published.get(uri).cloned().unwrap_or_default();
        // Half the time on a diagnostic, where an editor asks for its fixes; else anywhere,
        // the range reversed or past the end as it may be.
        let (start, end) = match diagnostics.get(self.rng.below(diagnostics.len() * 2)) {
            Some(diagnostic) => (diagnostic.range.start, diagnostic.range.end),
            None => (self.position(text), self.position(text)),
        };
        if self.rng.one_in(3) {
            diagnostics.truncate(self.rng.below(diagnostics.len() + 1));
        }
        let params = json!({
            "textDocument": {"uri": uri},
            "range": {"start": start, "end": end},
            "context": {"diagnostics": diagnostics},
        });
        let Some(actions) = self.ask::<Vec<CodeActionOrCommand>>(
            document,
            "textDocument/codeAction",
            params,
            Some(start.line),
        ) else {
            return;
        };
        for action in actions {
            if let CodeActionOrCommand::CodeAction(action) = action
                && let Some(edit) = &action.edit
            {
                self.check_workspace_edit(document, "a code action", edit);
            }
        }
    }

    /// Saves, or closes and opens again, a document now and then.
    fn save_or_reopen(&mut self, document: usize) {
        let uri = self.documents[document].uri.clone();
        // A save runs the policy's tests, which take a debug build seconds for the EU
        // policies and little for the small ones: these are saved more often, so that the
        // findings, failing tests and `allow` fixes of a save are asked about.
        let saves = match FOLDERS[self.documents[document].policy].1 {
            weight if weight > 2 => 12,
            _ => 80,
        };
        if self.rng.one_in(saves) {
            let save = json!({"textDocument": {"uri": uri}});
            if let Some(published) = self.notify(document, "textDocument/didSave", save) {
                self.check_published(document, "didSave", &published);
            }
        }
        if self.rng.one_in(80) {
            let close = json!({"textDocument": {"uri": uri}});
            // Closed, the document is the disk's again until it is opened with its text.
            let original = self.documents[document].original.clone();
            let edited = std::mem::replace(&mut self.documents[document].text, original);
            if let Some(published) = self.notify(document, "textDocument/didClose", close) {
                self.check_published(document, "didClose", &published);
            }
            self.documents[document].text = edited;
            self.open(document);
        }
    }

    fn open(&mut self, document: usize) {
        let entry = &self.documents[document];
        let open = json!({"textDocument": {
            "uri": entry.uri, "languageId": "licit", "version": entry.version, "text": entry.text,
        }});
        if let Some(published) = self.notify(document, "textDocument/didOpen", open) {
            self.check_published(document, "didOpen", &published);
        }
    }

    fn run(&mut self, rounds: usize) {
        let weights: usize = FOLDERS.iter().map(|(_, weight)| weight).sum();
        for round in 0..rounds {
            self.round = round;
            let mut pick = self.rng.below(weights);
            let policy = FOLDERS
                .iter()
                .position(|(_, weight)| match pick < *weight {
                    true => true,
                    false => {
                        pick -= weight;
                        false
                    }
                })
                .unwrap_or(0);
            let documents: Vec<usize> = (0..self.documents.len())
                .filter(|&d| self.documents[d].policy == policy)
                .collect();
            let document = documents[self.rng.below(documents.len())];
            self.edit(document);
            self.requests(document);
            self.save_or_reopen(document);
        }
    }

    /// The failures, grouped by kind, as a report; empty when there are none.
    fn report(&self) -> String {
        let mut kinds: Vec<(&str, Vec<&Failure>)> = Vec::new();
        for failure in &self.failures {
            match kinds.iter_mut().find(|(kind, _)| *kind == failure.kind) {
                Some((_, found)) => found.push(failure),
                None => kinds.push((&failure.kind, vec![failure])),
            }
        }
        let mut out = String::new();
        for (kind, found) in kinds.iter().take(REPORTED) {
            out.push_str(&format!("\n{} × {kind}; the first:\n", found.len()));
            if let Some(first) = found.first() {
                out.push_str(&first.report);
            }
        }
        out
    }
}

/// Random edits of real policies and requests anywhere in them: the server publishes
/// diagnostics, answers and keeps its places inside the documents (the claims are listed in
/// the module's documentation).
#[test]
fn random_edits_and_requests_never_fail() {
    let mut fuzz = Fuzz::new(seed());
    assert!(
        fuzz.documents.len() > 20,
        "the policies were not found: {} documents",
        fuzz.documents.len()
    );
    fuzz.run(rounds());
    assert!(fuzz.failures.is_empty(), "{}", fuzz.report());
    // The edits left texts the requests had something to say about: the test did not only
    // ask about garbage.
    for method in ANSWERING {
        assert!(
            fuzz.answered.get(method).is_some_and(|n| *n > 0),
            "no `{method}` answered anything: {:?}",
            fuzz.answered
        );
    }
}
