//! The regression gate end to end on synthetic profiles: save, load, compare, verdicts,
//! hard limits, machine warnings, exit codes and the text report.

mod synthetic;

use profiler::Tier;
use profiler::baseline::{
    BaselineError, GateConfig, HardLimit, KeyThreshold, LimitOutcome, PerformanceBaseline, Verdict,
    compare,
};
use synthetic::{key_stats, lognormal_ns, profile};

fn baseline_profile() -> profiler::Profile {
    profile(
        "main",
        vec![
            key_stats(
                "track_management.solo_track",
                Tier::Method,
                &lognormal_ns(1, 200, 10e6, 0.2),
            ),
            key_stats(
                "download_management.download_current_mix",
                Tier::Method,
                &lognormal_ns(2, 200, 50e6, 0.2),
            ),
            key_stats(
                "file_operations.clear_song_folder",
                Tier::Method,
                &lognormal_ns(3, 3, 2e6, 0.3),
            ),
            key_stats(
                "webdriver.find_element",
                Tier::Operation,
                &lognormal_ns(4, 5_000, 1e6, 0.2),
            ),
            key_stats(
                "authentication.login",
                Tier::Component,
                &lognormal_ns(5, 20, 300e6, 0.1),
            ),
        ],
        &[],
    )
}

/// solo 30% slower (real), download unchanged, clear_song_folder 25% faster on 3 calls
/// (noise), find_element 5% slower on 5 000 calls (real but small), login gone, a new key.
fn current_profile() -> profiler::Profile {
    profile(
        "feature-branch",
        vec![
            key_stats(
                "track_management.solo_track",
                Tier::Method,
                &lognormal_ns(11, 200, 13e6, 0.2),
            ),
            key_stats(
                "download_management.download_current_mix",
                Tier::Method,
                &lognormal_ns(12, 200, 50e6, 0.2),
            ),
            key_stats(
                "file_operations.clear_song_folder",
                Tier::Method,
                &lognormal_ns(13, 3, 1.5e6, 0.3),
            ),
            key_stats(
                "webdriver.find_element",
                Tier::Operation,
                &lognormal_ns(14, 5_000, 1.05e6, 0.2),
            ),
            key_stats(
                "track_management.verify_mix",
                Tier::Method,
                &lognormal_ns(15, 50, 4e6, 0.2),
            ),
        ],
        &[],
    )
}

fn verdict_of(report: &profiler::baseline::GateReport, key: &str) -> Verdict {
    report
        .keys
        .iter()
        .find(|entry| entry.key == key)
        .unwrap()
        .verdict
}

#[test]
fn verdicts_need_both_a_real_shift_and_one_beyond_the_threshold() {
    let baseline = PerformanceBaseline::from_profile("main", &baseline_profile());
    let current = PerformanceBaseline::from_profile("feature", &current_profile());
    let report = compare(&baseline, &current, &GateConfig::default());
    for (key, expected) in [
        ("track_management.solo_track", Verdict::Regression),
        (
            "download_management.download_current_mix",
            Verdict::NoChange,
        ),
        ("file_operations.clear_song_folder", Verdict::WithinNoise),
        ("webdriver.find_element", Verdict::NoChange),
        ("authentication.login", Verdict::Missing),
        ("track_management.verify_mix", Verdict::New),
    ] {
        assert_eq!(verdict_of(&report, key), expected, "{key}");
    }
    // The small shift on many calls is statistically real, yet under the threshold.
    let find = report
        .keys
        .iter()
        .find(|entry| entry.key == "webdriver.find_element")
        .unwrap();
    assert!(
        find.p_value.unwrap() < 0.05 && find.change.unwrap() < 0.2,
        "{find:?}"
    );
    // Regressions come first in the report.
    assert_eq!(report.keys[0].verdict, Verdict::Regression);
    assert_eq!(report.exit_code(false), 0);
    assert_eq!(report.exit_code(true), 1);
}

