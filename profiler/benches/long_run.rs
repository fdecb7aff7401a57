//! The profiler layer over a long run: does its memory stay flat?
//!
//! One thread records spans without pause (four tiers nested, 500 component keys, spans that
//! are entered several times like polled futures) while the main thread takes a snapshot
//! every 10 s (and renders it as the text and JSON reports, as a session does at the end)
//! and resets the recorder every 20 s, with spans open across each reset.
//!
//! What is judged is the **live heap**: bytes allocated and not yet freed, counted by a
//! wrapper around the system allocator. That is what a leak grows (state kept across resets,
//! interned strings, a buffer that only grows). Resident memory is printed too but not
//! judged: glibc's malloc keeps freed memory in its arenas instead of returning it, so
//! resident memory drifts with the order of allocations and frees, not with what is held
//! (in a 2.5-minute run at ~2,600 spans/s: live heap flat, resident memory +0.5 MiB/min; and
//! ~30 of its ~43 MiB are free memory malloc keeps: `LONG_RUN_TRIM=1`, which calls
//! `malloc_trim` at each reset, drops it to ~12 MiB).
//!
//! Within a reset cycle the live heap climbs by about 5 MiB as the recorder rebuilds the
//! statistics of these 2,002 keys, by an amount that depends on how many spans the machine
//! let through, so it is read at the same point of every cycle: at each reset the load
//! thread is held between two units of work (its `long` span open), the recorder is reset,
//! the load thread does exactly one unit (which makes it drop the old generation's
//! statistics) and is held again while the live heap is read. That reading is what the
//! layer keeps across resets, and is what would rise from cycle to cycle if anything
//! outlived a reset. After a warm-up (the first 10% of the run, at least one reset cycle)
//! these readings in MiB are regressed on minutes elapsed with the profiler's own Theil–Sen
//! slope and Sen's 95% interval ([`profiler::soak::theil_sen`]), and so is resident memory
//! read every second.
//!
//! Verdict: **flat** when the live heap's interval ends at most 0.1 MiB per minute (6 MiB
//! per hour) above zero, **grows** otherwise; exits with status 1 when it grows, 2 when the
//! run was too short for a trend (at least six resets after the warm-up: 140 s).
//!
//! `cargo bench -p profiler --bench long_run` runs for 10 minutes; `LONG_RUN_SECS=N` (or the
//! first argument, in seconds) changes that. Diagnostic switches: `LONG_RUN_RENDER=0`
//! snapshots without rendering, `LONG_RUN_RESET=0` never resets (statistics then keep
//! growing until every key's histogram has pages for every duration it sees),
//! `LONG_RUN_TRIM=1` as above.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use tracing_subscriber::prelude::*;

const DEFAULT_SECS: u64 = 600;
const KEYS: usize = 500;
const SAMPLE_EVERY: Duration = Duration::from_secs(1);
const SNAPSHOT_EVERY_SAMPLES: u64 = 10;
const RESET_EVERY_SAMPLES: u64 = 20;
/// Growth bound of the "flat" verdict, in MiB per minute of run.
const FLAT_MIB_PER_MINUTE: f64 = 0.1;

/// The system allocator, counting the bytes handed out and not yet freed: the live heap.
struct CountingAllocator;

/// Bytes allocated minus bytes freed, over the whole process.
static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);

