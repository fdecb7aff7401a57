//! The profiler layer over a long run: does its memory stay flat?
//!
//! One thread records spans without pause (four tiers nested, 500 component keys, spans that
//! are entered several times like polled futures) while the main thread samples this
//! process's resident memory every second, takes a snapshot every 10 s (and renders it as the
//! text and JSON reports, as a session does at the end) and resets the recorder every 60 s,
//! with spans open across each reset. After a warm-up (the first 10% of the run, at least one
//! reset cycle when the run allows it) the resident memory in MiB is regressed on minutes
//! elapsed with the profiler's own Theil–Sen slope and Sen's 95% interval
//! ([`profiler::soak::theil_sen`]).
//!
//! Verdict: **flat** when the interval's upper end is at most 0.1 MiB per minute (6 MiB per
//! hour: smaller than one page of allocator noise a minute), **grows** otherwise; exits with
//! status 1 when it grows.
//!
//! `cargo bench -p profiler --bench long_run` runs for 10 minutes; `LONG_RUN_SECS=60` (or the
//! first argument, in seconds) changes that.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use tracing_subscriber::prelude::*;

const DEFAULT_SECS: u64 = 600;
const KEYS: usize = 500;
const SAMPLE_EVERY: Duration = Duration::from_secs(1);
const SNAPSHOT_EVERY_SAMPLES: u64 = 10;
const RESET_EVERY_SAMPLES: u64 = 60;
/// Growth bound of the "flat" verdict, in MiB per minute of run.
const FLAT_MIB_PER_MINUTE: f64 = 0.1;

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

fn main() {
    let duration = duration_from_args();
    let components: Vec<&'static str> = (0..KEYS)
        .map(|index| &*Box::leak(format!("component_{index}").into_boxed_str()))
        .collect();
    let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let stop = Arc::new(AtomicBool::new(false));
    let units = Arc::new(AtomicU64::new(0));
    let worker = {
        let (dispatch, stop, units) = (dispatch.clone(), Arc::clone(&stop), Arc::clone(&units));
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
                            one_unit(&components, index);
                            index = index.wrapping_add(1);
                        }
                        units.fetch_add(1_000, Ordering::Relaxed);
                    }
                })
            })
            .expect("spawn the load thread")
    };

    let start = Instant::now();
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let mut tick = 0u64;
    let mut report_bytes = 0usize;
    while start.elapsed() < duration {
        tick += 1;
        let next = start + SAMPLE_EVERY * tick as u32;
        thread::sleep(next.saturating_duration_since(Instant::now()));
        if tick.is_multiple_of(SNAPSHOT_EVERY_SAMPLES) {
            let profile = handle.snapshot("long run");
            report_bytes = profiler::report::text::render(&profile).len()
                + serde_json::to_vec(&profile).map_or(0, |json| json.len());
        }
        if tick.is_multiple_of(RESET_EVERY_SAMPLES) {
            handle.reset();
        }
        let minutes = start.elapsed().as_secs_f64() / 60.0;
        samples.push((minutes, resident_mib()));
    }
    stop.store(true, Ordering::Relaxed);
    worker.join().expect("the load thread finishes");

    let total_units = units.load(Ordering::Relaxed);
    let spans = total_units * 6;
    let warm_up = (samples.len() / 10).max((RESET_EVERY_SAMPLES as usize).min(samples.len() / 3));
    let fitted = &samples[warm_up..];
    let first = fitted.first().map_or(0.0, |(_, mib)| *mib);
    let last = fitted.last().map_or(0.0, |(_, mib)| *mib);
    let peak = fitted.iter().map(|(_, mib)| *mib).fold(0.0, f64::max);
    println!(
        "long_run: {:.1} min, {spans} spans ({:.0}/s), snapshot every {SNAPSHOT_EVERY_SAMPLES} s \
         (last report {report_bytes} bytes), reset every {RESET_EVERY_SAMPLES} s",
        duration.as_secs_f64() / 60.0,
        spans as f64 / start.elapsed().as_secs_f64()
    );
    println!(
        "long_run: resident memory after warm-up ({} samples from minute {:.1}): first {first:.2} MiB, \
         last {last:.2} MiB, peak {peak:.2} MiB",
        fitted.len(),
        fitted.first().map_or(0.0, |(minute, _)| *minute)
    );
    match profiler::soak::theil_sen(fitted) {
        Ok(trend) => {
            let flat = trend.high <= FLAT_MIB_PER_MINUTE;
            println!(
                "long_run: slope {:+.4} MiB/min (95% CI {:+.4} to {:+.4}; Theil–Sen over {} samples): {}",
                trend.slope,
                trend.low,
                trend.high,
                trend.points,
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
        Err(error) => {
            eprintln!("long_run: no trend: {error}");
            std::process::exit(2);
        }
    }
}
