//! Decisions per second on the example policy: cases already parsed, with and without the
//! explanation. Run with `cargo bench --bench decide`.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use licit::check::{Source, check};
use licit::eval::{Program, Value, case_date, decode_case};

fn load_example() -> (Arc<Program>, Vec<(Value, licit::syntax::calendar::Date)>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("policies/examples/cyber-catch-all");
    let mut sources = Vec::new();
    for name in ["policy.licit", "tests.licit"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        let (ast, _) = licit::syntax::parse(&text);
        sources.push(Source {
            name: name.to_string(),
            text,
            ast,
            uses: Vec::new(),
        });
    }
    let (policy, _) = check(&sources);
    let policy = Arc::new(policy.unwrap_or_else(|| panic!("the example policy checks")));
    let program = Arc::new(Program::lower(policy.clone(), &[]));
    // A mix of cases that exercise every rule: listed and unlisted items, informed and aware,
    // EU001 destinations and others.
    let destinations = ["CN", "JP", "US", "RU", "NL", "CH"];
    let mut cases = Vec::new();
    for (index, destination) in destinations.iter().enumerate() {
        for listed in [false, true] {
            for concern in ["[]", "[\"internal_repression\"]", "[\"wmd\"]"] {
                let annex = if listed { "\"5A002.a.1\"" } else { "null" };
                let json = format!(
                    r#"{{"date": "2022-0{}-01", "activity": "export", "destination": "{destination}",
                        "item": {{"annex_i": {annex}, "cyber_surveillance": true}},
                        "informed": {concern}, "aware": {concern}}}"#,
                    1 + index % 9
                );
                let case = decode_case(&program, &json)
                    .unwrap_or_else(|_| panic!("benchmark case decodes"));
                let date = case_date(&policy, &case)
                    .unwrap_or_else(|| panic!("benchmark case has a date"));
                cases.push((case, date));
            }
        }
    }
    (program, cases)
}

fn decide(c: &mut Criterion) {
    let (program, cases) = load_example();
    let mut group = c.benchmark_group("example-policy");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("decide", |b| {
        b.iter(|| {
            for (case, date) in &cases {
                black_box(program.decide(black_box(case), *date));
            }
        })
    });
    group.bench_function("decide+explain", |b| {
        b.iter(|| {
            for (case, date) in &cases {
                black_box(program.explain(black_box(case), *date));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, decide);
criterion_main!(benches);
