//! What follows a profiled single run: `--compare` of this run against a baseline and
//! `--save-baseline`.

use profiler::ProfilerHandle;
use profiler::baseline::PerformanceBaseline;

use super::error::CommandError;
use super::regression_gate::{compare_to_baseline, save_baseline};
use crate::cli::Cli;
use crate::flow::progress::print_line;

/// `--compare` and `--save-baseline` for the run just profiled; returns the gate's exit code
/// (0 without `--compare`).
pub fn after_profiled_run(
    cli: &Cli,
    profiler: Option<&ProfilerHandle>,
) -> Result<u8, CommandError> {
    if cli.compare.is_none() && cli.save_baseline.is_none() {
        return Ok(0);
    }
    let profiler = profiler.ok_or(CommandError::NoProfiler {
        flag: "--compare / --save-baseline",
    })?;
    let profile = &profiler.snapshot("automator");
    let mut exit_code = 0;
    // Compare before saving, so `--compare X --save-baseline X` checks against the old X.
    if let Some(argument) = &cli.compare {
        let current = PerformanceBaseline::from_profile("this run", profile);
        let outcome = compare_to_baseline(argument, &current, &super::gate_flags(cli))?;
        print_line(&outcome.text);
        exit_code = outcome.exit_code;
    }
    if let Some(argument) = &cli.save_baseline {
        let path = save_baseline(argument, profile)?;
        print_line(&format!(
            "Saved the performance baseline: {}",
            path.display()
        ));
    }
    Ok(exit_code)
}
