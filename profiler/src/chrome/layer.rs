//! The layer that records profiled spans for the Chrome trace.
//!
//! Every span with a valid `tier` field becomes one complete event from its creation to its
//! close, named by its profiler key (`component.name`, the component defaulting to the
//! target, as in [`ProfilerLayer`](crate::ProfilerLayer)). Begin and end are paired by span
//! id, and the [`Lanes`] keep every track well nested. All bookkeeping happens under one
//! short lock, which also orders the timestamps: a span placed on a track after another
//! span left it starts after that span ended. Closed spans are batched and handed to the
//! writer thread.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::mpsc::SyncSender;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use std::time::Instant;

use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::args::{ArgValue, SpanFields};
use super::lanes::{Lanes, OpenSpan, Placement};
use super::writer::{BATCH, Item, POLL_TRACKS};
use crate::layer::SpanTimes;

/// Records profiled spans into a Chrome trace; build it with
/// [`trace_layer`](super::trace_layer). Spans without a `tier` field are ignored, so the
/// layer needs no filter, though [`chrome_filter`](super::chrome_filter) saves it the calls.
pub struct TraceLayer {
    pub(crate) shared: std::sync::Arc<Shared>,
}

pub(crate) struct Shared {
    origin: Instant,
    polls: bool,
    fields: bool,
    state: Mutex<State>,
}

/// The track of WARN and ERROR events outside any recorded span.
const EVENTS_TRACK: u32 = 0;

struct State {
    lanes: Lanes,
    /// Track of each open recorded span, by span id.
    tracks: IdMap<u64, u32>,
    /// Key ids by callsite, then component (`None`: the component is the target).
    keys: IdMap<usize, Vec<KnownKey>>,
    next_key: u32,
    pending: Vec<Item>,
    /// `None` once the trace is finished: later spans are not recorded.
    sender: Option<SyncSender<Vec<Item>>>,
    events_track_named: bool,
    polls: HashMap<ThreadId, PollThread>,
}

/// A thread's poll track and the spans entered on it, innermost last.
struct PollThread {
    track: u32,
    entered: Vec<Entered>,
}

struct Entered {
    id: u64,
    key: u32,
    since_ns: u64,
    depth: u32,
}

/// A component seen at a callsite (`None`: the target) and its key id.
type KnownKey = (Option<Box<str>>, u32);

/// A map keyed by span ids or callsite addresses.
type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Hashes span ids and callsite addresses (integers already unique) with one multiply,
/// instead of SipHash: these maps are looked up on every span.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

impl Shared {
    pub(crate) fn new(polls: bool, fields: bool, sender: SyncSender<Vec<Item>>) -> Shared {
        Shared {
            origin: Instant::now(),
            polls,
            fields,
            state: Mutex::new(State {
                lanes: Lanes::default(),
                tracks: HashMap::default(),
                keys: HashMap::default(),
                next_key: 0,
                pending: Vec::with_capacity(2 * BATCH),
                sender: Some(sender),
                events_track_named: false,
                polls: HashMap::new(),
            }),
        }
    }

    fn now(&self) -> u64 {
        self.since_origin(Instant::now())
    }

    /// Nanoseconds from the trace's origin to `moment` (0 for a moment before it).
    fn since_origin(&self, moment: Instant) -> u64 {
        u64::try_from(moment.saturating_duration_since(self.origin).as_nanos()).unwrap_or(u64::MAX)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops recording: spans still open are written as unfinished (closed now), and the
    /// channel is closed so the writer can complete the file.
    pub(crate) fn stop(&self) {
        let mut state = self.lock();
        if state.sender.is_none() {
            return;
        }
        let now = self.now();
        for (track, span) in state.lanes.take_open() {
            state.push(Item::Span {
                track,
                key: span.key,
                start_ns: span.start_ns,
                end_ns: now,
                args: span.args,
                unfinished: true,
            });
        }
        state.tracks.clear();
        state.flush();
        state.sender = None;
    }
}

impl State {
    /// Queues an item for the writer. Never waits: callbacks hand full batches over with
    /// [`State::hand_over`] before they read the clock.
    fn push(&mut self, item: Item) {
        self.pending.push(item);
    }

    /// Hands a full batch to the writer (waiting while its channel is full). Called at the
    /// start of a callback, before its own clock read. With the profiler's shared times
    /// (read before this layer runs) a wait lands inside the span in both figures or outside
    /// both, so the trace and the report still agree.
    fn hand_over(&mut self) {
        if self.pending.len() >= BATCH {
            self.flush();
        }
    }

