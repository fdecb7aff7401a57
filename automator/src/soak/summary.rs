//! The figures of a soak, computed from the flow's per-round outcomes, its log of sessions and
//! track attempts, and the memory series: per round, cold versus warm, start/peak/end of every
//! memory series, and the leak trend, for the whole browser tree and (with `--sessions N`) for
//! each session's own browser.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use profiler::soak::{LeakVerdict, TrendError, leak_verdict, retained_trend};
use profiler::stats::{median, quantile};
use serde::{Deserialize, Serialize};

use super::memory::{MemorySample, SampleCause, SessionMemory};
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

/// The leak verdict on the browser tree's retained memory at the track boundaries after the
/// warm-up, in MiB per 100 tracks (Theil–Sen on the retained floor, see
/// [`profiler::soak::retained_trend`]).
pub fn browser_leak(samples: &[MemorySample], warmup: usize) -> Result<LeakVerdict, TrendError> {
    let points: Vec<(f64, f64)> = samples
        .iter()
        .filter(|sample| sample.cause == SampleCause::TrackBoundary)
        .map(|sample| (sample.tracks_done as f64, sample.browser_mb))
        .collect();
    leak_after_warmup(&points, warmup)
}

/// The verdict on `(tracks done, MiB)` points (in the run's order) past the first `warmup`
/// tracks, per 100 tracks. The trend is fitted on the retained floor, not the readings: a
/// browser climbs between garbage collections and gives the memory back, and one climb of a
/// short soak is not a leak.
fn leak_after_warmup(points: &[(f64, f64)], warmup: usize) -> Result<LeakVerdict, TrendError> {
    let points: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(tracks, _)| *tracks > warmup as f64)
        .collect();
    Ok(leak_verdict(retained_trend(&points)?.scaled(100.0)))
}

/// Fills in every sample's per-session `tracks_done`: the track attempts that session's
/// browsers had finished by then. A sample's `tracks_done` counts the log's first attempts
/// (the boundary hook reads right after appending one), so the count is exact.
pub fn attribute_tracks(
    samples: &mut [MemorySample],
    browsers: &[SessionStart],
    attempts: &[TrackAttempt],
) {
    // done_by[session][k]: that session's attempts among the first k.
    let mut done_by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for sample in samples.iter() {
        for session in &sample.sessions {
            done_by.entry(session.session).or_default();
        }
    }
    for (session, counts) in &mut done_by {
        counts.push(0);
        for attempt in attempts {
            let mine = browsers
                .get(attempt.session)
                .is_some_and(|browser| browser.session == *session);
            counts.push(counts.last().copied().unwrap_or(0) + usize::from(mine));
        }
    }
    for sample in samples {
        for session in &mut sample.sessions {
            if let Some(counts) = done_by.get(&session.session) {
                session.tracks_done = counts[sample.tracks_done.min(counts.len() - 1)];
            }
        }
    }
}

/// One session's browser over the soak (`--sessions N`, N > 1): its memory and the leak
/// verdict on it, judged over its own tracks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// 1-based, as in the progress (`s1`) and the run summary.
    pub session: usize,
    /// Track attempts it finished.
    pub tracks_done: usize,
    /// Its browser tree's resident memory at its own first and last track boundary (first
    /// and last reading without any), and the peak over every reading, in MiB.
    pub start_mb: f64,
    pub peak_mb: f64,
    pub end_mb: f64,
    /// Its first track attempts left out of its leak trend ([`warmup_tracks`] of its own).
    pub leak_warmup_tracks: usize,
    /// Its browser tree's memory over its own completed tracks (the reading right after each
    /// of its attempts), MiB per 100 of its tracks; `None` with `leak_unavailable` saying why.
    pub leak: Option<LeakVerdict>,
    pub leak_unavailable: Option<String>,
}

