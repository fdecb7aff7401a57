//! `automator`: see `automator --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = automator::cli::Cli::parse_or_exit();
    ExitCode::from(automator::app::main(cli))
}
