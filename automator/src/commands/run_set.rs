//! The record of runs under one preset: what `--baseline-test` and each arm of `--ab-test`
//! save as `logs/performance/baselines/baseline_<preset>_<YYYYMMDD_HHMMSS>.json`.
//!
//! One file holds the preset, the knobs it produced, the machine, and per run: its durations,
//! per-track times (with the stage's intrinsic time when known), success counts, errors and
//! the profile recorded during that run alone.

use std::path::Path;

use profiler::preset::KnobChange;
use profiler::stats::{Summary, format_seconds};
use profiler::{MachineInfo, Profile};
use serde::{Deserialize, Serialize};

use super::error::CommandError;
use crate::config::Knobs;
use crate::flow::RunOutcome;
use crate::flow::mix_limiter::MixRequestStats;

/// Version of the preset-run file layout.
pub const RUN_SET_SCHEMA: u32 = 1;
/// The `kind` field that tells these files apart from gate baselines and profiles.
pub const RUN_SET_KIND: &str = "preset_runs";

/// One track of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackRecord {
    pub song: String,
    pub track: String,
    pub index: usize,
    /// Downloaded, and the file named this track (the right mix).
    pub correct: bool,
    pub attempts: u32,
    pub wrong_mixes: u32,
    /// Solo click to file in place, all attempts.
    pub seconds: f64,
    /// The stage's own time for the track (stage runs only).
    pub intrinsic_seconds: Option<f64>,
    /// The part of `intrinsic_seconds` its mixes queued for a generation slot (stage runs
    /// only; absent in files written before it was recorded).
    #[serde(default)]
    pub queue_seconds: Option<f64>,
    pub error: Option<String>,
}

/// One run under the preset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Position in the command's run order (0-based).
    pub position: usize,
    /// Stage seed of this run (`None` against a real site).
    pub seed: Option<u64>,
    /// Browser start to browser stop.
    pub wall_seconds: f64,
    /// Time spent in the songs (opening each song page to its last track filed, retries
    /// included); browser start-up and login are left out because they do not depend on the
    /// preset. Time per track = `work_seconds / tracks_attempted`.
    pub work_seconds: f64,
    pub tracks_attempted: u64,
    pub tracks_correct: u64,
    pub interrupted: bool,
    /// Failed songs and tracks, one line each.
    pub errors: Vec<String>,
    pub tracks: Vec<TrackRecord>,
    /// Mix requests as the automation saw them: HTTP 429s, time held off, queueing, the
    /// concurrency limit (zero in files written before it was recorded).
    #[serde(default)]
    pub mix_requests: MixRequestStats,
    /// Everything the profiler recorded during this run only.
    pub profile: Profile,
}

/// The profiler key of one song pass (see `flow::run`), whose total time is a run's work.
pub const SONG_KEY: &str = "automation.song";

impl RunRecord {
    pub fn new(
        position: usize,
        seed: Option<u64>,
        outcome: &RunOutcome,
        profile: Profile,
    ) -> RunRecord {
        let wall_seconds = outcome.wall.as_secs_f64();
        let song_ns: u64 = profile
            .keys
            .iter()
            .filter(|key| key.key == SONG_KEY)
            .map(|key| key.total_ns)
            .sum();
        let work_seconds = if song_ns > 0 {
            song_ns as f64 / 1e9
        } else {
            wall_seconds
        };
        let tracks: Vec<TrackRecord> = outcome
            .tracks
            .iter()
            .map(|track| TrackRecord {
                song: track.song.clone(),
                track: track.name.clone(),
                index: track.index,
                correct: track.ok && track.verified,
                attempts: track.attempts,
                wrong_mixes: track.wrong_mixes,
                seconds: track.wall.as_secs_f64(),
                intrinsic_seconds: track.intrinsic.map(|intrinsic| intrinsic.as_secs_f64()),
                queue_seconds: track.queue.map(|queue| queue.as_secs_f64()),
                error: track.error.clone(),
            })
            .collect();
        let mut errors: Vec<String> = outcome
            .songs
            .iter()
            .filter_map(|song| match &song.status {
                crate::flow::SongStatus::Failed(reason) => Some(format!("{}: {reason}", song.name)),
                _ => None,
            })
            .collect();
        errors.extend(tracks.iter().filter(|track| !track.correct).map(|track| {
            format!(
                "{} / {}: {}",
                track.song,
                track.track,
                track.error.as_deref().unwrap_or("not verified")
            )
        }));
        RunRecord {
            position,
            seed,
            wall_seconds,
            work_seconds,
            tracks_attempted: tracks.len() as u64,
            tracks_correct: tracks.iter().filter(|track| track.correct).count() as u64,
            interrupted: outcome.interrupted,
            errors,
            tracks,
            mix_requests: outcome.mix_requests.clone(),
            profile,
        }
    }

