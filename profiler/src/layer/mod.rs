//! The `tracing` layer that times profiled spans.
//!
//! A span is profiled when it carries a `tier` field (`system`, `component`, `method`,
//! `operation`); its `component` field and its name make its key, `component.name`.
//! Spans without a tier cost one field-name check at creation and one cache-line probe
//! per enter, exit and close.

mod config;
mod coverage;
mod entered;
mod fields;
mod open_spans;
mod span_times;
mod thread_state;

#[cfg(test)]
mod tests;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

pub use config::Config;

use crate::recorder::{Clock, KeyId, MemorySample, ProfilerHandle, Recorder, SpanRecord};
use fields::{
    ComponentField, ErrorEventVisitor, ErrorFieldVisitor, FieldRoles, SpanFieldVisitor, TierField,
};
use open_spans::{FAILED, MEASURES_BUSY, NewSpan, OpenSpans, Slot, SlotRef};
pub(crate) use span_times::SpanTimes;
use thread_state::{ThreadState, with_thread_state};

/// Records every profiled span into the statistics read by its [`ProfilerHandle`].
///
/// ```
/// use tracing_subscriber::prelude::*;
/// let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
/// let subscriber = tracing_subscriber::registry().with(layer);
/// tracing::subscriber::with_default(subscriber, || {
///     let span = tracing::info_span!("solo_track", tier = "method", component = "tracks");
///     span.in_scope(|| { /* work */ });
/// });
/// let profile = handle.snapshot("example");
/// assert_eq!(profile.keys[0].key, "tracks.solo_track");
/// ```
///
/// In a subscriber of your own, give the layer its own filter (a global filter such as
/// `EnvFilter` on the whole subscriber would hide spans from it too), and compose the Chrome
/// trace layer *after* it with [`Config::share_span_times`] on, so each trace event lasts
/// exactly the wall time the report counts:
///
/// ```
/// use profiler::chrome::{chrome_filter, trace_layer};
/// use profiler::html::RunContext;
/// use profiler::report::{self, Stamp};
/// use tracing_subscriber::filter::{LevelFilter, filter_fn};
/// use tracing_subscriber::prelude::*;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let config = profiler::Config::default().share_span_times(true);
/// let (profiler_layer, handle) = profiler::ProfilerLayer::new(config);
/// let stamp = Stamp::now();
/// let (chrome_layer, chrome_guard) = trace_layer(dir.path(), &stamp)?;
/// let subscriber = tracing_subscriber::registry()
///     .with(profiler_layer.with_filter(LevelFilter::INFO)) // DEBUG spans are not profiled
///     .with(chrome_layer.with_filter(filter_fn(chrome_filter))); // after the profiler
/// tracing::subscriber::with_default(subscriber, || {
///     let _song = tracing::info_span!("song", tier = "system", component = "app").entered();
///     let _skipped = tracing::debug_span!("parse", tier = "method", component = "app").entered();
///     tracing::info_span!("fetch", tier = "operation", component = "net").in_scope(|| {});
/// });
/// let profile = handle.snapshot("example");
/// let keys: Vec<&str> = profile.keys.iter().map(|key| key.key.as_str()).collect();
/// assert!(keys.contains(&"app.song") && keys.contains(&"net.fetch"));
/// assert!(!keys.contains(&"app.parse"));
///
/// // Text, JSON and HTML reports, and the finished trace, each written on its own.
/// let written = report::write_all(
///     &profile,
///     dir.path(),
///     &stamp,
///     Some(&RunContext::default()),
///     Some(&chrome_guard),
/// );
/// assert!(written.failed.is_empty(), "{written}");
/// assert!(written.trace.unwrap().exists());
/// # Ok(())
/// # }
/// ```
pub struct ProfilerLayer {
    recorder: Arc<Recorder>,
    open: OpenSpans,
    config: Config,
    warned_invalid_tier: AtomicBool,
}

impl ProfilerLayer {
    /// A layer and the handle that reads what it records.
    pub fn new(config: Config) -> (ProfilerLayer, ProfilerHandle) {
        ProfilerLayer::with_clock(config, Clock::new())
    }

    pub(crate) fn with_clock(config: Config, clock: Clock) -> (ProfilerLayer, ProfilerHandle) {
        let recorder = Arc::new(Recorder::new(clock));
        let layer = ProfilerLayer {
            recorder: Arc::clone(&recorder),
            open: OpenSpans::with_capacity(config.capacity()),
            config,
            warned_invalid_tier: AtomicBool::new(false),
        };
        (layer, ProfilerHandle { recorder })
    }

