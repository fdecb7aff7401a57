//! Welch's unequal-variance t-test and interval for a difference of means, and the same on
//! log durations for a ratio of geometric means.
//!
//! Why this is the A/B model: run times are positive and right-skewed with a spread roughly
//! proportional to their level, so their logarithm is close to normal with a stable spread.
//! A difference of mean logs is the log of the ratio of geometric means, so the effect, its
//! interval and the test are one computation: the interval is `exp` of the Welch interval of
//! the mean log difference and the p-value comes from the same t statistic and
//! Welch–Satterthwaite degrees of freedom. Hence `p < 1 − level` exactly when the interval
//! excludes 1 (no verdict can contradict its interval), and unlike a rank test of 3 + 3 runs
//! (smallest p = 0.1) it has power at three runs per arm. The Student t distribution comes
//! from `statrs`.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::error::{StatsError, check_finite, check_positive};
use super::interval::ConfidenceInterval;
use super::summary::{mean, stddev};

/// Result of [`welch`]: `second − first`, its interval and the two-sided test of 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WelchTest {
    /// `mean(second) − mean(first)`.
    pub difference: f64,
    /// Standard error of the difference, `sqrt(s₁²/n₁ + s₂²/n₂)`.
    pub standard_error: f64,
    /// Welch–Satterthwaite degrees of freedom (`n₁ + n₂ − 2` when both samples are constant).
    pub df: f64,
    /// `difference / standard_error`; `None` when neither sample varies (no spread, so no t;
    /// `p_value` is then 1 for equal means and 0 otherwise).
    pub t: Option<f64>,
    /// Two-sided p-value of "the means are equal".
    pub p_value: f64,
    /// Interval of `difference` at `level`.
    pub low: f64,
    /// Upper end of the interval of `difference` at `level` (`low` is the lower end).
    pub high: f64,
    /// Coverage the interval was built for (0.95 for a 95% interval).
    pub level: f64,
}

impl WelchTest {
    /// Whether `value` lies inside the interval (bounds included).
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// Welch's t-test of `second − first` with a two-sided interval at `level` (e.g. 0.95).
/// Each sample needs at least two finite values. Same numbers as
/// `scipy.stats.ttest_ind(second, first, equal_var=False)` and its
/// `confidence_interval(level)`.
///
/// # Errors
///
/// [`StatsError::Empty`] or [`StatsError::NonFinite`] naming the sample,
/// [`StatsError::TooFewValues`] with fewer than 2 values in a sample, and
/// [`StatsError::BadLevel`] unless `0 < level < 1`.
pub fn welch(first: &[f64], second: &[f64], level: f64) -> Result<WelchTest, StatsError> {
    check_finite(first, "first")?;
    check_finite(second, "second")?;
    check_level(level)?;
    for (sample, name) in [(first, "first"), (second, "second")] {
        if sample.len() < 2 {
            return Err(StatsError::TooFewValues {
                sample: name,
                minimum: 2,
                got: sample.len(),
            });
        }
    }
    let (n1, n2) = (first.len() as f64, second.len() as f64);
    let difference = mean(second).unwrap_or(0.0) - mean(first).unwrap_or(0.0);
    let v1 = stddev(first).unwrap_or(0.0).powi(2) / n1;
    let v2 = stddev(second).unwrap_or(0.0).powi(2) / n2;
    let standard_error = (v1 + v2).sqrt();
    let df = if v1 + v2 > 0.0 {
        (v1 + v2).powi(2) / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0))
    } else {
        n1 + n2 - 2.0
    };
    let (t, p_value, half_width) = if standard_error > 0.0 {
        let t = difference / standard_error;
        (
            Some(t),
            2.0 * student_sf(t.abs(), df),
            student_quantile(0.5 + level / 2.0, df) * standard_error,
        )
    } else if difference == 0.0 {
        (None, 1.0, 0.0)
    } else {
        (None, 0.0, 0.0)
    };
    Ok(WelchTest {
        difference,
        standard_error,
        df,
        t,
        p_value,
        low: difference - half_width,
        high: difference + half_width,
        level,
    })
}

