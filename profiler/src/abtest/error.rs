//! Why an A/B comparison could not be made.

use crate::stats::StatsError;

#[derive(Debug, thiserror::Error)]
pub enum AbTestError {
    #[error(
        "preset `{arm}` has no usable run (a run needs at least one unit of work and a non-zero duration); run the A/B test again"
    )]
    NoUsableRuns { arm: String },
    #[error(
        "preset `{arm}` has {usable} usable run(s); an interval needs at least 2 per arm (3 or more for useful power): run more"
    )]
    TooFewRuns { arm: String, usable: usize },
    #[error("statistics failed: {0}")]
    Stats(#[from] StatsError),
}