    /// Downloads that turned out to be another track's mix (caught, deleted and retried).
    pub fn wrong_mixes(&self) -> u32 {
        self.tracks.iter().map(|track| track.wrong_mixes).sum()
    }

    /// Attempts beyond the first, over all tracks.
    pub fn retries(&self) -> u32 {
        self.tracks
            .iter()
            .map(|track| track.attempts.saturating_sub(1))
            .sum()
    }

    /// Seconds per attempted track, `None` when the run attempted none.
    pub fn seconds_per_track(&self) -> Option<f64> {
        (self.tracks_attempted > 0).then(|| self.work_seconds / self.tracks_attempted as f64)
    }
}

/// Every run of one preset in one command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresetRunSet {
    pub schema: u32,
    /// Always [`RUN_SET_KIND`].
    pub kind: String,
    pub preset: String,
    pub description: String,
    /// The preset file, or "(built-in) …".
    pub preset_source: Option<String>,
    /// The knobs the runs used (before time scaling).
    pub knobs: Knobs,
    /// What the preset changed relative to the starting configuration.
    pub knob_changes: Vec<KnobChange>,
    /// Multiplier of every knob and stage delay.
    pub time_scale: f64,
    /// "stage" or the site's URL.
    pub target: String,
    pub max_tracks: Option<usize>,
    /// RFC 3339 time the first run started.
    pub recorded_at: String,
    pub git_commit: Option<String>,
    pub machine: MachineInfo,
    pub runs: Vec<RunRecord>,
}

impl PresetRunSet {
    /// Time per track of every run that attempted a track.
    pub fn seconds_per_track(&self) -> Vec<f64> {
        self.runs
            .iter()
            .filter_map(RunRecord::seconds_per_track)
            .collect()
    }

    pub fn tracks_attempted(&self) -> u64 {
        self.runs.iter().map(|run| run.tracks_attempted).sum()
    }

    pub fn tracks_correct(&self) -> u64 {
        self.runs.iter().map(|run| run.tracks_correct).sum()
    }

    pub fn wrong_mixes(&self) -> u32 {
        self.runs.iter().map(RunRecord::wrong_mixes).sum()
    }

    pub fn retries(&self) -> u32 {
        self.runs.iter().map(RunRecord::retries).sum()
    }

    /// A few lines for the terminal: runs, time per track (median and spread), wall time per
    /// run, correct files and errors.
    pub fn summary(&self) -> String {
        let mut text = format!("{}: {} run(s)", self.preset, self.runs.len());
        if let Some(per_track) = Summary::of(&self.seconds_per_track()) {
            text.push_str(&format!(
                ", time per track median {} (IQR {}, range {}–{})",
                format_seconds(per_track.median),
                format_seconds(per_track.iqr),
                format_seconds(per_track.min),
                format_seconds(per_track.max)
            ));
        }
        let walls: Vec<f64> = self.runs.iter().map(|run| run.wall_seconds).collect();
        if let Some(wall) = Summary::of(&walls) {
            text.push_str(&format!(
                ", wall per run median {}",
                format_seconds(wall.median)
            ));
        }
        let attempted = self.tracks_attempted();
        let correct = self.tracks_correct();
        text.push_str(&format!("\n  correct files: {correct}/{attempted}"));
        if attempted > 0 {
            text.push_str(&format!(
                " ({:.0}%)",
                correct as f64 * 100.0 / attempted as f64
            ));
        }
        text.push_str(&format!(
            ", retried attempts: {} (wrong mixes: {})",
            self.retries(),
            self.wrong_mixes()
        ));
        let errors: Vec<&String> = self.runs.iter().flat_map(|run| run.errors.iter()).collect();
        if !errors.is_empty() {
            text.push_str(&format!("\n  errors ({}):", errors.len()));
            for error in errors.iter().take(5) {
                text.push_str(&format!("\n    {error}"));
            }
        }
        text
    }

