//! Why an A/B comparison could not be made.

use crate::stats::StatsError;

/// Why [`analyze`](super::analyze) could not compare the runs; the runs themselves are kept.
#[derive(Debug, thiserror::Error)]
pub enum AbTestError {
    /// An arm has no run with at least one unit of work and a non-zero duration.
    #[error(
        "preset `{arm}` has no usable run (a run needs at least one unit of work and a non-zero duration); run the A/B test again"
    )]
    NoUsableRuns {
        /// The arm's name.
        arm: String,
    },
    /// An arm has one usable run; Welch's interval needs two.
    #[error(
        "preset `{arm}` has {usable} usable run(s); an interval needs at least 2 per arm (3 or more for useful power): run more"
    )]
    TooFewRuns {
        /// The arm's name.
        arm: String,
        /// Its usable runs.
        usable: usize,
    },
    /// A statistic rejected its input (a non-finite duration, for instance).
    #[error("statistics failed: {0}")]
    Stats(#[from] StatsError),
}
