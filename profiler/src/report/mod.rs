//! Reports of a [`Profile`]: an aligned text report for people, JSON for tools, and the
//! file names and atomic writing they share.

pub mod json;
pub mod paths;
pub mod text;

use std::path::{Path, PathBuf};

pub use paths::{DEFAULT_REPORT_DIR, Stamp};

use crate::atomic::write_atomic;
use crate::html::RunContext;
use crate::profile::Profile;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write report {path}: {source} (check that the directory is writable)")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot finish Chrome trace {path}: {reason}")]
    Trace { path: PathBuf, reason: String },
}

/// Where the text and JSON reports of one session were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPaths {
    pub log: PathBuf,
    pub json: PathBuf,
}

/// Writes `performance_<stamp>.log` and `performance_<stamp>.json` into `dir` (created if
/// missing), each atomically: a reader never sees a half-written report.
pub fn write_reports(
    profile: &Profile,
    dir: &Path,
    stamp: &Stamp,
) -> Result<ReportPaths, ReportError> {
    let paths = ReportPaths {
        log: paths::log_path(dir, stamp),
        json: paths::json_path(dir, stamp),
    };
    write_file(&paths.log, text::render(profile).as_bytes())?;
    write_file(&paths.json, json::render(profile).as_bytes())?;
    Ok(paths)
}

/// Writes `performance_<stamp>.html` (the self-contained HTML report) into `dir`.
pub fn write_html(profile: &Profile, dir: &Path, stamp: &Stamp) -> Result<PathBuf, ReportError> {
    write_html_with(profile, &RunContext::default(), dir, stamp)
}

/// Writes `performance_<stamp>.html` into `dir` with `context` (preset, time scale, target,
/// trace link) in its header; the trace is linked relative to `dir`.
pub fn write_html_with(
    profile: &Profile,
    context: &RunContext,
    dir: &Path,
    stamp: &Stamp,
) -> Result<PathBuf, ReportError> {
    let path = paths::html_path(dir, stamp);
    let html = crate::html::render_profile_with(profile, context, Some(dir));
    write_file(&path, html.as_bytes())?;
    Ok(path)
}

pub(crate) fn write_file(path: &Path, contents: &[u8]) -> Result<(), ReportError> {
    write_atomic(path, contents).map_err(|source| ReportError::Write {
        path: path.to_owned(),
        source,
    })
}
