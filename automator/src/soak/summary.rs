//! The figures of a soak, computed from the flow's per-round outcomes, its log of sessions and
//! track attempts, and the memory series: per round, cold versus warm, start/peak/end of every
//! memory series, and the leak trend.

use std::collections::BTreeSet;
use std::time::Instant;

use profiler::soak::{LeakVerdict, TrendError, leak_verdict, theil_sen};
use profiler::stats::{median, quantile};
use serde::{Deserialize, Serialize};

use super::memory::{MemorySample, SampleCause};
use crate::flow::RunOutcome;
use crate::flow::rounds::{SessionStart, TrackAttempt};

/// One round's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundFigures {
    /// 1-based.
    pub round: usize,
    pub tracks_ok: usize,
    pub tracks_failed: usize,
    /// The round's first song opened to its last track filed (browser start and login
    /// included when the round started a browser).
    pub wall_seconds: f64,
    /// Median of the round's tracks' solo-click-to-file times (all attempts).
    pub median_track_seconds: Option<f64>,
    pub interrupted: bool,
}

pub fn round_figures(rounds: &[RunOutcome]) -> Vec<RoundFigures> {
    rounds
        .iter()
        .enumerate()
        .map(|(index, outcome)| {
            let ok = outcome
                .tracks
                .iter()
                .filter(|track| track.ok && track.verified)
                .count();
            let seconds: Vec<f64> = outcome
                .tracks
                .iter()
                .map(|track| track.wall.as_secs_f64())
                .collect();
            RoundFigures {
                round: index + 1,
                tracks_ok: ok,
                tracks_failed: outcome.tracks.len() - ok,
                wall_seconds: outcome.wall.as_secs_f64(),
                median_track_seconds: median(&seconds),
                interrupted: outcome.interrupted,
            }
        })
        .collect()
}

/// The first track of one browser session (cold) against the rest (warm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdWarm {
    /// One entry per browser session that attempted a track.
    pub cold: Vec<ColdStart>,
    /// Every other track attempt.
    pub warm_attempts: usize,
    pub warm_median_seconds: Option<f64>,
    pub warm_p90_seconds: Option<f64>,
}

/// A browser session's cold start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStart {
    /// 1-based round the session started in.
    pub round: usize,
    /// Browser start, login, first song page and first track, until that track's file was
    /// in place (or its attempt failed).
    pub to_first_track_seconds: f64,
    /// The first track's own attempt (solo click to file), comparable with the warm figures.
    pub first_track_seconds: f64,
}

pub fn cold_warm(sessions: &[SessionStart], attempts: &[TrackAttempt]) -> ColdWarm {
    let mut seen = BTreeSet::new();
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for attempt in attempts {
        let seconds = attempt.elapsed.as_secs_f64();
        match (seen.insert(attempt.session), sessions.get(attempt.session)) {
            (true, Some(session)) => cold.push(ColdStart {
                round: session.round + 1,
                to_first_track_seconds: since(session.started, attempt.finished),
                first_track_seconds: seconds,
            }),
            _ => warm.push(seconds),
        }
    }
    ColdWarm {
        cold,
        warm_attempts: warm.len(),
        warm_median_seconds: median(&warm),
        warm_p90_seconds: quantile(&warm, 0.9),
    }
}

fn since(start: Instant, end: Instant) -> f64 {
    end.saturating_duration_since(start).as_secs_f64()
}

/// Start, peak and end of one memory series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesSummary {
    /// `automator`, `browser (total)`, `browser: <kind>`, `automator fds`, `browser fds`,
    /// `incoming`.
    pub series: String,
    /// `MiB` or `fds`.
    pub unit: String,
    pub start: f64,
    pub peak: f64,
    pub end: f64,
}

/// Start and end of every series at the first and last track boundary (the interval samples
/// before them catch the browser starting, those after it shutting down), peak over every
/// sample; without track boundaries, first and last sample.
pub fn series_summaries(samples: &[MemorySample]) -> Vec<SeriesSummary> {
    let boundaries: Vec<&MemorySample> = samples
        .iter()
        .filter(|sample| sample.cause == SampleCause::TrackBoundary)
        .collect();
    let (Some(first), Some(last)) = (
        boundaries.first().copied().or(samples.first()),
        boundaries.last().copied().or(samples.last()),
    ) else {
        return Vec::new();
    };
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    for sample in samples {
        kinds.extend(sample.browser_by_kind.keys().map(String::as_str));
    }
    let mut summaries = Vec::new();
    let mut add = |series: String, unit: &str, value: &dyn Fn(&MemorySample) -> f64| {
        summaries.push(SeriesSummary {
            series,
            unit: unit.to_owned(),
            start: value(first),
            peak: samples.iter().map(value).fold(f64::MIN, f64::max),
            end: value(last),
        });
    };
    add("automator".into(), "MiB", &|sample| sample.automator_mb);
    add("browser (total)".into(), "MiB", &|sample| sample.browser_mb);
    for kind in kinds {
        add(format!("browser: {kind}"), "MiB", &|sample| {
            sample.browser_by_kind.get(kind).copied().unwrap_or(0.0)
        });
    }
    add("automator fds".into(), "fds", &|sample| {
        sample.automator_fds as f64
    });
    add("browser fds".into(), "fds", &|sample| {
        sample.browser_fds as f64
    });
    add("incoming".into(), "MiB", &|sample| sample.incoming_mb);
    summaries
}

