//! The service's counters, rendered as Prometheus text at `GET /metrics`: decisions by
//! rulebook and verdict, errors by code, reloads, and a latency histogram per endpoint.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// The upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0, 10.0,
];

/// One endpoint's latencies.
#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Counters {
    decisions: BTreeMap<(String, String), u64>,
    batch_lines: BTreeMap<String, u64>,
    errors: BTreeMap<String, u64>,
    reloads: BTreeMap<(String, &'static str), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// Every counter, behind one lock held for a few additions.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
}

impl Metrics {
    fn with(&self, change: impl FnOnce(&mut Counters)) {
        match self.counters.lock() {
            Ok(mut counters) => change(&mut counters),
            Err(poisoned) => change(&mut poisoned.into_inner()),
        }
    }

    /// One decision of a rulebook.
    pub fn decision(&self, rulebook: &str, verdict: &str) {
        self.with(|c| {
            *c.decisions
                .entry((rulebook.to_string(), verdict.to_string()))
                .or_default() += 1;
        });
    }

    /// Lines of a batch decided (or found bad).
    pub fn batch_lines(&self, rulebook: &str, lines: usize) {
        self.with(|c| *c.batch_lines.entry(rulebook.to_string()).or_default() += lines as u64);
    }

    /// One error answered, by its code.
    pub fn error(&self, code: &str) {
        self.with(|c| *c.errors.entry(code.to_string()).or_default() += 1);
    }

    /// One reload of a rulebook: `replaced` or `kept` (errors).
    pub fn reload(&self, rulebook: &str, outcome: &'static str) {
        self.with(|c| {
            *c.reloads
                .entry((rulebook.to_string(), outcome))
                .or_default() += 1
        });
    }

    /// One request to an endpoint (its route, such as `/v1/rulebooks/{name}/decide`).
    pub fn latency(&self, endpoint: &str, seconds: f64) {
        self.with(|c| {
            let histogram = match c.latency.get_mut(endpoint) {
                Some(histogram) => histogram,
                None => c.latency.entry(endpoint.to_string()).or_default(),
            };
            for (bucket, bound) in histogram.counts.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
            histogram.count += 1;
            histogram.sum += seconds;
        });
    }

    /// Every counter as Prometheus text (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.with(|c| {
            out.push_str("# HELP licit_decisions_total Decisions made, by rulebook and verdict.\n# TYPE licit_decisions_total counter\n");
            for ((rulebook, verdict), count) in &c.decisions {
                let _ = writeln!(
                    out,
                    "licit_decisions_total{{rulebook=\"{}\",verdict=\"{}\"}} {count}",
                    label(rulebook),
                    label(verdict)
                );
            }
            out.push_str("# HELP licit_batch_lines_total Lines of batches decided or found bad, by rulebook.\n# TYPE licit_batch_lines_total counter\n");
            for (rulebook, count) in &c.batch_lines {
                let _ = writeln!(
                    out,
                    "licit_batch_lines_total{{rulebook=\"{}\"}} {count}",
                    label(rulebook)
                );
            }
            out.push_str("# HELP licit_errors_total Errors answered, by diagnostic code.\n# TYPE licit_errors_total counter\n");
            for (code, count) in &c.errors {
                let _ = writeln!(out, "licit_errors_total{{code=\"{}\"}} {count}", label(code));
            }
            out.push_str("# HELP licit_reloads_total Reloads of changed files, by rulebook and outcome.\n# TYPE licit_reloads_total counter\n");
            for ((rulebook, outcome), count) in &c.reloads {
                let _ = writeln!(
                    out,
                    "licit_reloads_total{{rulebook=\"{}\",outcome=\"{outcome}\"}} {count}",
                    label(rulebook)
                );
            }
            out.push_str("# HELP licit_request_duration_seconds Time to answer a request, by endpoint.\n# TYPE licit_request_duration_seconds histogram\n");
            for (endpoint, histogram) in &c.latency {
                let endpoint = label(endpoint);
                for (count, bound) in histogram.counts.iter().zip(BUCKETS) {
                    let _ = writeln!(
                        out,
                        "licit_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "licit_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"+Inf\"}} {}",
                    histogram.count
                );
                let _ = writeln!(
                    out,
                    "licit_request_duration_seconds_sum{{endpoint=\"{endpoint}\"}} {}",
                    histogram.sum
                );
                let _ = writeln!(
                    out,
                    "licit_request_duration_seconds_count{{endpoint=\"{endpoint}\"}} {}",
                    histogram.count
                );
            }
        });
        out
    }
}

/// A label value with `\`, `"` and line ends escaped.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
