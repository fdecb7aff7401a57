//! Four requests in flight at once on a multi-threaded tokio runtime, profiled twice:
//! once spawned plainly, once with `.in_current_span()`.
//!
//! A task started with `tokio::spawn` runs outside the span that spawned it: spans it
//! opens become separate roots of the call tree. `.in_current_span()` carries the current
//! span into the task, so its spans nest under it. Either way, four requests that each
//! take about 60 ms in a 60 ms window are four requests in flight: their self times add up
//! to four times the elapsed time, and the report's "In flight" column shows about 4.
//!
//! `cargo run -p examples --bin async_requests`

use std::time::Duration;

use profiler::report::text;
use profiler::{Profile, ProfilerHandle};
use tracing::Instrument;
use tracing_subscriber::prelude::*;

/// One request: a wait standing in for the network, then a little work.
#[tracing::instrument(fields(tier = "method", component = "client"))]
async fn request(index: u32) -> u32 {
    tokio::time::sleep(Duration::from_millis(60)).await;
    index * 2
}

/// Issues four requests at once and waits for all of them.
async fn run_requests(carry_span: bool) -> u32 {
    let tasks: Vec<_> = (0..4)
        .map(|index| {
            // An instrumented async fn opens its span when first polled: in the task.
            let task = request(index);
            if carry_span {
                // The task's spans become children of the current span (`run`).
                tokio::spawn(task.in_current_span())
            } else {
                // The task's spans become roots: nothing is current where it runs.
                tokio::spawn(task)
            }
        })
        .collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await.unwrap_or(0);
    }
    sum
}

fn profile_one(handle: &ProfilerHandle, runtime: &tokio::runtime::Runtime, carry: bool) -> Profile {
    handle.reset();
    let run = tracing::info_span!("run", tier = "system", component = "app", carry);
    runtime.block_on(run_requests(carry).instrument(run));
    let name = if carry {
        "spawned with .in_current_span()"
    } else {
        "spawned plainly"
    };
    handle.snapshot(name)
}

fn main() {
    let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    tracing_subscriber::registry().with(layer).init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|error| {
            eprintln!("async_requests: cannot start a tokio runtime: {error}");
            std::process::exit(2)
        });

    for carry in [false, true] {
        let profile = profile_one(&handle, &runtime, carry);
        let roots: Vec<&str> = profile
            .tree
            .iter()
            .filter(|edge| edge.parent.is_none())
            .map(|edge| edge.child.as_str())
            .collect();
        let request = profile.keys.iter().find(|key| key.key == "client.request");
        let self_ms: f64 = profile
            .tiers
            .iter()
            .map(|tier| tier.self_ns as f64 / 1e6)
            .sum();
        println!("== {}", profile.session.name);
        println!("roots of the call tree: {}", roots.join(", "));
        if let Some(request) = request {
            println!(
                "client.request: {} calls, {:.1} ms wall in total, {:.2} in flight on average",
                request.count,
                request.total_ns as f64 / 1e6,
                request.concurrency
            );
        }
        println!(
            "self times of all tiers add up to {self_ms:.1} ms in a {:.1} ms session\n",
            profile.session.duration_ns as f64 / 1e6
        );
        if carry {
            print!("{}", text::render(&profile));
        }
    }
}
