//! The soundness suite: randomly generated small policies and policy pairs, written as text and
//! loaded through the library, checked against brute force. For each seed a generator writes a
//! policy (and a changed copy of it) over a few facts with small domains — an enum, a bool, an
//! optional text, a date, an int or (for half of the seeds) a decimal — with exceptions and
//! chains of them, rules and set members
//! with dates, obligations whose arguments are computed from the case's date, the policy's own
//! `in force` period and assertions that mention values no rule does. The oracle decides every
//! case built from the values the generator used (each constant, and the values just beside
//! it) on every date class (each date the policies mention, the days beside it, and days around
//! leap days and month ends), and checks that:
//!
//! - (a) every case `diff` would call changed falls in a kind of difference the search reports,
//!   and every reported kind's witness really differs;
//! - (b) every `assert` reported proven holds on every enumerated case, and every one reported
//!   broken has a counterexample that breaks it;
//! - (c) every `--why-not` answer gives the verdict asked for and changes only facts that
//!   change, and a change of one fact (the date among them) is found whenever the enumeration
//!   has one;
//! - (d) every finding of `check --analyze` with a witness is shown by its witness;
//! - (e) `decide`, `explain` and `--batch` agree;
//! - (f) `fmt` is idempotent, and the formatted policy decides every enumerated case alike;
//! - amendments are dated changes: a generated amendment (added, replaced and repealed rules,
//!   members added to and removed from a set; in force from a date, until one, or always)
//!   decides every enumerated case as its base outside its dates and as the consolidated text
//!   (the changes written into the base as a plain policy) on them, and `diff` between the base
//!   and the amended policy finds every kind of difference (a);
//!
//! and, on the shipped policies, that every test case `diff --cases` reports changed falls in a
//! kind the search reports.
//!
//! Completeness (a, b and the existence part of c) is claimed only where the search
//! approximated nothing. What the generator leaves out, and why:
//! - `and` and `or` are always parenthesised (mixing them bare is a syntax error);
//! - obligations' arguments are computed from the case's date and constants only: an argument
//!   computed from another fact is written "depends on the case" by the search, which does not
//!   split cases by its value (a documented limit, see ARCHITECTURE.md "The search");
//! - int and decimal arithmetic only as a fact plus or minus a constant (`case.n + 2 > 5`,
//!   `case.v - 0.25 == 1.25`; the search approximates other arithmetic on facts, and says so);
//!   decimals are compared with `9999999999.9999`, the largest a case holds, so a rule that
//!   needs more never applies;
//! - verdicts' and obligations' arguments are never computed from a member a `for` rule binds
//!   (the same limit as the first), and a `because` text is drawn only for its parsing, as it
//!   changes no outcome;
//! - `count`, sets built from facts, `if` choosing between values (not conditions),
//!   `starts_with` with a prefix from the case, `end_of_year` and assumptions that compare
//!   facts only in the tier of `Approximated` (below), as a part added to a condition;
//! - sets of records inside a record, optional facts other than `case.name`, durations and
//!   texts other than `case.name` as facts, `change const` of a constant other than a date,
//!   tests.
//!
//! Since 2026-12-01, 40% of the seeds (see `Extras`) also draw, from a generator of
//! their own, a set of enum members of the case, a dated date constant and a bool parameter
//! (and amendments that change them), a set of texts with dated members, `case.start` moved by
//! a duration and compared with a date, `case.date` moved back and compared with
//! `case.start`, `for` rules over `case.licences`, exceptions to two rules, `because` texts,
//! `not` and `if` over conditions, and an `assume` (the enumerated cases that break it are
//! dropped, and a witness, counterexample or `--why-not` answer that breaks it is a failure).
//!
//! Since 2026-12-02, 30% of the seeds (see `Approximated`) also draw, from a generator of
//! their own, the constructs the search approximates, or that need more dates or values of
//! it: `count` of `case.kinds`, of `case.licences` and of a set built from facts, membership
//! in such a set, `if` choosing between values (enum members, dates, ints), `end_of_year` of
//! the case's date and of `case.start` (compared with dates, and `case.start` with the end of
//! the case's year), `starts_with` with a prefix from the case, and an `assume` comparing two
//! facts. Each is a part inserted into a condition the other generators drew (every other part
//! of the policy is as before), and the checks are the same: soundness (a witness differs, a
//! proven assertion holds, a counterexample breaks, a `--why-not` answer gives the verdict, a
//! finding is shown) always, completeness where the search names no approximation. The
//! oracle's values cover what these tell apart: the 31st of December and the 1st of January
//! around each date `end_of_year` is compared with, the prefixes of a prefix, the days beside
//! the date for `case.start <= case.date`.
//!
//! A failure writes the generated policies and the case into a temporary folder and prints the
//! `licit` commands that show it; the generated policies of past failures are kept in
//! `tests/soundness/regressions/` and checked by `the_policies_the_suite_once_failed_on_pass`.
//!
//! `seeds()` = 256 seeds in CI (each test draws its policies from the seed alone): 64 seeds took
//! 84 s in debug within a whole `.ci/run` of 14 minutes from a clean clone (2026-11-30), so CI
//! runs four times as many. `LICIT_SOUNDNESS_SEEDS=2048 cargo test --release --test soundness`
//! runs every property at 2048 seeds; all pass at 2048 (194 s) and 4096 (362 s) in release on
//! the idle machine (see BENCHMARKS.md, "The soundness suite").

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use licit::internals::{self, Program};
use licit::{Date, MemoryFiles, Rulebook};
use rust_decimal::Decimal;

/// How many seeds are tried: 256 in CI; `LICIT_SOUNDNESS_SEEDS=2048 cargo test --release --test
/// soundness` tries more.
fn seeds() -> u64 {
    std::env::var("LICIT_SOUNDNESS_SEEDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(256)
}

/// A small pseudo-random generator (xorshift64*), so that a seed names one run everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The facts a case may have, beside its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    Kind,
    Flag,
    Name,
    Start,
    N,
    /// A decimal (`case.v`), written where a seed's numbers are decimals instead of ints.
    V,
    /// A second member of `Kind` (`case.kind2`), compared only with `case.kind`.
    Kind2,
    /// A second int (`case.m`), compared only with `case.n`.
    M,
    /// A set of records (`case.licences`, of `Licence { item: Kind, ok: bool }`), read only
    /// through `some`/`every` over it and `is empty`.
    Licences,
    /// A set of members of `Kind` (`case.kinds`): membership, `is empty`, quantifiers.
    Kinds,
}

/// What the quantifiers over `case.licences` ask of a member: at most three different bodies,
/// so that a pair asks at most six different things (each body satisfied, or failed) and the
/// oracle's sets of at most three members show every kind the search must find when it names
/// no approximation (it searches with as many members as things asked, up to three).
const LICENCE_BODIES: [&str; 3] = ["l.item == a", "l.ok", "l.item == case.kind"];

/// The members a licence may be, as JSON.
const LICENCES: [&str; 6] = [
    r#"{"item": "a", "ok": false}"#,
    r#"{"item": "a", "ok": true}"#,
    r#"{"item": "b", "ok": false}"#,
    r#"{"item": "b", "ok": true}"#,
    r#"{"item": "c", "ok": false}"#,
    r#"{"item": "c", "ok": true}"#,
];

const RULE_DATES: [&str; 5] = [
    "2021-03-01",
    "2022-01-01",
    "2022-06-15",
    "2023-02-28",
    "2024-02-29",
];
const ASSERT_DATES: [&str; 2] = ["2023-05-05", "2021-11-11"];
const RULE_TEXTS: [&str; 3] = ["ab", "abc", "x"];
const ASSERT_TEXTS: [&str; 3] = ["zz", "q", "ab"];
const RULE_INTS: [i64; 3] = [1, 3, 5];
const ASSERT_INTS: [i64; 2] = [7, -2];
/// The decimals `case.v` is compared with, by the same draws as the ints (the largest kept
/// decimal among them: a case beyond it cannot be written).
const RULE_DECIMALS: [&str; 3] = ["0.5", "1.25", "9999999999.9999"];
const ASSERT_DECIMALS: [&str; 2] = ["7.5", "-0.0001"];
/// The amounts added to `case.v`, by the same draws as the ints'.
const DECIMAL_AMOUNTS: [&str; 2] = ["0.25", "2.5"];
const DURATIONS: [&str; 3] = ["1 year", "30 days", "1 month"];

/// The values a pair's conditions mention, from which the oracle builds its cases.
#[derive(Debug, Clone, Default)]
struct Used {
    facts: BTreeSet<Fact>,
    texts: BTreeSet<String>,
    dates: BTreeSet<String>,
    /// The dates `case.start` is compared with.
    start_dates: BTreeSet<String>,
    durations: BTreeSet<String>,
    ints: BTreeSet<i64>,
    /// The amounts added to `case.n` (`case.n + 2`, `case.n - 4`).
    offsets: BTreeSet<i64>,
    /// The decimals `case.v` is compared with, and the amounts added to it.
    decimals: BTreeSet<Decimal>,
    decimal_offsets: BTreeSet<Decimal>,
    /// The dates `case.start` moved by a duration is compared with (`case.start + 1 month >
    /// 2023-02-28`), with the duration.
    start_shifts: BTreeSet<(String, String)>,
    /// Whether the policy assumes something: cases that break it are no cases.
    assumes: bool,
    /// Whether `case.start` is compared with the case's date itself (`assume … that
    /// case.start <= case.date`): its values then include the days beside the date.
    start_near_date: bool,
    /// Whether `case.start` is compared with `end_of_year(case.date)`: its values then include
    /// the end of the date's year and the days beside it.
    start_end_of_year: bool,
}

/// A generated rule.
#[derive(Debug, Clone)]
struct RuleModel {
    name: String,
    exception_to: Option<String>,
    in_force: Option<(String, Option<String>)>,
    when: Vec<String>,
    verdict: Option<String>,
    obligations: Vec<String>,
    /// `for l in case.licences`: the rule applies when its condition holds of some member.
    for_each: bool,
    /// The `because` text, with its holes.
    because: Option<String>,
}

/// A generated assertion.
#[derive(Debug, Clone)]
struct AssertModel {
    when: Vec<String>,
    expect: String,
}

/// A generated policy.
#[derive(Debug, Clone)]
struct Model {
    from: String,
    until: Option<String>,
    members: Vec<String>,
    /// Declarations beyond the fixed ones (constants, parameters, sets), by name, as written.
    declarations: BTreeMap<String, String>,
    /// `assume` declarations, as written.
    assumptions: Vec<String>,
    rules: Vec<RuleModel>,
    asserts: Vec<AssertModel>,
}