    /// Hands every pending item to the writer.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(2 * BATCH));
        if let Some(sender) = &self.sender
            && sender.send(batch).is_err()
        {
            self.sender = None;
        }
    }

    fn key(
        &mut self,
        metadata: &'static tracing::Metadata<'static>,
        fields: &mut SpanFields,
    ) -> u32 {
        let callsite = std::ptr::from_ref(metadata) as usize;
        let component = fields.component.take();
        let known = self.keys.get(&callsite).and_then(|known| {
            known
                .iter()
                .find(|(seen, _)| seen.as_deref() == component.as_deref())
        });
        if let Some(&(_, key)) = known {
            return key;
        }
        let key = self.next_key;
        self.next_key += 1;
        let tier = fields.tier.unwrap_or(crate::tier::Tier::Operation);
        let text = component
            .clone()
            .unwrap_or_else(|| metadata.target().to_owned());
        self.keys
            .entry(callsite)
            .or_default()
            .push((component.map(String::into_boxed_str), key));
        self.push(Item::Key {
            id: key,
            tier,
            component: text,
            name: metadata.name().to_owned(),
        });
        key
    }

    /// This thread's poll track, created (and named) on first use.
    fn poll_thread(&mut self) -> &mut PollThread {
        let thread = std::thread::current();
        let track = POLL_TRACKS.saturating_add(u32::try_from(self.polls.len()).unwrap_or(0));
        if !self.polls.contains_key(&thread.id()) {
            let name = format!("polls on {}", thread.name().unwrap_or("unnamed thread"));
            self.push(Item::NamedTrack { track, name });
        }
        self.polls.entry(thread.id()).or_insert(PollThread {
            track,
            entered: Vec::new(),
        })
    }
}

impl TraceLayer {
    /// The nearest recorded ancestor of span `id` (its track and id). The registry's scope
    /// follows explicit parents, and under a per-layer filter skips spans the filter
    /// disabled, so this is the nearest ancestor this layer saw.
    fn parent<S>(state: &State, id: &Id, ctx: &Context<'_, S>) -> Option<(u32, u64)>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let span = ctx.span(id)?;
        span.scope().skip(1).find_map(|ancestor| {
            let ancestor = ancestor.id().into_u64();
            state.tracks.get(&ancestor).map(|&track| (track, ancestor))
        })
    }

    /// The track of the innermost recorded span around an event, else the events track.
    fn event_track<S>(state: &State, event: &Event<'_>, ctx: &Context<'_, S>) -> u32
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        ctx.event_scope(event)
            .and_then(|mut scope| {
                scope.find_map(|span| state.tracks.get(&span.id().into_u64()).copied())
            })
            .unwrap_or(EVENTS_TRACK)
    }
}

