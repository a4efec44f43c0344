//! The EU dual-use rulebook on a generated mix of cases: decisions per second with and without
//! the explanation, batch JSONL end to end on all cores, and the cost of 1,000 and 10,000 extra
//! rules that never apply. Run with `cargo bench --bench rulebook`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use licit::internals::decode_case;

#[path = "common/measure.rs"]
mod measure;
#[path = "common/mix.rs"]
mod mix;

use mix::{Never, decoded, generated_cases, realistic_cases, rulebook};

fn decide(c: &mut Criterion) {
    let texts = generated_cases(10_000);
    on_mix(c, "eu-mix", &texts);
    on_mix(c, "eu-realistic", &realistic_cases(10_000));
    let cases = decoded(&rulebook(0, Never::Facts), &texts);
    let mut scaling = c.benchmark_group("eu-mix-scaling");
    scaling.throughput(Throughput::Elements(cases.len() as u64));
    for (extra, never, name) in [
        (0usize, Never::Facts, "none"),
        (1_000, Never::Facts, "by-facts"),
        (10_000, Never::Facts, "by-facts"),
        (1_000, Never::Dated, "by-date"),
        (10_000, Never::Dated, "by-date"),
    ] {
        let program = rulebook(extra, never);
        let cases = decoded(&program, &texts);
        let name = format!("decide+{extra}-rules-never-{name}");
        measure::decisions(&mut scaling, &name, &program, &cases);
    }
    scaling.finish();
}

/// Decide, explain, decode and batch on one mix of cases.
fn on_mix(c: &mut Criterion, name: &str, texts: &[String]) {
    let program = rulebook(0, Never::Facts);
    let cases = decoded(&program, texts);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(cases.len() as u64));
    measure::decisions(&mut group, "decide", &program, &cases);
    measure::explanations(&mut group, "decide+explain", &program, &cases);
    // As a batch explains one case after another: the explanation's memory is reused.
    group.bench_function("decide+explain-into", |b| {
        let mut trace = licit::internals::Trace::default();
        b.iter(|| {
            for (case, date) in &cases {
                black_box(program.explain_into(black_box(case), *date, &mut trace));
                black_box(&trace);
            }
        })
    });
    group.bench_function("decode", |b| {
        b.iter(|| {
            for text in texts {
                black_box(decode_case(&program, black_box(text)).ok());
            }
        })
    });
    let jsonl = texts.join("\n");
    let jobs = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1);
    group.bench_function("batch-jsonl-all-cores", |b| {
        b.iter(|| {
            let mut reader = std::io::Cursor::new(jsonl.as_bytes());
            let mut out = Vec::with_capacity(jsonl.len() * 2);
            let options = licit::BatchOptions {
                as_of: None,
                explain: false,
                jobs,
            };
            licit::internals::decide_batch(
                &program,
                "bench",
                &mut reader,
                &mut out,
                &options,
                &mut |_| {},
            );
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, decide);
criterion_main!(benches);
