//! The state of every profiled span that is still open, found by span id without locks.
//!
//! Span extensions would be the textbook home for this state, but looking a span up in
//! the registry and locking its extensions costs more than everything else the layer does
//! (measured: 2.2x the reference per span). This table answers "is this id ours, and where
//! is its state?" with one cache line of atomic loads: ids live in buckets of eight
//! (one cache line), the state in a parallel array of slots. A full bucket spills into a
//! locked map, so the table never refuses a span.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::coverage::Coverage;

pub(crate) const FAILED: u32 = 1;
pub(crate) const HAS_CHILDREN: u32 = 1 << 1;
/// The span's tier measures busy time.
pub(crate) const MEASURES_BUSY: u32 = 1 << 2;

const BUCKET: usize = 8;

/// Per-span state. Fields are atomics so that a span touched from several threads (an
/// async task moving between workers) is always memory-safe; the owner only ever loads
/// and stores, so the common single-thread case pays no atomic read-modify-write.
#[derive(Debug, Default)]
#[repr(align(64))]
pub(crate) struct Slot {
    pub(crate) key: AtomicU32,
    pub(crate) epoch: AtomicU32,
    pub(crate) flags: AtomicU32,
    /// How many times the span is currently entered (it may be entered re-entrantly).
    pub(crate) depth: AtomicU32,
    /// Span id of the nearest profiled ancestor, 0 for none.
    pub(crate) parent: AtomicU64,
    /// [`thread_token`](super::entered::thread_token) of the thread that last created or
    /// entered the span: an enter from another thread notes that thread in the key's list.
    pub(crate) thread: AtomicU64,
    pub(crate) created_ns: AtomicU64,
    pub(crate) entered_ns: AtomicU64,
    pub(crate) busy_ns: AtomicU64,
    /// Resident set size at creation, 0 when not sampled.
    pub(crate) memory_before: AtomicU64,
    /// Intervals covered by closed children; only locked by spans that have children.
    pub(crate) children: Mutex<Coverage>,
}

/// What a new span's slot starts with.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NewSpan {
    pub(crate) key: u32,
    pub(crate) epoch: u32,
    pub(crate) flags: u32,
    pub(crate) parent: u64,
    pub(crate) thread: u64,
    pub(crate) created_ns: u64,
    pub(crate) memory_before: u64,
}

impl Slot {
    /// Sets every field for a new span (a reused slot holds whatever its last span left).
    #[inline]
    fn start(&self, span: &NewSpan) {
        self.key.store(span.key, Ordering::Relaxed);
        self.epoch.store(span.epoch, Ordering::Relaxed);
        self.flags.store(span.flags, Ordering::Relaxed);
        self.depth.store(0, Ordering::Relaxed);
        self.parent.store(span.parent, Ordering::Relaxed);
        self.thread.store(span.thread, Ordering::Relaxed);
        self.created_ns.store(span.created_ns, Ordering::Relaxed);
        self.busy_ns.store(0, Ordering::Relaxed);
        self.memory_before
            .store(span.memory_before, Ordering::Relaxed);
    }

    /// Records a closed child's interval `[start, end)`.
    pub(crate) fn add_child(&self, start: u64, end: u64) {
        let mut children = self.children.lock().unwrap_or_else(PoisonError::into_inner);
        children.add(start, end);
        self.flags.fetch_or(HAS_CHILDREN, Ordering::Relaxed);
    }

