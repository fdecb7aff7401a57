//! Scaling studies: the same workload at several concurrency levels (sessions, threads,
//! workers), to answer how many to run and what limits more.
//!
//! [`ScalingStudy`] runs a workload closure `FnMut(concurrency) -> Result<ScalingRun, E>`
//! at each level, repeats interleaved with a rotating start ([`order`]), and [`analyze`]s
//! the runs into a [`ScalingReport`]: per level throughput (units per minute) with its
//! interval across repeats, unit latency p50/p95, speedup and efficiency against the lowest
//! level with Welch intervals on log time per unit, the [`Knee`] where one more level stops
//! paying and the [`Limit`] past it (the site, this machine, both, or unexplained). The
//! report renders as text ([`ScalingReport::render_text`]), JSON
//! ([`ScalingReport::to_json`]) and HTML ([`crate::html::render_scaling`]).

mod config;
mod error;
mod knee;
mod level;
mod limit;
pub mod order;
mod record;
mod report;
mod report_files;
mod run;
mod study;
mod text;

pub use config::ScalingConfig;
pub use error::{ScalingError, StudyError};
pub use knee::Knee;
pub use level::LevelSummary;
pub use limit::{Limit, LimitKind};
pub use record::RunRecord;
pub use report::{SCALING_SCHEMA, ScalingReport, StudySetting, analyze};
pub use run::{ResourceSample, ScalingRun, SiteLoad};
pub use study::{DEFAULT_REPEATS, ScalingStudy};
