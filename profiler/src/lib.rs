//! A tiered profiler for programs instrumented with `tracing`.
//!
//! Spans opt in with a `tier` field (`system`, `component`, `method`, `operation`) and name
//! their `component`; the [`layer::ProfilerLayer`] times them, and the rest of the crate turns
//! what it recorded into reports, baselines, regression verdicts and A/B comparisons.

pub mod abtest;
pub mod atomic;
pub mod baseline;
pub mod chrome;
pub mod export;
pub mod html;
pub mod layer;
pub mod machine;
pub mod preset;
pub mod profile;
pub mod recorder;
pub mod report;
pub mod scaling;
pub mod session;
pub mod soak;
pub mod stats;
mod text_table;
pub mod tier;

pub use layer::{Config, ProfilerLayer};
pub use machine::MachineInfo;
pub use profile::{CallEdge, Histogram, KeyStats, MemoryStats, Profile, SessionInfo, TierTotals};
pub use recorder::ProfilerHandle;
pub use session::{InitError, Options, ProfilerGuard, SessionPaths, init};
pub use tier::Tier;
