mod support;
use automator::stage::StageConfig;
use automator::{Knobs, RunOptions, Target, run};
use tracing_subscriber::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch() {
    let _lock = support::browser_lock();
    let dir = tempfile::tempdir().unwrap();
    let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    let _ = tracing_subscriber::registry().with(layer).with(tracing_subscriber::fmt::layer().with_test_writer().with_filter(tracing_subscriber::EnvFilter::new("warn,automator=info"))).try_init();
    let mut options = RunOptions::default();
    options.download_dir = dir.path().join("downloads");
    options.session_file = Some(dir.path().join("session.json"));
    options.time_scale = std::env::var("SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(0.05);
    options.max_tracks = Some(3);
    let outcome = run(&options, &Knobs::default(), &Target::Stage(StageConfig { faults: automator::stage::FaultSpec::parse(&std::env::var("FAULTS").unwrap_or_default()).unwrap(), seed: 7, ..StageConfig::default() })).await.unwrap();
    println!("{}", automator::flow::summary::render_summary(&outcome));
    let profile = handle.snapshot("scratch");
    for key in &profile.keys {
        println!("{:<60} {:>5} mean {:>8.1} ms  total {:>8.1} ms self {:>8.1}", key.key, key.count, key.mean_ns / 1e6, key.total_ns as f64 / 1e6, key.self_ns as f64/1e6);
    }
}
