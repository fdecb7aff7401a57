//! The profile: a plain, serializable snapshot of everything the layer recorded.
//!
//! This is the contract between the recorder and every consumer (reports, baselines,
//! A/B analysis). It is written to disk as JSON with `"schema": 1`; add fields only
//! with `#[serde(default)]` so older files keep loading (the concurrency fields were
//! added that way: a file without them reads as 0, "not measured").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::machine::MachineInfo;
use crate::tier::Tier;

/// Version of the JSON layout of [`Profile`].
pub const PROFILE_SCHEMA: u32 = 1;

/// One profiling session, frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Always [`PROFILE_SCHEMA`] when written by this version.
    pub schema: u32,
    /// What was recorded, when, for how long and on which machine.
    pub session: SessionInfo,
    /// Self time per tier, so tiers add up without double-counting nested spans.
    pub tiers: Vec<TierTotals>,
    /// Per-key statistics, sorted by total time, slowest first.
    pub keys: Vec<KeyStats>,
    /// The aggregated call tree: one edge per (parent key, child key) pair.
    pub tree: Vec<CallEdge>,
}

/// The `session` object of a [`Profile`]: name, start, duration, machine and commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Free-form session name (e.g. the program or preset).
    pub name: String,
    /// RFC 3339 UTC timestamp of when recording started.
    pub started_at: String,
    /// Wall time from start to snapshot, nanoseconds.
    pub duration_ns: u64,
    /// The machine the session ran on.
    pub machine: MachineInfo,
    /// `git rev-parse HEAD` of the working directory, filled in when the session guard writes
    /// the reports; `None` from a bare [`ProfilerHandle::snapshot`](crate::ProfilerHandle::snapshot).
    #[serde(default)]
    pub git_commit: Option<String>,
}

/// Totals of one [`Tier`] over every key of that tier; a [`Profile`] has all four, in
/// [`Tier::ALL`] order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierTotals {
    /// The tier these totals are for.
    pub tier: Tier,
    /// Spans of this tier that closed.
    pub calls: u64,
    /// Sum of self time of every span of this tier, nanoseconds.
    pub self_ns: u64,
    /// Sum of wall time of every span of this tier (nested spans counted again), nanoseconds.
    pub total_ns: u64,
    /// How many spans of this tier were open at once on average: `total_ns` over the
    /// window from the tier's first span opening to its last closing. 1 for back-to-back
    /// work, above 1 when spans overlapped (concurrent tasks or threads), below 1 with
    /// gaps; 0 when not measured (older files) or the window is empty.
    #[serde(default)]
    pub concurrency: f64,
}

/// Statistics for one key (`component.name`). All durations are wall time in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyStats {
    /// `component.name`, e.g. `track_management.solo_track`.
    pub key: String,
    /// The tier the key was first seen with.
    pub tier: Tier,
    /// The part of `key` before the first dot: the span's `component` field (or its target).
    pub component: String,
    /// The part of `key` after the dot: the span's name (for `#[instrument]`, the function name).
    pub name: String,
    /// Calls: spans of the key that closed. Spans still open at the snapshot are not counted.
    pub count: u64,
    /// Calls that did not fail; `successes + failures == count`.
    pub successes: u64,
    /// Calls that failed: `#[instrument(err)]` returned `Err`, the span recorded an `error`
    /// field, or an ERROR event happened inside it (innermost profiled span only).
    pub failures: u64,
    /// Text of the most recent failure, cut to 500 characters; `None` without failures.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Sum of the calls' wall times (creation to close), nanoseconds.
    pub total_ns: u64,
    /// Wall time not covered by child spans.
    pub self_ns: u64,
    /// Time the span was actually entered (differs from wall for async spans).
    pub busy_ns: u64,
    /// Shortest wall time of one call, nanoseconds (exact, not from the histogram).
    pub min_ns: u64,
    /// Longest wall time of one call, nanoseconds (exact).
    pub max_ns: u64,
    /// Mean wall time per call, nanoseconds: `total_ns / count`.
    pub mean_ns: f64,
    /// Population standard deviation of the wall times, nanoseconds.
    pub stddev_ns: f64,
    /// Median wall time, nanoseconds: nearest rank from the histogram, clamped to
    /// `min_ns..=max_ns` (see the README, "Percentiles").
    pub p50_ns: u64,
    /// 90th percentile of the wall time, nanoseconds (nearest rank, as `p50_ns`).
    pub p90_ns: u64,
    /// 95th percentile of the wall time, nanoseconds (nearest rank, as `p50_ns`).
    pub p95_ns: u64,
    /// 99th percentile of the wall time, nanoseconds (nearest rank, as `p50_ns`).
    pub p99_ns: u64,
    /// The wall-time distribution, enough to test significance later.
    pub histogram: Histogram,
    /// Resident-memory samples, present when the key's tier samples memory
    /// ([`Config::sample_memory`](crate::Config::sample_memory)).
    #[serde(default)]
    pub memory: Option<MemoryStats>,
    /// Names of the threads that created, entered or closed a span of the key
    /// (deduplicated, capped).
    #[serde(default)]
    pub threads: Vec<String>,
    /// When the first span of the key opened, nanoseconds after the session started.
    #[serde(default)]
    pub first_start_ns: u64,
    /// When the last span of the key closed, nanoseconds after the session started.
    #[serde(default)]
    pub last_end_ns: u64,
    /// How many spans of the key were open at once on average: `total_ns` over
    /// `last_end_ns - first_start_ns`. Above 1 only if spans overlapped; 0 when not
    /// measured (older files) or the window is empty.
    #[serde(default)]
    pub concurrency: f64,
}

