//! The recorder: interned keys, per-thread shards of statistics, and the handle that
//! turns them into a [`Profile`] or starts over.

mod aggregate;
mod clock;
mod keys;
mod live_histogram;
mod live_key;
mod shard;
mod snapshot;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub(crate) use aggregate::{LastError, MemorySample, SpanRecord};
pub(crate) use clock::Clock;
pub(crate) use keys::{KeyId, KeyTable};
pub(crate) use shard::{Shard, ShardWriter};

use snapshot::MergedKey;

use crate::profile::Profile;

/// Shared state of one profiler: everything the layer records and the handle reads.
#[derive(Debug)]
pub(crate) struct Recorder {
    /// Distinguishes recorders in thread-local caches (several layers may coexist, e.g.
    /// one per test).
    pub(crate) id: u64,
    pub(crate) clock: Clock,
    pub(crate) keys: KeyTable,
    /// Reset generation: spans opened before a reset are not counted after it.
    epoch: AtomicU32,
    shards: Mutex<Vec<Arc<Shard>>>,
    /// Statistics of threads that have exited.
    retired: Mutex<Vec<Option<MergedKey>>>,
    started: Mutex<SessionStart>,
    reported_failure: AtomicBool,
}

#[derive(Debug, Clone)]
struct SessionStart {
    at: time::OffsetDateTime,
    at_ns: u64,
}

impl Recorder {
    pub(crate) fn new(clock: Clock) -> Recorder {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let started = SessionStart {
            at: time::OffsetDateTime::now_utc(),
            at_ns: clock.now(),
        };
        Recorder {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            clock,
            keys: KeyTable::default(),
            epoch: AtomicU32::new(0),
            shards: Mutex::new(Vec::new()),
            retired: Mutex::new(Vec::new()),
            started: Mutex::new(started),
            reported_failure: AtomicBool::new(false),
        }
    }

    #[inline]
    pub(crate) fn epoch(&self) -> u32 {
        self.epoch.load(Ordering::Relaxed)
    }

    /// A new shard for the calling thread, registered for snapshots.
    pub(crate) fn shard_writer(&self) -> ShardWriter {
        let thread = std::thread::current();
        let name = thread
            .name()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{:?}", thread.id()));
        let mut shards = self.lock_shards();
        let writer = ShardWriter::new(name, self.epoch());
        self.retire_exited(&mut shards);
        shards.push(writer.shard());
        writer
    }

    /// Folds the shards of exited threads (only the recorder still holds them) into the
    /// retired statistics, so shard count follows live threads, not every thread ever.
    fn retire_exited(&self, shards: &mut Vec<Arc<Shard>>) {
        let epoch = self.epoch();
        let mut retired = None;
        shards.retain(|shard| {
            if Arc::strong_count(shard) > 1 {
                return true;
            }
            let retired = retired.get_or_insert_with(|| lock(&self.retired));
            shard.merge_into(retired, epoch);
            false
        });
    }

    pub(crate) fn note_error(&self, writer: &mut ShardWriter, key: KeyId, text: String) {
        let error = LastError {
            at: self.clock.now(),
            text,
        };
        writer.note_error(self.epoch(), key, error);
    }

    /// Records a span closed on a thread whose thread-local state is already gone (a
    /// span dropped by a thread-local destructor): slower, but nothing is lost.
    pub(crate) fn record_without_thread_state(&self, epoch: u32, record: &SpanRecord) {
        if epoch != self.epoch() {
            return;
        }
        let mut retired = lock(&self.retired);
        let index = record.key.index();
        if retired.len() <= index {
            retired.resize_with(index + 1, || None);
        }
        retired[index]
            .get_or_insert_with(MergedKey::default)
            .record(record);
    }

    /// Logs an internal failure once per recorder; the host program carries on.
    pub(crate) fn report_failure(&self, what: &str) {
        if !self.reported_failure.swap(true, Ordering::Relaxed) {
            eprintln!(
                "profiler: internal error in {what}; profiling continues, but this \
                 session's figures may be incomplete (further errors are not reported)"
            );
        }
    }

    pub(crate) fn snapshot(&self, session_name: &str) -> Profile {
        let epoch = self.epoch();
        let merged = {
            let mut shards = self.lock_shards();
            self.retire_exited(&mut shards);
            let mut merged = lock(&self.retired).clone();
            for shard in shards.iter() {
                shard.merge_into(&mut merged, epoch);
            }
            merged
        };
        let started = lock(&self.started).clone();
        let duration_ns = self.clock.now().saturating_sub(started.at_ns);
        snapshot::build_profile(
            session_name,
            started.at,
            started.at_ns,
            duration_ns,
            &self.keys.all(),
            &merged,
        )
    }

    /// Starts a new generation: shards hold on to older statistics until their thread
    /// records again (and starts afresh), but snapshots no longer read them.
    pub(crate) fn reset(&self) {
        let mut shards = self.lock_shards();
        self.epoch.fetch_add(1, Ordering::Relaxed);
        *lock(&self.started) = SessionStart {
            at: time::OffsetDateTime::now_utc(),
            at_ns: self.clock.now(),
        };
        lock(&self.retired).clear();
        self.retire_exited(&mut shards);
    }

    fn lock_shards(&self) -> MutexGuard<'_, Vec<Arc<Shard>>> {
        lock(&self.shards)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reads what a [`ProfilerLayer`](crate::layer::ProfilerLayer) recorded. Cheap to clone;
/// usable from any thread, also while spans are open.
#[derive(Debug, Clone)]
pub struct ProfilerHandle {
    pub(crate) recorder: Arc<Recorder>,
}

impl ProfilerHandle {
    /// Everything recorded since the layer was created or last reset, as a [`Profile`]
    /// named `session_name`. Spans still open are not included yet.
    pub fn snapshot(&self, session_name: &str) -> Profile {
        self.recorder.snapshot(session_name)
    }

    /// Clears every statistic and restarts the session clock, e.g. between the runs of an
    /// A/B test. Spans open at the time close cleanly but are not counted.
    pub fn reset(&self) {
        self.recorder.reset();
    }
}

/// Thread names of a key, deduplicated and capped so a thread pool cannot bloat a profile.
pub(crate) const MAX_THREAD_NAMES: usize = 16;

pub(crate) fn capped_insert(names: &mut BTreeSet<String>, name: &str) {
    if names.len() < MAX_THREAD_NAMES || names.contains(name) {
        names.insert(name.to_owned());
    }
}
