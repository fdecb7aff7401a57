//! Which centre of a sample an effect is measured on.

use serde::{Deserialize, Serialize};

use super::summary::quantile_of_sorted;

/// The centre used by the ratio interval and the permutation statistic.
///
/// [`Center::Median`] is the default for run times: one run that hit a retry or a slow page
/// load moves a mean of five runs a lot and a median hardly at all, and "how long does a
/// typical run take" is the question people ask. [`Center::Mean`] is there for throughput
/// questions (total time of many runs), where every slow run really costs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Center {
    #[default]
    Median,
    Mean,
}

impl Center {
    /// The centre of a finite, non-empty sample; `scratch` is reused to avoid allocating in
    /// resampling loops.
    pub(crate) fn of_with(self, sample: &[f64], scratch: &mut Vec<f64>) -> f64 {
        match self {
            Center::Mean => sample.iter().sum::<f64>() / sample.len() as f64,
            Center::Median => {
                scratch.clear();
                scratch.extend_from_slice(sample);
                scratch.sort_unstable_by(f64::total_cmp);
                quantile_of_sorted(scratch, 0.5)
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Center::Median => "median",
            Center::Mean => "mean",
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
    }
}
