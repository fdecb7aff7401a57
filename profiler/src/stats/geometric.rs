//! The geometric mean of positive values with the interval of its one-sample t test on logs.
//!
//! Why on logs: times and throughputs are positive and right-skewed with a spread roughly
//! proportional to their level, so their logarithm is close to normal; the mean log is the
//! log of the geometric mean, and `exp` of the Student t interval of the mean log is an
//! interval of the geometric mean (the one-sample counterpart of [`super::log_ratio`]).

use super::interval::ConfidenceInterval;
use super::summary::{mean, stddev};
use super::welch::student_quantile;

/// Geometric mean of `values` (positive, finite) with `exp` of the two-sided Student t
/// interval of their mean log at `level` (`n − 1` degrees of freedom), in the unit of the
/// values. One value gives a zero-width interval (no spread to estimate), so callers that
/// need a real interval check for two or more values first; an empty sample or one with a
/// value ≤ 0 gives NaN bounds.
pub fn geometric_interval(values: &[f64], level: f64) -> ConfidenceInterval {
    let logs: Vec<f64> = values.iter().map(|value| value.ln()).collect();
    let centre = mean(&logs).unwrap_or(f64::NAN);
    let half = match stddev(&logs) {
        Some(spread) if logs.len() >= 2 => {
            let n = logs.len() as f64;
            student_quantile(0.5 + level / 2.0, n - 1.0) * spread / n.sqrt()
        }
        _ => 0.0,
    };
    ConfidenceInterval {
        estimate: centre.exp(),
        low: (centre - half).exp(),
        high: (centre + half).exp(),
        level,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-9 * expected.abs(),
            "{actual} != {expected}"
        );
    }

    #[test]
    fn matches_scipy_on_logs() {
        // logs = np.log([1, 2, 4]); h = scipy.stats.t.ppf(0.975, 2) * logs.std(ddof=1) / sqrt(3)
        // = 1.7218730510223754; 2 * exp(-h) = 0.35746212358947466, 2 * exp(h) = 11.18999674660294.
        let interval = geometric_interval(&[1.0, 2.0, 4.0], 0.95);
        close(interval.estimate, 2.0);
        close(interval.low, 0.35746212358947466);
        close(interval.high, 11.18999674660294);
        assert_eq!(interval.level, 0.95);
    }

    #[test]
    fn one_value_has_no_spread_and_nothing_gives_nan() {
        let one = geometric_interval(&[3.0], 0.95);
        assert_eq!((one.low, one.high), (one.estimate, one.estimate));
        close(one.estimate, 3.0);
        assert!(geometric_interval(&[], 0.95).estimate.is_nan());
    }
}