#[test]
fn an_improvement_is_detected_the_other_way_round() {
    let slow = PerformanceBaseline::from_profile("slow", &current_profile());
    let fast = PerformanceBaseline::from_profile("fast", &baseline_profile());
    let report = compare(&slow, &fast, &GateConfig::default());
    assert_eq!(
        verdict_of(&report, "track_management.solo_track"),
        Verdict::Improvement
    );
    assert!(!report.has_regression());
    assert_eq!(report.exit_code(true), 0);
}

#[test]
fn per_key_thresholds_and_a_stricter_metric_change_the_call() {
    let baseline = PerformanceBaseline::from_profile("main", &baseline_profile());
    let current = PerformanceBaseline::from_profile("feature", &current_profile());
    let lenient = GateConfig {
        key_thresholds: vec![KeyThreshold::parse("track_management.*=50%").unwrap()],
        ..GateConfig::default()
    };
    let report = compare(&baseline, &current, &lenient);
    assert_eq!(
        verdict_of(&report, "track_management.solo_track"),
        Verdict::NoChange
    );
    assert_eq!(report.exit_code(true), 0);
}

#[test]
fn hard_limits_fail_the_gate_even_without_the_regression_flag() {
    let baseline = PerformanceBaseline::from_profile("main", &baseline_profile());
    let current = PerformanceBaseline::from_profile("feature", &current_profile());
    let config = GateConfig {
        hard_limits: vec![
            HardLimit::parse("track_management.solo_track:p95<12ms").unwrap(),
            HardLimit::parse("download_management.download_current_mix:p95<1s").unwrap(),
            HardLimit::parse("authentication.login:p95<1s").unwrap(),
        ],
        ..GateConfig::default()
    };
    let report = compare(&baseline, &current, &config);
    let outcomes: Vec<LimitOutcome> = report.limits.iter().map(|check| check.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            LimitOutcome::Fail,
            LimitOutcome::Pass,
            LimitOutcome::NotMeasured
        ]
    );
    assert_eq!(report.exit_code(false), 1);
    let text = report.render_text(false);
    assert!(
        text.contains("track_management.solo_track:p95<12.0ms"),
        "{text}"
    );
    assert!(text.contains("BROKEN"));
    assert!(
        text.contains("result: FAIL: 1 hard limit(s) broken"),
        "{text}"
    );
}

#[test]
fn the_same_distribution_is_not_a_regression_across_many_keys_and_trials() {
    let mut trials_with_a_false_alarm = 0;
    for trial in 0..40u64 {
        let keys = |seed: u64| -> Vec<profiler::KeyStats> {
            (0..12)
                .map(|index| {
                    let key = format!("component.key_{index}");
                    // Few calls per key make ±20% swings of the median common: the test must
                    // keep those from being called regressions.
                    key_stats(
                        &key,
                        Tier::Method,
                        &lognormal_ns(seed * 100 + index, 6, 5e6, 0.4),
                    )
                })
                .collect()
        };
        let baseline = PerformanceBaseline::from_profile("a", &profile("a", keys(trial), &[]));
        let current =
            PerformanceBaseline::from_profile("b", &profile("b", keys(10_000 + trial), &[]));
        let report = compare(&baseline, &current, &GateConfig::default());
        if report.has_regression() || report.count(Verdict::Improvement) > 0 {
            trials_with_a_false_alarm += 1;
        }
    }
    assert!(
        trials_with_a_false_alarm <= 2,
        "{trials_with_a_false_alarm} of 40 A/A gates alarmed"
    );
}

#[test]
fn different_machines_are_warned_about() {
    let baseline = PerformanceBaseline::from_profile("main", &baseline_profile());
    let mut other = current_profile();
    other.session.machine = synthetic::machine("Other CPU @ 1.2GHz");
    other.session.machine.cores = 2;
    let current = PerformanceBaseline::from_profile("feature", &other);
    let report = compare(&baseline, &current, &GateConfig::default());
    assert_eq!(
        report.machine_warnings.len(),
        2,
        "{:?}",
        report.machine_warnings
    );
    let text = report.render_text(true);
    assert!(text.contains("warning: the machines differ (CPU Test CPU @ 3.0GHz vs Other CPU @ 1.2GHz; 8 vs 2 cores)"), "{text}");
}

