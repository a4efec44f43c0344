//! `licit serve`: the arguments, into the service of `crate::serve`.

use std::path::PathBuf;
use std::time::Duration;

use super::args::ServeArgs;
use super::{Exit, checked_policy};
use crate::serve::{ServeOptions, StartError, run as serve};

/// Runs `licit serve` until SIGTERM or ctrl-c.
pub fn run(args: &ServeArgs) -> Exit {
    // Each policy is checked first as `licit check` does, its problems drawn as there.
    for path in &args.paths {
        if let Err(exit) = checked_policy(path, false) {
            return exit;
        }
    }
    let examples = args.examples.clone().or_else(|| {
        let default = PathBuf::from("examples");
        default.is_dir().then_some(default)
    });
    let options = ServeOptions {
        paths: args.paths.clone(),
        addr: args.addr,
        examples,
        decision_log: args.decision_log.clone(),
        search_timeout: Duration::from_secs(args.search_timeout.max(1)),
        body_limit: args.body_limit.max(1024),
    };
    match serve(options) {
        Ok(()) => Exit::Ok,
        Err(StartError::Policy(diagnostics)) => {
            for diagnostic in diagnostics {
                eprintln!("error[{}]: {}", diagnostic.code, diagnostic.message);
            }
            Exit::Invalid
        }
        Err(StartError::Other(reason)) => {
            eprintln!("error: {reason}");
            Exit::Invalid
        }
    }
}
