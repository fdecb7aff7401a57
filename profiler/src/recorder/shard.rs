//! One thread's share of the statistics. Threads never share a shard: the owning thread
//! writes its keys' statistics in place ([`LiveKey`]) and snapshots read every shard.
//!
//! The owner keeps its own list of its keys ([`ShardWriter`]), so finding a key's
//! statistics takes no lock; the shard's locked list only changes when the thread
//! records a key for the first time, or the first time after a reset.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::aggregate::{LastError, SpanRecord};
use super::keys::KeyId;
use super::live_key::LiveKey;
use super::snapshot::MergedKey;

#[derive(Debug)]
pub(crate) struct Shard {
    keys: Mutex<ShardKeys>,
    pub(crate) thread_name: String,
}

/// The keys a thread has recorded in one reset generation, indexed by `KeyId`.
#[derive(Debug, Default)]
struct ShardKeys {
    epoch: u32,
    keys: Vec<Option<Arc<LiveKey>>>,
}

impl Shard {
    /// Adds this shard's statistics into `merged` (indexed by `KeyId`), if they belong to
    /// reset generation `epoch`; a shard whose thread has not recorded since a reset holds
    /// only statistics from before it.
    pub(crate) fn merge_into(&self, merged: &mut Vec<Option<MergedKey>>, epoch: u32) {
        let shard = self.lock();
        if shard.epoch != epoch {
            return;
        }
        if merged.len() < shard.keys.len() {
            merged.resize_with(shard.keys.len(), || None);
        }
        for (slot, live) in merged.iter_mut().zip(&shard.keys) {
            if let Some(live) = live {
                live.add_to(
                    slot.get_or_insert_with(MergedKey::default),
                    &self.thread_name,
                );
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, ShardKeys> {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The owning thread's handle on its shard.
#[derive(Debug)]
pub(crate) struct ShardWriter {
    shard: Arc<Shard>,
    epoch: u32,
    keys: Vec<Option<Arc<LiveKey>>>,
}

impl ShardWriter {
    /// A new shard for the calling thread, starting in reset generation `epoch`; the
    /// caller registers [`ShardWriter::shard`] with the recorder.
    pub(crate) fn new(thread_name: String, epoch: u32) -> ShardWriter {
        let shard = Shard {
            keys: Mutex::new(ShardKeys {
                epoch,
                keys: Vec::new(),
            }),
            thread_name,
        };
        ShardWriter {
            shard: Arc::new(shard),
            epoch,
            keys: Vec::new(),
        }
    }

    pub(crate) fn shard(&self) -> Arc<Shard> {
        Arc::clone(&self.shard)
    }

    /// Whether the recorder is gone, leaving this writer the shard's only holder.
    pub(crate) fn is_orphaned(&self) -> bool {
        Arc::strong_count(&self.shard) == 1
    }

    /// Records a finished span of reset generation `epoch`.
    #[inline]
    pub(crate) fn record(&mut self, epoch: u32, record: &SpanRecord) {
        self.key(epoch, record.key).record(record);
    }

    /// Notes that this thread created or entered a span of `key`.
    #[inline]
    pub(crate) fn note_ran(&mut self, epoch: u32, key: KeyId) {
        self.key(epoch, key).note_ran();
    }

    pub(crate) fn note_error(&mut self, epoch: u32, key: KeyId, error: LastError) {
        self.key(epoch, key).note_error(error);
    }

    /// The statistics of `key` in generation `epoch`; a newer generation starts afresh.
    #[inline]
    fn key(&mut self, epoch: u32, key: KeyId) -> &LiveKey {
        if epoch != self.epoch {
            self.restart(epoch);
        }
        if !matches!(self.keys.get(key.index()), Some(Some(_))) {
            self.add(key);
        }
        match &self.keys[key.index()] {
            Some(live) => live,
            None => unreachable!("the key was just added"),
        }
    }

    #[cold]
    fn restart(&mut self, epoch: u32) {
        self.epoch = epoch;
        self.keys.clear();
        let mut shard = self.shard.lock();
        shard.epoch = epoch;
        shard.keys.clear();
    }

    #[cold]
    fn add(&mut self, key: KeyId) {
        let live = Arc::new(LiveKey::default());
        let index = key.index();
        for keys in [&mut self.keys, &mut self.shard.lock().keys] {
            if keys.len() <= index {
                keys.resize_with(index + 1, || None);
            }
            keys[index] = Some(Arc::clone(&live));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: u32, wall_ns: u64) -> SpanRecord {
        SpanRecord {
            key: KeyId(key),
            parent: None,
            failed: false,
            wall_ns,
            self_ns: wall_ns,
            busy_ns: wall_ns,
            closed_ns: wall_ns,
            memory: None,
        }
    }

    fn merged(shard: &Shard, epoch: u32) -> Vec<(u64, u64)> {
        let mut merged = Vec::new();
        shard.merge_into(&mut merged, epoch);
        merged
            .iter()
            .map(|key| {
                key.as_ref()
                    .map_or((0, 0), |key| (key.totals.count, key.totals.total_ns))
            })
            .collect()
    }

    #[test]
    fn counts_every_record_per_key() {
        let mut writer = ShardWriter::new("worker".into(), 0);
        for index in 0..1_001u64 {
            writer.record(0, &record((index % 2) as u32 * 3, 10));
        }
        assert_eq!(
            merged(&writer.shard(), 0),
            vec![(501, 5_010), (0, 0), (0, 0), (500, 5_000)]
        );
    }

    #[test]
    fn a_new_generation_starts_afresh_and_hides_the_old_one() {
        let mut writer = ShardWriter::new("worker".into(), 0);
        writer.record(0, &record(0, 10));
        let shard = writer.shard();
        assert!(merged(&shard, 1).is_empty(), "not recorded since the reset");
        writer.record(1, &record(0, 20));
        assert_eq!(merged(&shard, 1), vec![(1, 20)]);
        assert!(merged(&shard, 0).is_empty());
    }
}
