//! Behaviour of the layer on a hand-driven clock, so every duration is exact.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::Dispatch;
use tracing_subscriber::prelude::*;

use super::{Config, ProfilerLayer};
use crate::profile::{KeyStats, Profile};
use crate::recorder::{Clock, ProfilerHandle};
use crate::tier::Tier;

struct Harness {
    now: Arc<AtomicU64>,
    handle: ProfilerHandle,
    dispatch: Dispatch,
}

impl Harness {
    fn new() -> Harness {
        Harness::with_config(
            Config::default()
                .sample_memory(Tier::System, false)
                .measure_busy_time(Tier::Operation, true),
        )
    }

    fn with_config(config: Config) -> Harness {
        let now = Arc::new(AtomicU64::new(0));
        let (layer, handle) = ProfilerLayer::with_clock(config, Clock::manual(Arc::clone(&now)));
        let dispatch = Dispatch::new(tracing_subscriber::registry().with(layer));
        Harness {
            now,
            handle,
            dispatch,
        }
    }

    /// The layer under its own per-layer filter, beside a layer that keeps every span (a
    /// log or trace writer), as a user keeping DEBUG spans out of the profile would
    /// install it. (Alone, a filter that rejects DEBUG would stop DEBUG spans from being
    /// created at all.)
    fn filtered(level: tracing_subscriber::filter::LevelFilter) -> Harness {
        struct KeepsEverything;
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for KeepsEverything {}

        let now = Arc::new(AtomicU64::new(0));
        let config = Config::default().sample_memory(Tier::System, false);
        let (layer, handle) = ProfilerLayer::with_clock(config, Clock::manual(Arc::clone(&now)));
        let dispatch = Dispatch::new(
            tracing_subscriber::registry()
                .with(KeepsEverything)
                .with(layer.with_filter(level)),
        );
        Harness {
            now,
            handle,
            dispatch,
        }
    }

    fn run<R>(&self, body: impl FnOnce() -> R) -> R {
        tracing::dispatcher::with_default(&self.dispatch, body)
    }

    fn advance(&self, nanoseconds: u64) {
        self.now.fetch_add(nanoseconds, Ordering::SeqCst);
    }

    fn profile(&self) -> Profile {
        self.handle.snapshot("test")
    }
}

fn key<'a>(profile: &'a Profile, name: &str) -> &'a KeyStats {
    profile
        .keys
        .iter()
        .find(|stats| stats.key == name)
        .unwrap_or_else(|| panic!("no key {name} in {:?}", keys_of(profile)))
}

fn keys_of(profile: &Profile) -> Vec<&str> {
    profile
        .keys
        .iter()
        .map(|stats| stats.key.as_str())
        .collect()
}

fn edge(profile: &Profile, parent: Option<&str>, child: &str) -> (u64, u64) {
    profile
        .tree
        .iter()
        .find(|edge| edge.parent.as_deref() == parent && edge.child == child)
        .map(|edge| (edge.count, edge.total_ns))
        .unwrap_or_else(|| panic!("no edge {parent:?} -> {child} in {:?}", profile.tree))
}

#[test]
fn nested_spans_get_self_time_so_tiers_add_up_to_the_wall_time() {
    let harness = Harness::new();
    harness.run(|| {
        let system = tracing::info_span!("run", tier = "system", component = "app");
        let _system = system.enter();
        harness.advance(10);
        {
            let component =
                tracing::info_span!("download", tier = "component", component = "downloads");
            let _component = component.enter();
            harness.advance(10);
            {
                let method = tracing::info_span!("fetch", tier = "method", component = "downloads");
                let _method = method.enter();
                harness.advance(30);
            }
            harness.advance(10);
        }
        harness.advance(40);
    });
    let profile = harness.profile();
    let run = key(&profile, "app.run");
    let download = key(&profile, "downloads.download");
    let fetch = key(&profile, "downloads.fetch");
    assert_eq!((run.total_ns, run.self_ns), (100, 50));
    assert_eq!((download.total_ns, download.self_ns), (50, 20));
    assert_eq!((fetch.total_ns, fetch.self_ns), (30, 30));
    let self_by_tier: u64 = profile.tiers.iter().map(|tier| tier.self_ns).sum();
    assert_eq!(
        self_by_tier, run.total_ns,
        "self times add up to the root's wall time"
    );
    let totals: Vec<(Tier, u64, u64)> = profile
        .tiers
        .iter()
        .map(|tier| (tier.tier, tier.calls, tier.self_ns))
        .collect();
    assert_eq!(
        totals,
        vec![
            (Tier::System, 1, 50),
            (Tier::Component, 1, 20),
            (Tier::Method, 1, 30),
            (Tier::Operation, 0, 0),
        ]
    );
    assert_eq!(edge(&profile, None, "app.run"), (1, 100));
    assert_eq!(
        edge(&profile, Some("app.run"), "downloads.download"),
        (1, 50)
    );
    assert_eq!(
        edge(&profile, Some("downloads.download"), "downloads.fetch"),
        (1, 30)
    );
}

