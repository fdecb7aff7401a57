//! `automator --ab-test A B`: runs the two presets interleaved (A B B A …) on the same songs
//! and tracks, one fresh profile per run, stops early once the verdict is clear, and reports
//! the comparison in plain words and as JSON, Markdown and HTML.

use std::time::Duration;

use profiler::abtest::{
    AnalysisConfig, Arm, Comparison, Explanation, RunSample, Schedule, StopRule, analyze,
};
use profiler::preset::{Preset, diff_configs};
use profiler::stats::format_seconds;

use super::ab_report::render_ab_report;
use super::ctrl_c::CtrlC;
use super::error::CommandError;
use super::knob_map::automator_knob_map;
use super::paths::{Stamp, comparison_path, run_set_path, write_file};
use super::presets::check_knobs;
use super::run_set::{PresetRunSet, RunRecord};
use super::setup::Setup;
use crate::flow::progress::print_line;

/// Runs per preset when `--runs` is not given: four A B B A blocks. Early stopping can end the
/// test after three blocks (six runs each) when the difference is clear.
pub const DEFAULT_AB_RUNS: usize = 8;

/// How an A/B test is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbSettings {
    pub runs_per_arm: usize,
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
    if settings.runs_per_arm == 0 {
        return Err(CommandError::BadFlag {
            flag: "--runs",
            problem: "must be at least 1 (4 or more for a significant result)".into(),
        });
    }
    let starting = setup.live.starting().clone();
    let a = setup.catalog.checked(a_name, &starting)?.clone();
    let b = setup.catalog.checked(b_name, &starting)?.clone();
    let knob_differences = diff_configs(
        &a.apply_validated(&starting, &check_knobs)?,
        &b.apply_validated(&starting, &check_knobs)?,
    )?;
    let stamp = Stamp::now();
    let mut sets = [
        setup.new_run_set(&a, &stamp)?,
        setup.new_run_set(&b, &stamp)?,
    ];
    let schedule = Schedule::interleaved(settings.runs_per_arm);
    print_line(&format!(
        "A/B test: {} (A) vs {} (B), up to {} runs each in the order A B B A …, {}{}.",
        a.name,
        b.name,
        settings.runs_per_arm,
        setup.describe_target(),
        setup
            .options
            .max_tracks
            .map(|max| format!(", at most {max} track(s) per song"))
            .unwrap_or_default()
    ));

    let analysis = AnalysisConfig {
        unit: "track".to_string(),
        ..AnalysisConfig::default()
    };
    let explanation = Explanation {
        knob_differences,
        knob_map: automator_knob_map(),
    };
    let ctrl_c = CtrlC::listen();
    let runner = setup.runner();
    let mut samples: Vec<RunSample> = Vec::new();
    let mut stopped_early = None;
    let mut failure = None;
    for (position, arm) in schedule.iter().copied().enumerate() {
        let (preset, set) = arm_of(arm, &a, &b, &mut sets);
        let replicate = set.runs.len() as u64;
        let total = schedule.len();
        let record = match runner
            .run_into(&ctrl_c, preset, set, position, total, replicate)
            .await
        {
            Ok(record) => record,
            Err(error) => {
                failure = Some(error);
                break;
            }
        };
        samples.push(sample(arm, record));
        if record.interrupted {
            failure = Some(CommandError::Interrupted);
            break;
        }
        let more_to_come = position + 1 < schedule.len();
        if more_to_come && Schedule::is_block_end(position) {
            let interim = analyze(&a.name, &b.name, &samples, &explanation, &analysis);
            if interim.is_ok_and(|comparison| StopRule::default().is_clear(&comparison)) {
                stopped_early = Some(position + 1);
                break;
            }
        }
    }

    let mut saved = Vec::new();
    for set in sets.iter().filter(|set| !set.runs.is_empty()) {
        let path = run_set_path(&set.preset, &stamp);
        set.save(&path)?;
        saved.push(path);
    }
    let comparison = match analyze(&a.name, &b.name, &samples, &explanation, &analysis) {
        Ok(comparison) => comparison,
        Err(error) => {
            print_saved(&saved);
            print_line(&setup.live.confirm_restored()?);
            return Err(failure.unwrap_or(CommandError::AbTest(error)));
        }
    };
    for (extension, contents) in [
        ("json", comparison.to_json()),
        ("md", comparison.render_markdown()),
        ("html", profiler::html::render_comparison(&comparison)),
    ] {
        let path = comparison_path(&a.name, &b.name, &stamp, extension);
        write_file(&path, &contents)?;
        saved.push(path);
    }
    print_line(&render_ab_report(
        &comparison,
        &sets,
        &schedule_note(&schedule, samples.len(), stopped_early, failure.is_some()),
    ));
    print_saved(&saved);
    print_line(&setup.live.confirm_restored()?);
    if let Some(failure) = failure {
        return Err(failure);
    }
    let b_slower = comparison.faster == Some(Arm::A);
    let exit_code = u8::from(settings.fail_on_regression && b_slower);
    if exit_code == 1 {
        print_line(&format!(
            "FAIL: {} is significantly slower than {} (--fail-on-regression)",
            b.name, a.name
        ));
    }
    Ok(AbOutcome {
        comparison,
        exit_code,
    })
}

