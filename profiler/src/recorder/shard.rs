//! One thread's share of the statistics. Threads never share a shard, so recording a span
//! contends with nobody; a snapshot visits every shard and merges them.

use std::sync::{Mutex, MutexGuard, PoisonError};

use super::aggregate::{KeyAggregate, LastError, SpanRecord};
use super::keys::KeyId;
use super::ring::Ring;

/// Statistics per key, indexed by `KeyId`.
#[derive(Debug, Default)]
pub(crate) struct ShardState {
    pub(crate) keys: Vec<Option<KeyAggregate>>,
}

impl ShardState {
    pub(crate) fn key_mut(&mut self, key: KeyId) -> &mut KeyAggregate {
        let index = key.index();
        if self.keys.len() <= index {
            self.keys.resize_with(index + 1, || None);
        }
        self.keys[index].get_or_insert_with(KeyAggregate::default)
    }
}

#[derive(Debug)]
pub(crate) struct Shard {
    ring: Ring,
    state: Mutex<ShardState>,
    pub(crate) thread_name: String,
}

impl Shard {
    pub(crate) fn new(thread_name: String) -> Shard {
        Shard {
            ring: Ring::default(),
            state: Mutex::new(ShardState::default()),
            thread_name,
        }
    }

    /// Records a finished span from reset generation `epoch`. Only the owning thread calls
    /// this; `current_epoch` reads the recorder's generation when the ring must be folded.
    #[inline]
    pub(crate) fn record(&self, epoch: u32, record: &SpanRecord, current_epoch: impl Fn() -> u32) {
        if self.ring.try_push(epoch, record) {
            return;
        }
        let mut state = self.lock(current_epoch());
        if epoch == current_epoch() {
            state.key_mut(record.key).record(record);
        }
    }

    /// Locks the statistics after folding in every pending record of generation
    /// `current_epoch` (records of older generations are dropped).
    pub(crate) fn lock(&self, current_epoch: u32) -> MutexGuard<'_, ShardState> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        self.ring.drain(|epoch, record| {
            if epoch == current_epoch {
                state.key_mut(record.key).record(&record);
            }
        });
        state
    }

    pub(crate) fn note_error(&self, key: KeyId, error: LastError, current_epoch: u32) {
        self.lock(current_epoch)
            .key_mut(key)
            .totals
            .note_error(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::ring::RING_CAPACITY;

    fn record(key: u32, wall_ns: u64) -> SpanRecord {
        SpanRecord {
            key: KeyId(key),
            parent: None,
            failed: false,
            wall_ns,
            self_ns: wall_ns,
            busy_ns: wall_ns,
            memory: None,
        }
    }

    #[test]
    fn counts_every_record_even_past_a_full_ring() {
        let shard = Shard::new("worker".into());
        let total = RING_CAPACITY as u64 * 3 + 5;
        for index in 0..total {
            shard.record(0, &record((index % 2) as u32, 10), || 0);
        }
        let state = shard.lock(0);
        let counted: u64 = state
            .keys
            .iter()
            .flatten()
            .map(|key| key.totals.count)
            .sum();
        assert_eq!(counted, total);
    }

    #[test]
    fn drops_records_from_an_older_generation() {
        let shard = Shard::new("worker".into());
        shard.record(0, &record(0, 10), || 1);
        shard.record(1, &record(0, 20), || 1);
        let state = shard.lock(1);
        let key = state.keys[0].as_ref().unwrap();
        assert_eq!((key.totals.count, key.totals.total_ns), (1, 20));
    }
}