/// The generator of one seed: which facts it may use, and what it used.
struct Generator {
    rng: Rng,
    allowed: Vec<Fact>,
    used: Used,
    /// Whether this seed's numbers are decimals (`case.v`) rather than ints (`case.n`): drawn
    /// from a generator of its own, so the draws of every seed are as they were before
    /// decimals, and a seed enumerates as many numbers as it did.
    decimals: bool,
    /// Whether an atom on `case.kind` or `case.n` compares it with a second fact of its kind
    /// instead (`case.kind != case.kind2`, `case.n <= case.m`): drawn from a generator of its
    /// own after the atom's usual draws, so every seed draws as it did before these.
    pairs: Rng,
    /// Whether this seed's conditions also quantify over `case.licences` (then its only other
    /// facts are `case.kind` and `case.flag`, so that enumerating stays small), and the
    /// generator of those atoms: of its own, so the seeds without them draw as before.
    licences: Option<Rng>,
    /// The constructs the generators above do not draw (see `Extras`), for some seeds: of a
    /// generator of their own, so the seeds without them draw as before.
    extras: Option<Extras>,
    /// The constructs the search approximates (see `Approximated`), for some seeds: of a
    /// generator of their own, so the seeds without them draw as before, and those with them
    /// draw every other part as before (these parts are only inserted).
    approximated: Option<Approximated>,
}

/// What a seed draws of the constructs the search approximates or that need more of it than
/// the plain comparisons: `count` of `case.kinds`, of `case.licences` and of a set built from
/// facts (`{case.kind, case.kind2}`), membership in such a set, `if` choosing between values
/// (`case.kind == (if case.flag then a else c)`), `end_of_year` of the case's date and of
/// `case.start` compared with a date (and the first with `case.start`), `starts_with` with a
/// prefix from the case, and an `assume` that compares two facts (`case.start <= case.date`,
/// `case.n <= case.m`, `case.kind != case.kind2`). Each is a part inserted into a condition
/// the other generators drew (of rules, assertions, amendments and changed policies), so the
/// rest of the policy is as those generators draw it.
struct Approximated {
    rng: Rng,
    assume: bool,
}

/// The dates `end_of_year` is compared with: the end of a year, and a day within one.
const END_OF_YEAR_DATES: [&str; 3] = ["2021-12-31", "2022-06-15", "2023-12-31"];

/// The first day of a date's year and of the year after it, where `end_of_year` of a date
/// changes against it.
fn new_years(text: &str) -> [String; 2] {
    let (year, _, _) = date(text).ymd();
    [format!("{year:04}-01-01"), format!("{:04}-01-01", year + 1)]
}

/// The values a part drawn by `Approximated` (or read back from a policy's text) tells apart,
/// noted for the oracle: the first days of the years around a date `end_of_year` is compared
/// with, the dates of an `if`, the prefixes of a text a fact may be a prefix of, and whether
/// `case.start` is compared with the date or the end of its year.
fn note_approximated(used: &mut Used, atom: &str) {
    let words: Vec<&str> = atom
        .split(|c: char| c.is_whitespace() || "(),{}".contains(c))
        .filter(|word| Date::parse(word).is_ok())
        .collect();
    let start = atom.contains("case.start");
    for on in words {
        let mut dates = vec![on.to_string()];
        if atom.contains("end_of_year(") {
            dates.extend(new_years(on));
        }
        if start {
            used.start_dates.extend(dates.iter().cloned());
        }
        if !start || atom.contains("case.date") {
            used.dates.extend(dates);
        }
    }
    if let Some(rest) = atom.split("starts_with(\"").nth(1) {
        let text = rest.split('"').next().unwrap_or("");
        used.texts
            .extend((0..=text.len()).map(|end| text[..end].to_string()));
    }
    used.start_near_date |= atom.contains("case.start <= case.date");
    used.start_end_of_year |= atom.contains("end_of_year(case.date)") && start;
    if atom.contains("case.n > (if") {
        for word in atom.split(|c: char| c.is_whitespace() || c == ')') {
            used.ints.extend(word.parse::<i64>().ok());
        }
    }
}

/// What a seed draws beyond the language of the generators above, each where it keeps the
/// enumeration small: a set of enum members in the case (`case.kinds`, with `case.kind` and
/// `case.flag` only: its eight values multiply the cases), a dated constant date `cutoff` and a parameter
/// `strict` (changed by amendments too), a set of texts with dated members `names` (where the
/// seed has `case.name`), `case.start` moved by a duration and compared with a date, and
/// `case.date` moved back and compared with `case.start`; `for` rules over `case.licences`;
/// exceptions to two rules; `because` texts with holes; `not` and `if` over conditions; an
/// `assume` (the oracle's cases that break it are no cases).
struct Extras {
    rng: Rng,
    kinds: bool,
    consts: bool,
    for_rules: bool,
    assume: bool,
}

/// The dates of the constant `cutoff`'s versions, newest first, and its text.
const CUTOFF: (&[&str], &str) = (
    &["2023-02-28", "2022-06-15", "2022-01-01"],
    "const cutoff: date = 2022-06-15 from 2023-02-28, 2022-01-01",
);
/// The set of texts with dated members, and its texts and dates.
const NAMES: (&[&str], &[&str], &str) = (
    &["ab", "q", "x"],
    &["2022-06-15", "2023-02-28"],
    "set names: text = { \"ab\", \"q\" from 2022-06-15, \"x\" until 2023-02-28 }",
);

impl Generator {
    fn new(seed: u64) -> Generator {
        let mut rng = Rng::new(seed);
        // At most two of the facts with many values, so that enumeration stays small.
        let mut allowed = vec![Fact::Kind, Fact::Flag];
        let mut wide = vec![Fact::Name, Fact::Start, Fact::N];
        for _ in 0..2 {
            let index = rng.below(wide.len());
            allowed.push(wide.remove(index));
        }
        let decimals = Rng::new(seed ^ 0xDEC1_3A15).chance(50);
        let mut sets = Rng::new(seed ^ 0x5E75_0F4C);
        let licences = sets.chance(25).then_some(sets);
        if licences.is_some() {
            allowed.truncate(2);
        }
        let mut extra = Rng::new(seed ^ 0x0E47_7A5D);
        let extras = match extra.chance(40) {
            false => None,
            true => {
                let kinds = licences.is_none() && extra.chance(50);
                let consts = extra.chance(50);
                let for_rules = licences.is_some() && extra.chance(70);
                let assume = extra.chance(30);
                if kinds {
                    // Eight sets of members: no fact with many values beside them.
                    allowed.truncate(2);
                }
                Some(Extras {
                    rng: extra,
                    kinds,
                    consts,
                    for_rules,
                    assume,
                })
            }
        };
        let mut approximated = Rng::new(seed ^ 0x0A99_B0C5);
        let approximated = match approximated.chance(30) {
            false => None,
            true => Some(Approximated {
                assume: approximated.chance(35),
                rng: approximated,
            }),
        };
        Generator {
            rng,
            allowed,
            used: Used::default(),
            decimals,
            pairs: Rng::new(seed ^ 0x9A1E_5C0F),
            licences,
            extras,
            approximated,
        }
    }

    fn date(&mut self, pool: &[&str]) -> String {
        let date = self.rng.pick(pool).to_string();
        self.used.dates.insert(date.clone());
        date
    }

    /// An atom of the constructs of `Extras`, for a quarter of the atoms of a seed that has
    /// them (and any of them that fits its facts).
    fn extra_atom(&mut self) -> Option<String> {
        let extras = self.extras.as_mut()?;
        if !extras.rng.chance(25) {
            return None;
        }
        let used = &mut self.used;
        let mut atoms: Vec<(&str, Vec<Fact>)> = Vec::new();
        if extras.kinds {
            let kinds = [
                "a in case.kinds",
                "c not in case.kinds",
                "case.kinds is empty",
                "case.kinds is not empty",
                "(some k in case.kinds: (k in listed))",
                "(every k in case.kinds: (k != b))",
            ];
            atoms.extend(kinds.map(|atom| (atom, vec![Fact::Kinds])));
            atoms.push(("case.kind in case.kinds", vec![Fact::Kind, Fact::Kinds]));
            atoms.push(("case.kind not in case.kinds", vec![Fact::Kind, Fact::Kinds]));
        }
        if extras.consts {
            atoms.extend([
                ("case.date >= cutoff", vec![]),
                ("case.date < cutoff", vec![]),
                ("strict", vec![]),
                ("not strict", vec![]),
            ]);
        }
        let start = self.allowed.contains(&Fact::Start);
        if start && extras.consts {
            atoms.push(("case.start <= cutoff", vec![Fact::Start]));
            atoms.push(("case.start > cutoff", vec![Fact::Start]));
        }
        let shifted;
        let back;
        if start {
            let duration = *extras.rng.pick(&DURATIONS);
            let on = *extras.rng.pick(&RULE_DATES);
            let op = *extras.rng.pick(&["<=", ">"]);
            shifted = format!("case.start + {duration} {op} {on}");
            back = format!("case.date - {duration} > case.start");
            atoms.push((&shifted, vec![Fact::Start]));
            atoms.push((&back, vec![Fact::Start]));
        }
        if self.allowed.contains(&Fact::Name) {
            atoms.push(("case.name in names", vec![Fact::Name]));
            atoms.push(("case.name not in names", vec![Fact::Name]));
        }
        if atoms.is_empty() {
            return None;
        }
        let (atom, facts) = extras.rng.pick(&atoms).clone();
        used.facts.extend(facts);
        let atom = atom.to_string();
        if atom.contains("cutoff") {
            used.dates.extend(CUTOFF.0.iter().map(|d| d.to_string()));
            if atom.contains("case.start") {
                used.start_dates
                    .extend(CUTOFF.0.iter().map(|d| d.to_string()));
            }
        }
        if atom.contains("names") {
            used.texts.extend(NAMES.0.iter().map(|t| t.to_string()));
            used.dates.extend(NAMES.1.iter().map(|d| d.to_string()));
        }
        if let Some(rest) = atom.strip_prefix("case.start + ") {
            let words: Vec<&str> = rest.split(' ').collect();
            if let [count, unit, _, on] = words.as_slice() {
                used.dates.insert(on.to_string());
                used.start_shifts
                    .insert((on.to_string(), format!("{count} {unit}")));
            }
        }
        if let Some(rest) = atom.strip_prefix("case.date - ") {
            let words: Vec<&str> = rest.split(' ').collect();
            if let [count, unit, ..] = words.as_slice() {
                used.durations.insert(format!("{count} {unit}"));
            }
        }
        Some(atom)
    }

