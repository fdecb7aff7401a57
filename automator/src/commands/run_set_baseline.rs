//! A preset-run file as a gate baseline: the profiles of its runs pooled key by key, so the
//! files `--baseline-test` and `--ab-test` save can be used with `--compare` directly.

use std::collections::BTreeMap;

use profiler::Histogram;
use profiler::baseline::{BASELINE_SCHEMA, KeyBaseline, PerformanceBaseline};

use super::run_set::PresetRunSet;

/// Every run's calls of a key pooled into one distribution (counts, failures, mean, extremes,
/// merged histogram and the percentiles read from it).
pub fn pooled_baseline(set: &PresetRunSet) -> PerformanceBaseline {
    let mut pooled: BTreeMap<String, (KeyBaseline, BTreeMap<u64, u64>, f64)> = BTreeMap::new();
    for stats in set.runs.iter().flat_map(|run| run.profile.keys.iter()) {
        let key = KeyBaseline::from_stats(stats);
        let entry = pooled.entry(key.key.clone()).or_insert_with(|| {
            let empty = KeyBaseline {
                count: 0,
                failures: 0,
                min_ns: u64::MAX,
                max_ns: 0,
                ..key.clone()
            };
            (empty, BTreeMap::new(), 0.0)
        });
        let (merged, buckets, sum_ns) = entry;
        merged.count += key.count;
        merged.failures += key.failures;
        merged.min_ns = merged.min_ns.min(key.min_ns);
        merged.max_ns = merged.max_ns.max(key.max_ns);
        *sum_ns += key.mean_ns * key.count as f64;
        for (value, count) in &key.histogram.buckets {
            *buckets.entry(*value).or_default() += count;
        }
    }
    let keys = pooled
        .into_values()
        .map(|(mut key, buckets, sum_ns)| {
            let histogram = Histogram {
                buckets: buckets.into_iter().collect(),
            };
            key.mean_ns = if key.count > 0 {
                sum_ns / key.count as f64
            } else {
                0.0
            };
            key.median_ns = quantile(&histogram, 0.50);
            key.p90_ns = quantile(&histogram, 0.90);
            key.p95_ns = quantile(&histogram, 0.95);
            key.p99_ns = quantile(&histogram, 0.99);
            if key.count == 0 {
                key.min_ns = 0;
            }
            key.histogram = histogram;
            key
        })
        .collect();
    PerformanceBaseline {
        schema: BASELINE_SCHEMA,
        name: format!("{} ({} runs)", set.preset, set.runs.len()),
        recorded_at: set.recorded_at.clone(),
        git_commit: set.git_commit.clone(),
        machine: set.machine.clone(),
        runs: set.runs.len() as u32,
        keys,
    }
}

/// The smallest recorded value with at least `q` of the calls at or below it.
fn quantile(histogram: &Histogram, q: f64) -> u64 {
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
    use crate::commands::test_fixtures::profile_with;

    #[test]
    fn pools_the_calls_of_every_run() {
        let runs: Vec<profiler::Profile> = vec![profile_with(1, 3), profile_with(2, 2)];
        let json = serde_json::json!({
            "schema": 1, "kind": "preset_runs", "preset": "current", "description": "d", "preset_source": null,
            "knobs": crate::config::Knobs::default(), "knob_changes": [], "time_scale": 0.05, "target": "stage",
            "max_tracks": null, "recorded_at": "2025-08-05T11:12:04Z", "git_commit": "abc",
            "machine": profiler::MachineInfo::current(),
            "runs": runs.iter().enumerate().map(|(position, profile)| serde_json::json!({
                "position": position, "seed": null, "wall_seconds": 1.0, "work_seconds": 1.0,
                "tracks_attempted": 1, "tracks_correct": 1, "interrupted": false, "errors": [], "tracks": [],
                "profile": profile
            })).collect::<Vec<_>>()
        });
        let set: PresetRunSet = serde_json::from_value(json).unwrap();
        let baseline = pooled_baseline(&set);
        assert_eq!(baseline.name, "current (2 runs)");
        assert_eq!(baseline.git_commit.as_deref(), Some("abc"));
        let waits = baseline.key("track_management.wait_for_solo").unwrap();
        assert_eq!(waits.count, 3 + 4);
        assert_eq!(
            waits
                .histogram
                .buckets
                .iter()
                .map(|(_, count)| count)
                .sum::<u64>(),
            7
        );
        assert!(waits.median_ns > 0 && waits.median_ns <= waits.p99_ns);
        assert_eq!(baseline.key("automation.song").unwrap().count, 3);
    }

    #[test]
    fn quantiles_come_from_the_pooled_counts() {
        let histogram = Histogram {
            buckets: vec![(10, 50), (20, 40), (100, 10)],
        };
        assert_eq!(quantile(&histogram, 0.5), 10);
        assert_eq!(quantile(&histogram, 0.9), 20);
        assert_eq!(quantile(&histogram, 0.95), 100);
        assert_eq!(quantile(&Histogram::default(), 0.5), 0);
    }
}
