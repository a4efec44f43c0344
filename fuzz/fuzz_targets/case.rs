//! Arbitrary bytes as a JSON case for the example policy: `decide` and `explain` never panic
//! and agree, and the two case readers (one pass, and the careful one with a JSON tree) agree
//! on every case the one-pass reader accepts, also when it reuses the records of the case
//! before. The one-pass reader takes bytes not known to be UTF-8 (a batch's line): it accepts
//! only bytes that are.

#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use licit::internals::{Program, decode_case_bytes_fast, decode_case_careful, recycle_case};
use licit::{MemoryFiles, Rulebook};

const POLICY: &str = include_str!("../../policies/examples/cyber-catch-all/policy.licit");

fn files() -> MemoryFiles {
    MemoryFiles::new().with("policy.licit", POLICY)
}

static RULEBOOK: LazyLock<Rulebook> = LazyLock::new(|| {
    Rulebook::from_files(&files(), "policy.licit").unwrap_or_else(|_| panic!("the policy checks"))
});

static PROGRAM: LazyLock<Program> = LazyLock::new(|| {
    let result = licit::internals::load_and_check(&files(), "policy.licit".as_ref())
        .unwrap_or_else(|_| panic!("the policy loads"));
    let policy = result
        .checked
        .unwrap_or_else(|| panic!("the policy checks"));
    Program::lower(Arc::clone(&policy), &[])
});

fuzz_target!(|data: &[u8]| {
    let fast = decode_case_bytes_fast(&PROGRAM, data);
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(fast.is_none(), "the one-pass reader reads bytes that are not UTF-8");
        return;
    };
    if let Some(fast) = fast {
        let careful = match decode_case_careful(&PROGRAM, text) {
            Ok(careful) => careful,
            Err(errors) => {
                panic!("the careful reader refuses a case the fast one reads: {errors:?}")
            }
        };
        assert_eq!(
            format!("{fast:?}"),
            format!("{careful:?}"),
            "the readers disagree"
        );
        // Its records are filled in again by the next case read (as a batch does): a reused
        // record must hold nothing of the case before.
        recycle_case(fast);
    }
    let decided = RULEBOOK.decide(text);
    let explained = RULEBOOK.explain(text);
    match (decided, explained) {
        (Ok(decision), Ok(explanation)) => {
            assert_eq!(RULEBOOK.verdict(&decision), explanation.verdict.kind);
        }
        (Err(_), Err(_)) => {}
        (decided, explained) => panic!(
            "decide and explain disagree: decide ok {}, explain ok {}",
            decided.is_ok(),
            explained.is_ok()
        ),
    }
});