/// Average number of spans open at once: their summed wall time over the window they
/// fell in, 0 for an empty window.
pub fn concurrency(total_ns: u64, first_start_ns: u64, last_end_ns: u64) -> f64 {
    match last_end_ns.saturating_sub(first_start_ns) {
        0 => 0.0,
        window => total_ns as f64 / window as f64,
    }
}

/// A compact, lossless-enough copy of an HDR histogram: (value, count) buckets of the
/// recorded values, in nanoseconds, ascending. Values are HDR bucket representatives
/// (2 significant digits).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// `(value_ns, count)` per recorded bucket, ascending by value; the counts add up to the
    /// key's `count`.
    pub buckets: Vec<(u64, u64)>,
}

/// Resident-memory observations of a key, in bytes (only for tiers with sampling on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryStats {
    /// Spans of the key whose memory was sampled at open and close.
    pub samples: u64,
    /// Mean resident set size when the span opened.
    pub mean_before_bytes: u64,
    /// Mean resident set size when the span closed.
    pub mean_after_bytes: u64,
    /// Sum of (after − before) over samples; negative when memory was released.
    pub total_delta_bytes: i64,
    /// Largest resident set size seen at close.
    pub peak_bytes: u64,
}

/// Aggregated parent → child relation of the call tree. `parent == None` marks roots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEdge {
    /// Key of the nearest profiled ancestor; `None` for roots.
    pub parent: Option<String>,
    /// Key of the calls this edge counts.
    pub child: String,
    /// Calls of `child` made under `parent`.
    pub count: u64,
    /// Their summed wall time, nanoseconds; over the parent key's `total_ns` it is the share of
    /// parent (above 1 when the calls overlapped).
    pub total_ns: u64,
}

/// Each parent's children in the call tree (`None` keys the roots), longest total time first
/// and by name on ties, so every report walks the tree in the same order.
pub fn children_by_parent(edges: &[CallEdge]) -> BTreeMap<Option<&str>, Vec<&CallEdge>> {
    let mut children: BTreeMap<Option<&str>, Vec<&CallEdge>> = BTreeMap::new();
    for edge in edges {
        children
            .entry(edge.parent.as_deref())
            .or_default()
            .push(edge);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| {
            b.total_ns
                .cmp(&a.total_ns)
                .then_with(|| a.child.cmp(&b.child))
        });
    }
    children
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A profile holding `keys` only (no tiers, no call tree), for unit tests.
    pub(crate) fn profile_of_keys(keys: Vec<KeyStats>) -> Profile {
        let mut profile: Profile = serde_json::from_value(serde_json::json!({
            "schema": PROFILE_SCHEMA,
            "session": {"name": "run", "started_at": "2026-01-01T00:00:00Z", "duration_ns": 1,
                "machine": {"hostname": "", "os": "", "cpu_model": "", "cores": 1, "memory_bytes": 1}},
            "tiers": [], "keys": [], "tree": []
        }))
        .expect("a profile without keys");
        profile.keys = keys;
        profile
    }

    /// A call edge called once, for tests here and in the flame graph's.
    pub(crate) fn edge(parent: Option<&str>, child: &str, total_ns: u64) -> CallEdge {
        CallEdge {
            parent: parent.map(str::to_owned),
            child: child.to_owned(),
            count: 1,
            total_ns,
        }
    }

    #[test]
    fn children_are_grouped_by_parent_longest_first_then_by_name() {
        let edges = [
            edge(None, "run", 10),
            edge(Some("run"), "b", 3),
            edge(Some("run"), "c", 7),
            edge(Some("run"), "a", 3),
        ];
        let children = children_by_parent(&edges);
        let names = |parent| -> Vec<&str> {
            children[&parent]
                .iter()
                .map(|edge| edge.child.as_str())
                .collect()
        };
        assert_eq!(names(None), ["run"]);
        assert_eq!(names(Some("run")), ["c", "a", "b"]);
        assert_eq!(children.len(), 2);
    }
}