    /// Another handle on this layer's statistics.
    pub fn handle(&self) -> ProfilerHandle {
        ProfilerHandle {
            recorder: Arc::clone(&self.recorder),
        }
    }

    /// Runs a callback body so that a bug in the profiler can never unwind into the host
    /// program: the failure is reported once and profiling carries on.
    #[inline]
    fn guarded(&self, what: &str, body: impl FnOnce()) {
        if catch_unwind(AssertUnwindSafe(body)).is_err() {
            self.recorder.report_failure(what);
        }
    }

    fn open_span<S>(&self, attrs: &Attributes<'_>, id: &Id, ctx: &Context<'_, S>)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let created_ns = self.recorder.clock.now();
        let metadata = attrs.metadata();
        with_thread_state(&self.recorder, |state| {
            let (cached, buffer) = state.cached(metadata);
            let cached_key = cached.map(|cached| (cached.tier, cached.key));
            let roles = cached.map_or_else(|| FieldRoles::of(metadata), |cached| cached.roles);
            let cached_component = cached.map(|cached| &*cached.component);
            let mut visitor = SpanFieldVisitor::new(roles, cached_component, buffer);
            attrs.record(&mut visitor);
            let SpanFieldVisitor {
                tier,
                invalid_tier,
                component,
                error,
                ..
            } = visitor;
            let tier = match tier {
                TierField::Valid(tier) => tier,
                TierField::Missing => return,
                TierField::Invalid => {
                    let value = invalid_tier.unwrap_or_default();
                    return self.warn_invalid_tier(metadata.name(), &value);
                }
            };
            let key = match (component, cached_key) {
                (ComponentField::SameAsCached, Some((cached_tier, key))) if cached_tier == tier => {
                    key
                }
                _ => {
                    let component = match component {
                        ComponentField::Buffered => buffer_of(state, metadata),
                        ComponentField::SameAsCached | ComponentField::Missing => {
                            cached_or_target(state, metadata, component)
                        }
                    };
                    state.resolve(&self.recorder.keys, metadata, tier, &component)
                }
            };
            let parent = self.parent_of(attrs, id, ctx);
            let memory_before = match self.config.samples_memory(tier) {
                true => resident_bytes().unwrap_or(0),
                false => 0,
            };
            let mut flags = if error.is_some() { FAILED } else { 0 };
            if self.config.measures_busy_time(tier) {
                flags |= MEASURES_BUSY;
            }
            let epoch = self.recorder.epoch();
            let span = NewSpan {
                key: key.0,
                epoch,
                flags,
                parent,
                thread: entered::thread_token(),
                created_ns,
                memory_before,
            };
            self.open.insert(id.into_u64(), &span);
            if self.config.shares_span_times() {
                self.share_start(id, ctx, created_ns);
            }
            state.shard.note_ran(epoch, key);
            if let Some(text) = error {
                self.recorder.note_error(&mut state.shard, key, text);
            }
        });
    }

    /// Leaves the span's start in its extensions for the trace layer (see [`SpanTimes`]).
    #[cold]
    fn share_start<S>(&self, id: &Id, ctx: &Context<'_, S>, created_ns: u64)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().replace(SpanTimes {
                start: self.recorder.clock.instant_at(created_ns),
                end: None,
            });
        }
    }

    /// Adds the span's end to the times [`share_start`](Self::share_start) left.
    #[cold]
    fn share_end<S>(&self, id: &Id, ctx: &Context<'_, S>, closed_ns: u64)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        if let Some(span) = ctx.span(id)
            && let Some(times) = span.extensions_mut().get_mut::<SpanTimes>()
        {
            times.end = Some(self.recorder.clock.instant_at(closed_ns));
        }
    }

    fn warn_invalid_tier(&self, span: &str, value: &str) {
        if !self.warned_invalid_tier.swap(true, Relaxed) {
            eprintln!(
                "profiler: span `{span}` has tier `{value}`, which is not one of system, \
                 component, method, operation; such spans are not profiled"
            );
        }
    }

    /// Span id of the nearest profiled ancestor of new span `id`, 0 for none.
    ///
    /// Under a per-layer filter this layer never hears of the spans its filter rejects,
    /// and `ctx` hides them, so an explicit parent may be invisible. The registry still
    /// knows every span's parent, and the new span's own `scope()` walks it, skipping the
    /// rejected spans: the nearest profiled ancestor is then found through them.
    fn parent_of<S>(&self, attrs: &Attributes<'_>, id: &Id, ctx: &Context<'_, S>) -> u64
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        if attrs.is_root() {
            return 0;
        }
        if let Some(parent) = attrs.parent() {
            if self.open.contains(parent.into_u64()) {
                return parent.into_u64();
            }
            return self.profiled_ancestor(id, ctx);
        }
        match entered::context(&self.recorder) {
            entered::Context::Profiled(entered) => entered,
            entered::Context::Nothing => 0,
            entered::Context::Other => self.profiled_ancestor(id, ctx),
        }
    }

    /// The nearest profiled strict ancestor of span `id` in the registry, 0 for none.
    fn profiled_ancestor<S>(&self, id: &Id, ctx: &Context<'_, S>) -> u64
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        ctx.span(id)
            .and_then(|span| {
                span.scope()
                    .skip(1)
                    .map(|ancestor| ancestor.id().into_u64())
                    .find(|&ancestor| self.open.contains(ancestor))
            })
            .unwrap_or(0)
    }

    /// `id` itself if profiled, else its nearest profiled ancestor, else 0.
    fn nearest_profiled<S>(&self, id: &Id, ctx: &Context<'_, S>) -> u64
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        if self.open.contains(id.into_u64()) {
            return id.into_u64();
        }
        self.profiled_ancestor(id, ctx)
    }

    /// The profiled span that is current on this thread: the innermost one entered here,
    /// else (e.g. inside an untiered span on a fresh worker thread) the nearest profiled
    /// ancestor of the registry's current span.
    fn contextual_profiled<S>(&self, ctx: &Context<'_, S>) -> u64
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        match entered::context(&self.recorder) {
            entered::Context::Profiled(entered) => entered,
            entered::Context::Nothing => 0,
            entered::Context::Other => ctx
                .current_span()
                .id()
                .map_or(0, |current| self.nearest_profiled(current, ctx)),
        }
    }

    #[inline]
    fn enter(&self, id: u64, slot: &Slot) {
        let thread = entered::entered(&self.recorder, id);
        if slot.thread.load(Relaxed) != thread {
            self.moved(slot, thread);
        }
        if slot.flags.load(Relaxed) & MEASURES_BUSY != 0 {
            self.busy_from(slot);
        }
    }

    /// Lists this thread for the span's key: it enters a span that another thread created
    /// or entered last (an async task polled on another worker, work handed to a thread).
    #[cold]
    #[inline(never)]
    fn moved(&self, slot: &Slot, thread: u64) {
        slot.thread.store(thread, Relaxed);
        let epoch = slot.epoch.load(Relaxed);
        if epoch == self.recorder.epoch() {
            let key = KeyId(slot.key.load(Relaxed));
            with_thread_state(&self.recorder, |state| state.shard.note_ran(epoch, key));
        }
    }

    /// Starts a busy interval, unless the span is already entered (re-entrantly).
    #[inline(never)]
    fn busy_from(&self, slot: &Slot) {
        let depth = slot.depth.load(Relaxed);
        if depth == 0 {
            slot.entered_ns.store(self.recorder.clock.now(), Relaxed);
        }
        slot.depth.store(depth + 1, Relaxed);
    }

    #[inline]
    fn exit(&self, id: u64, slot: &Slot) {
        entered::exited(&self.recorder, id);
        if slot.flags.load(Relaxed) & MEASURES_BUSY != 0 {
            self.busy_until(slot);
        }
    }

    /// Ends a busy interval when the outermost enter exits.
    #[inline(never)]
    fn busy_until(&self, slot: &Slot) {
        let depth = slot.depth.load(Relaxed);
        if depth == 1 {
            let busy = self
                .recorder
                .clock
                .now()
                .saturating_sub(slot.entered_ns.load(Relaxed));
            slot.busy_ns
                .store(slot.busy_ns.load(Relaxed) + busy, Relaxed);
        }
        slot.depth.store(depth.saturating_sub(1), Relaxed);
    }

    /// Records the closed span; returns the clock reading of its close.
    fn close(&self, id: u64, slot: SlotRef<'_>) -> u64 {
        let closed_ns = self.recorder.clock.now();
        let created_ns = slot.created_ns.load(Relaxed);
        let wall_ns = closed_ns.saturating_sub(created_ns);
        let mut busy_ns = slot.busy_ns.load(Relaxed);
        if slot.depth.load(Relaxed) > 0 {
            busy_ns += closed_ns.saturating_sub(slot.entered_ns.load(Relaxed));
        }
        let key = KeyId(slot.key.load(Relaxed));
        let epoch = slot.epoch.load(Relaxed);
        let failed = slot.flags.load(Relaxed) & FAILED != 0;
        let parent = slot.parent.load(Relaxed);
        let memory_before = slot.memory_before.load(Relaxed);
        let covered_ns = slot.take_children().covered_ns();
        self.open.remove(id, slot);

        let parent_key = match parent {
            0 => None,
            parent => self.open.get(parent).map(|parent| {
                parent.add_child(created_ns, closed_ns);
                KeyId(parent.key.load(Relaxed))
            }),
        };
        if epoch != self.recorder.epoch() {
            return closed_ns;
        }
        let memory = match memory_before {
            0 => None,
            before => resident_bytes().map(|after| MemorySample { before, after }),
        };
        let record = SpanRecord {
            key,
            parent: parent_key,
            failed,
            wall_ns,
            self_ns: wall_ns.saturating_sub(covered_ns),
            busy_ns,
            closed_ns,
            memory,
        };
        let recorded = with_thread_state(&self.recorder, |state| {
            state.shard.record(epoch, &record);
        });
        if recorded.is_none() {
            self.recorder.record_without_thread_state(epoch, &record);
        }
        closed_ns
    }

    fn error_event<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let span = if event.is_root() {
            0
        } else if let Some(parent) = event.parent() {
            self.nearest_profiled(parent, ctx)
        } else {
            self.contextual_profiled(ctx)
        };
        let Some(slot) = self.open.get(span) else {
            return;
        };
        slot.flags.fetch_or(FAILED, Relaxed);
        if slot.epoch.load(Relaxed) == self.recorder.epoch() {
            let mut visitor = ErrorEventVisitor::default();
            event.record(&mut visitor);
            let key = KeyId(slot.key.load(Relaxed));
            with_thread_state(&self.recorder, |state| {
                self.recorder
                    .note_error(&mut state.shard, key, visitor.text());
            });
        }
    }

    fn recorded_error(&self, slot: &Slot, values: &Record<'_>) {
        let mut visitor = ErrorFieldVisitor::default();
        values.record(&mut visitor);
        let Some(text) = visitor.error else { return };
        slot.flags.fetch_or(FAILED, Relaxed);
        if slot.epoch.load(Relaxed) == self.recorder.epoch() {
            let key = KeyId(slot.key.load(Relaxed));
            with_thread_state(&self.recorder, |state| {
                self.recorder.note_error(&mut state.shard, key, text);
            });
        }
    }
}

