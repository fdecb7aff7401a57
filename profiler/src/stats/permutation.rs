//! Two-sided permutation test of "both samples come from the same distribution".
//!
//! Under that null hypothesis every split of the pooled values into groups of the original
//! sizes is equally likely, so the p-value is the share of splits whose statistic is at least
//! as extreme as the observed one. It is exact (no normality, no large-sample assumption),
//! which is what a handful of runs per arm needs. With at most
//! [`PermutationConfig::exact_limit`] splits all of them are enumerated; beyond that a seeded
//! Monte Carlo sample of splits is drawn and the p-value is `(1 + hits) / (1 + resamples)`,
//! which never reports an impossible p = 0 and keeps the test valid.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::center::Center;
use super::error::{StatsError, check_finite};
use super::ranks::midranks;

/// What the permutation test compares between the two groups.
///
/// [`Statistic::RankSum`] (the Wilcoxon-Mann-Whitney statistic) is the default for run
/// times: like the median it ignores how far out one slow run lies, yet unlike a median
/// difference it uses every value, so with small groups it reaches the smallest p-value
/// the design allows (2 of C(2n, n) splits for fully separated groups). A median difference
/// is blind to swaps of the outermost values: with 4 + 4 runs fully separated it cannot go
/// below p = 4/70 = 0.057.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    /// `|R₁ − n₁(N+1)/2|`, the rank sum of the first group against its expectation.
    #[default]
    RankSum,
    /// `|mean(second) − mean(first)|`.
    MeanDifference,
    /// `|median(second) − median(first)|`.
    MedianDifference,
}

impl std::fmt::Display for Statistic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Statistic::RankSum => "rank sum (Wilcoxon-Mann-Whitney)",
            Statistic::MeanDifference => "difference of means",
            Statistic::MedianDifference => "difference of medians",
        })
    }
}

/// When to enumerate and how to sample otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PermutationConfig {
    /// Enumerate every split when there are at most this many (C(n₁+n₂, n₁)).
    pub exact_limit: u64,
    /// Monte Carlo splits drawn when enumeration would be too slow.
    pub resamples: usize,
    /// Seed of the ChaCha8 generator that draws the Monte Carlo splits, so results repeat.
    pub seed: u64,
}

impl Default for PermutationConfig {
    fn default() -> Self {
        PermutationConfig {
            exact_limit: 20_000,
            resamples: 10_000,
            seed: 0x5eed,
        }
    }
}

/// How a p-value was obtained, for the methods line of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PermutationMethod {
    /// Every one of `splits` splits enumerated.
    Exact {
        /// Splits enumerated, C(n₁+n₂, n₁).
        splits: u64,
    },
    /// `resamples` random splits drawn with a ChaCha RNG seeded with `seed`.
    MonteCarlo {
        /// Random splits drawn.
        resamples: usize,
        /// Seed of the ChaCha8 generator.
        seed: u64,
    },
}

impl std::fmt::Display for PermutationMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PermutationMethod::Exact { splits } => write!(f, "exact, all {splits} splits"),
            PermutationMethod::MonteCarlo { resamples, seed } => {
                write!(f, "Monte Carlo, {resamples} random splits, seed {seed}")
            }
        }
    }
}

/// The outcome of a permutation test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PermutationTest {
    /// The observed value of the statistic.
    pub observed: f64,
    /// Two-sided p-value: the share of splits at least as extreme as the observed one
    /// (`(1 + hits) / (1 + resamples)` for Monte Carlo).
    pub p_value: f64,
    /// Whether the splits were enumerated or sampled.
    pub method: PermutationMethod,
}

/// Tests whether `first` and `second` come from different distributions, two-sided.
///
/// # Errors
///
/// [`StatsError::Empty`] or [`StatsError::NonFinite`] naming the sample.
pub fn permutation_test(
    first: &[f64],
    second: &[f64],
    statistic: Statistic,
    config: &PermutationConfig,
) -> Result<PermutationTest, StatsError> {
    check_finite(first, "first")?;
    check_finite(second, "second")?;
    let pooled: Vec<f64> = first.iter().chain(second).copied().collect();
    let mut scratch = Vec::new();
    let n_first = first.len();
    Ok(match statistic {
        Statistic::RankSum => rank_sum_p_value(&midranks(&pooled), n_first, config),
        Statistic::MeanDifference | Statistic::MedianDifference => {
            let center = if statistic == Statistic::MeanDifference {
                Center::Mean
            } else {
                Center::Median
            };
            permutation_p_value(&pooled, n_first, config, |a, b| {
                (center.of_with(b, &mut scratch) - center.of_with(a, &mut scratch)).abs()
            })
        }
    })
}

