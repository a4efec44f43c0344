//! Diagnostics latency of `licit lsp` after a keystroke on the EU rulebook
//! (`policies/eu/dual-use`, its files and the countries it `use`s): the server's handling of a
//! `didChange` (load over the overlay, parse, check, index, diagnostics to LSP form), as the
//! editor's keystroke reaches it. Run with `cargo bench --bench lsp`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use licit::OsFiles;
use licit::internals::{LspServer, load_and_check};
use lsp_server::Notification;
use serde_json::json;

fn keystroke(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policies/eu/dual-use/authorisations.licit")
        .canonicalize()
        .unwrap_or_default();
    let uri = format!("file://{}", path.display());
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    // A keystroke that makes a typo, and the next that mends it: each a full re-check.
    let typo = text.replacen("case.destination", "case.destinatio", 1);
    let mut server = LspServer::default();
    let open =
        json!({"textDocument": {"uri": uri, "languageId": "licit", "version": 0, "text": text}});
    server.notification(Notification::new("textDocument/didOpen".into(), open));
    let mut version = 0;
    let mut group = c.benchmark_group("lsp");
    group.sample_size(20);
    group.bench_function("didChange on the EU rulebook", |b| {
        b.iter(|| {
            version += 1;
            let next = if version % 2 == 1 { &typo } else { &text };
            let change = json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": next}]});
            let published =
                server.notification(Notification::new("textDocument/didChange".into(), change));
            assert!(!published.is_empty());
            black_box(published)
        })
    });
    // What `licit check` does for the same policy, to tell the server's own share.
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    group.bench_function("load_and_check of the EU rulebook", |b| {
        b.iter(|| black_box(load_and_check(&OsFiles, &root).map(|r| r.checked.is_some())))
    });
    group.finish();
}

criterion_group!(benches, keystroke);
criterion_main!(benches);
