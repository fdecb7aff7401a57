//! `automator --scaling 1,2,4,8`: the same songs at each session count, as a scaling study of
//! the library ([`ScalingStudy`]): repeats interleaved with a rotating start, optional
//! warm-ups, each run a fresh full run (its own browsers, stage and download folder), and the
//! report — throughput (tracks per minute), per-track latency p50/p95, speedup and efficiency
//! with intervals, the knee, and whether the site (the ledger's queue time, HTTP 429s) or this
//! machine (CPU, the browsers' memory) limits past it — as text on stdout and JSON, text and
//! HTML files in `logs/performance/`.
//!
//! Run *k* of every level meets the stage seeded `seed + k` (as the A/B runner does), so the
//! levels of one repeat face the same server timing. A run's files go to a folder of its own
//! under the download folder, removed after the run: the study measures, it does not collect.

use std::path::{Path, PathBuf};

use profiler::html::RunContext;
use profiler::scaling::{ScalingReport, ScalingRun, ScalingStudy, StudyError};
use tokio::sync::Notify;

use super::browser_workload::seeded;
use super::ctrl_c::CtrlC;
use super::error::CommandError;
use super::paths::Stamp;
use super::preset_scope::PresetScope;
use super::run_inputs::prepare_run;
use super::scaling_levels::ScalingLevels;
use super::scaling_load::sample_until;
use super::setup::{comparison_time_scale, target_label};
use crate::cli::Cli;
use crate::config::Knobs;
use crate::flow::progress::print_line;
use crate::flow::{self, RunOptions, Target};

/// Where the study's report files go, beside the profile reports.
pub const SCALING_DIR: &str = "logs/performance";

/// What one run of the study left besides the library's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct RunTally {
    tracks: usize,
    failed: usize,
    wrong_mixes: u32,
}

/// Runs the study of `levels` with `runs` measured runs per level and prints the report;
/// exit code 0 when every track of every run was filed, 1 when some failed.
pub async fn scaling_study(
    cli: &Cli,
    levels: ScalingLevels,
    runs: usize,
) -> Result<u8, CommandError> {
    let (mut options, knobs, target) =
        prepare_run(cli).map_err(|error| CommandError::Prepare(error.to_string()))?;
    options.time_scale = comparison_time_scale(cli.time_scale, &target);
    let preset = PresetScope::enter(cli.preset.as_deref(), cli.baselines.as_deref(), knobs)?;
    let knobs = preset.knobs();
    let warmup = cli.warmup as usize;
    let study = ScalingStudy::new(levels.0.clone())
        .repeats(runs)
        .warmup(warmup)
        .unit("track");
    print_line(&header(&options, &target, &levels, runs, warmup));

    let stamp = Stamp::now();
    let root = options
        .download_dir
        .join(format!(".scaling-{}", stamp.file));
    let ctrl_c = CtrlC::listen();
    let warmups = warmup * levels.0.len();
    let order = study.order();
    let planned = warmups + order.len();
    let handle = tokio::runtime::Handle::current();
    let mut calls: usize = 0;
    let mut total = RunTally::default();
    // The library's runner is synchronous; each run is driven on this runtime from a thread
    // that may block (`block_in_place`), so the other tasks keep their workers.
    let result = tokio::task::block_in_place(|| {
        study.run(|sessions| {
            if ctrl_c.pressed() {
                return Err(CommandError::Interrupted);
            }
            let (label, replicate) = match calls.checked_sub(warmups) {
                None => ("warm-up", 0),
                Some(measured) => ("run", order[measured].repeat),
            };
            calls += 1;
            let folder = root.join(format!("run{calls}-sessions{sessions}"));
            let run_options = RunOptions {
                sessions,
                download_dir: folder.clone(),
                ..options.clone()
            };
            let (target, _) = seeded(&target, replicate as u64);
            let finished = handle.block_on(one_run(&run_options, &knobs, &target));
            let _ = std::fs::remove_dir_all(&folder);
            let (run, tally) = finished?;
            print_line(&run_line(
                label, calls, planned, sessions, replicate, &run, tally,
            ));
            if label == "run" {
                total.tracks += tally.tracks;
                total.failed += tally.failed;
                total.wrong_mixes += tally.wrong_mixes;
            }
            Ok(run)
        })
    });
    let _ = std::fs::remove_dir(&root);
    if let Some(restored) = preset.finish()? {
        print_line(&restored);
    }
    let report = result.map_err(|error| match error {
        StudyError::Workload { source, .. } => source,
        StudyError::Scaling(error) => CommandError::BadFlag {
            flag: "--scaling",
            problem: error.to_string(),
        },
    })?;
    print_line(&format!("\n{}", report.render_text()));
    print_line(&format!(
        "Correctness: {} of {} measured tracks filed, {} wrong mix(es) caught and retried.",
        total.tracks - total.failed,
        total.tracks,
        total.wrong_mixes
    ));
    let context = report_context(&options, &target);
    let saved = write_reports(&report, &stamp, &context)?;
    print_line("\nSaved:");
    for path in saved {
        print_line(&format!("  {}", path.display()));
    }
    Ok(u8::from(total.failed > 0))
}