#[test]
fn overlapping_async_children_are_covered_once_and_busy_time_counts_only_polls() {
    let harness = Harness::new();
    harness.run(|| {
        // A parent awaiting two children concurrently, polled by hand like an executor.
        let parent = tracing::info_span!("sync_all", tier = "component", component = "library");
        let first =
            parent.in_scope(|| tracing::info_span!("page", tier = "method", component = "library"));
        let second =
            parent.in_scope(|| tracing::info_span!("page", tier = "method", component = "library"));
        first.in_scope(|| harness.advance(5)); // t 0..5: first polled
        second.in_scope(|| harness.advance(5)); // t 5..10: second polled
        harness.advance(20); // t 10..30: both waiting
        second.in_scope(|| harness.advance(2)); // t 30..32
        drop(second); // closes at 32
        first.in_scope(|| harness.advance(3)); // t 32..35
        harness.advance(5);
        drop(first); // closes at 40
        harness.advance(10);
        drop(parent); // closes at 50
    });
    let profile = harness.profile();
    let parent = key(&profile, "library.sync_all");
    let page = key(&profile, "library.page");
    assert_eq!(parent.total_ns, 50);
    assert_eq!(
        parent.self_ns, 10,
        "children covered 0..40 once, not 40 + 32"
    );
    assert_eq!(parent.busy_ns, 0, "the parent itself was never entered");
    assert_eq!(page.count, 2);
    assert_eq!(page.total_ns, 40 + 32);
    assert_eq!(page.busy_ns, (5 + 3) + (5 + 2));
    assert_eq!(page.self_ns, page.total_ns);
    assert_eq!(
        edge(&profile, Some("library.sync_all"), "library.page"),
        (2, 72)
    );
}

#[test]
fn tiers_without_busy_time_report_zero_busy_and_keep_wall_and_self_time() {
    let harness = Harness::with_config(Config::default());
    harness.run(|| {
        let method = tracing::info_span!("save", tier = "method", component = "files");
        let _method = method.enter();
        harness.advance(2);
        tracing::info_span!("write", tier = "operation", component = "files")
            .in_scope(|| harness.advance(5));
    });
    let profile = harness.profile();
    let write = key(&profile, "files.write");
    assert_eq!((write.total_ns, write.self_ns, write.busy_ns), (5, 5, 0));
    let save = key(&profile, "files.save");
    assert_eq!((save.total_ns, save.self_ns, save.busy_ns), (7, 2, 7));
}

#[test]
fn re_entering_a_span_counts_its_busy_time_once() {
    let harness = Harness::new();
    harness.run(|| {
        let span = tracing::info_span!("step", tier = "method", component = "c");
        let _outer = span.enter();
        harness.advance(4);
        let inner = span.enter();
        harness.advance(6);
        drop(inner);
        harness.advance(2);
    });
    let step = key(&harness.profile(), "c.step").clone();
    assert_eq!((step.busy_ns, step.total_ns), (12, 12));
}

#[tracing::instrument(skip_all, fields(tier = "method", component = "auth"), err)]
fn sign_in(password: &str) -> Result<(), String> {
    match password {
        "secret" => Ok(()),
        _ => Err(format!("wrong password for user {}", "ann")),
    }
}

#[test]
fn instrument_err_marks_a_failure_with_the_error_text() {
    let harness = Harness::new();
    harness.run(|| {
        assert!(sign_in("secret").is_ok());
        assert!(sign_in("guess").is_err());
        assert!(sign_in("secret").is_ok());
    });
    let profile = harness.profile();
    let stats = key(&profile, "auth.sign_in");
    assert_eq!((stats.count, stats.successes, stats.failures), (3, 2, 1));
    assert_eq!(
        stats.last_error.as_deref(),
        Some("wrong password for user ann")
    );
}

