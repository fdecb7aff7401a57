//! What can go wrong with baseline files, gate settings and hard limits.

use std::path::PathBuf;

/// A baseline problem, as one line naming the file or flag and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// A baseline (or profile) file could not be read.
    #[error("cannot read baseline file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not JSON, or not a baseline or profile report.
    #[error(
        "{}: not a valid baseline or profile file (line {line}, column {column}: {message}); save a new one with --save-baseline",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem, from `serde_json`.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// `serde_json`'s message.
        message: String,
    },
    /// The file's `schema` is one this version does not read (a newer one).
    #[error(
        "{}: baseline schema {found} is not supported (this version reads schema {supported}); save a new baseline",
        path.display()
    )]
    Schema {
        /// The file.
        path: PathBuf,
        /// The `schema` in the file.
        found: u64,
        /// The schema this version reads, [`BASELINE_SCHEMA`](super::BASELINE_SCHEMA).
        supported: u32,
    },
    /// A key is listed twice in the file.
    #[error(
        "{}: key `{key}` is listed twice (its calls would be counted twice); keep one entry or save a new baseline",
        path.display()
    )]
    DuplicateKey {
        /// The file.
        path: PathBuf,
        /// The key listed twice.
        key: String,
    },
    /// The baseline file could not be written (or renamed into place).
    #[error("cannot write baseline file {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A hard limit does not parse as `KEY:METRIC<DURATION` (or `<=`).
    #[error(
        "bad hard limit `{text}`: {problem} (expected KEY:METRIC<DURATION, e.g. track_management.solo_track:p95<33ms)"
    )]
    BadLimit {
        /// The limit as given.
        text: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A threshold is not a non-negative percentage, or a per-key threshold lacks `KEY=`.
    #[error(
        "bad threshold `{text}`: {problem} (expected a percentage such as 20 or 20%, or KEY=PCT for one key)"
    )]
    BadThreshold {
        /// The threshold as given.
        text: String,
        /// What is wrong with it.
        problem: String,
    },
}
