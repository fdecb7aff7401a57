//! The `ab_sort` example end to end: the library's A/B runner on a workload that is not the
//! automator, with its presets read from TOML, its reports written and parsed back.

use std::process::Command;

use serde_json::Value;

#[test]
fn ab_sort_runs_both_presets_after_warmups_and_writes_a_comparison_per_batch() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ab_sort"))
        .args(["--runs", "3", "--warmup", "1", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("All 6 planned runs done. 2 warm-up run(s) before them were not analysed."),
        "{stdout}"
    );
    assert!(
        stdout.contains("Settings restored: no preset is applied."),
        "{stdout}"
    );

    let json =
        std::fs::read_to_string(out.path().join("ab_recomputed_keys_vs_cached_keys.json")).unwrap();
    let comparison: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(comparison["unit"], "batch");
    for (arm, name) in [("a", "recomputed_keys"), ("b", "cached_keys")] {
        let summary = &comparison[arm];
        assert_eq!(summary["name"], name);
        assert_eq!(summary["runs"], 3, "warm-ups are not analysed");
        assert_eq!(summary["units"], 12, "4 batches per run");
        assert_eq!(summary["correct_units"], 12, "every batch came out sorted");
    }
    let changes = comparison["knob_differences"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["knob"], "cached_keys");
    assert_eq!(
        (changes[0]["from"].clone(), changes[0]["to"].clone()),
        (Value::Bool(false), Value::Bool(true))
    );
    let verdict = comparison["verdict"].as_str().unwrap();
    assert!(stdout.contains(&format!("Verdict: {verdict}")), "{stdout}");
    for extension in ["md", "html"] {
        let report = std::fs::read_to_string(
            out.path()
                .join(format!("ab_recomputed_keys_vs_cached_keys.{extension}")),
        )
        .unwrap();
        assert!(report.contains("cached_keys"), "{report}");
    }
}

#[test]
fn ab_sort_rejects_a_bad_argument_with_one_line_and_exit_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_ab_sort"))
        .args(["--runs", "many"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: --runs many: expected a whole number\n"
    );
    let zero = Command::new(env!("CARGO_BIN_EXE_ab_sort"))
        .args(["--runs", "0"])
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&zero.stderr).starts_with("error: runs per arm must be at least 1"),
        "{}",
        String::from_utf8_lossy(&zero.stderr)
    );
}