    /// Takes the children's coverage, leaving the slot clean for its next span.
    pub(crate) fn take_children(&self) -> Coverage {
        if self.flags.load(Ordering::Relaxed) & HAS_CHILDREN == 0 {
            return Coverage::default();
        }
        std::mem::take(&mut *self.children.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A found slot: in the table, or spilled into the overflow map.
pub(crate) enum SlotRef<'a> {
    Table { slot: &'a Slot, index: usize },
    Overflow(Arc<Slot>),
}

impl Deref for SlotRef<'_> {
    type Target = Slot;
    fn deref(&self) -> &Slot {
        match self {
            SlotRef::Table { slot, .. } => slot,
            SlotRef::Overflow(slot) => slot,
        }
    }
}

#[derive(Debug)]
pub(crate) struct OpenSpans {
    ids: Box<[AlignedIds]>,
    slots: Box<[Slot]>,
    bucket_bits: u32,
    overflow: Mutex<HashMap<u64, Arc<Slot>>>,
    overflowed: AtomicUsize,
}

/// One bucket of span ids, exactly one cache line.
#[derive(Debug, Default)]
#[repr(align(64))]
struct AlignedIds([AtomicU64; BUCKET]);

impl OpenSpans {
    /// A table for about `capacity` simultaneously open spans (rounded up to a power of two).
    pub(crate) fn with_capacity(capacity: usize) -> OpenSpans {
        let buckets = (capacity.max(BUCKET) / BUCKET).next_power_of_two();
        OpenSpans {
            ids: (0..buckets).map(|_| AlignedIds::default()).collect(),
            slots: (0..buckets * BUCKET).map(|_| Slot::default()).collect(),
            bucket_bits: buckets.trailing_zeros(),
            overflow: Mutex::new(HashMap::new()),
            overflowed: AtomicUsize::new(0),
        }
    }

    /// The bucket of span `id`. Ids mostly come in sequence (the registry hands out slab
    /// slots in order), so eight consecutive ids share a bucket: a thread's successive
    /// spans stay on one cache line of ids and one slot, instead of touching a new line
    /// of the table each time, and another thread (whose ids differ in their high bits)
    /// hashes to other buckets instead of bouncing the same lines between cores.
    #[inline]
    fn bucket(&self, id: u64) -> usize {
        if self.bucket_bits == 0 {
            return 0;
        }
        let group = id / BUCKET as u64;
        (group.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bucket_bits)) as usize
    }

    /// Claims a slot for span `id` (non-zero) and starts it as `span`.
    #[inline]
    pub(crate) fn insert(&self, id: u64, span: &NewSpan) {
        let bucket = self.bucket(id);
        for (offset, cell) in self.ids[bucket].0.iter().enumerate() {
            if cell.load(Ordering::Relaxed) == 0
                && cell
                    .compare_exchange(0, id, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                self.slots[bucket * BUCKET + offset].start(span);
                return;
            }
        }
        self.spill(id, span);
    }

    #[cold]
    fn spill(&self, id: u64, span: &NewSpan) {
        let slot = Slot::default();
        slot.start(span);
        self.lock_overflow().insert(id, Arc::new(slot));
        self.overflowed.fetch_add(1, Ordering::Relaxed);
    }

    /// The slot of span `id`, if it is a profiled open span.
    #[inline(always)]
    pub(crate) fn get(&self, id: u64) -> Option<SlotRef<'_>> {
        let bucket = self.bucket(id);
        for (offset, cell) in self.ids[bucket].0.iter().enumerate() {
            if cell.load(Ordering::Acquire) == id {
                let index = bucket * BUCKET + offset;
                return Some(SlotRef::Table {
                    slot: &self.slots[index],
                    index,
                });
            }
        }
        if self.overflowed.load(Ordering::Relaxed) == 0 {
            return None;
        }
        self.get_spilled(id)
    }

    #[cold]
    fn get_spilled(&self, id: u64) -> Option<SlotRef<'_>> {
        self.lock_overflow()
            .get(&id)
            .cloned()
            .map(SlotRef::Overflow)
    }

    pub(crate) fn contains(&self, id: u64) -> bool {
        self.get(id).is_some()
    }

    /// Frees the slot of span `id`; the caller has finished reading it.
    #[inline]
    pub(crate) fn remove(&self, id: u64, slot: SlotRef<'_>) {
        match slot {
            SlotRef::Table { index, .. } => {
                self.ids[index / BUCKET].0[index % BUCKET].store(0, Ordering::Release);
            }
            SlotRef::Overflow(_) => {
                if self.lock_overflow().remove(&id).is_some() {
                    self.overflowed.fetch_sub(1, Ordering::Relaxed);
                }
            }
        }
    }

    fn lock_overflow(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Slot>>> {
        self.overflow.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inserted_ids_and_forgets_removed_ones() {
        let table = OpenSpans::with_capacity(64);
        table.insert(
            7,
            &NewSpan {
                key: 3,
                ..NewSpan::default()
            },
        );
        assert_eq!(table.get(7).unwrap().key.load(Ordering::Relaxed), 3);
        assert!(table.get(8).is_none());
        let slot = table.get(7).unwrap();
        table.remove(7, slot);
        assert!(!table.contains(7));
    }

    #[test]
    fn spills_into_the_overflow_map_when_a_bucket_is_full_and_back() {
        // A single-bucket table: the ninth span must spill over.
        let table = OpenSpans::with_capacity(1);
        for id in 1..=20u64 {
            let span = NewSpan {
                key: id as u32,
                ..NewSpan::default()
            };
            table.insert(id, &span);
        }
        for id in 1..=20u64 {
            assert_eq!(
                table.get(id).unwrap().key.load(Ordering::Relaxed),
                id as u32
            );
        }
        for id in 1..=20u64 {
            let slot = table.get(id).unwrap();
            table.remove(id, slot);
        }
        assert!((1..=20).all(|id| !table.contains(id)));
        assert_eq!(table.overflowed.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn concurrent_inserts_never_share_a_slot() {
        let table = Arc::new(OpenSpans::with_capacity(256));
        let workers: Vec<_> = (0..4u64)
            .map(|worker| {
                let table = Arc::clone(&table);
                std::thread::spawn(move || {
                    for round in 0..2_000u64 {
                        let id = worker * 1_000_000 + round + 1;
                        let span = NewSpan {
                            parent: id,
                            ..NewSpan::default()
                        };
                        table.insert(id, &span);
                        let slot = table.get(id).expect("inserted id is found");
                        assert_eq!(slot.parent.load(Ordering::Relaxed), id);
                        table.remove(id, slot);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
    }

    #[test]
    fn children_coverage_is_taken_once() {
        let slot = Slot::default();
        assert_eq!(slot.take_children().covered_ns(), 0);
        slot.add_child(10, 20);
        slot.add_child(15, 30);
        assert_eq!(slot.take_children().covered_ns(), 20);
        slot.flags.store(0, Ordering::Relaxed);
        assert_eq!(slot.take_children().covered_ns(), 0);
    }
}
