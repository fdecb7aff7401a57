//! One key's statistics on one thread, written in place by that thread and read by
//! snapshots from any thread.
//!
//! The owning thread is the only writer, so an update is plain loads and stores of
//! atomics: no lock and no read-modify-write on the path of every span. A sequence number
//! (the seqlock pattern) lets a reader that races a write notice it and read again until
//! it holds a copy no write overlapped, so totals are never torn; the histogram is read outside it and may trail by the spans
//! recorded during the read. Rare parts (a fifth parent, memory samples, error texts) sit
//! behind locks that only spans using them take.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, fence};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::aggregate::{KeyTotals, LastError, MemoryAggregate, ParentEdge, SpanRecord};
use super::keys::KeyId;
use super::live_histogram::LiveHistogram;
use super::snapshot::MergedKey;

use Ordering::{Acquire, Relaxed, Release};

/// Parents tracked without a lock; a key called from more places spills into a list.
const INLINE_PARENTS: usize = 4;
/// How many times a reader that raced a write spins before it starts yielding its core,
/// in case the owner was descheduled mid-write (then only the owner running again ends
/// the write, and spinning would keep it from running on a busy machine).
const SPINS_BEFORE_YIELDING: usize = 10;

const NO_EDGE: u32 = u32::MAX;
const ROOT: u32 = u32::MAX - 1;

/// Aligned so that the counters every span writes share as few cache lines as possible.
#[derive(Debug)]
#[repr(align(64))]
pub(crate) struct LiveKey {
    /// Odd while the owner is writing; bumped twice per recorded span.
    sequence: AtomicU64,
    /// This thread created or entered a span of the key (it may not have closed one).
    /// Beside the sequence number, so marking it touches the line recording writes anyway.
    ran: AtomicBool,
    count: AtomicU64,
    failures: AtomicU64,
    total_ns: AtomicU64,
    self_ns: AtomicU64,
    busy_ns: AtomicU64,
    min_ns: AtomicU64,
    max_ns: AtomicU64,
    /// The exact sum of squared wall times, as the low and high halves of a `u128`.
    sum_squares: [AtomicU64; 2],
    first_start_ns: AtomicU64,
    last_end_ns: AtomicU64,
    parents: [LiveEdge; INLINE_PARENTS],
    more_parents: Mutex<Vec<ParentEdge>>,
    memory: Mutex<MemoryAggregate>,
    last_error: Mutex<Option<LastError>>,
    histogram: LiveHistogram,
}

#[derive(Debug)]
struct LiveEdge {
    /// The parent's key, [`ROOT`] for none, [`NO_EDGE`] while unused.
    parent: AtomicU32,
    count: AtomicU64,
    total_ns: AtomicU64,
}

impl Default for LiveKey {
    fn default() -> Self {
        LiveKey {
            sequence: AtomicU64::new(0),
            ran: AtomicBool::new(false),
            count: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            total_ns: AtomicU64::new(0),
            self_ns: AtomicU64::new(0),
            busy_ns: AtomicU64::new(0),
            min_ns: AtomicU64::new(u64::MAX),
            max_ns: AtomicU64::new(0),
            sum_squares: Default::default(),
            first_start_ns: AtomicU64::new(u64::MAX),
            last_end_ns: AtomicU64::new(0),
            parents: std::array::from_fn(|_| LiveEdge {
                parent: AtomicU32::new(NO_EDGE),
                count: AtomicU64::new(0),
                total_ns: AtomicU64::new(0),
            }),
            more_parents: Mutex::default(),
            memory: Mutex::default(),
            last_error: Mutex::default(),
            histogram: LiveHistogram::default(),
        }
    }
}

/// Adds to a counter that only this thread writes. (Nanosecond totals wrap after 584
/// years of recorded time, so no saturation check is spent on every span.)
#[inline(always)]
fn add(counter: &AtomicU64, amount: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(amount), Relaxed);
}

