//! `licit init`: a fresh policy folder passes `check`, `test` (with full coverage) and
//! `fmt --check` as created, decides its own example case, and `init` writes over nothing.
//! Also the generated shell integration: completions for each shell and the manual page.

use std::path::{Path, PathBuf};
use std::process::Command;

fn licit(args: &[&str], folder: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_licit"))
        .args(args)
        .current_dir(folder)
        .output();
    match output {
        Ok(output) => (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ),
        Err(error) => panic!("the licit binary runs: {error}"),
    }
}

/// A new empty folder under the system's temporary folder, for one test.
fn scratch(test: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("licit-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    if let Err(error) = std::fs::create_dir_all(&folder) {
        panic!("cannot create {}: {error}", folder.display());
    }
    folder
}

#[test]
fn a_new_policy_checks_tests_and_is_formatted_as_created() {
    let folder = scratch("init");
    let (code, _, stderr) = licit(&["init", "my-policy"], &folder);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("created my-policy"), "{stderr}");
    for file in ["policy.licit", "case.json", "README.md", "licit-ci.yml"] {
        assert!(
            folder.join("my-policy").join(file).is_file(),
            "{file} is created"
        );
    }
    let runs: [&[&str]; 5] = [
        &["check", "--analyze", "--deny-warnings", "my-policy"],
        &["test", "--min-coverage", "100", "my-policy"],
        &["fmt", "--check", "my-policy"],
        &["eval", "my-policy", "--case", "my-policy/case.json"],
        &["schema", "my-policy"],
    ];
    for args in runs {
        let (code, stdout, stderr) = licit(args, &folder);
        assert_eq!(code, 0, "licit {args:?}:\n{stdout}\n{stderr}");
    }
    let (_, stdout, _) = licit(&["test", "my-policy"], &folder);
    assert!(stdout.contains("2 passed, 0 failed"), "{stdout}");
    let (_, stdout, _) = licit(
        &["eval", "my-policy", "--case", "my-policy/case.json"],
        &folder,
    );
    assert!(stdout.starts_with("licence_required"), "{stdout}");
    // A second init writes over nothing: the folder is not empty now.
    let before = std::fs::read_to_string(folder.join("my-policy/policy.licit")).unwrap_or_default();
    let (code, _, stderr) = licit(&["init", "my-policy"], &folder);
    assert_eq!(code, 2);
    assert!(stderr.contains("licit::init::not_empty"), "{stderr}");
    let after = std::fs::read_to_string(folder.join("my-policy/policy.licit")).unwrap_or_default();
    assert_eq!(before, after);
    // Nor over a file.
    let _ = std::fs::write(folder.join("a-file"), "kept");
    let (code, _, stderr) = licit(&["init", "a-file"], &folder);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(folder.join("a-file")).unwrap_or_default(),
        "kept"
    );
    // Nor through a link to nothing (it would write wherever the link points).
    #[cfg(unix)]
    {
        let _ = std::os::unix::fs::symlink(folder.join("nowhere"), folder.join("a-link"));
        let (code, _, stderr) = licit(&["init", "a-link"], &folder);
        assert_eq!(code, 2, "{stderr}");
        // The message wraps at the terminal width wherever the folder's name puts it.
        assert!(stderr.contains("licit::io::cannot_write"), "{stderr}");
        let words: Vec<&str> = stderr
            .split_whitespace()
            .filter(|word| *word != "│")
            .collect();
        assert!(words.join(" ").contains("which does not exist"), "{stderr}");
        assert!(!folder.join("nowhere").exists());
    }
    // An empty folder is filled.
    let _ = std::fs::create_dir(folder.join("empty"));
    assert_eq!(licit(&["init", "empty"], &folder).0, 0);
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn completions_name_every_subcommand_in_each_shell() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, stdout, stderr) = licit(&["completions", shell], here);
        assert_eq!(code, 0, "{shell}: {stderr}");
        for subcommand in [
            "check", "eval", "test", "fmt", "diff", "schema", "init", "man",
        ] {
            assert!(
                stdout.contains(subcommand),
                "{shell} completes `{subcommand}`"
            );
        }
        assert!(stdout.contains("color"), "{shell} completes `--color`");
    }
    let (code, _, _) = licit(&["completions", "tcsh"], here);
    assert_eq!(code, 2, "an unknown shell is a usage error");
}

#[test]
fn the_manual_page_is_roff_with_a_section_per_subcommand() {
    let (code, stdout, stderr) = licit(&["man"], Path::new(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &stdout[..80.min(stdout.len())]
    );
    assert!(stdout.contains(".TH licit 1"), "the page is titled");
    for subcommand in ["check", "eval", "test", "fmt", "diff", "schema", "init"] {
        assert!(
            stdout.contains(&format!(".TH licit-{subcommand} 1")),
            "a section for `{subcommand}`"
        );
    }
}