impl<S> Layer<S> for TraceLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let metadata = attrs.metadata();
        if metadata.fields().field("tier").is_none() {
            return;
        }
        let mut fields = SpanFields::default();
        attrs.record(&mut fields);
        if fields.tier.is_none() {
            return;
        }
        let track_name = fields.take_track_name();
        if !self.shared.fields {
            fields.others.clear();
        }
        let shared = &self.shared;
        let mut state = shared.lock();
        if state.sender.is_none() {
            return;
        }
        state.hand_over();
        let key = state.key(metadata, &mut fields);
        // A span that names its track opens one (or reuses a free one of its key), so the
        // name always belongs to it and what runs inside it.
        let parent = match track_name {
            Some(_) => None,
            None => Self::parent(&state, id, &ctx),
        };
        // The profiler's start when it shares its times (it ran first), else the clock now,
        // under the lock, so a span placed after another closed starts after it.
        let shared_start = ctx.span(id).and_then(|span| {
            span.extensions()
                .get::<SpanTimes>()
                .map(|times| times.start)
        });
        let span = OpenSpan {
            id: id.into_u64(),
            key,
            start_ns: shared_start.map_or_else(|| shared.now(), |start| shared.since_origin(start)),
            profiler_times: shared_start.is_some(),
            args: fields.others,
        };
        let placement = state.lanes.place(span, parent);
        state.tracks.insert(id.into_u64(), placement.track());
        if let Placement::New(track) = placement {
            state.push(match track_name {
                Some(name) => Item::NamedTrack { track, name },
                None => Item::Track { track, key },
            });
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if !self.shared.fields {
            return;
        }
        let mut fields = SpanFields::default();
        values.record(&mut fields);
        if fields.others.is_empty() {
            return;
        }
        let mut state = self.shared.lock();
        let Some(&track) = state.tracks.get(&id.into_u64()) else {
            return;
        };
        if let Some(span) = state.lanes.get_mut(track, id.into_u64()) {
            for (name, value) in fields.others {
                match span.args.iter_mut().find(|(known, _)| *known == name) {
                    Some((_, slot)) => *slot = value,
                    None => span.args.push((name, value)),
                }
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let shared = &self.shared;
        let profiler_end = ctx.span(&id).and_then(|span| {
            span.extensions()
                .get::<SpanTimes>()
                .and_then(|times| times.end)
        });
        let mut state = shared.lock();
        let Some(track) = state.tracks.remove(&id.into_u64()) else {
            return;
        };
        state.hand_over();
        let Some(profiler_times) = state
            .lanes
            .get_mut(track, id.into_u64())
            .map(|span| span.profiler_times)
        else {
            return;
        };
        // The profiler's end when its start was the profiler's too, else the clock now.
        let end_ns = match profiler_end {
            Some(end) if profiler_times => shared.since_origin(end),
            _ => shared.now(),
        };
        let Some(span) = state.lanes.remove(track, id.into_u64(), end_ns) else {
            return;
        };
        state.push(Item::Span {
            track,
            key: span.key,
            start_ns: span.start_ns,
            end_ns,
            args: span.args,
            unfinished: false,
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let level = *event.metadata().level();
        if level > Level::WARN {
            return;
        }
        let mut fields = SpanFields::default();
        event.record(&mut fields);
        let message = match fields
            .others
            .iter()
            .position(|(name, _)| *name == "message")
        {
            Some(index) => match fields.others.remove(index).1 {
                ArgValue::Text(text) => text,
                other => format!("{other:?}"),
            },
            None => event.metadata().name().to_owned(),
        };
        let shared = &self.shared;
        let mut state = shared.lock();
        if state.sender.is_none() {
            return;
        }
        state.hand_over();
        let track = Self::event_track(&state, event, &ctx);
        if track == EVENTS_TRACK && !state.events_track_named {
            state.events_track_named = true;
            state.push(Item::NamedTrack {
                track,
                name: "events outside profiled spans".to_owned(),
            });
        }
        let at_ns = shared.now();
        state.push(Item::Instant {
            track,
            at_ns,
            name: message,
            level: if level == Level::ERROR {
                "error"
            } else {
                "warn"
            },
            args: fields.others,
        });
    }

    fn on_enter(&self, id: &Id, _ctx: Context<'_, S>) {
        if !self.shared.polls {
            return;
        }
        let shared = &self.shared;
        let mut state = shared.lock();
        let Some(&track) = state.tracks.get(&id.into_u64()) else {
            return;
        };
        let Some(key) = state
            .lanes
            .get_mut(track, id.into_u64())
            .map(|span| span.key)
        else {
            return;
        };
        state.hand_over();
        let now = shared.now();
        let thread = state.poll_thread();
        match thread
            .entered
            .iter_mut()
            .find(|entered| entered.id == id.into_u64())
        {
            Some(entered) => entered.depth += 1,
            None => thread.entered.push(Entered {
                id: id.into_u64(),
                key,
                since_ns: now,
                depth: 1,
            }),
        }
    }

    fn on_exit(&self, id: &Id, _ctx: Context<'_, S>) {
        if !self.shared.polls {
            return;
        }
        let shared = &self.shared;
        let mut state = shared.lock();
        if state.sender.is_none() || !state.tracks.contains_key(&id.into_u64()) {
            return;
        }
        state.hand_over();
        let now = shared.now();
        let thread = state.poll_thread();
        let track = thread.track;
        let Some(position) = thread
            .entered
            .iter()
            .position(|entered| entered.id == id.into_u64())
        else {
            return;
        };
        if thread.entered[position].depth > 1 {
            thread.entered[position].depth -= 1;
            return;
        }
        // Spans entered after this one and still entered (guards dropped out of order)
        // are cut here and resume now, so the poll track stays nested.
        let mut polls = Vec::new();
        for entered in thread.entered[position + 1..].iter_mut().rev() {
            polls.push((entered.key, entered.since_ns));
            entered.since_ns = now;
        }
        let exited = thread.entered.remove(position);
        polls.push((exited.key, exited.since_ns));
        for (key, start_ns) in polls {
            state.push(Item::Poll {
                track,
                key,
                start_ns,
                end_ns: now,
            });
        }
    }
}