impl LiveKey {
    /// Records a finished span. Only the owning thread may call this.
    #[inline]
    pub(crate) fn record(&self, record: &SpanRecord) {
        let sequence = self.sequence.load(Relaxed);
        self.sequence.store(sequence.wrapping_add(1), Relaxed);
        fence(Release);

        let wall = record.wall_ns;
        add(&self.count, 1);
        if record.failed {
            add(&self.failures, 1);
        }
        add(&self.total_ns, wall);
        add(&self.self_ns, record.self_ns);
        add(&self.busy_ns, record.busy_ns);
        if wall < self.min_ns.load(Relaxed) {
            self.min_ns.store(wall, Relaxed);
        }
        if wall > self.max_ns.load(Relaxed) {
            self.max_ns.store(wall, Relaxed);
        }
        let [low, high] = &self.sum_squares;
        let sum = (u128::from(high.load(Relaxed)) << 64) | u128::from(low.load(Relaxed));
        let sum = sum.saturating_add(u128::from(wall) * u128::from(wall));
        low.store(sum as u64, Relaxed);
        high.store((sum >> 64) as u64, Relaxed);
        let start = record.closed_ns.saturating_sub(wall);
        if start < self.first_start_ns.load(Relaxed) {
            self.first_start_ns.store(start, Relaxed);
        }
        // This thread closes its spans in time order, so the latest close is the last one.
        self.last_end_ns.store(record.closed_ns, Relaxed);
        self.count_parent(record.parent.map_or(ROOT, |parent| parent.0), wall);

        self.sequence.store(sequence.wrapping_add(2), Release);
        self.histogram.record(wall);
        if let Some(sample) = record.memory {
            lock(&self.memory).record(sample);
        }
    }

    #[inline]
    fn count_parent(&self, parent: u32, wall: u64) {
        for edge in &self.parents {
            let current = edge.parent.load(Relaxed);
            if current == NO_EDGE {
                edge.parent.store(parent, Relaxed);
            }
            if current == parent || current == NO_EDGE {
                add(&edge.count, 1);
                add(&edge.total_ns, wall);
                return;
            }
        }
        self.count_more_parents(parent, wall);
    }

    #[cold]
    fn count_more_parents(&self, parent: u32, wall: u64) {
        let parent = edge_key(parent);
        let mut more = lock(&self.more_parents);
        match more.iter_mut().find(|edge| edge.parent == parent) {
            Some(edge) => {
                edge.count += 1;
                edge.total_ns = edge.total_ns.saturating_add(wall);
            }
            None => more.push(ParentEdge {
                parent,
                count: 1,
                total_ns: wall,
            }),
        }
    }

    /// Notes that this thread created or entered a span of the key. Only the owning thread
    /// may call this.
    #[inline]
    pub(crate) fn note_ran(&self) {
        if !self.ran.load(Relaxed) {
            self.ran.store(true, Relaxed);
        }
    }

    pub(crate) fn note_error(&self, error: LastError) {
        let mut last = lock(&self.last_error);
        if last.as_ref().is_none_or(|last| last.at <= error.at) {
            *last = Some(error);
        }
    }

    /// Adds this key's statistics into `merged`, from any thread.
    pub(crate) fn add_to(&self, merged: &mut MergedKey, thread: &str) {
        let totals = self.totals();
        if totals.count > 0 {
            merged.add(&totals, thread);
            self.histogram.add_to(&mut merged.histogram);
        }
        if self.ran.load(Relaxed) {
            merged.note_thread(thread);
        }
    }

    /// A consistent copy of the totals: read again while the owner writes in between, and
    /// never give up. A write is a few dozen stores with no lock or call inside, so the wait
    /// is bounded by the owner finishing the span it is recording (one time slice at worst,
    /// if it was descheduled mid-write).
    fn totals(&self) -> KeyTotals {
        let raw = self.consistent_raw();
        let mut totals = raw.into_totals();
        totals
            .parents
            .extend(lock(&self.more_parents).iter().copied());
        totals.memory = lock(&self.memory).clone();
        totals.last_error = lock(&self.last_error).clone();
        totals
    }

