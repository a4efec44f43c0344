//! `licit serve`: the arguments, into the service of `crate::serve`.

use std::path::PathBuf;
use std::time::Duration;

use super::args::ServeArgs;
use super::{CliError, Exit, checked_policy, parse_params, print_plain};
use crate::check::ir::Policy;
use crate::serve::{ServeOptions, StartError, run as serve};

/// Runs `licit serve` until SIGTERM or ctrl-c.
pub fn run(args: &ServeArgs) -> Exit {
    // Each policy is checked first as `licit check` does, its problems drawn as there.
    let mut policies = Vec::new();
    for path in &args.paths {
        match checked_policy(path, false) {
            Ok(checked) => policies.push(checked.policy),
            Err(exit) => return exit,
        }
    }
    let params = match served_params(&policies, &args.params) {
        Ok(params) => params,
        Err(error) => {
            print_plain(&error);
            return Exit::Usage;
        }
    };
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
        params,
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

/// Reads `--param name=value` as `licit eval` does (the same parsing and diagnostics), for
/// every served policy that declares `name`: a value one of them cannot take, or a name none
/// declares, is a usage error. The pairs as given, trimmed, for the service to set.
fn served_params(
    policies: &[std::sync::Arc<Policy>],
    params: &[String],
) -> Result<Vec<(String, String)>, CliError> {
    let mut pairs = Vec::new();
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            return Err(CliError::ParamForm {
                argument: param.clone(),
            });
        };
        let name = name.trim();
        let declaring: Vec<&std::sync::Arc<Policy>> = policies
            .iter()
            .filter(|policy| policy.params.iter().any(|p| p.name == name))
            .collect();
        match declaring.is_empty() {
            // None declares it: the first policy's diagnostic, with its closest name.
            true => {
                if let Some(first) = policies.first() {
                    parse_params(first, std::slice::from_ref(param))?;
                }
            }
            false => {
                for policy in declaring {
                    parse_params(policy, std::slice::from_ref(param))?;
                }
            }
        }
        pairs.push((name.to_string(), value.trim().to_string()));
    }
    Ok(pairs)
}
