//! The design card's comparison commands and the regression gate: `--list-baselines`,
//! `--baseline-test NAME`, `--ab-test A B`, `--preset NAME` for a single run, and
//! `--save-baseline` / `--show-baseline` / `--compare` with their thresholds and limits.
//!
//! Presets are applied to a live configuration ([`live::LiveKnobs`]) through a guard for
//! each run, so the starting knobs come back however a run ends; every command checks that at
//! the end and says so.

pub mod ab_report;
pub mod ab_test;
pub mod baseline_test;
pub mod browser_workload;
pub mod ctrl_c;
pub mod error;
pub mod exports;
pub mod knob_map;
pub mod list_baselines;
pub mod live;
pub mod paths;
pub mod preflight;
pub mod preset_scope;
pub mod presets;
pub mod profile_run;
pub mod regression_gate;
pub mod run_inputs;
pub mod run_line;
pub mod run_set;
pub mod scaling;
pub mod scaling_levels;
pub mod scaling_load;
pub mod setup;

#[cfg(test)]
mod test_fixtures;

use profiler::ProfilerHandle;

pub use error::CommandError;
pub use preset_scope::PresetScope;
pub use profile_run::{ProfiledRunEnd, ProfiledRunPlan, run_profiled};

use profiler::export::Exportable;

use crate::cli::Cli;
use crate::config::Knobs;
use crate::flow::progress::print_line;
use ab_test::{AbSettings, DEFAULT_AB_RUNS, ab_test};
use baseline_test::{DEFAULT_BASELINE_RUNS, baseline_test};
use exports::{ExportSubject, Exports};
use list_baselines::render_list;
use presets::PresetCatalog;
use regression_gate::{GateFlags, compare_to_baseline, load_baseline, show_baseline};
use setup::Setup;

/// Whether the profiler layer must be installed for this command line: `--profile`, the
/// preset commands (one profile per run) and a gate that measures this run.
pub fn needs_profiler(cli: &Cli) -> bool {
    cli.profile
        || cli.baseline_test.is_some()
        || cli.ab_test.is_some()
        || cli.save_baseline.is_some()
        || (cli.compare.is_some() && cli.against.is_none())
}

/// Whether the `--profile` reports are written: with `--profile`, and implied by
/// `--save-baseline` and `--compare` when they run the automation. Commands that run nothing
/// (`--list-baselines`, `--show-baseline`, `--compare … --against …`) write none.
pub fn writes_profile_reports(cli: &Cli) -> bool {
    let runs_nothing = cli.list_baselines
        || cli.show_baseline.is_some()
        || (cli.compare.is_some() && cli.against.is_some());
    !runs_nothing && (cli.profile || cli.save_baseline.is_some() || cli.compare.is_some())
}

/// The log filter of the commands that run the automation many times (unless `RUST_LOG` says
/// otherwise): their own one-line-per-run progress and saved files report what each run did,
/// so the automation's per-track log lines would only bury it.
pub fn quiet_log_filter(cli: &Cli) -> Option<&'static str> {
    (cli.ab_test.is_some() || cli.baseline_test.is_some() || cli.scaling.is_some())
        .then_some("warn,automator=off")
}

/// Runs the command of `cli` if it is one of these commands and returns its exit code;
/// `None` means the command line asks for a plain run (with `--profile`, `--save-baseline`
/// and `--compare` handled by [`ProfiledRunPlan`] and [`run_profiled`]).
pub async fn dispatch(cli: &Cli, profiler: Option<&ProfilerHandle>) -> Option<u8> {
    let result = if cli.list_baselines {
        list(cli)
    } else if let Some(argument) = &cli.show_baseline {
        show_baseline(argument).map(|text| {
            print_line(&text);
            0
        })
    } else if let (Some(baseline), Some(other)) = (&cli.compare, &cli.against) {
        compare_files(cli, baseline, other)
    } else if let Some(name) = &cli.baseline_test {
        run_baseline_test(cli, profiler, name).await
    } else if let Some(names) = &cli.ab_test {
        run_ab_test(cli, profiler, names).await
    } else if cli.scaling.is_some() {
        run_scaling(cli).await
    } else {
        return None;
    };
    Some(result.unwrap_or_else(|error| report(&error)))
}

/// Prints a command error as one line and returns its exit code.
pub fn report(error: &CommandError) -> u8 {
    eprintln!("error: {error}");
    error.exit_code()
}