    /// Writes the set as pretty JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<(), CommandError> {
        let mut json = serde_json::to_string_pretty(self).map_err(|error| CommandError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(error),
        })?;
        json.push('\n');
        profiler::atomic::write_atomic(path, json.as_bytes()).map_err(|source| {
            CommandError::Write {
                path: path.to_path_buf(),
                source,
            }
        })
    }

    /// Reads a file written by [`PresetRunSet::save`].
    pub fn load(path: &Path) -> Result<PresetRunSet, CommandError> {
        let text = std::fs::read_to_string(path).map_err(|source| CommandError::BadFlag {
            flag: "baseline file",
            problem: format!("cannot read {}: {source}", path.display()),
        })?;
        PresetRunSet::parse(&text, path)
    }

    /// Parses the JSON text of a preset-run file; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<PresetRunSet, CommandError> {
        serde_json::from_str(text).map_err(|error| {
            let message = error.to_string();
            CommandError::CorruptRunSet {
                path: path.to_path_buf(),
                line: error.line(),
                column: error.column(),
                message: message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_string(),
            }
        })
    }

    /// Whether JSON text looks like a preset-run file (rather than a gate baseline or profile).
    pub fn is_run_set(value: &serde_json::Value) -> bool {
        value.get("kind").and_then(serde_json::Value::as_str) == Some(RUN_SET_KIND)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::commands::test_fixtures::{profile_with, run_set};
    use crate::flow::outcome_fixtures::{run_outcome, song_outcome, track_outcome};
    use crate::flow::{SongStatus, TrackOutcome};

    fn track(name: &str, ok: bool, seconds: f64) -> TrackOutcome {
        TrackOutcome {
            song: "Paper Moon Parade".into(),
            attempts: if ok { 1 } else { 2 },
            wrong_mixes: u32::from(!ok),
            intrinsic: Some(Duration::from_secs_f64(seconds / 2.0)),
            queue: Some(Duration::from_secs_f64(seconds / 4.0)),
            error: (!ok).then(|| "wrong mix: got Bass".to_string()),
            ..track_outcome(name, ok, Duration::from_secs_f64(seconds))
        }
    }

    fn outcome() -> RunOutcome {
        RunOutcome {
            songs: vec![song_outcome(
                "Count Me In",
                "/c.html",
                SongStatus::Failed("HTTP 500".into()),
            )],
            ..run_outcome(
                vec![track("Drums", true, 2.0), track("Bass", false, 3.0)],
                Duration::from_secs(9),
            )
        }
    }

    #[test]
    fn a_run_counts_correct_tracks_lists_errors_and_takes_its_work_from_the_song_passes() {
        let profile = profile_with(2, 3);
        let song_ns = profile
            .keys
            .iter()
            .find(|key| key.key == SONG_KEY)
            .unwrap()
            .total_ns;
        let record = RunRecord::new(4, Some(7), &outcome(), profile);
        assert_eq!((record.tracks_attempted, record.tracks_correct), (2, 1));
        assert_eq!(record.work_seconds, song_ns as f64 / 1e9);
        assert_eq!(record.wall_seconds, 9.0);
        assert_eq!(record.seconds_per_track(), Some(record.work_seconds / 2.0));
        assert_eq!(
            record.errors,
            [
                "Count Me In: HTTP 500",
                "Paper Moon Parade / Bass: wrong mix: got Bass"
            ]
        );
        assert_eq!(record.tracks[0].intrinsic_seconds, Some(1.0));
        assert_eq!(record.tracks[0].queue_seconds, Some(0.5));
    }

    #[test]
    fn a_run_keeps_its_mix_requests_and_older_files_without_them_still_read() {
        let mut rate_limited = outcome();
        rate_limited.mix_requests.rate_limited = 2;
        rate_limited.mix_requests.backoff = Duration::from_millis(1500);
        let record = RunRecord::new(0, None, &rate_limited, profile_with(1, 1));
        let mut json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["mix_requests"]["rate_limited"], 2);
        assert_eq!(json["mix_requests"]["backoff"], 1.5);
        assert_eq!(
            serde_json::from_value::<RunRecord>(json.clone()).unwrap(),
            record
        );
        json.as_object_mut().unwrap().remove("mix_requests");
        json["tracks"][0]
            .as_object_mut()
            .unwrap()
            .remove("queue_seconds");
        let older: RunRecord = serde_json::from_value(json).unwrap();
        assert_eq!(older.mix_requests, MixRequestStats::default());
        assert_eq!(older.tracks[0].queue_seconds, None);
    }

    #[test]
    fn without_song_passes_the_work_is_the_whole_run() {
        let record = RunRecord::new(0, None, &outcome(), profile_with(0, 0));
        assert_eq!(record.work_seconds, 9.0);
    }

    #[test]
    fn saves_loads_and_summarises() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("baseline_current_20250805_111204.json");
        let set = run_set(
            "current",
            vec![RunRecord::new(0, Some(0), &outcome(), profile_with(1, 2))],
        );
        set.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(PresetRunSet::is_run_set(
            &serde_json::from_str(&text).unwrap()
        ));
        assert_eq!(PresetRunSet::load(&path).unwrap(), set);
        let summary = set.summary();
        assert!(
            summary.starts_with("current: 1 run(s), time per track median"),
            "{summary}"
        );
        assert!(
            summary.contains("correct files: 1/2 (50%), retried attempts: 1 (wrong mixes: 1)"),
            "{summary}"
        );
        assert!(summary.contains("errors (2)"), "{summary}");
    }

    #[test]
    fn a_damaged_file_names_its_line() {
        let error = PresetRunSet::parse(
            "{\n\"schema\": 1,\n\"kind\": \"preset_runs\",\n\"runs\": [}\n",
            Path::new("b.json"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("b.json: not a preset-run file (line 4"),
            "{error}"
        );
    }
}
