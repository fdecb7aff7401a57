//! `automator`: see `automator --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = automator::cli::Cli::parse();
    ExitCode::from(automator::app::main(cli))
}
