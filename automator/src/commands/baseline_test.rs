//! `automator --baseline-test NAME`: runs the automation under one preset `--runs` times, each
//! with a fresh profile, and saves everything as
//! `logs/performance/baselines/baseline_<NAME>_<YYYYMMDD_HHMMSS>.json`.

use std::path::PathBuf;

use super::ctrl_c::CtrlC;
use super::error::CommandError;
use super::paths::{Stamp, run_set_path};
use super::run_set::PresetRunSet;
use super::setup::Setup;
use crate::flow::progress::print_line;

/// Runs when `--runs` is not given: enough for a median and a spread.
pub const DEFAULT_BASELINE_RUNS: usize = 3;

/// What `--baseline-test` saved.
pub struct BaselineTestOutcome {
    pub path: PathBuf,
    pub runs: PresetRunSet,
}

/// Runs preset `name` `runs` times, saves the runs and prints the path and a summary.
pub async fn baseline_test(
    setup: &Setup,
    name: &str,
    runs: usize,
) -> Result<BaselineTestOutcome, CommandError> {
    if runs == 0 {
        return Err(CommandError::BadFlag {
            flag: "--runs",
            problem: "must be at least 1".into(),
        });
    }
    let preset = setup.catalog.checked(name, setup.live.starting())?.clone();
    let stamp = Stamp::now();
    let mut set = setup.new_run_set(&preset, &stamp)?;
    print_line(&format!(
        "Baseline test of {}: {runs} run(s) {}.",
        preset.name,
        setup.describe_target()
    ));
    let ctrl_c = CtrlC::listen();
    let runner = setup.runner();
    let mut failure = None;
    for position in 0..runs {
        let run = runner.run_into(&ctrl_c, &preset, &mut set, position, runs, position as u64);
        match run.await {
            Ok(record) if !record.interrupted => {}
            Ok(_) => {
                failure = Some(CommandError::Interrupted);
                break;
            }
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    let path = run_set_path(&preset.name, &stamp);
    if !set.runs.is_empty() {
        set.save(&path)?;
        print_line(&format!("\n{}\n\nSaved: {}", set.summary(), path.display()));
    }
    print_line(&setup.live.confirm_restored()?);
    match failure {
        Some(failure) => Err(failure),
        None => Ok(BaselineTestOutcome { path, runs: set }),
    }
}
