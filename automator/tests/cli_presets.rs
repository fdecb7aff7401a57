//! The preset and regression-gate commands that need no browser, as a user runs them: the
//! built binary in a scratch directory. Listing, bad preset names and files, bad baseline files
//! and flags (exit 2, one clear line), and the gate's verdicts and exit codes on saved files.

mod support;

use profiler::baseline::PerformanceBaseline;
use profiler::{Histogram, MachineInfo};
use support::gate::{save, three_run_baseline, three_run_key};
use support::run_automator;

const PRESETS: [&str; 5] = [
    "current",
    "download_only",
    "optimized",
    "pre_optimization",
    "solo_only",
];

/// The one line a failed command printed, checked to be a single `error:` line.
#[test]
fn list_baselines_shows_every_preset_with_the_knobs_it_changes() {
    let directory = tempfile::tempdir().unwrap();
    let run = run_automator(directory.path(), &["--list-baselines"], &[]);
    run.succeeded();
    assert!(
        run.stdout
            .starts_with("5 presets from the presets built into this binary"),
        "{}",
        run.stdout
    );
    for name in PRESETS {
        assert!(
            run.stdout.lines().any(|line| line.starts_with(name)),
            "{name} missing:\n{}",
            run.stdout
        );
    }
    let block = |name: &str| -> Vec<String> {
        run.stdout
            .lines()
            .skip_while(|line| !line.starts_with(name))
            .skip(1)
            .take_while(|line| line.starts_with(' '))
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    let current = block("current");
    for change in [
        "solo_wait observe → fixed",
        "solo_activation_delay 5.0 → 12.0",
        "solo_activation_delay_simple 5.0 → 15.0",
        "solo_activation_delay_complex 5.0 → 21.0",
        "download_monitoring_initial_wait 0.0 → 30.0",
        "download_check_interval 0.5 → 5.0",
        "download_max_wait 300.0 → 90.0",
        "between_tracks_pause 0.0 → 0.5",
    ] {
        assert!(
            current.contains(&change.to_string()),
            "current lacks `{change}`: {current:?}"
        );
    }
    assert!(
        block("solo_only").contains(&"download_monitoring_initial_wait 0.0 → 30.0".to_string())
    );
    assert!(block("pre_optimization").contains(&"between_tracks_pause 0.0 → 2.0".to_string()));
    assert!(
        block("optimized")[0].starts_with("no changes"),
        "{:?}",
        block("optimized")
    );
}

#[test]
fn presets_come_from_a_baselines_folder_when_there_is_one() {
    let directory = tempfile::tempdir().unwrap();
    let folder = directory.path().join("baselines");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("poll.toml"),
        "name = \"poll\"\ndescription = \"Poll the solo button\"\n[knobs]\nsolo_wait = \"poll\"\n",
    )
    .unwrap();
    let run = run_automator(directory.path(), &["--list-baselines"], &[]);
    run.succeeded();
    assert!(
        run.stdout.starts_with("1 presets from baselines."),
        "{}",
        run.stdout
    );
    run.printed("solo_wait  observe → poll");
}

#[test]
fn an_unknown_preset_exits_2_listing_the_available_ones() {
    let directory = tempfile::tempdir().unwrap();
    for args in [
        &["--ab-test", "current", "fastest"][..],
        &["--baseline-test", "fastest"][..],
        &["--preset", "fastest"][..],
    ] {
        let run = run_automator(directory.path(), args, &[]);
        assert_eq!(
            run.usage_error(),
            "error: unknown preset `fastest`; available: current, download_only, optimized, pre_optimization, solo_only"
        );
    }
    assert!(
        !directory.path().join("logs/performance/baselines").exists(),
        "nothing may be written for bad input"
    );
}

#[test]
fn bad_preset_command_input_exits_2_before_any_browser_session_is_requested() {
    let directory = tempfile::tempdir().unwrap();
    // Stands in for the WebDriver endpoint: a run that got as far as a browser session would
    // connect here.
    let webdriver = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", webdriver.local_addr().unwrap());
    let unknown = ["--ab-test", "current", "fastest", "--webdriver", &endpoint];
    let no_runs = [
        "--ab-test",
        "current",
        "optimized",
        "--runs",
        "0",
        "--webdriver",
        &endpoint,
    ];
    let baseline_no_runs = [
        "--baseline-test",
        "current",
        "--runs",
        "0",
        "--webdriver",
        &endpoint,
    ];
    for (args, expected) in [
        (
            &unknown[..],
            "error: unknown preset `fastest`; available: current, download_only, optimized, pre_optimization, solo_only",
        ),
        (
            &no_runs[..],
            "error: --runs: must be at least 1 (4 or more per preset for a significant A/B result)",
        ),
        (&baseline_no_runs[..], "error: --runs: must be at least 1"),
    ] {
        let run = run_automator(directory.path(), args, &[]);
        assert_eq!(run.usage_error(), expected);
    }
    webdriver.set_nonblocking(true).unwrap();
    assert_eq!(
        webdriver.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "a browser session was requested despite bad input"
    );
    assert!(
        !directory.path().join("logs").exists(),
        "nothing may be written for bad input"
    );
}