    /// One condition on one fact (or on the date); `assert` draws from the assertions' pools.
    fn atom(&mut self, assert: bool) -> String {
        let texts: &[&str] = if assert { &ASSERT_TEXTS } else { &RULE_TEXTS };
        let ints: &[i64] = if assert { &ASSERT_INTS } else { &RULE_INTS };
        let dates: &[&str] = if assert { &ASSERT_DATES } else { &RULE_DATES };
        if let Some(sets) = &mut self.licences
            && sets.chance(30)
        {
            self.used.facts.insert(Fact::Licences);
            let body = *sets.pick(&LICENCE_BODIES);
            if body.contains("case.kind") {
                self.used.facts.insert(Fact::Kind);
            }
            return match sets.below(5) {
                0 => "case.licences is empty".to_string(),
                1 | 2 => format!("(some l in case.licences: ({body}))"),
                _ => format!("(every l in case.licences: ({body}))"),
            };
        }
        if let Some(atom) = self.extra_atom() {
            return atom;
        }
        if self.rng.chance(12) {
            let date = self.date(dates);
            let op = *self.rng.pick(&[">=", "<"]);
            return format!("case.date {op} {date}");
        }
        let fact = *self.rng.pick(&self.allowed.clone());
        self.used.facts.insert(match fact {
            Fact::N if self.decimals => Fact::V,
            other => other,
        });
        match fact {
            Fact::Kind => {
                let member = *self.rng.pick(&["a", "b", "c"]);
                let atom = match self.rng.below(5) {
                    0 => format!("case.kind == {member}"),
                    1 => format!("case.kind != {member}"),
                    2 => "case.kind in listed".to_string(),
                    3 => "case.kind not in listed".to_string(),
                    _ => "case.kind in {a, c}".to_string(),
                };
                if self.pairs.chance(20) {
                    self.used.facts.insert(Fact::Kind2);
                    let op = *self.pairs.pick(&["==", "!="]);
                    return format!("case.kind {op} case.kind2");
                }
                atom
            }
            Fact::Flag => match self.rng.chance(50) {
                true => "case.flag".to_string(),
                false => "not case.flag".to_string(),
            },
            Fact::Name => {
                let text = self.rng.pick(texts).to_string();
                self.used.texts.insert(text.clone());
                match self.rng.below(4) {
                    0 => "case.name is none".to_string(),
                    1 => format!("case.name == \"{text}\""),
                    2 => format!("case.name != \"{text}\""),
                    _ => format!("starts_with(case.name, \"{text}\")"),
                }
            }
            Fact::Start => match self.rng.below(3) {
                0 => {
                    let date = self.date(dates);
                    self.used.start_dates.insert(date.clone());
                    let op = *self.rng.pick(&["<=", ">", "=="]);
                    format!("case.start {op} {date}")
                }
                _ => {
                    let duration = self.rng.pick(&DURATIONS).to_string();
                    self.used.durations.insert(duration.clone());
                    let op = *self.rng.pick(&[">", "<="]);
                    format!("case.start + {duration} {op} case.date")
                }
            },
            Fact::N if self.decimals => {
                let pool: &[&str] = if assert {
                    &ASSERT_DECIMALS
                } else {
                    &RULE_DECIMALS
                };
                let constant = *self.rng.pick(pool);
                self.used.decimals.extend(decimal(constant));
                let op = *self.rng.pick(&[">", "<=", "==", "!="]);
                match self.rng.below(3) {
                    0 => {
                        let amount = *self.rng.pick(&DECIMAL_AMOUNTS);
                        let minus = self.rng.chance(50);
                        let signed = if minus {
                            format!("-{amount}")
                        } else {
                            amount.to_string()
                        };
                        self.used.decimal_offsets.extend(decimal(&signed));
                        let sign = if minus { "-" } else { "+" };
                        format!("case.v {sign} {amount} {op} {constant}")
                    }
                    _ => format!("case.v {op} {constant}"),
                }
            }
            // `allowed` holds none of these: the first two come only compared with `case.kind`
            // and `case.n`, the licences only from their own generator, above.
            Fact::Kind2 | Fact::M | Fact::N | Fact::V | Fact::Licences | Fact::Kinds => {
                let int = *self.rng.pick(ints);
                self.used.ints.insert(int);
                let op = *self.rng.pick(&[">", "<=", "==", "!="]);
                if self.pairs.chance(20) {
                    self.used.facts.insert(Fact::M);
                    let op = *self.pairs.pick(&[">", "<=", "==", "!=", "<"]);
                    return format!("case.n {op} case.m");
                }
                match self.rng.below(3) {
                    0 => {
                        let amount = *self.rng.pick(&[2i64, 4]);
                        let minus = self.rng.chance(50);
                        self.used
                            .offsets
                            .insert(if minus { -amount } else { amount });
                        let sign = if minus { "-" } else { "+" };
                        format!("case.n {sign} {amount} {op} {int}")
                    }
                    _ => format!("case.n {op} {int}"),
                }
            }
        }
    }

    /// A condition of one to three atoms, `or` always in parentheses.
    fn condition(&mut self, assert: bool) -> Vec<String> {
        let count = 1 + self.rng.below(3);
        let mut parts: Vec<String> = (0..count)
            .map(|_| match self.extras.as_mut().map(|e| e.rng.below(8)) {
                // `x is none` narrows `x` in what follows it; kept out of these forms.
                Some(0) => format!(
                    "not ({} or {})",
                    self.atom(assert).replace("case.name is none", "case.flag"),
                    self.atom(assert)
                ),
                Some(1) => format!(
                    "(if {} then {} else {})",
                    self.atom(assert).replace("case.name is none", "case.flag"),
                    self.atom(assert),
                    self.atom(assert)
                ),
                _ => self.plain_condition_part(assert),
            })
            .collect();
        if let Some(atom) = self.approximated_atom() {
            let at = self
                .approximated
                .as_mut()
                .map_or(0, |a| a.rng.below(parts.len() + 1));
            parts.insert(at, atom);
        }
        parts
    }

    /// A part of the constructs of `Approximated`, for two in five of the conditions of a seed
    /// that has them: one that fits the seed's facts, the values it tells apart noted for the
    /// oracle.
    fn approximated_atom(&mut self) -> Option<String> {
        let approximated = self.approximated.as_mut()?;
        if !approximated.rng.chance(40) {
            return None;
        }
        let rng = &mut approximated.rng;
        let used = &mut self.used;
        let mut atoms: Vec<(String, Vec<Fact>)> = Vec::new();
        let on = *rng.pick(&END_OF_YEAR_DATES);
        let op = *rng.pick(&["==", "<", ">=", "!="]);
        atoms.push((format!("end_of_year(case.date) {op} {on}"), vec![]));
        let member = *rng.pick(&["b", "c"]);
        atoms.push((
            format!("case.kind == (if case.flag then a else {member})"),
            vec![Fact::Kind, Fact::Flag],
        ));
        let (first, second) = (*rng.pick(&RULE_DATES), *rng.pick(&ASSERT_DATES));
        atoms.push((
            format!("case.date < (if case.flag then {first} else {second})"),
            vec![Fact::Flag],
        ));
        let set_atoms = [
            "case.kind in {case.kind2, b}",
            "a not in {case.kind, case.kind2}",
            "count({case.kind, case.kind2}) == 1",
            "count({case.kind, case.kind2, c}) >= 2",
        ];
        atoms.push((
            rng.pick(&set_atoms).to_string(),
            vec![Fact::Kind, Fact::Kind2],
        ));
        if self.allowed.contains(&Fact::Start) {
            atoms.push((
                format!("end_of_year(case.start) {op} {on}"),
                vec![Fact::Start],
            ));
            atoms.push((
                format!("case.start <= (if case.flag then {first} else {second})"),
                vec![Fact::Start, Fact::Flag],
            ));
            let op = *rng.pick(&["<", "=="]);
            atoms.push((
                format!("case.start {op} end_of_year(case.date)"),
                vec![Fact::Start],
            ));
        }
        if self.allowed.contains(&Fact::N) && !self.decimals {
            let (low, high) = (*rng.pick(&RULE_INTS), *rng.pick(&ASSERT_INTS));
            atoms.push((
                format!("case.n > (if case.flag then {low} else {high})"),
                vec![Fact::N, Fact::Flag],
            ));
        }
        let op = *rng.pick(&["==", ">=", "<"]);
        if self.extras.as_ref().is_some_and(|extras| extras.kinds) {
            let count = 1 + rng.below(2);
            atoms.push((format!("count(case.kinds) {op} {count}"), vec![Fact::Kinds]));
        }
        if self.licences.is_some() {
            let count = rng.below(3);
            atoms.push((
                format!("count(case.licences) {op} {count}"),
                vec![Fact::Licences],
            ));
        }
        if self.allowed.contains(&Fact::Name) {
            let prefix = *rng.pick(&["abc", "q"]);
            atoms.push((
                format!(
                    "(if case.name is some then starts_with(\"{prefix}\", case.name) else false)"
                ),
                vec![Fact::Name],
            ));
            atoms.push((
                format!("(case.name is none or not starts_with(\"{prefix}\", case.name))"),
                vec![Fact::Name],
            ));
        }
        let (atom, facts) = rng.pick(&atoms).clone();
        used.facts.extend(facts);
        note_approximated(used, &atom);
        Some(atom)
    }

    /// One part of a condition as the first generator draws it: an atom, or two in an `or`.
    fn plain_condition_part(&mut self, assert: bool) -> String {
        match self.rng.chance(20) {
            true => {
                // After `x is none or`, `x` is some: an `is none` first would make the
                // second a type error.
                let first = self.atom(assert).replace("case.name is none", "case.flag");
                format!("({first} or {})", self.atom(assert))
            }
            false => self.atom(assert),
        }
    }

    fn verdict(&mut self) -> String {
        self.rng
            .pick(&["high", "mid(basis: \"B1\")", "mid(basis: \"B2\")", "low"])
            .to_string()
    }

    fn obligation(&mut self) -> String {
        let options = [
            "report",
            "keep(until: case.date + 1 year)",
            "keep(until: case.date + 365 days)",
            "keep(until: case.date + 1 month)",
            "keep(until: 2025-01-01)",
        ];
        self.rng.pick(&options).to_string()
    }

    fn in_force(&mut self) -> Option<(String, Option<String>)> {
        match self.rng.chance(30) {
            true => {
                let from = self.date(&RULE_DATES[..3]);
                let until = self
                    .rng
                    .chance(40)
                    .then(|| self.date(&RULE_DATES[3..]))
                    .map(|d| d.to_string());
                Some((from, until))
            }
            false => None,
        }
    }

    fn rule(&mut self, index: usize, earlier: &[RuleModel]) -> RuleModel {
        // An exception replaces a verdict: its base concludes one.
        let bases: Vec<&RuleModel> = earlier.iter().filter(|r| r.verdict.is_some()).collect();
        let mut exception_to = match bases.is_empty() || !self.rng.chance(35) {
            true => None,
            false => Some(self.rng.pick(&bases).name.clone()),
        };
        let mut when = match self.rng.chance(8) {
            true => Vec::new(),
            false => self.condition(false),
        };
        let verdict = self.rng.chance(85).then(|| self.verdict());
        let mut obligations = Vec::new();
        if verdict.is_none() || self.rng.chance(30) {
            obligations.push(self.obligation());
        }
        let in_force = self.in_force();
        let mut for_each = false;
        let mut because = None;
        if let Some(extras) = &mut self.extras {
            // An exception to a second rule.
            if let Some(first) = exception_to.clone()
                && extras.rng.chance(40)
            {
                let other = bases[extras.rng.below(bases.len())].name.clone();
                if other != first {
                    exception_to = Some(format!("{first}, {other}"));
                }
            }
            if extras.for_rules && extras.rng.chance(50) {
                for_each = true;
                self.used.facts.insert(Fact::Licences);
                let body = *extras.rng.pick(&LICENCE_BODIES);
                if body.contains("case.kind") {
                    self.used.facts.insert(Fact::Kind);
                }
                when.insert(extras.rng.below(when.len() + 1), body.to_string());
            }
            if extras.rng.chance(30) {
                because = Some(match for_each {
                    true => "\"licence for {l.item}, {case.flag}\"".to_string(),
                    false => "\"kind {case.kind} on {case.date}\"".to_string(),
                });
            }
        }
        RuleModel {
            name: format!("r{index}"),
            exception_to,
            in_force,
            when,
            verdict,
            obligations,
            for_each,
            because,
        }
    }

