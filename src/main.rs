//! The `licit` command: hands over to the library's command line.

fn main() -> std::process::ExitCode {
    licit::run_cli()
}
