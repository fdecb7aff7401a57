//! Merging per-thread statistics and freezing them into a [`Profile`].

use std::collections::BTreeSet;

use time::format_description::well_known::Rfc3339;

use super::aggregate::{
    KeyTotals, MergedHistogram, SpanRecord, new_histogram, quantile_ns, record_value,
};
use super::keys::{KeyId, KeyInfo};
use super::{MAX_THREAD_NAMES, capped_insert};
use crate::machine::MachineInfo;
use crate::profile::{
    CallEdge, Histogram, KeyStats, MemoryStats, PROFILE_SCHEMA, Profile, SessionInfo, TierTotals,
    concurrency,
};
use crate::tier::Tier;

/// One key's statistics over several threads, and which threads those were.
#[derive(Debug, Clone)]
pub(crate) struct MergedKey {
    pub(crate) totals: KeyTotals,
    pub(crate) histogram: MergedHistogram,
    pub(crate) threads: BTreeSet<String>,
}

impl Default for MergedKey {
    fn default() -> Self {
        MergedKey {
            totals: KeyTotals::default(),
            histogram: new_histogram(),
            threads: BTreeSet::new(),
        }
    }
}

impl MergedKey {
    /// Adds one thread's totals of this key (its histogram is added by the caller).
    pub(crate) fn add(&mut self, totals: &KeyTotals, thread: &str) {
        self.totals.merge(totals);
        if totals.count > 0 {
            capped_insert(&mut self.threads, thread);
        }
    }

    /// Lists `thread` as one that ran a span of this key without closing it.
    pub(crate) fn note_thread(&mut self, thread: &str) {
        capped_insert(&mut self.threads, thread);
    }

    /// Records a span directly (one whose thread could no longer keep a shard).
    pub(crate) fn record(&mut self, record: &SpanRecord) {
        self.totals.record(record);
        record_value(&mut self.histogram, record.wall_ns);
    }

    fn quantile_ns(&self, quantile: f64) -> u64 {
        quantile_ns(
            &self.histogram,
            quantile,
            self.totals.min_ns,
            self.totals.max_ns,
        )
    }
}

pub(crate) fn build_profile(
    session_name: &str,
    started_at: time::OffsetDateTime,
    started_ns: u64,
    duration_ns: u64,
    infos: &[KeyInfo],
    merged: &[Option<MergedKey>],
) -> Profile {
    let mut keys: Vec<KeyStats> = merged
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| {
            let entry = entry.as_ref().filter(|entry| entry.totals.count > 0)?;
            Some(key_stats(infos.get(index)?, entry, started_ns))
        })
        .collect();
    keys.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.key.cmp(&b.key)));

    let tiers = Tier::ALL
        .into_iter()
        .map(|tier| {
            let of_tier = keys.iter().filter(|key| key.tier == tier);
            let total_ns = of_tier.clone().map(|key| key.total_ns).sum();
            let first_start_ns = of_tier.clone().map(|key| key.first_start_ns).min();
            let last_end_ns = of_tier.clone().map(|key| key.last_end_ns).max();
            TierTotals {
                tier,
                calls: of_tier.clone().map(|key| key.count).sum(),
                self_ns: of_tier.map(|key| key.self_ns).sum(),
                total_ns,
                concurrency: concurrency(
                    total_ns,
                    first_start_ns.unwrap_or(0),
                    last_end_ns.unwrap_or(0),
                ),
            }
        })
        .collect();

    let key_name = |id: KeyId| infos.get(id.index()).map(|info| info.key.clone());
    let mut tree: Vec<CallEdge> = merged
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| Some((infos.get(index)?, entry.as_ref()?)))
        .flat_map(|(child, entry)| {
            entry.totals.parents.iter().map(move |edge| CallEdge {
                parent: edge.parent.and_then(key_name),
                child: child.key.clone(),
                count: edge.count,
                total_ns: edge.total_ns,
            })
        })
        .filter(|edge| edge.count > 0)
        .collect();
    tree.sort_by(|a, b| {
        a.parent
            .cmp(&b.parent)
            .then_with(|| b.total_ns.cmp(&a.total_ns))
            .then_with(|| a.child.cmp(&b.child))
    });

    Profile {
        schema: PROFILE_SCHEMA,
        session: SessionInfo {
            name: session_name.to_owned(),
            started_at: started_at
                .replace_nanosecond(0)
                .unwrap_or(started_at)
                .format(&Rfc3339)
                .unwrap_or_default(),
            duration_ns,
            machine: MachineInfo::current(),
            git_commit: None,
        },
        tiers,
        keys,
        tree,
    }
}

fn key_stats(info: &KeyInfo, entry: &MergedKey, started_ns: u64) -> KeyStats {
    let aggregate = &entry.totals;
    let histogram = Histogram {
        buckets: entry
            .histogram
            .iter_recorded()
            .map(|bucket| {
                let value = entry
                    .histogram
                    .median_equivalent(bucket.value_iterated_to());
                (value, bucket.count_at_value())
            })
            .collect(),
    };
    let first_start_ns = aggregate.first_start_ns.saturating_sub(started_ns);
    let last_end_ns = aggregate.last_end_ns.saturating_sub(started_ns);
    let memory = &aggregate.memory;
    let memory = (memory.samples > 0).then(|| MemoryStats {
        samples: memory.samples,
        mean_before_bytes: (memory.sum_before / u128::from(memory.samples)) as u64,
        mean_after_bytes: (memory.sum_after / u128::from(memory.samples)) as u64,
        total_delta_bytes: memory.total_delta.clamp(i64::MIN.into(), i64::MAX.into()) as i64,
        peak_bytes: memory.peak,
    });
    KeyStats {
        key: info.key.clone(),
        tier: info.tier,
        component: info.component.clone(),
        name: info.name.clone(),
        count: aggregate.count,
        successes: aggregate.successes,
        failures: aggregate.failures,
        last_error: aggregate
            .last_error
            .as_ref()
            .map(|error| error.text.clone()),
        total_ns: aggregate.total_ns,
        self_ns: aggregate.self_ns,
        busy_ns: aggregate.busy_ns,
        min_ns: aggregate.min_ns,
        max_ns: aggregate.max_ns,
        mean_ns: aggregate.total_ns as f64 / aggregate.count as f64,
        stddev_ns: aggregate.stddev_ns(),
        p50_ns: entry.quantile_ns(0.50),
        p90_ns: entry.quantile_ns(0.90),
        p95_ns: entry.quantile_ns(0.95),
        p99_ns: entry.quantile_ns(0.99),
        histogram,
        memory,
        threads: entry
            .threads
            .iter()
            .take(MAX_THREAD_NAMES)
            .cloned()
            .collect(),
        first_start_ns,
        last_end_ns,
        concurrency: concurrency(aggregate.total_ns, first_start_ns, last_end_ns),
    }
}
