//! What each thread keeps per profiler: its statistics shard and a callsite cache that
//! turns a span's metadata into its key; plus the stack of profiled spans it has entered.

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
    static LOCAL: RefCell<Local> = const { RefCell::new(Local::new()) };
}

/// Everything the layer keeps per thread, in one thread-local so that a callback looks
/// it up once.
struct Local {
    entered: Entered,
    /// One state per profiler recording on this thread.
    states: Vec<ThreadState>,
}

impl Local {
    const fn new() -> Local {
        Local {
            entered: Entered::new(),
            states: Vec::new(),
        }
    }
}

/// Runs `f` on this thread's [`Local`]; `None` while the thread is being torn down, or if
/// re-entered from inside `f`.
#[inline]
fn with_local<R>(f: impl FnOnce(&mut Local) -> R) -> Option<R> {
    LOCAL
        .try_with(|local| Some(f(&mut *local.try_borrow_mut().ok()?)))
        .ok()
        .flatten()
}

/// The spans entered on this thread.
pub(crate) struct Entered {
    /// Spans of any kind (profiled or not), so that a new root span can skip asking the
    /// registry for its current span.
    any: u32,
    /// (recorder id, span id) of the profiled spans, innermost last.
    profiled: Vec<(u64, u64)>,
}

impl Entered {
    const fn new() -> Entered {
        Entered {
            any: 0,
            profiled: Vec::new(),
        }
    }
}

/// Notes an enter of a span that no profiler records.
#[inline]
pub(crate) fn entered_other() {
    with_local(|local| local.entered.any = local.entered.any.saturating_add(1));
}

/// Notes an exit of a span that no profiler records.
#[inline]
pub(crate) fn exited_other() {
    with_local(|local| local.entered.any = local.entered.any.saturating_sub(1));
}

/// Notes that `recorder`'s span `id` was entered on this thread.
#[inline]
pub(crate) fn entered(recorder: &Recorder, id: u64) {
    with_local(|local| {
        let entered = &mut local.entered;
        entered.any = entered.any.saturating_add(1);
        entered.profiled.push((recorder.id, id));
    });
}

/// Notes that `recorder`'s span `id` was exited on this thread; normally the innermost.
#[inline]
pub(crate) fn exited(recorder: &Recorder, id: u64) {
    with_local(|local| {
        let entered = &mut local.entered;
        entered.any = entered.any.saturating_sub(1);
        let stack = &mut entered.profiled;
        if stack.last() == Some(&(recorder.id, id)) {
            stack.pop();
        } else if let Some(position) = stack.iter().rposition(|&entry| entry == (recorder.id, id)) {
            stack.remove(position);
        }
    });
}

/// Where to look for the contextual parent of a new span on this thread.
pub(crate) enum Context {
    /// The innermost profiled span of the recorder entered here.
    Profiled(u64),
    /// Nothing is entered on this thread: the span is a root.
    Nothing,
    /// Only other spans are entered: ask the registry.
    Other,
}

impl Entered {
    /// Where the contextual parent of `recorder`'s new span is.
    #[inline]
    pub(crate) fn context(&self, recorder: &Recorder) -> Context {
        let innermost = self
            .profiled
            .iter()
            .rev()
            .find(|(owner, _)| *owner == recorder.id);
        match (innermost, self.any) {
            (Some(&(_, id)), _) => Context::Profiled(id),
            (None, 0) => Context::Nothing,
            (None, _) => Context::Other,
        }
    }
}

/// Where the contextual parent of `recorder`'s new span is (for callers that do not hold
/// the thread's state already).
pub(crate) fn context(recorder: &Recorder) -> Context {
    with_local(|local| local.entered.context(recorder)).unwrap_or(Context::Other)
}

/// Runs `f` with this thread's state for `recorder` (created on first use) and the spans
/// entered on this thread. Returns `None` while the thread is being torn down, or if
/// re-entered from inside `f`.
#[inline]
pub(crate) fn with_thread_state<R>(
    recorder: &Recorder,
    f: impl FnOnce(&mut ThreadState, &Entered) -> R,
) -> Option<R> {
    with_local(|local| {
        let states = &mut local.states;
        let index = match states
            .iter()
            .position(|state| state.recorder_id == recorder.id)
        {
            Some(index) => index,
            None => join(states, recorder),
        };
        f(&mut states[index], &local.entered)
    })
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
