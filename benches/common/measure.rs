//! The measurements both decision benchmarks make: every case of a list decided, with or
//! without its explanation, as one criterion iteration.

use std::hint::black_box;

use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;
use licit::Date;
use licit::internals::{Program, Value};

/// Deciding every case, without the explanation.
pub fn decisions(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    program: &Program,
    cases: &[(Value, Date)],
) {
    each_case(group, name, cases, |case, date| {
        black_box(program.decide(case, date));
    });
}

/// Deciding every case with its explanation, in a new trace each time.
pub fn explanations(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    program: &Program,
    cases: &[(Value, Date)],
) {
    each_case(group, name, cases, |case, date| {
        black_box(program.explain(case, date));
    });
}

/// One iteration runs `run` on every case.
fn each_case(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    cases: &[(Value, Date)],
    mut run: impl FnMut(&Value, Date),
) {
    group.bench_function(name, |b| {
        b.iter(|| {
            for (case, date) in cases {
                run(black_box(case), *date);
            }
        })
    });
}
