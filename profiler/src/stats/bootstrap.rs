//! Percentile-bootstrap confidence interval of the ratio of two samples' centres.
//!
//! Each sample is resampled with replacement on its own (a stratified bootstrap: the two arms
//! of an A/B test are independent groups), the ratio of centres is computed for every
//! resample, and the interval is read off the percentiles of those ratios. A ratio is the
//! natural effect for durations ("B takes 1.9x as long as A") and it is scale-free, so the
//! same thresholds work for milliseconds and minutes. The RNG is a seeded ChaCha so every
//! report is reproducible.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::center::Center;
use super::error::{StatsError, check_positive};
use super::summary::quantile_of_sorted;

/// Fewer resamples than this make the 2.5% tail rest on a handful of values.
pub const MIN_RESAMPLES: usize = 200;

/// How the interval is computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapConfig {
    /// Coverage of the interval, e.g. 0.95.
    pub level: f64,
    pub resamples: usize,
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            level: 0.95,
            resamples: 10_000,
            seed: 0x5eed,
        }
    }
}

/// A point estimate with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// Coverage the interval was built for (0.95 for a 95% interval).
    pub level: f64,
}

impl ConfidenceInterval {
    /// Whether `value` lies inside the interval (bounds included).
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// Interval for `center(numerator) / center(denominator)`; both samples must hold positive,
/// finite values (durations).
pub fn ratio_ci(
    numerator: &[f64],
    denominator: &[f64],
    center: Center,
    config: &BootstrapConfig,
) -> Result<ConfidenceInterval, StatsError> {
    check_positive(numerator, "numerator")?;
    check_positive(denominator, "denominator")?;
    if !(config.level > 0.0 && config.level < 1.0) {
        return Err(StatsError::BadLevel(config.level));
    }
    if config.resamples < MIN_RESAMPLES {
        return Err(StatsError::TooFewResamples {
            minimum: MIN_RESAMPLES,
            got: config.resamples,
        });
    }
    let mut scratch = Vec::new();
    let estimate =
        center.of_with(numerator, &mut scratch) / center.of_with(denominator, &mut scratch);

    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut top = Vec::with_capacity(numerator.len());
    let mut bottom = Vec::with_capacity(denominator.len());
    let mut ratios = Vec::with_capacity(config.resamples);
    for _ in 0..config.resamples {
        resample_into(numerator, &mut rng, &mut top);
        resample_into(denominator, &mut rng, &mut bottom);
        ratios.push(center.of_with(&top, &mut scratch) / center.of_with(&bottom, &mut scratch));
    }
    ratios.sort_unstable_by(f64::total_cmp);
    let tail = (1.0 - config.level) / 2.0;
    Ok(ConfidenceInterval {
        estimate,
        low: quantile_of_sorted(&ratios, tail),
        high: quantile_of_sorted(&ratios, 1.0 - tail),
        level: config.level,
    })
}

fn resample_into(sample: &[f64], rng: &mut ChaCha8Rng, into: &mut Vec<f64>) {
    into.clear();
    into.extend((0..sample.len()).map(|_| sample[rng.random_range(0..sample.len())]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_give_a_point_interval_at_one() {
        let sample = [3.0, 3.0, 3.0];
        let interval = ratio_ci(
            &sample,
            &sample,
            Center::Median,
            &BootstrapConfig::default(),
        )
        .unwrap();
        assert_eq!(
            (interval.estimate, interval.low, interval.high),
            (1.0, 1.0, 1.0)
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_interval() {
        let a = [10.0, 12.0, 11.0, 15.0, 9.0, 13.0];
        let b = [20.0, 25.0, 21.0, 30.0, 19.0, 22.0];
        let config = BootstrapConfig::default();
        let first = ratio_ci(&b, &a, Center::Median, &config).unwrap();
        let again = ratio_ci(&b, &a, Center::Median, &config).unwrap();
        assert_eq!(first, again);
        assert!(first.low < first.estimate && first.estimate < first.high);
        assert!(first.low > 1.0, "B is clearly slower: {first:?}");
    }

    #[test]
    fn rejects_values_a_ratio_cannot_use() {
        let config = BootstrapConfig::default();
        let zero = ratio_ci(&[1.0], &[0.0], Center::Median, &config).unwrap_err();
        assert!(
            zero.to_string()
                .contains("denominator sample must be positive")
        );
        let empty = ratio_ci(&[], &[1.0], Center::Mean, &config).unwrap_err();
        assert_eq!(
            empty,
            StatsError::Empty {
                sample: "numerator"
            }
        );
        let level = BootstrapConfig {
            level: 1.0,
            ..config
        };
        assert_eq!(
            ratio_ci(&[1.0], &[1.0], Center::Mean, &level).unwrap_err(),
            StatsError::BadLevel(1.0)
        );
    }
}