#[test]
fn an_error_field_at_creation_or_recorded_later_marks_a_failure() {
    let harness = Harness::new();
    harness.run(|| {
        tracing::info_span!(
            "click",
            tier = "operation",
            component = "ui",
            error = "element not found"
        )
        .in_scope(|| {});
        let span = tracing::info_span!(
            "click",
            tier = "operation",
            component = "ui",
            error = tracing::field::Empty
        );
        span.record("error", "stale element");
        drop(span);
        tracing::info_span!("click", tier = "operation", component = "ui", error = false)
            .in_scope(|| {});
    });
    let profile = harness.profile();
    let click = key(&profile, "ui.click");
    assert_eq!((click.successes, click.failures), (1, 2));
    assert_eq!(click.last_error.as_deref(), Some("stale element"));
}

#[test]
fn only_error_level_events_mark_the_innermost_profiled_span() {
    let harness = Harness::new();
    harness.run(|| {
        let method = tracing::info_span!("save", tier = "method", component = "files");
        let _method = method.enter();
        tracing::warn!("disk almost full");
        {
            let plain = tracing::info_span!("helper");
            let _plain = plain.enter();
            tracing::error!(path = "/tmp/x", "could not write");
        }
        tracing::info_span!("check", tier = "operation", component = "files").in_scope(|| {
            tracing::warn!(error = "transient", "retrying");
        });
    });
    let profile = harness.profile();
    let save = key(&profile, "files.save");
    assert_eq!(
        save.failures, 1,
        "the ERROR event inside the untiered helper counts for save"
    );
    assert_eq!(save.last_error.as_deref(), Some("could not write"));
    let check = key(&profile, "files.check");
    assert_eq!(check.failures, 0, "WARN events are not failures");
}

#[test]
fn spans_without_a_tier_are_ignored_but_keep_the_tree_connected() {
    let harness = Harness::new();
    harness.run(|| {
        tracing::info_span!("song", tier = "system", component = "app").in_scope(|| {
            tracing::info_span!("untiered", detail = 3).in_scope(|| {
                tracing::info_span!("solo", tier = "method", component = "tracks").in_scope(|| {});
            });
        });
        tracing::info_span!("bad_tier", tier = "galaxy", component = "x").in_scope(|| {});
    });
    let profile = harness.profile();
    assert_eq!(keys_of(&profile).len(), 2, "{:?}", keys_of(&profile));
    assert_eq!(edge(&profile, Some("app.song"), "tracks.solo").0, 1);
}

#[test]
fn explicit_parents_and_missing_components_are_handled() {
    let harness = Harness::new();
    harness.run(|| {
        let root = tracing::info_span!("root", tier = "component", component = "jobs");
        let orphan_like = tracing::info_span!(parent: &root, "child", tier = "method");
        drop(orphan_like);
        tracing::info_span!(parent: None, "detached", tier = "method", component = "jobs")
            .in_scope(|| {});
    });
    let profile = harness.profile();
    let target = module_path!();
    let child = format!("{target}.child");
    assert_eq!(key(&profile, &child).component, target);
    assert_eq!(edge(&profile, Some("jobs.root"), &child).0, 1);
    assert_eq!(edge(&profile, None, "jobs.detached").0, 1);
}

#[test]
fn an_explicit_parent_rejected_by_the_layers_filter_nests_under_its_profiled_ancestor() {
    let harness = Harness::filtered(tracing_subscriber::filter::LevelFilter::INFO);
    harness.run(|| {
        let top = tracing::info_span!("top", tier = "component", component = "app");
        let _top = top.enter();
        harness.advance(10);
        let middle = tracing::debug_span!("middle", tier = "method", component = "app");
        let _middle = middle.enter();
        harness.advance(5);
        tracing::info_span!(parent: &middle, "child", tier = "operation", component = "app")
            .in_scope(|| harness.advance(30));
        harness.advance(5);
        drop(_middle);
        drop(middle);
        harness.advance(10);
    });
    let profile = harness.profile();
    assert_eq!(keys_of(&profile).len(), 2, "middle is filtered out");
    let top = key(&profile, "app.top");
    let child = key(&profile, "app.child");
    assert_eq!((top.total_ns, top.self_ns), (60, 30));
    assert_eq!((child.total_ns, child.self_ns), (30, 30));
    assert_eq!(edge(&profile, Some("app.top"), "app.child"), (1, 30));
    let self_by_tier: u64 = profile.tiers.iter().map(|tier| tier.self_ns).sum();
    assert_eq!(
        self_by_tier, top.total_ns,
        "self times add up to the root's wall"
    );
}