/// Track attempts left out of the leak trend at the start: Chromium fills its caches and
/// compiles its scripts on the first pages. A tenth of the soak, at least 2.
pub fn warmup_tracks(total_tracks: usize) -> usize {
    (total_tracks / 10).max(2)
}

/// The leak verdict on the browser tree's memory at the track boundaries after the warm-up,
/// in MiB per 100 tracks (Theil–Sen, see [`profiler::soak::trend`]).
pub fn browser_leak(samples: &[MemorySample], warmup: usize) -> Result<LeakVerdict, TrendError> {
    let points: Vec<(f64, f64)> = samples
        .iter()
        .filter(|sample| sample.cause == SampleCause::TrackBoundary && sample.tracks_done > warmup)
        .map(|sample| (sample.tracks_done as f64, sample.browser_mb))
        .collect();
    Ok(leak_verdict(theil_sen(&points)?.scaled(100.0)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;

    fn sample(tracks_done: usize, browser_mb: f64, cause: SampleCause) -> MemorySample {
        MemorySample {
            at_seconds: tracks_done as f64,
            cause,
            round: 1,
            tracks_done,
            automator_mb: 10.0 + tracks_done as f64,
            browser_mb,
            browser_by_kind: BTreeMap::from([("renderer".to_string(), browser_mb)]),
            browser_processes: 3,
            automator_fds: 20,
            browser_fds: 100,
            incoming_mb: 0.0,
        }
    }

    #[test]
    fn a_steady_climb_after_the_warmup_is_a_leak_per_hundred_tracks() {
        // 5 MiB per track after a warm-up jump; interval samples in between are ignored.
        let mut samples = vec![sample(1, 900.0, SampleCause::TrackBoundary)];
        for done in 2..=12 {
            samples.push(sample(done, 9999.0, SampleCause::Interval));
            samples.push(sample(
                done,
                300.0 + 5.0 * done as f64,
                SampleCause::TrackBoundary,
            ));
        }
        let verdict = browser_leak(&samples, 2).unwrap();
        assert_eq!(
            verdict.to_string(),
            "grows 500.0 MB per 100 tracks (95% CI 500.0 to 500.0)"
        );
        assert!(verdict.exceeds(400.0));
    }

    #[test]
    fn too_short_a_soak_has_no_verdict() {
        let samples: Vec<MemorySample> = (1..=5)
            .map(|done| sample(done, 300.0, SampleCause::TrackBoundary))
            .collect();
        assert!(browser_leak(&samples, 0).is_err());
        assert_eq!(warmup_tracks(5), 2);
        assert_eq!(warmup_tracks(200), 20);
    }

    #[test]
    fn series_report_start_peak_and_end_per_kind() {
        let samples = [
            sample(0, 30.0, SampleCause::Interval),
            sample(1, 300.0, SampleCause::TrackBoundary),
            sample(1, 420.0, SampleCause::Interval),
            sample(2, 350.0, SampleCause::TrackBoundary),
            sample(3, 20.0, SampleCause::Interval),
        ];
        let summaries = series_summaries(&samples);
        let browser = summaries
            .iter()
            .find(|summary| summary.series == "browser: renderer")
            .unwrap();
        assert_eq!(
            (browser.start, browser.peak, browser.end),
            (300.0, 420.0, 350.0)
        );
        let automator = &summaries[0];
        assert_eq!(
            (automator.start, automator.peak, automator.end),
            (11.0, 13.0, 12.0)
        );
        assert!(series_summaries(&[]).is_empty());
    }

    #[test]
    fn the_first_attempt_of_each_browser_session_is_cold() {
        let start = Instant::now();
        let sessions = [
            SessionStart {
                round: 0,
                started: start,
            },
            SessionStart {
                round: 2,
                started: start + Duration::from_secs(100),
            },
        ];
        let attempt = |session, finished_after, seconds| TrackAttempt {
            round: 0,
            session,
            song: "Song".into(),
            track: "Bass".into(),
            ok: true,
            elapsed: Duration::from_secs(seconds),
            finished: start + Duration::from_secs(finished_after),
        };
        let attempts = [
            attempt(0, 12, 4),
            attempt(0, 15, 2),
            attempt(0, 18, 3),
            attempt(1, 109, 5),
            attempt(1, 111, 2),
        ];
        let figures = cold_warm(&sessions, &attempts);
        assert_eq!(
            figures.cold,
            [
                ColdStart {
                    round: 1,
                    to_first_track_seconds: 12.0,
                    first_track_seconds: 4.0
                },
                ColdStart {
                    round: 3,
                    to_first_track_seconds: 9.0,
                    first_track_seconds: 5.0
                },
            ]
        );
        assert_eq!(figures.warm_attempts, 3);
        assert_eq!(figures.warm_median_seconds, Some(2.0));
    }
}