#[test]
fn warmup_needs_a_preset_command() {
    let directory = tempfile::tempdir().unwrap();
    let run = run_automator(directory.path(), &["--warmup", "2"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.trim().lines().count() == 1
            && run.stderr.contains("required")
            && run.stderr.contains("--ab-test <A> <B>"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_corrupt_preset_file_exits_2_naming_file_line_and_knob() {
    let directory = tempfile::tempdir().unwrap();
    let folder = directory.path().join("presets");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("slow.toml"),
        "name = \"slow\"\ndescription = \"d\"\n[knobs]\nsolo_wait = \"fixed\"\nsolo_delay = 12.0\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("fast.toml"),
        "name = \"fast\"\ndescription = \"d\"\n[knobs]\nsolo_wait = \"observe\"\n",
    )
    .unwrap();
    for args in [
        &["--list-baselines", "--baselines", "presets"][..],
        &["--ab-test", "fast", "slow", "--baselines", "presets"][..],
    ] {
        let run = run_automator(directory.path(), args, &[]);
        let line = run.usage_error();
        assert!(
            line.contains("presets/slow.toml:5") && line.contains("unknown knob `solo_delay`"),
            "{line}"
        );
    }
    std::fs::write(
        folder.join("slow.toml"),
        "name = \"slow\"\ndescription = \"d\"\n[knobs]\nbetween_tracks_pause = \"long\"\n",
    )
    .unwrap();
    let run = run_automator(
        directory.path(),
        &["--list-baselines", "--baselines", "presets"],
        &[],
    );
    let line = run.usage_error();
    assert!(
        line.contains("presets/slow.toml:4") && line.contains("between_tracks_pause"),
        "{line}"
    );
    let missing = run_automator(
        directory.path(),
        &["--list-baselines", "--baselines", "nowhere"],
        &[],
    );
    assert!(
        missing.usage_error().contains("nowhere"),
        "{}",
        missing.stderr
    );
}

/// A gate baseline of three runs with one key whose calls took about `millis` (runs 1% apart),
/// plus a steady key.
fn baseline(name: &str, millis: u64, machine: MachineInfo) -> PerformanceBaseline {
    let key = |key: &str, nanos: u64| {
        let histogram = Histogram {
            buckets: vec![(nanos - nanos / 50, 20), (nanos + nanos / 50, 19)],
        };
        three_run_key(key, nanos, 13, 0, histogram)
    };
    three_run_baseline(
        name,
        machine,
        vec![
            key("track_management.wait_for_solo", millis * 1_000_000),
            key("authentication.login", 300_000_000),
        ],
    )
}

#[test]
fn the_gate_compares_saved_files_with_exit_codes_for_ci() {
    let directory = tempfile::tempdir().unwrap();
    let here = MachineInfo::current();
    let named = directory.path().join("logs/performance/baselines");
    std::fs::create_dir_all(&named).unwrap();
    save(&named, "fast.json", &baseline("fast", 250, here.clone()));
    save(
        directory.path(),
        "slow.json",
        &baseline("slow", 750, here.clone()),
    );

    let warn = run_automator(
        directory.path(),
        &["--compare", "fast", "--against", "slow.json"],
        &[],
    );
    warn.succeeded();
    let solo = warn
        .stdout
        .lines()
        .find(|line| line.starts_with("track_management.wait_for_solo"))
        .unwrap();
    assert!(
        solo.contains("+200") && solo.ends_with("REGRESSION"),
        "{solo}"
    );
    assert!(
        warn.stdout
            .lines()
            .any(|line| line.starts_with("authentication.login") && line.ends_with("no change")),
        "{}",
        warn.stdout
    );
    warn.printed("WARN: regression");

    let fail = run_automator(
        directory.path(),
        &[
            "--compare",
            "fast",
            "--against",
            "slow.json",
            "--fail-on-regression",
        ],
        &[],
    );
    assert_eq!(fail.code, Some(1), "{}", fail.stdout);
    fail.printed("FAIL: regression");

    let loose = [
        "--compare",
        "fast",
        "--against",
        "slow.json",
        "--fail-on-regression",
        "--key-threshold",
        "track_management.*=250",
    ];
    let tolerated = run_automator(directory.path(), &loose, &[]);
    assert_eq!(
        tolerated.code,
        Some(0),
        "a 200% change is inside a 250% key threshold:\n{}",
        tolerated.stdout
    );

    let better = run_automator(
        directory.path(),
        &[
            "--compare",
            "slow.json",
            "--against",
            "fast",
            "--fail-on-regression",
        ],
        &[],
    );
    better.succeeded();
    assert!(
        better
            .stdout
            .lines()
            .any(|line| line.starts_with("track_management.wait_for_solo")
                && line.ends_with("improvement"))
    );

    let budget = [
        "--compare",
        "slow.json",
        "--against",
        "fast",
        "--limit",
        "track_management.wait_for_solo:p95<100ms",
    ];
    let broken = run_automator(directory.path(), &budget, &[]);
    assert_eq!(
        broken.code,
        Some(1),
        "a broken hard limit always fails:\n{}",
        broken.stdout
    );
    broken.printed("BROKEN");

    let other = MachineInfo {
        cpu_model: "Some Other CPU".into(),
        cores: here.cores * 2,
        ..here
    };
    save(
        directory.path(),
        "elsewhere.json",
        &baseline("elsewhere", 250, other),
    );
    let warned = run_automator(
        directory.path(),
        &["--compare", "elsewhere.json", "--against", "fast"],
        &[],
    );
    warned.succeeded();
    warned.printed("warning: the machines differ");

    let shown = run_automator(directory.path(), &["--show-baseline", "fast"], &[]);
    shown.succeeded();
    assert!(
        shown.stdout.contains("Baseline \"fast\"")
            && shown.stdout.contains("track_management.wait_for_solo"),
        "{}",
        shown.stdout
    );
}

#[test]
fn bad_baseline_files_and_gate_flags_exit_2_with_one_clear_line() {
    let directory = tempfile::tempdir().unwrap();
    save(
        directory.path(),
        "good.json",
        &baseline("good", 250, MachineInfo::current()),
    );
    std::fs::write(
        directory.path().join("corrupt.json"),
        "{\n  \"schema\": 1,\n  \"name\": \"x\",\n  \"keys\": [oops]\n}\n",
    )
    .unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--show-baseline", "corrupt.json"],
            "corrupt.json: not a valid baseline or profile file (line 4",
        ),
        (
            &["--compare", "good.json", "--against", "corrupt.json"],
            "corrupt.json",
        ),
        (
            &["--compare", "nightly", "--against", "good.json"],
            "no baseline named `nightly`: looked for logs/performance/baselines/nightly.json",
        ),
        (
            &["--show-baseline", "missing.json"],
            "cannot read baseline file missing.json",
        ),
        (
            &[
                "--compare",
                "good.json",
                "--against",
                "good.json",
                "--threshold=-5",
            ],
            "--threshold: -5",
        ),
        (
            &[
                "--compare",
                "good.json",
                "--against",
                "good.json",
                "--limit",
                "login<3s",
            ],
            "bad hard limit `login<3s`",
        ),
    ];
    for (args, expected) in cases {
        let run = run_automator(directory.path(), args, &[]);
        let line = run.usage_error();
        assert!(line.contains(expected), "{args:?}: {line}");
    }
    let clap = run_automator(directory.path(), &["--against", "good.json"], &[]);
    assert_eq!(
        clap.code,
        Some(2),
        "--against needs --compare: {}",
        clap.stderr
    );
}

#[test]
fn help_documents_the_comparison_commands() {
    let directory = tempfile::tempdir().unwrap();
    let help = run_automator(directory.path(), &["--help"], &[]);
    help.succeeded();
    // Help wraps to the terminal's width: compare with the words, not the line breaks.
    let words = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for text in [
        "--list-baselines",
        "--baseline-test <NAME>",
        "--ab-test <A> <B>",
        "--warmup <N>",
        "Welch's t-test on log time per track",
        "rank-sum permutation",
        "Early stop",
        "the time scale is 0.03 unless --time-scale says otherwise",
        "--save-baseline <NAME|FILE>",
        "--show-baseline <NAME|FILE>",
        "--compare <NAME|FILE>",
        "--against <NAME|FILE>",
        "--key-threshold <KEY=PCT>",
        "--limit <KEY:METRIC<DURATION>",
        "--fail-on-regression",
        "--preset <NAME>",
        "--baselines <DIR>",
    ] {
        assert!(
            words.contains(text),
            "--help lacks `{text}`:\n{}",
            help.stdout
        );
    }
}
