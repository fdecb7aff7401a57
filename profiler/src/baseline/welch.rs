//! Welch's t-test on the logarithms of per-run values: the gate's timing test.
//!
//! Why logs: run times are right-skewed and a slowdown multiplies them, so on the log scale a
//! change is a shift and the spread is comparable between a fast and a slow side. Why a t-test
//! and not a rank test: with 3 runs per side the smallest two-sided p-value any rank test can
//! give is 0.1, so it could never flag anything; Welch's test is calibrated at that size for
//! roughly log-normal run times and needs no equal variances.

use crate::stats::{log_ratio, student_sf};

/// Welch's test of `second` against `first` on the log scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogWelch {
    /// `exp(mean ln second − mean ln first)`: the ratio of geometric means.
    pub ratio: f64,
    /// 95% Welch interval of `ratio`.
    pub ratio_low: f64,
    /// Upper end of that interval (`ratio_low` is the lower end).
    pub ratio_high: f64,
    /// Two-sided p-value (not yet adjusted for multiple keys).
    pub p_value: f64,
    /// One-sided p-value that `second` is slower (larger) than `first`.
    pub p_slower: f64,
    /// One-sided p-value that `second` is faster (smaller) than `first`.
    pub p_faster: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub degrees_of_freedom: f64,
}

/// Welch's t-test on `ln` of the values ([`crate::stats::log_ratio`], the A/B model's test)
/// with both one-sided p-values; `None` when a side has fewer than 2 values or a value is
/// not positive and finite.
///
/// Both sides without spread (every run gave the same value, which happens with bucketed
/// durations): p = 1 when the values agree, else 0.
pub fn log_welch(first: &[f64], second: &[f64]) -> Option<LogWelch> {
    let (interval, test) = log_ratio(second, first, 0.95).ok()?;
    let (p_slower, p_faster) = match test.t {
        Some(t) => (student_sf(t, test.df), student_sf(-t, test.df)),
        None => (
            if test.difference > 0.0 { 0.0 } else { 1.0 },
            if test.difference < 0.0 { 0.0 } else { 1.0 },
        ),
    };
    Some(LogWelch {
        ratio: interval.estimate,
        ratio_low: interval.low,
        ratio_high: interval.high,
        p_value: test.p_value,
        p_slower,
        p_faster,
        degrees_of_freedom: test.df,
    })
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