/// Welch on log durations: the ratio of geometric means `numerator / denominator` with the
/// `exp` of the Welch interval of the mean log difference, and the test behind it.
/// Same numbers as `scipy.stats.ttest_ind(log(numerator), log(denominator), equal_var=False)`.
///
/// # Errors
///
/// [`StatsError::NonPositive`] for a value of 0 or below (no logarithm), else as [`welch`].
pub fn log_ratio(
    numerator: &[f64],
    denominator: &[f64],
    level: f64,
) -> Result<(ConfidenceInterval, WelchTest), StatsError> {
    check_positive(numerator, "numerator")?;
    check_positive(denominator, "denominator")?;
    let logs = |sample: &[f64]| sample.iter().map(|value| value.ln()).collect::<Vec<f64>>();
    let test = welch(&logs(denominator), &logs(numerator), level)?;
    let interval = ConfidenceInterval {
        estimate: test.difference.exp(),
        low: test.low.exp(),
        high: test.high.exp(),
        level,
    };
    Ok((interval, test))
}

/// Runs per arm that a two-sided Welch test at `alpha` needs to detect a true difference of
/// `effect` with probability `power`, when each arm's values have standard deviation `sd`
/// (for log durations: the spread of log time, and `effect = ln(1 + threshold)`). Smallest
/// `n ≥ 2` with `(t₁₋α/₂ + t_power) · sd · √(2/n) ≤ effect` on `2n − 2` degrees of freedom
/// (the usual normal-approximation sample size, with t quantiles so small n is not
/// understated); capped at `limit`, `None` when even `limit` runs are not enough.
pub fn runs_needed(sd: f64, effect: f64, alpha: f64, power: f64, limit: usize) -> Option<usize> {
    if !(sd.is_finite() && effect.is_finite() && effect > 0.0) {
        return None;
    }
    if sd <= 0.0 {
        return Some(2);
    }
    let enough = |n: usize| {
        let df = (2 * n - 2) as f64;
        let needed = (student_quantile(1.0 - alpha / 2.0, df) + student_quantile(power, df))
            * sd
            * (2.0 / n as f64).sqrt();
        needed <= effect
    };
    if limit < 2 || !enough(limit) {
        return None;
    }
    // `enough` turns true once and stays true as n grows: bisect for the first such n.
    let (mut low, mut high) = (1, limit);
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if enough(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    Some(high)
}

fn check_level(level: f64) -> Result<(), StatsError> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::BadLevel(level))
    }
}

fn student(df: f64) -> StudentsT {
    // df > 0 and finite by construction (at least one sample has spread, n ≥ 2).
    StudentsT::new(0.0, 1.0, df).unwrap_or_else(|_| {
        StudentsT::new(0.0, 1.0, 1.0).expect("1 degree of freedom is a valid t distribution")
    })
}

/// Upper tail `P(T > t)` of Student's t with `df` degrees of freedom.
pub fn student_sf(t: f64, df: f64) -> f64 {
    student(df).sf(t)
}

