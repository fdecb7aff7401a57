//! `automator --ab-test A B` end to end: the built binary drives real headless Chromium against
//! the stage (time scale 0.03, two simple songs, one track each) and must reproduce what the
//! original's investigation found — blind solo waits and the 30 s download wait are what made
//! `current` slow — with significant verdicts, the delta attributed to the right knobs, every
//! file written and the configuration restored.

mod support;

use std::path::{Path, PathBuf};

use profiler::abtest::{Arm, ColdWarmPhase, Comparison, RecommendationKind};
use support::{SIMPLE_SONG, files_under, run_automator};

/// A second simple song, so each run's time per track averages two songs.
const SECOND_SIMPLE_SONG: &str = "/custombackingtrack/velvet-static/dont-wake-the-neighbours.html";

struct AbRun {
    stdout: String,
    comparison: Comparison,
    files: Vec<PathBuf>,
}

/// Runs `--ab-test a b` with `runs` runs per preset (and `extra` flags), checks it exits with
/// `code`, and returns its output and comparison.
fn ab_test(directory: &Path, a: &str, b: &str, runs: &str, extra: &[&str], code: i32) -> AbRun {
    let _lock = support::timing_lock();
    let songs = format!("songs:\n  - url: {SIMPLE_SONG}\n  - url: {SECOND_SIMPLE_SONG}\n");
    std::fs::write(directory.join("songs.yaml"), songs).unwrap();
    let args = [
        "--ab-test",
        a,
        b,
        "--songs",
        "songs.yaml",
        "--max-tracks",
        "1",
        "--runs",
        runs,
        "--time-scale",
        "0.03",
    ];
    let run = run_automator(directory, &[&args[..], extra].concat(), &[]);
    assert_eq!(
        run.code,
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run.printed(
        "Configuration restored: no preset is applied and every knob has its starting value again.",
    );
    let files = files_under(&directory.join("logs/performance/baselines"));
    let find = |prefix: &str, extension: &str| -> PathBuf {
        let found = files
            .iter()
            .find(|path| {
                let name = path.file_name().unwrap().to_string_lossy();
                name.starts_with(prefix) && name.ends_with(extension)
            })
            .unwrap_or_else(|| panic!("no {prefix}*{extension} among {files:?}"))
            .clone();
        let shown = found.strip_prefix(directory).unwrap().display().to_string();
        assert!(
            run.stdout.contains(&shown),
            "{shown} is not printed:\n{}",
            run.stdout
        );
        found
    };
    for preset in [a, b] {
        let set: serde_json::Value = serde_json::from_slice(
            &std::fs::read(find(&format!("baseline_{preset}_"), ".json")).unwrap(),
        )
        .unwrap();
        assert_eq!(set["preset"], preset);
        let first = &set["runs"][0];
        assert_eq!(first["tracks_attempted"], 2, "{first}");
        assert!(
            first["profile"]["keys"]
                .as_array()
                .is_some_and(|keys| !keys.is_empty())
        );
    }
    let prefix = format!("ab_{a}_vs_{b}_");
    let comparison =
        Comparison::from_json(&std::fs::read_to_string(find(&prefix, ".json")).unwrap()).unwrap();
    let markdown = std::fs::read_to_string(find(&prefix, ".md")).unwrap();
    // Markdown escapes `<` and `>` (a verdict says "p < 0.001").
    let verdict_in_markdown = comparison.verdict.replace('<', "&lt;").replace('>', "&gt;");
    assert!(markdown.contains(&verdict_in_markdown), "{markdown}");
    let html = std::fs::read_to_string(find(&prefix, ".html")).unwrap();
    assert!(html.contains("<svg"), "the HTML report has no chart");
    run.printed(&format!("Verdict: {}", comparison.verdict));
    AbRun {
        stdout: run.stdout,
        comparison,
        files,
    }
}

/// The attribution carrying the largest part of the change.
fn main_cause(comparison: &Comparison) -> (&str, f64) {
    let top = &comparison.attributions[0];
    (top.key_pattern.as_str(), top.share)
}

/// Every run starts a browser, so of its two tracks the first is cold and the second warm:
/// the comparison holds both phases with at least two runs per arm (so B/A has an interval),
/// and the printed "Cold vs warm" table has a row per phase with a value for each arm.
fn assert_cold_and_warm_rows(run: &AbRun) {
    let comparison = &run.comparison;
    let phases: Vec<(&str, ColdWarmPhase)> = comparison
        .cold_warm
        .iter()
        .map(|phase| (phase.key.as_str(), phase.phase))
        .collect();
    assert_eq!(
        phases,
        [
            ("automation.track@cold", ColdWarmPhase::Cold),
            ("automation.track", ColdWarmPhase::Warm)
        ],
        "{}",
        run.stdout
    );
    for phase in &comparison.cold_warm {
        assert!(
            phase.a.usable_runs >= 2 && phase.b.usable_runs >= 2,
            "{phase:?}"
        );
        assert_eq!(
            (phase.a.calls, phase.b.calls),
            (phase.a.usable_runs as u64, phase.b.usable_runs as u64),
            "one track of each phase per run: {phase:?}"
        );
        assert!(phase.ratio_b_over_a.is_some() && phase.p_value.is_some());
    }
    let start = run
        .stdout
        .find("Cold vs warm (")
        .unwrap_or_else(|| panic!("no cold vs warm table in\n{}", run.stdout));
    let rows: Vec<Vec<&str>> = run.stdout[start..]
        .lines()
        .skip(2)
        .take(2)
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|cell| !cell.is_empty())
                .collect()
        })
        .collect();
    for (row, phase) in rows.iter().zip(&comparison.cold_warm) {
        let runs = format!("{}/{}", phase.a.usable_runs, phase.b.usable_runs);
        let (a, b) = (phase.a.cell(), phase.b.cell());
        let ratio = phase.ratio_cell();
        assert_eq!(
            row[..6],
            [
                phase.key.as_str(),
                &phase.phase.to_string(),
                &runs,
                &a,
                &b,
                &ratio
            ],
            "{}",
            run.stdout
        );
    }
}