fn count(bytes: usize, sign: i64) {
    LIVE_BYTES.fetch_add(sign * bytes as i64, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only a counter is updated beside it.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            count(layout.size(), 1);
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            count(layout.size(), 1);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        count(layout.size(), -1);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            count(new_size, 1);
            count(layout.size(), -1);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn live_heap_mib() -> f64 {
    LIVE_BYTES.load(Ordering::Relaxed) as f64 / f64::from(1u32 << 20)
}

/// Returns the free memory glibc's malloc holds to the system, so that resident memory shows
/// what is in use.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_allocator() {
    // SAFETY: malloc_trim only releases memory no allocation uses.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Only glibc's malloc has `malloc_trim`; elsewhere `LONG_RUN_TRIM` does nothing.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_allocator() {}

fn resident_mib() -> f64 {
    memory_stats::memory_stats().map_or(0.0, |stats| stats.physical_mem as f64)
        / f64::from(1u32 << 20)
}

fn duration_from_args() -> Duration {
    let from_arg = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with('-'))
        .and_then(|arg| arg.parse::<u64>().ok());
    let from_env = std::env::var("LONG_RUN_SECS")
        .ok()
        .and_then(|value| value.parse::<u64>().ok());
    Duration::from_secs(from_arg.or(from_env).unwrap_or(DEFAULT_SECS))
}

/// One unit of work: a system span holding a component, a method and three operations, one
/// of them entered three times (as a polled future is).
fn one_unit(components: &[&'static str], index: usize) {
    let component = components[index % components.len()];
    let system = tracing::info_span!("soak", tier = "system", component = "bench");
    let _system = system.enter();
    let part = tracing::info_span!("part", tier = "component", component = component);
    let _part = part.enter();
    let method = tracing::info_span!("step", tier = "method", component = component);
    let _method = method.enter();
    for _ in 0..2 {
        let operation = tracing::info_span!("op", tier = "operation", component = component);
        let _operation = operation.enter();
    }
    let polled = tracing::info_span!("polled", tier = "operation", component = component);
    for _ in 0..3 {
        let _entered = polled.enter();
    }
}

/// Diagnostic switches (see the module docs): `LONG_RUN_RENDER=0`, `LONG_RUN_RESET=0`,
/// `LONG_RUN_TRIM=1`.
struct Knobs {
    render: bool,
    reset: bool,
    trim: bool,
}

impl Knobs {
    fn from_env() -> Knobs {
        let on = |name: &str| std::env::var(name).map_or(true, |value| value != "0");
        Knobs {
            render: on("LONG_RUN_RENDER"),
            reset: on("LONG_RUN_RESET"),
            trim: std::env::var("LONG_RUN_TRIM").is_ok_and(|value| value == "1"),
        }
    }
}

fn main() {
    let duration = duration_from_args();
    let knobs = Knobs::from_env();
    let components: Vec<&'static str> = (0..KEYS)
        .map(|index| &*Box::leak(format!("component_{index}").into_boxed_str()))
        .collect();
    let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let stop = Arc::new(AtomicBool::new(false));
    let units = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(Gate::default());
    let worker = {
        let (dispatch, stop, units, gate) = (
            dispatch.clone(),
            Arc::clone(&stop),
            Arc::clone(&units),
            Arc::clone(&gate),
        );
        thread::Builder::new()
            .name("load".into())
            .spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    let mut index = 0usize;
                    while !stop.load(Ordering::Relaxed) {
                        // A span left open across whatever snapshot or reset comes next.
                        let long =
                            tracing::info_span!("long", tier = "method", component = "bench");
                        let _long = long.enter();
                        for _ in 0..1_000 {
                            let stepping = gate.checkpoint();
                            one_unit(&components, index);
                            index = index.wrapping_add(1);
                            if stepping {
                                gate.stepped();
                            }
                        }
                        units.fetch_add(1_000, Ordering::Relaxed);
                    }
                })
            })
            .expect("spawn the load thread")
    };

    let start = Instant::now();
    let total_ticks = duration.as_secs();
    // Warm-up: the first 10% of the run, and at least the first reset cycle.
    let warm_up_ticks = (total_ticks / 10).max(RESET_EVERY_SAMPLES);
    // Allocated up front, so that the series themselves do not grow the live heap.
    let mut resident: Vec<(f64, f64)> = Vec::with_capacity(total_ticks as usize);
    let mut cycle_ends: Vec<(f64, f64)> =
        Vec::with_capacity((total_ticks / RESET_EVERY_SAMPLES) as usize);
    let mut tick = 0u64;
    let mut report_bytes = 0usize;
    while tick < total_ticks {
        tick += 1;
        let next = start + SAMPLE_EVERY * tick as u32;
        thread::sleep(next.saturating_duration_since(Instant::now()));
        if tick.is_multiple_of(SNAPSHOT_EVERY_SAMPLES) {
            let profile = handle.snapshot("long run");
            if knobs.render {
                report_bytes = profiler::report::text::render(&profile).len()
                    + serde_json::to_vec(&profile).map_or(0, |json| json.len());
            }
        }
        let minutes = start.elapsed().as_secs_f64() / 60.0;
        let warm = tick > warm_up_ticks;
        if tick.is_multiple_of(RESET_EVERY_SAMPLES) {
            if knobs.trim {
                trim_allocator();
            }
            gate.pause();
            if knobs.reset {
                handle.reset();
            }
            // One unit of work makes the load thread start the new generation, dropping the
            // old one's statistics; what is live then is what the layer keeps across resets.
            gate.step();
            if warm {
                cycle_ends.push((minutes, live_heap_mib()));
            }
            gate.resume();
        }
        if warm {
            resident.push((minutes, resident_mib()));
        }
    }
    stop.store(true, Ordering::Relaxed);
    worker.join().expect("the load thread finishes");

    let spans = units.load(Ordering::Relaxed) * 6;
    println!(
        "long_run: {:.1} min, {spans} spans ({:.0}/s), snapshot every {SNAPSHOT_EVERY_SAMPLES} s \
         ({}), {}; warm-up {warm_up_ticks} s",
        duration.as_secs_f64() / 60.0,
        spans as f64 / start.elapsed().as_secs_f64(),
        if knobs.render {
            format!("last report {report_bytes} bytes")
        } else {
            "reports not rendered".to_owned()
        },
        if knobs.reset {
            format!("reset every {RESET_EVERY_SAMPLES} s")
        } else {
            "never reset".to_owned()
        }
    );
    let live = describe("live heap at each reset", &cycle_ends);
    let resident = describe("resident memory every second", &resident);
    let (Some(live), Some(_)) = (live, resident) else {
        std::process::exit(2);
    };
    let flat = live.high <= FLAT_MIB_PER_MINUTE;
    println!(
        "long_run: verdict on the live heap: {}",
        if flat {
            format!("flat (≤ {FLAT_MIB_PER_MINUTE} MiB/min)")
        } else {
            format!("GROWS (> {FLAT_MIB_PER_MINUTE} MiB/min)")
        }
    );
    if !flat {
        std::process::exit(1);
    }
}