impl<S> Layer<S> for ProfilerLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    #[inline]
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().fields().field("tier").is_some() {
            self.guarded("opening a span", || self.open_span(attrs, id, &ctx));
        }
    }

    // Entering and exiting only load, store and push; nothing there can panic, so they
    // skip the unwind guard the other callbacks have.
    #[inline]
    fn on_enter(&self, id: &Id, _ctx: Context<'_, S>) {
        match self.open.get(id.into_u64()) {
            Some(slot) => self.enter(id.into_u64(), &slot),
            None => entered::entered_other(),
        }
    }

    #[inline]
    fn on_exit(&self, id: &Id, _ctx: Context<'_, S>) {
        match self.open.get(id.into_u64()) {
            Some(slot) => self.exit(id.into_u64(), &slot),
            None => entered::exited_other(),
        }
    }

    #[inline]
    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(slot) = self.open.get(id.into_u64()) {
            self.guarded("closing a span", || {
                let closed_ns = self.close(id.into_u64(), slot);
                if self.config.shares_span_times() {
                    self.share_end(&id, &ctx, closed_ns);
                }
            });
        }
    }

    #[inline]
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if *event.metadata().level() == Level::ERROR {
            self.guarded("recording an error", || self.error_event(event, &ctx));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if let Some(slot) = self.open.get(id.into_u64()) {
            self.guarded("recording a field", || self.recorded_error(&slot, values));
        }
    }
}

/// The component a span's visitor buffered (cold: the callsite cache missed).
#[cold]
fn buffer_of(state: &mut ThreadState, metadata: &'static tracing::Metadata<'static>) -> String {
    state.cached(metadata).1.clone()
}

/// The component of a span that matched its cached one or had none (the target).
#[cold]
fn cached_or_target(
    state: &mut ThreadState,
    metadata: &'static tracing::Metadata<'static>,
    component: ComponentField,
) -> String {
    match (component, state.cached(metadata).0) {
        (ComponentField::SameAsCached, Some(cached)) => cached.component.to_string(),
        _ => metadata.target().to_owned(),
    }
}

/// Resident set size of this process, when the platform reports it.
fn resident_bytes() -> Option<u64> {
    memory_stats::memory_stats().map(|stats| stats.physical_mem as u64)
}
