//! The soak itself: the rounds with the sampler running beside them, then the report printed
//! and saved, and the exit code (1 when a track failed or `--fail-on-leak` trips).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use profiler::report::{DEFAULT_REPORT_DIR, Stamp};
use profiler::{Profile, ProfilerHandle};

use profiler::soak::MemoryOverRun;

use super::chart::memory_over_run;
use super::key_rounds::key_rounds;
use super::report::{SOAK_KIND, SOAK_SCHEMA, SoakReport};
use super::sampler::{Sampler, Series, interval_at};
use super::summary::{
    attribute_tracks, browser_leak, cold_warm, round_figures, series_summaries, session_summaries,
    warmup_tracks,
};
use crate::app::{EXIT_FAILED_TRACKS, EXIT_OK};
use crate::config::Knobs;
use crate::flow::progress::print_line;
use crate::flow::{Rounds, RunError, RunOptions, Target, run_rounds};

/// What a soak is asked to do beyond a run.
#[derive(Debug, Clone, Default)]
pub struct SoakSettings {
    pub rounds: Rounds,
    /// `--fail-on-leak MB`: growth per 100 tracks that fails the soak.
    pub fail_on_leak_mb: Option<f64>,
    /// Where `soak_<stamp>.json` goes (`logs/performance/` by default).
    pub report_dir: Option<PathBuf>,
}

/// How a soak ended: its exit code, and its memory series for the profile's HTML report.
#[derive(Debug, Clone)]
pub struct SoakEnd {
    /// 0, or 1 when a track failed or `--fail-on-leak` tripped.
    pub code: u8,
    /// The memory series and leak verdict, drawn by the HTML report under `--profile`.
    pub memory: MemoryOverRun,
}

/// Runs the soak, prints its report and saves it; returns the exit code and the memory series.
pub async fn run_soak(
    options: &RunOptions,
    knobs: &Knobs,
    target: &Target,
    settings: &SoakSettings,
    profiler: Option<&ProfilerHandle>,
) -> Result<SoakEnd, RunError> {
    let started_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let series = Series::new(options.download_dir.clone(), options.sessions);
    // The profile at every round's start (and at the end): per-round latency per key.
    let snapshots: Arc<Mutex<Vec<Profile>>> = Arc::default();
    let mut log = series.soak_log();
    if let Some(profiler) = profiler {
        let (profiler, snapshots) = (profiler.clone(), Arc::clone(&snapshots));
        log = log.on_round_start(Box::new(move |_round| {
            let snapshot = profiler.snapshot("soak round");
            snapshots
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(snapshot);
        }));
    }
    let log = Arc::new(log);
    let interval = interval_at(options.time_scale);
    let sampler = Sampler::start(Arc::clone(&series), Arc::clone(&log), interval);
    let started = Instant::now();
    let outcome = Box::pin(run_rounds(
        options,
        knobs,
        target,
        &settings.rounds,
        Some(&log),
    ))
    .await;
    let wall = started.elapsed();
    sampler.finish().await;
    let mut snapshots =
        std::mem::take(&mut *snapshots.lock().unwrap_or_else(PoisonError::into_inner));
    if let Some(profiler) = profiler {
        snapshots.push(profiler.snapshot("soak end"));
    }
    let mut samples = series.samples();
    let rounds = outcome?;
    let attempts = log.attempts();
    attribute_tracks(&mut samples, &log.sessions(), &attempts);
    let warmup = warmup_tracks(attempts.len());
    let (leak, leak_unavailable) = match browser_leak(&samples, warmup) {
        Ok(verdict) => (Some(verdict), None),
        Err(error) => (None, Some(error.to_string())),
    };
    let report = SoakReport {
        schema: SOAK_SCHEMA,
        kind: SOAK_KIND.into(),
        started_at,
        time_scale: options.time_scale,
        repeat: settings.rounds.repeat,
        duration_seconds: settings
            .rounds
            .duration
            .map(|duration| duration.as_secs_f64()),
        restart_browser_every: settings.rounds.restart_browser_every,
        wall_seconds: wall.as_secs_f64(),
        rounds: round_figures(&rounds),
        cold_warm: cold_warm(&log.sessions(), &attempts),
        sample_interval_seconds: interval.as_secs_f64(),
        memory_summary: series_summaries(&samples),
        leak_warmup_tracks: warmup,
        leak,
        leak_unavailable,
        fail_on_leak_mb: settings.fail_on_leak_mb,
        sessions: session_summaries(&samples),
        keys_across_rounds: key_rounds(&snapshots),
        samples,
    };
    print_line(&report.render_text());
    let dir = settings
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_REPORT_DIR));
    let path = dir.join(format!("soak_{}.json", Stamp::now()));
    match std::fs::create_dir_all(&dir).and_then(|()| report.save(&path)) {
        Ok(()) => print_line(&format!("Soak report: {}", path.display())),
        Err(error) => eprintln!(
            "warning: soak report not written: {}: {error}",
            path.display()
        ),
    }
    let tracks_failed = report.rounds.iter().any(|round| round.tracks_failed > 0);
    Ok(SoakEnd {
        code: if tracks_failed || report.leak_gate_fails() {
            EXIT_FAILED_TRACKS
        } else {
            EXIT_OK
        },
        memory: memory_over_run(&report),
    })
}

/// `--duration` text (`90s`, `10m`, `1h 30m`) as a duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        Ok(_) => Err("use a duration greater than zero, e.g. 90s or 10m".into()),
        Err(error) => Err(format!("{error}; use e.g. 90s, 10m or 1h 30m")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(
            parse_duration("0s")
                .unwrap_err()
                .contains("greater than zero")
        );
        assert!(parse_duration("soon").unwrap_err().contains("e.g. 90s"));
    }
}
