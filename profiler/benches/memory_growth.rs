//! Resident memory taken by recording 10 million spans over 1,000 keys; the target is
//! less than 16 MiB. Exits with status 1 when the target is missed.
//!
//! `cargo bench -p profiler --bench memory_growth`

use tracing_subscriber::prelude::*;

const SPANS: usize = 10_000_000;
const KEYS: usize = 1_000;
const TARGET_BYTES: u64 = 16 << 20;

fn resident_bytes() -> u64 {
    memory_stats::memory_stats().map_or(0, |stats| stats.physical_mem as u64)
}

fn main() {
    // Key names are made before measuring: they belong to the program, not the profiler.
    let components: Vec<&'static str> = (0..KEYS)
        .map(|index| &*Box::leak(format!("component_{index}").into_boxed_str()))
        .collect();
    let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    let growth =
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            let before = resident_bytes();
            for index in 0..SPANS {
                let component = components[index % KEYS];
                let span = tracing::info_span!("work", tier = "operation", component = component);
                let _entered = span.enter();
            }
            resident_bytes().saturating_sub(before)
        });
    let profile = handle.snapshot("memory growth");
    let recorded: u64 = profile.keys.iter().map(|key| key.count).sum();
    assert_eq!(recorded, SPANS as u64, "every span is counted");
    let mib = growth as f64 / f64::from(1u32 << 20);
    println!(
        "memory_growth: {SPANS} spans over {} keys grew resident memory by {mib:.2} MiB \
         (target < 16 MiB): {}",
        profile.keys.len(),
        if growth < TARGET_BYTES {
            "ok"
        } else {
            "MISSED"
        }
    );
    if growth >= TARGET_BYTES {
        std::process::exit(1);
    }
}
