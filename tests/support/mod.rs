//! Helpers shared by the integration suites that run the binary on a copy of a policy
//! (`mod support;` in `serve.rs` and `receipts.rs`).

use std::path::{Path, PathBuf};

/// A fresh copy of the cyber catch-all example (`policies/examples/cyber-catch-all`) in a
/// temporary folder of its own, named by the suite and the test: the copy's folder
/// `ROOT/cyber-catch-all`.
#[expect(
    clippy::expect_used,
    reason = "a test's helper should stop loudly when a file fails"
)]
pub fn copy_of_example(suite: &str, name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("licit-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let policy = root.join("cyber-catch-all");
    std::fs::create_dir_all(&policy).expect("a temporary folder");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/examples/cyber-catch-all");
    for file in ["policy.licit", "tests.licit"] {
        std::fs::copy(example.join(file), policy.join(file)).expect("the example copies");
    }
    policy
}
