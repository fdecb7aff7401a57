//! Reports of a [`Profile`]: an aligned text report for people, JSON for tools, and the
//! file names and atomic writing they share. [`write_all`] writes every report of a session
//! (text, JSON, HTML, Chrome trace), each on its own: one that fails does not stop the others.

pub mod cold_warm;
pub mod distribution;
pub mod json;
pub mod paths;
pub mod text;

use std::path::{Path, PathBuf};

pub use paths::{DEFAULT_REPORT_DIR, Stamp};

use crate::atomic::write_atomic;
use crate::chrome::ChromeTraceGuard;
use crate::html::RunContext;
use crate::profile::Profile;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A report file (or its directory) could not be created, written or renamed into place.
    #[error("cannot write report {path}: {source} (check that the directory is writable)")]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The Chrome trace's partial file could not be created or finished.
    #[error("cannot finish Chrome trace {path}: {reason}")]
    Trace {
        /// The trace file, `trace_<stamp>.json`.
        path: PathBuf,
        /// What failed, from the operating system or the trace writer.
        reason: String,
    },
}

/// Where the text and JSON reports of one session were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPaths {
    /// `performance_<stamp>.log`, the text report.
    pub log: PathBuf,
    /// `performance_<stamp>.json`, the JSON report (schema 1).
    pub json: PathBuf,
}

/// Writes `performance_<stamp>.log` and `performance_<stamp>.json` into `dir` (created if
/// missing), each atomically: a reader never sees a half-written report.
///
/// # Errors
///
/// [`ReportError::Write`] for the first report that cannot be written; the text report is
/// written first, so a failure there leaves no JSON report either.
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
///
/// # Errors
///
/// [`ReportError::Write`] when the file cannot be written.
pub fn write_html(profile: &Profile, dir: &Path, stamp: &Stamp) -> Result<PathBuf, ReportError> {
    write_html_with(profile, &RunContext::default(), dir, stamp)
}

/// Writes `performance_<stamp>.html` into `dir` with `context` (preset, time scale, target,
/// trace link) in its header; the trace is linked relative to `dir`.
///
/// # Errors
///
/// [`ReportError::Write`] when the file cannot be written.
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

/// A report that could not be written, and why (from the operating system, e.g. "No space
/// left on device").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedReport {
    /// The file that was not written (no temporary file is left behind).
    pub path: PathBuf,
    /// The operating system's reason, e.g. "No space left on device".
    pub reason: String,
}

impl std::fmt::Display for FailedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.reason)
    }
}

impl FailedReport {
    fn of(path: PathBuf, error: &ReportError) -> FailedReport {
        let reason = match error {
            ReportError::Write { source, .. } => source.to_string(),
            ReportError::Trace { reason, .. } => reason.clone(),
        };
        FailedReport { path, reason }
    }
}

/// The reports of one session: the path of each one written, and each one that failed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WrittenReports {
    /// `performance_<stamp>.log`, when written.
    pub log: Option<PathBuf>,
    /// `performance_<stamp>.json`, when written.
    pub json: Option<PathBuf>,
    /// `performance_<stamp>.html`, when asked for and written.
    pub html: Option<PathBuf>,
    /// `trace_<stamp>.json`, when the session had a Chrome trace and it was finished.
    pub trace: Option<PathBuf>,
    /// The reports that could not be written, each with the reason.
    pub failed: Vec<FailedReport>,
}

impl std::fmt::Display for WrittenReports {
    /// One line per report written (`text report:  <path>`, …), then one per failure.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let written = [
            ("text report: ", &self.log),
            ("json report: ", &self.json),
            ("html report: ", &self.html),
            ("chrome trace:", &self.trace),
        ];
        let mut lines = written
            .iter()
            .filter_map(|(label, path)| Some(format!("{label} {}", path.as_ref()?.display())))
            .chain(
                self.failed
                    .iter()
                    .map(|failed| format!("not written:  {failed}")),
            );
        if let Some(first) = lines.next() {
            f.write_str(&first)?;
        }
        for line in lines {
            write!(f, "\n{line}")?;
        }
        Ok(())
    }
}

/// Writes every report of a session into `dir`: text and JSON, HTML when `html` gives its
/// header's [`RunContext`] (the finished trace is linked from it), and finishes the Chrome
/// trace when there is one. Each is written (atomically) even when
/// another failed; failures are listed in [`WrittenReports::failed`], not returned as an
/// error, so a full disk costs the reports, not the program's outcome. The trace is
/// finished first, so that it stops recording before the reports are rendered.
pub fn write_all(
    profile: &Profile,
    dir: &Path,
    stamp: &Stamp,
    html: Option<&RunContext>,
    trace: Option<&ChromeTraceGuard>,
) -> WrittenReports {
    let mut written = WrittenReports::default();
    if let Some(guard) = trace {
        match guard.finish() {
            Ok(path) => written.trace = Some(path),
            Err(error) => written
                .failed
                .push(FailedReport::of(guard.path().to_owned(), &error)),
        }
    }
    let written_trace = written.trace.clone();
    let mut attempt = |path: PathBuf, contents: String| match write_file(&path, contents.as_bytes())
    {
        Ok(()) => Some(path),
        Err(error) => {
            written.failed.push(FailedReport::of(path, &error));
            None
        }
    };
    let log = attempt(paths::log_path(dir, stamp), text::render(profile));
    let json = attempt(paths::json_path(dir, stamp), json::render(profile));
    let html_path = html.and_then(|context| {
        let context = match &written_trace {
            Some(trace) => context.clone().trace(trace),
            None => context.clone(),
        };
        attempt(
            paths::html_path(dir, stamp),
            crate::html::render_profile_with(profile, &context, Some(dir)),
        )
    });
    written.log = log;
    written.json = json;
    written.html = html_path;
    written
}

pub(crate) fn write_file(path: &Path, contents: &[u8]) -> Result<(), ReportError> {
    write_atomic(path, contents).map_err(|source| ReportError::Write {
        path: path.to_owned(),
        source,
    })
}
