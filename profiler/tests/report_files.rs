//! Reports of a real profiled run: file names, atomic writing, and the JSON round trip.

use profiler::report::{self, Stamp, json, text};
use tracing_subscriber::prelude::*;

fn profiled_run() -> profiler::Profile {
    let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        tracing::info_span!("run", tier = "system", component = "app").in_scope(|| {
            for attempt in 0..4 {
                tracing::info_span!("login", tier = "component", component = "auth").in_scope(
                    || {
                        tracing::info_span!("submit", tier = "operation", component = "browser")
                            .in_scope(|| {
                                if attempt == 0 {
                                    tracing::error!(error = "timeout after 30s", "submit failed");
                                }
                            });
                    },
                );
            }
        });
    });
    handle.snapshot("report test")
}

#[test]
fn json_round_trips_through_serde_without_loss() {
    let profile = profiled_run();
    let rendered = json::render(&profile);
    assert_eq!(json::parse(&rendered).unwrap(), profile);
    let value: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    assert_eq!(value["schema"], 1);
    assert_eq!(value["session"]["name"], "report test");
    assert_eq!(value["keys"].as_array().unwrap().len(), 3);
    let submit = value["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["key"] == "browser.submit")
        .unwrap();
    assert_eq!(
        (submit["count"].as_u64(), submit["failures"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(submit["last_error"], "timeout after 30s");
    assert_eq!(submit["tier"], "operation");
}

#[test]
fn write_reports_creates_both_files_with_the_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profiled_run();
    let stamp = Stamp::at(time::macros::datetime!(2025-08-05 11:12:04 UTC));
    let target = dir.path().join("logs/performance");
    let paths = report::write_reports(&profile, &target, &stamp).unwrap();
    assert_eq!(paths.log, target.join("performance_20250805_111204.log"));
    assert_eq!(paths.json, target.join("performance_20250805_111204.json"));
    assert_eq!(
        std::fs::read_to_string(&paths.log).unwrap(),
        text::render(&profile)
    );
    assert_eq!(
        json::parse(&std::fs::read_to_string(&paths.json).unwrap()).unwrap(),
        profile
    );
    let names: Vec<_> = std::fs::read_dir(&target)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files are left: {names:?}");
}

#[test]
fn the_text_report_covers_every_section_of_a_real_run() {
    let text = text::render(&profiled_run());
    for heading in [
        "Performance report: report test",
        "Time by tier (self time",
        "Slowest keys",
        "Call tree",
        "Memory (resident set size",
        "Failures",
    ] {
        assert!(text.contains(heading), "missing {heading:?} in\n{text}");
    }
    assert!(
        text.lines()
            .any(|line| line.starts_with("    browser.submit")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("browser.submit") && line.ends_with("timeout after 30s"))
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("app.run") && line.contains("MiB")),
        "system spans sample memory"
    );
}

#[test]
fn an_unwritable_directory_is_reported_not_panicked() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let error = report::write_reports(&profiled_run(), &blocker, &Stamp::now()).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("performance_") && message.contains("writable"),
        "{message}"
    );
}

/// One report cannot be written (its name is taken by a directory that is not empty): it is
/// listed with its path and the reason, the others are written, no temporary file is left.
#[test]
fn a_report_that_cannot_be_written_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let stamp = Stamp::now();
    let blocked = report::paths::json_path(dir.path(), &stamp);
    std::fs::create_dir_all(blocked.join("occupied")).unwrap();
    let written = report::write_all(
        &profiled_run(),
        dir.path(),
        &stamp,
        Some(&Default::default()),
        None,
    );
    assert_eq!(written.json, None);
    assert_eq!(written.failed.len(), 1, "{:?}", written.failed);
    assert_eq!(written.failed[0].path, blocked);
    assert!(!written.failed[0].reason.is_empty());
    assert!(
        written.failed[0]
            .to_string()
            .contains(&blocked.display().to_string()),
        "the warning names the file: {}",
        written.failed[0]
    );
    for path in [&written.log, &written.html] {
        let path = path.as_ref().expect("written");
        assert!(std::fs::read_to_string(path).unwrap().contains("app.run"));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("performance_{stamp}.html"),
            format!("performance_{stamp}.json"),
            format!("performance_{stamp}.log"),
        ],
        "no temporary files"
    );
}