/// One fresh run at `options.sessions` sessions with the machine read alongside; a run a
/// signal stopped ends the study.
async fn one_run(
    options: &RunOptions,
    knobs: &Knobs,
    target: &Target,
) -> Result<(ScalingRun, RunTally), CommandError> {
    let stop = Notify::new();
    let run = async {
        let outcome = flow::run(options, knobs, target).await;
        stop.notify_one();
        outcome
    };
    let (outcome, resources) = tokio::join!(run, sample_until(&stop, &options.download_dir));
    let outcome = outcome?;
    if outcome.interrupted {
        return Err(CommandError::Interrupted);
    }
    Ok(figures(&outcome, resources))
}

/// The library's view of a run: correct tracks over the run's wall time, each correct track's
/// wall (solo click to file in place, retries included) as its latency, the stage ledger's
/// queue time and the 429s as the site's load, and the machine samples.
fn figures(
    outcome: &flow::RunOutcome,
    resources: Vec<profiler::scaling::ResourceSample>,
) -> (ScalingRun, RunTally) {
    let correct: Vec<_> = outcome
        .tracks
        .iter()
        .filter(|track| track.ok && track.verified)
        .collect();
    let mut run = ScalingRun::new(outcome.wall, correct.len() as u64)
        .latencies(correct.iter().map(|track| track.wall));
    run.resources = resources;
    let rate_limited = u64::from(outcome.mix_requests.rate_limited);
    if outcome.against_stage {
        let queue: f64 = outcome
            .tracks
            .iter()
            .filter_map(|track| track.queue)
            .map(|queue| queue.as_secs_f64())
            .sum();
        run = run.site(queue, rate_limited);
    } else if rate_limited > 0 {
        // A real site does not say how long a mix queued; its 429s it does.
        run = run.site(0.0, rate_limited);
    }
    let tally = RunTally {
        tracks: outcome.tracks.len(),
        failed: outcome.tracks.len() - correct.len(),
        wrong_mixes: outcome.tracks.iter().map(|track| track.wrong_mixes).sum(),
    };
    (run, tally)
}

/// "run 3/8 · 2 sessions · repeat 2: 6 tracks in 12.3 s (29.3 tracks/min) · queue 0.4 s ·
/// 0 × 429 · 0 wrong mixes · CPU 63% · browsers 812 MiB".
fn run_line(
    label: &str,
    index: usize,
    planned: usize,
    sessions: usize,
    replicate: usize,
    run: &ScalingRun,
    tally: RunTally,
) -> String {
    let mut line = format!(
        "{label} {index}/{planned} · {sessions} session(s) · repeat {}: {} of {} tracks in {:.1} s",
        replicate + 1,
        run.units,
        tally.tracks,
        run.wall_seconds
    );
    if let Some(throughput) = run.throughput_per_minute() {
        line.push_str(&format!(" ({throughput:.1} tracks/min)"));
    }
    if let Some(site) = run.site {
        line.push_str(&format!(
            " · queue {:.1} s · {} × 429",
            site.queue_seconds, site.rate_limited
        ));
    }
    line.push_str(&format!(" · {} wrong mix(es)", tally.wrong_mixes));
    if !run.resources.is_empty() {
        let cpu = run
            .resources
            .iter()
            .map(|sample| sample.cpu_percent)
            .sum::<f64>()
            / run.resources.len() as f64;
        let peak = run
            .resources
            .iter()
            .map(|sample| sample.rss_bytes)
            .max()
            .unwrap_or(0);
        line.push_str(&format!(" · CPU {cpu:.0}% · browsers {} MiB", peak >> 20));
    }
    line
}