/// Per session named in the samples (after [`attribute_tracks`]), in session order: start,
/// peak and end of its browser memory and its leak verdict. Empty with one session.
pub fn session_summaries(samples: &[MemorySample]) -> Vec<SessionSummary> {
    let sessions: BTreeSet<usize> = samples
        .iter()
        .flat_map(|sample| sample.sessions.iter().map(|session| session.session))
        .collect();
    sessions
        .into_iter()
        .map(|number| {
            let readings: Vec<(&MemorySample, &SessionMemory)> = samples
                .iter()
                .filter_map(|sample| {
                    let session = sample.sessions.iter().find(|s| s.session == number)?;
                    Some((sample, session))
                })
                .collect();
            // The reading at each of its own boundaries: the first boundary sample at which
            // its count of tracks went up.
            let mut own_boundaries: Vec<(f64, f64)> = Vec::new();
            let mut counted = 0;
            for (sample, session) in &readings {
                if sample.cause == SampleCause::TrackBoundary && session.tracks_done > counted {
                    counted = session.tracks_done;
                    own_boundaries.push((counted as f64, session.browser_mb));
                }
            }
            let first = readings.first().map_or(0.0, |(_, s)| s.browser_mb);
            let last = readings.last().map_or(0.0, |(_, s)| s.browser_mb);
            let tracks_done = readings
                .iter()
                .map(|(_, session)| session.tracks_done)
                .max()
                .unwrap_or(0);
            let warmup = warmup_tracks(tracks_done);
            let (leak, leak_unavailable) = match leak_after_warmup(&own_boundaries, warmup) {
                Ok(verdict) => (Some(verdict), None),
                Err(error) => (None, Some(error.to_string())),
            };
            SessionSummary {
                session: number,
                tracks_done,
                start_mb: own_boundaries.first().map_or(first, |(_, mb)| *mb),
                peak_mb: readings
                    .iter()
                    .map(|(_, session)| session.browser_mb)
                    .fold(0.0, f64::max),
                end_mb: own_boundaries.last().map_or(last, |(_, mb)| *mb),
                leak_warmup_tracks: warmup,
                leak,
                leak_unavailable,
            }
        })
        .collect()
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
            sessions: Vec::new(),
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
            "grows 500.0 MB per 100 tracks (95% CI 500.0 to 555.6)"
        );
        assert!(verdict.exceeds(400.0));
    }

    /// What a 20-round soak without a leak measured: Chromium climbed about 1.3 MB a track
    /// for 37 tracks, then a garbage collection gave it all back. Fitted on the readings the
    /// climb was "grows 130 MB per 100 tracks"; on memory never given back it is none.
    #[test]
    fn a_climb_given_back_before_the_end_is_no_growth() {
        let climb_then_fall: Vec<MemorySample> = (1..=40)
            .map(|done| {
                let mb = if done <= 37 {
                    990.0 + 1.3 * done as f64
                } else {
                    1000.0 + done as f64 / 10.0
                };
                sample(done, mb, SampleCause::TrackBoundary)
            })
            .collect();
        let verdict = browser_leak(&climb_then_fall, 4).unwrap();
        // Bounded by what was kept: the end (1004.0) over the floor after the warm-up (996.5,
        // track 5), plus the median step between readings (the climb's 1.3), over the 35
        // tracks between.
        let kept_per_100 = (1004.0 - 996.5 + 1.3) / 35.0 * 100.0;
        assert!(
            matches!(verdict, LeakVerdict::NoGrowth { bound_mb, .. } if (bound_mb - kept_per_100).abs() < 1e-9),
            "{verdict}"
        );
        // The same climb without the fall is growth at the climb's rate.
        let still_climbing = &climb_then_fall[..37];
        let verdict = browser_leak(still_climbing, 4).unwrap();
        assert_eq!(
            verdict.to_string(),
            "grows 130.0 MB per 100 tracks (95% CI 130.0 to 134.1)"
        );
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

    /// Two sessions taking turns for 24 track attempts; session 1 replaces its browser after
    /// its sixth track. Session 1 stays at 500 MB; session 2 grows 10 MB per track of its
    /// own (1000 MB per 100 of its tracks), half the tracks of the soak.
    fn two_sessions_one_leaking() -> (Vec<MemorySample>, Vec<SessionStart>, Vec<TrackAttempt>) {
        let start = Instant::now();
        let browser = |session, run_tag: &str| SessionStart {
            round: 0,
            session,
            run_tag: run_tag.into(),
            started: start,
        };
        let browsers = vec![browser(1, "a"), browser(2, "b"), browser(1, "c")];
        let mut attempts = Vec::new();
        let mut samples = Vec::new();
        let (mut own_1, mut own_2) = (0, 0);
        for done in 1..=24 {
            let by_first = done % 2 == 1;
            match by_first {
                true => own_1 += 1,
                false => own_2 += 1,
            }
            attempts.push(TrackAttempt {
                round: 0,
                session: match (by_first, own_1 > 6) {
                    (true, false) => 0,
                    (true, true) => 2,
                    (false, _) => 1,
                },
                song: "Song".into(),
                track: "Bass".into(),
                ok: true,
                elapsed: Duration::from_secs(1),
                finished: start,
            });
            let leaking = 300.0 + 10.0 * own_2 as f64;
            let reading = |cause, first_mb, second_mb| {
                let mut reading = sample(done, first_mb + second_mb, cause);
                reading.sessions = vec![
                    SessionMemory {
                        session: 1,
                        browser_mb: first_mb,
                        browser_processes: 6,
                        tracks_done: 0,
                    },
                    SessionMemory {
                        session: 2,
                        browser_mb: second_mb,
                        browser_processes: 6,
                        tracks_done: 0,
                    },
                ];
                reading
            };
            samples.push(reading(SampleCause::TrackBoundary, 500.0, leaking));
            // An interval reading between boundaries: part of the peak, not of the trend.
            samples.push(reading(SampleCause::Interval, 520.0, leaking + 1.0));
        }
        (samples, browsers, attempts)
    }

    #[test]
    fn tracks_are_attributed_to_the_session_whose_browser_made_them() {
        let (mut samples, browsers, attempts) = two_sessions_one_leaking();
        attribute_tracks(&mut samples, &browsers, &attempts);
        let counts = |index: usize| -> Vec<usize> {
            samples[index]
                .sessions
                .iter()
                .map(|session| session.tracks_done)
                .collect()
        };
        // After the 1st, 2nd and 24th attempts (boundary samples 0, 2, 46).
        assert_eq!(counts(0), [1, 0]);
        assert_eq!(counts(2), [1, 1]);
        assert_eq!(counts(46), [12, 12], "both browsers of session 1 count");
    }

    #[test]
    fn each_session_gets_its_own_memory_figures_and_leak_verdict() {
        let (mut samples, browsers, attempts) = two_sessions_one_leaking();
        attribute_tracks(&mut samples, &browsers, &attempts);
        let sessions = session_summaries(&samples);
        assert_eq!(sessions.len(), 2);
        let (steady, leaking) = (&sessions[0], &sessions[1]);
        assert_eq!((steady.session, steady.tracks_done), (1, 12));
        assert_eq!(
            (steady.start_mb, steady.peak_mb, steady.end_mb),
            (500.0, 520.0, 500.0)
        );
        assert_eq!(
            steady.leak.unwrap().to_string(),
            "no growth detected (≤ 0.0 MB per 100 tracks)"
        );
        assert_eq!((leaking.session, leaking.leak_warmup_tracks), (2, 2));
        // Its first own boundary is the 2nd attempt of the soak: 300 + 10.
        assert_eq!(
            (leaking.start_mb, leaking.peak_mb, leaking.end_mb),
            (310.0, 421.0, 420.0)
        );
        let verdict = leaking.leak.unwrap();
        assert_eq!(
            verdict.to_string(),
            "grows 1000.0 MB per 100 tracks (95% CI 1000.0 to 1111.1)"
        );
        // The sum of both grows half as fast per track of the soak: a gate on it alone
        // would let a 600 MB limit pass what the leaking session fails.
        let total = browser_leak(&samples, warmup_tracks(24)).unwrap();
        assert!(!total.exceeds(600.0), "{total}");
        assert!(verdict.exceeds(600.0));
    }

    #[test]
    fn one_session_has_no_per_session_figures() {
        let samples: Vec<MemorySample> = (1..=8)
            .map(|done| sample(done, 300.0, SampleCause::TrackBoundary))
            .collect();
        assert!(session_summaries(&samples).is_empty());
    }

    #[test]
    fn a_session_with_too_few_tracks_says_why_it_has_no_verdict() {
        let (mut samples, browsers, attempts) = two_sessions_one_leaking();
        samples.truncate(8);
        attribute_tracks(&mut samples, &browsers, &attempts);
        let sessions = session_summaries(&samples);
        assert!(sessions.iter().all(|session| session.leak.is_none()));
        assert!(
            sessions[1]
                .leak_unavailable
                .as_deref()
                .unwrap()
                .contains("needs at least 6"),
            "{sessions:?}"
        );
    }

    #[test]
    fn the_first_attempt_of_each_browser_session_is_cold() {
        let start = Instant::now();
        let sessions = [
            SessionStart {
                round: 0,
                session: 1,
                run_tag: "a".into(),
                started: start,
            },
            SessionStart {
                round: 2,
                session: 1,
                run_tag: "b".into(),
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
