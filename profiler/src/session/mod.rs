//! One-call setup for applications: a global subscriber with the profiler layer, stderr
//! logging and (opt-in) a Chrome trace, and a guard that writes every report at the end.
//!
//! Programs with their own subscriber compose the pieces instead:
//! [`ProfilerLayer::new`](crate::ProfilerLayer::new) and
//! [`trace_layer`](crate::chrome::trace_layer).

mod guard;
mod options;

use std::io::IsTerminal;
use std::sync::Arc;

use tracing_subscriber::filter::{EnvFilter, FromEnvError, LevelFilter, filter_fn};
use tracing_subscriber::prelude::*;

pub use guard::{ProfilerGuard, SessionFinisher, SessionPaths};
pub use options::Options;

use crate::chrome::{TraceOptions, chrome_filter, trace_layer_with};
use crate::layer::ProfilerLayer;
use crate::report::{ReportError, Stamp};
use guard::Session;

/// Why [`init`] could not set up profiling.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// `RUST_LOG` is set but does not parse as an `EnvFilter` directive list.
    #[error("RUST_LOG is not a valid log filter: {0} (example: RUST_LOG=info,automator=debug)")]
    LogFilter(#[from] FromEnvError),
    /// The Chrome trace's partial file could not be created in the report directory.
    #[error(transparent)]
    Trace(#[from] ReportError),
    /// The process already has a global `tracing` subscriber (set by this or another crate).
    #[error(
        "a global tracing subscriber is already installed; compose ProfilerLayer::new into \
         that subscriber instead of calling profiler::init"
    )]
    SubscriberAlreadySet,
    /// The Ctrl-C/SIGTERM handler could not be installed, typically because the program installed
    /// one already.
    #[error(
        "cannot install the Ctrl-C handler ({0}); use Options::handle_ctrl_c(false) and call \
         SessionFinisher::finish from the program's own handler"
    )]
    CtrlC(ctrlc::Error),
}

/// Installs the global subscriber (registry + profiler layer + stderr log lines + Chrome
/// trace, as `options` say) and returns the guard that writes the reports.
///
/// The guard writes the text, JSON and HTML reports (and the trace, when on) into
/// [`Options::report_dir`] once: on [`ProfilerGuard::write_reports`], on drop, or on
/// Ctrl-C/SIGTERM (then the process exits with status 130).
///
/// ```
/// use tracing::info_span;
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let dir = tempfile::tempdir()?;
///     let profiling = profiler::init(
///         profiler::Options::new("my_program")
///             .report_dir(dir.path())
///             .chrome_trace(true),
///     )?;
///     {
///         // A span is profiled when it names its tier; its key is `component.name`.
///         let _run = info_span!("run", tier = "system", component = "app").entered();
///         let _load = info_span!("load", tier = "method", component = "app").entered();
///     }
///     let written = profiling.write_reports()?; // or let the guard write them on drop
///     println!("{written}"); // "text report:  …/performance_<stamp>.log", …
///     assert!(written.failed.is_empty());
///     assert!(written.log.is_some() && written.html.is_some() && written.trace.is_some());
///
///     let profile = profiling.handle().snapshot("my_program");
///     let load = profile.keys.iter().find(|key| key.key == "app.load").unwrap();
///     assert_eq!(load.count, 1);
///     Ok(())
/// }
/// ```
///
/// # Errors
///
/// [`InitError::SubscriberAlreadySet`] when a global subscriber is installed already (compose
/// [`ProfilerLayer::new`] into it instead), [`InitError::LogFilter`] for an invalid `RUST_LOG`,
/// [`InitError::Trace`] when the trace file cannot be created, and [`InitError::CtrlC`] when
/// the signal handler cannot be installed. Nothing is written on any of them.
pub fn init(options: Options) -> Result<ProfilerGuard, InitError> {
    if tracing::dispatcher::has_been_set() {
        return Err(InitError::SubscriberAlreadySet);
    }
    let stamp = Stamp::now();
    let stderr_filter = match options.log_to_stderr {
        true => Some(
            EnvFilter::builder()
                .with_default_directive(LevelFilter::WARN.into())
                .from_env()?,
        ),
        false => None,
    };
    let config = options
        .config
        .clone()
        .share_span_times(options.chrome_trace);
    let (profiler_layer, handle) = ProfilerLayer::new(config);
    let (chrome_layer, chrome_guard) = match options.chrome_trace {
        true => {
            let trace_options = TraceOptions::default()
                .process_name(options.session_name.clone())
                .polls(options.trace_polls);
            let (layer, guard) = trace_layer_with(&options.report_dir, &stamp, trace_options)?;
            (
                Some(layer.with_filter(filter_fn(chrome_filter))),
                Some(guard),
            )
        }
        false => (None, None),
    };
    let stderr_layer = stderr_filter.map(|filter| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(colour_on_stderr())
            .with_filter(filter)
    });
    // The trace layer goes after the profiler: its callbacks run after the profiler's, so it
    // takes the start and end the profiler shares (`Config::share_span_times`) and each trace
    // event lasts exactly the wall time the report counts.
    let subscriber = tracing_subscriber::registry()
        .with(profiler_layer)
        .with(chrome_layer)
        .with(stderr_layer);
    let guard = ProfilerGuard {
        session: Arc::new(Session::new(
            options.session_name,
            options.report_dir,
            stamp,
            handle,
            chrome_guard,
            options.html_report,
        )),
    };
    if options.handle_ctrl_c {
        let finisher = guard.finisher();
        let installed = ctrlc::set_handler(move || {
            match finisher.finish() {
                Ok(paths) => eprintln!("profiler: interrupted; reports written:\n{paths}"),
                Err(error) => eprintln!("profiler: interrupted; {error}"),
            }
            std::process::exit(130);
        });
        if let Err(error) = installed {
            guard.session.abandon();
            return Err(InitError::CtrlC(error));
        }
    }
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        guard.session.abandon();
        return Err(InitError::SubscriberAlreadySet);
    }
    Ok(guard)
}

/// Colour codes go to stderr only when a person reads it (a terminal) and `NO_COLOR` is not
/// set to anything non-empty (<https://no-color.org>).
fn colour_on_stderr() -> bool {
    colour_allowed(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR"),
    )
}

fn colour_allowed(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(colour_allowed(true, None));
        assert!(colour_allowed(true, Some("".into())));
        assert!(!colour_allowed(true, Some("1".into())));
        assert!(!colour_allowed(false, None));
    }
}
