//! Writes cases of the EU mix of `benches/common/mix.rs`, one JSON object a line, for timing
//! batches: `cargo run --release --example gen-cases -- 1000000 > /tmp/cases-1m.jsonl`.

use std::io::Write;

#[path = "common/mix.rs"]
#[allow(dead_code)]
mod mix;

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(1_000_000);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for case in mix::case_mix().take(count) {
        if writeln!(out, "{case}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}