    fn model(&mut self) -> Model {
        let from = self.rng.pick(&["2020-01-01", "2021-01-01"]).to_string();
        self.used.dates.insert(from.clone());
        let until = self.rng.chance(25).then(|| "2025-12-31".to_string());
        if let Some(until) = &until {
            self.used.dates.insert(until.clone());
        }
        let mut members = vec!["a".to_string()];
        if self.rng.chance(70) {
            members.push(match self.rng.chance(50) {
                true => format!("b from {}", self.date(&RULE_DATES)),
                false => "b".to_string(),
            });
        }
        if self.rng.chance(40) {
            members.push(format!("c until {}", self.date(&RULE_DATES)));
        }
        let count = 1 + self.rng.below(4);
        let mut rules: Vec<RuleModel> = Vec::new();
        for index in 0..count {
            let rule = self.rule(index, &rules);
            rules.push(rule);
        }
        let asserts = (0..self.rng.below(3))
            .map(|_| {
                let when = self.condition(true);
                let expect = match self.rng.below(4) {
                    0 => format!("not decided by r{}", self.rng.below(count)),
                    1 => "high or mid".to_string(),
                    2 => "low".to_string(),
                    _ => "mid or low".to_string(),
                };
                AssertModel { when, expect }
            })
            .collect();
        let mut declarations = BTreeMap::new();
        let mut assumptions = Vec::new();
        if let Some(extras) = &mut self.extras {
            if extras.consts {
                declarations.insert("cutoff".to_string(), CUTOFF.1.to_string());
                declarations.insert(
                    "strict".to_string(),
                    "param strict: bool = false".to_string(),
                );
            }
            if self.allowed.contains(&Fact::Name) {
                declarations.insert("names".to_string(), NAMES.2.to_string());
            }
            if extras.assume {
                let that = *extras.rng.pick(&[
                    "(case.flag or case.kind != c)",
                    "(not case.flag or case.kind in listed)",
                ]);
                assumptions.push(format!("assume \"kept\"\n  that {that}"));
                self.used.assumes = true;
                self.used.facts.extend([Fact::Kind, Fact::Flag]);
            }
        }
        if let Some(approximated) = &mut self.approximated
            && approximated.assume
        {
            let mut compared = vec![("case.kind != case.kind2", vec![Fact::Kind, Fact::Kind2])];
            if self.allowed.contains(&Fact::Start) {
                compared.push(("case.start <= case.date", vec![Fact::Start]));
            }
            if self.allowed.contains(&Fact::N) && !self.decimals {
                compared.push(("case.n <= case.m", vec![Fact::N, Fact::M]));
            }
            let (that, facts) = approximated.rng.pick(&compared).clone();
            assumptions.push(format!("assume \"ordered\"\n  that {that}"));
            self.used.assumes = true;
            self.used.facts.extend(facts);
            note_approximated(&mut self.used, that);
        }
        Model {
            from,
            until,
            members,
            declarations,
            assumptions,
            rules,
            asserts,
        }
    }

    /// A copy of a model with one or two changes.
    fn changed(&mut self, old: &Model) -> Model {
        let mut new = old.clone();
        for _ in 0..1 + self.rng.below(2) {
            let index = self.rng.below(new.rules.len());
            match self.rng.below(9) {
                0 => new.rules[index].when = self.condition(false),
                1 => new.rules[index].verdict = Some(self.verdict()),
                2 => new.rules[index].in_force = self.in_force(),
                3 => new.rules[index].obligations = vec![self.obligation()],
                4 => {
                    new.from = self.rng.pick(&["2020-01-01", "2021-06-01"]).to_string();
                    self.used.dates.insert(new.from.clone());
                }
                5 => {
                    let rule = self.rule(new.rules.len(), &new.rules);
                    new.rules.push(rule);
                }
                6 => new.rules[index].when.push(self.atom(false)),
                7 => {
                    new.members = vec![
                        "a".to_string(),
                        format!("c from {}", self.date(&RULE_DATES)),
                    ]
                }
                _ => {
                    // Keep obligations accumulating from other rules: the same obligation on
                    // a rule that did not have it.
                    let obligation = self.obligation();
                    new.rules[index].obligations.push(obligation);
                }
            }
            // A rule concludes something.
            let rule = &mut new.rules[index];
            if rule.verdict.is_none() && rule.obligations.is_empty() {
                rule.obligations.push("report".to_string());
            }
            rule.obligations.dedup();
        }
        new
    }
}

/// An amendment of a generated policy: its text (amending `old.licit`), the dates its changes
/// hold, and the policy those changes make, as a plain policy for the oracle.
struct Amendment {
    text: String,
    from: Option<Date>,
    until: Option<Date>,
    consolidated: Model,
}

impl Amendment {
    /// Whether the amendment's changes hold on a date.
    fn holds_on(&self, on: Date) -> bool {
        self.from.is_none_or(|from| on >= from) && self.until.is_none_or(|until| on <= until)
    }
}

impl Generator {
    /// An amendment of a model with one to three changes — added, replaced and repealed rules,
    /// members added to or removed from the set — in force on some dates (or on all).
    fn amendment(&mut self, base: &Model) -> Amendment {
        let mut consolidated = base.clone();
        consolidated.asserts.clear();
        let mut text = "policy \"Amendment\"\n  amends \"old.licit\"\n".to_string();
        let (from, until) = match self.rng.below(5) {
            0 => (None, None),
            choice => {
                let from = self.date(&["2021-06-01", "2022-01-01", "2022-06-15", "2023-02-28"]);
                let until = (choice == 1).then(|| self.date(&["2023-12-31", "2024-02-29"]));
                write!(text, "  in force from {from}").ok();
                if let Some(until) = &until {
                    write!(text, " until {until}").ok();
                }
                text.push('\n');
                (Some(date(&from)), until.as_deref().map(date))
            }
        };
        let mut touched: BTreeSet<String> = BTreeSet::new();
        for _ in 0..1 + self.rng.below(3) {
            let rules = &consolidated.rules;
            // Rules no other rule is an exception to: those may be repealed, or replaced by a
            // text without a verdict.
            let free: Vec<usize> = (0..rules.len())
                .filter(|&i| {
                    !touched.contains(&rules[i].name)
                        && !rules.iter().any(|r| {
                            r.exception_to
                                .as_deref()
                                .is_some_and(|bases| bases.split(", ").any(|b| b == rules[i].name))
                        })
                })
                .collect();
            let replaceable: Vec<usize> = (0..rules.len())
                .filter(|&i| !touched.contains(&rules[i].name))
                .collect();
            if let Some(extras) = &mut self.extras
                && extras.consts
                && extras.rng.chance(30)
            {
                // A constant's or parameter's new value, once each.
                match extras.rng.chance(50) {
                    true if touched.insert("cutoff".to_string()) => {
                        let on = extras.rng.pick(&RULE_DATES).to_string();
                        self.used.dates.insert(on.clone());
                        self.used.start_dates.insert(on.clone());
                        write!(text, "\nchange const cutoff \"Art. C\" = {on}\n").ok();
                        consolidated
                            .declarations
                            .insert("cutoff".to_string(), format!("const cutoff: date = {on}"));
                    }
                    false if touched.insert("strict".to_string()) => {
                        text.push_str("\nchange param strict \"Art. P\" = true\n");
                        consolidated.declarations.insert(
                            "strict".to_string(),
                            "param strict: bool = true".to_string(),
                        );
                    }
                    _ => {}
                }
                continue;
            }
            match self.rng.below(5) {
                0 if !free.is_empty() && rules.len() > 1 => {
                    let index = *self.rng.pick(&free);
                    let name = consolidated.rules.remove(index).name;
                    write!(
                        text,
                        "\nrepeal rule {name} \"Art. {} repealed\"\n",
                        &name[1..]
                    )
                    .ok();
                    touched.insert(name);
                }
                1 if !replaceable.is_empty() => {
                    let index = *self.rng.pick(&replaceable);
                    let name = consolidated.rules[index].name.clone();
                    // Exceptions only to rules before it, as every rule's are: no cycle.
                    let bases = consolidated.rules[..index].to_vec();
                    let mut rule = self.rule(0, &bases);
                    rule.name = name.clone();
                    // Exceptions to it need a verdict to replace.
                    if rule.verdict.is_none() && !free.contains(&index) {
                        rule.verdict = Some(self.verdict());
                    }
                    render_rule(&mut text, "replace rule", &rule);
                    consolidated.rules[index] = rule;
                    touched.insert(name);
                }
                2 => {
                    let members = ["a", "b", "c"];
                    let present: Vec<&str> = members
                        .iter()
                        .copied()
                        .filter(|m| {
                            consolidated
                                .members
                                .iter()
                                .any(|w| w.split(' ').next() == Some(m))
                        })
                        .collect();
                    let absent: Vec<&str> = members
                        .iter()
                        .copied()
                        .filter(|m| !present.contains(m))
                        .collect();
                    match absent.is_empty() || (present.len() > 1 && self.rng.chance(50)) {
                        true => {
                            let member = *self.rng.pick(&present);
                            consolidated
                                .members
                                .retain(|w| w.split(' ').next() != Some(member));
                            write!(text, "\nchange set listed \"Art. L\" -= {{{member}}}\n").ok();
                        }
                        false => {
                            let member = *self.rng.pick(&absent);
                            consolidated.members.push(member.to_string());
                            write!(text, "\nchange set listed \"Art. L\" += {{{member}}}\n").ok();
                        }
                    }
                }
                _ => {
                    let number = 10 + consolidated.rules.len() + touched.len();
                    let mut rule = self.rule(number, &consolidated.rules);
                    rule.name = format!("r{number}");
                    render_rule(&mut text, "add rule", &rule);
                    touched.insert(rule.name.clone());
                    consolidated.rules.push(rule);
                }
            }
        }
        Amendment {
            text,
            from,
            until,
            consolidated,
        }
    }
}

