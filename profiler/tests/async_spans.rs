//! Async functions under a multi-threaded runtime: wall time from creation to close, busy
//! time across polls, self time with concurrent children, and parents across tasks.

use std::time::Duration;

use profiler::{KeyStats, Profile};
use tracing::Instrument;
use tracing_subscriber::prelude::*;

const MS: u64 = 1_000_000;

#[tracing::instrument(skip_all, fields(tier = "method", component = "library"))]
async fn load_page(wait: Duration) -> usize {
    tokio::time::sleep(wait).await;
    tokio::task::yield_now().await;
    3
}

#[tracing::instrument(skip_all, fields(tier = "component", component = "library"))]
async fn sync_library() -> usize {
    let (a, b) = tokio::join!(
        load_page(Duration::from_millis(60)),
        load_page(Duration::from_millis(40))
    );
    let spawned = tokio::spawn(load_page(Duration::from_millis(10)).in_current_span());
    a + b + spawned.await.unwrap()
}

#[tracing::instrument(skip_all, fields(tier = "operation", component = "library"), err)]
async fn flaky(fail: bool) -> Result<(), std::io::Error> {
    tokio::task::yield_now().await;
    if fail {
        return Err(std::io::Error::other("connection reset"));
    }
    Ok(())
}

fn key<'a>(profile: &'a Profile, name: &str) -> &'a KeyStats {
    profile.keys.iter().find(|stats| stats.key == name).unwrap()
}

#[test]
fn async_spans_are_timed_from_creation_to_close_with_busy_time_across_polls() {
    let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start({
            let dispatch = dispatch.clone();
            move || {
                // Workers see the profiler as their default subscriber.
                std::mem::forget(tracing::dispatcher::set_default(&dispatch));
            }
        })
        .build()
        .unwrap();
    let total = tracing::dispatcher::with_default(&dispatch, || {
        runtime.block_on(async {
            let total = sync_library().await;
            assert!(flaky(true).await.is_err());
            assert!(flaky(false).await.is_ok());
            total
        })
    });
    assert_eq!(total, 9);
    drop(runtime);
    let profile = handle.snapshot("async");

    let page = key(&profile, "library.load_page");
    assert_eq!(page.count, 3);
    assert!(
        page.max_ns >= 60 * MS,
        "wall includes the awaited sleep: {}",
        page.max_ns
    );
    assert!(
        page.busy_ns < page.total_ns / 2,
        "busy {} vs wall {}",
        page.busy_ns,
        page.total_ns
    );

    let library = key(&profile, "library.sync_library");
    assert!(library.total_ns >= 70 * MS);
    // The joined children ran concurrently for at least 60 ms and the spawned one for 10 ms
    // more, so at least 70 ms of the parent are covered (counting the overlap once).
    assert!(
        library.self_ns + 70 * MS <= library.total_ns,
        "self {} of {}",
        library.self_ns,
        library.total_ns
    );

    let under_library = profile
        .tree
        .iter()
        .find(|edge| {
            edge.parent.as_deref() == Some("library.sync_library")
                && edge.child == "library.load_page"
        })
        .unwrap();
    assert_eq!(
        under_library.count, 3,
        "the spawned task still counts under its parent"
    );

    let flaky = key(&profile, "library.flaky");
    assert_eq!((flaky.successes, flaky.failures), (1, 1));
    assert_eq!(flaky.last_error.as_deref(), Some("connection reset"));
}
