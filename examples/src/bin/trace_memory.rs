//! Memory and time of a Chrome trace of many spans: records N spans under `profiler::init`
//! with the trace on, writes every report, and prints the peak resident-memory growth over
//! recording and finishing (Linux `VmHWM` after resetting it, minus the resident size at the
//! start) and the time each took. The trace streams to disk, so the peak should not grow
//! with N.
//!
//! `cargo run --release -p examples --bin trace_memory -- 1000000`

use std::time::Instant;

/// A `/proc/self/status` figure in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spans: u64 = match std::env::args().nth(1) {
        Some(count) => count
            .parse()
            .map_err(|_| format!("`{count}` is not a span count (example: 1000000)"))?,
        None => 1_000_000,
    };
    let dir = std::env::temp_dir().join(format!("trace_memory_{}", std::process::id()));
    let profiling = profiler::init(
        profiler::Options::new("trace_memory")
            .report_dir(&dir)
            .chrome_trace(true)
            .log_to_stderr(false)
            .handle_ctrl_c(false),
    )?;
    // Resetting the high-water mark makes VmHWM the peak from here on.
    std::fs::write("/proc/self/clear_refs", "5")?;
    let start_kib = status_kib("VmRSS:").ok_or("no VmRSS in /proc/self/status")?;
    let recording = Instant::now();
    tracing::info_span!("run", tier = "system", component = "bench").in_scope(|| {
        for index in 0..spans {
            tracing::info_span!("step", tier = "method", component = "bench", index)
                .in_scope(|| {});
        }
    });
    let recorded = recording.elapsed();
    let finishing = Instant::now();
    let paths = profiling.write_reports()?;
    let finished = finishing.elapsed();
    let peak_kib = status_kib("VmHWM:").ok_or("no VmHWM in /proc/self/status")?;
    let trace_bytes = match &paths.trace {
        Some(path) => std::fs::metadata(path)?.len(),
        None => 0,
    };
    println!(
        "{} spans: recording {:.2} s, finishing {:.3} s, peak resident growth {:.1} MiB, trace {:.1} MiB",
        spans + 1,
        recorded.as_secs_f64(),
        finished.as_secs_f64(),
        mib(peak_kib.saturating_sub(start_kib)),
        trace_bytes as f64 / (1024.0 * 1024.0),
    );
    for failed in &paths.failed {
        eprintln!("not written: {failed}");
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
