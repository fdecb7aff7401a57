//! Latency across the rounds of a soak: per key, its median in each round and how that median
//! is distributed over the rounds (p50, p90, p99), from snapshots of the profiler taken as
//! each round starts and once at the end. The snapshots are cumulative, so a round's calls are
//! the difference of two snapshots' HDR buckets.

use std::collections::BTreeMap;

use profiler::Profile;
use profiler::stats::quantile;
use serde::{Deserialize, Serialize};

/// One key's latency over the rounds. Milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyAcrossRounds {
    pub key: String,
    /// The key's median call in each round that called it, in round order.
    pub per_round_p50_ms: Vec<f64>,
    /// The distribution of `per_round_p50_ms` over the rounds (type-7 quantiles).
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
}

/// Per key, the median of each round's calls and their spread over the rounds; `snapshots`
/// are the cumulative profiles at the start of every round and at the end (so `n + 1` for
/// `n` rounds). Keys are ordered by their p50 over rounds, slowest first.
pub fn key_rounds(snapshots: &[Profile]) -> Vec<KeyAcrossRounds> {
    let mut per_key: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for pair in snapshots.windows(2) {
        let before: BTreeMap<&str, &Vec<(u64, u64)>> = pair[0]
            .keys
            .iter()
            .map(|stats| (stats.key.as_str(), &stats.histogram.buckets))
            .collect();
        for stats in &pair[1].keys {
            let round = difference(
                &stats.histogram.buckets,
                before.get(stats.key.as_str()).copied(),
            );
            if let Some(median) = median_of_buckets(&round) {
                per_key
                    .entry(stats.key.as_str())
                    .or_default()
                    .push(median / 1e6);
            }
        }
    }
    let mut keys: Vec<KeyAcrossRounds> = per_key
        .into_iter()
        .filter_map(|(key, medians)| {
            Some(KeyAcrossRounds {
                key: key.to_owned(),
                p50_ms: quantile(&medians, 0.5)?,
                p90_ms: quantile(&medians, 0.9)?,
                p99_ms: quantile(&medians, 0.99)?,
                per_round_p50_ms: medians,
            })
        })
        .collect();
    keys.sort_by(|a, b| {
        b.p50_ms
            .total_cmp(&a.p50_ms)
            .then_with(|| a.key.cmp(&b.key))
    });
    keys
}

/// `after − before`, bucket by bucket (values in ns, ascending).
fn difference(after: &[(u64, u64)], before: Option<&Vec<(u64, u64)>>) -> Vec<(u64, u64)> {
    let earlier: BTreeMap<u64, u64> = before.into_iter().flatten().copied().collect();
    after
        .iter()
        .map(|(value, count)| {
            (
                *value,
                count.saturating_sub(earlier.get(value).copied().unwrap_or(0)),
            )
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}

/// The lower median of HDR buckets (the value of the ⌈n/2⌉-th call), in ns.
fn median_of_buckets(buckets: &[(u64, u64)]) -> Option<f64> {
    let calls: u64 = buckets.iter().map(|(_, count)| count).sum();
    let wanted = calls.div_ceil(2);
    let mut seen = 0;
    for (value, count) in buckets {
        seen += count;
        if seen >= wanted && calls > 0 {
            return Some(*value as f64);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(keys: &[(&str, &[(u64, u64)])]) -> Profile {
        let mut profile: Profile = serde_json::from_str(
            r#"{"schema":1,"session":{"name":"soak","started_at":"2026-01-01T00:00:00Z","duration_ns":1,
            "machine":{"hostname":"","os":"","cpu_model":"","cores":1,"memory_bytes":1}},
            "tiers":[],"keys":[],"tree":[]}"#,
        )
        .unwrap();
        for (key, buckets) in keys {
            let mut stats: profiler::KeyStats = serde_json::from_value(serde_json::json!({
                "key": key, "tier": "method", "component": "c", "name": "n", "count": 0,
                "successes": 0, "failures": 0, "total_ns": 0, "self_ns": 0, "busy_ns": 0,
                "min_ns": 0, "max_ns": 0, "mean_ns": 0.0, "stddev_ns": 0.0, "p50_ns": 0,
                "p90_ns": 0, "p95_ns": 0, "p99_ns": 0, "histogram": {"buckets": []}
            }))
            .unwrap();
            stats.histogram.buckets = buckets.to_vec();
            profile.keys.push(stats);
        }
        profile
    }

    #[test]
    fn each_round_is_the_difference_of_two_snapshots() {
        // Round 1: three calls of 1 ms. Round 2: two more at 1 ms, three at 5 ms (median 5 ms).
        // Round 3: one call at 2 ms.
        let snapshots = [
            profile(&[]),
            profile(&[("solo", &[(1_000_000, 3)])]),
            profile(&[("solo", &[(1_000_000, 5), (5_000_000, 3)])]),
            profile(&[("solo", &[(1_000_000, 5), (2_000_000, 1), (5_000_000, 3)])]),
        ];
        let keys = key_rounds(&snapshots);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].per_round_p50_ms, [1.0, 5.0, 2.0]);
        assert_eq!(keys[0].p50_ms, 2.0);
        assert!((keys[0].p90_ms - 4.4).abs() < 1e-9, "{:?}", keys[0]);
    }

    #[test]
    fn a_round_without_calls_of_a_key_adds_no_value() {
        let snapshots = [
            profile(&[("solo", &[(1_000_000, 1)])]),
            profile(&[("solo", &[(1_000_000, 1)])]),
        ];
        assert!(key_rounds(&snapshots).is_empty());
    }
}
