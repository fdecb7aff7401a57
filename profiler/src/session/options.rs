//! What [`init`](super::init) sets up.

use std::path::PathBuf;

use crate::layer::Config;
use crate::report::DEFAULT_REPORT_DIR;

/// Settings of the one-call setup. `Options::new("name")` gives the defaults: reports in
/// `logs/performance/`, a Chrome trace, an HTML report, log lines on stderr filtered by
/// `RUST_LOG` (default `warn`), and reports written on Ctrl-C.
#[derive(Debug, Clone)]
pub struct Options {
    pub session_name: String,
    pub report_dir: PathBuf,
    pub config: Config,
    pub chrome_trace: bool,
    pub html_report: bool,
    pub log_to_stderr: bool,
    pub handle_ctrl_c: bool,
}

impl Options {
    pub fn new(session_name: impl Into<String>) -> Options {
        Options {
            session_name: session_name.into(),
            report_dir: PathBuf::from(DEFAULT_REPORT_DIR),
            config: Config::default(),
            chrome_trace: true,
            html_report: true,
            log_to_stderr: true,
            handle_ctrl_c: true,
        }
    }

    pub fn report_dir(mut self, dir: impl Into<PathBuf>) -> Options {
        self.report_dir = dir.into();
        self
    }

    pub fn config(mut self, config: Config) -> Options {
        self.config = config;
        self
    }

    pub fn chrome_trace(mut self, enabled: bool) -> Options {
        self.chrome_trace = enabled;
        self
    }

    pub fn html_report(mut self, enabled: bool) -> Options {
        self.html_report = enabled;
        self
    }

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
