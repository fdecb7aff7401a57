//! A performance baseline: what one or more profile runs measured per key. Each key keeps its
//! per-run values (the samples the gate tests: the run is the unit) and the pooled
//! distribution of all its calls (for the tables and hard limits), plus when, on which commit
//! and on which machine it was measured.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::BaselineError;
use super::git::current_git_commit;
use super::pool::pool_keys;
use crate::machine::MachineInfo;
use crate::profile::{Histogram, KeyStats, Profile};
use crate::tier::Tier;

/// Version of the baseline file layout. Files without per-run values (written before runs
/// were kept) still load: each of their keys counts as one run.
pub const BASELINE_SCHEMA: u32 = 1;

/// One run's measurements of one key. Durations are wall time in nanoseconds over all the
/// key's calls in that run, failed ones included (the profile keeps one distribution per key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRun {
    /// Calls of the key in the run.
    pub calls: u64,
    /// Failed calls among them.
    pub failures: u64,
    /// Mean wall time per call.
    pub mean_ns: f64,
    /// Median wall time (the profile's `p50_ns`, nearest rank).
    pub median_ns: u64,
    /// 95th percentile of the wall time (nearest rank).
    pub p95_ns: u64,
    /// 99th percentile of the wall time (nearest rank).
    pub p99_ns: u64,
    /// Sum of the calls' wall times.
    pub total_ns: u64,
}

impl KeyRun {
    /// One run's values of a key from its [`KeyStats`] in that run's profile.
    pub fn from_stats(stats: &KeyStats) -> KeyRun {
        KeyRun {
            calls: stats.count,
            failures: stats.failures,
            mean_ns: stats.mean_ns,
            median_ns: stats.p50_ns,
            p95_ns: stats.p95_ns,
            p99_ns: stats.p99_ns,
            total_ns: stats.total_ns,
        }
    }

    /// A run of `calls` successful calls that each took exactly `ns`: mean, median and every
    /// percentile are `ns`, the total `calls × ns` (saturating). For synthetic baselines (tests,
    /// calibrations) where one duration stands for the whole run; `calls` 1 is a key called
    /// once per run.
    pub fn uniform(calls: u64, ns: u64) -> KeyRun {
        KeyRun {
            calls,
            failures: 0,
            mean_ns: ns as f64,
            median_ns: ns,
            p95_ns: ns,
            p99_ns: ns,
            total_ns: calls.saturating_mul(ns),
        }
    }

    /// Whether every call of the run succeeded, so its durations measure successful work
    /// only and the run can be a timing sample.
    pub fn is_clean(&self) -> bool {
        self.calls > 0 && self.failures == 0
    }
}

/// One key's measurements. Durations are wall time in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyBaseline {
    /// The key, `component.name`.
    pub key: String,
    /// The key's tier.
    pub tier: Tier,
    /// Number of calls over all runs.
    pub count: u64,
    /// Failed calls over all runs (0 in files that predate it).
    #[serde(default)]
    pub failures: u64,
    /// Mean wall time per call over all runs.
    pub mean_ns: f64,
    /// Median of all calls, from the pooled histogram (nearest rank).
    pub median_ns: u64,
    /// 90th percentile of all calls (nearest rank).
    pub p90_ns: u64,
    /// 95th percentile of all calls (nearest rank).
    pub p95_ns: u64,
    /// 99th percentile of all calls (nearest rank).
    pub p99_ns: u64,
    /// Shortest call.
    pub min_ns: u64,
    /// Longest call.
    pub max_ns: u64,
    /// All calls of all runs.
    pub histogram: Histogram,
    /// One entry per run in which the key was called, in run order. Empty in files written
    /// before runs were kept; [`KeyBaseline::run_values`] then treats the key as one run.
    #[serde(default)]
    pub runs: Vec<KeyRun>,
}

impl KeyBaseline {
    /// A key measured in a single run.
    pub fn from_stats(stats: &KeyStats) -> KeyBaseline {
        KeyBaseline {
            key: stats.key.clone(),
            tier: stats.tier,
            count: stats.count,
            failures: stats.failures,
            mean_ns: stats.mean_ns,
            median_ns: stats.p50_ns,
            p90_ns: stats.p90_ns,
            p95_ns: stats.p95_ns,
            p99_ns: stats.p99_ns,
            min_ns: stats.min_ns,
            max_ns: stats.max_ns,
            histogram: stats.histogram.clone(),
            runs: vec![KeyRun::from_stats(stats)],
        }
    }