#[test]
fn a_contextual_ancestor_rejected_by_the_layers_filter_is_skipped_on_another_thread() {
    let harness = Harness::filtered(tracing_subscriber::filter::LevelFilter::INFO);
    let top = harness.run(|| tracing::info_span!("top", tier = "component", component = "app"));
    let middle = harness
        .run(|| tracing::debug_span!(parent: &top, "middle", tier = "method", component = "app"));
    let dispatch = harness.dispatch.clone();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            tracing::dispatcher::with_default(&dispatch, || {
                // An untiered span makes the layer ask the registry, whose chain runs
                // through `middle`, which this layer never saw.
                middle.in_scope(|| {
                    tracing::info_span!("untiered").in_scope(|| {
                        tracing::info_span!("child", tier = "operation", component = "app")
                            .in_scope(|| harness.advance(7));
                    });
                });
            })
        });
    });
    harness.run(|| drop((middle, top)));
    let profile = harness.profile();
    assert_eq!(edge(&profile, Some("app.top"), "app.child"), (1, 7));
}

#[test]
fn every_thread_that_entered_a_span_is_listed_with_the_one_that_created_and_closed_it() {
    let harness = Harness::new();
    let span = harness.run(|| tracing::info_span!("job", tier = "method", component = "pool"));
    let dispatch = harness.dispatch.clone();
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("worker".into())
            .spawn_scoped(scope, || {
                tracing::dispatcher::with_default(&dispatch, || {
                    span.in_scope(|| harness.advance(4));
                })
            })
            .unwrap();
    });
    harness.run(|| drop(span));
    let profile = harness.profile();
    let job = key(&profile, "pool.job");
    let this_thread = std::thread::current().name().unwrap().to_owned();
    assert_eq!(job.count, 1);
    assert_eq!(job.threads, {
        let mut expected = vec!["worker".to_owned(), this_thread];
        expected.sort();
        expected
    });
}

#[test]
fn one_callsite_with_changing_components_makes_separate_keys() {
    let harness = Harness::new();
    harness.run(|| {
        for component in ["left", "right", "left"] {
            tracing::info_span!("pan", tier = "operation", component = component).in_scope(|| {});
        }
        let shown = String::from("display");
        tracing::info_span!("pan", tier = "operation", component = %shown).in_scope(|| {});
    });
    let profile = harness.profile();
    assert_eq!(key(&profile, "left.pan").count, 2);
    assert_eq!(key(&profile, "right.pan").count, 1);
    assert_eq!(key(&profile, "display.pan").count, 1);
}

#[test]
fn percentiles_through_the_layer_match_the_recorded_durations() {
    let harness = Harness::new();
    harness.run(|| {
        for micros in 1..=1000u64 {
            tracing::info_span!("read", tier = "operation", component = "disk")
                .in_scope(|| harness.advance(micros * 1000));
        }
    });
    let profile = harness.profile();
    let read = key(&profile, "disk.read");
    let close = |value: u64, exact: u64| value.abs_diff(exact) as f64 <= exact as f64 / 128.0;
    assert!(close(read.p50_ns, 500_000), "p50 {}", read.p50_ns);
    assert!(close(read.p90_ns, 900_000), "p90 {}", read.p90_ns);
    assert!(close(read.p95_ns, 950_000), "p95 {}", read.p95_ns);
    assert!(close(read.p99_ns, 990_000), "p99 {}", read.p99_ns);
    assert_eq!((read.min_ns, read.max_ns), (1_000, 1_000_000));
    assert_eq!(read.mean_ns, 500_500.0);
    let bucket_total: u64 = read.histogram.buckets.iter().map(|(_, count)| count).sum();
    assert_eq!(bucket_total, 1000);
}

