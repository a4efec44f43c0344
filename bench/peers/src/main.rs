//! Side-by-side peer benchmark (issue 7, item 4): licit, Cedar and Regorus (interpreter and
//! RVM bytecode VM) deciding the same toy policy on the same deterministic requests.
//!
//! `cd bench/peers && cargo run --release [-- N [REPETITIONS]]`. Not part of CI.
//!
//! 1. Loads the policy in every engine (`policies/toy.{licit,cedar,rego}`).
//! 2. Generates N pseudo-random requests with an LCG and converts each into every engine's
//!    native input form (outside any timed loop).
//! 3. Checks that every engine agrees with a plain-Rust reference on every request; exits 1
//!    with the first mismatch otherwise.
//! 4. Times each engine deciding all N requests, REPETITIONS times, and reports the best run.

use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, Instant};

use licit::syntax::calendar::Date;

const DEFAULT_REQUESTS: usize = 100_000;
const DEFAULT_REPETITIONS: usize = 7;

/// Destinations drawn from; the first seven are under arms embargo in every policy.
const COUNTRIES: [&str; 12] = [
    "BY", "IR", "KP", "MM", "RU", "SY", "VE", "CN", "DE", "FR", "JP", "US",
];
const EMBARGOED: usize = 7;

/// One request: the facts every engine decides on.
#[derive(Debug, Clone, Copy)]
struct Request {
    destination: usize,
    cyber_surveillance: bool,
    has_licence: bool,
}

impl Request {
    /// The plain-Rust reference answer.
    fn licence_required(&self) -> bool {
        self.cyber_surveillance && self.destination < EMBARGOED && !self.has_licence
    }

    /// The request as a licit case / Rego input, in JSON (the date is for licit; Rego ignores it).
    fn json(&self) -> String {
        format!(
            r#"{{"date": "2025-06-01", "destination": "{}", "cyber_surveillance": {}, "has_licence": {}}}"#,
            COUNTRIES[self.destination], self.cyber_surveillance, self.has_licence
        )
    }
}

/// Deterministic requests from a 64-bit LCG (Knuth's MMIX constants), using its high bits.
fn requests(n: usize) -> Vec<Request> {
    let mut state: u64 = 0x2021_0821_0000_0007;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    (0..n)
        .map(|_| Request {
            destination: next() as usize % COUNTRIES.len(),
            cyber_surveillance: next() % 2 == 0,
            has_licence: next() % 4 == 0,
        })
        .collect()
}

fn policy_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policies")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(policy_path(name))
        .unwrap_or_else(|error| panic!("reading policies/{name}: {error}"))
}

// ---------------------------------------------------------------------------------------------
// licit

struct Licit {
    program: licit::eval::Program,
    licence_required: usize,
}

impl Licit {
    fn load() -> Licit {
        let path = policy_path("toy.licit");
        let result = licit::cli::load_and_check(&path)
            .unwrap_or_else(|_| panic!("{} loads", path.display()));
        let policy = result
            .checked
            .unwrap_or_else(|| panic!("{} checks", path.display()));
        let licence_required = policy
            .verdicts
            .iter()
            .position(|verdict| verdict.name == "licence_required")
            .expect("the toy policy has the verdict licence_required");
        let program = licit::eval::Program::lower(policy, &[]);
        Licit {
            program,
            licence_required,
        }
    }

    fn decode(&self, json: &str) -> (licit::eval::Value, Date) {
        let case = licit::eval::decode_case(&self.program, json)
            .unwrap_or_else(|errors| panic!("licit rejects {json}: {errors:?}"));
        let date =
            licit::eval::case_date(&self.program.policy, &case).expect("the toy case has a date");
        (case, date)
    }

    fn decide(&self, case: &licit::eval::Value, date: Date) -> bool {
        self.program.decide(case, date).verdict == self.licence_required
    }

    fn decode_and_decide(&self, json: &str) -> bool {
        let (case, date) = self.decode(json);
        self.decide(&case, date)
    }
}

// ---------------------------------------------------------------------------------------------
// Cedar

struct Cedar {
    authorizer: cedar_policy::Authorizer,
    policies: cedar_policy::PolicySet,
    entities: cedar_policy::Entities,
    principal: cedar_policy::EntityUid,
    action: cedar_policy::EntityUid,
    resource: cedar_policy::EntityUid,
}

