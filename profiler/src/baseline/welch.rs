//! Welch's t-test on the logarithms of per-run values: the gate's timing test.
//!
//! Why logs: run times are right-skewed and a slowdown multiplies them, so on the log scale a
//! change is a shift and the spread is comparable between a fast and a slow side. Why a t-test
//! and not a rank test: with 3 runs per side the smallest two-sided p-value any rank test can
//! give is 0.1, so it could never flag anything; Welch's test is calibrated at that size for
//! roughly log-normal run times and needs no equal variances.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Welch's test of `second` against `first` on the log scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogWelch {
    /// `exp(mean ln second − mean ln first)`: the ratio of geometric means.
    pub ratio: f64,
    /// 95% Welch interval of `ratio`.
    pub ratio_low: f64,
    pub ratio_high: f64,
    /// Two-sided p-value (not yet adjusted for multiple keys).
    pub p_value: f64,
    /// One-sided p-value that `second` is slower (larger) than `first`.
    pub p_slower: f64,
    /// One-sided p-value that `second` is faster (smaller) than `first`.
    pub p_faster: f64,
    /// Welch–Satterthwaite degrees of freedom (infinite when both sides have no spread).
    pub degrees_of_freedom: f64,
}

/// Welch's t-test on `ln` of the values; `None` when a side has fewer than 2 values or a
/// value is not positive and finite.
///
/// Both sides without spread (every run gave the same value, which happens with bucketed
/// durations): p = 1 when the values agree, else 0.
pub fn log_welch(first: &[f64], second: &[f64]) -> Option<LogWelch> {
    if first.len() < 2
        || second.len() < 2
        || first
            .iter()
            .chain(second)
            .any(|value| !(value.is_finite() && *value > 0.0))
    {
        return None;
    }
    let (mean_a, var_a) = mean_and_variance(first);
    let (mean_b, var_b) = mean_and_variance(second);
    let difference = mean_b - mean_a;
    let (n_a, n_b) = (first.len() as f64, second.len() as f64);
    let (share_a, share_b) = (var_a / n_a, var_b / n_b);
    let standard_error = (share_a + share_b).sqrt();
    if standard_error == 0.0 {
        let ratio = difference.exp();
        return Some(LogWelch {
            ratio,
            ratio_low: ratio,
            ratio_high: ratio,
            p_value: if difference == 0.0 { 1.0 } else { 0.0 },
            p_slower: if difference > 0.0 { 0.0 } else { 1.0 },
            p_faster: if difference < 0.0 { 0.0 } else { 1.0 },
            degrees_of_freedom: f64::INFINITY,
        });
    }
    let degrees_of_freedom = (share_a + share_b).powi(2)
        / (share_a.powi(2) / (n_a - 1.0) + share_b.powi(2) / (n_b - 1.0));
    let t = StudentsT::new(0.0, 1.0, degrees_of_freedom).ok()?;
    let statistic = difference / standard_error;
    let p_value = (2.0 * t.sf(statistic.abs())).min(1.0);
    let margin = t.inverse_cdf(0.975) * standard_error;
    Some(LogWelch {
        ratio: difference.exp(),
        ratio_low: (difference - margin).exp(),
        ratio_high: (difference + margin).exp(),
        p_value,
        p_slower: t.sf(statistic),
        p_faster: t.cdf(statistic),
        degrees_of_freedom,
    })
}

/// Mean and unbiased variance of `ln` of the values.
fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let logs: Vec<f64> = values.iter().map(|value| value.ln()).collect();
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    let variance = logs.iter().map(|log| (log - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy_welch_on_logs() {
        // r = scipy.stats.ttest_ind(np.log(b), np.log(a), equal_var=False) on the issue's
        // A/B runs: r.pvalue, and np.exp(r.confidence_interval(0.95)) for the interval.
        let a = [12.8, 12.8, 13.1];
        let b = [9.03, 9.18, 9.22];
        let test = log_welch(&a, &b).unwrap();
        let close = |x: f64, y: f64| (x - y).abs() < 1e-9 * y.abs().max(1e-6);
        assert!(close(test.p_value, 6.075_996_218_428_635_5e-6), "{test:?}");
        // alternative="less" (b faster) halves it; "greater" is its complement.
        assert!(
            close(test.p_faster, 6.075_996_218_428_635_5e-6 / 2.0),
            "{test:?}"
        );
        assert!(
            close(test.p_slower, 1.0 - 6.075_996_218_428_635_5e-6 / 2.0),
            "{test:?}"
        );
        assert!(close(test.ratio, 0.708_799_451_068_952_6), "{test:?}");
        assert!(
            close(test.ratio_low, (-0.372_345_240_497_967_f64).exp()),
            "{test:?}"
        );
        assert!(
            close(test.ratio_high, (-0.316_020_067_787_668_34_f64).exp()),
            "{test:?}"
        );
    }

    #[test]
    fn too_few_runs_or_bad_values_are_not_testable() {
        assert_eq!(log_welch(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(log_welch(&[1.0, 2.0], &[0.0, 2.0]), None);
        assert_eq!(log_welch(&[1.0, f64::NAN], &[1.0, 2.0]), None);
    }

    #[test]
    fn sides_without_spread_are_equal_or_different_for_certain() {
        assert_eq!(log_welch(&[5.0, 5.0], &[5.0, 5.0]).unwrap().p_value, 1.0);
        let moved = log_welch(&[5.0, 5.0], &[10.0, 10.0]).unwrap();
        assert_eq!(moved.p_value, 0.0);
        assert!((moved.ratio - 2.0).abs() < 1e-12, "{moved:?}");
    }
}