#[test]
fn reset_drops_everything_including_spans_open_at_the_time() {
    let harness = Harness::new();
    harness.run(|| {
        tracing::info_span!("before", tier = "method", component = "ab").in_scope(|| {});
        let straddling = tracing::info_span!("straddling", tier = "method", component = "ab");
        let entered = straddling.enter();
        harness.handle.reset();
        let during = harness.profile();
        assert!(during.keys.is_empty(), "{:?}", keys_of(&during));
        tracing::info_span!("after", tier = "method", component = "ab").in_scope(|| {});
        drop(entered);
        drop(straddling);
    });
    let profile = harness.profile();
    assert_eq!(keys_of(&profile), vec!["ab.after"]);
}

#[test]
fn a_snapshot_while_spans_are_open_counts_only_closed_ones() {
    let harness = Harness::new();
    harness.run(|| {
        let open = tracing::info_span!("outer", tier = "system", component = "run");
        let _open = open.enter();
        tracing::info_span!("inner", tier = "method", component = "run")
            .in_scope(|| harness.advance(7));
        let partial = harness.profile();
        assert_eq!(keys_of(&partial), vec!["run.inner"]);
        harness.advance(3);
    });
    let profile = harness.profile();
    assert_eq!(key(&profile, "run.outer").self_ns, 3);
}

#[test]
fn memory_is_sampled_for_the_configured_tiers_only() {
    let harness = Harness::with_config(Config::default().sample_memory(Tier::Operation, true));
    harness.run(|| {
        tracing::info_span!("boot", tier = "system", component = "app").in_scope(|| {
            tracing::info_span!("alloc", tier = "operation", component = "mem").in_scope(|| {
                std::hint::black_box(vec![1u8; 1 << 20]);
            });
            tracing::info_span!("parse", tier = "method", component = "mem").in_scope(|| {});
        });
    });
    let profile = harness.profile();
    for sampled in ["app.boot", "mem.alloc"] {
        let memory = key(&profile, sampled).memory.clone().expect("sampled");
        assert_eq!(memory.samples, 1);
        assert!(memory.mean_before_bytes > 0 && memory.peak_bytes >= memory.mean_after_bytes);
    }
    assert!(key(&profile, "mem.parse").memory.is_none());
}

#[test]
fn concurrent_threads_lose_no_counts_and_are_named() {
    let harness = Harness::new();
    let threads = 8;
    let per_thread = 5_000u64;
    std::thread::scope(|scope| {
        for index in 0..threads {
            let dispatch = harness.dispatch.clone();
            std::thread::Builder::new()
                .name(format!("worker-{index}"))
                .spawn_scoped(scope, move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        for round in 0..per_thread {
                            let name_key = if round % 2 == 0 { "even" } else { "odd" };
                            tracing::info_span!("job", tier = "method", component = name_key)
                                .in_scope(|| {
                                    tracing::info_span!(
                                        "step",
                                        tier = "operation",
                                        component = "pool"
                                    )
                                    .in_scope(|| {});
                                });
                        }
                    })
                })
                .unwrap();
        }
    });
    let profile = harness.profile();
    let total = threads as u64 * per_thread;
    assert_eq!(key(&profile, "even.job").count, total / 2);
    assert_eq!(key(&profile, "odd.job").count, total / 2);
    assert_eq!(key(&profile, "pool.step").count, total);
    assert_eq!(edge(&profile, Some("even.job"), "pool.step").0, total / 2);
    let threads_seen = &key(&profile, "pool.step").threads;
    assert_eq!(threads_seen.len(), threads);
    assert!(threads_seen.iter().all(|name| name.starts_with("worker-")));
}

#[test]
fn threads_that_exit_keep_their_statistics() {
    let harness = Harness::new();
    for _ in 0..3 {
        let dispatch = harness.dispatch.clone();
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                tracing::info_span!("task", tier = "method", component = "short").in_scope(|| {});
            })
        })
        .join()
        .unwrap();
    }
    // A fresh thread joining retires the exited threads' shards.
    harness
        .run(|| tracing::info_span!("task", tier = "method", component = "short").in_scope(|| {}));
    assert_eq!(key(&harness.profile(), "short.task").count, 4);
    assert_eq!(
        key(&harness.profile(), "short.task").count,
        4,
        "snapshots do not consume"
    );
}

