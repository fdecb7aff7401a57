//! A program that already has a subscriber (here a formatting layer with its own filter)
//! adds the profiler layer and a Chrome trace to it, runs its work twice with a reset in
//! between (as an A/B test does), and writes the reports itself.
//!
//! `cargo run -p examples --bin existing_subscriber`

use std::path::Path;

use profiler::chrome::{chrome_filter, trace_layer};
use profiler::report::{self, Stamp};
use tracing_subscriber::filter::{LevelFilter, filter_fn};
use tracing_subscriber::prelude::*;

#[tracing::instrument(skip_all, fields(tier = "method", component = "checksums"))]
fn checksum(data: &[u8]) -> u64 {
    data.iter()
        .fold(0u64, |sum, &byte| sum.rotate_left(5) ^ u64::from(byte))
}

#[tracing::instrument(skip_all, fields(tier = "component", component = "checksums"))]
fn verify_all(files: usize, size: usize) -> u64 {
    (0..files)
        .map(|index| checksum(&vec![index as u8; size]))
        .fold(0, |total, sum| total ^ sum)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(report::DEFAULT_REPORT_DIR);
    let stamp = Stamp::now();
    // The profiler shares its span times with the trace, so the two agree exactly.
    let config = profiler::Config::default().share_span_times(true);
    let (profiler_layer, handle) = profiler::ProfilerLayer::new(config);
    let (chrome_layer, chrome_guard) = trace_layer(dir, &stamp)?;
    // The program's own logging, filtered to INFO. Filters are per layer: a global filter
    // would also hide spans from the profiler and the trace.
    let logging = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(LevelFilter::INFO);
    tracing_subscriber::registry()
        .with(logging)
        // The trace after the profiler, so it finds the times the profiler shared.
        .with(profiler_layer)
        .with(chrome_layer.with_filter(filter_fn(chrome_filter)))
        .try_init()?;

    let mut runs = Vec::new();
    for (run, size) in [("small files", 10_000), ("large files", 200_000)] {
        handle.reset();
        tracing::info!(run, "starting");
        verify_all(20, size);
        runs.push(handle.snapshot(run));
    }
    for profile in &runs {
        let component = profile
            .keys
            .iter()
            .find(|key| key.key == "checksums.verify_all");
        let time = component.map_or(0, |key| key.total_ns);
        println!(
            "{:<12} verify_all took {:.2} ms",
            profile.session.name,
            time as f64 / 1e6
        );
    }
    let last = runs.last().ok_or("no runs")?;
    print!("{}", report::text::render(last));
    let paths = report::write_reports(last, dir, &stamp)?;
    let trace = chrome_guard.finish()?;
    println!(
        "text report:  {}\njson report:  {}\nchrome trace: {}",
        paths.log.display(),
        paths.json.display(),
        trace.display()
    );
    Ok(())
}
