//! Performance baselines and the regression gate.
//!
//! Save what one or more profile runs measured ([`PerformanceBaseline::from_profiles`],
//! [`save`]), compare later runs or a file against it ([`compare`]) and turn the result into
//! a report and a CI exit code ([`GateReport::render_text`], [`GateReport::exit_code`]).
//!
//! [`save`]: PerformanceBaseline::save

mod error;
mod floor;
mod gate;
mod git;
mod limit;
mod model;
mod pool;
mod render;
mod store;
mod welch;

pub use error::BaselineError;
pub use floor::{DEFAULT_MIN_SHARE, RunFloor, per_run_total_ns};
pub use gate::{
    GateConfig, GateMetric, GatePolicy, GateReport, KeyComparison, KeyThreshold, LimitCheck,
    LimitOutcome, RunInfo, SideSummary, TestFamily, Verdict, compare, parse_percent,
};
pub use git::{current_git_commit, git_commit_in};
pub use limit::{HardLimit, LimitMetric};
pub use model::{BASELINE_SCHEMA, KeyBaseline, KeyRun, PerformanceBaseline};
pub(crate) use render::markdown_cell;
pub use welch::{LogWelch, log_welch};
