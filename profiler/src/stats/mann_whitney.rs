//! Mann-Whitney U test on histograms.
//!
//! Baselines keep each key's distribution as an HDR histogram (bucket value, count), not the
//! raw samples, so the regression gate needs a test that is valid on bucketed data. The U test
//! only uses the order of values, and bucketing only creates ties; ties are handled exactly by
//! mid-ranks and the tie-corrected variance. It asks "is a random call from one run slower
//! than a random call from the other more often than not", which is what a regression is,
//! and unlike a t-test it does not care that durations are skewed.
//!
//! Small samples (at most 100 values and [`PermutationConfig::exact_limit`] splits) get an exact permutation
//! p-value of U on the expanded values; larger ones the normal approximation with tie and
//! continuity corrections.

use serde::{Deserialize, Serialize};

use super::error::StatsError;
use super::normal::two_sided_p;
use super::permutation::{PermutationConfig, binomial_capped, rank_sum_p_value};
use super::ranks::midranks;
use crate::profile::Histogram;

/// Above this many values in total the normal approximation is used even when the number of
/// splits is small (one value against thousands): it is accurate there and enumeration is not.
const EXACT_MAX_VALUES: usize = 100;

/// How the p-value was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MannWhitneyMethod {
    /// Exact permutation distribution of U (small samples).
    Exact {
        /// Splits of the pooled values enumerated, C(n₁+n₂, n₁).
        splits: u64,
    },
    /// Normal approximation with tie and continuity corrections.
    Normal,
}

/// The outcome of a Mann-Whitney U test of `first` against `second`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MannWhitney {
    /// Pairs (x from first, y from second) with y > x, plus half the tied pairs.
    pub u_second: f64,
    /// Number of values in `first` (the histogram's counts added).
    pub n_first: u64,
    /// Number of values in `second`.
    pub n_second: u64,
    /// `U / (n₁·n₂)`: the probability that a random value of `second` exceeds one of `first`
    /// (ties count half). 0.5 means no shift; above 0.5 means `second` is slower.
    pub prob_second_greater: f64,
    /// Two-sided.
    pub p_value: f64,
    /// Whether `p_value` is exact or from the normal approximation.
    pub method: MannWhitneyMethod,
}

/// Tests whether the values of `second` tend to be larger or smaller than those of `first`.
///
/// # Errors
///
/// [`StatsError::Empty`] when a histogram has no values.
pub fn mann_whitney(
    first: &Histogram,
    second: &Histogram,
    config: &PermutationConfig,
) -> Result<MannWhitney, StatsError> {
    let first = normalize(first, "first")?;
    let second = normalize(second, "second")?;
    let n_first: u64 = first.iter().map(|(_, count)| count).sum();
    let n_second: u64 = second.iter().map(|(_, count)| count).sum();
    let u_second = u_statistic(&first, &second);
    let pairs = n_first as f64 * n_second as f64;

    let total = n_first + n_second;
    let splits = usize::try_from(total)
        .ok()
        .filter(|&total| total <= EXACT_MAX_VALUES)
        .and_then(|total| binomial_capped(total, n_first as usize, config.exact_limit));
    let (p_value, method) = match splits {
        Some(splits) => (
            exact_p_value(&first, &second, n_first as usize, config),
            MannWhitneyMethod::Exact { splits },
        ),
        None => (
            normal_approximation(&first, &second, u_second, n_first, n_second),
            MannWhitneyMethod::Normal,
        ),
    };
    Ok(MannWhitney {
        u_second,
        n_first,
        n_second,
        prob_second_greater: u_second / pairs,
        p_value,
        method,
    })
}

/// Sorted, distinct buckets without empty ones; an empty histogram is an error.
fn normalize(histogram: &Histogram, name: &'static str) -> Result<Vec<(u64, u64)>, StatsError> {
    let mut buckets: Vec<(u64, u64)> = histogram
        .buckets
        .iter()
        .copied()
        .filter(|(_, count)| *count > 0)
        .collect();
    if buckets.is_empty() {
        return Err(StatsError::Empty { sample: name });
    }
    buckets.sort_unstable();
    // A hand-edited or merged histogram may list a value twice; count it once.
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(buckets.len());
    for (value, count) in buckets {
        match merged.last_mut() {
            Some((last, total)) if *last == value => *total += count,
            _ => merged.push((value, count)),
        }
    }
    Ok(merged)
}

/// U of `second` by a merge of the two sorted bucket lists: O(buckets), not O(n₁·n₂).
fn u_statistic(first: &[(u64, u64)], second: &[(u64, u64)]) -> f64 {
    let mut u = 0.0;
    let mut below_first = 0u64; // values of `first` strictly below the current value
    let mut i = 0;
    for &(value, count) in second {
        while i < first.len() && first[i].0 < value {
            below_first += first[i].1;
            i += 1;
        }
        let tied = if i < first.len() && first[i].0 == value {
            first[i].1
        } else {
            0
        };
        u += count as f64 * (below_first as f64 + 0.5 * tied as f64);
    }
    u
}

