//! Why a run could not start or had to stop.

use std::path::PathBuf;

use crate::browser::BrowserError;
use crate::config::KnobError;
use crate::stage::StageError;

use super::error::FlowError;

/// Why a run could not start or had to stop (bad input or setup: exit code 2). Failed tracks
/// are not errors; they are in the [`RunOutcome`](super::RunOutcome).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "--time-scale {0} is invalid: use a number greater than 0 and at most 100 (e.g. 1 or 0.05)"
    )]
    TimeScale(f64),
    #[error("invalid configuration: {0}")]
    Knobs(#[from] KnobError),
    #[error("--site {url:?} is not a usable address: {reason}")]
    SiteUrl { url: String, reason: String },
    #[error("cannot start the stage: {0}")]
    Stage(#[from] StageError),
    #[error("no songs to download: pass --songs FILE (only the embedded stage has a demo catalog)")]
    NoSongs,
    #[error("song {name:?}: URL {url:?} cannot be resolved against {base}")]
    SongUrl {
        name: String,
        url: String,
        base: String,
    },
    #[error(
        "songs file lists {url} twice with different keys ({first_key:+} and {key:+}): one song folder cannot hold both; keep one entry"
    )]
    ConflictingSong {
        url: String,
        first_key: i32,
        key: i32,
    },
    #[error("download directory {path} is not writable: {source}")]
    DownloadDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot delete the saved session {path}: {source}")]
    ClearSession {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Browser(#[from] BrowserError),
    #[error("cannot log in to {site}: {source}")]
    Login {
        site: String,
        #[source]
        source: FlowError,
    },
    #[error("the run had to stop: {0}")]
    Fatal(#[source] FlowError),
}
