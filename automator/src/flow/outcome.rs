//! What a run produced: per song, per track (result, attempts, wall time, the stage's intrinsic
//! time when known), and the figures derived from them.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::auth::LoginKind;
use super::mix_limiter::MixRequestStats;

/// What an unfinished track or song says after a signal stopped the run.
pub const INTERRUPTED: &str = "interrupted";

/// The status of a song whose page the run has started to open but not yet opened.
pub const NOT_PROCESSED: &str = "not processed";

/// The result of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunOutcome {
    pub songs: Vec<SongOutcome>,
    pub tracks: Vec<TrackOutcome>,
    /// Whole run, browser start to browser stop.
    #[serde(serialize_with = "secs")]
    pub wall: Duration,
    /// A signal (Ctrl-C, SIGTERM, SIGHUP) stopped the run; unfinished tracks count as failed
    /// and say "interrupted".
    pub interrupted: bool,
    /// Whether a saved session was reused (`None` when the run never got that far).
    #[serde(serialize_with = "login_kind")]
    pub login: Option<LoginKind>,
    /// The run was against the embedded stage, so tracks carry intrinsic times.
    pub against_stage: bool,
    /// What each browser session did and its browser's peak memory (one entry per session).
    pub sessions: Vec<super::sessions::SessionFigures>,
    /// Mix requests as the automation saw them: HTTP 429s, time held off, queueing, the
    /// concurrency limit.
    pub mix_requests: MixRequestStats,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SongOutcome {
    pub name: String,
    pub url: String,
    /// Path of the song page (what the stage's ledger records).
    pub path: String,
    pub status: SongStatus,
    /// Tracks the page has (before `--max-tracks`).
    pub tracks_found: usize,
    /// `downloads/<Song>/`, once prepared.
    pub folder: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum SongStatus {
    /// Opened and its tracks processed (each track has its own result).
    Done,
    /// The account does not own it ("Add to cart"); reported and skipped.
    NotPurchased,
    /// Could not be opened or prepared.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackOutcome {
    pub song: String,
    /// Path of the song page (matches the stage's ledger).
    pub song_path: String,
    pub index: usize,
    pub name: String,
    pub ok: bool,
    pub attempts: u32,
    /// Attempts whose file turned out to be another track's mix.
    pub wrong_mixes: u32,
    /// Solo click to file in place, summed over all attempts.
    #[serde(serialize_with = "secs")]
    pub wall: Duration,
    /// The stage's own time for this track (solo apply + generation + transfer), all attempts.
    #[serde(serialize_with = "optional_secs")]
    pub intrinsic: Option<Duration>,
    /// The part of `intrinsic` the track's mixes waited for a generation slot at the stage
    /// (the rest is service time).
    #[serde(serialize_with = "optional_secs")]
    pub queue: Option<Duration>,
    /// Why the last attempt failed; `None` once the track succeeded.
    pub error: Option<String>,
    /// The file name named this track (always true for `ok`).
    pub verified: bool,
    pub file: Option<PathBuf>,
}

impl TrackOutcome {
    /// Automation overhead: wall − intrinsic (against the stage only).
    pub fn overhead(&self) -> Option<Duration> {
        self.intrinsic
            .map(|intrinsic| self.wall.saturating_sub(intrinsic))
    }
}

impl RunOutcome {
    pub fn tracks_ok(&self) -> usize {
        self.tracks.iter().filter(|track| track.ok).count()
    }

    pub fn tracks_failed(&self) -> usize {
        self.tracks.len() - self.tracks_ok()
    }

    pub fn songs_failed(&self) -> usize {
        self.songs
            .iter()
            .filter(|song| matches!(song.status, SongStatus::Failed(_)))
            .count()
    }

    /// Every track downloaded and verified, no song failed, not interrupted.
    pub fn all_ok(&self) -> bool {
        !self.interrupted && self.tracks_failed() == 0 && self.songs_failed() == 0
    }

    /// 0 when everything succeeded, 1 when some track or song failed. An interrupted run
    /// counts as failed here; the process exits with the signal's code instead (`signals`).
    pub fn exit_code(&self) -> i32 {
        if self.all_ok() { 0 } else { 1 }
    }

    /// Marks the run as stopped by a signal: every unfinished track and every song still
    /// being opened says "interrupted" (keeping an earlier attempt's failure after it), so the
    /// summary does not claim they were never tried.
    pub fn mark_interrupted(&mut self) {
        self.interrupted = true;
        for track in self.tracks.iter_mut().filter(|track| !track.ok) {
            track.error = Some(match track.error.take() {
                None => INTERRUPTED.to_string(),
                Some(earlier) => format!(
                    "{INTERRUPTED} (attempt {} failed: {earlier})",
                    track.attempts
                ),
            });
        }
        for song in &mut self.songs {
            if let SongStatus::Failed(reason) = &mut song.status
                && reason == NOT_PROCESSED
            {
                *reason = INTERRUPTED.to_string();
            }
        }
    }

    /// Median wall time of the successful tracks.
    pub fn median_wall(&self) -> Option<Duration> {
        median(
            self.tracks
                .iter()
                .filter(|track| track.ok)
                .map(|track| track.wall)
                .collect(),
        )
    }

    /// Median intrinsic time of the successful tracks (stage only).
    pub fn median_intrinsic(&self) -> Option<Duration> {
        median(
            self.tracks
                .iter()
                .filter(|track| track.ok)
                .filter_map(|track| track.intrinsic)
                .collect(),
        )
    }

    /// Median automation overhead of the successful tracks (stage only).
    pub fn median_overhead(&self) -> Option<Duration> {
        median(
            self.tracks
                .iter()
                .filter(|track| track.ok)
                .filter_map(TrackOutcome::overhead)
                .collect(),
        )
    }

    /// Median queue time (part of the intrinsic time) of the successful tracks (stage only).
    pub fn median_queue(&self) -> Option<Duration> {
        median(
            self.tracks
                .iter()
                .filter(|track| track.ok)
                .filter_map(|track| track.queue)
                .collect(),
        )
    }

    /// Σ queue time over every track (stage only).
    pub fn total_queue(&self) -> Option<Duration> {
        self.tracks
            .iter()
            .filter_map(|track| track.queue)
            .reduce(|a, b| a + b)
    }

    /// Σ wall / Σ intrinsic over the successful tracks (stage only).
    pub fn wall_to_intrinsic(&self) -> Option<f64> {
        let (wall, intrinsic) = self
            .tracks
            .iter()
            .filter(|track| track.ok)
            .filter_map(|track| Some((track.wall, track.intrinsic?)))
            .fold(
                (Duration::ZERO, Duration::ZERO),
                |(w, i), (wall, intrinsic)| (w + wall, i + intrinsic),
            );
        (!intrinsic.is_zero()).then(|| wall.as_secs_f64() / intrinsic.as_secs_f64())
    }
}

/// The middle value (mean of the two middle ones for an even count).
pub fn median(mut values: Vec<Duration>) -> Option<Duration> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2
    })
}

