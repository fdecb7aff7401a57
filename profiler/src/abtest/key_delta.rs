//! Where the time moved: per key, the mean time per run in each arm and the difference.
//!
//! Both total time (what a method costs including what it calls) and self time (time in the
//! method itself) are kept. Tables sort by total, which names the method a person recognises;
//! attribution sums self time, which does not double-count nested spans, so the shares of
//! the keys add up to the change in run time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sample::RunSample;
use super::schedule::Arm;
use crate::tier::Tier;

/// One key's time per run in arm A and arm B, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyDelta {
    pub key: String,
    pub tier: Tier,
    pub calls_per_run_a: f64,
    pub calls_per_run_b: f64,
    pub total_per_run_a: f64,
    pub total_per_run_b: f64,
    pub self_per_run_a: f64,
    pub self_per_run_b: f64,
}

impl KeyDelta {
    /// B − A of total time per run.
    pub fn total_delta(&self) -> f64 {
        self.total_per_run_b - self.total_per_run_a
    }

    /// B − A of self time per run.
    pub fn self_delta(&self) -> f64 {
        self.self_per_run_b - self.self_per_run_a
    }
}

#[derive(Default)]
struct Sums {
    tier: Option<Tier>,
    calls: [f64; 2],
    total: [f64; 2],
    self_time: [f64; 2],
}

/// Per-key means per run over `runs` (a key absent from a run counts as zero there), sorted
/// by the absolute change of total time, largest first.
pub fn key_deltas(runs: &[&RunSample]) -> Vec<KeyDelta> {
    let count = |arm: Arm| runs.iter().filter(|run| run.arm == arm).count().max(1) as f64;
    let runs_per_arm = [count(Arm::A), count(Arm::B)];
    let mut sums: BTreeMap<&str, Sums> = BTreeMap::new();
    for run in runs {
        let side = usize::from(run.arm == Arm::B);
        for stats in &run.profile.keys {
            let entry = sums.entry(stats.key.as_str()).or_default();
            entry.tier.get_or_insert(stats.tier);
            entry.calls[side] += stats.count as f64;
            entry.total[side] += stats.total_ns as f64 / 1e9;
            entry.self_time[side] += stats.self_ns as f64 / 1e9;
        }
    }
    let mut deltas: Vec<KeyDelta> = sums
        .into_iter()
        .map(|(key, sums)| KeyDelta {
            key: key.to_string(),
            tier: sums.tier.unwrap_or(Tier::Method),
            calls_per_run_a: sums.calls[0] / runs_per_arm[0],
            calls_per_run_b: sums.calls[1] / runs_per_arm[1],
            total_per_run_a: sums.total[0] / runs_per_arm[0],
            total_per_run_b: sums.total[1] / runs_per_arm[1],
            self_per_run_a: sums.self_time[0] / runs_per_arm[0],
            self_per_run_b: sums.self_time[1] / runs_per_arm[1],
        })
        .collect();
    deltas.sort_by(|x, y| {
        y.total_delta()
            .abs()
            .total_cmp(&x.total_delta().abs())
            .then_with(|| x.key.cmp(&y.key))
    });
    deltas
}
