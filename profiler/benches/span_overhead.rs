//! Cost per span of the profiler layer against doing nothing, a bare registry, the
//! reference (registry + no-op layer + the two clock reads any timing layer needs), and the
//! peer layers `tracing-timing` and `tracing-chrome`.
//!
//! `cargo bench -p profiler --bench span_overhead -- --warm-up-time 1 --measurement-time 3`
//!
//! Groups: `lifecycle` (create + enter + exit + close of one span), `enter_exit` (of an
//! existing span), and `threads` (the lifecycle on 1 thread, and on 2 threads at once,
//! reported per span per thread). The spans are `operation` spans; `profiler` runs with the
//! default configuration (no busy time for operations: two clock reads per span), and
//! `profiler_with_busy_time` measures it too (four clock reads, as for the other tiers).

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
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

fn subjects() -> Vec<(&'static str, Option<Dispatch>)> {
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
            "tracing_chrome_sink",
            Some(Dispatch::new(tracing_subscriber::registry().with(chrome))),
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
    ]
}

#[inline]
fn one_span() {
    let span = tracing::info_span!("solo_track", tier = "operation", component = "bench");
    let _entered = span.enter();
}

fn within<R>(dispatch: &Option<Dispatch>, body: impl FnOnce() -> R) -> R {
    match dispatch {
        Some(dispatch) => tracing::dispatcher::with_default(dispatch, body),
        None => tracing::dispatcher::with_default(&Dispatch::none(), body),
    }
}

fn lifecycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("lifecycle");
    for (name, dispatch) in subjects() {
        within(&dispatch, || {
            group.bench_function(name, |b| b.iter(one_span));
        });
    }
    group.finish();
}

fn enter_exit(c: &mut Criterion) {
    let mut group = c.benchmark_group("enter_exit");
    for (name, dispatch) in subjects() {
        within(&dispatch, || {
            let span = tracing::info_span!("long_lived", tier = "method", component = "bench");
            group.bench_function(name, |b| {
                b.iter(|| {
                    let _entered = span.enter();
                })
            });
        });
    }
    group.finish();
}

/// Runs `iterations` spans on each of `threads` threads at once; returns the slowest
/// thread's time, so the figure is per span per thread.
fn spans_on_threads(dispatch: &Option<Dispatch>, threads: usize, iterations: u64) -> Duration {
    let barrier = Barrier::new(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    within(dispatch, || {
                        one_span();
                        barrier.wait();
                        let start = Instant::now();
                        for _ in 0..iterations {
                            one_span();
                        }
                        start.elapsed()
                    })
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .max()
            .unwrap_or_default()
    })
}

fn threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads");
    for (name, dispatch) in subjects() {
        if !matches!(name, "profiler" | "reference_noop_two_clock_reads") {
            continue;
        }
        for threads in [1usize, 2] {
            group.bench_function(BenchmarkId::new(name, threads), |b| {
                b.iter_custom(|iterations| spans_on_threads(&dispatch, threads, iterations))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, lifecycle, enter_exit, threads);
criterion_main!(benches);