#[test]
fn current_is_slower_than_solo_only_because_of_the_blind_solo_waits() {
    let directory = tempfile::tempdir().unwrap();
    let run = ab_test(directory.path(), "current", "solo_only", "5", &[], 0);
    let comparison = &run.comparison;
    assert!(comparison.significant, "{}", run.stdout);
    assert_eq!(comparison.faster, Some(Arm::B), "{}", run.stdout);
    assert!(
        comparison.verdict.starts_with("solo_only is ")
            && comparison.verdict.contains("x faster than current")
    );
    let (cause, share) = main_cause(comparison);
    assert_eq!(cause, "solo", "{}", run.stdout);
    assert!(
        share > 0.5,
        "solo waiting explains only {share:.2} of the change:\n{}",
        run.stdout
    );
    assert!(
        comparison.attributions[0]
            .knobs
            .iter()
            .any(|change| change.knob == "solo_activation_delay_simple")
    );
    assert_eq!(comparison.a.correct_units, comparison.a.units);
    assert!(
        run.stdout.contains("two-sided permutation test") && run.stdout.contains("95% CI"),
        "{}",
        run.stdout
    );
    assert_eq!(run.files.len(), 5, "{:?}", run.files);
}

#[test]
fn current_is_slower_than_download_only_because_of_download_monitoring() {
    let directory = tempfile::tempdir().unwrap();
    let run = ab_test(directory.path(), "current", "download_only", "5", &[], 0);
    let comparison = &run.comparison;
    assert!(comparison.significant, "{}", run.stdout);
    assert_eq!(comparison.faster, Some(Arm::B), "{}", run.stdout);
    let (cause, share) = main_cause(comparison);
    assert_eq!(cause, "download", "{}", run.stdout);
    assert!(
        share > 0.5,
        "download monitoring explains only {share:.2} of the change:\n{}",
        run.stdout
    );
    assert!(
        comparison.attributions[0]
            .knobs
            .iter()
            .any(|change| change.knob == "download_monitoring_initial_wait")
    );
}

#[test]
fn pre_optimization_reproduces_the_original_regression_and_fails_the_gate() {
    let directory = tempfile::tempdir().unwrap();
    let flag = ["--fail-on-regression"];
    let run = ab_test(
        directory.path(),
        "pre_optimization",
        "current",
        "3",
        &flag,
        1,
    );
    let comparison = &run.comparison;
    assert!(comparison.significant, "{}", run.stdout);
    assert_eq!(comparison.faster, Some(Arm::A), "{}", run.stdout);
    let slower = comparison.ratio_b_over_a.estimate;
    assert!(
        slower >= 1.8,
        "current is only {slower:.2}x slower per track than pre_optimization:\n{}",
        run.stdout
    );
    assert!(
        comparison.verdict.starts_with("pre_optimization is "),
        "{}",
        comparison.verdict
    );
    assert!(
        run.stdout.contains(
            "FAIL: current is significantly slower than pre_optimization (--fail-on-regression)"
        ),
        "{}",
        run.stdout
    );
    assert_cold_and_warm_rows(&run);
}

