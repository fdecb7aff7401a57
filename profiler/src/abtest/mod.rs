//! A/B tests of configuration presets: the run order, the analysis of the runs, what
//! explains the difference, when to stop early, and the reports.
//!
//! [`AbTest`] is the whole loop: give it a [`Harness`] (the live configuration, the profiler,
//! an interrupt check), two presets and a [`Workload`], and it runs the warm-ups, the
//! interleaved schedule from [`Schedule::interleaved`] with a fresh profile per run, stops
//! early by the [`StopRule`], and hands back the runs and the [`Comparison`] from
//! [`analyze`] (with a cold and a warm row per `…@cold` key, [`PhaseComparison`], so a
//! cold-start change is compared on its own). [`Repeat`] runs one preset several times the same way. The comparison renders
//! as text, Markdown, JSON ([`Comparison::to_json`]) and HTML
//! ([`crate::html::render_comparison`]); [`Comparison::write_reports`] writes the files.

mod analysis;
mod attribution;
mod blocking;
mod cold_warm;
mod comparison;
mod error;
mod harness;
mod key_delta;
mod markdown;
mod provenance;
mod recommend;
mod repeat;
pub(crate) mod report_files;
mod runner;
mod runner_error;
mod sample;
mod schedule;
mod stop;
mod text;
mod workload;

pub use analysis::{AnalysisConfig, Explanation, PLANNING_POWER, analyze};
pub use attribution::{Attribution, KnobMap, KnobRule, UNMAPPED};
pub use blocking::Blocking;
pub use cold_warm::{ColdWarmPhase, PhaseArm, PhaseComparison};
pub use comparison::{ArmSummary, COMPARISON_SCHEMA, Comparison, Outcome};
pub use error::AbTestError;
pub use harness::Harness;
pub use key_delta::{KeyDelta, KeyReading};
pub use provenance::Provenance;
pub use recommend::{Recommendation, RecommendationKind};
pub use repeat::{Repeat, RepeatResult, RepeatRun};
pub use report_files::ReportFileError;
pub use runner::{AbResult, AbTest, AbTestRun, DEFAULT_RUNS_PER_ARM, Ending};
pub use runner_error::RunnerError;
pub use sample::RunSample;
pub use schedule::{Arm, BLOCK_LEN, Schedule};
pub use stop::StopRule;
pub(crate) use text::shown_keys;
pub use workload::{CompletedRun, Phase, RunContext, RunOutcome, Workload};