fn arm_of<'a>(
    arm: Arm,
    a: &'a Preset,
    b: &'a Preset,
    sets: &'a mut [PresetRunSet; 2],
) -> (&'a Preset, &'a mut PresetRunSet) {
    let [set_a, set_b] = sets;
    match arm {
        Arm::A => (a, set_a),
        Arm::B => (b, set_b),
    }
}

/// A run as the analysis sees it: its work time, tracks attempted and tracks right.
fn sample(arm: Arm, record: &RunRecord) -> RunSample {
    RunSample {
        arm,
        duration: Duration::try_from_secs_f64(record.work_seconds).unwrap_or(Duration::ZERO),
        units: record.tracks_attempted,
        correct_units: record.tracks_correct,
        profile: record.profile.clone(),
    }
}

/// One sentence on how many runs happened and why the test ended.
fn schedule_note(
    schedule: &[Arm],
    done: usize,
    stopped_early: Option<usize>,
    failed: bool,
) -> String {
    let planned = schedule.len();
    match (stopped_early, failed) {
        (_, true) => format!(
            "The test ended after {done} of {planned} planned runs (see the error below); the result covers those runs only."
        ),
        (Some(runs), _) => format!(
            "Stopped early after {runs} of {planned} planned runs: after a complete A B B A block the verdict was already clear (at least {} runs per preset, p < {}, interval excluding 1).",
            StopRule::default().min_runs_per_arm,
            StopRule::default().alpha
        ),
        (None, _) => format!("All {planned} planned runs done."),
    }
}

fn print_saved(paths: &[std::path::PathBuf]) {
    if paths.is_empty() {
        return;
    }
    print_line("\nSaved:");
    for path in paths {
        print_line(&format!("  {}", path.display()));
    }
}

/// Time per track of a run, for progress lines.
pub fn per_track_text(record: &RunRecord) -> String {
    record.seconds_per_track().map_or_else(
        || "no track attempted".to_string(),
        |seconds| format!("{} per track", format_seconds(seconds)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_fixtures::record;

    #[test]
    fn a_sample_is_the_runs_work_over_its_tracks() {
        let mut run = record(4, 0, 6.0);
        run.tracks_correct = 3;
        let sample = sample(Arm::B, &run);
        assert_eq!(sample.arm, Arm::B);
        assert_eq!(sample.duration, Duration::from_secs(6));
        assert_eq!((sample.units, sample.correct_units), (4, 3));
        assert_eq!(sample.seconds_per_unit(), Some(1.5));
    }

    #[test]
    fn the_note_says_how_the_test_ended() {
        let schedule = Schedule::interleaved(8);
        assert_eq!(
            schedule_note(&schedule, 16, None, false),
            "All 16 planned runs done."
        );
        let early = schedule_note(&schedule, 12, Some(12), false);
        assert!(
            early.starts_with("Stopped early after 12 of 16 planned runs"),
            "{early}"
        );
        assert!(
            early.contains("at least 4 runs per preset, p < 0.01"),
            "{early}"
        );
        let failed = schedule_note(&schedule, 3, None, true);
        assert!(
            failed.starts_with("The test ended after 3 of 16 planned runs"),
            "{failed}"
        );
    }
}
