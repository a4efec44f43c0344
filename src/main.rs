//! The `licit` command: parses arguments and hands over to `licit::cli`.

fn main() -> std::process::ExitCode {
    licit::cli::run().into()
}
