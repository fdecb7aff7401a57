//! Performance baselines and the regression gate.
//!
//! Save what a profile run measured ([`PerformanceBaseline::from_profile`], [`save`]),
//! compare a later run or file against it ([`compare`]) and turn the result into a report
//! and a CI exit code ([`GateReport::render_text`], [`GateReport::exit_code`]).
//!
//! [`save`]: PerformanceBaseline::save

mod error;
mod gate;
mod git;
mod limit;
mod model;
mod render;
mod store;

pub use error::BaselineError;
pub use gate::{
    GateConfig, GateMetric, GateReport, KeyComparison, KeyThreshold, LimitCheck, LimitOutcome,
    RunInfo, Verdict, compare, parse_percent,
};
pub use git::{current_git_commit, git_commit_in};
pub use limit::{HardLimit, LimitMetric};
pub use model::{BASELINE_SCHEMA, KeyBaseline, PerformanceBaseline};