#[test]
fn the_text_report_is_an_aligned_table_with_a_result_line() {
    let baseline = PerformanceBaseline::from_profile("main", &baseline_profile());
    let current = PerformanceBaseline::from_profile("feature", &current_profile());
    let text = compare(&baseline, &current, &GateConfig::default()).render_text(false);
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|line| line.starts_with("key "))
        .unwrap();
    let verdict_column = lines[header].find("verdict").unwrap();
    for row in &lines[header + 1..header + 7] {
        let prefix: String = row.chars().take(verdict_column).collect();
        assert!(prefix.ends_with("  "), "misaligned row: {row}");
        assert!(
            row.chars().nth(verdict_column).is_some_and(|c| c != ' '),
            "misaligned row: {row}"
        );
    }
    assert!(text.contains("REGRESSION"));
    assert!(
        text.contains(
            "1 regression(s), 0 improvement(s), 1 within noise, 2 no change, 1 new, 1 missing"
        ),
        "{text}"
    );
    assert!(
        text.contains("result: WARN: regression (not failing: pass --fail-on-regression to fail)")
    );
}

#[test]
fn saves_atomically_and_loads_back_with_commit_and_histograms() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("baselines/main.json");
    let mut source = baseline_profile();
    source.session.git_commit = None;
    let baseline = PerformanceBaseline::from_profile("main", &source);
    assert_eq!(
        baseline.git_commit,
        profiler::baseline::current_git_commit()
    );
    baseline.save(&path).unwrap();
    let loaded = PerformanceBaseline::load(&path).unwrap();
    assert_eq!(loaded, baseline);
    let solo = loaded.key("track_management.solo_track").unwrap();
    assert_eq!(solo.count, 200);
    assert_eq!(
        solo.histogram
            .buckets
            .iter()
            .map(|(_, count)| count)
            .sum::<u64>(),
        200
    );
    assert!(solo.median_ns <= solo.p95_ns && solo.p95_ns <= solo.p99_ns);
    let shown = loaded.render_text();
    assert!(
        shown.contains("track_management.solo_track") && shown.contains("p95"),
        "{shown}"
    );
}

#[test]
fn a_profile_report_can_stand_in_for_a_baseline() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("performance_20250805_111204.json");
    std::fs::write(&path, serde_json::to_string(&current_profile()).unwrap()).unwrap();
    let loaded = PerformanceBaseline::load_any(&path).unwrap();
    assert_eq!(loaded.name, "performance_20250805_111204");
    assert!(loaded.key("track_management.verify_mix").is_some());
}

#[test]
fn missing_corrupt_and_future_files_are_clear_errors_naming_the_file() {
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("nope.json");
    let error = PerformanceBaseline::load(&missing).unwrap_err();
    assert!(matches!(error, BaselineError::Read { .. }));
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot read baseline file {}", missing.display()))
    );

    let corrupt = folder.path().join("corrupt.json");
    std::fs::write(
        &corrupt,
        "{\n  \"schema\": 1,\n  \"name\": \"x\",\n  \"keys\": [tru]\n}\n",
    )
    .unwrap();
    let error = PerformanceBaseline::load(&corrupt).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!(
            "{}: not a valid baseline or profile file (line 4",
            corrupt.display()
        )),
        "{error}"
    );
    assert!(error.contains("--save-baseline"));
    assert!(!error.contains('\n'));

    let truncated = folder.path().join("truncated.json");
    let full = serde_json::to_string(&PerformanceBaseline::from_profile("x", &baseline_profile()))
        .unwrap();
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    assert!(
        PerformanceBaseline::load(&truncated)
            .unwrap_err()
            .to_string()
            .contains("not a valid baseline")
    );

    let future = folder.path().join("future.json");
    std::fs::write(&future, "{\"schema\": 99}").unwrap();
    let error = PerformanceBaseline::load_any(&future)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("baseline schema 99 is not supported"),
        "{error}"
    );
}
