//! What each thread keeps per profiler: its statistics shard, the profiled spans it has
//! entered, and a callsite cache that turns a span's metadata into its key.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use tracing::Metadata;

use crate::recorder::{KeyId, KeyTable, Recorder, Shard};
use crate::tier::Tier;

pub(crate) struct ThreadState {
    recorder_id: u64,
    pub(crate) shard: Arc<Shard>,
    /// Ids of the profiled spans this thread has entered, innermost last: the contextual
    /// parent of a new span and the span an ERROR event belongs to.
    pub(crate) stack: Vec<u64>,
    callsites: HashMap<usize, CallsiteKey, BuildHasherDefault<AddressHasher>>,
    /// Reused buffer for the `component` value of the span being opened.
    pub(crate) component: String,
}

/// The key a callsite resolved to last time. The component is a field value, so it is
/// compared (cheap) before the cached key is trusted; interning happens on a mismatch.
struct CallsiteKey {
    tier: Tier,
    component: Box<str>,
    key: KeyId,
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
            let index = match states.iter().position(|state| state.recorder_id == recorder.id) {
                Some(index) => index,
                None => {
                    // Drop the states of profilers that no longer exist (only we hold
                    // their shard), then join this one.
                    states.retain(|state| Arc::strong_count(&state.shard) > 1);
                    states.push(ThreadState::new(recorder));
                    states.len() - 1
                }
            };
            Some(f(&mut states[index]))
        })
        .ok()
        .flatten()
}

impl ThreadState {
    fn new(recorder: &Recorder) -> ThreadState {
        ThreadState {
            recorder_id: recorder.id,
            shard: recorder.register_shard(),
            stack: Vec::new(),
            callsites: HashMap::default(),
            component: String::new(),
        }
    }

    /// The key of a span from `metadata` whose component was just read into
    /// `self.component` (`has_component` false: the target stands in for it).
    pub(crate) fn key_for(
        &mut self,
        keys: &KeyTable,
        metadata: &'static Metadata<'static>,
        tier: Tier,
        has_component: bool,
    ) -> KeyId {
        let component = if has_component {
            self.component.as_str()
        } else {
            metadata.target()
        };
        let address = metadata as *const Metadata<'static> as usize;
        if let Some(cached) = self.callsites.get(&address)
            && cached.tier == tier
            && *cached.component == *component
        {
            return cached.key;
        }
        let key = keys.intern(tier, component, metadata.name());
        self.callsites.insert(
            address,
            CallsiteKey {
                tier,
                component: component.into(),
                key,
            },
        );
        key
    }

    /// Forgets `id` as entered; normally it is the innermost entry.
    pub(crate) fn exited(&mut self, id: u64) {
        if self.stack.last() == Some(&id) {
            self.stack.pop();
        } else if let Some(position) = self.stack.iter().rposition(|&entered| entered == id) {
            self.stack.remove(position);
        }
    }
}

/// Hashes a callsite address: addresses are unique, so mixing the bits is enough.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_usize(&mut self, value: usize) {
        self.0 = (value as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
