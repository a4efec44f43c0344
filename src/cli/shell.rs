//! `licit completions` and `licit man`: the shell completion scripts and the manual page, both
//! generated from the clap definition of the command line, so they cannot drift from it.

use clap::CommandFactory;

use super::args::{Cli, Shell};
use super::{Exit, print_out};

/// Prints the completion script of a shell.
pub fn completions(shell: Shell) -> Exit {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "licit", &mut script);
    print_out(&String::from_utf8_lossy(&script));
    Exit::Ok
}

/// Prints the manual page of `licit`, in roff, with a section for each subcommand.
pub fn man() -> Exit {
    let command = Cli::command();
    let mut page = Vec::new();
    let mut rendered = clap_mangen::Man::new(command.clone()).render(&mut page);
    for subcommand in command.get_subcommands() {
        let name = format!("licit-{}", subcommand.get_name());
        let sub = subcommand.clone().display_name(name);
        page.extend_from_slice(b".bp\n");
        rendered = rendered.and_then(|()| clap_mangen::Man::new(sub).render(&mut page));
    }
    match rendered {
        Ok(()) => {
            print_out(&String::from_utf8_lossy(&page));
            Exit::Ok
        }
        Err(error) => {
            super::print_plain(&super::CliError::Output {
                reason: error.to_string(),
            });
            Exit::Invalid
        }
    }
}