    /// Reads until a copy is bracketed by the same even sequence number on both sides.
    fn consistent_raw(&self) -> RawTotals {
        let mut attempt = 0usize;
        loop {
            let before = self.sequence.load(Acquire);
            if before.is_multiple_of(2) {
                let raw = self.read_raw();
                fence(Acquire);
                if self.sequence.load(Relaxed) == before {
                    return raw;
                }
            }
            if attempt < SPINS_BEFORE_YIELDING {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
            attempt += 1;
        }
    }

    /// Every counter the sequence number guards, read without allocating so that a read
    /// fits between two spans of a busy owner.
    fn read_raw(&self) -> RawTotals {
        let [low, high] = &self.sum_squares;
        RawTotals {
            count: self.count.load(Relaxed),
            failures: self.failures.load(Relaxed),
            total_ns: self.total_ns.load(Relaxed),
            self_ns: self.self_ns.load(Relaxed),
            busy_ns: self.busy_ns.load(Relaxed),
            min_ns: self.min_ns.load(Relaxed),
            max_ns: self.max_ns.load(Relaxed),
            sum_squares: (u128::from(high.load(Relaxed)) << 64) | u128::from(low.load(Relaxed)),
            first_start_ns: self.first_start_ns.load(Relaxed),
            last_end_ns: self.last_end_ns.load(Relaxed),
            parents: std::array::from_fn(|index| {
                let edge = &self.parents[index];
                (
                    edge.parent.load(Relaxed),
                    edge.count.load(Relaxed),
                    edge.total_ns.load(Relaxed),
                )
            }),
        }
    }
}

#[derive(Clone, Copy)]
struct RawTotals {
    count: u64,
    failures: u64,
    total_ns: u64,
    self_ns: u64,
    busy_ns: u64,
    min_ns: u64,
    max_ns: u64,
    sum_squares: u128,
    first_start_ns: u64,
    last_end_ns: u64,
    /// (parent, count, total) per inline edge.
    parents: [(u32, u64, u64); INLINE_PARENTS],
}

impl RawTotals {
    fn into_totals(self) -> KeyTotals {
        let parents = self
            .parents
            .iter()
            .filter(|(parent, _, _)| *parent != NO_EDGE)
            .map(|&(parent, count, total_ns)| ParentEdge {
                parent: edge_key(parent),
                count,
                total_ns,
            })
            .collect();
        KeyTotals {
            count: self.count,
            successes: self.count.saturating_sub(self.failures),
            failures: self.failures,
            total_ns: self.total_ns,
            self_ns: self.self_ns,
            busy_ns: self.busy_ns,
            min_ns: self.min_ns,
            max_ns: self.max_ns,
            sum_squares: self.sum_squares,
            first_start_ns: self.first_start_ns,
            last_end_ns: self.last_end_ns,
            parents,
            ..KeyTotals::default()
        }
    }
}

fn edge_key(parent: u32) -> Option<KeyId> {
    (parent != ROOT).then_some(KeyId(parent))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::aggregate::MemorySample;

    fn record(parent: Option<u32>, wall_ns: u64, failed: bool) -> SpanRecord {
        SpanRecord {
            key: KeyId(0),
            parent: parent.map(KeyId),
            failed,
            wall_ns,
            self_ns: wall_ns / 2,
            busy_ns: wall_ns / 4,
            closed_ns: wall_ns,
            memory: None,
        }
    }

    #[test]
    fn reads_the_same_totals_as_recording_into_plain_totals() {
        let live = LiveKey::default();
        let mut plain = KeyTotals::default();
        // Seven parents: four inline, three spilled, plus the root.
        for step in 0..700u64 {
            let parent = (step % 8 != 0).then_some((step % 8) as u32);
            let each = SpanRecord {
                memory: (step % 100 == 0).then_some(MemorySample {
                    before: step,
                    after: step * 2,
                }),
                ..record(parent, 1_000 + step * 31, step % 5 == 0)
            };
            live.record(&each);
            plain.record(&each);
        }
        let read = live.totals();
        assert_eq!(
            (read.count, read.successes, read.failures),
            (plain.count, plain.successes, plain.failures)
        );
        assert_eq!(
            (read.total_ns, read.self_ns, read.busy_ns),
            (plain.total_ns, plain.self_ns, plain.busy_ns)
        );
        assert_eq!((read.min_ns, read.max_ns), (plain.min_ns, plain.max_ns));
        assert_eq!(read.sum_squares, plain.sum_squares);
        assert_eq!(
            (read.first_start_ns, read.last_end_ns),
            (plain.first_start_ns, plain.last_end_ns)
        );
        assert_eq!(read.memory, plain.memory);
        let sorted = |mut edges: Vec<ParentEdge>| {
            edges.sort_by_key(|edge| edge.parent);
            edges
        };
        assert_eq!(sorted(read.parents), sorted(plain.parents));
    }

    #[test]
    fn a_reader_racing_the_writer_never_sees_a_torn_span() {
        let live = std::sync::Arc::new(LiveKey::default());
        let writer_live = std::sync::Arc::clone(&live);
        let writer = std::thread::spawn(move || {
            for _ in 0..200_000 {
                writer_live.record(&record(None, 3, false));
                // The rest of a span's life: tracing itself takes over 100 ns per span,
                // more in a debug build.
                let next = std::time::Instant::now() + std::time::Duration::from_micros(1);
                while std::time::Instant::now() < next {
                    std::hint::spin_loop();
                }
            }
        });
        while !writer.is_finished() {
            let totals = live.totals();
            assert_eq!(totals.total_ns, totals.count * 3);
            assert_eq!(totals.sum_squares, u128::from(totals.count) * 9);
        }
        writer.join().unwrap();
        assert_eq!(live.totals().count, 200_000);
    }

    #[test]
    fn the_latest_error_is_kept() {
        let live = LiveKey::default();
        live.record(&record(None, 5, true));
        for (at, text) in [(9, "late"), (5, "early")] {
            live.note_error(LastError {
                at,
                text: text.into(),
            });
        }
        assert_eq!(live.totals().last_error.unwrap().text, "late");
    }
}
