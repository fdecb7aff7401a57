//! The karaoke backing-track automator: drives headless Chromium through WebDriver,
//! instrumented with the `profiler` library, and ships the embedded stage it runs against.

pub mod config;
pub mod browser;
pub mod stage;
