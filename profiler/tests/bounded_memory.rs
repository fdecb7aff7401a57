//! Recording more spans does not take more memory: after the keys and histograms exist,
//! the live heap stays flat however many spans follow. (The 10-million-span resident-memory
//! figure is measured by `cargo bench -p profiler --bench memory_growth`.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use tracing_subscriber::prelude::*;

struct CountingAllocator;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const KEYS: usize = 100;

fn spans(rounds: usize) {
    for round in 0..rounds {
        for key in 0..KEYS {
            let component = ["alpha", "beta", "gamma", "delta"][key % 4];
            let span = tracing::info_span!("work", tier = "operation", component = component, n = key);
            let _entered = span.enter();
            if round % 7 == 0 {
                // Some slower calls, so the histograms see a spread of values.
                std::hint::black_box((0..200).sum::<u64>());
            }
        }
    }
}

#[test]
fn the_heap_stays_flat_as_spans_keep_coming() {
    let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        spans(2_000);
        let _ = handle.snapshot("warm-up");
        let before = LIVE_BYTES.load(Ordering::Relaxed);
        spans(20_000);
        let after = LIVE_BYTES.load(Ordering::Relaxed);
        let growth = after - before;
        // Histograms may still widen a little for a new maximum; 2 million spans must not
        // cost anything per span.
        assert!(growth < 64 * 1024, "live heap grew by {growth} bytes over 2,000,000 spans");
        let profile = handle.snapshot("after");
        let counted: u64 = profile.keys.iter().map(|key| key.count).sum();
        assert_eq!(counted, 22_000 * KEYS as u64);
    });
}
