//! Parsing and checking a generated policy of 10,000 rules. Run with `cargo bench --bench check`.

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use licit::internals::{Source, check};

/// A policy of `count` rules, each with three conditions over enums, sets and dates.
fn generated_policy(count: usize) -> String {
    let mut text = String::from(
        "policy \"generated\" in force from 2021-01-01\n\
         enum Country { AA, BB, CC, DD, EE }\n\
         enum Concern { wmd, military, repression }\n\
         input Case { date: date, destination: Country, informed: set of Concern = {} }\n\
         verdicts licence_required > no_licence_required\n\
         otherwise no_licence_required\n\
         set listed: Country = {AA, CC from 2022-01-01}\n",
    );
    for index in 0..count {
        let _ = writeln!(
            text,
            "rule r{index} \"Art. {index}\"\n  in force from 2021-0{}-01\n  when case.destination in listed\n   and repression in case.informed\n   and case.date > 2021-01-{:02}\n  then licence_required",
            1 + index % 9,
            1 + index % 28
        );
    }
    text
}

fn check_large(c: &mut Criterion) {
    let text = generated_policy(10_000);
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.bench_function("parse+check 10,000 rules", |b| {
        b.iter(|| {
            let (ast, errors) = licit::internals::parse(black_box(&text));
            assert!(errors.is_empty());
            let sources = [Source {
                name: "generated.licit".to_string(),
                text: text.clone(),
                ast,
                uses: Vec::new(),
                layer: 0,
                amends_error: None,
            }];
            let (policy, findings) = check(&sources);
            assert!(policy.is_some(), "{findings:?}");
            black_box(policy)
        })
    });
    group.finish();
}

criterion_group!(benches, check_large);
criterion_main!(benches);