/// The policy as text.
fn render(model: &Model, title: &str) -> String {
    let mut text = format!("policy \"{title}\"\n  in force from {}", model.from);
    if let Some(until) = &model.until {
        write!(text, " until {until}").ok();
    }
    text.push_str("\n\nenum Kind { a, b, c }\n\nrecord Licence {\n  item: Kind\n  ok: bool\n}\n\n");
    text.push_str(
        "input Case {\n  date: date\n  kind: Kind\n  flag: bool\n  name: optional text\n  start: date\n  n: int\n  v: decimal = 0.0\n  kind2: Kind = a\n  m: int = 0\n  licences: set of Licence = {}\n  kinds: set of Kind = {}\n}\n\n",
    );
    writeln!(
        text,
        "set listed: Kind = {{ {} }}\n",
        model.members.join(", ")
    )
    .ok();
    for declaration in model.declarations.values() {
        writeln!(text, "{declaration}\n").ok();
    }
    for assumption in &model.assumptions {
        writeln!(text, "{assumption}\n").ok();
    }
    text.push_str("verdicts high > mid(basis: text) > low\notherwise low\n");
    text.push_str("obligation keep(until: date)\nobligation report\n");
    for rule in &model.rules {
        render_rule(&mut text, "rule", rule);
    }
    for (index, assert) in model.asserts.iter().enumerate() {
        write!(
            text,
            "\nassert \"a{index}\"\n  when {}\n  expect {}\n",
            assert.when.join(" and "),
            assert.expect
        )
        .ok();
    }
    text
}

/// A rule as text, after `keyword` (`rule`, `add rule`, `replace rule`).
fn render_rule(text: &mut String, keyword: &str, rule: &RuleModel) {
    write!(
        text,
        "\n{keyword} {} \"Art. {}\"\n",
        rule.name,
        &rule.name[1..]
    )
    .ok();
    if let Some(base) = &rule.exception_to {
        writeln!(text, "  exception to {base}").ok();
    }
    if rule.for_each {
        writeln!(text, "  for l in case.licences").ok();
    }
    if let Some((from, until)) = &rule.in_force {
        write!(text, "  in force from {from}").ok();
        if let Some(until) = until {
            write!(text, " until {until}").ok();
        }
        text.push('\n');
    }
    if !rule.when.is_empty() {
        writeln!(text, "  when {}", rule.when.join("\n   and ")).ok();
    }
    let mut conclusions: Vec<String> = rule.verdict.iter().cloned().collect();
    conclusions.extend(rule.obligations.iter().cloned());
    writeln!(text, "  then {}", conclusions.join(", ")).ok();
    if let Some(because) = &rule.because {
        writeln!(text, "  because {because}").ok();
    }
}

fn load(text: &str) -> Result<Rulebook, String> {
    let files = MemoryFiles::new().with("policy.licit", text);
    Rulebook::from_files(&files, "policy.licit").map_err(|problems| problems.text)
}

fn date(text: &str) -> Date {
    match Date::parse(text) {
        Ok(date) => date,
        Err(_) => panic!("`{text}` is a date"),
    }
}

fn duration(text: &str) -> internals::Duration {
    let (count, unit) = text.split_once(' ').unwrap_or(("0", "days"));
    let count: i32 = count.parse().unwrap_or(0);
    match unit.trim_end_matches('s') {
        "year" => internals::Duration {
            months: count * 12,
            days: 0,
        },
        "month" => internals::Duration {
            months: count,
            days: 0,
        },
        _ => internals::Duration {
            months: 0,
            days: count,
        },
    }
}

fn day(date: Date, sign: i32) -> Date {
    date.add(internals::Duration { months: 0, days: 1 }, sign)
}

/// The dates the oracle decides on: each date mentioned, the days beside it, and days around
/// leap days and the ends of months.
fn case_dates(used: &Used) -> Vec<Date> {
    let mut dates = BTreeSet::new();
    for text in &used.dates {
        let d = date(text);
        dates.extend([day(d, -1), d, day(d, 1)]);
    }
    for extra in [
        "2019-06-01",
        "2023-01-31",
        "2023-03-01",
        "2024-02-29",
        "2024-03-01",
        "2026-06-01",
    ] {
        dates.insert(date(extra));
    }
    dates.into_iter().collect()
}

/// The values the oracle gives each fact on a date.
fn fact_values(used: &Used, fact: Fact, on: Date) -> Vec<String> {
    let quoted = |d: Date| format!("\"{d}\"");
    match fact {
        Fact::Kind | Fact::Kind2 => ["a", "b", "c"].iter().map(|m| format!("\"{m}\"")).collect(),
        Fact::Kinds => (0..8)
            .map(|bits: usize| {
                let members: Vec<String> = ["a", "b", "c"]
                    .iter()
                    .enumerate()
                    .filter(|(index, _)| bits & (1 << index) != 0)
                    .map(|(_, m)| format!("\"{m}\""))
                    .collect();
                format!("[{}]", members.join(", "))
            })
            .collect(),
        Fact::Flag => vec!["false".to_string(), "true".to_string()],
        Fact::Licences => {
            // Every set of at most three of the six members a licence may be.
            let mut sets = vec!["[]".to_string()];
            for (i, first) in LICENCES.iter().enumerate() {
                sets.push(format!("[{first}]"));
                for (j, second) in LICENCES.iter().enumerate().skip(i + 1) {
                    sets.push(format!("[{first}, {second}]"));
                    for third in LICENCES.iter().skip(j + 1) {
                        sets.push(format!("[{first}, {second}, {third}]"));
                    }
                }
            }
            sets
        }
        Fact::Name => {
            let mut values = vec!["null".to_string(), "\"other\"".to_string()];
            for text in &used.texts {
                values.push(format!("\"{text}\""));
                values.push(format!("\"{text}z\""));
            }
            values
        }
        Fact::Start => {
            let mut dates = BTreeSet::new();
            for text in &used.start_dates {
                let d = date(text);
                dates.extend([day(d, -1), d, day(d, 1)]);
            }
            for text in &used.durations {
                let back = on.add(duration(text), -1);
                dates.extend([day(back, -1), back, day(back, 1)]);
            }
            // `case.start + 1 month <= D`: the days before D less the duration, a month's
            // clamping taking a few days past it to the same date.
            for (text, duration_text) in &used.start_shifts {
                let back = date(text).add(duration(duration_text), -1);
                let mut at = day(back, -1);
                for _ in 0..6 {
                    dates.insert(at);
                    at = day(at, 1);
                }
            }
            dates.insert(on);
            if used.start_near_date {
                dates.extend([day(on, -1), day(on, 1)]);
            }
            if used.start_end_of_year {
                let end = on.end_of_year();
                dates.extend([day(end, -1), end, day(end, 1)]);
            }
            dates.into_iter().map(quoted).collect()
        }
        Fact::N | Fact::M => {
            let mut ints = BTreeSet::from([0]);
            // Compared with each other, the two may differ where no constant tells them apart.
            if used.facts.contains(&Fact::M) {
                ints.extend([-1, 1]);
            }
            for int in &used.ints {
                ints.extend([int - 1, *int, int + 1]);
                for offset in &used.offsets {
                    let moved = int - offset;
                    ints.extend([moved - 1, moved, moved + 1]);
                }
            }
            ints.into_iter().map(|i| i.to_string()).collect()
        }
        Fact::V => {
            // Each constant less each amount, and the kept decimals just beside it (a
            // ten-thousandth, the last kept digit); a value beyond the kept range is no case.
            let step = Decimal::new(1, 4);
            let largest = Decimal::new(99_999_999_999_999, 4);
            let mut decimals = BTreeSet::from([Decimal::ZERO]);
            for constant in &used.decimals {
                let mut points = vec![*constant];
                points.extend(used.decimal_offsets.iter().map(|k| constant - k));
                for point in points {
                    decimals.extend([point - step, point, point + step]);
                }
            }
            decimals
                .into_iter()
                .filter(|d| d.abs() <= largest)
                .map(|d| d.to_string())
                .collect()
        }
    }
}

/// A decimal as the generator writes it.
fn decimal(text: &str) -> Option<Decimal> {
    text.parse().ok()
}

/// The name of a fact in a case.
fn field_name(fact: Fact) -> &'static str {
    match fact {
        Fact::Kind => "kind",
        Fact::Flag => "flag",
        Fact::Name => "name",
        Fact::Start => "start",
        Fact::N => "n",
        Fact::V => "v",
        Fact::Kind2 => "kind2",
        Fact::M => "m",
        Fact::Licences => "licences",
        Fact::Kinds => "kinds",
    }
}

/// A case as JSON: its date and its facts' values (written as JSON).
fn to_json(fields: &BTreeMap<&str, String>, on: Date) -> String {
    let mut json = format!("{{\"date\": \"{on}\"");
    for (name, value) in fields {
        write!(json, ", \"{name}\": {value}").ok();
    }
    json.push('}');
    json
}

/// Every case the oracle decides, as JSON with its date.
fn cases(used: &Used) -> Vec<(String, Date)> {
    let mut out = Vec::new();
    for on in case_dates(used) {
        let mut partial: Vec<Vec<(Fact, String)>> = vec![Vec::new()];
        for &fact in &used.facts {
            let values = fact_values(used, fact, on);
            partial = partial
                .into_iter()
                .flat_map(|prefix| {
                    values.iter().map(move |value| {
                        let mut next = prefix.clone();
                        next.push((fact, value.clone()));
                        next
                    })
                })
                .collect();
        }
        for assignment in partial {
            let mut fields: BTreeMap<&str, String> = BTreeMap::from([
                ("kind", "\"a\"".to_string()),
                ("flag", "false".to_string()),
                ("name", "null".to_string()),
                ("start", format!("\"{on}\"")),
                ("n", "0".to_string()),
            ]);
            for (fact, value) in assignment {
                fields.insert(field_name(fact), value);
            }
            out.push((to_json(&fields, on), on));
        }
    }
    out
}

/// The cases of `cases` that keep the policy's assumptions (a case that breaks one is no case:
/// it is not decided).
fn kept_cases(rulebooks: &[&Rulebook], used: &Used) -> Vec<(String, Date)> {
    let mut all = cases(used);
    if used.assumes {
        all.retain(|(json, _)| rulebooks.iter().all(|rulebook| keeps(rulebook, json)));
    }
    all
}

/// Whether a case keeps the policy's assumptions.
fn keeps(rulebook: &Rulebook, json: &str) -> bool {
    match rulebook.decide(json) {
        Ok(_) => true,
        Err(problems) => !problems.text.contains("licit::case::assumption"),
    }
}

/// What a decision amounts to, comparable across policies: the verdict as written, then the
/// obligations as written (sorted, without repeats).
fn outcome(program: &Program, decision: &licit::Decision) -> (String, Vec<String>) {
    let policy = &program.policy;
    let verdict = format!(
        "{}{:?}",
        policy.verdicts[decision.verdict.index()].name,
        decision.verdict_args
    );
    let mut obligations: Vec<String> = decision
        .obligations
        .iter()
        .map(|o| format!("{}{:?}", policy.obligations[o.kind].name, o.args))
        .filter(|o| !o.starts_with("probe_"))
        .collect();
    obligations.sort();
    obligations.dedup();
    (verdict, obligations)
}

