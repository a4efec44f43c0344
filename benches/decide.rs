//! Decisions per second, cases already parsed: the example policy and the EU dual-use rulebook,
//! each on the cases of its own test suite, with and without the explanation. Run with
//! `cargo bench --bench decide`.

use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use licit::Date;
use licit::internals::{Program, Value, case_date};

#[path = "common/measure.rs"]
mod measure;

/// A policy's program and the cases of its tests, with their dates.
fn load(relative: &str) -> (Arc<Program>, Vec<(Value, Date)>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let result = licit::internals::load_and_check(&licit::OsFiles, &root)
        .unwrap_or_else(|_| panic!("{relative} loads"));
    let policy = result
        .checked
        .unwrap_or_else(|| panic!("{relative} checks"));
    let program = Arc::new(Program::lower(policy.clone(), &[]));
    let cases = policy
        .tests
        .iter()
        .filter_map(|test| test.given.as_ref())
        .map(|given| program.constant_value(given))
        .filter_map(|case| case_date(&policy, &case).map(|date| (case, date)))
        .collect();
    (program, cases)
}

fn bench_policy(c: &mut Criterion, name: &str, relative: &str) {
    let (program, cases) = load(relative);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(cases.len() as u64));
    measure::decisions(&mut group, "decide", &program, &cases);
    measure::explanations(&mut group, "decide+explain", &program, &cases);
    group.finish();
}

fn decide(c: &mut Criterion) {
    bench_policy(c, "example-policy", "policies/examples/cyber-catch-all");
    bench_policy(c, "eu-dual-use", "policies/eu/dual-use");
}

criterion_group!(benches, decide);
criterion_main!(benches);
