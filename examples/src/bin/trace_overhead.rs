//! Cost per span of the two ways to write the Chrome trace: `tracing-chrome` (its async
//! style: begin and end events per span, to a sink, as the profiler's overhead benches
//! measure it) and the profiler's own [`TraceLayer`](profiler::chrome::TraceLayer) (one
//! complete event per span, streamed to a file), each alone on a registry and each beside
//! the profiler layer as `init` composes them. A span is created, entered, exited and
//! closed; each subject runs `ROUNDS` rounds of `SPANS` spans and the median round is
//! printed in nanoseconds per span, three ways: wall time, CPU time of the recording thread,
//! and CPU time of the whole process (which includes the writer threads' formatting and
//! writing: the cost a trace adds, wherever it runs). On a busy machine the wall figure
//! includes waiting for a core; the CPU figures do not.
//!
//! `cargo run --release -p examples --bin trace_overhead`

use std::time::Instant;

use profiler::chrome::{TraceOptions, chrome_filter, trace_layer_with};
use profiler::report::Stamp;
use tracing::Dispatch;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::prelude::*;

const SPANS: u32 = 200_000;
const ROUNDS: usize = 7;

fn one_span() {
    let span = tracing::info_span!("solo_track", tier = "operation", component = "bench");
    let _entered = span.enter();
}

/// CPU time of `clock` (a `CLOCK_*_CPUTIME_ID`), nanoseconds.
fn cpu_ns(clock: libc::clockid_t) -> u64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(clock, &mut time) };
    time.tv_sec as u64 * 1_000_000_000 + time.tv_nsec as u64
}

/// Per span: median wall, recording-thread CPU and process CPU nanoseconds over the rounds.
fn measure(dispatch: &Dispatch) -> [f64; 3] {
    tracing::dispatcher::with_default(dispatch, || {
        let mut rounds: Vec<[f64; 3]> = (0..ROUNDS)
            .map(|_| {
                let (start, thread, process) = (
                    Instant::now(),
                    cpu_ns(libc::CLOCK_THREAD_CPUTIME_ID),
                    cpu_ns(libc::CLOCK_PROCESS_CPUTIME_ID),
                );
                for _ in 0..SPANS {
                    one_span();
                }
                let per_span = |nanoseconds: u64| nanoseconds as f64 / f64::from(SPANS);
                [
                    per_span(start.elapsed().as_nanos() as u64),
                    per_span(cpu_ns(libc::CLOCK_THREAD_CPUTIME_ID) - thread),
                    per_span(cpu_ns(libc::CLOCK_PROCESS_CPUTIME_ID) - process),
                ]
            })
            .collect();
        let mut medians = [0.0; 3];
        for (column, median) in medians.iter_mut().enumerate() {
            let mut values: Vec<f64> = rounds.iter_mut().map(|round| round[column]).collect();
            values.sort_by(f64::total_cmp);
            *median = values[ROUNDS / 2];
        }
        medians
    })
}

fn tracing_chrome<S>() -> tracing_chrome::ChromeLayer<S>
where
    S: tracing::Subscriber
        + for<'span> tracing_subscriber::registry::LookupSpan<'span>
        + Send
        + Sync,
{
    let (layer, guard) = tracing_chrome::ChromeLayerBuilder::new()
        .writer(std::io::sink())
        .include_args(true)
        .trace_style(tracing_chrome::TraceStyle::Async)
        .build();
    // Its writer thread must outlive the measurement.
    std::mem::forget(guard);
    layer
}

/// The profiler's own trace layer, filtered as `init` filters it; its guard joins `guards`.
fn own_trace<S>(
    dir: &std::path::Path,
    guards: &mut Vec<profiler::chrome::ChromeTraceGuard>,
) -> Result<impl tracing_subscriber::Layer<S>, Box<dyn std::error::Error>>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let (layer, guard) = trace_layer_with(dir, &Stamp::now(), TraceOptions::default())?;
    guards.push(guard);
    Ok(layer.with_filter(filter_fn(chrome_filter)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("trace_overhead_{}", std::process::id()));
    let mut guards = Vec::new();
    let profiler = || profiler::ProfilerLayer::new(profiler::Config::default()).0;
    // As `init` composes them with a trace: the profiler shares its span times, the trace
    // (after it) takes them.
    let sharing_profiler =
        || profiler::ProfilerLayer::new(profiler::Config::default().share_span_times(true)).0;
    let subjects: Vec<(&str, Dispatch)> = vec![
        (
            "registry only",
            Dispatch::new(tracing_subscriber::registry()),
        ),
        (
            "profiler layer",
            Dispatch::new(tracing_subscriber::registry().with(profiler())),
        ),
        (
            "trace layer (own)",
            Dispatch::new(tracing_subscriber::registry().with(own_trace(&dir, &mut guards)?)),
        ),
        (
            "profiler + trace layer (own)",
            Dispatch::new(
                tracing_subscriber::registry()
                    .with(sharing_profiler())
                    .with(own_trace(&dir, &mut guards)?),
            ),
        ),
        (
            "tracing-chrome",
            Dispatch::new(tracing_subscriber::registry().with(tracing_chrome())),
        ),
        (
            "tracing-chrome + profiler",
            Dispatch::new(
                tracing_subscriber::registry()
                    .with(tracing_chrome().with_filter(filter_fn(chrome_filter)))
                    .with(profiler()),
            ),
        ),
    ];
    // Warm-up (page faults, lazy statics), not printed.
    measure(&subjects[0].1);
    println!("{SPANS} spans x {ROUNDS} rounds, median ns per span (create, enter, exit, close)");
    println!(
        "{:<32} {:>8} {:>11} {:>12}",
        "subject", "wall", "thread CPU", "process CPU"
    );
    for (name, dispatch) in &subjects {
        let [wall, thread, process] = measure(dispatch);
        println!("{name:<32} {wall:>8.1} {thread:>11.1} {process:>12.1}");
        // Let a writer thread drain before the next subject is measured.
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    for guard in guards {
        guard.finish()?;
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
