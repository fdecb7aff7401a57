//! What can be wrong with the input of a statistical procedure.

/// Bad input to a statistic; each message says which sample and what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// The sample has no values.
    #[error("the {sample} sample is empty; at least one value is needed")]
    Empty {
        /// Which sample: `first` or `second` (or the procedure's own name for it).
        sample: &'static str,
    },
    /// A value is NaN or infinite.
    #[error("the {sample} sample holds a non-finite value ({value}) at position {index}")]
    NonFinite {
        /// Which sample: `first` or `second` (or the procedure's own name for it).
        sample: &'static str,
        /// 0-based position of the value.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// A value is 0 or negative where a ratio of times (logarithms) needs positive values.
    #[error("the {sample} sample must be positive for a ratio, found {value} at position {index}")]
    NonPositive {
        /// Which sample.
        sample: &'static str,
        /// 0-based position of the value.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// A spread (standard deviation) needs more values than the sample has.
    #[error("the {sample} sample has {got} value(s); at least {minimum} are needed for a spread")]
    TooFewValues {
        /// Which sample.
        sample: &'static str,
        /// The fewest values the procedure needs (2 for Welch's test).
        minimum: usize,
        /// How many the sample has.
        got: usize,
    },
    /// The confidence level is not strictly between 0 and 1.
    #[error("confidence level {0} must lie strictly between 0 and 1 (e.g. 0.95)")]
    BadLevel(f64),
}

/// Rejects empty samples and NaN/infinite values, naming the sample.
pub(crate) fn check_finite(sample: &[f64], name: &'static str) -> Result<(), StatsError> {
    if sample.is_empty() {
        return Err(StatsError::Empty { sample: name });
    }
    match sample.iter().position(|value| !value.is_finite()) {
        Some(index) => Err(StatsError::NonFinite {
            sample: name,
            index,
            value: sample[index],
        }),
        None => Ok(()),
    }
}

/// [`check_finite`] plus strictly positive values, as ratios of times need.
pub(crate) fn check_positive(sample: &[f64], name: &'static str) -> Result<(), StatsError> {
    check_finite(sample, name)?;
    match sample.iter().position(|value| *value <= 0.0) {
        Some(index) => Err(StatsError::NonPositive {
            sample: name,
            index,
            value: sample[index],
        }),
        None => Ok(()),
    }
}