/// The kind of a difference as the search reports kinds: the verdicts (by kind), the rules that
/// decide, and which rules' obligations accumulate (by kind, not arguments).
fn kind(
    old: &Program,
    old_decision: &licit::Decision,
    new: &Program,
    new_decision: &licit::Decision,
) -> Vec<String> {
    let side = |program: &Program, decision: &licit::Decision| {
        let policy = &program.policy;
        let rule = decision
            .decided_by
            .map(|r| policy.rules[r.index()].name.clone())
            .unwrap_or_default();
        let mut obligations: Vec<String> = decision
            .obligations
            .iter()
            .map(|o| {
                format!(
                    "{}:{}",
                    policy.rules[o.rule.index()].name,
                    policy.obligations[o.kind].name
                )
            })
            .collect();
        obligations.sort();
        obligations.dedup();
        let verdict = policy.verdicts[decision.verdict.index()].name.clone();
        (verdict, rule, obligations.join(","))
    };
    let (old_verdict, old_rule, old_obligations) = side(old, old_decision);
    let (new_verdict, new_rule, new_obligations) = side(new, new_decision);
    vec![
        old_verdict,
        new_verdict,
        old_rule,
        new_rule,
        old_obligations,
        new_obligations,
    ]
}

/// Failures found so far, each with the files that show it.
struct Failures {
    messages: Vec<String>,
    dir: std::path::PathBuf,
}

impl Failures {
    fn new() -> Failures {
        let dir = std::env::temp_dir().join(format!("licit-soundness-{}", std::process::id()));
        Failures {
            messages: Vec::new(),
            dir,
        }
    }

