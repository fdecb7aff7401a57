//! `automator`: for now only `automator stage` (serve the replica site); the full CLI replaces this.

use std::process::ExitCode;

use clap::Parser;

/// `automator stage [--port P] [--time-scale F] [--faults SPEC] [--seed N]`
#[derive(Debug, Parser)]
#[command(name = "automator stage", about = "Serve the replica karaoke site until Ctrl-C")]
struct StageCli {
    #[command(flatten)]
    stage: automator::stage::StageArgs,
}

fn main() -> ExitCode {
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_none_or(|arg| arg != "stage") {
        eprintln!("automator: under construction; try `automator stage`");
        return ExitCode::from(2);
    }
    args.remove(1);
    let cli = StageCli::parse_from(args);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("automator stage: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(automator::stage::run_standalone(cli.stage)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("automator stage: {error}");
            ExitCode::from(2)
        }
    }
}
