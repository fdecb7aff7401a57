//! `automator --baseline-test NAME`: the library's [`Repeat`] runner with one browser run of
//! the song plan as its workload: `--warmup` discarded runs, then `--runs` runs under one
//! preset, each with a fresh profile, saved as
//! `logs/performance/baselines/baseline_<NAME>_<YYYYMMDD_HHMMSS>.json`.

use std::path::PathBuf;

use profiler::abtest::{Ending, Repeat};

use super::browser_workload::BrowserWorkload;
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

/// Runs preset `name` `runs` times after `warmup` discarded runs, saves the runs and prints
/// the path and a summary.
pub async fn baseline_test(
    setup: &Setup,
    name: &str,
    runs: usize,
    warmup: usize,
) -> Result<BaselineTestOutcome, CommandError> {
    let preset = setup.catalog.checked(name, setup.live.starting())?.clone();
    let stamp = Stamp::now();
    let set = setup.new_run_set(&preset, &stamp)?;
    let warmups = if warmup > 0 {
        format!(" after {warmup} discarded warm-up run(s)")
    } else {
        String::new()
    };
    let sessions = match setup.options.sessions {
        1 => String::new(),
        sessions => format!(", {sessions} browser sessions per run"),
    };
    print_line(&format!(
        "Baseline test of {}: {runs} run(s){warmups} {}{sessions}.",
        preset.name,
        setup.describe_target()
    ));
    let ctrl_c = CtrlC::listen();
    let repeat =
        Repeat::new(setup.harness(|| ctrl_c.pressed()), preset.clone(), runs).warmup(warmup);
    let mut workload = BrowserWorkload::new(&setup.options, &setup.target, vec![set]);
    let result = repeat.run(&mut workload).await?;
    let set = workload
        .into_sets()
        .pop()
        .unwrap_or_else(|| unreachable!("one run set went in"));
    let path = run_set_path(&preset.name, &stamp);
    if !set.runs.is_empty() {
        set.save(&path)?;
        print_line(&format!("\n{}\n\nSaved: {}", set.summary(), path.display()));
    }
    print_line(&setup.live.confirm_restored()?);
    match result.ending {
        Ending::Failed(error) => Err(error.into()),
        Ending::Interrupted => Err(CommandError::Interrupted),
        Ending::Completed | Ending::StoppedEarly { .. } => {
            Ok(BaselineTestOutcome { path, runs: set })
        }
    }
}
