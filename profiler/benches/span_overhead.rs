//! Cost per span of the profiler layer against doing nothing, a bare registry, the
//! reference (registry + no-op layer + the two clock reads any timing layer needs), and the
//! peer layers `tracing-timing` and `tracing-chrome`.
//!
//! `cargo bench -p profiler --bench span_overhead -- --warm-up-time 1 --measurement-time 3`
//!
//! Groups: `lifecycle` (create + enter + exit + close of one span) and `enter_exit` (of an
//! existing span). The ratios the targets speak of, and the cost on two threads at once,
//! come from the `overhead_ratio` bench, which measures side by side. The spans are `operation` spans; `profiler` runs with the
//! default configuration (no busy time for operations: two clock reads per span), and
//! `profiler_with_busy_time` measures it too (four clock reads, as for the other tiers).

mod shared;

use criterion::{Criterion, criterion_group, criterion_main};
use shared::{one_span, subjects, within};

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

criterion_group!(benches, lifecycle, enter_exit);
criterion_main!(benches);