    /// Records a failure with the policies and case that show it, written as files.
    fn fail(&mut self, seed: &str, what: &str, files: &[(&str, &str)], command: &str) {
        // Files for the first failures only: those are printed.
        if self.messages.len() >= 12 {
            self.messages.push(format!("{seed}: {what}"));
            return;
        }
        let dir = self.dir.join(format!(
            "{}-{}",
            seed.replace(' ', "-"),
            self.messages.len()
        ));
        std::fs::create_dir_all(&dir).ok();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).ok();
        }
        self.messages.push(format!(
            "{seed}: {what}\n  files in {}\n  run: cd {} && {command}",
            dir.display(),
            dir.display()
        ));
    }

    fn check(self) {
        assert!(
            self.messages.is_empty(),
            "{} failure(s):\n{}",
            self.messages.len(),
            self.messages
                .iter()
                .take(12)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// One seed's pair: the models, their texts, rulebooks and programs.
struct Pair {
    old_text: String,
    new_text: String,
    old: Rulebook,
    new: Rulebook,
    old_program: Arc<Program>,
    new_program: Arc<Program>,
    used: Used,
}

fn pair(seed: u64) -> Result<Pair, String> {
    let mut generator = Generator::new(seed);
    let old_model = generator.model();
    let new_model = generator.changed(&old_model);
    let old_text = render(&old_model, "Old");
    let new_text = render(&new_model, "New");
    pair_of(old_text, new_text, generator.used)
}

/// A pair from its texts and the values its conditions mention. The new policy may amend the
/// old one (`amends "old.licit"`).
fn pair_of(old_text: String, new_text: String, used: Used) -> Result<Pair, String> {
    let old = load(&old_text).map_err(|e| format!("{e}\n{old_text}"))?;
    let new = load_amended(&old_text, &new_text).map_err(|e| format!("{e}\n{new_text}"))?;
    Ok(Pair {
        old_program: internals::program(&old),
        new_program: internals::program(&new),
        old_text,
        new_text,
        old,
        new,
        used,
    })
}

fn decide(rulebook: &Rulebook, json: &str) -> licit::Decision {
    match rulebook.decide(json) {
        Ok(decision) => decision,
        Err(problems) => panic!("the generated case fits: {}\n{json}", problems.text),
    }
}

/// (a) The kinds of difference the search reports are those the enumeration finds.
#[test]
fn diff_reports_every_kind_of_difference_and_only_real_ones() {
    let mut failures = Failures::new();
    for seed in 0..seeds() {
        let pair = match pair(seed) {
            Ok(pair) => pair,
            Err(problem) => panic!("seed {seed}: the generated policy checks: {problem}"),
        };
        check_diff(&format!("seed {seed}"), &pair, &mut failures);
    }
    failures.check();
}

/// (a) for one pair.
fn check_diff(seed: &str, pair: &Pair, failures: &mut Failures) {
    {
        let (old, new) = (&pair.old_program, &pair.new_program);
        let report = match internals::search(old, new, None) {
            Ok(report) => report,
            Err(error) => panic!("seed {seed}: the search runs: {error}"),
        };
        let files = |case: &str| {
            vec![
                ("old.licit", pair.old_text.clone()),
                ("new.licit", pair.new_text.clone()),
                ("case.json", case.to_string()),
            ]
        };
        let mut reported = BTreeSet::new();
        for difference in &report.differences {
            let json = internals::value_json(old, &difference.case).to_string();
            if !keeps(&pair.old, &json) || !keeps(&pair.new, &json) {
                let files = files(&json);
                let files: Vec<(&str, &str)> =
                    files.iter().map(|(n, t)| (*n, t.as_str())).collect();
                failures.fail(
                    seed,
                    "a reported difference's witness breaks an assumption",
                    &files,
                    "licit diff old.licit new.licit --cases case.json",
                );
                continue;
            }
            let old_decision = decide(&pair.old, &json);
            let new_decision = decide(&pair.new, &json);
            let key = kind(old, &old_decision, new, &new_decision);
            if outcome(old, &old_decision) == outcome(new, &new_decision) {
                let files = files(&json);
                let files: Vec<(&str, &str)> =
                    files.iter().map(|(n, t)| (*n, t.as_str())).collect();
                failures.fail(
                    seed,
                    "a reported difference's witness is decided alike",
                    &files,
                    "licit diff old.licit new.licit --cases case.json",
                );
            }
            reported.insert(key);
        }
        if !report.approximations.is_empty() {
            return;
        }
        let mut missed = BTreeSet::new();
        for (json, _) in kept_cases(&[&pair.old, &pair.new], &pair.used) {
            let old_decision = decide(&pair.old, &json);
            let new_decision = decide(&pair.new, &json);
            if outcome(old, &old_decision) == outcome(new, &new_decision) {
                continue;
            }
            let key = kind(old, &old_decision, new, &new_decision);
            if !reported.contains(&key) && missed.insert(key.clone()) {
                let files = files(&json);
                let files: Vec<(&str, &str)> =
                    files.iter().map(|(n, t)| (*n, t.as_str())).collect();
                failures.fail(
                    seed,
                    &format!("the search misses the kind {key:?}"),
                    &files,
                    "licit diff old.licit new.licit --cases case.json --search",
                );
            }
        }
    }
}

/// An amended policy from the texts of its base (`old.licit`) and its amendment (`new.licit`).
fn load_amended(base: &str, amendment: &str) -> Result<Rulebook, String> {
    let files = MemoryFiles::new()
        .with("old.licit", base)
        .with("new.licit", amendment);
    Rulebook::from_files(&files, "new.licit").map_err(|problems| problems.text)
}

/// An amendment is a dated change: on every enumerated case the amended policy decides as its
/// base outside the amendment's dates and as the consolidated text (the changes written into
/// the base) on them — verdict, obligations and deciding rule — and `diff` between the base
/// and the amended policy reports every kind of difference the enumeration finds (a).
#[test]
fn amendments_are_dated_changes_and_diff_finds_what_they_change() {
    let mut failures = Failures::new();
    for seed in 0..seeds() {
        let mut generator = Generator::new(seed);
        let mut base = generator.model();
        base.asserts.clear();
        let amendment = generator.amendment(&base);
        let base_text = render(&base, "Old");
        let consolidated_text = render(&amendment.consolidated, "Consolidated");
        let label = format!("seed {seed} (amendment)");
        let consolidated = match load(&consolidated_text) {
            Ok(consolidated) => consolidated,
            Err(problem) => panic!("{label}: the consolidated text checks: {problem}"),
        };
        let pair = match pair_of(base_text.clone(), amendment.text.clone(), generator.used) {
            Ok(pair) => pair,
            Err(problem) => {
                panic!("{label}: the generated amendment checks: {problem}\n{base_text}")
            }
        };
        let consolidated_program = internals::program(&consolidated);
        let seen = |program: &Program, decision: &licit::Decision| {
            let rule = decision
                .decided_by
                .map(|r| program.policy.rules[r.index()].name.clone());
            (outcome(program, decision), rule)
        };
        for (json, on) in kept_cases(&[&pair.old, &pair.new], &pair.used) {
            let got = seen(&pair.new_program, &decide(&pair.new, &json));
            let expected = match amendment.holds_on(on) {
                true => seen(&consolidated_program, &decide(&consolidated, &json)),
                false => seen(&pair.old_program, &decide(&pair.old, &json)),
            };
            if got != expected {
                failures.fail(
                    &label,
                    &format!(
                        "the amended policy decides {got:?} where its {} decides {expected:?}",
                        if amendment.holds_on(on) { "consolidated text" } else { "base" }
                    ),
                    &[
                        ("old.licit", base_text.as_str()),
                        ("new.licit", amendment.text.as_str()),
                        ("consolidated.licit", consolidated_text.as_str()),
                        ("case.json", json.as_str()),
                    ],
                    "licit eval new.licit --case case.json; licit eval consolidated.licit --case case.json",
                );
                break;
            }
        }
        check_diff(&label, &pair, &mut failures);
    }
    failures.check();
}

/// (b) An assertion reported proven holds on every enumerated case; one reported broken has a
/// counterexample that breaks it.
#[test]
fn asserts_proven_hold_and_asserts_broken_break() {
    let mut failures = Failures::new();
    for seed in 0..seeds() {
        let mut generator = Generator::new(seed);
        let model = generator.model();
        if model.asserts.is_empty() {
            continue;
        }
        let text = render(&model, "Policy");
        check_asserts(
            &format!("seed {seed}"),
            &text,
            &generator.used,
            &mut failures,
        );
    }
    failures.check();
}

/// The assertions of a generated policy's text: `assert "aN"`, then its `when` and `expect`
/// lines.
fn asserts_of(text: &str) -> Vec<AssertModel> {
    let lines: Vec<&str> = text.lines().collect();
    let mut asserts = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if !line.starts_with("assert ") {
            continue;
        }
        let field = |name: &str| {
            lines[index + 1..]
                .iter()
                .take(2)
                .find_map(|l| l.trim().strip_prefix(name))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        asserts.push(AssertModel {
            when: vec![field("when ")],
            expect: field("expect "),
        });
    }
    asserts
}

/// The policy with probes: a rule per assertion that imposes `probe_N` where its `when` holds,
/// so that deciding a case says whether it is in the assertion's scope.
fn with_probes(text: &str, asserts: &[AssertModel]) -> String {
    let mut probed = String::new();
    for line in text.lines() {
        probed.push_str(line);
        probed.push('\n');
        if line == "obligation report" {
            for index in 0..asserts.len() {
                writeln!(probed, "obligation probe_{index}").ok();
            }
        }
    }
    for (index, assert) in asserts.iter().enumerate() {
        write!(
            probed,
            "\nrule probe_{index} \"Probe {index}\"\n  when {}\n  then probe_{index}\n",
            assert.when.join(" and ")
        )
        .ok();
    }
    probed
}

/// (b) for one policy.
fn check_asserts(seed: &str, text: &str, used: &Used, failures: &mut Failures) {
    {
        let asserts = asserts_of(text);
        let probed = with_probes(text, &asserts);
        let (Ok(rulebook), Ok(probe)) = (load(text), load(&probed)) else {
            panic!("{seed}: the generated policy checks:\n{probed}");
        };
        let program = internals::program(&rulebook);
        let probe_program = internals::program(&probe);
        let analysis = match internals::analyze(&program) {
            Ok(analysis) => analysis,
            Err(error) => panic!("seed {seed}: the analysis runs: {error}"),
        };
        // Whether a case breaks an assertion: in its scope, in force, and not allowed.
        let breaks = |index: usize, json: &str, on: Date| -> bool {
            if !probe_program.policy.in_force.contains(on) {
                return false;
            }
            let decision = decide(&probe, json);
            let policy = &probe_program.policy;
            let probe_name = format!("probe_{index}");
            let in_scope = decision
                .obligations
                .iter()
                .any(|o| policy.obligations[o.kind].name == probe_name);
            if !in_scope {
                return false;
            }
            let verdict = policy.verdicts[decision.verdict.index()].name.as_str();
            let rule = decision
                .decided_by
                .map(|r| policy.rules[r.index()].name.clone())
                .unwrap_or_default();
            let expect = &asserts[index].expect;
            match expect.strip_prefix("not decided by ") {
                Some(name) => rule == name,
                None => !expect.split(" or ").any(|allowed| allowed == verdict),
            }
        };
        let enumerated = kept_cases(&[&rulebook], used);
        for outcome in &analysis.asserts {
            let index = outcome.assert;
            match &outcome.counterexample {
                Some((case, on)) => {
                    let json = internals::value_json(&program, case).to_string();
                    if !breaks(index, &json, *on) {
                        failures.fail(
                            seed,
                            &format!("assert a{index} reported broken by a case that keeps it"),
                            &[("policy.licit", text), ("case.json", &json)],
                            "licit check --analyze policy.licit; licit eval policy.licit --case case.json",
                        );
                    }
                }
                None if analysis.approximations.is_empty() => {
                    if let Some((json, _)) = enumerated
                        .iter()
                        .find(|(json, on)| breaks(index, json, *on))
                    {
                        failures.fail(
                            seed,
                            &format!("assert a{index} reported proven, but a case breaks it"),
                            &[("policy.licit", text), ("case.json", json)],
                            "licit check --analyze policy.licit; licit eval policy.licit --case case.json",
                        );
                    }
                }
                None => {}
            }
        }
    }
}

/// (e) `decide`, `explain` and `--batch` agree; (f) `fmt` is idempotent and the formatted
/// policy decides every enumerated case alike.
#[test]
fn decide_explain_batch_and_the_formatted_policy_agree() {
    let mut failures = Failures::new();
    for seed in 0..seeds() / 2 {
        let pair = match pair(seed) {
            Ok(pair) => pair,
            Err(problem) => panic!("seed {seed}: the generated policy checks: {problem}"),
        };
        let label = format!("seed {seed}");
        let formatted = match internals::format(&pair.new_text) {
            Ok(formatted) => formatted,
            Err(_) => panic!(
                "seed {seed}: the generated policy parses:\n{}",
                pair.new_text
            ),
        };
        match internals::format(&formatted) {
            Ok(again) if again == formatted => {}
            _ => failures.fail(
                &label,
                "fmt is not idempotent",
                &[("policy.licit", &pair.new_text)],
                "licit fmt policy.licit && licit fmt --check policy.licit",
            ),
        }
        let Ok(reformatted) = load(&formatted) else {
            failures.fail(
                &label,
                "the formatted policy does not check",
                &[("policy.licit", &pair.new_text)],
                "licit fmt policy.licit && licit check policy.licit",
            );
            continue;
        };
        let enumerated = kept_cases(&[&pair.new], &pair.used);
        let mut batch_input = String::new();
        let mut explained = Vec::new();
        for (index, (json, _)) in enumerated.iter().enumerate() {
            let decision = decide(&pair.new, json);
            if format!("{decision:?}") != format!("{:?}", decide(&reformatted, json)) {
                failures.fail(
                    &label,
                    "the formatted policy decides a case otherwise",
                    &[("policy.licit", &pair.new_text), ("case.json", json)],
                    "licit fmt policy.licit && licit eval policy.licit --case case.json",
                );
                break;
            }
            // Explanations and the batch on every seventh case.
            if index % 7 != 0 {
                continue;
            }
            let Ok(explanation) = pair.new.explain(json) else {
                panic!("seed {seed}: the case fits: {json}");
            };
            let explanation = serde_json::to_value(&explanation).unwrap_or_default();
            let verdict = pair.new.verdict(&decision);
            let decided_by = pair.new.decided_by(&decision).map(|(name, _)| name);
            if explanation["verdict"]["kind"] != verdict
                || explanation["decided_by"]["rule"].as_str() != decided_by
                || explanation["obligations"].as_array().map(Vec::len)
                    != Some(decision.obligations.len())
            {
                failures.fail(
                    &label,
                    "decide and explain disagree",
                    &[("policy.licit", &pair.new_text), ("case.json", json)],
                    "licit eval policy.licit --case case.json --format json",
                );
            }
            batch_input.push_str(json);
            batch_input.push('\n');
            explained.push(explanation);
        }
        let mut out = Vec::new();
        pair.new.decide_batch(
            &mut batch_input.as_bytes(),
            &mut out,
            &licit::BatchOptions {
                as_of: None,
                explain: false,
                jobs: 2,
            },
        );
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_default())
            .collect();
        for (line, explanation) in lines.iter().zip(&explained) {
            for field in ["verdict", "decided_by", "obligations", "date"] {
                if line[field] != explanation[field] {
                    failures.fail(
                        &label,
                        &format!("--batch and explain disagree on `{field}`"),
                        &[
                            ("policy.licit", &pair.new_text),
                            ("cases.jsonl", &batch_input),
                        ],
                        "licit eval policy.licit --batch cases.jsonl",
                    );
                    break;
                }
            }
        }
        if lines.len() != explained.len() {
            failures.fail(
                &label,
                "--batch wrote another number of lines",
                &[
                    ("policy.licit", &pair.new_text),
                    ("cases.jsonl", &batch_input),
                ],
                "licit eval policy.licit --batch cases.jsonl",
            );
        }
    }
    failures.check();
}

/// (c) Every `--why-not` answer gives the verdict, changes only facts that change, and a
/// change of one fact (the date among them) is found whenever the enumeration has one.
#[test]
fn why_not_answers_flip_the_verdict_and_are_smallest() {
    let mut failures = Failures::new();
    for seed in 0..seeds() / 2 {
        let pair = match pair(seed) {
            Ok(pair) => pair,
            Err(problem) => panic!("seed {seed}: the generated policy checks: {problem}"),
        };
        check_why_not(&format!("seed {seed}"), &pair, 97, &mut failures);
    }
    failures.check();
}

/// (c) for the new policy of a pair, on every `step`th enumerated case.
fn check_why_not(seed: &str, pair: &Pair, step: usize, failures: &mut Failures) {
    let enumerated: Vec<(String, Date)> = kept_cases(&[&pair.new], &pair.used)
        .into_iter()
        .step_by(step)
        .collect();
    check_why_not_on(seed, pair, &enumerated, failures);
}

/// (c) for the new policy of a pair, on the given cases.
fn check_why_not_on(seed: &str, pair: &Pair, asked: &[(String, Date)], failures: &mut Failures) {
    {
        let (rulebook, program) = (&pair.new, &pair.new_program);
        let exact = match internals::analyze(program) {
            Ok(analysis) => analysis.approximations.is_empty(),
            Err(_) => false,
        };
        let dates = case_dates(&pair.used);
        for (json, on) in asked {
            let Ok(case) = internals::decode_case(program, json) else {
                panic!("seed {seed}: the case fits: {json}");
            };
            let current = decide(rulebook, json).verdict.index();
            for verdict in 0..program.policy.verdicts.len() {
                if verdict == current {
                    continue;
                }
                let name = program.policy.verdicts[verdict].name.clone();
                let files = [
                    ("policy.licit", pair.new_text.as_str()),
                    ("case.json", json),
                ];
                let command = format!("licit eval policy.licit --case case.json --why-not {name}");
                let answers = match internals::why_not(program, &case, *on, verdict, None) {
                    Ok(answers) => answers,
                    Err(error) => panic!("seed {seed}: why-not runs: {error}"),
                };
                for (changes, changed) in &answers {
                    let changed_json = internals::value_json(program, changed).to_string();
                    if !keeps(rulebook, &changed_json) {
                        failures.fail(
                            seed,
                            &format!("a why-not answer breaks an assumption: {changes:?}"),
                            &files,
                            &command,
                        );
                        continue;
                    }
                    let gives = gives(rulebook, &changed_json, verdict);
                    let original: serde_json::Value =
                        serde_json::from_str(json).unwrap_or_default();
                    let no_op = changes.iter().any(|change| {
                        let to = internals::value_json(program, &change.to);
                        original.get(&change.fact) == Some(&to)
                    });
                    if !gives || no_op {
                        failures.fail(
                            seed,
                            &format!("a why-not answer does not flip the verdict, or changes nothing: {changes:?}"),
                            &files,
                            &command,
                        );
                    }
                }
                if !exact
                    || answers
                        .first()
                        .is_some_and(|(changes, _)| changes.len() == 1)
                {
                    continue;
                }
                // A change of one fact the enumeration knows of.
                let original: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
                let mut single = None;
                for other in &dates {
                    let mut changed = original.clone();
                    changed["date"] = serde_json::Value::String(other.to_string());
                    single = single.or_else(|| {
                        let text = changed.to_string();
                        gives(rulebook, &text, verdict).then_some(text)
                    });
                }
                for &fact in &pair.used.facts {
                    for value in fact_values(&pair.used, fact, *on) {
                        let mut changed = original.clone();
                        changed[field_name(fact)] =
                            serde_json::from_str(&value).unwrap_or_default();
                        let text = changed.to_string();
                        if single.is_none() && gives(rulebook, &text, verdict) {
                            single = Some(text);
                        }
                    }
                }
                if let Some(text) = single {
                    failures.fail(
                        seed,
                        &format!(
                            "why-not finds no change of one fact, but this one gives {name}: {text}"
                        ),
                        &files,
                        &command,
                    );
                }
            }
        }
    }
}

/// Whether a case keeps the policy's assumptions and is given the verdict.
fn gives(rulebook: &Rulebook, json: &str, verdict: usize) -> bool {
    rulebook
        .decide(json)
        .is_ok_and(|decision| decision.verdict.index() == verdict)
}

/// Every test case of the shipped policies that `diff --cases` reports changed falls in a kind
/// of difference the search reports.
#[test]
fn every_changed_test_case_of_the_shipped_policies_falls_in_a_reported_kind() {
    let Ok(()) = std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")) else {
        panic!("the package's folder exists");
    };
    let pairs = [
        ("policies/eu/dual-use", "policies/eu/proposal-2016"),
        (
            "policies/examples/cyber-catch-all",
            "tests/commands/diff/amendment",
        ),
    ];
    for (old_path, new_path) in pairs {
        let (Ok(old), Ok(new)) = (Rulebook::load(old_path), Rulebook::load(new_path)) else {
            panic!("`{old_path}` and `{new_path}` check");
        };
        let (old_program, new_program) = (internals::program(&old), internals::program(&new));
        let report = match internals::search(&old_program, &new_program, None) {
            Ok(report) => report,
            Err(error) => panic!("the search runs: {error}"),
        };
        let reported: BTreeSet<Vec<String>> = report
            .differences
            .iter()
            .map(|difference| {
                let json = internals::value_json(&old_program, &difference.case).to_string();
                kind(
                    &old_program,
                    &decide(&old, &json),
                    &new_program,
                    &decide(&new, &json),
                )
            })
            .collect();
        let mut cases = Vec::new();
        for program in [&old_program, &new_program] {
            for test in &program.policy.tests {
                if let Some(given) = &test.given {
                    let value = program.constant_value(given);
                    cases.push((
                        test.name.clone(),
                        internals::value_json(program, &value).to_string(),
                    ));
                }
            }
        }
        let mut missed = Vec::new();
        for (name, json) in &cases {
            let (Ok(old_decision), Ok(new_decision)) = (old.decide(json), new.decide(json)) else {
                continue;
            };
            if outcome(&old_program, &old_decision) == outcome(&new_program, &new_decision) {
                continue;
            }
            let key = kind(&old_program, &old_decision, &new_program, &new_decision);
            if !reported.contains(&key) {
                missed.push(format!("test \"{name}\": {key:?}"));
            }
        }
        assert!(
            missed.is_empty(),
            "`licit diff {old_path} {new_path}` misses the kinds of these test cases:\n{}",
            missed.join("\n")
        );
    }
}

