//! The two case readers agree: every case the one-pass reader (`decode_case_fast`) accepts, the
//! careful reader with its JSON tree (`decode_case_careful`) reads to the same value, over the
//! example policy's case files. The `case` fuzz target checks the same on arbitrary input.

use std::path::PathBuf;
use std::sync::Arc;

use licit::MemoryFiles;
use licit::internals::{Program, decode_case_careful, decode_case_fast, load_and_check};

fn program() -> Program {
    let text = std::fs::read_to_string("policies/examples/cyber-catch-all/policy.licit")
        .unwrap_or_default();
    let files = MemoryFiles::new().with("policy.licit", text);
    let Ok(result) = load_and_check(&files, "policy.licit".as_ref()) else {
        panic!("the example policy loads");
    };
    let Some(policy) = result.checked else {
        panic!("the example policy checks");
    };
    Program::lower(Arc::clone(&policy), &[])
}

#[test]
fn the_readers_agree_on_the_case_files() {
    let program = program();
    let mut paths: Vec<PathBuf> = ["examples", "tests/cases"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().flatten())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    let mut fast_read = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let careful = decode_case_careful(&program, &text);
        // The fast reader gives up on anything unusual; the careful one explains it.
        if let Some(fast) = decode_case_fast(&program, &text) {
            fast_read += 1;
            let Ok(careful) = careful else {
                panic!("{}: only the fast reader reads it", path.display());
            };
            assert_eq!(
                format!("{fast:?}"),
                format!("{careful:?}"),
                "{}",
                path.display()
            );
        }
    }
    // Both kinds are there: cases the fast reader reads, and bad ones it leaves.
    assert!(fast_read >= 5, "{fast_read} of {} read fast", paths.len());
    assert!(fast_read < paths.len());
}
