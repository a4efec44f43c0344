//! Two small policies (the input's bytes split at the first NUL byte) through `diff`'s search
//! and `check --analyze`: when both check, neither panics, and a search of a policy with itself
//! finds no difference.

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use licit::MemoryFiles;
use licit::internals::{Program, analyze, load_and_check, search};

/// Policies longer than this are skipped: the searches stay within the time libFuzzer allows.
const MAX_POLICY_BYTES: usize = 2048;

fn program(text: &str) -> Option<Program> {
    let files = MemoryFiles::new().with("policy.licit", text);
    let policy = load_and_check(&files, "policy.licit".as_ref())
        .ok()?
        .checked?;
    Some(Program::lower(Arc::clone(&policy), &[]))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (old, new) = text.split_once('\0').unwrap_or((text, text));
    if old.len() > MAX_POLICY_BYTES || new.len() > MAX_POLICY_BYTES {
        return;
    }
    let Some(old) = program(old) else {
        return;
    };
    let _ = analyze(&old);
    if let Ok(report) = search(&old, &old, None) {
        assert!(
            report.differences.is_empty(),
            "a policy differs from itself: {:?}",
            report
                .differences
                .first()
                .map(|d| (&d.old_outcome, &d.new_outcome))
        );
    }
    let Some(new) = program(new) else {
        return;
    };
    let _ = search(&old, &new, None);
});
