//! The Chrome trace: valid JSON with one complete event per span, however the program ends.

use std::path::Path;

use profiler::chrome::trace_layer;
use profiler::report::Stamp;
use serde_json::Value;
use tracing_subscriber::prelude::*;

/// tracing-chrome keeps its channel per thread, so every trace gets a fresh thread.
fn on_fresh_thread<R: Send>(body: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| scope.spawn(body).join().unwrap())
}

fn events(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let trace: Value = serde_json::from_str(&text).expect("the trace is valid JSON");
    trace["traceEvents"]
        .as_array()
        .expect("a traceEvents array")
        .clone()
}

fn complete_events(events: &[Value]) -> Vec<&Value> {
    events.iter().filter(|event| event["ph"] == "X").collect()
}

#[test]
fn every_span_becomes_one_complete_event_named_by_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let stamp = Stamp::now();
    let path = on_fresh_thread(|| {
        let (chrome, guard) = trace_layer(dir.path(), &stamp).unwrap();
        let (profiler, _handle) = profiler::ProfilerLayer::new(profiler::Config::default());
        let subscriber = tracing_subscriber::registry().with(profiler).with(chrome);
        tracing::subscriber::with_default(subscriber, || {
            let _run = tracing::info_span!("run", tier = "system", component = "app").entered();
            for _ in 0..3 {
                let _step =
                    tracing::info_span!("step", tier = "method", component = "work").entered();
                tracing::info_span!("call", tier = "operation", component = "driver")
                    .in_scope(|| {});
            }
        });
        guard.finish().unwrap()
    });
    assert_eq!(path, dir.path().join(format!("trace_{stamp}.json")));
    let events = events(&path);
    let complete = complete_events(&events);
    let count = |name: &str| {
        complete
            .iter()
            .filter(|event| event["name"] == name)
            .count()
    };
    assert_eq!(complete.len(), 7, "{complete:?}");
    assert_eq!(
        (count("app.run"), count("work.step"), count("driver.call")),
        (1, 3, 3)
    );
    let run = complete
        .iter()
        .find(|event| event["name"] == "app.run")
        .unwrap();
    assert_eq!(run["cat"], "system");
    let (run_start, run_end) = (
        run["ts"].as_f64().unwrap(),
        run["ts"].as_f64().unwrap() + run["dur"].as_f64().unwrap(),
    );
    for step in complete.iter().filter(|event| event["name"] == "work.step") {
        let start = step["ts"].as_f64().unwrap();
        assert!(start >= run_start && start + step["dur"].as_f64().unwrap() <= run_end);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "only the trace remains: {leftovers:?}");
}

#[test]
fn a_trace_finished_mid_span_is_valid_and_marks_the_open_span() {
    let dir = tempfile::tempdir().unwrap();
    let stamp = Stamp::now();
    let path = on_fresh_thread(|| {
        let (chrome, guard) = trace_layer(dir.path(), &stamp).unwrap();
        let subscriber = tracing_subscriber::registry().with(chrome);
        tracing::subscriber::with_default(subscriber, || {
            let _interrupted =
                tracing::info_span!("download", tier = "component", component = "dl").entered();
            tracing::info_span!("chunk", tier = "operation", component = "dl").in_scope(|| {});
            // What a Ctrl-C handler does: finish while work is still in flight.
            let finisher = guard.clone();
            std::thread::spawn(move || finisher.finish().unwrap())
                .join()
                .unwrap()
        })
    });
    let events = events(&path);
    let complete = complete_events(&events);
    assert_eq!(complete.len(), 2);
    let open = complete
        .iter()
        .find(|event| event["name"] == "dl.download")
        .unwrap();
    assert_eq!(open["args"]["unfinished"], true);
    let done = complete
        .iter()
        .find(|event| event["name"] == "dl.chunk")
        .unwrap();
    assert!(done["args"].get("unfinished").is_none());
}

#[test]
fn dropping_the_guard_writes_the_trace_and_finishing_twice_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let stamp = Stamp::now();
    on_fresh_thread(|| {
        let (chrome, guard) = trace_layer(dir.path(), &stamp).unwrap();
        let subscriber = tracing_subscriber::registry().with(chrome);
        let result: Result<(), String> = tracing::subscriber::with_default(subscriber, || {
            let _span = tracing::info_span!("parse", tier = "method", component = "cfg").entered();
            Err("the program fails".to_owned())
        });
        assert!(result.is_err());
        let first = guard.finish().unwrap();
        assert_eq!(guard.finish().unwrap(), first);
        let (_chrome, dropped) = trace_layer::<tracing_subscriber::Registry>(
            dir.path(),
            &Stamp::at(time::OffsetDateTime::UNIX_EPOCH),
        )
        .unwrap();
        drop(dropped);
    });
    assert_eq!(
        complete_events(&events(&dir.path().join(format!("trace_{stamp}.json")))).len(),
        1
    );
    assert!(events(&dir.path().join("trace_19700101_000000.json")).is_empty());
}

#[test]
fn an_unwritable_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let error = trace_layer::<tracing_subscriber::Registry>(&blocker.join("traces"), &Stamp::now())
        .err()
        .expect("cannot create a directory under a file");
    assert!(error.to_string().contains("cannot write report"), "{error}");
}