/// Lets the main thread hold the load thread between two units of work, with its `long`
/// span open, and release it for exactly one unit.
#[derive(Default)]
struct Gate {
    phase: Mutex<Phase>,
    changed: Condvar,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    #[default]
    Run,
    PauseAsked,
    Paused,
    Step,
    Stepped,
}

impl Gate {
    /// Called by the load thread before each unit: waits while held; returns whether this
    /// unit is a single step (then [`Gate::stepped`] follows it).
    fn checkpoint(&self) -> bool {
        let mut phase = self.lock();
        loop {
            match *phase {
                Phase::Run => return false,
                Phase::Step => return true,
                Phase::PauseAsked => {
                    *phase = Phase::Paused;
                    self.changed.notify_all();
                }
                Phase::Paused | Phase::Stepped => {}
            }
            phase = self
                .changed
                .wait(phase)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn stepped(&self) {
        self.set(Phase::Stepped);
    }

    /// Holds the load thread at its next checkpoint.
    fn pause(&self) {
        self.set(Phase::PauseAsked);
        self.wait_for(Phase::Paused);
    }

    /// Lets a held load thread do one unit, and waits until it is held again.
    fn step(&self) {
        self.set(Phase::Step);
        self.wait_for(Phase::Stepped);
    }

    fn resume(&self) {
        self.set(Phase::Run);
    }

    fn set(&self, to: Phase) {
        *self.lock() = to;
        self.changed.notify_all();
    }

    fn wait_for(&self, wanted: Phase) {
        let mut phase = self.lock();
        while *phase != wanted {
            phase = self
                .changed
                .wait(phase)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Prints one series of (minutes, MiB) readings (first, last, peak, Theil–Sen slope with
/// its interval) and returns its trend, or `None` (after saying why) when none fits.
fn describe(what: &str, points: &[(f64, f64)]) -> Option<profiler::soak::Trend> {
    let first = points.first().map_or(0.0, |(_, mib)| *mib);
    let last = points.last().map_or(0.0, |(_, mib)| *mib);
    let peak = points.iter().map(|(_, mib)| *mib).fold(0.0, f64::max);
    match profiler::soak::theil_sen(points) {
        Ok(trend) => {
            println!(
                "long_run: {what}: first {first:.2} MiB, last {last:.2} MiB, peak {peak:.2} MiB; \
                 slope {:+.4} MiB/min (95% CI {:+.4} to {:+.4}; Theil–Sen over {} samples)",
                trend.slope, trend.low, trend.high, trend.points
            );
            Some(trend)
        }
        Err(error) => {
            eprintln!("long_run: no trend of the {what}: {error}");
            None
        }
    }
}
