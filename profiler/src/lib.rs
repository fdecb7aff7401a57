//! A tiered profiler for programs instrumented with `tracing`.
//!
//! Spans opt in with a `tier` field (`system`, `component`, `method`, `operation`) and name
//! their `component`; the [`layer::ProfilerLayer`] times them, and the rest of the crate turns
//! what it recorded into reports, baselines, regression verdicts and A/B comparisons.
//!
//! # The four tiers
//!
//! | [`Tier`] | a span of it is | example key |
//! |---|---|---|
//! | `system` | the whole run, or one song of it | `automation.run`, `automation.song` |
//! | `component` | a package's entry point | `authentication.ensure_logged_in` |
//! | `method` | a step inside a component | `track_management.solo_track` |
//! | `operation` | one external command (a WebDriver call, a file check) | `browser.click` |
//!
//! A span's key is `component.name`: its `component` field and its span name (the function
//! name under `#[instrument]`). Spans without a `tier` are not profiled and do not break the
//! call tree: a profiled span's parent is its nearest profiled ancestor. Time per tier is
//! *self* time, so the four tiers add up to the run's wall time for sequential work.
//!
//! # Quick start
//!
//! ```no_run
//! #[tracing::instrument(skip_all, fields(tier = "method", component = "track_management"))]
//! fn solo_track(track: usize) { /* ... */ }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // A global subscriber: the profiler layer, log lines on stderr (RUST_LOG), and a
//!     // guard that writes logs/performance/performance_<stamp>.{log,json,html} at the end.
//!     let profiling = profiler::init(profiler::Options::new("my_program"))?;
//!     tracing::info_span!("run", tier = "system", component = "app").in_scope(|| {
//!         for track in 0..3 {
//!             solo_track(track);
//!         }
//!     });
//!     println!("{}", profiling.write_reports()?); // or let the guard write them on drop
//!     Ok(())
//! }
//! ```
//!
//! [`init`] has a runnable version; [`ProfilerLayer`] shows how to compose the layer (and the
//! Chrome trace after it) into a subscriber of your own. The crate's README describes every
//! report field, the measurement rules and the overhead.
//!
//! # Where things are
//!
//! Recording:
//! - [`tier`]: the four tiers and how a span's `tier` field is parsed.
//! - [`layer`]: [`ProfilerLayer`], the `tracing` layer that times profiled spans, and its
//!   [`Config`] (memory sampling, busy time, sharing span times with the trace).
//! - [`recorder`]: [`ProfilerHandle`], which snapshots what the layer recorded into a
//!   [`Profile`] or resets it between runs.
//! - [`profile`]: [`Profile`], the plain snapshot every consumer reads (JSON schema 1); all
//!   durations in nanoseconds.
//! - [`machine`]: [`MachineInfo`], the machine a profile was taken on.
//!
//! Setting up and writing out:
//! - [`session`]: [`init`] and [`Options`], the one-call setup, and the [`ProfilerGuard`] that
//!   writes every report once (on demand, on drop, on Ctrl-C).
//! - [`report`]: the text and JSON reports, file names ([`report::Stamp`]) and
//!   [`report::write_all`], which writes each report on its own.
//! - [`html`]: self-contained HTML reports of a profile and of an A/B comparison.
//! - [`chrome`]: the Chrome trace (`trace_<stamp>.json`) for Perfetto or speedscope, and a
//!   reader that checks one.
//! - [`export`]: CI exports (JSON, Markdown, Bencher BMF, JUnit XML) of a profile, a gate
//!   report or an A/B comparison.
//! - [`atomic`]: writing a file so that readers never see half of it.
//!
//! Comparing:
//! - [`baseline`]: saved baselines and the regression gate ([`baseline::compare`]): per key
//!   Welch's t-test on log per-run values and Fisher's exact test on success counts, plus hard
//!   limits.
//! - [`preset`]: configuration presets, TOML knob overrides applied to a live serde
//!   configuration for the length of a guard.
//! - [`abtest`]: A/B tests of two presets ([`abtest::AbTest`]): interleaved A B B A runs,
//!   early stopping, the analysis (ratio B/A of geometric means of time per unit, below 1
//!   when B is faster) and where the time moved.
//! - [`soak`]: long runs: a Theil–Sen trend of memory against work done, and the leak
//!   verdict.
//! - [`stats`]: the statistics behind the gate and the A/B analysis, with their sources.

#![warn(missing_docs)]

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