/// (d) Every finding of `check --analyze` that has a witness is shown by it: the rule's fate in
/// the witness's explanation is the one the finding names.
#[test]
fn every_finding_is_shown_by_its_witness() {
    let mut failures = Failures::new();
    let mut witnessed = 0;
    for seed in 0..seeds() {
        let mut generator = Generator::new(seed);
        let model = generator.model();
        let text = render(&model, "Policy");
        witnessed += check_findings(&format!("seed {seed}"), &text, &mut failures);
    }
    assert!(witnessed > 0, "the generator makes findings with witnesses");
    failures.check();
}

/// (d) for one policy: how many findings had a witness.
fn check_findings(seed: &str, text: &str, failures: &mut Failures) -> usize {
    let mut witnessed = 0;
    {
        let Ok(rulebook) = load(text) else {
            panic!("seed {seed}: the generated policy checks:\n{text}");
        };
        let program = internals::program(&rulebook);
        let analysis = match internals::analyze(&program) {
            Ok(analysis) => analysis,
            Err(error) => panic!("seed {seed}: the analysis runs: {error}"),
        };
        for finding in &analysis.findings {
            let Some((case, _)) = &finding.witness else {
                continue;
            };
            witnessed += 1;
            let json = internals::value_json(&program, case).to_string();
            let Ok(explanation) = rulebook.explain(&json) else {
                panic!("seed {seed}: the witness fits: {json}");
            };
            let explanation = serde_json::to_value(&explanation).unwrap_or_default();
            let status = |rule: usize| {
                let name = &program.policy.rules[rule].name;
                explanation["explanation"]
                    .as_array()
                    .and_then(|rules| rules.iter().find(|r| r["rule"] == name.as_str()))
                    .and_then(|r| r["status"].as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let decided_by = explanation["decided_by"]["rule"].as_str().unwrap_or("");
            let name = program.policy.rules[finding.rule].name.as_str();
            let other = finding.other.map(status).unwrap_or_default();
            let kind = internals::FindingKind::name(finding.kind);
            let shown = match kind {
                "exception_never_bites" => status(finding.rule) == "base_not_applicable",
                "redundant" | "conflict" => status(finding.rule) == "applied" && other == "applied",
                "always_masked" => {
                    matches!(status(finding.rule).as_str(), "applied" | "suppressed")
                        && decided_by != name
                }
                _ => true,
            };
            if !shown {
                failures.fail(
                    seed,
                    &format!("the witness of `{kind}` of `{name}` does not show it"),
                    &[("policy.licit", text), ("case.json", &json)],
                    "licit check --analyze policy.licit; licit eval policy.licit --case case.json",
                );
            }
        }
    }
    witnessed
}

/// The values a policy's conditions mention, read back from its text as the generator writes
/// it: the facts it reads, its dates (each also as a date `case.start` is compared with), the
/// durations added to `case.start`, the ints `case.n` is compared with and the amounts added
/// to it, and the quoted texts of conditions on `case.name`.
fn used_from_text(texts: &[&str]) -> Used {
    let mut used = Used::default();
    for text in texts {
        for (fact, name) in [
            (Fact::Kind, "case.kind"),
            (Fact::Flag, "case.flag"),
            (Fact::Name, "case.name"),
            (Fact::Start, "case.start"),
            (Fact::N, "case.n"),
            (Fact::V, "case.v"),
            (Fact::Kind2, "case.kind2"),
            (Fact::M, "case.m"),
            (Fact::Licences, "case.licences"),
            (Fact::Kinds, "case.kinds"),
        ] {
            if text.contains(name) {
                used.facts.insert(fact);
            }
        }
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || "(),{}".contains(c))
            .collect();
        for (index, word) in words.iter().enumerate() {
            if Date::parse(word).is_ok() {
                used.dates.insert(word.to_string());
                if index >= 2 && words[index - 2] == "case.start" {
                    used.start_dates.insert(word.to_string());
                }
            }
        }
        for duration in DURATIONS {
            if text.contains(&format!("case.start + {duration}"))
                || text.contains(&format!("case.date - {duration}"))
            {
                used.durations.insert(duration.to_string());
            }
        }
        used.assumes |= text.contains("\nassume ");
        for line in text.lines() {
            if [
                "end_of_year(",
                "(if ",
                "starts_with(\"",
                "case.start <= case.date",
            ]
            .iter()
            .any(|construct| line.contains(construct))
            {
                note_approximated(&mut used, line);
            }
        }
        for line in text.lines() {
            if line.starts_with("set names") {
                for (index, part) in line.split('"').enumerate() {
                    if index % 2 == 1 {
                        used.texts.insert(part.to_string());
                    }
                }
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if line.starts_with("const cutoff") || line.starts_with("change const cutoff") {
                used.start_dates.extend(
                    words
                        .iter()
                        .filter(|w| Date::parse(w.trim_matches(',')).is_ok())
                        .map(|w| w.trim_matches(',').to_string()),
                );
            }
            for window in words.windows(6) {
                if let ["case.start", "+", count, unit, _, on] = window {
                    let on = on.trim_matches(')');
                    if Date::parse(on).is_ok() {
                        used.start_shifts
                            .insert((on.to_string(), format!("{count} {unit}")));
                    }
                }
            }
        }
        for line in text.lines() {
            if line.contains("case.name") {
                for (index, part) in line.split('"').enumerate() {
                    if index % 2 == 1 {
                        used.texts.insert(part.to_string());
                    }
                }
            }
            let mut rest = line;
            while let Some(at) = rest.find("case.n ") {
                let words: Vec<&str> = rest[at + 7..].split_whitespace().take(4).collect();
                let number = |word: &str| {
                    word.trim_matches(|c: char| !c.is_ascii_digit() && c != '-')
                        .parse::<i64>()
                        .ok()
                };
                match words.as_slice() {
                    [sign @ ("+" | "-"), amount, _, int, ..] => {
                        if let (Some(amount), Some(int)) = (number(amount), number(int)) {
                            used.offsets
                                .insert(if *sign == "-" { -amount } else { amount });
                            used.ints.insert(int);
                        }
                    }
                    [_, int, ..] => used.ints.extend(number(int)),
                    _ => {}
                }
                rest = &rest[at + 7..];
            }
            let mut rest = line;
            while let Some(at) = rest.find("case.v ") {
                let words: Vec<&str> = rest[at + 7..].split_whitespace().take(4).collect();
                let number = |word: &str| {
                    decimal(
                        word.trim_matches(|c: char| !c.is_ascii_digit() && c != '-' && c != '.'),
                    )
                };
                match words.as_slice() {
                    [sign @ ("+" | "-"), amount, _, constant, ..] => {
                        if let (Some(amount), Some(constant)) = (number(amount), number(constant)) {
                            used.decimal_offsets.insert(if *sign == "-" {
                                -amount
                            } else {
                                amount
                            });
                            used.decimals.insert(constant);
                        }
                    }
                    [_, constant, ..] => used.decimals.extend(number(constant)),
                    _ => {}
                }
                rest = &rest[at + 7..];
            }
        }
    }
    used
}

/// The generated policies the suite once failed on, kept as they were written in
/// `tests/soundness/regressions/<name>/`: `old.licit` and `new.licit` (a pair: the diff) or
/// `policy.licit` (the assertions and the findings), each checked as a generated one is, over
/// the values read back from its text; and `--why-not` on the cases `case-0.json`, `case-1.json`
/// … beside them.
#[test]
fn the_policies_the_suite_once_failed_on_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/soundness/regressions");
    let Ok(entries) = std::fs::read_dir(&root) else {
        panic!("{} exists", root.display());
    };
    let mut dirs: Vec<std::path::PathBuf> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "the regressions are kept");
    let mut failures = Failures::new();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let label = format!("regression {name}");
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok();
        // The cases `--why-not` is asked about, where the failure was one of `--why-not`.
        let mut asked: Vec<(String, Date)> = Vec::new();
        for index in 0.. {
            let Some(json) = read(&format!("case-{index}.json")) else {
                break;
            };
            let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            let on = date(value["date"].as_str().unwrap_or(""));
            asked.push((json, on));
        }
        match (read("policy.licit"), read("old.licit"), read("new.licit")) {
            (Some(text), _, _) => {
                let used = used_from_text(&[&text]);
                check_asserts(&label, &text, &used, &mut failures);
                check_findings(&label, &text, &mut failures);
                match pair_of(text.clone(), text, used) {
                    Ok(pair) => check_why_not_on(&label, &pair, &asked, &mut failures),
                    Err(problem) => panic!("{label}: the policy checks: {problem}"),
                }
            }
            (None, Some(old), Some(new)) => {
                let used = used_from_text(&[&old, &new]);
                match pair_of(old, new, used) {
                    Ok(pair) => {
                        check_diff(&label, &pair, &mut failures);
                        check_why_not_on(&label, &pair, &asked, &mut failures);
                    }
                    Err(problem) => panic!("{label}: the policies check: {problem}"),
                }
            }
            _ => panic!("{label}: holds policy.licit, or old.licit and new.licit"),
        }
    }
    failures.check();
}