/// The flags of the regression gate.
pub fn gate_flags(cli: &Cli) -> GateFlags {
    GateFlags {
        threshold_percent: cli.threshold,
        key_thresholds: cli.key_threshold.clone(),
        limits: cli.limit.clone(),
        fail_on_regression: cli.fail_on_regression,
        allow_untested: cli.allow_untested,
        min_share_percent: cli.min_share,
    }
}

fn list(cli: &Cli) -> Result<u8, CommandError> {
    let catalog = PresetCatalog::load(cli.baselines.as_deref())?;
    print_line(&render_list(
        &catalog,
        &Knobs::default(),
        "the default is the built-in configuration, identical to `optimized`",
    )?);
    Ok(0)
}

fn compare_files(cli: &Cli, baseline: &str, other: &str) -> Result<u8, CommandError> {
    let exports = Exports::from_cli(cli);
    exports.check(ExportSubject::Gate)?;
    let current = load_baseline(other)?;
    let outcome = compare_to_baseline(baseline, &current, &gate_flags(cli))?;
    print_line(&outcome.text);
    for path in exports.write(&Exportable::Gate(&outcome.report))? {
        print_line(&format!("Exported: {}", path.display()));
    }
    Ok(outcome.exit_code)
}

/// Runs per preset from `--runs`, checked before anything is read: at least 1; `hint` says
/// what more would buy.
fn runs(cli: &Cli, default: usize, hint: &str) -> Result<usize, CommandError> {
    match cli.runs {
        Some(0) => Err(CommandError::BadFlag {
            flag: "--runs",
            problem: format!("must be at least 1{hint}"),
        }),
        Some(runs) => Ok(runs as usize),
        None => Ok(default),
    }
}

/// The runs of `--baseline-test`, with its flags checked before anything is read.
pub(crate) fn baseline_test_runs(cli: &Cli) -> Result<usize, CommandError> {
    if let Some((format, _)) = Exports::from_cli(cli).files.first() {
        return Err(CommandError::BadFlag {
            flag: format.flag(),
            problem: "exports a profile, the gate (--compare) or an A/B test, not --baseline-test"
                .into(),
        });
    }
    runs(cli, DEFAULT_BASELINE_RUNS, "")
}

async fn run_baseline_test(
    cli: &Cli,
    profiler: Option<&ProfilerHandle>,
    name: &str,
) -> Result<u8, CommandError> {
    let runs = baseline_test_runs(cli)?;
    let setup = Setup::from_cli(cli, profiler, "--baseline-test", &[name])?;
    baseline_test(&setup, name, runs, cli.warmup as usize).await?;
    Ok(0)
}

/// The exports and settings of `--ab-test`, checked before anything is read.
pub(crate) fn ab_test_flags(cli: &Cli) -> Result<(Exports, AbSettings), CommandError> {
    let exports = Exports::from_cli(cli);
    exports.check(ExportSubject::AbTest)?;
    let settings = AbSettings {
        runs_per_arm: runs(
            cli,
            DEFAULT_AB_RUNS,
            " (4 or more per preset for a significant A/B result)",
        )?,
        warmup: cli.warmup as usize,
        fail_on_regression: cli.fail_on_regression,
    };
    Ok((exports, settings))
}

/// `--ab-test A B`; the same name twice is run as a labelled A/A test (see [`ab_test`]).
async fn run_ab_test(
    cli: &Cli,
    profiler: Option<&ProfilerHandle>,
    names: &[String],
) -> Result<u8, CommandError> {
    let [a, b] = names else {
        return Err(CommandError::BadFlag {
            flag: "--ab-test",
            problem: "needs exactly two preset names".into(),
        });
    };
    let (exports, settings) = ab_test_flags(cli)?;
    let setup = Setup::from_cli(cli, profiler, "--ab-test", &[a, b])?;
    let outcome = ab_test(&setup, a, b, settings).await?;
    for path in exports.write(&Exportable::AbTest(&outcome.comparison))? {
        print_line(&format!("Exported: {}", path.display()));
    }
    Ok(outcome.exit_code)
}

/// `--scaling 1,2,4,8`: its inputs checked before any browser starts, then the study.
async fn run_scaling(cli: &Cli) -> Result<u8, CommandError> {
    let Some((levels, runs)) = scaling_levels::check_scaling(cli)? else {
        return Ok(0);
    };
    scaling::scaling_study(cli, levels, runs).await
}
