//! The automation itself: authentication, track management, download management and file
//! operations, orchestrated per run.

pub mod auth;
pub mod context;
pub mod download;
pub mod error;
pub mod files;
pub mod incoming;
pub mod outcome;
pub mod progress;
pub mod run;
pub mod scripts;
pub mod summary;
pub mod tracks;

pub use error::FlowError;
pub use outcome::{RunOutcome, SongOutcome, SongStatus, TrackOutcome};
pub use run::{RunError, RunOptions, Target, run};
