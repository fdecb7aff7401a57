//! The automation itself: authentication, track management, download management and file
//! operations, orchestrated per run.

pub mod auth;
pub mod context;
pub mod download;
pub mod error;
pub mod files;
pub mod incoming;
pub mod mix_limiter;
pub mod options;
pub mod outcome;
#[cfg(test)]
pub(crate) mod outcome_fixtures;
mod plan;
pub mod progress;
pub mod rate_limited;
pub mod rounds;
pub mod run;
pub mod run_error;
pub mod scripts;
pub mod sessions;
mod song_pass;
pub mod summary;
pub mod tracks;

pub use error::FlowError;
pub use options::{RunOptions, Target};
pub use outcome::{RunOutcome, SongOutcome, SongStatus, TrackOutcome};
pub use rounds::{Rounds, SoakLog};
pub use run::{run, run_rounds};
pub use run_error::RunError;
pub use sessions::SessionFigures;
