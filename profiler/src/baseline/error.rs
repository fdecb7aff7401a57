//! What can go wrong with baseline files, gate settings and hard limits.

use std::path::PathBuf;

/// A baseline problem, as one line naming the file or flag and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: not a valid baseline or profile file (line {line}, column {column}: {message}); save a new one with --save-baseline",
        path.display()
    )]
    Corrupt {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{}: baseline schema {found} is not supported (this version reads schema {supported}); save a new baseline",
        path.display()
    )]
    Schema {
        path: PathBuf,
        found: u64,
        supported: u32,
    },
    #[error(
        "{}: key `{key}` is listed twice (its calls would be counted twice); keep one entry or save a new baseline",
        path.display()
    )]
    DuplicateKey { path: PathBuf, key: String },
    #[error("cannot write baseline file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "bad hard limit `{text}`: {problem} (expected KEY:METRIC<DURATION, e.g. track_management.solo_track:p95<33ms)"
    )]
    BadLimit { text: String, problem: String },
    #[error(
        "bad threshold `{text}`: {problem} (expected a percentage such as 20 or 20%, or KEY=PCT for one key)"
    )]
    BadThreshold { text: String, problem: String },
}
