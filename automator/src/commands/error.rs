//! Why a preset, A/B or regression-gate command could not do its job, as one line each.

use std::path::PathBuf;

use profiler::abtest::AbTestError;
use profiler::baseline::BaselineError;
use profiler::preset::PresetError;

use crate::flow::RunError;

/// A command failure. Everything except [`CommandError::Interrupted`] is bad input or a setup
/// problem (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Preset(#[from] PresetError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Browser(#[from] crate::browser::BrowserError),
    #[error(transparent)]
    Export(#[from] profiler::export::ExportError),
    #[error("cannot compare the presets: {0}")]
    AbTest(#[from] AbTestError),
    /// A run's inputs (songs, credentials, knobs, site profile) could not be prepared.
    #[error("{0}")]
    Prepare(String),
    #[error("{flag}: {problem}")]
    BadFlag { flag: &'static str, problem: String },
    #[error("cannot write {}: {source} (check that the folder is writable)", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a preset-run file (line {line}, column {column}: {message})", path.display())]
    CorruptRunSet {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("no baseline named `{name}`: looked for {} (save one with --save-baseline {name})", looked.join(", "))]
    NoSuchBaseline { name: String, looked: Vec<String> },
    #[error(
        "the configuration was not restored after the presets (active preset: {active}); this is a bug, please report it"
    )]
    NotRestored { active: String },
    #[error(
        "{flag} needs the profiler, but it could not be installed (a tracing subscriber was already set)"
    )]
    NoProfiler { flag: &'static str },
    #[error("interrupted by {}", crate::signals::received().map_or("Ctrl-C", |signal| signal.description()))]
    Interrupted,
}

impl CommandError {
    /// Exit status for the process: 128 + the signal's number when interrupted (130 Ctrl-C,
    /// 143 SIGTERM, 129 SIGHUP; see `crate::signals`), 2 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CommandError::Interrupted => crate::signals::interrupted_exit_code(),
            _ => 2,
        }
    }
}
