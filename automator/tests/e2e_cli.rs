//! `automator` as a user runs it: the built binary in a scratch directory against the stage
//! (real headless Chromium, fast time scale). Exit codes, files, reports and messages are
//! checked, and no process the binary started may outlive it.

mod support;

use std::path::Path;

use automator::stage::{DEMO_PASSWORD, DEMO_USERNAME, Stage, StageConfig, find_song, read_mix_tag};
use support::{
    COMPLEX_SONG, SIMPLE_SONG, UNPURCHASED_SONG, files_under, run_automator,
    run_automator_until_first_file, write_songs,
};

/// Every track of the song is filed under `downloads/<Song>/<Track>.mp3` as a complete mix of
/// exactly that track.
fn assert_song_downloaded(directory: &Path, path: &str) {
    let song = find_song(path).unwrap();
    for track in song.tracks {
        let file = directory
            .join("downloads")
            .join(song.title)
            .join(format!("{track}.mp3"));
        let bytes =
            std::fs::read(&file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        let tag =
            read_mix_tag(&bytes).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        assert_eq!(
            tag.solo.as_deref(),
            Some(*track),
            "{} holds another track's mix",
            file.display()
        );
    }
}

#[test]
fn profile_run_downloads_a_simple_and_a_complex_song_and_writes_three_reports() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    write_songs(
        directory.path(),
        &[SIMPLE_SONG, COMPLEX_SONG, UNPURCHASED_SONG],
    );
    let run = run_automator(
        directory.path(),
        &["--profile", "--time-scale", "0.05", "--songs", "songs.yaml"],
        &[],
    );
    run.succeeded();
    assert_song_downloaded(directory.path(), SIMPLE_SONG);
    assert_song_downloaded(directory.path(), COMPLEX_SONG);
    run.printed("Summary: 20 of 20 tracks downloaded, 0 failed");
    run.printed("Not purchased: Not Yet Yours");
    run.printed("automation overhead median");

    let reports = files_under(&directory.path().join("logs/performance"));
    let named = |prefix: &str, extension: &str| {
        reports
            .iter()
            .find(|path| {
                let name = path.file_name().unwrap().to_string_lossy();
                name.starts_with(prefix) && name.ends_with(extension)
            })
            .unwrap_or_else(|| panic!("no {prefix}*{extension} in {reports:?}"))
            .clone()
    };
    let text = named("performance_", ".log");
    let json = named("performance_", ".json");
    let trace = named("trace_", ".json");
    for report in [&text, &json, &trace] {
        let relative = report.strip_prefix(directory.path()).unwrap();
        assert!(
            run.stdout.contains(&relative.display().to_string()),
            "{} not printed:\n{}",
            relative.display(),
            run.stdout
        );
    }
    let profile: profiler::Profile =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for tier in profiler::Tier::ALL {
        let totals = profile.tiers.iter().find(|totals| totals.tier == tier);
        assert!(
            totals.is_some_and(|totals| totals.calls > 0),
            "tier {tier} missing from {}",
            json.display()
        );
    }
    for key in [
        "automation.run",
        "automation.song",
        "track_management.wait_for_solo",
        "download_management.monitor_download_watching",
        "browser.execute_async",
    ] {
        assert!(
            profile.keys.iter().any(|stats| stats.key == key),
            "{key} missing"
        );
    }
    // The trace as viewers load it agrees with the report: per key, as many complete events
    // as calls, adding to exactly its total wall time (the trace takes the profiler's own
    // start and end of each span, in whole nanoseconds; the issue asks for 1%), and nothing
    // mis-nested.
    let trace = profiler::chrome::viewer::TraceSummary::load(&trace).unwrap();
    assert!(trace.misnested.is_empty(), "{:#?}", trace.misnested);
    assert_eq!(trace.process_name.as_deref(), Some("automator"));
    for stats in &profile.keys {
        let totals = trace.spans.get(&stats.key).copied().unwrap_or_default();
        assert_eq!(totals.count, stats.count, "{}: events vs calls", stats.key);
        assert_eq!(
            totals.total_ns, stats.total_ns,
            "{}: trace vs report wall time (ns)",
            stats.key
        );
    }
    assert!(
        std::fs::read_to_string(&text)
            .unwrap()
            .contains("automation.run")
    );
}

