//! Synthetic profiles with known distributions, for the consumers of `Profile` (baselines,
//! A/B analysis, HTML) to be tested without running the recorder.

#![allow(dead_code)] // each test file uses a different part

use profiler::{
    CallEdge, Histogram, KeyStats, MachineInfo, Profile, SessionInfo, Tier, TierTotals,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Log-normal durations in nanoseconds with the given median (right-skewed like real calls).
pub fn lognormal_ns(seed: u64, n: usize, median_ns: f64, sigma: f64) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| lognormal(&mut rng, median_ns, sigma).round().max(1.0) as u64)
        .collect()
}

/// One log-normal draw with the given median and log-scale `sigma` (Box-Muller: two uniforms
/// → one standard normal).
pub fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    median * (sigma * z).exp()
}

/// Three-significant-digit buckets, as the HDR histogram of the recorder keeps them.
pub fn histogram(samples: &[u64]) -> Histogram {
    let mut counts = std::collections::BTreeMap::new();
    for &value in samples {
        let value = value.max(1);
        let scale = 10u64.pow(value.ilog10().saturating_sub(2));
        *counts.entry(value / scale * scale).or_insert(0u64) += 1;
    }
    Histogram {
        buckets: counts.into_iter().collect(),
    }
}

fn percentile(sorted: &[u64], q: f64) -> u64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Statistics of one key measured `samples` times (no failures, no children).
pub fn key_stats(key: &str, tier: Tier, samples: &[u64]) -> KeyStats {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let count = sorted.len() as u64;
    let total: u64 = sorted.iter().sum();
    let mean = total as f64 / count.max(1) as f64;
    let variance = sorted
        .iter()
        .map(|&value| (value as f64 - mean).powi(2))
        .sum::<f64>()
        / (count.max(2) - 1) as f64;
    let (component, name) = key.split_once('.').unwrap_or(("app", key));
    KeyStats {
        key: key.to_string(),
        tier,
        component: component.to_string(),
        name: name.to_string(),
        count,
        successes: count,
        failures: 0,
        last_error: None,
        total_ns: total,
        self_ns: total,
        busy_ns: total,
        min_ns: sorted.first().copied().unwrap_or(0),
        max_ns: sorted.last().copied().unwrap_or(0),
        mean_ns: mean,
        stddev_ns: variance.sqrt(),
        p50_ns: percentile(&sorted, 0.5),
        p90_ns: percentile(&sorted, 0.9),
        p95_ns: percentile(&sorted, 0.95),
        p99_ns: percentile(&sorted, 0.99),
        histogram: histogram(&sorted),
        memory: None,
        threads: vec!["main".to_string()],
        // Called back to back from the session's start.
        first_start_ns: 0,
        last_end_ns: total,
        concurrency: if total > 0 { 1.0 } else { 0.0 },
    }
}

pub fn machine(cpu: &str) -> MachineInfo {
    MachineInfo {
        cpu_model: cpu.to_string(),
        cores: 8,
        memory_bytes: 16 << 30,
        os: "Debian GNU/Linux 13".to_string(),
        hostname: "ci".to_string(),
    }
}

/// A profile of independent root keys; `edges` adds (parent, child) call-tree edges.
pub fn profile(name: &str, keys: Vec<KeyStats>, edges: &[(&str, &str)]) -> Profile {
    let mut tiers: Vec<TierTotals> = Tier::ALL
        .into_iter()
        .map(|tier| TierTotals {
            tier,
            calls: 0,
            self_ns: 0,
            total_ns: 0,
            concurrency: 0.0,
        })
        .collect();
    for key in &keys {
        let totals = tiers
            .iter_mut()
            .find(|totals| totals.tier == key.tier)
            .unwrap();
        totals.calls += key.count;
        totals.self_ns += key.self_ns;
        totals.total_ns += key.total_ns;
    }
    let children: Vec<&str> = edges.iter().map(|(_, child)| *child).collect();
    let mut tree: Vec<CallEdge> = keys
        .iter()
        .filter(|key| !children.contains(&key.key.as_str()))
        .map(|key| CallEdge {
            parent: None,
            child: key.key.clone(),
            count: key.count,
            total_ns: key.total_ns,
        })
        .collect();
    for (parent, child) in edges {
        let stats = keys.iter().find(|key| key.key == *child).unwrap();
        tree.push(CallEdge {
            parent: Some(parent.to_string()),
            child: child.to_string(),
            count: stats.count,
            total_ns: stats.total_ns,
        });
    }
    let duration_ns = keys.iter().map(|key| key.total_ns).max().unwrap_or(0);
    let mut keys = keys;
    keys.sort_by_key(|key| std::cmp::Reverse(key.total_ns));
    Profile {
        schema: profiler::profile::PROFILE_SCHEMA,
        session: SessionInfo {
            name: name.to_string(),
            started_at: "2025-08-05T11:12:04Z".to_string(),
            duration_ns,
            machine: machine("Test CPU @ 3.0GHz"),
            git_commit: Some("0123456789abcdef0123456789abcdef01234567".to_string()),
        },
        tiers,
        keys,
        tree,
    }
}
