//! Outcomes for unit tests, built in one place so a field added to [`RunOutcome`],
//! [`TrackOutcome`] or [`SongOutcome`] is filled in here once. Each function takes what tests
//! usually vary; a test sets anything else with struct update syntax
//! (`TrackOutcome { attempts: 3, ..track_outcome("Bass", false, wall) }`).

use std::time::Duration;

use super::outcome::{RunOutcome, SongOutcome, SongStatus, TrackOutcome};

/// A run against the stage that took `wall` and produced `tracks`: no songs, not interrupted,
/// no login recorded, no sessions, no mix requests.
pub(crate) fn run_outcome(tracks: Vec<TrackOutcome>, wall: Duration) -> RunOutcome {
    RunOutcome {
        songs: Vec::new(),
        tracks,
        wall,
        interrupted: false,
        login: None,
        against_stage: true,
        sessions: Vec::new(),
        mix_requests: Default::default(),
    }
}

/// Track 0, `name`, of the song "Song" at `/song.html`, done in one attempt taking `wall`:
/// verified when `ok`, else failed with the error "failed". No intrinsic or queue time, no
/// file.
pub(crate) fn track_outcome(name: &str, ok: bool, wall: Duration) -> TrackOutcome {
    TrackOutcome {
        song: "Song".into(),
        song_path: "/song.html".into(),
        index: 0,
        name: name.into(),
        ok,
        attempts: 1,
        wrong_mixes: 0,
        wall,
        intrinsic: None,
        queue: None,
        error: (!ok).then(|| "failed".into()),
        verified: ok,
        file: None,
    }
}

/// The song `name` at `path` (URL `http://x` + `path`) with `status`: no tracks found, no
/// folder.
pub(crate) fn song_outcome(name: &str, path: &str, status: SongStatus) -> SongOutcome {
    SongOutcome {
        name: name.into(),
        url: format!("http://x{path}"),
        path: path.into(),
        status,
        tracks_found: 0,
        folder: None,
    }
}