fn normal_approximation(
    first: &[(u64, u64)],
    second: &[(u64, u64)],
    u_second: f64,
    n_first: u64,
    n_second: u64,
) -> f64 {
    let n1 = n_first as f64;
    let n2 = n_second as f64;
    let total = n1 + n2;
    let mut tied: std::collections::BTreeMap<u64, f64> = std::collections::BTreeMap::new();
    for &(value, count) in first.iter().chain(second) {
        *tied.entry(value).or_default() += count as f64;
    }
    let tie_term: f64 = tied.values().map(|t| t * t * t - t).sum();
    let variance = n1 * n2 / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
    if variance <= 0.0 {
        return 1.0; // every value tied: nothing distinguishes the samples
    }
    let shift = (u_second - n1 * n2 / 2.0).abs();
    let z = ((shift - 0.5).max(0.0)) / variance.sqrt();
    two_sided_p(z)
}

/// Exact permutation p-value on mid-ranks: `|R₁ − n₁(N+1)/2|` orders splits exactly like
/// `|U − n₁n₂/2|` and costs O(n₁) per split.
fn exact_p_value(
    first: &[(u64, u64)],
    second: &[(u64, u64)],
    n_first: usize,
    config: &PermutationConfig,
) -> f64 {
    let values: Vec<f64> = first
        .iter()
        .chain(second)
        .flat_map(|&(value, count)| std::iter::repeat_n(value as f64, count as usize))
        .collect();
    rank_sum_p_value(&midranks(&values), n_first, config).p_value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(buckets: &[(u64, u64)]) -> Histogram {
        Histogram {
            buckets: buckets.to_vec(),
        }
    }

    #[test]
    fn u_counts_pairs_with_half_ties() {
        // first {1, 2, 2}, second {2, 3}: pairs with y > x: y=2 beats 1 (1) and ties two 2s
        // (1.0); y=3 beats all three (3) → U = 5.
        let first = [(1, 1), (2, 2)];
        let second = [(2, 1), (3, 1)];
        assert_eq!(u_statistic(&first, &second), 5.0);
    }

    #[test]
    fn exact_p_value_for_fully_separated_small_samples() {
        // Three against three, fully separated: 2 of the 20 splits are as extreme.
        let test = mann_whitney(
            &histogram(&[(10, 1), (11, 1), (12, 1)]),
            &histogram(&[(20, 1), (21, 1), (22, 1)]),
            &PermutationConfig::default(),
        )
        .unwrap();
        assert_eq!(test.method, MannWhitneyMethod::Exact { splits: 20 });
        assert!((test.p_value - 0.1).abs() < 1e-12);
        assert_eq!(test.prob_second_greater, 1.0);
    }

    #[test]
    fn normal_approximation_matches_a_reference_computation() {
        // first: 40 × 100 ns, 60 × 200 ns; second: 20 × 100 ns, 80 × 200 ns.
        // U₂ = 80·40 + 0.5·(20·40 + 80·60) = 6000; mean 5000.
        // Ties: 60 at 100, 140 at 200 → Σ(t³ − t) = 215_940 + 2_743_860 = 2_959_800.
        // var = 100·100/12 · (201 − 2_959_800/(200·199)) = 105_527.638…
        // z = (1000 − 0.5)/324.850… = 3.0768… → p = 0.002092…
        let test = mann_whitney(
            &histogram(&[(100, 40), (200, 60)]),
            &histogram(&[(200, 80), (100, 20)]),
            &PermutationConfig::default(),
        )
        .unwrap();
        assert_eq!(test.method, MannWhitneyMethod::Normal);
        assert_eq!(test.u_second, 6000.0);
        assert!((test.p_value - 0.002_092).abs() < 2e-5, "{}", test.p_value);
        assert!(test.prob_second_greater > 0.5);
    }

    #[test]
    fn the_same_histogram_is_not_different() {
        let same = histogram(&[(100, 500), (150, 300), (400, 10)]);
        let test = mann_whitney(&same, &same, &PermutationConfig::default()).unwrap();
        assert!(test.p_value > 0.99, "{}", test.p_value);
        assert_eq!(test.prob_second_greater, 0.5);
    }

    #[test]
    fn unsorted_and_repeated_buckets_count_like_their_merged_form() {
        let messy = histogram(&[(200, 30), (100, 40), (200, 30)]);
        let clean = histogram(&[(100, 40), (200, 60)]);
        let other = histogram(&[(100, 20), (200, 80)]);
        let config = PermutationConfig::default();
        assert_eq!(
            mann_whitney(&messy, &other, &config).unwrap(),
            mann_whitney(&clean, &other, &config).unwrap()
        );
    }

    #[test]
    fn empty_histograms_are_rejected() {
        let error = mann_whitney(
            &histogram(&[(5, 0)]),
            &histogram(&[(5, 1)]),
            &PermutationConfig::default(),
        )
        .unwrap_err();
        assert_eq!(error, StatsError::Empty { sample: "first" });
    }
}
