//! The Chrome trace, loaded the way viewers load it (parse, take each track's complete
//! events, nest them): one complete event per span named by its key, durations equal to
//! the profiler's, no track where two events overlap without nesting, plain arguments,
//! process and track names, and a valid file however the program ends.

use std::path::{Path, PathBuf};
use std::time::Duration;

use profiler::chrome::viewer::TraceSummary;
use profiler::chrome::{
    ChromeTraceGuard, TraceOptions, chrome_filter, trace_layer, trace_layer_with,
};
use profiler::report::Stamp;
use profiler::{Profile, ProfilerHandle};
use serde_json::Value;
use tracing::Instrument;
use tracing_subscriber::filter::{LevelFilter, filter_fn};
use tracing_subscriber::prelude::*;

fn summary(path: &Path) -> TraceSummary {
    TraceSummary::load(path).expect("the trace is valid trace-event JSON")
}

/// Runs `body` under registry + profiler layer + trace layer (filtered as `init` does) and
/// returns the profile and the finished trace.
fn traced(dir: &Path, options: TraceOptions, body: impl FnOnce()) -> (Profile, TraceSummary) {
    traced_with(dir, options, sharing(), body)
}

/// The profiler's settings as `init` makes them with a trace: it shares its span times.
fn sharing() -> profiler::Config {
    profiler::Config::default().share_span_times(true)
}

/// [`traced`] with the profiler's `config`, composed as `init` does: the trace after the
/// profiler, so it takes the times the profiler shares.
fn traced_with(
    dir: &Path,
    options: TraceOptions,
    config: profiler::Config,
    body: impl FnOnce(),
) -> (Profile, TraceSummary) {
    let (chrome, guard) = trace_layer_with(dir, &Stamp::now(), options).unwrap();
    let (profiler, handle) = profiler::ProfilerLayer::new(config);
    let subscriber = tracing_subscriber::registry()
        .with(profiler)
        .with(chrome.with_filter(filter_fn(chrome_filter)));
    tracing::subscriber::with_default(subscriber, body);
    finish(&guard, &handle)
}

fn finish(guard: &ChromeTraceGuard, handle: &ProfilerHandle) -> (Profile, TraceSummary) {
    let path = guard.finish().unwrap();
    (handle.snapshot("test"), summary(&path))
}

/// Every key's complete events: as many as the profiler's calls, and their durations add to
/// exactly its total wall time (the trace takes the profiler's own start and end of each
/// span, and writes durations in whole nanoseconds), well within the 1% asked for.
fn assert_trace_matches_profile(trace: &TraceSummary, profile: &Profile) {
    assert!(trace.misnested.is_empty(), "{:#?}", trace.misnested);
    for key in &profile.keys {
        let totals = trace.spans.get(&key.key).copied().unwrap_or_default();
        assert_eq!(totals.count, key.count, "{}: events vs calls", key.key);
        assert_eq!(
            totals.total_ns, key.total_ns,
            "{}: trace vs profile wall time (ns)",
            key.key
        );
    }
    assert_eq!(
        trace.spans.len(),
        profile.keys.len(),
        "{:?}",
        trace.spans.keys()
    );
}

fn end(event: &Value) -> f64 {
    event["ts"].as_f64().unwrap() + event["dur"].as_f64().unwrap()
}