/// The `q`-quantile of Student's t with `df` degrees of freedom.
pub fn student_quantile(q: f64, df: f64) -> f64 {
    student(df).inverse_cdf(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance * expected.abs().max(1e-300),
            "{actual} != {expected}"
        );
    }

    #[test]
    fn matches_scipy_on_the_issue_repro() {
        // scipy.stats.ttest_ind(np.log(b), np.log(a), equal_var=False) with
        // a = [12.8, 12.8, 13.1], b = [9.03, 9.18, 9.22]:
        // t = -34.44379413483335, p = 6.0759962184286355e-06, df = 3.8542458460680526,
        // exp(confidence_interval(0.95)) = (0.6891162905999416, 0.7290448197041812),
        // exp(mean log difference) = 0.7087994510689526.
        let (ratio, test) = log_ratio(&[9.03, 9.18, 9.22], &[12.8, 12.8, 13.1], 0.95).unwrap();
        close(test.t.unwrap(), -34.44379413483335, 1e-9);
        close(test.df, 3.8542458460680526, 1e-9);
        close(test.p_value, 6.0759962184286355e-06, 1e-6);
        close(ratio.estimate, 0.7087994510689526, 1e-12);
        close(ratio.low, 0.6891162905999416, 1e-9);
        close(ratio.high, 0.7290448197041812, 1e-9);
    }

    #[test]
    fn matches_scipy_on_a_wide_difference_of_raw_seconds() {
        // scipy.stats.ttest_ind([34.9, 35.0, 35.1, 35.2, 35.3, 35.4],
        //                       [20, 50, 20, 50, 20, 50], equal_var=False):
        // t = 0.022359230612568205, p = 0.9830260541258194, df = 5.001296296274514,
        // confidence_interval(0.95) = (-17.093760482542805, 17.393760482542802).
        let test = welch(
            &[20.0, 50.0, 20.0, 50.0, 20.0, 50.0],
            &[34.9, 35.0, 35.1, 35.2, 35.3, 35.4],
            0.95,
        )
        .unwrap();
        close(test.t.unwrap(), 0.022359230612568205, 1e-9);
        close(test.p_value, 0.9830260541258194, 1e-9);
        close(test.df, 5.001296296274514, 1e-9);
        close(test.low, -17.093760482542805, 1e-9);
        close(test.high, 17.393760482542802, 1e-9);
    }

    #[test]
    fn t_distribution_matches_scipy() {
        // scipy.stats.t.ppf(0.975, 2.5) = 3.5746548420036817
        // 2 * scipy.stats.t.sf(3.1, 4.7) = 0.029165614221150736
        close(student_quantile(0.975, 2.5), 3.5746548420036817, 1e-9);
        close(2.0 * student_sf(3.1, 4.7), 0.029165614221150736, 1e-9);
    }

    #[test]
    fn p_below_alpha_exactly_when_the_interval_excludes_zero() {
        let first = [1.0, 1.2, 0.9, 1.1];
        for shift in [0.0, 0.1, 0.2, 0.25, 0.3, 0.5] {
            let second: Vec<f64> = first.iter().map(|value| value + shift).collect();
            let test = welch(&first, &second, 0.95).unwrap();
            assert_eq!(test.p_value < 0.05, !test.contains(0.0), "{test:?}");
        }
    }

    #[test]
    fn constant_samples_and_bad_input() {
        let same = welch(&[2.0, 2.0], &[2.0, 2.0], 0.95).unwrap();
        assert_eq!(
            (same.t, same.p_value, same.low, same.high),
            (None, 1.0, 0.0, 0.0)
        );
        let apart = welch(&[2.0, 2.0], &[3.0, 3.0], 0.95).unwrap();
        assert_eq!((apart.p_value, apart.low, apart.high), (0.0, 1.0, 1.0));
        assert_eq!(
            welch(&[1.0], &[1.0, 2.0], 0.95).unwrap_err(),
            StatsError::TooFewValues {
                sample: "first",
                minimum: 2,
                got: 1
            }
        );
        assert_eq!(
            welch(&[1.0, 2.0], &[1.0, 2.0], 1.0).unwrap_err(),
            StatsError::BadLevel(1.0)
        );
    }

    #[test]
    fn runs_needed_grows_with_spread_and_matches_the_formula() {
        // σ = 0.05 on logs, 5% threshold: ln(1.05) = 0.0488; (1.96 + 0.84)² · 2 · (0.05/0.0488)²
        // ≈ 16.5 with normal quantiles. With t quantiles, the smallest n where
        // (scipy.stats.t.ppf(0.975, 2n-2) + scipy.stats.t.ppf(0.8, 2n-2)) * 0.05 * sqrt(2/n)
        // <= log(1.05) is 18.
        let n = runs_needed(0.05, 1.05f64.ln(), 0.05, 0.8, 1000).unwrap();
        assert_eq!(n, 18);
        assert!(runs_needed(0.10, 1.05f64.ln(), 0.05, 0.8, 1000).unwrap() > 3 * n);
        assert_eq!(runs_needed(0.0, 0.05, 0.05, 0.8, 1000), Some(2));
        assert_eq!(runs_needed(1.0, 0.01, 0.05, 0.8, 50), None);
    }
}
