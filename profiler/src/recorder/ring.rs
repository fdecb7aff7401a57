//! A single-producer ring of finished spans: the owning thread hands records over with
//! plain stores, and whoever holds the shard's lock folds them into the statistics.
//!
//! This keeps the per-span cost free of locks and atomic read-modify-writes; the lock is
//! taken once per ring-full (amortised over [`RING_CAPACITY`] spans) or by a snapshot.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use super::aggregate::{MemorySample, SpanRecord};
use super::keys::KeyId;

pub(crate) const RING_CAPACITY: usize = 256;

const NO_PARENT: u32 = u32::MAX;
const FAILED: u32 = 1;
const SAMPLED_MEMORY: u32 = 2;

#[derive(Debug, Default)]
struct Cell {
    key: AtomicU32,
    parent: AtomicU32,
    flags: AtomicU32,
    epoch: AtomicU32,
    wall_ns: AtomicU64,
    self_ns: AtomicU64,
    busy_ns: AtomicU64,
    memory_before: AtomicU64,
    memory_after: AtomicU64,
}

#[derive(Debug, Default)]
#[repr(align(64))]
struct Padded(AtomicUsize);

#[derive(Debug)]
pub(crate) struct Ring {
    cells: Box<[Cell]>,
    /// Next cell to read; written by the consumer only.
    head: Padded,
    /// Next cell to write; written by the producer only.
    tail: Padded,
}

impl Default for Ring {
    fn default() -> Self {
        Ring {
            cells: (0..RING_CAPACITY).map(|_| Cell::default()).collect(),
            head: Padded::default(),
            tail: Padded::default(),
        }
    }
}

impl Ring {
    /// Appends a record made in reset generation `epoch`; `false` when the ring is full.
    /// Only the owning thread may call this.
    #[inline]
    pub(crate) fn try_push(&self, epoch: u32, record: &SpanRecord) -> bool {
        let tail = self.tail.0.load(Ordering::Relaxed);
        if tail.wrapping_sub(self.head.0.load(Ordering::Acquire)) >= RING_CAPACITY {
            return false;
        }
        let cell = &self.cells[tail % RING_CAPACITY];
        let mut flags = 0;
        if record.failed {
            flags |= FAILED;
        }
        if let Some(memory) = record.memory {
            flags |= SAMPLED_MEMORY;
            cell.memory_before.store(memory.before, Ordering::Relaxed);
            cell.memory_after.store(memory.after, Ordering::Relaxed);
        }
        cell.key.store(record.key.0, Ordering::Relaxed);
        cell.parent.store(
            record.parent.map_or(NO_PARENT, |parent| parent.0),
            Ordering::Relaxed,
        );
        cell.flags.store(flags, Ordering::Relaxed);
        cell.epoch.store(epoch, Ordering::Relaxed);
        cell.wall_ns.store(record.wall_ns, Ordering::Relaxed);
        cell.self_ns.store(record.self_ns, Ordering::Relaxed);
        cell.busy_ns.store(record.busy_ns, Ordering::Relaxed);
        self.tail.0.store(tail.wrapping_add(1), Ordering::Release);
        true
    }

    /// Hands every pending record, with its epoch, to `consume`. Callers serialise
    /// draining (the shard lock), so there is a single consumer at a time.
    pub(crate) fn drain(&self, mut consume: impl FnMut(u32, SpanRecord)) {
        let head = self.head.0.load(Ordering::Relaxed);
        let tail = self.tail.0.load(Ordering::Acquire);
        let mut position = head;
        while position != tail {
            let cell = &self.cells[position % RING_CAPACITY];
            let flags = cell.flags.load(Ordering::Relaxed);
            let parent = cell.parent.load(Ordering::Relaxed);
            let record = SpanRecord {
                key: KeyId(cell.key.load(Ordering::Relaxed)),
                parent: (parent != NO_PARENT).then_some(KeyId(parent)),
                failed: flags & FAILED != 0,
                wall_ns: cell.wall_ns.load(Ordering::Relaxed),
                self_ns: cell.self_ns.load(Ordering::Relaxed),
                busy_ns: cell.busy_ns.load(Ordering::Relaxed),
                memory: (flags & SAMPLED_MEMORY != 0).then(|| MemorySample {
                    before: cell.memory_before.load(Ordering::Relaxed),
                    after: cell.memory_after.load(Ordering::Relaxed),
                }),
            };
            consume(cell.epoch.load(Ordering::Relaxed), record);
            position = position.wrapping_add(1);
        }
        self.head.0.store(tail, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: u32, wall_ns: u64) -> SpanRecord {
        SpanRecord {
            key: KeyId(key),
            parent: (key > 0).then(|| KeyId(key - 1)),
            failed: key % 2 == 1,
            wall_ns,
            self_ns: wall_ns / 2,
            busy_ns: wall_ns / 3,
            memory: (key == 2).then_some(MemorySample {
                before: 10,
                after: 20,
            }),
        }
    }

    #[test]
    fn hands_over_records_in_order_and_refuses_when_full() {
        let ring = Ring::default();
        for index in 0..RING_CAPACITY as u64 {
            assert!(ring.try_push(1, &record((index % 3) as u32, index)));
        }
        assert!(!ring.try_push(1, &record(0, 0)), "a full ring refuses");
        let mut seen = Vec::new();
        ring.drain(|epoch, each| seen.push((epoch, each)));
        assert_eq!(seen.len(), RING_CAPACITY);
        for (index, (epoch, each)) in seen.iter().enumerate() {
            assert_eq!(*epoch, 1);
            assert_eq!(*each, record((index % 3) as u32, index as u64));
        }
        assert!(ring.try_push(2, &record(2, 5)));
        let mut again = Vec::new();
        ring.drain(|epoch, each| again.push((epoch, each)));
        assert_eq!(again, vec![(2, record(2, 5))]);
    }

    #[test]
    fn a_concurrent_consumer_sees_every_record_exactly_once() {
        let ring = std::sync::Arc::new(Ring::default());
        let consumer_ring = std::sync::Arc::clone(&ring);
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let consumer_done = std::sync::Arc::clone(&done);
        let consumer = std::thread::spawn(move || {
            let mut total = 0u64;
            let mut count = 0u64;
            loop {
                let finished = consumer_done.load(Ordering::Acquire);
                consumer_ring.drain(|_, each| {
                    total += each.wall_ns;
                    count += 1;
                });
                if finished {
                    return (count, total);
                }
            }
        });
        for index in 1..=50_000u64 {
            while !ring.try_push(0, &record(0, index)) {
                std::thread::yield_now();
            }
        }
        done.store(true, Ordering::Release);
        let (count, total) = consumer.join().unwrap();
        assert_eq!(count, 50_000);
        assert_eq!(total, 50_000 * 50_001 / 2);
    }
}