#[test]
fn every_span_becomes_one_complete_event_named_by_its_key_with_plain_args() {
    let dir = tempfile::tempdir().unwrap();
    let options = TraceOptions::default().process_name("trace test");
    let (profile, trace) = traced(dir.path(), options, || {
        let _run = tracing::info_span!(
            "run",
            tier = "system",
            component = "app",
            song = "Song A",
            tracks = 3u64
        )
        .entered();
        for _ in 0..3 {
            let _step = tracing::info_span!("step", tier = "method", component = "work").entered();
            tracing::info_span!("call", tier = "operation", component = "driver")
                .in_scope(|| std::thread::sleep(Duration::from_millis(3)));
        }
        tracing::info_span!("untiered").in_scope(|| {});
    });
    assert_trace_matches_profile(&trace, &profile);
    let counts: Vec<(&str, u64)> = trace
        .spans
        .iter()
        .map(|(name, totals)| (name.as_str(), totals.count))
        .collect();
    assert_eq!(
        counts,
        [("app.run", 1), ("driver.call", 3), ("work.step", 3)]
    );
    let run = trace.spans_named("app.run").next().unwrap();
    assert_eq!(run["cat"], "system");
    assert_eq!(run["args"]["tier"], "system");
    assert_eq!(run["args"]["component"], "app", "no Debug quotes");
    assert_eq!(run["args"]["song"], "Song A");
    assert_eq!(run["args"]["tracks"], 3);
    for step in trace.spans_named("work.step") {
        assert_eq!(
            step["tid"], run["tid"],
            "synchronous nesting stays on one track"
        );
        assert!(step["ts"].as_f64() >= run["ts"].as_f64() && end(step) <= end(run));
    }
    assert_eq!(trace.process_name.as_deref(), Some("trace test"));
    assert_eq!(trace.track_names[&run["tid"].as_u64().unwrap()], "app.run");
    assert!(trace.polls.is_empty(), "busy intervals are off by default");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the trace remains: {leftovers:?}");
}

/// Span A entered 0–10 ms and span B 5–30 ms on one thread, A's guard dropped first: each
/// is paired with its own end, so A ends before B.
#[test]
fn begin_and_end_pair_by_span_not_by_nesting_order() {
    let dir = tempfile::tempdir().unwrap();
    let (profile, trace) = traced(dir.path(), TraceOptions::default(), || {
        let root = tracing::info_span!("run", tier = "system", component = "app");
        let _root = root.clone().entered();
        let a =
            tracing::info_span!(parent: &root, "a", tier = "method", component = "work").entered();
        std::thread::sleep(Duration::from_millis(5));
        let b =
            tracing::info_span!(parent: &root, "b", tier = "method", component = "work").entered();
        std::thread::sleep(Duration::from_millis(5));
        drop(a);
        std::thread::sleep(Duration::from_millis(20));
        drop(b);
    });
    assert_trace_matches_profile(&trace, &profile);
    let a = trace.spans_named("work.a").next().unwrap();
    let b = trace.spans_named("work.b").next().unwrap();
    assert!(end(a) < end(b), "A ends when its guard drops: {a} {b}");
    assert!(
        end(a) > b["ts"].as_f64().unwrap(),
        "A and B overlap: {a} {b}"
    );
    assert_ne!(
        a["tid"], b["tid"],
        "overlapping siblings get tracks of their own"
    );
}

#[tracing::instrument(skip_all, fields(tier = "operation", component = "net"))]
async fn fetch(wait: Duration) {
    tokio::time::sleep(wait).await;
}

#[tracing::instrument(skip_all, fields(tier = "method", component = "worker", task = index))]
async fn task(index: u64, all_started: std::sync::Arc<tokio::sync::Barrier>) {
    all_started.wait().await;
    fetch(Duration::from_millis(5 + index * 3)).await;
    tokio::task::yield_now().await;
    fetch(Duration::from_millis(2)).await;
}

