//! Statistics for comparing timings: descriptive summaries, a bootstrap interval for the
//! ratio of two samples, an exact-or-Monte-Carlo permutation test, and a Mann-Whitney U test
//! that works on histograms.
//!
//! Which is used where:
//! - A/B tests have a few *runs* per arm with raw per-run times, so they use
//!   [`ratio_ci`] (percentile bootstrap of the ratio of medians) for the effect size and
//!   [`permutation_test`] with the rank-sum statistic for the p-value. Both need no
//!   distribution assumptions, both shrug off one slow run, and the test is exact for small
//!   run counts.
//! - The regression gate compares *histograms* (a baseline keeps the distribution, not the
//!   samples), so it uses [`mann_whitney`], which is valid on bucketed, tied data, with
//!   [`holm_adjust`] across keys so many keys do not mean many false alarms.
//!
//! Every random procedure takes a seed and uses a ChaCha RNG: the same data give the same
//! report on every machine.

mod bootstrap;
mod center;
mod display;
mod error;
mod mann_whitney;
mod multiple;
mod normal;
mod permutation;
mod ranks;
mod summary;
mod welch;

pub use bootstrap::{BootstrapConfig, ConfidenceInterval, MIN_RESAMPLES, ratio_ci};
pub use center::Center;
pub use display::{
    format_change, format_duration_ns, format_p_value, format_ratio, format_seconds,
    format_signed_seconds,
};
pub use error::StatsError;
pub use mann_whitney::{MannWhitney, MannWhitneyMethod, mann_whitney};
pub use multiple::holm_adjust;
pub use normal::{erfc, normal_sf, two_sided_p};
pub use permutation::{
    PermutationConfig, PermutationMethod, PermutationTest, Statistic, permutation_test,
    smallest_p_value,
};
pub use summary::{Summary, iqr, mad, mean, median, quantile, stddev};
pub use welch::{WelchTest, log_ratio, runs_needed, student_quantile, student_sf, welch};
