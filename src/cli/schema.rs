//! `licit schema`: print the JSON Schema of a policy's cases (docs/schema.md).

use super::args::SchemaArgs;
use super::{Exit, checked_policy, print_out, program};
use crate::report::schema::case_schema;

/// Runs `licit schema`.
pub fn run(args: &SchemaArgs) -> Exit {
    let checked = match checked_policy(&args.path, false) {
        Ok(checked) => checked,
        Err(exit) => return exit,
    };
    let schema = case_schema(&program(&checked.policy, &[]));
    print_out(&format!(
        "{}\n",
        serde_json::to_string_pretty(&schema).unwrap_or_default()
    ));
    Exit::Ok
}