/// Four tasks in flight at once on a two-thread runtime: each is one event from creation
/// to close (not one per poll), the four overlap in time and so sit on four tracks, and
/// nothing mis-nests.
#[test]
fn four_concurrent_tasks_get_tracks_of_their_own_and_never_mis_nest() {
    let dir = tempfile::tempdir().unwrap();
    let (chrome, guard) = trace_layer(dir.path(), &Stamp::now()).unwrap();
    let (profiler, handle) = profiler::ProfilerLayer::new(sharing());
    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(profiler)
            .with(chrome.with_filter(filter_fn(chrome_filter))),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start({
            let dispatch = dispatch.clone();
            move || std::mem::forget(tracing::dispatcher::set_default(&dispatch))
        })
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        runtime.block_on(
            async {
                let all_started = std::sync::Arc::new(tokio::sync::Barrier::new(4));
                let tasks: Vec<_> = (0..4)
                    .map(|index| tokio::spawn(task(index, all_started.clone()).in_current_span()))
                    .collect();
                for handle in tasks {
                    handle.await.unwrap();
                }
            }
            .instrument(tracing::info_span!(
                "serve",
                tier = "system",
                component = "app"
            )),
        );
    });
    drop(runtime);
    let (profile, trace) = finish(&guard, &handle);
    assert_trace_matches_profile(&trace, &profile);
    let tasks: Vec<&Value> = trace.spans_named("worker.task").collect();
    assert_eq!(tasks.len(), 4);
    let mut tracks: Vec<u64> = tasks
        .iter()
        .map(|task| task["tid"].as_u64().unwrap())
        .collect();
    tracks.sort_unstable();
    tracks.dedup();
    assert_eq!(tracks.len(), 4, "tasks alive at once never share a track");
    let serve = trace.spans_named("app.serve").next().unwrap();
    for task in &tasks {
        assert!(task["ts"].as_f64() >= serve["ts"].as_f64() && end(task) <= end(serve));
    }
    assert_eq!(trace.spans["net.fetch"].count, 8);
}

/// Two spans that name their tracks (`track_name`) each open a track of that name, the first
/// one too although its parent's track is free, and their children nest there.
#[test]
fn a_span_with_a_track_name_opens_a_track_of_that_name() {
    let dir = tempfile::tempdir().unwrap();
    let (profile, trace) = traced(dir.path(), TraceOptions::default(), || {
        let _run = tracing::info_span!("run", tier = "system", component = "app").entered();
        let first = tracing::info_span!(
            "session",
            tier = "system",
            component = "app",
            track_name = "session 1",
            session = 1
        );
        let second = tracing::info_span!(
            "session",
            tier = "system",
            component = "app",
            track_name = "session 2",
            session = 2
        );
        first.in_scope(|| {
            tracing::info_span!("song", tier = "system", component = "app").in_scope(|| {})
        });
        second.in_scope(|| {
            tracing::info_span!("song", tier = "system", component = "app").in_scope(|| {})
        });
    });
    assert_trace_matches_profile(&trace, &profile);
    assert!(trace.misnested.is_empty(), "{:#?}", trace.misnested);
    let run = trace.spans_named("app.run").next().unwrap();
    let sessions: Vec<&Value> = trace.spans_named("app.session").collect();
    let songs: Vec<&Value> = trace.spans_named("app.song").collect();
    assert_eq!((sessions.len(), songs.len()), (2, 2));
    for session in &sessions {
        let track = session["tid"].as_u64().unwrap();
        assert_ne!(session["tid"], run["tid"]);
        assert!(
            songs.iter().any(|song| song["tid"] == session["tid"]
                && song["ts"].as_f64() >= session["ts"].as_f64()
                && end(song) <= end(session)),
            "the child nests on the named track"
        );
        assert_eq!(
            trace.track_names[&track],
            format!("session {}", session["args"]["session"])
        );
        assert!(session["args"].get("track_name").is_none());
    }
    assert_ne!(sessions[0]["tid"], sessions[1]["tid"]);
}

