//! `licit init NAME`: a new policy folder — a header, an input, verdicts, one rule, its tests, a
//! case to try, a README and a CI snippet — that passes `check`, `test` and `fmt --check` as
//! created (tests/init.rs runs all three on a fresh folder).

use std::path::Path;

use super::args::InitArgs;
use super::{CliError, Exit, print_note, print_plain};

/// Runs `licit init`.
pub fn run(args: &InitArgs) -> Exit {
    let folder = &args.name;
    let shown = folder.display().to_string();
    match std::fs::read_dir(folder) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                print_plain(&CliError::InitNotEmpty { path: shown });
                return Exit::Usage;
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            // A link to nothing: the name is taken, and following it would write elsewhere.
            if let Ok(target) = std::fs::read_link(folder) {
                let reason = format!(
                    "it is a link to `{}`, which does not exist",
                    target.display()
                );
                print_plain(&CliError::CannotWrite {
                    what: "a new policy",
                    dir: shown,
                    reason,
                });
                return Exit::Usage;
            }
        }
        Err(error) => {
            // A file, or a folder that cannot be listed: never written over.
            let reason = match folder.is_file() {
                true => "it is a file".to_string(),
                false => crate::project::io_reason(&error),
            };
            print_plain(&CliError::CannotWrite {
                what: "a new policy",
                dir: shown,
                reason,
            });
            return Exit::Usage;
        }
    }
    let title = title_of(folder);
    let files = [
        ("policy.licit", policy_text(&title)),
        ("case.json", CASE.to_string()),
        ("README.md", readme_text(&title, &shown)),
        ("licit-ci.yml", ci_text(&shown)),
    ];
    let written = std::fs::create_dir_all(folder).and_then(|()| {
        files
            .iter()
            .try_for_each(|(name, text)| std::fs::write(folder.join(name), text))
    });
    if let Err(error) = written {
        print_plain(&CliError::CannotWrite {
            what: "a new policy",
            dir: shown,
            reason: crate::project::io_reason(&error),
        });
        return Exit::Invalid;
    }
    print_note(&format!(
        "created {shown}: try `licit test {shown}` and `licit eval {shown} --case {}`",
        folder.join("case.json").display()
    ));
    Exit::Ok
}

/// The policy's title: the folder's last part, its dashes and underscores as spaces.
fn title_of(folder: &Path) -> String {
    let name = folder
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "new policy".to_string());
    let words: String = name
        .chars()
        .map(|c| match c {
            '-' | '_' => ' ',
            // A title is a string of the language: no quote, backslash or control character.
            '"' | '\\' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    match words.is_empty() {
        true => "new policy".to_string(),
        false => words,
    }
}

fn policy_text(title: &str) -> String {
    format!(
        r#"# {title}: a licit policy. Replace the rule and tests below with your own; the language is
# described in docs/language.md of licit.

policy "{title}"
  source "https://example.org/the-text-of-the-rules"
  in force from 2025-01-01

# A case, as JSON: `licit schema` prints its JSON Schema.
input Case {{
  # The day of the act: it picks the rules in force.
  date: date
  # The value of the goods, in euros.
  value: int
}}

verdicts licence_required > no_licence_required
otherwise no_licence_required

rule high_value "Article 1"
  when case.value > 10000
  then licence_required
  because "goods worth {{case.value}} euros, more than 10000, need a licence"

test "goods worth more than 10000 euros need a licence" {{
  given {{ date: 2025-06-01, value: 20000 }}
  expect licence_required
  expect decided by high_value
}}

test "goods worth 10000 euros or less need none" {{
  given {{ date: 2025-06-01, value: 10000 }}
  expect no_licence_required
  expect not applied high_value
}}
"#
    )
}

const CASE: &str = r#"{
  "date": "2025-06-01",
  "value": 20000
}
"#;

fn readme_text(title: &str, folder: &str) -> String {
    format!(
        r#"# {title}

A licit policy: `policy.licit` states the rules and their tests; `case.json` is a case to try.

```
licit check {folder}              # parse and type-check
licit test {folder}               # run the tests
licit fmt --check {folder}        # is it in the canonical layout? (`licit fmt` rewrites it)
licit eval {folder} --case {folder}/case.json
licit schema {folder}             # the JSON Schema of its cases
```

`licit-ci.yml` is a GitHub Actions workflow that runs the three checks on every push and pull
request: copy it to `.github/workflows/` of the repository.
"#
    )
}

fn ci_text(folder: &str) -> String {
    format!(
        r#"# A GitHub Actions workflow for this policy: copy it to .github/workflows/licit.yml.
name: licit
on: [push, pull_request]
jobs:
  policy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@stable
      # Where licit comes from: the repository of your copy of licit (replace OWNER).
      - run: cargo install --locked --git https://github.com/OWNER/licit licit
      - run: licit check --analyze --deny-warnings {folder}
      - run: licit test --min-coverage 100 {folder}
      - run: licit fmt --check {folder}
"#
    )
}
