//! Fisher's exact test for a drop in success rate: the gate's failure test.

use statrs::distribution::{DiscreteCDF, Hypergeometric};

/// One-sided p-value that `current` succeeds less often than `baseline`, given
/// (successes, failures) of each: the probability, with the margins fixed, that the current
/// side gets this few successes or fewer. Equals
/// `scipy.stats.fisher_exact([[s_cur, f_cur], [s_base, f_base]], alternative="less")`.
/// 1 when either side has no calls (nothing to compare).
pub fn success_drop_p(baseline: (u64, u64), current: (u64, u64)) -> f64 {
    let (base_calls, current_calls) = (baseline.0 + baseline.1, current.0 + current.1);
    if base_calls == 0 || current_calls == 0 {
        return 1.0;
    }
    let population = base_calls + current_calls;
    let successes = baseline.0 + current.0;
    match Hypergeometric::new(population, successes, current_calls) {
        Ok(distribution) => distribution.cdf(current.0).min(1.0),
        Err(_) => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issues_all_failed_run_is_a_certain_drop() {
        // 20 of 20 succeeded before, 0 of 20 now: 1 / C(40, 20).
        let p = success_drop_p((20, 0), (0, 20));
        assert!((p - 1.0 / 137_846_528_820.0).abs() < 1e-20, "{p}");
    }

    #[test]
    fn matches_scipy_on_small_tables() {
        // scipy.stats.fisher_exact([[7, 3], [10, 0]], alternative="less").pvalue
        assert!((success_drop_p((10, 0), (7, 3)) - 0.105_263_157_894_736_8).abs() < 1e-12);
        // scipy.stats.fisher_exact([[1, 1], [1, 0]], alternative="less").pvalue
        assert!((success_drop_p((1, 0), (1, 1)) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(success_drop_p((10, 0), (10, 0)), 1.0);
        assert_eq!(success_drop_p((0, 0), (0, 5)), 1.0);
        assert!(
            success_drop_p((5, 5), (10, 0)) > 0.99,
            "more successes is no drop"
        );
    }
}