/// The profiler layer and the trace both under a per-layer INFO filter; `middle` is DEBUG, so
/// neither sees it (only a logging layer that takes everything does), and `child`
/// (explicitly a child of `middle`) nests in `top`.
#[test]
fn an_explicit_parent_filtered_out_leads_to_the_nearest_recorded_ancestor() {
    let dir = tempfile::tempdir().unwrap();
    let (chrome, guard) = trace_layer(dir.path(), &Stamp::now()).unwrap();
    let (profiler, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    let everything = tracing_subscriber::fmt::layer().with_writer(std::io::sink);
    let subscriber = tracing_subscriber::registry()
        .with(everything)
        .with(profiler.with_filter(LevelFilter::INFO))
        .with(chrome.with_filter(LevelFilter::INFO));
    tracing::subscriber::with_default(subscriber, || {
        let top = tracing::info_span!("top", tier = "system", component = "app").entered();
        let middle = tracing::debug_span!("middle", tier = "component", component = "app");
        // Another root in between, so `child` could not land on `top`'s track by accident.
        let _other = tracing::info_span!(parent: None, "other", tier = "system", component = "app")
            .entered();
        tracing::info_span!(parent: &middle, "child", tier = "method", component = "app")
            .in_scope(|| std::thread::sleep(Duration::from_millis(2)));
        drop(top);
    });
    let (_, trace) = finish(&guard, &handle);
    assert!(trace.misnested.is_empty(), "{:?}", trace.misnested);
    assert!(!trace.spans.contains_key("app.middle"));
    let top = trace.spans_named("app.top").next().unwrap();
    let child = trace.spans_named("app.child").next().unwrap();
    assert_eq!(
        child["tid"], top["tid"],
        "the child nests in its nearest recorded ancestor"
    );
}

/// With busy intervals on, a span entered twice shows two polls on its thread's poll track,
/// and guards dropped out of order still give a nested poll track.
#[test]
fn busy_intervals_are_an_option_on_thread_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let options = TraceOptions::default().polls(true);
    let (_, trace) = traced(dir.path(), options, || {
        let span = tracing::info_span!("twice", tier = "method", component = "work");
        span.in_scope(|| {});
        span.in_scope(|| {});
        drop(span);
        let a =
            tracing::info_span!(parent: None, "a", tier = "method", component = "work").entered();
        let b =
            tracing::info_span!(parent: None, "b", tier = "method", component = "work").entered();
        drop(a);
        drop(b);
    });
    assert!(trace.misnested.is_empty(), "{:?}", trace.misnested);
    assert_eq!(trace.polls["work.twice"].count, 2);
    assert_eq!(trace.spans["work.twice"].count, 1);
    assert_eq!(trace.polls["work.a"].count, 1);
    assert_eq!(
        trace.polls["work.b"].count, 2,
        "b's poll is cut where a's ends"
    );
    assert!(
        trace
            .track_names
            .values()
            .any(|name| name.starts_with("polls on "))
    );
}

#[test]
fn a_trace_finished_mid_span_is_valid_and_marks_the_open_span() {
    let dir = tempfile::tempdir().unwrap();
    let (chrome, guard) = trace_layer(dir.path(), &Stamp::now()).unwrap();
    let subscriber = tracing_subscriber::registry().with(chrome);
    let path: PathBuf = tracing::subscriber::with_default(subscriber, || {
        let _interrupted =
            tracing::info_span!("download", tier = "component", component = "dl").entered();
        tracing::info_span!("chunk", tier = "operation", component = "dl").in_scope(|| {});
        // What a Ctrl-C handler does: finish while work is still in flight.
        let finisher = guard.clone();
        std::thread::spawn(move || finisher.finish().unwrap())
            .join()
            .unwrap()
    });
    let trace = summary(&path);
    assert!(trace.misnested.is_empty());
    let open = trace.spans_named("dl.download").next().unwrap();
    assert_eq!(open["args"]["unfinished"], true);
    let done = trace.spans_named("dl.chunk").next().unwrap();
    assert!(done["args"].get("unfinished").is_none());
    assert_eq!(
        trace.spans.values().map(|totals| totals.count).sum::<u64>(),
        2
    );
}