/// The first line: which levels, how often, against what.
fn header(
    options: &RunOptions,
    target: &Target,
    levels: &ScalingLevels,
    runs: usize,
    warmup: usize,
) -> String {
    let list: Vec<String> = levels.0.iter().map(ToString::to_string).collect();
    let mut line = format!(
        "Scaling study: {} session(s), {runs} run(s) each, repeats interleaved with a rotating start",
        list.join(", ")
    );
    if warmup > 0 {
        line.push_str(&format!(
            " after {warmup} discarded warm-up run(s) per level"
        ));
    }
    line.push_str(&format!(
        ", against {} at time scale {}",
        target_label(target),
        options.time_scale
    ));
    if let Some(max) = options.max_tracks {
        line.push_str(&format!(", at most {max} track(s) per song"));
    }
    if let Some(songs) = &options.songs
        && let Some(top) = levels.0.last()
        && songs.len() < *top
    {
        line.push_str(&format!(
            ". Note: a run never has more sessions than songs ({}), so the levels above it run {} session(s)",
            songs.len(),
            songs.len()
        ));
    }
    line.push('.');
    line
}

/// What the HTML report's header adds: time scale, target, the cap on tracks.
fn report_context(options: &RunOptions, target: &Target) -> RunContext {
    let mut context = RunContext::default()
        .time_scale(options.time_scale)
        .target(target_label(target));
    if let Some(max) = options.max_tracks {
        context = context.fact("tracks per song", format!("at most {max}"));
    }
    if let Target::Stage(config) = target {
        context = context.fact("stage capacity", config.capacity.to_string());
    }
    context
}

/// `logs/performance/scaling_<stamp>.{json,txt,html}`, each written atomically.
fn write_reports(
    report: &ScalingReport,
    stamp: &Stamp,
    context: &RunContext,
) -> Result<Vec<PathBuf>, CommandError> {
    report
        .write_reports(
            Path::new(SCALING_DIR),
            &format!("scaling_{}", stamp.file),
            context,
        )
        .map_err(|error| CommandError::Write {
            path: error.path,
            source: error.source,
        })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::flow::outcome_fixtures::{run_outcome, track_outcome};
    use crate::flow::{RunOutcome, TrackOutcome};

    fn track(ok: bool, wall: f64, queue: Option<f64>, wrong: u32) -> TrackOutcome {
        TrackOutcome {
            attempts: 1 + wrong,
            wrong_mixes: wrong,
            queue: queue.map(Duration::from_secs_f64),
            ..track_outcome("Bass", ok, Duration::from_secs_f64(wall))
        }
    }

    fn outcome(tracks: Vec<TrackOutcome>, against_stage: bool, rate_limited: u32) -> RunOutcome {
        let mix_requests = crate::flow::mix_limiter::MixRequestStats {
            rate_limited,
            ..Default::default()
        };
        RunOutcome {
            against_stage,
            mix_requests,
            ..run_outcome(tracks, Duration::from_secs(30))
        }
    }

    #[test]
    fn only_correct_tracks_count_and_the_ledger_queue_and_429s_are_the_site_load() {
        let run = outcome(
            vec![
                track(true, 2.0, Some(0.5), 1),
                track(true, 4.0, Some(1.0), 0),
                track(false, 9.0, Some(2.0), 0),
            ],
            true,
            3,
        );
        let (figures, tally) = figures(&run, Vec::new());
        assert_eq!(figures.units, 2);
        assert_eq!(figures.unit_latencies_seconds, [2.0, 4.0]);
        assert_eq!(figures.throughput_per_minute(), Some(4.0));
        let site = figures.site.unwrap();
        assert_eq!((site.queue_seconds, site.rate_limited), (3.5, 3));
        assert_eq!(
            tally,
            RunTally {
                tracks: 3,
                failed: 1,
                wrong_mixes: 1
            }
        );
    }

    #[test]
    fn a_real_site_reports_its_429s_but_no_queue_time() {
        let quiet = outcome(vec![track(true, 2.0, None, 0)], false, 0);
        assert_eq!(figures(&quiet, Vec::new()).0.site, None);
        let refused = outcome(vec![track(true, 2.0, None, 0)], false, 2);
        let site = figures(&refused, Vec::new()).0.site.unwrap();
        assert_eq!((site.queue_seconds, site.rate_limited), (0.0, 2));
    }
}
