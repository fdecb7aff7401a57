//! A plain (profiled) run with the regression gate: `--save-baseline` and `--compare` over
//! `--runs N` repetitions of the run (one fresh profile per run: the run is the gate's unit),
//! and the `--export-*` files of the profile or the gate.
//!
//! [`ProfiledRunPlan::prepare`] reads and checks every gate and export input before a browser
//! starts; [`run_profiled`] then runs, compares, saves and exports.

use profiler::export::Exportable;
use profiler::{Profile, ProfilerHandle};

use super::error::CommandError;
use super::exports::{ExportSubject, Exports};
use super::regression_gate::{GateFlags, GatePlan};
use crate::cli::Cli;
use crate::config::Knobs;
use crate::flow::progress::print_line;
use crate::flow::summary::render_summary;
use crate::flow::{RunOptions, Target, run};
use crate::stage::StageConfig;

/// Everything a plain run does besides the automation, checked up front.
#[derive(Debug, Clone)]
pub struct ProfiledRunPlan {
    /// `Some` with `--compare` or `--save-baseline`.
    pub gate: Option<GatePlan>,
    pub exports: Exports,
    /// Repetitions of the run (`--runs`, default 1).
    pub runs: usize,
}

impl ProfiledRunPlan {
    /// Reads the `--compare` baseline, checks the `--save-baseline` name, the gate flags,
    /// `--runs` and the export files. Any problem is one line, before a browser starts.
    pub fn prepare(cli: &Cli, flags: GateFlags) -> Result<ProfiledRunPlan, CommandError> {
        let gated = cli.compare.is_some() || cli.save_baseline.is_some();
        let runs = match cli.runs {
            Some(0) => {
                return Err(CommandError::BadFlag {
                    flag: "--runs",
                    problem: "must be at least 1".into(),
                });
            }
            Some(_) if !gated => {
                return Err(CommandError::BadFlag {
                    flag: "--runs",
                    problem: "repeats a run only for --save-baseline, --compare, --baseline-test or --ab-test".into(),
                });
            }
            Some(runs) => runs as usize,
            None => 1,
        };
        let gate = gated
            .then(|| GatePlan::prepare(cli.compare.as_deref(), cli.save_baseline.as_deref(), flags))
            .transpose()?;
        let exports = Exports::from_cli(cli);
        let exportable = cli.profile || gated;
        if !exports.files.is_empty() && !exportable {
            return Err(CommandError::BadFlag {
                flag: exports.files[0].0.flag(),
                problem: "exports the profile or the gate: add --profile or --compare NAME|FILE"
                    .into(),
            });
        }
        exports.check(if cli.compare.is_some() {
            ExportSubject::Gate
        } else {
            ExportSubject::Profile
        })?;
        Ok(ProfiledRunPlan {
            gate,
            exports,
            runs,
        })
    }
}

/// Runs the automation `plan.runs` times (against the stage, run *k* uses seed + *k*, as the
/// preset commands do, so a baseline and a comparison meet the same server timing run by
/// run), then compares, saves and exports.
pub async fn run_profiled(
    plan: &ProfiledRunPlan,
    profiler: Option<&ProfilerHandle>,
    options: &RunOptions,
    knobs: &Knobs,
    target: &Target,
) -> Result<ProfiledRunEnd, CommandError> {
    let mut profiles: Vec<Profile> = Vec::new();
    let mut all_ok = true;
    for replicate in 0..plan.runs {
        if plan.runs > 1 {
            print_line(&format!("Run {} of {}", replicate + 1, plan.runs));
        }
        let target = match target {
            Target::Stage(config) => Target::Stage(StageConfig {
                seed: config.seed.wrapping_add(replicate as u64),
                ..config.clone()
            }),
            site @ Target::Site { .. } => site.clone(),
        };
        if let Some(profiler) = profiler.filter(|_| replicate > 0) {
            profiler.reset();
        }
        let outcome = run(options, knobs, &target).await?;
        print_line(&render_summary(&outcome));
        all_ok &= outcome.all_ok();
        if let Some(profiler) = profiler {
            profiles.push(profiler.snapshot(&format!("automator run {}", replicate + 1)));
        }
        if outcome.interrupted {
            // A partial run would make a misleading baseline or comparison.
            if plan.gate.is_some() {
                print_line("The run was interrupted: no baseline saved, no comparison made.");
            }
            return Ok(ProfiledRunEnd::Interrupted);
        }
    }
    let gate_exit_code = after_runs(plan, profiler, &profiles)?;
    Ok(ProfiledRunEnd::Finished {
        all_ok,
        gate_exit_code,
    })
}

/// How the profiled runs ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfiledRunEnd {
    /// A signal stopped a run; nothing was compared or saved.
    Interrupted,
    /// Every run finished: whether each downloaded every track, and the gate's exit code
    /// (0 without `--compare`).
    Finished { all_ok: bool, gate_exit_code: u8 },
}

/// `--compare` (before saving, so `--compare X --save-baseline X` checks against the old X),
/// `--save-baseline` and the exports.
fn after_runs(
    plan: &ProfiledRunPlan,
    profiler: Option<&ProfilerHandle>,
    profiles: &[Profile],
) -> Result<u8, CommandError> {
    let Some(gate) = &plan.gate else {
        if let Some(last) = profiles.last().filter(|_| !plan.exports.files.is_empty()) {
            print_written(&plan.exports.write(&Exportable::Profile(last))?);
        }
        return Ok(0);
    };
    if profiler.is_none() {
        return Err(CommandError::NoProfiler {
            flag: "--compare / --save-baseline",
        });
    }
    let current = profiler::baseline::PerformanceBaseline::from_profiles("this run", profiles);
    let mut exit_code = 0;
    if let Some(outcome) = gate.compare(&current) {
        print_line(&outcome.text);
        print_written(&plan.exports.write(&Exportable::Gate(&outcome.report))?);
        exit_code = outcome.exit_code;
    } else if let Some(last) = profiles.last().filter(|_| !plan.exports.files.is_empty()) {
        print_written(&plan.exports.write(&Exportable::Profile(last))?);
    }
    if let Some(path) = &gate.save_to {
        super::regression_gate::save_baseline(path, profiles)?;
        print_line(&format!(
            "Saved the performance baseline ({} run(s)): {}",
            profiles.len(),
            path.display()
        ));
    }
    Ok(exit_code)
}

fn print_written(paths: &[std::path::PathBuf]) {
    for path in paths {
        print_line(&format!("Exported: {}", path.display()));
    }
}
