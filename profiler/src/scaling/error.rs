//! Why a scaling study could not start, be analysed, or finish.

/// The study's inputs or runs do not allow an analysis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScalingError {
    /// Fewer than two concurrency levels: nothing to compare.
    #[error("{given} concurrency level(s) given: give at least two, e.g. 1,2,4,8")]
    TooFewLevels {
        /// Levels given.
        given: usize,
    },
    /// A level of 0, or the same level twice.
    #[error("bad concurrency levels {levels:?}: each must be 1 or more and appear once")]
    BadLevels {
        /// The levels as given.
        levels: Vec<usize>,
    },
    /// Fewer than two repeats: no interval across repeats.
    #[error("{repeats} repeat(s) per level: at least 2 are needed for an interval across repeats")]
    TooFewRepeats {
        /// The repeats asked for.
        repeats: usize,
    },
    /// A level has fewer than two runs that finished any work.
    #[error("concurrency {concurrency}: {usable} run(s) finished any work; at least 2 are needed")]
    TooFewUsableRuns {
        /// The level concerned.
        concurrency: usize,
        /// Its runs with work done.
        usable: usize,
    },
}

/// A scaling study ended without a report; `E` is the workload's own error.
#[derive(Debug, thiserror::Error)]
pub enum StudyError<E: std::error::Error + 'static> {
    /// The levels, repeats or runs do not allow an analysis.
    #[error(transparent)]
    Scaling(#[from] ScalingError),
    /// The workload failed; the study stops at that run.
    #[error("the run at concurrency {concurrency} (repeat {repeat}) failed: {source}")]
    Workload {
        /// Concurrency of the failed run.
        concurrency: usize,
        /// Repeat of the failed run (0-based; warm-ups count as repeat 0).
        repeat: usize,
        /// The workload's error.
        #[source]
        source: E,
    },
}