/// The rank-sum statistic `|R₁ − n₁(N+1)/2|` over `ranks[..n_first]`. It depends only on
/// which indices form the first group, so exact enumeration sums them directly (the hot path
/// of every A/B analysis and small regression-gate test).
pub(crate) fn rank_sum_p_value(
    ranks: &[f64],
    n_first: usize,
    config: &PermutationConfig,
) -> PermutationTest {
    let expected = n_first as f64 * (ranks.len() as f64 + 1.0) / 2.0;
    let statistic = |sum: f64| (sum - expected).abs();
    let Some(splits) = binomial_capped(ranks.len(), n_first, config.exact_limit) else {
        return permutation_p_value(ranks, n_first, config, |first, _| {
            statistic(first.iter().sum())
        });
    };
    let observed = statistic(ranks[..n_first].iter().sum());
    let threshold = observed - 1e-9 * observed.abs().max(f64::MIN_POSITIVE);
    let mut hits = 0u64;
    for_each_combination(ranks.len(), n_first, |chosen| {
        let mut sum = 0.0;
        for &index in chosen {
            sum += ranks[index];
        }
        if statistic(sum) >= threshold {
            hits += 1;
        }
    });
    PermutationTest {
        observed,
        p_value: hits as f64 / splits as f64,
        method: PermutationMethod::Exact { splits },
    }
}

/// The permutation engine: `pooled[..n_first]` is the observed first group, `statistic`
/// maps a split to a number where larger means "more different". Shared with the
/// Mann-Whitney test's small-sample path.
pub(crate) fn permutation_p_value(
    pooled: &[f64],
    n_first: usize,
    config: &PermutationConfig,
    mut statistic: impl FnMut(&[f64], &[f64]) -> f64,
) -> PermutationTest {
    let observed = statistic(&pooled[..n_first], &pooled[n_first..]);
    // Splits with the same statistic must count as "as extreme" despite rounding.
    let threshold = observed - 1e-9 * observed.abs().max(f64::MIN_POSITIVE);
    let mut first = Vec::with_capacity(n_first);
    let mut second = Vec::with_capacity(pooled.len() - n_first);
    match binomial_capped(pooled.len(), n_first, config.exact_limit) {
        Some(splits) => {
            let mut hits = 0u64;
            for_each_combination(pooled.len(), n_first, |chosen| {
                split_into(pooled, chosen, &mut first, &mut second);
                if statistic(&first, &second) >= threshold {
                    hits += 1;
                }
            });
            PermutationTest {
                observed,
                p_value: hits as f64 / splits as f64,
                method: PermutationMethod::Exact { splits },
            }
        }
        None => {
            let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
            let mut shuffled = pooled.to_vec();
            let mut hits = 0usize;
            for _ in 0..config.resamples {
                shuffled.shuffle(&mut rng);
                if statistic(&shuffled[..n_first], &shuffled[n_first..]) >= threshold {
                    hits += 1;
                }
            }
            PermutationTest {
                observed,
                p_value: (1 + hits) as f64 / (1 + config.resamples) as f64,
                method: PermutationMethod::MonteCarlo {
                    resamples: config.resamples,
                    seed: config.seed,
                },
            }
        }
    }
}

/// The smallest two-sided p-value an exact test can reach with these group sizes (all values
/// distinct): with 3 runs per arm it is 0.1, so no A/B test of 3 + 3 runs can be significant
/// at 0.05, whatever the data. Reports use it to ask for enough runs.
pub fn smallest_p_value(n_first: usize, n_second: usize) -> f64 {
    let splits = binomial_capped(n_first + n_second, n_first, u64::MAX).unwrap_or(u64::MAX) as f64;
    let mirrored = if n_first == n_second { 2.0 } else { 1.0 };
    (mirrored / splits).min(1.0)
}

/// `C(n, k)` when it is at most `cap`, `None` when larger.
pub(crate) fn binomial_capped(n: usize, k: usize, cap: u64) -> Option<u64> {
    let k = k.min(n - k.min(n));
    let mut value: u128 = 1;
    for i in 0..k {
        // Exact at every step: value * (n - i) is divisible by (i + 1).
        value = value * (n - i) as u128 / (i + 1) as u128;
        if value > cap as u128 {
            return None;
        }
    }
    Some(value as u64)
}

/// Calls `visit` with every `k`-subset of `0..n` as ascending indices, lexicographically.
fn for_each_combination(n: usize, k: usize, mut visit: impl FnMut(&[usize])) {
    let mut chosen: Vec<usize> = (0..k).collect();
    loop {
        visit(&chosen);
        // Find the rightmost index that can still move right.
        let Some(position) = (0..k).rev().find(|&i| chosen[i] < n - k + i) else {
            return;
        };
        chosen[position] += 1;
        for i in position + 1..k {
            chosen[i] = chosen[i - 1] + 1;
        }
    }
}