#[test]
fn more_open_spans_than_the_table_holds_still_work() {
    let harness = Harness::with_config(Config::default().open_span_capacity(8));
    harness.run(|| {
        let parent = tracing::info_span!("batch", tier = "component", component = "bulk");
        let _parent = parent.enter();
        let spans: Vec<_> = (0..100)
            .map(|_| tracing::info_span!("item", tier = "operation", component = "bulk"))
            .collect();
        harness.advance(5);
        drop(spans);
    });
    let profile = harness.profile();
    assert_eq!(key(&profile, "bulk.item").count, 100);
    assert_eq!(edge(&profile, Some("bulk.batch"), "bulk.item"), (100, 500));
}

/// Counts the heap bytes each thread holds, so a test can see what its own spans cost
/// while other tests run in parallel.
mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub(super) struct PerThreadCounter;

    thread_local! {
        static NET_BYTES: Cell<isize> = const { Cell::new(0) };
    }

    pub(super) fn net_bytes() -> isize {
        NET_BYTES.with(Cell::get)
    }

    fn count(delta: isize) {
        // A const-initialised Cell has no destructor, so this works at any time.
        NET_BYTES.with(|bytes| bytes.set(bytes.get() + delta));
    }

    // SAFETY: forwards every call to the system allocator and only counts.
    unsafe impl GlobalAlloc for PerThreadCounter {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count(layout.size() as isize);
            // SAFETY: the caller upholds `alloc`'s contract.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            count(-(layout.size() as isize));
            // SAFETY: the caller upholds `dealloc`'s contract.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static ALLOCATOR: PerThreadCounter = PerThreadCounter;
}

#[test]
fn memory_stays_flat_however_many_spans_follow() {
    let harness = Harness::new();
    let components: Vec<String> = (0..100).map(|index| format!("component_{index}")).collect();
    let spans = |rounds: u64| {
        for round in 0..rounds {
            for component in &components {
                tracing::info_span!("work", tier = "operation", component = component.as_str())
                    .in_scope(|| harness.advance(1 + round * 997 % 1_000_000));
            }
        }
    };
    harness.run(|| {
        // Every key sees the whole range of durations once, so histograms are full-size.
        spans(1_000);
        let before = heap::net_bytes();
        spans(1_000);
        let growth = heap::net_bytes() - before;
        assert_eq!(
            growth, 0,
            "the heap grew by {growth} bytes over 100,000 spans"
        );
    });
    let profile = harness.profile();
    assert_eq!(profile.keys.len(), 100);
    assert!(profile.keys.iter().all(|key| key.count == 2_000));
}

/// Four requests in flight at once, the way a tokio program issues them: each waits until
/// all four have started, the clock runs 60 ns, then all finish together.
mod four_requests_in_flight {
    use super::*;
    use tokio::sync::Semaphore;
    use tracing::Instrument;

    #[tracing::instrument(skip_all, fields(tier = "method", component = "net"))]
    async fn request(started: Arc<Semaphore>, release: Arc<Semaphore>) {
        started.add_permits(1);
        release.acquire().await.unwrap().forget();
    }

    /// Runs `run` (0..80) issuing four requests (10..70 each); `in_current_span` decides
    /// whether the spawned tasks carry `run` as their parent.
    fn profile(in_current_span: bool) -> Profile {
        let harness = Harness::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        harness.run(|| {
            let run = tracing::info_span!("run", tier = "system", component = "app");
            runtime.block_on(
                async {
                    harness.advance(10);
                    let (started, release) =
                        (Arc::new(Semaphore::new(0)), Arc::new(Semaphore::new(0)));
                    let tasks: Vec<_> = (0..4)
                        .map(|_| {
                            // An instrumented async fn opens its span when first polled,
                            // inside the task.
                            let task = request(Arc::clone(&started), Arc::clone(&release));
                            match in_current_span {
                                true => tokio::spawn(task.in_current_span()),
                                false => tokio::spawn(task),
                            }
                        })
                        .collect();
                    started.acquire_many(4).await.unwrap().forget();
                    harness.advance(60);
                    release.add_permits(4);
                    for task in tasks {
                        task.await.unwrap();
                    }
                    harness.advance(10);
                }
                .instrument(run),
            );
        });
        harness.profile()
    }