#[test]
fn dropping_the_guard_writes_the_trace_and_finishing_twice_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let stamp = Stamp::now();
    let (chrome, guard) = trace_layer(dir.path(), &stamp).unwrap();
    let subscriber = tracing_subscriber::registry().with(chrome);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("parse", tier = "method", component = "cfg").in_scope(|| {});
    });
    let first = guard.finish().unwrap();
    assert_eq!(guard.finish().unwrap(), first);
    let other = Stamp::now();
    let (_chrome, dropped) = trace_layer(dir.path(), &other).unwrap();
    drop(dropped);
    assert_eq!(summary(&first).spans["cfg.parse"].count, 1);
    assert!(
        summary(&dir.path().join(format!("trace_{other}.json")))
            .spans
            .is_empty()
    );
}

#[test]
fn an_unwritable_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let error = trace_layer(&blocker.join("traces"), &Stamp::now())
        .err()
        .expect("cannot create a directory under a file");
    assert!(error.to_string().contains("cannot write report"), "{error}");
}

/// speedscope names frames by name and args: without fields, every event of a key has the
/// same args (tier and component), so it stays one frame.
#[test]
fn without_fields_every_event_of_a_key_has_the_same_args() {
    let dir = tempfile::tempdir().unwrap();
    let (_, trace) = traced(dir.path(), TraceOptions::default().fields(false), || {
        for song in ["A", "B"] {
            tracing::info_span!("song", tier = "system", component = "app", song).in_scope(|| {});
        }
    });
    let args: Vec<&Value> = trace
        .spans_named("app.song")
        .map(|event| &event["args"])
        .collect();
    assert_eq!(args.len(), 2);
    assert_eq!(args[0], args[1]);
    assert_eq!(
        *args[0],
        serde_json::json!({"tier": "system", "component": "app"})
    );
}

/// The failure: a small key called many times, where anything between the two layers'
/// clock reads (here the profiler's resident-memory system call on every tier, in the
/// original a preemption under load) once lengthened one figure only. The trace takes the
/// profiler's own times, so the sums agree to the nanosecond whatever runs in between.
#[test]
fn a_small_key_called_many_times_agrees_to_the_nanosecond() {
    let dir = tempfile::tempdir().unwrap();
    let config = profiler::Tier::ALL
        .into_iter()
        .fold(sharing(), |config, tier| config.sample_memory(tier, true));
    let (profile, trace) = traced_with(dir.path(), TraceOptions::default(), config, || {
        let _run = tracing::info_span!("run", tier = "system", component = "app").entered();
        for index in 0..2_000u64 {
            tracing::info_span!("check", tier = "operation", component = "files")
                .in_scope(|| std::hint::black_box(index * 3));
        }
    });
    assert_eq!(trace.spans["files.check"].count, 2_000);
    assert_trace_matches_profile(&trace, &profile);
}

/// Composed without sharing (or with the trace before the profiler) the trace reads its own
/// clock: still one well-nested event per span, timed independently of the profiler.
#[test]
fn without_shared_times_the_trace_times_spans_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (chrome, guard) = trace_layer(dir.path(), &Stamp::now()).unwrap();
    let (profiler, handle) = profiler::ProfilerLayer::new(sharing());
    let subscriber = tracing_subscriber::registry()
        .with(chrome.with_filter(filter_fn(chrome_filter)))
        .with(profiler);
    tracing::subscriber::with_default(subscriber, || {
        let _run = tracing::info_span!("run", tier = "system", component = "app").entered();
        tracing::info_span!("call", tier = "operation", component = "driver")
            .in_scope(|| std::thread::sleep(Duration::from_millis(3)));
    });
    let (profile, trace) = finish(&guard, &handle);
    assert!(trace.misnested.is_empty(), "{:#?}", trace.misnested);
    let call = profile
        .keys
        .iter()
        .find(|key| key.key == "driver.call")
        .unwrap();
    let traced = trace.spans["driver.call"];
    assert_eq!(traced.count, 1);
    assert!(traced.total_ns >= 3_000_000);
    assert!(
        traced.total_ns.abs_diff(call.total_ns) <= call.total_ns / 100,
        "trace {} ns vs profile {} ns",
        traced.total_ns,
        call.total_ns
    );
}
