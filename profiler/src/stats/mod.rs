//! Statistics for comparing timings: descriptive summaries, Welch's t-test (on log times for
//! ratios), an exact-or-Monte-Carlo permutation test, a Mann-Whitney U test that works on
//! histograms, Fisher's exact test of success rates, and Holm's and Benjamini–Hochberg's
//! corrections for many tests.
//!
//! Which is used where:
//! - A/B tests have a few *runs* per arm with raw per-run times. The verdict, the effect and
//!   its interval come from one model, [`log_ratio`]: Welch's t-test on log time per unit,
//!   effect = ratio of geometric means, interval = `exp` of the Welch interval, so p < α
//!   exactly when the interval excludes 1. It is calibrated and has power from 3 runs per
//!   arm (see `profiler/benches/ab_calibration.rs`). [`permutation_test`] with the rank-sum
//!   statistic is printed beside it as a robustness check (exact for small run counts,
//!   indifferent to how far out one slow run lies), never as the verdict. Per-key changes
//!   use [`welch`] on per-run self seconds with [`holm_adjust`] over keys.
//! - The regression gate has a few *runs* per side too (the run is the unit): one-sided
//!   Welch on the log of per-run medians per key (`baseline/welch.rs`, built on
//!   [`log_ratio`]) with [`bh_adjust`] across keys, and [`success_drop_p`] (Fisher's exact
//!   test) for a drop in a key's success rate.
//! - A geometric mean on its own (an arm's time per call, a level's throughput) gets
//!   [`geometric_interval`]: `exp` of the Student t interval of the mean log.
//! - [`mann_whitney`] works on histograms (bucketed, tied data) for callers that only kept
//!   the per-call distributions.
//!
//! Quantiles of raw samples ([`quantile`], the IQR of [`Summary`]) are Hyndman & Fan type 7
//! (linear interpolation, the default of R and NumPy). Every random procedure takes a seed
//! and uses a ChaCha RNG: the same data give the same report on every machine.

mod center;
mod display;
mod error;
mod fdr;
mod fisher;
mod geometric;
mod interval;
mod mann_whitney;
mod multiple;
mod normal;
mod permutation;
mod ranks;
mod summary;
mod welch;

pub use center::Center;
pub use display::{
    format_change, format_duration_ns, format_p_value, format_ratio, format_seconds,
    format_signed_seconds,
};
pub use error::StatsError;
pub use fdr::bh_adjust;
pub use fisher::success_drop_p;
pub use geometric::geometric_interval;
pub use interval::ConfidenceInterval;
pub use mann_whitney::{MannWhitney, MannWhitneyMethod, mann_whitney};
pub use multiple::holm_adjust;
pub use normal::{erfc, normal_sf, two_sided_p};
pub use permutation::{
    PermutationConfig, PermutationMethod, PermutationTest, Statistic, permutation_test,
    smallest_p_value,
};
pub use summary::{Summary, iqr, mad, mean, median, quantile, stddev};
pub use welch::{WelchTest, log_ratio, runs_needed, student_quantile, student_sf, welch};