    #[test]
    fn spawned_in_the_current_span_they_nest_and_self_times_count_each_request() {
        let profile = profile(true);
        let run = key(&profile, "app.run");
        let request = key(&profile, "net.request");
        assert_eq!(
            (run.total_ns, run.self_ns),
            (80, 20),
            "requests covered 10..70 once"
        );
        assert_eq!(
            (request.count, request.total_ns, request.self_ns),
            (4, 240, 240)
        );
        assert_eq!((request.first_start_ns, request.last_end_ns), (10, 70));
        assert_eq!(request.concurrency, 4.0);
        assert_eq!(edge(&profile, Some("app.run"), "net.request"), (4, 240));
        let self_by_tier: u64 = profile.tiers.iter().map(|tier| tier.self_ns).sum();
        assert_eq!(
            self_by_tier,
            run.total_ns + 3 * 60,
            "the root's wall plus the time three more requests ran alongside the first"
        );
        let method = profile
            .tiers
            .iter()
            .find(|tier| tier.tier == Tier::Method)
            .unwrap();
        assert_eq!(method.concurrency, 4.0);
    }

    #[test]
    fn spawned_plainly_they_are_separate_roots_whose_walls_the_self_times_add_up_to() {
        let profile = profile(false);
        let run = key(&profile, "app.run");
        let request = key(&profile, "net.request");
        assert_eq!(
            (run.total_ns, run.self_ns),
            (80, 80),
            "no children left under run"
        );
        assert_eq!(edge(&profile, None, "net.request"), (4, 240));
        assert_eq!(request.concurrency, 4.0);
        let self_by_tier: u64 = profile.tiers.iter().map(|tier| tier.self_ns).sum();
        let roots_wall: u64 = profile
            .tree
            .iter()
            .filter(|edge| edge.parent.is_none())
            .map(|edge| edge.total_ns)
            .sum();
        assert_eq!((self_by_tier, roots_wall), (320, 320));
    }
}

/// What a layer composed after the profiler finds in a span's extensions: the start on
/// creation, then start and end on close.
#[derive(Default, Clone)]
struct SeenTimes(Arc<std::sync::Mutex<Vec<Option<super::SpanTimes>>>>);

impl<S> tracing_subscriber::Layer<S> for SeenTimes
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        _attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        self.note(id, &ctx);
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        self.note(&id, &ctx);
    }
}

impl SeenTimes {
    fn note<S>(&self, id: &tracing::span::Id, ctx: &tracing_subscriber::layer::Context<'_, S>)
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        let times = ctx
            .span(id)
            .and_then(|span| span.extensions().get::<super::SpanTimes>().copied());
        self.0.lock().unwrap().push(times);
    }
}

/// Runs one 250 ns operation span under the profiler (with `config`) and a [`SeenTimes`]
/// composed after it; returns what that layer saw and the profile.
fn shared_times(config: Config) -> (Vec<Option<super::SpanTimes>>, Profile) {
    let now = Arc::new(AtomicU64::new(1_000));
    let (layer, handle) = ProfilerLayer::with_clock(config, Clock::manual(Arc::clone(&now)));
    let seen = SeenTimes::default();
    let dispatch = Dispatch::new(
        tracing_subscriber::registry()
            .with(layer)
            .with(seen.clone()),
    );
    tracing::dispatcher::with_default(&dispatch, || {
        let span = tracing::info_span!("check", tier = "operation", component = "files");
        now.fetch_add(250, Ordering::SeqCst);
        drop(span);
    });
    let seen = seen.0.lock().unwrap().clone();
    (seen, handle.snapshot("shared"))
}

#[test]
fn span_times_are_shared_with_later_layers_only_when_asked() {
    let (seen, profile) = shared_times(Config::default().share_span_times(true));
    let [Some(opened), Some(closed)] = seen[..] else {
        panic!("times missing: {seen:?}");
    };
    assert_eq!(opened.end, None, "no end while the span is open");
    assert_eq!(closed.start, opened.start);
    let end = closed.end.expect("the end is shared on close");
    let wall_ns = end.duration_since(closed.start).as_nanos() as u64;
    assert_eq!(wall_ns, 250);
    assert_eq!(profile.keys[0].total_ns, wall_ns, "the report's own figure");

    let (seen, _) = shared_times(Config::default());
    assert_eq!(seen, [None, None], "off by default: no registry look-ups");
}
