//! The karaoke backing-track automator: drives headless Chromium through WebDriver,
//! instrumented with the `profiler` library, and ships the embedded stage it runs against.

pub mod app;
pub mod browser;
// The doc comments in `cli` are clap's `--help` text, read in a terminal, where `<NAME>`
// placeholders and bare URLs are what the reader expects; rustdoc's markdown lints do not apply.
#[allow(rustdoc::invalid_html_tags, rustdoc::bare_urls)]
pub mod cli;
pub mod commands;
pub mod config;
pub mod flow;
pub mod log_line;
pub mod profiling;
pub mod signals;
pub mod soak;
pub mod stage;
pub mod table_width;

pub use config::Knobs;
pub use flow::{RunError, RunOptions, RunOutcome, Target, run};