#[test]
fn the_password_appears_in_no_output() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    write_songs(directory.path(), &[SIMPLE_SONG]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stage = runtime
        .block_on(Stage::start(StageConfig {
            time_scale: 0.05,
            ..StageConfig::default()
        }))
        .unwrap();
    let url = stage.url().to_string();
    let run = run_automator(
        directory.path(),
        &[
            "--profile",
            "--site",
            &url,
            "--songs",
            "songs.yaml",
            "--max-tracks",
            "1",
            "--time-scale",
            "0.05",
        ],
        &[
            ("KV_USERNAME", DEMO_USERNAME),
            ("KV_PASSWORD", DEMO_PASSWORD),
            ("RUST_LOG", "trace"),
        ],
    );
    runtime.block_on(stage.shutdown());
    run.succeeded();
    assert!(
        !run.stdout.contains(DEMO_PASSWORD) && !run.stderr.contains(DEMO_PASSWORD),
        "the password was printed"
    );
    let files = files_under(directory.path());
    assert!(
        files.len() >= 5,
        "downloads, session and three reports: {files:?}"
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let leaked = bytes
            .windows(DEMO_PASSWORD.len())
            .any(|window| window == DEMO_PASSWORD.as_bytes());
        assert!(!leaked, "the password is in {}", file.display());
    }
}

#[test]
fn a_bad_songs_file_exits_2_with_one_clear_line() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("songs.yaml"),
        "songs:\n  - url: /a/b.html\n    key: 14\n",
    )
    .unwrap();
    let run = run_automator(directory.path(), &["--songs", "songs.yaml"], &[]);
    let error = run.usage_error();
    assert!(
        error.contains("songs.yaml") && error.contains("song #1") && error.contains("±12"),
        "{error}"
    );
    assert!(!run.stderr.contains("panicked"));
    assert!(
        !directory.path().join("downloads").exists(),
        "nothing is started on bad input"
    );
}

#[test]
fn a_real_site_without_credentials_exits_2_naming_the_variables() {
    let directory = tempfile::tempdir().unwrap();
    write_songs(directory.path(), &[SIMPLE_SONG]);
    let run = run_automator(
        directory.path(),
        &["--site", "https://www.karaoke-version.com"],
        &[],
    );
    let error = run.usage_error();
    assert!(
        error.contains("KV_USERNAME") && error.contains("KV_PASSWORD") && error.contains(".env"),
        "{error}"
    );
}

#[test]
fn an_unreachable_site_exits_2_and_closes_the_browser() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    write_songs(directory.path(), &[SIMPLE_SONG]);
    let run = run_automator(
        directory.path(),
        &["--site", "http://127.0.0.1:9", "--time-scale", "0.05"],
        &[("KV_USERNAME", "someone"), ("KV_PASSWORD", "secret-value")],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let error = run
        .stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(error.contains("http://127.0.0.1:9"), "{error}");
    assert!(!run.stderr.contains("secret-value"));
}

#[test]
fn ctrl_c_stops_the_run_in_order_and_keeps_the_files() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let (first_file, run) =
        run_automator_until_first_file(directory.path(), &["--time-scale", "0.05"]);
    assert_eq!(run.code, Some(130), "{}\n{}", run.stdout, run.stderr);
    run.printed("(interrupted)");
    assert!(
        first_file.is_file(),
        "a file downloaded before Ctrl-C is kept"
    );
    let leftovers: Vec<_> = std::fs::read_dir(directory.path().join("downloads"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".incoming-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the browser's incoming directory is removed: {leftovers:?}"
    );
}

/// `--save-baseline` says it implies `--profile`: the profile reports are written and listed
/// beside the baseline. The per-track summary fits the `COLUMNS` it is given when piped.
#[test]
fn save_baseline_writes_the_profile_reports_and_the_summary_fits_the_width() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    write_songs(directory.path(), &[SIMPLE_SONG]);
    let run = run_automator(
        directory.path(),
        &[
            "--save-baseline",
            "nightly",
            "--max-tracks",
            "2",
            "--time-scale",
            "0.05",
            "--songs",
            "songs.yaml",
        ],
        &[("COLUMNS", "64")],
    );
    run.succeeded()
        .printed("Summary: 2 of 2 tracks downloaded, 0 failed")
        .printed("Saved the performance baseline (1 run(s))")
        .printed("Profile reports in logs/performance");
    let reports: Vec<String> = files_under(&directory.path().join("logs/performance"))
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for (prefix, extension) in [
        ("performance_", ".log"),
        ("performance_", ".json"),
        ("performance_", ".html"),
        ("trace_", ".json"),
    ] {
        assert!(
            reports
                .iter()
                .any(|name| name.starts_with(prefix) && name.ends_with(extension)),
            "no {prefix}*{extension} in {reports:?}"
        );
    }
    assert!(reports.contains(&"nightly.json".to_string()), "{reports:?}");
    let table: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|line| !line.starts_with("Summary:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .collect();
    // Unwrapped, "  Paper Moon Parade  Drums  ok  …" takes 70 columns.
    assert!(
        table.len() > 3,
        "a title and two tracks, wrapped: {table:#?}"
    );
    assert!(
        table.iter().all(|line| line.chars().count() <= 64),
        "{table:#?}"
    );
}
