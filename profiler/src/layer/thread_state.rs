//! What each thread keeps per profiler: its statistics shard and a callsite cache that
//! turns a span's metadata into its key.

use std::cell::RefCell;

use tracing::Metadata;

use super::fields::FieldRoles;
use crate::recorder::{KeyId, KeyTable, Recorder, ShardWriter};
use crate::tier::Tier;

/// Entries in the direct-mapped callsite cache (a collision only costs a re-intern).
const CALLSITE_CACHE: usize = 256;

pub(crate) struct ThreadState {
    recorder_id: u64,
    pub(crate) shard: ShardWriter,
    callsites: Box<[Option<CallsiteKey>]>,
    /// Reused buffer for a `component` value that missed the cache.
    component: String,
}

/// The key a callsite resolved to last time. The component is a field value, so it is
/// compared before the cached key is trusted.
pub(crate) struct CallsiteKey {
    address: usize,
    pub(crate) roles: FieldRoles,
    pub(crate) tier: Tier,
    pub(crate) component: Box<str>,
    pub(crate) key: KeyId,
}

thread_local! {
    static THREAD_STATES: RefCell<Vec<ThreadState>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's state for `recorder`, creating it on first use. Returns
/// `None` while the thread is being torn down, or if re-entered from inside `f`.
#[inline]
pub(crate) fn with_thread_state<R>(
    recorder: &Recorder,
    f: impl FnOnce(&mut ThreadState) -> R,
) -> Option<R> {
    THREAD_STATES
        .try_with(|states| {
            let mut states = states.try_borrow_mut().ok()?;
            let index = match states
                .iter()
                .position(|state| state.recorder_id == recorder.id)
            {
                Some(index) => index,
                None => join(&mut states, recorder),
            };
            Some(f(&mut states[index]))
        })
        .ok()
        .flatten()
}

#[cold]
fn join(states: &mut Vec<ThreadState>, recorder: &Recorder) -> usize {
    // Drop the states of profilers that no longer exist (only we still hold their shard).
    states.retain(|state| !state.shard.is_orphaned());
    states.push(ThreadState {
        recorder_id: recorder.id,
        shard: recorder.shard_writer(),
        callsites: (0..CALLSITE_CACHE).map(|_| None).collect(),
        component: String::new(),
    });
    states.len() - 1
}

impl ThreadState {
    fn cache_index(metadata: &'static Metadata<'static>) -> (usize, usize) {
        let address = metadata as *const Metadata<'static> as usize;
        let index = (address as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56;
        (address, index as usize % CALLSITE_CACHE)
    }

    /// What `metadata`'s callsite resolved to last time on this thread, and the buffer for
    /// a component that differs from it.
    #[inline]
    pub(crate) fn cached(
        &mut self,
        metadata: &'static Metadata<'static>,
    ) -> (Option<&CallsiteKey>, &mut String) {
        let (address, index) = Self::cache_index(metadata);
        let cached = self.callsites[index]
            .as_ref()
            .filter(|cached| cached.address == address);
        (cached, &mut self.component)
    }

    /// Interns the key of a span from `metadata` with `component`, and caches it.
    #[cold]
    pub(crate) fn resolve(
        &mut self,
        keys: &KeyTable,
        metadata: &'static Metadata<'static>,
        tier: Tier,
        component: &str,
    ) -> KeyId {
        let key = keys.intern(tier, component, metadata.name());
        let (address, index) = Self::cache_index(metadata);
        self.callsites[index] = Some(CallsiteKey {
            address,
            roles: FieldRoles::of(metadata),
            tier,
            component: component.into(),
            key,
        });
        key
    }
}
