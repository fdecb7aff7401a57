//! The subjects both overhead benchmarks measure, and the one span they time.

use std::hint::black_box;
use std::time::Instant;

use tracing::span::{Attributes, Id};
use tracing::{Dispatch, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// Does nothing; the baseline cost of layering on a registry.
struct NoopLayer;
impl<S: Subscriber> Layer<S> for NoopLayer {}

/// The reference: what any layer that times spans must at least do, read the clock twice.
struct TwoClockReadsLayer;
impl<S: Subscriber> Layer<S> for TwoClockReadsLayer {
    fn on_new_span(&self, _: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        black_box(Instant::now());
    }
    fn on_close(&self, _: Id, _: Context<'_, S>) {
        black_box(Instant::now());
    }
}

/// What a layer reporting both wall and busy time must at least do: read the clock at
/// creation, enter, exit and close. Not a target, a floor, shown for context.
struct FourClockReadsLayer;
impl<S: Subscriber> Layer<S> for FourClockReadsLayer {
    fn on_new_span(&self, _: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        black_box(Instant::now());
    }
    fn on_enter(&self, _: &Id, _: Context<'_, S>) {
        black_box(Instant::now());
    }
    fn on_exit(&self, _: &Id, _: Context<'_, S>) {
        black_box(Instant::now());
    }
    fn on_close(&self, _: Id, _: Context<'_, S>) {
        black_box(Instant::now());
    }
}

/// The subjects, in the order they are measured. `tracing-chrome` comes last: its writer
/// thread keeps draining after its own measurement and would slow down the next subject.
pub fn subjects() -> Vec<(&'static str, Option<Dispatch>)> {
    let (profiler, _handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    // The same with busy time measured for operations too (two more clock reads per span).
    let (profiler_busy, _handle) = profiler::ProfilerLayer::new(
        profiler::Config::default().measure_busy_time(profiler::Tier::Operation, true),
    );
    let (chrome, chrome_guard) = tracing_chrome::ChromeLayerBuilder::new()
        .writer(std::io::sink())
        .include_args(false)
        .build();
    // The trace goes to a sink; its writer thread must live as long as the benchmark.
    std::mem::forget(chrome_guard);
    let timing = tracing_timing::Builder::default()
        .layer(|| tracing_timing::Histogram::new_with_max(60_000_000_000, 2).unwrap());
    vec![
        ("no_subscriber", None),
        (
            "registry_noop",
            Some(Dispatch::new(
                tracing_subscriber::registry().with(NoopLayer),
            )),
        ),
        (
            "reference_noop_two_clock_reads",
            Some(Dispatch::new(
                tracing_subscriber::registry().with(TwoClockReadsLayer),
            )),
        ),
        (
            "floor_noop_four_clock_reads",
            Some(Dispatch::new(
                tracing_subscriber::registry().with(FourClockReadsLayer),
            )),
        ),
        (
            "tracing_timing",
            Some(Dispatch::new(tracing_subscriber::registry().with(timing))),
        ),
        (
            "profiler",
            Some(Dispatch::new(tracing_subscriber::registry().with(profiler))),
        ),
        (
            "profiler_with_busy_time",
            Some(Dispatch::new(
                tracing_subscriber::registry().with(profiler_busy),
            )),
        ),
        (
            "tracing_chrome_sink",
            Some(Dispatch::new(tracing_subscriber::registry().with(chrome))),
        ),
    ]
}

#[inline]
pub fn one_span() {
    let span = tracing::info_span!("solo_track", tier = "operation", component = "bench");
    let _entered = span.enter();
}

pub fn within<R>(dispatch: &Option<Dispatch>, body: impl FnOnce() -> R) -> R {
    match dispatch {
        Some(dispatch) => tracing::dispatcher::with_default(dispatch, body),
        None => tracing::dispatcher::with_default(&Dispatch::none(), body),
    }
}
