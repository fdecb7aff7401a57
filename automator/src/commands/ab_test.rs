//! `automator --ab-test A B`: the library's A/B runner ([`AbTest`]) with one browser run of
//! the song plan as its workload ([`BrowserWorkload`]): warm-ups, runs interleaved A B B A …
//! on the same songs and tracks, one fresh profile per run, an early stop once the verdict is
//! clear, and the comparison in plain words and as JSON, Markdown and HTML.
//!
//! The same preset twice (`--ab-test current current`) is an A/A test: a legitimate
//! calibration (any "significant" difference is noise or drift). The arms are labelled
//! `current-A` and `current-B` in the report and in every file name, so neither arm's runs
//! overwrite the other's.

use std::path::{Path, PathBuf};

use profiler::abtest::{AbTest, AnalysisConfig, Arm, Comparison, Ending};
use profiler::html::RunContext;

use super::ab_report::render_ab_report;
use super::browser_workload::BrowserWorkload;
use super::ctrl_c::CtrlC;
use super::error::CommandError;
use super::knob_map::automator_knob_map;
use super::paths::{BASELINES_DIR, Stamp, comparison_stem, run_set_path};
use super::run_set::PresetRunSet;
use super::setup::{Setup, target_label};
use crate::config::Knobs;
use crate::flow::progress::print_line;

/// Runs per preset when `--runs` is not given: four A B B A blocks. Early stopping can end the
/// test after three blocks (six runs each) when the difference is clear.
pub const DEFAULT_AB_RUNS: usize = 8;

/// How an A/B test is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbSettings {
    pub runs_per_arm: usize,
    /// Discarded runs per preset before the measured ones (`--warmup`).
    pub warmup: usize,
    /// Exit 1 when B is significantly slower than A.
    pub fail_on_regression: bool,
}

/// What the test produced.
pub struct AbOutcome {
    pub comparison: Comparison,
    /// Exit status: 1 when `fail_on_regression` and B is significantly slower, else 0.
    pub exit_code: u8,
}

/// Runs the A/B test of presets `a_name` and `b_name` and prints the report.
pub async fn ab_test(
    setup: &Setup,
    a_name: &str,
    b_name: &str,
    settings: AbSettings,
) -> Result<AbOutcome, CommandError> {
    let starting = setup.live.starting().clone();
    let a = setup.catalog.checked(a_name, &starting)?.clone();
    let b = setup.catalog.checked(b_name, &starting)?.clone();
    let ctrl_c = CtrlC::listen();
    let test = AbTest::new(setup.harness(|| ctrl_c.pressed()), a.clone(), b.clone())
        .runs_per_arm(settings.runs_per_arm)
        .warmup(settings.warmup)
        .analysis(AnalysisConfig {
            unit: "track".to_string(),
            ..AnalysisConfig::default()
        })
        .knob_map(automator_knob_map());
    let [label_a, label_b] = test.labels();
    print_line(&header(setup, &test, settings));
    let stamp = Stamp::now();
    let sets = vec![
        setup.new_run_set(&a, &stamp)?,
        setup.new_run_set(&b, &stamp)?,
    ];
    let mut workload = BrowserWorkload::new(&setup.options, &setup.target, sets);
    let result = test.run(&mut workload).await?;
    let sets: [PresetRunSet; 2] = workload
        .into_sets()
        .try_into()
        .unwrap_or_else(|_| unreachable!("two run sets went in"));

    let mut saved = Vec::new();
    for (set, label) in sets.iter().zip([&label_a, &label_b]) {
        if !set.runs.is_empty() {
            let path = run_set_path(label, &stamp);
            set.save(&path)?;
            saved.push(path);
        }
    }
    let how_it_ended = result.how_it_ended();
    let failure = match result.ending {
        Ending::Failed(error) => Some(CommandError::from(error)),
        Ending::Interrupted => Some(CommandError::Interrupted),
        Ending::Completed | Ending::StoppedEarly { .. } => None,
    };
    let comparison = match result.comparison {
        Ok(comparison) => comparison,
        Err(error) => {
            print_saved(&saved);
            print_line(&setup.live.confirm_restored()?);
            return Err(failure.unwrap_or(CommandError::AbTest(error)));
        }
    };
    let stem = comparison_stem(&label_a, &label_b, &stamp);
    saved.extend(
        comparison
            .write_reports_with(Path::new(BASELINES_DIR), &stem, &report_context(setup))
            .map_err(|error| CommandError::Write {
                path: error.path,
                source: error.source,
            })?,
    );
    print_line(&render_ab_report(&comparison, &sets, &how_it_ended));
    print_saved(&saved);
    print_line(&setup.live.confirm_restored()?);
    if let Some(failure) = failure {
        return Err(failure);
    }
    let b_slower = comparison.faster == Some(Arm::A);
    let exit_code = u8::from(settings.fail_on_regression && b_slower);
    if exit_code == 1 {
        print_line(&format!(
            "FAIL: {label_b} is significantly slower than {label_a} (--fail-on-regression)"
        ));
    }
    Ok(AbOutcome {
        comparison,
        exit_code,
    })
}

/// The first line: what is compared, how often, against what; for an A/A test, what it is for.
fn header(setup: &Setup, test: &AbTest<'_, Knobs>, settings: AbSettings) -> String {
    let [a, b] = test.labels();
    let mut line = if test.is_a_a() {
        format!(
            "A/A test: the same preset twice, labelled {a} (A) and {b} (B) — a calibration: any significant difference is noise or drift."
        )
    } else {
        format!("A/B test: {a} (A) vs {b} (B).")
    };
    line.push_str(&format!(
        " Up to {} runs each in the order A B B A …",
        settings.runs_per_arm
    ));
    if settings.warmup > 0 {
        line.push_str(&format!(
            " after {} discarded warm-up run(s) each",
            settings.warmup
        ));
    }
    line.push_str(&format!(", {}", setup.describe_target()));
    if let Some(max) = setup.options.max_tracks {
        line.push_str(&format!(", at most {max} track(s) per song"));
    }
    if setup.options.sessions > 1 {
        line.push_str(&format!(
            ", {} browser sessions per run",
            setup.options.sessions
        ));
    }
    line.push('.');
    line
}

/// What the HTML report's header adds to the comparison's own facts: time scale and target.
fn report_context(setup: &Setup) -> RunContext {
    let mut context = RunContext::default()
        .time_scale(setup.options.time_scale)
        .target(target_label(&setup.target));
    if let Some(max) = setup.options.max_tracks {
        context = context.fact("tracks per song", format!("at most {max}"));
    }
    context
}

fn print_saved(paths: &[PathBuf]) {
    if paths.is_empty() {
        return;
    }
    print_line("\nSaved:");
    for path in paths {
        print_line(&format!("  {}", path.display()));
    }
}
