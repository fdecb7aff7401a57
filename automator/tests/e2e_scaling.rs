//! `automator --scaling` against real headless Chromium and the stage: a study of 1 and 2
//! sessions over two small songs reports both levels with work done, the machine's and the
//! site's load measured, an HTML page with its charts, no run folder left behind and no browser
//! process surviving; bad levels are one line and exit 2 before anything starts.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;

use support::{SIMPLE_SONG, files_under, run_automator, write_songs};

/// Two songs so that two sessions have a song each.
const SONGS: [&str; 2] = [
    SIMPLE_SONG,
    "/custombackingtrack/anonymous-ensemble/nameless-tune.html",
];

/// The study's report file with `extension` under `directory`'s logs.
fn report_file(directory: &Path, extension: &str) -> PathBuf {
    let found: Vec<PathBuf> = files_under(&directory.join("logs/performance"))
        .into_iter()
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("scaling_") && name.ends_with(&format!(".{extension}"))
        })
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

#[test]
fn a_study_of_one_and_two_sessions_reports_both_levels_with_charts_and_leaves_nothing_running() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    write_songs(directory.path(), &SONGS);
    let run = run_automator(
        directory.path(),
        &[
            "--scaling",
            "1,2",
            "--runs",
            "2",
            "--time-scale",
            "0.02",
            "--max-tracks",
            "1",
            "--songs",
            "songs.yaml",
        ],
        &[],
    );
    run.succeeded()
        .printed("Correctness: 8 of 8 measured tracks filed, 0 wrong mix(es)")
        .printed("tracks/min");

    let json = report_file(directory.path(), "json");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["unit"], "track");
    let levels = report["levels"].as_array().unwrap();
    let concurrency: Vec<u64> = levels
        .iter()
        .map(|level| level["concurrency"].as_u64().unwrap())
        .collect();
    assert_eq!(concurrency, [1, 2]);
    for level in levels {
        assert_eq!(level["runs"], 2, "{level}");
        assert_eq!(level["units"], 4, "{level}");
        assert!(
            level["throughput_per_minute"]["estimate"].as_f64().unwrap() > 0.0,
            "{level}"
        );
        assert!(
            level["latency_p50_seconds"].as_f64().unwrap() > 0.0,
            "{level}"
        );
        // The machine was read during the runs, the stage's ledger gave the queue time.
        assert!(level["cpu_percent_mean"].as_f64().unwrap() > 0.0, "{level}");
        assert!(level["rss_peak_bytes"].as_u64().unwrap() > 0, "{level}");
        assert!(
            level["queue_seconds_per_unit"].as_f64().is_some(),
            "{level}"
        );
        assert_eq!(level["rate_limited"], 0, "{level}");
    }
    // Interleaved with a rotating start: 1 2, then 2 1.
    let order: Vec<u64> = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["concurrency"].as_u64().unwrap())
        .collect();
    assert_eq!(order, [1, 2, 2, 1]);

    let html = std::fs::read_to_string(report_file(directory.path(), "html")).unwrap();
    for section in [
        "<section id=\"throughput\">",
        "<section id=\"speedup\">",
        "<svg",
    ] {
        assert!(html.contains(section), "no {section} in the HTML report");
    }
    assert!(report_file(directory.path(), "txt").exists());
    run.printed(
        &json
            .strip_prefix(directory.path())
            .unwrap()
            .display()
            .to_string(),
    );
    // Each run's own download folder is gone with it.
    assert_eq!(
        files_under(&directory.path().join("downloads")),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn bad_levels_and_too_few_runs_are_one_line_and_write_nothing() {
    let directory = tempfile::tempdir().unwrap();
    for (args, says) in [
        (&["--scaling", "0,2"][..], "`0` is not a session count"),
        (&["--scaling", "x"][..], "`x` is not a session count"),
        (&["--scaling", "1,2", "--runs", "1"][..], "--runs: 1 run(s)"),
    ] {
        let run = run_automator(directory.path(), args, &[]);
        let line = run.usage_error();
        assert!(line.contains(says), "{args:?}: {line}");
    }
    assert_eq!(
        std::fs::read_dir(directory.path()).unwrap().count(),
        0,
        "something was written"
    );
}