    /// The per-run values, or the pooled key as one run for files without them.
    pub fn run_values(&self) -> Vec<KeyRun> {
        if !self.runs.is_empty() {
            return self.runs.clone();
        }
        vec![KeyRun {
            calls: self.count,
            failures: self.failures,
            mean_ns: self.mean_ns,
            median_ns: self.median_ns,
            p95_ns: self.p95_ns,
            p99_ns: self.p99_ns,
            total_ns: (self.mean_ns * self.count as f64).round() as u64,
        }]
    }

    /// Successful calls over all runs.
    pub fn successes(&self) -> u64 {
        self.count.saturating_sub(self.failures)
    }
}

fn one_run() -> u32 {
    1
}

/// A named set of per-key measurements from one or more profile runs of the same workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformanceBaseline {
    /// Always [`BASELINE_SCHEMA`] when written by this version.
    pub schema: u32,
    /// The baseline's name: the preset or `--save-baseline NAME`, or the file name for a profile
    /// loaded as a baseline.
    pub name: String,
    /// RFC 3339 time the first measured run started.
    pub recorded_at: String,
    /// The commit the first run was measured on, when known.
    #[serde(default)]
    pub git_commit: Option<String>,
    /// The machine of the first run; the gate warns when the current one differs.
    pub machine: MachineInfo,
    /// How many runs were measured (1 in files written before runs were kept).
    #[serde(default = "one_run")]
    pub runs: u32,
    /// Sorted by key, each key once.
    pub keys: Vec<KeyBaseline>,
}

impl PerformanceBaseline {
    /// A baseline of one `profile`. The commit is the profile's own, or else the current
    /// checkout's (`git rev-parse HEAD`), since baselines are usually saved right after a run.
    pub fn from_profile(name: impl Into<String>, profile: &Profile) -> PerformanceBaseline {
        PerformanceBaseline::from_profiles(name, std::slice::from_ref(profile))
    }

    /// A baseline of several runs of the same workload, one profile per run: each key keeps
    /// one [`KeyRun`] per run that called it and the pooled distribution of all its calls.
    /// Session facts (start, commit, machine) come from the first profile.
    pub fn from_profiles(name: impl Into<String>, profiles: &[Profile]) -> PerformanceBaseline {
        let first = profiles.first();
        PerformanceBaseline {
            schema: BASELINE_SCHEMA,
            name: name.into(),
            recorded_at: first.map_or_else(String::new, |p| p.session.started_at.clone()),
            git_commit: first
                .and_then(|profile| profile.session.git_commit.clone())
                .or_else(current_git_commit),
            machine: first.map_or_else(MachineInfo::current, |p| p.session.machine.clone()),
            runs: profiles.len() as u32,
            keys: pool_keys(profiles),
        }
    }

    /// The entry of `key`, if the baseline measured it.
    pub fn key(&self, key: &str) -> Option<&KeyBaseline> {
        self.keys.iter().find(|entry| entry.key == key)
    }

    /// Rejects a baseline that lists a key twice (its calls would be counted twice); `path`
    /// names the file in the message.
    ///
    /// # Errors
    ///
    /// [`BaselineError::DuplicateKey`] naming the first key listed twice.
    pub fn check_unique_keys(&self, path: &Path) -> Result<(), BaselineError> {
        let mut seen = BTreeSet::new();
        match self.keys.iter().find(|key| !seen.insert(key.key.as_str())) {
            Some(duplicate) => Err(BaselineError::DuplicateKey {
                path: path.to_path_buf(),
                key: duplicate.key.clone(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::GateMetric;

    #[test]
    fn a_uniform_run_reads_the_same_duration_on_every_metric() {
        let run = KeyRun::uniform(13, 2_000);
        for metric in [
            GateMetric::Median,
            GateMetric::Mean,
            GateMetric::P95,
            GateMetric::P99,
        ] {
            assert_eq!(metric.of_run(&run), 2_000.0);
        }
        assert_eq!(run.total_ns, 26_000);
        assert!(run.is_clean());
        assert_eq!(KeyRun::uniform(1, 7).total_ns, 7);
    }
}
