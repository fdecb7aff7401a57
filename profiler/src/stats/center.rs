//! Which centre of a sample an effect is measured on.

use serde::{Deserialize, Serialize};

/// The centre whose ratio the bootstrap interval estimates.
///
/// [`Center::Median`] is the default for run times: one run that hit a retry or a slow page
/// load moves a mean of five runs a lot and a median hardly at all, and "how long does a
/// typical run take" is the question people ask. [`Center::Mean`] is there for throughput
/// questions (total time of many runs), where every slow run really costs.
/// [`Center::GeometricMean`] is the centre of the A/B model (Welch on log times): its ratio
/// is the exponential of the mean log difference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Center {
    /// The middle value (type 7 quantile at 0.5); the default.
    #[default]
    Median,
    /// The arithmetic mean.
    Mean,
    /// `exp(mean(ln x))`; needs positive values.
    #[serde(rename = "geometric_mean")]
    GeometricMean,
}

impl Center {
    /// The centre of a finite, non-empty sample; `scratch` is reused to avoid allocating in
    /// resampling loops.
    pub(crate) fn of_with(self, sample: &[f64], scratch: &mut Vec<f64>) -> f64 {
        match self {
            Center::Mean => sample.iter().sum::<f64>() / sample.len() as f64,
            Center::GeometricMean => {
                (sample.iter().map(|value| value.ln()).sum::<f64>() / sample.len() as f64).exp()
            }
            Center::Median => {
                // Selection instead of a full sort: this runs once per bootstrap resample.
                scratch.clear();
                scratch.extend_from_slice(sample);
                let middle = scratch.len() / 2;
                let (lower, upper, _) = scratch.select_nth_unstable_by(middle, f64::total_cmp);
                let upper = *upper;
                if sample.len() % 2 == 1 {
                    upper
                } else {
                    let lower = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (lower + upper) / 2.0
                }
            }
        }
    }

    /// The name reports print: `median`, `mean` or `geometric mean`.
    pub fn as_str(self) -> &'static str {
        match self {
            Center::Median => "median",
            Center::Mean => "mean",
            Center::GeometricMean => "geometric mean",
        }
    }
}

impl std::fmt::Display for Center {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_resists_an_outlier_that_drags_the_mean() {
        let runs = [10.0, 11.0, 10.5, 60.0];
        let mut scratch = Vec::new();
        assert_eq!(Center::Median.of_with(&runs, &mut scratch), 10.75);
        assert_eq!(Center::Mean.of_with(&runs, &mut scratch), 22.875);
        assert_eq!(Center::Median.of_with(&[3.0, 1.0, 2.0], &mut scratch), 2.0);
        assert_eq!(Center::Median.of_with(&[7.0], &mut scratch), 7.0);
        let geometric = Center::GeometricMean.of_with(&[1.0, 100.0], &mut scratch);
        assert!((geometric - 10.0).abs() < 1e-12, "{geometric}");
    }
}
