//! A/B tests of configuration presets: the run order, the analysis of the runs, what
//! explains the difference, when to stop early, and the reports.
//!
//! A runner (the automator) takes the order from [`Schedule::interleaved`], applies the
//! arm's preset for each run, records a [`RunSample`] per run, and after each ABBA block may
//! call [`analyze`] and [`Comparison::clear_enough`] to stop early. The final
//! [`Comparison`] renders as text, Markdown, JSON ([`Comparison::to_json`]) and HTML
//! ([`crate::html::render_comparison`]).

mod analysis;
mod attribution;
mod comparison;
mod error;
mod key_delta;
mod markdown;
mod recommend;
mod sample;
mod schedule;
mod stop;
mod text;

pub use analysis::{AnalysisConfig, Explanation, PLANNING_POWER, analyze};
pub use attribution::{Attribution, KnobMap, KnobRule, UNMAPPED};
pub use comparison::{ArmSummary, COMPARISON_SCHEMA, Comparison, Outcome};
pub use error::AbTestError;
pub use key_delta::{KeyDelta, KeyReading};
pub use recommend::{Recommendation, RecommendationKind};
pub use sample::RunSample;
pub use schedule::{Arm, BLOCK_LEN, Schedule};
pub use stop::StopRule;
