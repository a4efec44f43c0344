//! `licit lsp`: the language server, over standard input and output.

use super::{CliError, Exit, print_plain};

/// Runs the language server until the editor shuts it down.
pub fn run() -> Exit {
    match crate::lsp::run() {
        Ok(()) => Exit::Ok,
        Err(reason) => {
            print_plain(&CliError::Lsp { reason });
            Exit::Invalid
        }
    }
}
