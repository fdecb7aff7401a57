//! Descriptive statistics of a plain sample: centre and spread.
//!
//! Every function returns `None` instead of panicking when the sample is empty (or too small
//! for the statistic) or holds a non-finite value, so callers decide how to report it.

use serde::{Deserialize, Serialize};

/// Arithmetic mean.
pub fn mean(sample: &[f64]) -> Option<f64> {
    if sample.is_empty() || !all_finite(sample) {
        return None;
    }
    Some(sample.iter().sum::<f64>() / sample.len() as f64)
}

/// Sample standard deviation (n − 1 denominator); needs at least two values.
pub fn stddev(sample: &[f64]) -> Option<f64> {
    if sample.len() < 2 {
        return None;
    }
    let centre = mean(sample)?;
    let squares: f64 = sample.iter().map(|value| (value - centre).powi(2)).sum();
    Some((squares / (sample.len() - 1) as f64).sqrt())
}

/// The `q`-quantile (0 ≤ q ≤ 1) by linear interpolation between order statistics
/// (Hyndman & Fan type 7, the default of R and NumPy), so results match what people check with.
pub fn quantile(sample: &[f64], q: f64) -> Option<f64> {
    if sample.is_empty() || !all_finite(sample) || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let mut sorted = sample.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(quantile_of_sorted(&sorted, q))
}

/// [`quantile`] on an already sorted, finite, non-empty slice (the hot path of resampling).
pub(crate) fn quantile_of_sorted(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    let fraction = position - lower as f64;
    sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
}

/// The middle value (mean of the two middle values for an even count).
pub fn median(sample: &[f64]) -> Option<f64> {
    quantile(sample, 0.5)
}

/// Median absolute deviation from the median, unscaled: half the values lie within
/// `median ± mad`. Robust to the odd outlier run that would inflate a standard deviation.
pub fn mad(sample: &[f64]) -> Option<f64> {
    let centre = median(sample)?;
    let deviations: Vec<f64> = sample.iter().map(|value| (value - centre).abs()).collect();
    median(&deviations)
}

/// Interquartile range, `q(0.75) − q(0.25)`.
pub fn iqr(sample: &[f64]) -> Option<f64> {
    Some(quantile(sample, 0.75)? - quantile(sample, 0.25)?)
}

fn all_finite(sample: &[f64]) -> bool {
    sample.iter().all(|value| value.is_finite())
}

/// Centre and spread of one sample, as reports print them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median (type 7 quantile at 0.5).
    pub median: f64,
    /// Sample standard deviation; 0 for a single value.
    pub stddev: f64,
    /// Median absolute deviation from the median, unscaled (see [`mad`]).
    pub mad: f64,
    /// Interquartile range, `q(0.75) − q(0.25)` (type 7 quantiles).
    pub iqr: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// `None` for an empty sample or one holding NaN/infinity.
    pub fn of(sample: &[f64]) -> Option<Summary> {
        let mean = mean(sample)?;
        let (min, max) = sample
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &value| {
                (low.min(value), high.max(value))
            });
        Some(Summary {
            n: sample.len(),
            mean,
            median: median(sample)?,
            stddev: stddev(sample).unwrap_or(0.0),
            mad: mad(sample)?,
            iqr: iqr(sample)?,
            min,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
    }

    #[test]
    fn centre_and_spread_match_hand_computed_values() {
        let sample = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        close(mean(&sample).unwrap(), 5.0);
        close(median(&sample).unwrap(), 4.5);
        // Sum of squared deviations is 32; 32 / 7.
        close(stddev(&sample).unwrap(), (32.0f64 / 7.0).sqrt());
        // Deviations from 4.5: 2.5 0.5 0.5 0.5 0.5 0.5 2.5 4.5 → median 0.5.
        close(mad(&sample).unwrap(), 0.5);
        // Type 7: q1 at position 1.75 → 4.0, q3 at position 5.25 → 5.5.
        close(iqr(&sample).unwrap(), 1.5);
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let sample = [10.0, 1.0, 4.0, 7.0];
        close(quantile(&sample, 0.0).unwrap(), 1.0);
        close(quantile(&sample, 1.0).unwrap(), 10.0);
        // numpy.quantile([1, 4, 7, 10], 0.9) == 9.1
        close(quantile(&sample, 0.9).unwrap(), 9.1);
        close(median(&[3.0, 1.0, 2.0]).unwrap(), 2.0);
    }

    #[test]
    fn bad_samples_give_none_instead_of_panicking() {
        assert_eq!(mean(&[]), None);
        assert_eq!(median(&[1.0, f64::NAN]), None);
        assert_eq!(stddev(&[1.0]), None);
        assert_eq!(quantile(&[1.0], 1.5), None);
        assert_eq!(Summary::of(&[f64::INFINITY]), None);
    }

    #[test]
    fn summary_of_a_single_value_has_zero_spread() {
        let summary = Summary::of(&[3.5]).unwrap();
        assert_eq!((summary.n, summary.median, summary.stddev), (1, 3.5, 0.0));
        assert_eq!(
            (summary.mad, summary.iqr, summary.min, summary.max),
            (0.0, 0.0, 3.5, 3.5)
        );
    }
}