impl Cedar {
    fn load() -> Cedar {
        let policies = cedar_policy::PolicySet::from_str(&read("toy.cedar"))
            .unwrap_or_else(|error| panic!("policies/toy.cedar: {error}"));
        let uid = |text: &str| {
            cedar_policy::EntityUid::from_str(text)
                .unwrap_or_else(|error| panic!("{text}: {error}"))
        };
        Cedar {
            authorizer: cedar_policy::Authorizer::new(),
            policies,
            entities: cedar_policy::Entities::empty(),
            principal: uid(r#"Exporter::"exporter""#),
            action: uid(r#"Action::"export""#),
            resource: uid(r#"Item::"item""#),
        }
    }

    fn request(&self, request: &Request) -> cedar_policy::Request {
        use cedar_policy::RestrictedExpression as E;
        let context = cedar_policy::Context::from_pairs([
            (
                "destination".to_string(),
                E::new_string(COUNTRIES[request.destination].to_string()),
            ),
            (
                "cyber_surveillance".to_string(),
                E::new_bool(request.cyber_surveillance),
            ),
            ("has_licence".to_string(), E::new_bool(request.has_licence)),
        ])
        .expect("a valid context");
        self.request_with(context)
    }

    /// The same request built from its JSON text (context parsed by Cedar's JSON parser).
    fn request_from_json(&self, json: &str) -> cedar_policy::Request {
        let context = cedar_policy::Context::from_json_str(json, None)
            .unwrap_or_else(|error| panic!("Cedar rejects {json}: {error}"));
        self.request_with(context)
    }

    /// The export request with a context.
    fn request_with(&self, context: cedar_policy::Context) -> cedar_policy::Request {
        cedar_policy::Request::new(
            self.principal.clone(),
            self.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .expect("a valid request")
    }

    /// Deny means "licence required".
    fn decide(&self, request: &cedar_policy::Request) -> bool {
        self.authorizer
            .is_authorized(request, &self.policies, &self.entities)
            .decision()
            == cedar_policy::Decision::Deny
    }
}

// ---------------------------------------------------------------------------------------------
// Regorus

const RULE: &str = "data.toy.licence_required";

fn regorus_engine() -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("toy.rego".to_string(), read("toy.rego"))
        .unwrap_or_else(|error| panic!("policies/toy.rego: {error}"));
    engine
}

fn rego_json(text: &str) -> regorus::Value {
    regorus::Value::from_json_str(text)
        .unwrap_or_else(|error| panic!("regorus rejects {text}: {error}"))
}

fn regorus_bool(value: &regorus::Value) -> bool {
    match value {
        regorus::Value::Bool(b) => *b,
        other => panic!("{RULE} is not a boolean: {other:?}"),
    }
}

/// The tree-walking interpreter: one engine, input set per request, the rule evaluated.
fn regorus_interpreter_decide(engine: &mut regorus::Engine, input: &regorus::Value) -> bool {
    engine.set_input(input.clone());
    let value = engine
        .eval_rule(RULE.to_string())
        .unwrap_or_else(|error| panic!("regorus interpreter: {error}"));
    regorus_bool(&value)
}

/// The RVM: the policy compiled once to bytecode, one VM, input set per request.
fn regorus_vm() -> regorus::rvm::RegoVM {
    let mut engine = regorus_engine();
    let compiled = engine
        .compile_with_entrypoint(&RULE.into())
        .unwrap_or_else(|error| panic!("regorus compile: {error}"));
    let program =
        regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &[RULE])
            .unwrap_or_else(|error| panic!("regorus RVM compile: {error}"));
    let mut vm = regorus::rvm::RegoVM::new();
    vm.load_program(program);
    vm
}

fn regorus_vm_decide(vm: &mut regorus::rvm::RegoVM, input: &regorus::Value) -> bool {
    vm.set_input(input.clone());
    let value = vm
        .execute()
        .unwrap_or_else(|error| panic!("regorus RVM: {error}"));
    regorus_bool(&value)
}

// ---------------------------------------------------------------------------------------------
// Timing

/// The best of `repetitions` runs of `run` (which decides all requests once).
fn best_of(repetitions: usize, mut run: impl FnMut()) -> Duration {
    (0..repetitions)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .min()
        .expect("at least one repetition")
}

struct Row {
    engine: &'static str,
    best: Duration,
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|a| a.parse().expect("N is a number of requests"))
        .unwrap_or(DEFAULT_REQUESTS);
    let repetitions: usize = args
        .next()
        .map(|a| a.parse().expect("REPETITIONS is a number"))
        .unwrap_or(DEFAULT_REPETITIONS)
        .max(1);

    // Engines, loaded once.
    let licit = Licit::load();
    let cedar = Cedar::load();
    let mut interpreter = regorus_engine();
    let mut vm = regorus_vm();

    // Requests, and each engine's native input form, prepared outside the timed loops.
    let requests = requests(n);
    let json: Vec<String> = requests.iter().map(Request::json).collect();
    let licit_cases: Vec<(licit::eval::Value, Date)> =
        json.iter().map(|text| licit.decode(text)).collect();
    let cedar_requests: Vec<cedar_policy::Request> =
        requests.iter().map(|r| cedar.request(r)).collect();
    let rego_inputs: Vec<regorus::Value> = json.iter().map(|text| rego_json(text)).collect();

    // Agreement: every engine against the reference, on every request.
    let mut required = 0usize;
    for (i, request) in requests.iter().enumerate() {
        let expected = request.licence_required();
        required += usize::from(expected);
        let answers = [
            ("licit", licit.decide(&licit_cases[i].0, licit_cases[i].1)),
            ("licit (from JSON)", licit.decode_and_decide(&json[i])),
            ("Cedar", cedar.decide(&cedar_requests[i])),
            (
                "Cedar (from JSON)",
                cedar.decide(&cedar.request_from_json(&json[i])),
            ),
            (
                "Regorus interpreter",
                regorus_interpreter_decide(&mut interpreter, &rego_inputs[i]),
            ),
            ("Regorus RVM", regorus_vm_decide(&mut vm, &rego_inputs[i])),
            (
                "Regorus RVM (from JSON)",
                regorus_vm_decide(&mut vm, &rego_json(&json[i])),
            ),
        ];
        for (engine, answer) in answers {
            if answer != expected {
                eprintln!(
                    "mismatch on request {i} {request:?} ({}): {engine} says licence_required = \
                     {answer}, the reference says {expected}",
                    json[i]
                );
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "{n} requests ({required} licence_required, {} no_licence_required): all engines agree",
        n - required
    );
    println!("best of {repetitions} runs per engine, one thread\n");

    let mut rows = Vec::new();
    rows.push(Row {
        engine: "licit (decoded case)",
        best: best_of(repetitions, || {
            for (case, date) in &licit_cases {
                black_box(licit.decide(black_box(case), *date));
            }
        }),
    });
    rows.push(Row {
        engine: "licit (JSON text decoded + decided)",
        best: best_of(repetitions, || {
            for text in &json {
                black_box(licit.decode_and_decide(black_box(text)));
            }
        }),
    });
    rows.push(Row {
        engine: "Cedar (Authorizer::is_authorized)",
        best: best_of(repetitions, || {
            for request in &cedar_requests {
                black_box(cedar.decide(black_box(request)));
            }
        }),
    });
    rows.push(Row {
        engine: "Regorus interpreter (eval_rule)",
        best: best_of(repetitions, || {
            for input in &rego_inputs {
                black_box(regorus_interpreter_decide(
                    &mut interpreter,
                    black_box(input),
                ));
            }
        }),
    });
    rows.push(Row {
        engine: "Regorus RVM (execute)",
        best: best_of(repetitions, || {
            for input in &rego_inputs {
                black_box(regorus_vm_decide(&mut vm, black_box(input)));
            }
        }),
    });
    rows.push(Row {
        engine: "Cedar, JSON context parsed + decided",
        best: best_of(repetitions, || {
            for text in &json {
                black_box(cedar.decide(&cedar.request_from_json(black_box(text))));
            }
        }),
    });
    rows.push(Row {
        engine: "Regorus RVM, JSON input parsed + executed",
        best: best_of(repetitions, || {
            for text in &json {
                black_box(regorus_vm_decide(&mut vm, &rego_json(black_box(text))));
            }
        }),
    });
    rows.push(Row {
        engine: "plain Rust reference (floor)",
        best: best_of(repetitions, || {
            for request in &requests {
                black_box(black_box(request).licence_required());
            }
        }),
    });

    let rate = |best: Duration| n as f64 / best.as_secs_f64();
    let licit_rate = rate(rows[0].best);
    let licit_json_rate = rate(rows[1].best);
    println!(
        "| engine | best time for {n} | ns/decision | decisions/s | licit ÷ engine | licit from JSON ÷ engine |"
    );
    println!("|---|---|---|---|---|---|");
    for row in &rows {
        let r = rate(row.best);
        println!(
            "| {} | {:.2} ms | {:.0} | {:.0} | {:.2}× | {:.2}× |",
            row.engine,
            row.best.as_secs_f64() * 1e3,
            row.best.as_nanos() as f64 / n as f64,
            r,
            licit_rate / r,
            licit_json_rate / r,
        );
    }
    ExitCode::SUCCESS
}
