//! Fixtures for the commands' unit tests: real profiles recorded by the profiler layer from a
//! few spans shaped like the automator's, and run records built on them.

use profiler::{Config, MachineInfo, Profile, ProfilerLayer};
use tracing_subscriber::prelude::*;

use super::run_set::{PresetRunSet, RUN_SET_KIND, RUN_SET_SCHEMA, RunRecord, TrackRecord};
use crate::config::Knobs;

/// A profile with `songs` song passes (`automation.song`), each with `solo_waits` calls of
/// `track_management.wait_for_solo`.
pub fn profile_with(songs: usize, solo_waits: usize) -> Profile {
    let (layer, handle) = ProfilerLayer::new(Config::default());
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..songs {
            let song = tracing::info_span!("song", tier = "system", component = "automation");
            let _song = song.enter();
            for _ in 0..solo_waits {
                let wait = tracing::info_span!(
                    "wait_for_solo",
                    tier = "method",
                    component = "track_management"
                );
                let _wait = wait.enter();
                std::hint::black_box((0..1000).sum::<u64>());
            }
        }
    });
    handle.snapshot("test")
}

/// A run of `tracks` tracks, `wrong_mixes` of which needed a second attempt.
pub fn record(tracks: usize, wrong_mixes: usize, work_seconds: f64) -> RunRecord {
    let tracks: Vec<TrackRecord> = (0..tracks)
        .map(|index| TrackRecord {
            song: "Paper Moon Parade".into(),
            track: format!("Track {index}"),
            index,
            correct: true,
            attempts: if index < wrong_mixes { 2 } else { 1 },
            wrong_mixes: u32::from(index < wrong_mixes),
            seconds: work_seconds / tracks as f64,
            intrinsic_seconds: None,
            queue_seconds: None,
            error: None,
        })
        .collect();
    RunRecord {
        position: 0,
        seed: Some(0),
        wall_seconds: work_seconds + 2.0,
        work_seconds,
        tracks_attempted: tracks.len() as u64,
        tracks_correct: tracks.len() as u64,
        interrupted: false,
        errors: Vec::new(),
        tracks,
        mix_requests: Default::default(),
        profile: profile_with(1, 1),
    }
}

/// The runs of `preset`.
pub fn run_set(preset: &str, runs: Vec<RunRecord>) -> PresetRunSet {
    PresetRunSet {
        schema: RUN_SET_SCHEMA,
        kind: RUN_SET_KIND.into(),
        preset: preset.into(),
        description: "d".into(),
        preset_source: None,
        knobs: Knobs::default(),
        knob_changes: Vec::new(),
        time_scale: 0.05,
        target: "stage".into(),
        max_tracks: Some(2),
        recorded_at: "2025-08-05T11:12:04Z".into(),
        git_commit: None,
        machine: MachineInfo::current(),
        runs,
    }
}
