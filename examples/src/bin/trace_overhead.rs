//! Cost per span of the two ways to write the Chrome trace: `tracing-chrome` (its async
//! style: begin and end events per span, to a sink, as the profiler's overhead benches
//! measure it) and the profiler's own [`TraceLayer`](profiler::chrome::TraceLayer) (one
//! complete event per span, streamed to a file), each alone on a registry and each beside
//! the profiler layer as `init` composes them. A span is created, entered, exited and
//! closed; each subject runs `ROUNDS` rounds of `SPANS` spans and the median round is
//! printed in nanoseconds per span.
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

/// Median nanoseconds per span over the rounds.
fn measure(dispatch: &Dispatch) -> f64 {
    tracing::dispatcher::with_default(dispatch, || {
        let mut rounds: Vec<f64> = (0..ROUNDS)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..SPANS {
                    one_span();
                }
                start.elapsed().as_nanos() as f64 / f64::from(SPANS)
            })
            .collect();
        rounds.sort_by(f64::total_cmp);
        rounds[ROUNDS / 2]
    })
}

fn tracing_chrome<S>() -> tracing_chrome::ChromeLayer<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span> + Send + Sync,
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("trace_overhead_{}", std::process::id()));
    let mut guards = Vec::new();
    let mut own_trace = || -> Result<_, Box<dyn std::error::Error>> {
        let (layer, guard) = trace_layer_with(&dir, &Stamp::now(), TraceOptions::default())?;
        guards.push(guard);
        Ok(layer.with_filter(filter_fn(chrome_filter)))
    };
    let profiler = || profiler::ProfilerLayer::new(profiler::Config::default()).0;
    let subjects: Vec<(&str, Dispatch)> = vec![
        ("registry only", Dispatch::new(tracing_subscriber::registry())),
        ("profiler layer", Dispatch::new(tracing_subscriber::registry().with(profiler()))),
        ("trace layer (own)", Dispatch::new(tracing_subscriber::registry().with(own_trace()?))),
        (
            "trace layer (own) + profiler",
            Dispatch::new(tracing_subscriber::registry().with(own_trace()?).with(profiler())),
        ),
        ("tracing-chrome", Dispatch::new(tracing_subscriber::registry().with(tracing_chrome()))),
        (
            "tracing-chrome + profiler",
            Dispatch::new(
                tracing_subscriber::registry()
                    .with(tracing_chrome().with_filter(filter_fn(chrome_filter)))
                    .with(profiler()),
            ),
        ),
    ];
    println!("{SPANS} spans x {ROUNDS} rounds, median ns per span (create, enter, exit, close)");
    for (name, dispatch) in &subjects {
        println!("{name:<32} {:>8.1}", measure(dispatch));
    }
    for guard in guards {
        guard.finish()?;
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
