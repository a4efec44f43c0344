//! Writes cases of a mix of `benches/common/mix.rs`, one JSON object a line, for timing
//! batches: `cargo run --release --example gen-cases -- 1000000 > /tmp/cases-1m.jsonl` (the
//! benchmarks' mix), or `-- --mix realistic 1000000` (the realistic mix).

use std::io::Write;

#[path = "common/mix.rs"]
#[allow(dead_code)]
mod mix;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut realistic = false;
    if let Some(at) = args.iter().position(|arg| arg == "--mix") {
        let name = args.get(at + 1).cloned().unwrap_or_default();
        match name.as_str() {
            "realistic" => realistic = true,
            "generated" => {}
            _ => {
                eprintln!("error: --mix is `generated` or `realistic`, not `{name}`");
                std::process::exit(2);
            }
        }
        args.drain(at..(at + 2).min(args.len()));
    }
    let count: usize = args
        .first()
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(1_000_000);
    let cases: Box<dyn Iterator<Item = String>> = if realistic {
        Box::new(mix::realistic_mix())
    } else {
        Box::new(mix::case_mix())
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for case in cases.take(count) {
        if writeln!(out, "{case}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}