#[test]
fn optimized_beats_current_and_the_test_stops_early_once_that_is_clear() {
    let directory = tempfile::tempdir().unwrap();
    let run = ab_test(directory.path(), "current", "optimized", "8", &[], 0);
    let comparison = &run.comparison;
    assert!(comparison.significant, "{}", run.stdout);
    assert_eq!(comparison.faster, Some(Arm::B), "{}", run.stdout);
    assert!(
        comparison.ratio_b_over_a.high < 0.5,
        "optimized should be more than twice as fast:\n{}",
        run.stdout
    );
    // The stop rule looks after each A B B A block once both arms have 4 runs: a 3x effect
    // is clear at the first look (8 runs) or, on a noisy machine, at a later one.
    let done = comparison.a.runs + comparison.b.runs;
    assert!(
        (8..16).contains(&done)
            && done.is_multiple_of(4)
            && comparison.a.runs == comparison.b.runs
            && run
                .stdout
                .contains(&format!("Stopped early after {done} of 16 planned runs")),
        "{}",
        run.stdout
    );
    let adopt = comparison
        .recommendations
        .iter()
        .find(|item| item.kind == RecommendationKind::Adopt)
        .unwrap();
    assert!(adopt.text.starts_with("Adopt optimized"), "{}", adopt.text);
    assert_eq!(
        comparison.b.correct_units, comparison.b.units,
        "optimized must not lose files"
    );
}

#[test]
fn the_same_preset_twice_runs_as_a_labelled_a_a_test_with_distinct_files_after_warmups() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("songs.yaml"),
        format!("songs:\n  - url: {SIMPLE_SONG}\n"),
    )
    .unwrap();
    let run = run_automator(
        directory.path(),
        &[
            "--ab-test",
            "optimized",
            "optimized",
            "--songs",
            "songs.yaml",
            "--max-tracks",
            "1",
            "--runs",
            "2",
            "--warmup",
            "1",
            "--time-scale",
            "0.03",
        ],
        &[],
    );
    run.succeeded();
    run.printed("A/A test: the same preset twice, labelled optimized-A (A) and optimized-B (B)")
        .printed("after 1 discarded warm-up run(s) each")
        .printed("warm-up 1/2  optimized-A")
        .printed("warm-up 2/2  optimized-B")
        .printed("run  4/4  optimized-A")
        .printed("2 warm-up run(s) before them were not analysed.")
        .printed(
            "Configuration restored: no preset is applied and every knob has its starting value again.",
        );
    assert!(!run.stdout.contains("(A) (A)"), "{}", run.stdout);

    let files = files_under(&directory.path().join("logs/performance/baselines"));
    let mut names: Vec<String> = files
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // Drop the `_YYYYMMDD_HHMMSS` stamp before the extension.
            let dot = name.rfind('.').unwrap();
            format!("{}{}", &name[..dot - 16], &name[dot..])
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "ab_optimized-A_vs_optimized-B.html",
            "ab_optimized-A_vs_optimized-B.json",
            "ab_optimized-A_vs_optimized-B.md",
            "baseline_optimized-A.json",
            "baseline_optimized-B.json",
        ]
    );
    for arm in ["A", "B"] {
        let path = files
            .iter()
            .find(|path| {
                path.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!("baseline_optimized-{arm}_"))
            })
            .unwrap();
        let set: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(set["preset"], "optimized");
        assert_eq!(
            set["runs"].as_array().unwrap().len(),
            2,
            "warm-ups are not saved: {set}"
        );
    }
    let json = files
        .iter()
        .find(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
                && path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("ab_")
        })
        .unwrap();
    let comparison = Comparison::from_json(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(
        (comparison.a.name.as_str(), comparison.b.name.as_str()),
        ("optimized-A", "optimized-B")
    );
    assert_eq!((comparison.a.runs, comparison.b.runs), (2, 2));
    assert!(comparison.knob_differences.is_empty());
}
