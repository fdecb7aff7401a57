mod support;
use automator::config::load_songs;
use automator::stage::StageConfig;
use automator::{Knobs, RunOptions, Target, run};

#[tokio::test]
async fn scratch() {
    let _lock = support::browser_lock();
    let dir = tempfile::tempdir().unwrap();
    let _ = tracing_subscriber::fmt().with_env_filter("automator=info").with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE).with_test_writer().without_time().with_target(false).try_init();
    let mut options = RunOptions::default();
    options.download_dir = dir.path().join("downloads");
    options.session_file = Some(dir.path().join("session.json"));
    options.time_scale = 0.05;
    options.max_tracks = Some(2);
    let songs_file = dir.path().join("songs.yaml");
    std::fs::write(&songs_file, "songs:\n  - url: /custombackingtrack/the-night-owls/paper-moon-parade.html\n    key: 2\n  - url: /custombackingtrack/unsigned-hopefuls/not-yet-yours.html\n").unwrap();
    options.songs = Some(load_songs(&songs_file).unwrap());
    let outcome = run(&options, &Knobs::default(), &Target::Stage(StageConfig::default())).await.unwrap();
    println!("{}", automator::flow::summary::render_summary(&outcome));
    for entry in walk(&options.download_dir) { println!("{entry}"); }
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() { let e = e.unwrap(); let p = e.path(); if p.is_dir() { out.push(format!("{}/", p.display())); out.extend(walk(&p)); } else { out.push(format!("{} {}", p.display(), p.metadata().unwrap().len())); } }
    out
}
