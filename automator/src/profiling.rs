//! `--profile`: the Chrome trace recorded beside the profiler layer, and the text, JSON, HTML and
//! Chrome-trace reports written into `logs/performance/` after the run — also after a failed
//! or interrupted one.

use std::path::{Path, PathBuf};

use profiler::ProfilerHandle;
use profiler::chrome::{ChromeTraceGuard, chrome_filter, trace_layer};
use profiler::html::RunContext;
use profiler::report::{DEFAULT_REPORT_DIR, ReportError, Stamp, write_html_with, write_reports};
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::registry::LookupSpan;

/// The session name in every report of a plain run.
const SESSION_NAME: &str = "automator";

/// The reports of one profiled run, sharing one timestamp.
pub struct ProfileReports {
    dir: PathBuf,
    stamp: Stamp,
    trace: ChromeTraceGuard,
}

impl ProfileReports {
    /// Starts the Chrome trace into `logs/performance/`; compose the returned layer into the
    /// subscriber beside the profiler layer.
    pub fn start<S>() -> Result<(impl Layer<S> + Send + Sync, ProfileReports), ReportError>
    where
        S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
    {
        let dir = PathBuf::from(DEFAULT_REPORT_DIR);
        let stamp = Stamp::now();
        let (layer, trace) = trace_layer(&dir, &stamp)?;
        Ok((
            layer.with_filter(filter_fn(chrome_filter)),
            ProfileReports { dir, stamp, trace },
        ))
    }

    /// Writes the text, JSON and HTML reports of what `profiler` recorded and finishes the
    /// Chrome trace; returns the four paths (text, JSON, trace, HTML). `context` (preset, time
    /// scale, target) goes into the HTML header, which also links the trace.
    pub fn write(
        &self,
        profiler: &ProfilerHandle,
        context: RunContext,
    ) -> Result<[PathBuf; 4], ReportError> {
        let mut profile = profiler.snapshot(SESSION_NAME);
        profile.session.git_commit = profiler::baseline::current_git_commit();
        let trace = self.trace.finish();
        let written = write_reports(&profile, &self.dir, &self.stamp)?;
        let context = match &trace {
            Ok(path) => context.trace(path),
            Err(_) => context,
        };
        let html = write_html_with(&profile, &context, &self.dir, &self.stamp)?;
        Ok([written.log, written.json, trace?, html])
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
