//! Several runs' profiles pooled key by key into baseline keys.

use std::collections::BTreeMap;

use super::model::{KeyBaseline, KeyRun};
use crate::profile::{Histogram, KeyStats, Profile};

/// Every key of `profiles`, sorted by key: per-run values in run order, counts, failures, mean
/// and extremes over all calls, the merged histogram and percentiles read from it (nearest
/// rank on the histogram's bucket values).
pub(crate) fn pool_keys(profiles: &[Profile]) -> Vec<KeyBaseline> {
    let mut by_key: BTreeMap<&str, Vec<&KeyStats>> = BTreeMap::new();
    for stats in profiles.iter().flat_map(|profile| profile.keys.iter()) {
        by_key.entry(stats.key.as_str()).or_default().push(stats);
    }
    by_key.into_values().map(pool_key).collect()
}

fn pool_key(runs: Vec<&KeyStats>) -> KeyBaseline {
    if let [single] = runs.as_slice() {
        return KeyBaseline::from_stats(single);
    }
    let first = runs[0];
    let count: u64 = runs.iter().map(|run| run.count).sum();
    let mut buckets: BTreeMap<u64, u64> = BTreeMap::new();
    for (value, calls) in runs.iter().flat_map(|run| run.histogram.buckets.iter()) {
        *buckets.entry(*value).or_default() += calls;
    }
    let histogram = Histogram {
        buckets: buckets.into_iter().collect(),
    };
    let sum_ns: f64 = runs.iter().map(|run| run.mean_ns * run.count as f64).sum();
    let called = || runs.iter().filter(|run| run.count > 0);
    KeyBaseline {
        key: first.key.clone(),
        tier: first.tier,
        count,
        failures: runs.iter().map(|run| run.failures).sum(),
        mean_ns: if count > 0 {
            sum_ns / count as f64
        } else {
            0.0
        },
        median_ns: nearest_rank(&histogram, 0.50),
        p90_ns: nearest_rank(&histogram, 0.90),
        p95_ns: nearest_rank(&histogram, 0.95),
        p99_ns: nearest_rank(&histogram, 0.99),
        min_ns: called().map(|run| run.min_ns).min().unwrap_or(0),
        max_ns: called().map(|run| run.max_ns).max().unwrap_or(0),
        histogram,
        runs: runs.iter().map(|run| KeyRun::from_stats(run)).collect(),
    }
}

/// The smallest bucket value with at least `q` of the calls at or below it.
fn nearest_rank(histogram: &Histogram, q: f64) -> u64 {
    let total: u64 = histogram.buckets.iter().map(|(_, count)| count).sum();
    let rank = ((q * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for (value, count) in &histogram.buckets {
        seen += count;
        if seen >= rank {
            return *value;
        }
    }
    histogram.buckets.last().map_or(0, |(value, _)| *value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_reads_the_pooled_counts() {
        let histogram = Histogram {
            buckets: vec![(10, 50), (20, 40), (100, 10)],
        };
        assert_eq!(nearest_rank(&histogram, 0.5), 10);
        assert_eq!(nearest_rank(&histogram, 0.9), 20);
        assert_eq!(nearest_rank(&histogram, 0.95), 100);
        assert_eq!(nearest_rank(&Histogram::default(), 0.5), 0);
    }
}
