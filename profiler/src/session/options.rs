//! What [`init`](super::init) sets up.

use std::path::PathBuf;

use crate::layer::Config;
use crate::report::DEFAULT_REPORT_DIR;

/// Settings of the one-call setup. `Options::new("name")` gives the defaults: reports in
/// `logs/performance/`, an HTML report, log lines on stderr filtered by `RUST_LOG` (default
/// `warn`; coloured only when stderr is a terminal and `NO_COLOR` is unset), reports
/// written on Ctrl-C, and no Chrome trace: it records every span, which costs more per span
/// than the profiler itself (see the crate README), so it is opt-in with
/// [`chrome_trace`](Self::chrome_trace).
#[derive(Debug, Clone)]
pub struct Options {
    /// Name of the session, shown in every report (`Profile::session.name`) and the trace.
    pub session_name: String,
    /// Directory the reports are written into (created if missing); default `logs/performance`,
    /// relative to the working directory.
    pub report_dir: PathBuf,
    /// Settings of the profiler layer (memory sampling, busy time, capacity).
    pub config: Config,
    /// Whether to write the Chrome trace `trace_<stamp>.json`; default off.
    pub chrome_trace: bool,
    /// Busy intervals in the Chrome trace (see [`TraceOptions::polls`](crate::chrome::TraceOptions::polls)).
    pub trace_polls: bool,
    /// Whether to write the HTML report `performance_<stamp>.html`; default on.
    pub html_report: bool,
    /// Whether to print log lines on stderr, filtered by `RUST_LOG` (default `warn`); default on.
    pub log_to_stderr: bool,
    /// Whether [`init`](super::init) installs the Ctrl-C/SIGTERM handler that writes the reports
    /// and exits with status 130; default on.
    pub handle_ctrl_c: bool,
}

impl Options {
    /// The defaults (see [`Options`]) for a session called `session_name`.
    pub fn new(session_name: impl Into<String>) -> Options {
        Options {
            session_name: session_name.into(),
            report_dir: PathBuf::from(DEFAULT_REPORT_DIR),
            config: Config::default(),
            chrome_trace: false,
            trace_polls: false,
            html_report: true,
            log_to_stderr: true,
            handle_ctrl_c: true,
        }
    }

    /// Writes the reports into `dir` instead of `logs/performance` (created if missing).
    pub fn report_dir(mut self, dir: impl Into<PathBuf>) -> Options {
        self.report_dir = dir.into();
        self
    }

    /// Uses `config` for the profiler layer. [`init`](super::init) overrides its
    /// [`Config::share_span_times`]: on exactly when the Chrome trace is on.
    pub fn config(mut self, config: Config) -> Options {
        self.config = config;
        self
    }

    /// Whether to write the Chrome trace `trace_<stamp>.json` (off by default).
    pub fn chrome_trace(mut self, enabled: bool) -> Options {
        self.chrome_trace = enabled;
        self
    }

    /// Whether the Chrome trace also shows each span's busy intervals (off by default).
    pub fn trace_polls(mut self, enabled: bool) -> Options {
        self.trace_polls = enabled;
        self
    }

    /// Whether to write the HTML report `performance_<stamp>.html` (on by default).
    pub fn html_report(mut self, enabled: bool) -> Options {
        self.html_report = enabled;
        self
    }

    /// Whether to print log lines on stderr, filtered by `RUST_LOG` (default `warn`; on by
    /// default). Off, `RUST_LOG` is not read at all.
    pub fn log_to_stderr(mut self, enabled: bool) -> Options {
        self.log_to_stderr = enabled;
        self
    }

    /// Whether [`init`](super::init) installs a Ctrl-C (and SIGTERM) handler that writes
    /// the reports and exits with status 130. Turn it off when the program has its own
    /// handler, and call [`SessionFinisher::finish`](super::SessionFinisher::finish) there.
    pub fn handle_ctrl_c(mut self, enabled: bool) -> Options {
        self.handle_ctrl_c = enabled;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chrome_trace_is_opt_in() {
        let defaults = Options::new("library user");
        assert!(!defaults.chrome_trace && !defaults.trace_polls);
        assert!(defaults.chrome_trace(true).chrome_trace);
    }
}
