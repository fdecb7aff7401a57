//! A performance baseline: what a profile run measured per key, kept with enough of the
//! distribution (the histogram) to test significance against a later run, plus when, on
//! which commit and on which machine it was measured.

use serde::{Deserialize, Serialize};

use super::git::current_git_commit;
use crate::machine::MachineInfo;
use crate::profile::{Histogram, KeyStats, Profile};
use crate::tier::Tier;

/// Version of the baseline file layout.
pub const BASELINE_SCHEMA: u32 = 1;

/// One key's measurements. Durations are wall time in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyBaseline {
    pub key: String,
    pub tier: Tier,
    /// Number of calls measured (the sample size).
    pub count: u64,
    #[serde(default)]
    pub failures: u64,
    pub mean_ns: f64,
    pub median_ns: u64,
    pub p90_ns: u64,
    pub p95_ns: u64,
    pub p99_ns: u64,
    pub min_ns: u64,
    pub max_ns: u64,
    pub histogram: Histogram,
}

impl KeyBaseline {
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
        }
    }
}

/// A named set of per-key measurements from one profile run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformanceBaseline {
    /// Always [`BASELINE_SCHEMA`] when written by this version.
    pub schema: u32,
    pub name: String,
    /// RFC 3339 time the measured run started.
    pub recorded_at: String,
    #[serde(default)]
    pub git_commit: Option<String>,
    pub machine: MachineInfo,
    /// Sorted by key.
    pub keys: Vec<KeyBaseline>,
}

impl PerformanceBaseline {
    /// A baseline of `profile`. The commit is the profile's own, or else the current
    /// checkout's (`git rev-parse HEAD`), since baselines are usually saved right after a run.
    pub fn from_profile(name: impl Into<String>, profile: &Profile) -> PerformanceBaseline {
        let mut keys: Vec<KeyBaseline> = profile.keys.iter().map(KeyBaseline::from_stats).collect();
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        PerformanceBaseline {
            schema: BASELINE_SCHEMA,
            name: name.into(),
            recorded_at: profile.session.started_at.clone(),
            git_commit: profile
                .session
                .git_commit
                .clone()
                .or_else(current_git_commit),
            machine: profile.session.machine.clone(),
            keys,
        }
    }

    pub fn key(&self, key: &str) -> Option<&KeyBaseline> {
        self.keys.iter().find(|entry| entry.key == key)
    }
}
