//! `--profile`: the Chrome trace recorded beside the profiler layer, and the text, JSON, HTML and
//! Chrome-trace reports written into `logs/performance/` after the run — also after a failed
//! or interrupted one. A report that cannot be written (disk full, no permission) is a
//! warning; the others are still written and the run's exit code stands.

use std::path::{Path, PathBuf};

use profiler::ProfilerHandle;
use profiler::chrome::{ChromeTraceGuard, TraceOptions, chrome_filter, trace_layer_with};
use profiler::html::RunContext;
use profiler::report::{DEFAULT_REPORT_DIR, ReportError, Stamp, WrittenReports, write_all};
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
    /// subscriber after a profiler layer that shares its span times, so the trace takes them.
    pub fn start<S>() -> Result<(impl Layer<S> + Send + Sync, ProfileReports), ReportError>
    where
        S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
    {
        let dir = PathBuf::from(DEFAULT_REPORT_DIR);
        let stamp = Stamp::now();
        let options = TraceOptions::default().process_name(SESSION_NAME);
        let (layer, trace) = trace_layer_with(&dir, &stamp, options)?;
        Ok((
            layer.with_filter(filter_fn(chrome_filter)),
            ProfileReports { dir, stamp, trace },
        ))
    }

    /// Writes the text, JSON and HTML reports of what `profiler` recorded and finishes the
    /// Chrome trace, each on its own: the result lists what was written and what failed.
    /// `context` (preset, time scale, target) goes into the HTML header, which also links
    /// the trace.
    pub fn write(&self, profiler: &ProfilerHandle, context: RunContext) -> WrittenReports {
        let mut profile = profiler.snapshot(SESSION_NAME);
        profile.session.git_commit = profiler::baseline::current_git_commit();
        write_all(
            &profile,
            &self.dir,
            &self.stamp,
            Some(&context),
            Some(&self.trace),
        )
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
