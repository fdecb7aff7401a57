//! The regression gate's inputs and CI exports, as a user runs the built binary: every bad
//! gate input is one `error:` line and exit 2 before a browser starts, and the exports of a
//! comparison parse and agree with its verdict.

mod support;

use std::net::TcpListener;

use profiler::baseline::{KeyBaseline, PerformanceBaseline};
use profiler::{Histogram, MachineInfo};
use support::gate::{save, three_run_baseline, three_run_key};
use support::run_automator;

/// A key measured in three runs whose medians are `millis` ± 1%, with `failures` failed calls
/// per run (of 10).
fn key(name: &str, millis: u64, failures: u64) -> KeyBaseline {
    let nanos = millis * 1_000_000;
    let histogram = Histogram {
        buckets: vec![(nanos, 30)],
    };
    three_run_key(name, nanos, 10, failures, histogram)
}

fn baseline(name: &str, keys: Vec<KeyBaseline>) -> PerformanceBaseline {
    three_run_baseline(name, MachineInfo::current(), keys)
}

/// Every bad gate input of a measuring run (`--profile --compare/--save-baseline`) ends the
/// command with one line and exit 2 before the automation asks for a browser: the WebDriver
/// endpoint it is given (a socket this test holds) never sees a connection.
#[test]
fn bad_gate_inputs_exit_2_before_a_browser_starts() {
    let directory = tempfile::tempdir().unwrap();
    let good = baseline("good", vec![key("track_management.solo_track", 60, 0)]);
    save(directory.path(), "good.json", &good);
    let mut twice = good.clone();
    twice.keys.push(twice.keys[0].clone());
    save(directory.path(), "twice.json", &twice);
    std::fs::write(
        directory.path().join("corrupt.json"),
        "{\n  \"schema\": 1,\n  \"name\": \"x\",\n  \"keys\": [oops]\n}\n",
    )
    .unwrap();
    std::fs::create_dir(directory.path().join("a_folder.json")).unwrap();

    let webdriver = TcpListener::bind("127.0.0.1:0").unwrap();
    webdriver.set_nonblocking(true).unwrap();
    let url = format!("http://{}", webdriver.local_addr().unwrap());
    let cases: [(&[&str], &str); 12] = [
        (
            &["--compare", "no_such_baseline"],
            "no baseline named `no_such_baseline`: looked for logs/performance/baselines/no_such_baseline.json",
        ),
        (
            &["--compare", "corrupt.json"],
            "corrupt.json: not a valid baseline or profile file (line 4",
        ),
        (
            &["--compare", "twice.json"],
            "twice.json: key `track_management.solo_track` is listed twice",
        ),
        (
            &["--save-baseline", ""],
            "--save-baseline: `` is not a baseline name",
        ),
        (
            &["--save-baseline", "ci/base"],
            "--save-baseline: `ci/base` is not a baseline name",
        ),
        (
            &["--save-baseline", "../up"],
            "--save-baseline: `../up` is not a baseline name",
        ),
        (
            &["--save-baseline", "a_folder.json"],
            "--save-baseline: `a_folder.json` is a folder",
        ),
        (
            &["--save-baseline", "base", "--runs", "0"],
            "--runs: must be at least 1",
        ),
        (&["--runs", "3"], "--runs: repeats a run only for"),
        (
            &["--compare", "good.json", "--min-share", "150"],
            "--min-share: 150 is not a percentage from 0 to 100",
        ),
        (
            &["--save-baseline", "base", "--export-junit", "gate.xml"],
            "--export-junit: JUnit XML is written for the regression gate only",
        ),
        (
            &[
                "--compare",
                "good.json",
                "--export-json",
                "no/such/folder/gate.json",
            ],
            "--export-json: folder no/such/folder does not exist",
        ),
    ];
    for (args, expected) in cases {
        let args = [
            &["--profile", "--webdriver", &url, "--max-tracks", "1"][..],
            args,
        ]
        .concat();
        let run = run_automator(directory.path(), &args, &[]);
        let line = run.usage_error();
        assert!(line.contains(expected), "{args:?}: {line}");
        assert!(
            matches!(webdriver.accept(), Err(error) if error.kind() == std::io::ErrorKind::WouldBlock),
            "{args:?} reached the browser"
        );
    }
    assert!(!directory.path().join("logs/performance/baselines").exists());
    assert!(!directory.path().join("downloads").exists());
}

/// `--compare A --against B` with every export and a GitHub step summary: a slower key and a
/// key whose calls now all fail are the two regressions, in every format.
#[test]
fn a_comparison_exports_json_markdown_bmf_junit_and_the_step_summary() {
    let directory = tempfile::tempdir().unwrap();
    let before = baseline(
        "main",
        vec![
            key("track_management.solo_track", 60, 0),
            key("dl.download_track", 1_010, 0),
            key("authentication.login", 300, 0),
        ],
    );
    let after = baseline(
        "branch",
        vec![
            key("track_management.solo_track", 1_370, 0),
            key("dl.download_track", 11, 10),
            key("authentication.login", 300, 0),
        ],
    );
    save(directory.path(), "main.json", &before);
    save(directory.path(), "branch.json", &after);
    let summary = directory.path().join("step_summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let run = run_automator(
        directory.path(),
        &[
            "--compare",
            "main.json",
            "--against",
            "branch.json",
            "--fail-on-regression",
            "--export-json",
            "gate.json",
            "--export-markdown",
            "gate.md",
            "--export-bmf",
            "gate.bmf.json",
            "--export-junit",
            "gate.xml",
        ],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    run.printed("2 regression(s) (1 timing, 1 success rate)");
    run.printed("Exported: gate.xml");
    let read = |name: &str| std::fs::read_to_string(directory.path().join(name)).unwrap();

    let json: serde_json::Value = serde_json::from_str(&read("gate.json")).unwrap();
    assert_eq!(
        (json["passed"].as_bool(), json["exit_code"].as_i64()),
        (Some(false), Some(1))
    );
    assert_eq!(json["counts"]["regression"], 1);
    assert_eq!(json["counts"]["fewer_successes"], 1);

    let bmf: serde_json::Value = serde_json::from_str(&read("gate.bmf.json")).unwrap();
    let solo = bmf["track_management.solo_track"]["latency"]["value"]
        .as_f64()
        .unwrap();
    assert!((solo - 1.37e9).abs() < 1e6, "{solo}");
    assert!(
        bmf.get("dl.download_track").is_none(),
        "no clean run: no timing to report"
    );

    let xml = read("gate.xml");
    let document = roxmltree::Document::parse(&xml).unwrap();
    let failed: Vec<&str> = document
        .descendants()
        .filter(|node| node.has_tag_name("testcase"))
        .filter(|case| case.children().any(|child| child.has_tag_name("failure")))
        .map(|case| case.attribute("name").unwrap())
        .collect();
    assert_eq!(failed, ["dl.download_track", "track_management.solo_track"]);

    let markdown = read("gate.md");
    assert!(
        markdown.starts_with("## Regression gate: FAIL\n"),
        "{markdown}"
    );
    assert_eq!(
        read("step_summary.md"),
        format!("# earlier step\n{markdown}\n")
    );
}