fn split_into(pooled: &[f64], chosen: &[usize], first: &mut Vec<f64>, second: &mut Vec<f64>) {
    first.clear();
    second.clear();
    let mut next = chosen.iter().peekable();
    for (index, value) in pooled.iter().enumerate() {
        if next.peek() == Some(&&index) {
            next.next();
            first.push(*value);
        } else {
            second.push(*value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_combinations_and_stops_at_the_cap() {
        assert_eq!(binomial_capped(6, 3, 1_000), Some(20));
        assert_eq!(binomial_capped(16, 8, 20_000), Some(12_870));
        assert_eq!(binomial_capped(18, 9, 20_000), None);
        assert_eq!(binomial_capped(5, 0, 10), Some(1));
        assert_eq!(binomial_capped(200, 100, 20_000), None);
        assert_eq!(smallest_p_value(3, 3), 0.1);
        assert!((smallest_p_value(4, 4) - 2.0 / 70.0).abs() < 1e-15);
        assert_eq!(smallest_p_value(1, 1), 1.0);
        let mut seen = Vec::new();
        for_each_combination(4, 2, |chosen| seen.push(chosen.to_vec()));
        assert_eq!(
            seen,
            vec![
                vec![0, 1],
                vec![0, 2],
                vec![0, 3],
                vec![1, 2],
                vec![1, 3],
                vec![2, 3]
            ]
        );
    }

    #[test]
    fn exact_p_value_matches_hand_enumeration_of_twenty_splits() {
        // Pooled 1..6, groups of three: C(6,3) = 20 splits. |mean difference| = 3 only for
        // {1,2,3}|{4,5,6} and its mirror, so p = 2/20.
        let test = permutation_test(
            &[1.0, 2.0, 3.0],
            &[4.0, 5.0, 6.0],
            Statistic::MeanDifference,
            &PermutationConfig::default(),
        )
        .unwrap();
        assert_eq!(test.method, PermutationMethod::Exact { splits: 20 });
        assert_eq!(test.observed, 3.0);
        assert!((test.p_value - 0.1).abs() < 1e-12, "{}", test.p_value);
    }

    #[test]
    fn exact_p_value_with_unequal_groups_and_ties_in_the_statistic() {
        // first = {1, 2}, second = {3, 4, 10}: |mean(second) − mean(first)| = 17/3 − 3/2 = 25/6.
        // Enumerating the 10 ways to pick the first pair (sum s, |(20 − s)/3 − s/2| = |40 − 5s|/6):
        // {1,2}:3→25/6 {1,3}:4→20/6 {1,4}:5→15/6 {1,10}:11→15/6 {2,3}:5→15/6
        // {2,4}:6→10/6 {2,10}:12→20/6 {3,4}:7→5/6 {3,10}:13→25/6 {4,10}:14→30/6
        // At least 25/6: {1,2}, {3,10}, {4,10} → p = 3/10.
        let test = permutation_test(
            &[1.0, 2.0],
            &[3.0, 4.0, 10.0],
            Statistic::MeanDifference,
            &PermutationConfig::default(),
        )
        .unwrap();
        assert!((test.p_value - 0.3).abs() < 1e-12, "{}", test.p_value);
    }

    #[test]
    fn monte_carlo_is_reproducible_and_detects_a_clear_shift() {
        let first: Vec<f64> = (0..30).map(|i| 100.0 + (i % 7) as f64).collect();
        let second: Vec<f64> = (0..30).map(|i| 120.0 + (i % 5) as f64).collect();
        let config = PermutationConfig {
            resamples: 2_000,
            ..PermutationConfig::default()
        };
        let test = permutation_test(&first, &second, Statistic::MedianDifference, &config).unwrap();
        assert!(matches!(test.method, PermutationMethod::MonteCarlo { .. }));
        assert!(
            (test.p_value - 1.0 / 2_001.0).abs() < 1e-12,
            "{}",
            test.p_value
        );
        let again =
            permutation_test(&first, &second, Statistic::MedianDifference, &config).unwrap();
        assert_eq!(test, again);
    }

    #[test]
    fn rank_sum_reaches_the_smallest_p_where_a_median_difference_cannot() {
        // Fully separated 4 + 4: only the observed split and its mirror are as extreme by
        // ranks (2/70), but swapping the outermost values leaves both medians unchanged (4/70).
        let slow = [47.0, 48.0, 46.0, 49.5];
        let fast = [20.0, 21.0, 19.5, 22.0];
        let config = PermutationConfig::default();
        let ranks = permutation_test(&slow, &fast, Statistic::RankSum, &config).unwrap();
        assert!(
            (ranks.p_value - 2.0 / 70.0).abs() < 1e-12,
            "{}",
            ranks.p_value
        );
        assert_eq!(ranks.observed, 8.0); // rank sum 26 − 4·9/2
        let medians = permutation_test(&slow, &fast, Statistic::MedianDifference, &config).unwrap();
        assert!(
            (medians.p_value - 4.0 / 70.0).abs() < 1e-12,
            "{}",
            medians.p_value
        );
    }

    #[test]
    fn identical_groups_are_not_different() {
        let test = permutation_test(
            &[5.0, 5.0, 5.0],
            &[5.0, 5.0],
            Statistic::RankSum,
            &PermutationConfig::default(),
        )
        .unwrap();
        assert_eq!(test.p_value, 1.0);
    }

    #[test]
    fn rejects_empty_and_non_finite_samples() {
        let config = PermutationConfig::default();
        assert_eq!(
            permutation_test(&[], &[1.0], Statistic::RankSum, &config).unwrap_err(),
            StatsError::Empty { sample: "first" }
        );
        assert!(matches!(
            permutation_test(&[1.0], &[f64::NAN], Statistic::MeanDifference, &config).unwrap_err(),
            StatsError::NonFinite {
                sample: "second",
                index: 0,
                ..
            }
        ));
    }
}