fn secs<S: serde::Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(value.as_secs_f64())
}

fn optional_secs<S: serde::Serializer>(
    value: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.serialize_some(&value.as_secs_f64()),
        None => serializer.serialize_none(),
    }
}

fn login_kind<S: serde::Serializer>(
    value: &Option<LoginKind>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(LoginKind::Reused) => serializer.serialize_some("reused"),
        Some(LoginKind::Fresh) => serializer.serialize_some("fresh"),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::outcome_fixtures::{run_outcome, song_outcome, track_outcome};

    fn track(ok: bool, wall: f64, intrinsic: Option<f64>) -> TrackOutcome {
        TrackOutcome {
            intrinsic: intrinsic.map(Duration::from_secs_f64),
            ..track_outcome("Drums", ok, Duration::from_secs_f64(wall))
        }
    }

    fn outcome(tracks: Vec<TrackOutcome>) -> RunOutcome {
        run_outcome(tracks, Duration::from_secs(10))
    }

    #[test]
    fn medians_and_ratio_use_successful_tracks_only() {
        let run = outcome(vec![
            track(true, 10.0, Some(9.0)),
            track(true, 12.0, Some(11.5)),
            track(false, 50.0, Some(1.0)),
        ]);
        assert_eq!(run.median_wall(), Some(Duration::from_secs(11)));
        assert_eq!(run.median_overhead(), Some(Duration::from_secs_f64(0.75)));
        assert!((run.wall_to_intrinsic().unwrap() - 22.0 / 20.5).abs() < 1e-9);
        assert_eq!((run.tracks_ok(), run.tracks_failed()), (2, 1));
        assert_eq!(run.exit_code(), 1);
    }

    #[test]
    fn all_ok_needs_every_track_and_song_and_no_interruption() {
        let mut run = outcome(vec![track(true, 1.0, None)]);
        assert_eq!(run.exit_code(), 0);
        assert_eq!(run.wall_to_intrinsic(), None);
        run.songs
            .push(song_outcome("Other", "/o.html", SongStatus::NotPurchased));
        assert_eq!(
            run.exit_code(),
            0,
            "a song the account does not own is reported, not failed"
        );
        run.songs[0].status = SongStatus::Failed("HTTP 500".into());
        assert_eq!(run.exit_code(), 1);
        run.songs.clear();
        run.interrupted = true;
        assert_eq!(run.exit_code(), 1);
    }

    #[test]
    fn an_interruption_names_every_unfinished_track_and_song() {
        let mut earlier_failure = track(false, 3.0, None);
        earlier_failure.error = Some("did not finish".into());
        let mut untouched = track(false, 0.0, None);
        untouched.error = None;
        untouched.attempts = 0;
        let mut run = outcome(vec![track(true, 1.0, None), earlier_failure, untouched]);
        run.songs.push(song_outcome(
            "Opening",
            "/o.html",
            SongStatus::Failed(NOT_PROCESSED.into()),
        ));
        run.mark_interrupted();
        let errors: Vec<Option<&str>> = run
            .tracks
            .iter()
            .map(|track| track.error.as_deref())
            .collect();
        assert_eq!(
            errors,
            [
                None,
                Some("interrupted (attempt 1 failed: did not finish)"),
                Some("interrupted")
            ]
        );
        assert_eq!(
            run.songs[0].status,
            SongStatus::Failed("interrupted".into())
        );
        assert!(run.interrupted && !run.all_ok());
    }

    #[test]
    fn serializes_durations_as_seconds() {
        let json = serde_json::to_value(outcome(vec![track(true, 1.5, Some(1.25))])).unwrap();
        assert_eq!(json["tracks"][0]["wall"], 1.5);
        assert_eq!(json["tracks"][0]["intrinsic"], 1.25);
        assert_eq!(json["wall"], 10.0);
    }
}
