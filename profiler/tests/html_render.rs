//! The HTML reports open in real headless Chromium and their charts are drawn: SVG shapes
//! exist *and* have a laid-out size, nothing is fetched from the network, and hostile key
//! names stay text.

mod synthetic;

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use profiler::abtest::{AnalysisConfig, Arm, Explanation, RunSample, Schedule, analyze};
use profiler::html::{
    RunContext, render_comparison, render_comparison_with, render_profile, render_profile_with,
};
use profiler::preset::KnobChange;
use profiler::{MemoryStats, Profile, Tier};
use serde_json::{Value, json};
use synthetic::{key_stats, lognormal_ns, profile};

const HOSTILE: &str = "evil.<img src=x onerror=alert(1)>";

/// A share of the machine-wide lock the automator's browser tests take (see
/// `automator/tests/support`): rendering measures no time, so it may run beside another
/// browser test but never beside one that does; released when dropped or when the process dies.
struct BrowserLock {
    _file: std::fs::File,
}

fn browser_lock() -> BrowserLock {
    let path = std::env::temp_dir().join("automator-e2e-browser.lock");
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|error| panic!("cannot open the browser lock {}: {error}", path.display()));
    file.lock_shared()
        .unwrap_or_else(|error| panic!("cannot take the browser lock: {error}"));
    BrowserLock { _file: file }
}

/// chromedriver in its own process group; dropping it kills the group, so neither it nor the
/// Chromium it started can outlive the test.
struct ChromeDriver {
    child: Child,
    port: u16,
    _profile_dir: tempfile::TempDir,
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        let binary = std::env::var_os("CHROMEDRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
        assert!(
            binary.exists(),
            "chromedriver not found at {} (run scripts/ensure-browser or set CHROMEDRIVER)",
            binary.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let driver = ChromeDriver {
            child,
            port,
            _profile_dir: tempfile::tempdir().unwrap(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    async fn session(&self) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_string(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                    "--window-size=1280,2000",
                    format!("--user-data-dir={}", self._profile_dir.path().display()),
                ]
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a headless Chromium session")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        std::thread::sleep(Duration::from_millis(200));
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

fn sample_profile() -> Profile {
    profile(
        "automator --profile",
        vec![
            key_stats("automator.run", Tier::System, &[1_700_000_000_000]),
            key_stats(
                "track_management.solo_track",
                Tier::Method,
                &lognormal_ns(1, 40, 12e9, 0.1),
            ),
            key_stats(
                "download_management.monitor_download_completion",
                Tier::Method,
                &lognormal_ns(2, 40, 30e9, 0.1),
            ),
            key_stats(
                "webdriver.find_element",
                Tier::Operation,
                &lognormal_ns(3, 900, 2e6, 0.5),
            ),
            key_stats(HOSTILE, Tier::Component, &lognormal_ns(4, 3, 5e6, 0.2)),
        ],
        &[
            ("automator.run", "track_management.solo_track"),
            (
                "automator.run",
                "download_management.monitor_download_completion",
            ),
            ("track_management.solo_track", "webdriver.find_element"),
        ],
    )
}

fn sample_comparison() -> profiler::abtest::Comparison {
    let runs: Vec<RunSample> = Schedule::interleaved(6)
        .into_iter()
        .enumerate()
        .map(|(index, arm)| {
            let solo = if arm == Arm::A { 24.0 } else { 10.0 } + index as f64 * 0.1;
            let keys = vec![
                key_stats(
                    "track_management.finalize_solo_activation",
                    Tier::Method,
                    &[(solo * 1e9) as u64],
                ),
                key_stats(
                    "download_management.monitor_download_completion",
                    Tier::Method,
                    &[66_000_000_000],
                ),
                key_stats(HOSTILE, Tier::Method, &[1_000_000]),
            ];
            RunSample {
                arm,
                duration: Duration::from_secs_f64(solo + 66.0),
                units: 2,
                correct_units: 2,
                profile: profile("run", keys, &[]),
            }
        })
        .collect();
    let config = AnalysisConfig {
        unit: "track".into(),
        ..AnalysisConfig::default()
    };
    analyze(
        "current",
        "solo_only",
        &runs,
        &Explanation::default(),
        &config,
    )
    .unwrap()
}

fn write(directory: &Path, name: &str, html: &str) -> String {
    let path = directory.join(name);
    std::fs::write(&path, html).unwrap();
    format!("file://{}", path.display())
}

const INSPECT: &str = r#"
const drawn = (selector) => [...document.querySelectorAll(selector)]
  .filter((element) => { const box = element.getBoundingClientRect(); return box.width > 0 || box.height > 0; }).length;
return {
  title: document.title,
  svgs: drawn('svg'),
  bars: drawn('svg rect.bar'),
  boxes: drawn('svg rect.box'),
  dots: drawn('svg circle.dot'),
  lines: drawn('svg line'),
  treeRows: document.querySelectorAll('table.tree tr').length,
  scripts: document.querySelectorAll('script').length,
  images: document.querySelectorAll('img').length,
  resources: performance.getEntriesByType('resource').length,
  hostileShownAsText: document.body.textContent.includes('<img src=x onerror=alert(1)>'),
  verdict: (document.querySelector('.verdict') || {}).textContent || null,
};
"#;

async fn inspect(client: &Client, url: &str) -> Value {
    client.goto(url).await.unwrap();
    client.execute(INSPECT, vec![]).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_render_their_charts_in_headless_chromium() {
    let directory = tempfile::tempdir().unwrap();
    let profile = sample_profile();
    let comparison = sample_comparison();
    let profile_url = write(directory.path(), "profile.html", &render_profile(&profile));
    let comparison_url = write(
        directory.path(),
        "comparison.html",
        &render_comparison(&comparison),
    );

    let _lock = browser_lock();
    let driver = ChromeDriver::start();
    let client = driver.session().await;
    let profile_page = inspect(&client, &profile_url).await;
    let comparison_page = inspect(&client, &comparison_url).await;
    client.close().await.unwrap();
    drop(driver);

    // Profile: four tier bars, one distribution box per key, the call tree, no network.
    assert_eq!(profile_page["title"], "Profile: automator --profile");
    assert!(
        profile_page["svgs"].as_u64().unwrap() >= 2,
        "{profile_page}"
    );
    assert!(
        profile_page["bars"].as_u64().unwrap() >= 3,
        "{profile_page}"
    );
    assert_eq!(profile_page["boxes"], 5, "{profile_page}");
    assert!(
        profile_page["lines"].as_u64().unwrap() > 10,
        "{profile_page}"
    );
    assert_eq!(profile_page["treeRows"], 1 + 5, "{profile_page}");
    assert_eq!(profile_page["scripts"], 0);
    assert_eq!(
        profile_page["images"], 0,
        "a key name became markup: {profile_page}"
    );
    assert_eq!(profile_page["hostileShownAsText"], true);
    assert_eq!(
        profile_page["resources"], 0,
        "the page fetched something: {profile_page}"
    );

    // Comparison: interval dot + one dot per run twice (time per unit, run order), a bar per
    // key, the verdict sentence.
    assert_eq!(comparison_page["title"], "A/B test: current vs solo_only");
    assert_eq!(comparison_page["dots"], 1 + 12 + 12, "{comparison_page}");
    assert_eq!(comparison_page["bars"], 3, "{comparison_page}");
    assert_eq!(comparison_page["verdict"], comparison.verdict.as_str());
    assert!(
        comparison.verdict.starts_with("solo_only is "),
        "{}",
        comparison.verdict
    );
    assert_eq!(comparison_page["images"], 0);
    assert_eq!(comparison_page["scripts"], 0);
    assert_eq!(comparison_page["resources"], 0);
}

/// The sample profile with what a real `--profile` run adds: memory samples on the system and
/// component keys, a failing key, and the caller's context with a trace beside the page.
fn full_profile() -> Profile {
    let mut profile = sample_profile();
    for (index, key) in profile.keys.iter_mut().enumerate() {
        if matches!(key.tier, Tier::System | Tier::Component) {
            key.memory = Some(MemoryStats {
                samples: key.count,
                mean_before_bytes: (80 + index as u64 * 10) << 20,
                mean_after_bytes: (90 + index as u64 * 10) << 20,
                total_delta_bytes: (10 << 20) * key.count as i64,
                peak_bytes: (120 + index as u64 * 30) << 20,
            });
        }
    }
    let solo = profile
        .keys
        .iter_mut()
        .find(|key| key.key == "track_management.solo_track")
        .unwrap();
    solo.failures = 3;
    solo.successes = solo.count - 3;
    solo.last_error = Some("the solo button never turned active within 10 s".into());
    profile
}

const CHARTS: &str = r#"
const sized = (selector) => [...document.querySelectorAll(selector)].map((element) => {
  const box = element.getBoundingClientRect();
  return { width: box.width, height: box.height };
});
const link = document.querySelector('#trace-link');
return {
  flame: sized('#flame svg.flame rect.frame'),
  flameTitles: document.querySelectorAll('#flame svg.flame g > title').length,
  flameNote: (document.querySelector('#flame p.meta') || {}).textContent || '',
  histograms: sized('#histograms svg.histogram'),
  histogramBars: sized('#histograms rect.hist-bar'),
  memory: sized('#memory svg rect.bar.memory'),
  failureRows: document.querySelectorAll('#failures tr.failed').length,
  failureText: (document.querySelector('#failures') || {}).textContent || '',
  header: (document.querySelector('#run .facts') || {}).textContent || '',
  traceHref: link ? link.getAttribute('href') : null,
  scripts: document.querySelectorAll('script').length,
  resources: performance.getEntriesByType('resource').length,
  pageHeight: document.documentElement.scrollHeight,
};
"#;

fn all_drawn(boxes: &Value) -> bool {
    boxes.as_array().is_some_and(|boxes| {
        !boxes.is_empty()
            && boxes.iter().all(|size| {
                size["width"].as_f64().unwrap_or(0.0) > 0.0
                    && size["height"].as_f64().unwrap_or(0.0) > 0.0
            })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_page_draws_its_flame_graph_histograms_and_memory_chart() {
    let directory = tempfile::tempdir().unwrap();
    let profile = full_profile();
    let trace = directory.path().join("trace_20250805_111204.json");
    std::fs::write(&trace, "[]").unwrap();
    let context = RunContext::default()
        .preset("current")
        .time_scale(0.05)
        .target("stage (embedded replica)")
        .trace(&trace);
    let html = render_profile_with(&profile, &context, Some(directory.path()));
    let url = write(directory.path(), "profile.html", &html);

    let _lock = browser_lock();
    let driver = ChromeDriver::start();
    let client = driver.session().await;
    client.goto(&url).await.unwrap();
    let page = client.execute(CHARTS, vec![]).await.unwrap();
    // For the people reviewing the look: REPORT_SCREENSHOTS=DIR saves the whole page as PNG.
    if let Some(shots) = std::env::var_os("REPORT_SCREENSHOTS") {
        let height = page["pageHeight"].as_u64().unwrap_or(2000) as u32 + 40;
        client.set_window_size(1280, height).await.unwrap();
        let png = client.screenshot().await.unwrap();
        std::fs::create_dir_all(&shots).unwrap();
        std::fs::write(PathBuf::from(&shots).join("profile-synthetic.png"), png).unwrap();
    }
    client.close().await.unwrap();
    drop(driver);

    // Flame graph: a box per call path, all laid out, except the 15 ms root beside the 1700 s
    // run (under 0.05% of the width), which the page counts as left out.
    assert_eq!(profile.tree.len(), 5);
    assert_eq!(page["flame"].as_array().unwrap().len(), 4, "{page}");
    assert!(all_drawn(&page["flame"]), "{page}");
    assert_eq!(page["flameTitles"], 4, "{page}");
    assert!(
        page["flameNote"]
            .as_str()
            .unwrap()
            .starts_with("1 calls too narrow"),
        "{page}"
    );
    // A histogram per key (five keys, all with buckets), every bar laid out.
    assert_eq!(page["histograms"].as_array().unwrap().len(), 5, "{page}");
    assert!(all_drawn(&page["histograms"]), "{page}");
    assert!(all_drawn(&page["histogramBars"]), "{page}");
    // Memory: a bar for the system key and the component key that were sampled.
    assert_eq!(page["memory"].as_array().unwrap().len(), 2, "{page}");
    assert!(all_drawn(&page["memory"]), "{page}");
    // Failures: the failing key with its last error, as the text report lists it.
    assert_eq!(page["failureRows"], 1, "{page}");
    let failures = page["failureText"].as_str().unwrap();
    assert!(
        failures.contains("track_management.solo_track")
            && failures.contains("never turned active"),
        "{failures}"
    );
    // The header: the caller's context, the machine, and the trace linked by file name.
    let header = page["header"].as_str().unwrap();
    for fact in ["current", "0.05×", "stage (embedded replica)", "Test CPU"] {
        assert!(header.contains(fact), "{fact} missing from {header}");
    }
    assert_eq!(page["traceHref"], "trace_20250805_111204.json");
    assert_eq!(page["scripts"], 0);
    assert_eq!(page["resources"], 0, "the page fetched something: {page}");
}

/// Self seconds per run of a sequential nested run: `automation.run` > `automation.song` >
/// the method keys. The parents' totals hold their children's time again; their self time
/// is only their own.
const SOLO_KEY: &str = "track_management.finalize_solo_activation";
const LONG_KEY: &str =
    "download_management.monitor_download_completion_until_the_file_settles_on_disk";

fn nested_run(arm: Arm, index: usize) -> RunSample {
    let drift = index as f64 * 0.15;
    let solo = if arm == Arm::A { 24.0 } else { 10.0 } + drift + (index % 3) as f64 * 0.2;
    let download = 66.0 + (index % 2) as f64 * 0.4;
    let settle = 1.0 + (index % 4) as f64 * 0.05;
    let (song_self, run_self) = (0.5, 0.3);
    let children = solo + download + settle;
    let song_total = children + song_self;
    let run_total = song_total + run_self;
    let ns = |seconds: f64| (seconds * 1e9).round() as u64;
    let with_self = |mut stats: profiler::KeyStats, self_seconds: f64| {
        stats.self_ns = ns(self_seconds);
        stats
    };
    let keys = vec![
        with_self(
            key_stats("automation.run", Tier::System, &[ns(run_total)]),
            run_self,
        ),
        with_self(
            key_stats("automation.song", Tier::Component, &[ns(song_total)]),
            song_self,
        ),
        key_stats(SOLO_KEY, Tier::Method, &[ns(solo)]),
        key_stats(
            "download_management.monitor_download_completion",
            Tier::Method,
            &[ns(download)],
        ),
        key_stats(LONG_KEY, Tier::Method, &[ns(settle)]),
    ];
    RunSample {
        arm,
        duration: Duration::from_nanos(ns(run_total)),
        units: 2,
        correct_units: 2,
        profile: profile(
            "run",
            keys,
            &[
                ("automation.run", "automation.song"),
                ("automation.song", SOLO_KEY),
                (
                    "automation.song",
                    "download_management.monitor_download_completion",
                ),
                ("automation.song", LONG_KEY),
            ],
        ),
    }
}

fn nested_comparison() -> profiler::abtest::Comparison {
    let runs: Vec<RunSample> = Schedule::interleaved(6)
        .into_iter()
        .enumerate()
        .map(|(index, arm)| nested_run(arm, index))
        .collect();
    let explanation = Explanation {
        knob_differences: vec![
            KnobChange {
                knob: "solo_wait".into(),
                from: Some(toml::Value::String("observe".into())),
                to: Some(toml::Value::String("fixed".into())),
            },
            KnobChange {
                knob: "download.poll_interval_ms".into(),
                from: Some(toml::Value::Integer(500)),
                to: Some(toml::Value::Integer(250)),
            },
        ],
        ..Explanation::default()
    };
    let mut comparison = analyze(
        "current",
        "solo_only",
        &runs,
        &explanation,
        &AnalysisConfig::default(),
    )
    .unwrap();
    comparison.provenance.warmup_runs_per_arm = Some(1);
    comparison
}

/// The first number after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> f64 {
    let rest = &text[text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"))
        + marker.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a number after {marker} in {text}"))
}

#[test]
fn the_headline_speedup_is_the_inverse_of_the_charted_ratio_with_its_interval_inverted() {
    let comparison = nested_comparison();
    let ratio = comparison.ratio_b_over_a;
    // B is faster: the verdict says "solo_only is 1.xx faster", the chart shows B/A < 1.
    assert!(ratio.estimate < 1.0 && comparison.verdict.starts_with("solo_only is "));
    let verdict_times = number_after(&comparison.verdict, "solo_only is");
    let verdict_low = number_after(&comparison.verdict, "CI");
    let direction = comparison.direction_line();
    assert!(
        direction.contains("below 1 means B is faster"),
        "{direction}"
    );
    assert_eq!(
        number_after(&direction, "B/A ="),
        (ratio.estimate * 1000.0).round() / 1000.0
    );
    assert_eq!(
        number_after(&direction, "solo_only is"),
        verdict_times,
        "{direction} vs {}",
        comparison.verdict
    );
    assert_eq!(verdict_times, (100.0 / ratio.estimate).round() / 100.0);
    assert_eq!(verdict_low, (100.0 / ratio.high).round() / 100.0);
    let html = render_comparison(&comparison);
    assert!(html.contains("id=\"direction\""));
    assert!(html.contains(&profiler::html::escape(&direction)));
}

#[test]
fn where_the_time_moved_counts_every_second_once() {
    let comparison = nested_comparison();
    // Parents appear with their own (constant) time only: by total time automation.run and
    // automation.song would each repeat the whole change, three times in all.
    let self_sum: f64 = comparison
        .key_deltas
        .iter()
        .map(|delta| delta.self_delta())
        .sum();
    let total_sum: f64 = comparison
        .key_deltas
        .iter()
        .map(|delta| delta.total_delta())
        .sum();
    assert!(
        (self_sum - comparison.run_delta).abs() < 1e-6,
        "{self_sum} vs {}",
        comparison.run_delta
    );
    assert!((total_sum - 3.0 * comparison.run_delta).abs() < 1e-6);
    for parent in ["automation.run", "automation.song"] {
        let delta = comparison
            .key_deltas
            .iter()
            .find(|delta| delta.key == parent)
            .unwrap();
        assert!(delta.self_delta().abs() < 1e-9, "{parent}: {delta:?}");
    }
    let html = render_comparison(&comparison);
    let run_change = profiler::stats::format_signed_seconds(comparison.run_delta);
    assert!(
        html.contains(&format!(
            "add up to {run_change} per run; the mean run time changed by {run_change}"
        )),
        "{run_change}"
    );
}

const AB_CHARTS: &str = r#"
const sized = (selector) => [...document.querySelectorAll(selector)].map((element) => {
  const box = element.getBoundingClientRect();
  return { width: box.width, height: box.height };
});
const labels = [...document.querySelectorAll('#moved svg.moved text.label')].map((label) => {
  const box = label.getBoundingClientRect();
  const svg = label.ownerSVGElement.getBoundingClientRect();
  return {
    title: label.querySelector('title').textContent,
    shown: [...label.querySelectorAll('tspan')].map((span) => span.textContent).join(''),
    inside: box.left >= svg.left - 0.5 && box.width > 0,
  };
});
return {
  header: (document.querySelector('#run .facts') || {}).textContent || '',
  knobRows: [...document.querySelectorAll('#knobs table.knobs tr')].slice(1)
    .map((row) => [...row.cells].map((cell) => cell.textContent)),
  ratioDot: sized('#ratio svg.ratio circle.dot'),
  ratioMargin: sized('#ratio svg.ratio rect.margin'),
  ratioSides: (document.querySelector('#ratio svg.ratio') || {}).textContent || '',
  direction: (document.querySelector('#direction') || {}).textContent || '',
  perRunDots: sized('#per-run svg circle.dot'),
  runOrderDots: sized('#run-order svg.run-order circle.dot.run'),
  runOrderLines: sized('#run-order svg.run-order polyline.trend'),
  movedBars: sized('#moved svg.moved rect.bar'),
  movedWhiskers: sized('#moved svg.moved line.ci'),
  labels,
  scripts: document.querySelectorAll('script').length,
  resources: performance.getEntriesByType('resource').length,
  pageHeight: document.documentElement.scrollHeight,
};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ab_page_draws_its_header_knobs_ratio_run_order_and_self_time_charts() {
    let directory = tempfile::tempdir().unwrap();
    let comparison = nested_comparison();
    let context = RunContext::default()
        .time_scale(0.05)
        .target("stage (embedded replica)");
    let url = write(
        directory.path(),
        "comparison.html",
        &render_comparison_with(&comparison, &context),
    );

    let _lock = browser_lock();
    let driver = ChromeDriver::start();
    let client = driver.session().await;
    client.goto(&url).await.unwrap();
    let page = client.execute(AB_CHARTS, vec![]).await.unwrap();
    // For the people reviewing the look: REPORT_SCREENSHOTS=DIR saves the whole page as PNG.
    if let Some(shots) = std::env::var_os("REPORT_SCREENSHOTS") {
        let height = page["pageHeight"].as_u64().unwrap_or(2000) as u32 + 40;
        client.set_window_size(1280, height).await.unwrap();
        let png = client.screenshot().await.unwrap();
        std::fs::create_dir_all(&shots).unwrap();
        std::fs::write(PathBuf::from(&shots).join("ab-synthetic.png"), png).unwrap();
    }
    client.close().await.unwrap();
    drop(driver);

    let header = page["header"].as_str().unwrap();
    for fact in [
        "date",
        "T", // an RFC 3339 start time
        "Test CPU",
        "0.05×",
        "stage (embedded replica)",
        "A 6 (6 usable) · B 6 (6 usable)",
        "1 run(s) per arm",
    ] {
        assert!(header.contains(fact), "{fact} missing from {header}");
    }
    assert_eq!(
        page["knobRows"],
        json!([
            ["solo_wait", "observe", "fixed"],
            ["download.poll_interval_ms", "500", "250"]
        ])
    );
    assert!(all_drawn(&page["ratioDot"]), "{page}");
    assert!(all_drawn(&page["ratioMargin"]), "{page}");
    assert!(
        page["ratioSides"]
            .as_str()
            .unwrap()
            .contains("below 1: B (solo_only) faster"),
        "{page}"
    );
    assert!(
        page["direction"]
            .as_str()
            .unwrap()
            .contains("B/A time per track")
    );
    assert_eq!(page["perRunDots"].as_array().unwrap().len(), 12);
    assert!(all_drawn(&page["perRunDots"]), "{page}");
    assert_eq!(page["runOrderDots"].as_array().unwrap().len(), 12);
    assert!(all_drawn(&page["runOrderDots"]), "{page}");
    assert_eq!(page["runOrderLines"].as_array().unwrap().len(), 2);
    assert!(all_drawn(&page["runOrderLines"]), "{page}");
    // One bar per key with self time (5 keys), each with its interval whisker.
    assert_eq!(page["movedBars"].as_array().unwrap().len(), 5, "{page}");
    assert!(all_drawn(&page["movedBars"]), "{page}");
    assert_eq!(page["movedWhiskers"].as_array().unwrap().len(), 5, "{page}");
    // Every label shows the whole key, wrapped inside the chart, never cut.
    let labels = page["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 5);
    for label in labels {
        assert_eq!(label["title"], label["shown"], "{label}");
        assert_eq!(label["inside"], true, "{label}");
    }
    assert!(labels.iter().any(|label| label["title"] == LONG_KEY));
    assert_eq!(page["scripts"], 0);
    assert_eq!(page["resources"], 0, "the page fetched something: {page}");
}

const SCALING_CHARTS: &str = r#"
const sized = (selector) => [...document.querySelectorAll(selector)].map((element) => {
  const box = element.getBoundingClientRect();
  return { width: box.width, height: box.height };
});
return {
  throughputDots: sized('#throughput svg.levels circle.dot.level'),
  throughputLines: sized('#throughput svg.levels polyline'),
  speedupDots: sized('#speedup svg.levels circle.dot.level'),
  knees: sized('svg.levels line.knee'),
  rows: document.querySelectorAll('#levels tr').length,
  answer: (document.querySelector('#answer') || {}).textContent || '',
  scripts: document.querySelectorAll('script').length,
  resources: performance.getEntriesByType('resource').length,
};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scaling_page_draws_throughput_and_speedup_against_perfect_scaling() {
    // A site serving three units at once, 10 s each; 12 units per run.
    let mut calls = std::collections::HashMap::new();
    let report = profiler::scaling::ScalingStudy::new([1, 2, 4, 8])
        .repeats(3)
        .run(|sessions| {
            let call: &mut usize = calls.entry(sessions).or_default();
            *call += 1;
            let wall = 120.0 / sessions.min(3) as f64 * (1.0 + [-0.01, 0.0, 0.01][*call % 3]);
            Ok::<_, std::convert::Infallible>(profiler::scaling::ScalingRun::new(
                Duration::from_secs_f64(wall),
                12,
            ))
        })
        .unwrap();
    let directory = tempfile::tempdir().unwrap();
    let url = write(
        directory.path(),
        "scaling.html",
        &profiler::html::render_scaling(&report, &RunContext::default().time_scale(0.25)),
    );

    let _lock = browser_lock();
    let driver = ChromeDriver::start();
    let client = driver.session().await;
    client.goto(&url).await.unwrap();
    let page = client.execute(SCALING_CHARTS, vec![]).await.unwrap();
    client.close().await.unwrap();
    drop(driver);

    assert_eq!(
        page["throughputDots"].as_array().unwrap().len(),
        4,
        "{page}"
    );
    assert!(all_drawn(&page["throughputDots"]), "{page}");
    // The measured line and the dashed line of perfect scaling.
    assert_eq!(
        page["throughputLines"].as_array().unwrap().len(),
        2,
        "{page}"
    );
    assert!(all_drawn(&page["throughputLines"]), "{page}");
    assert_eq!(page["speedupDots"].as_array().unwrap().len(), 4, "{page}");
    assert!(all_drawn(&page["speedupDots"]), "{page}");
    // The knee is a vertical line: laid out with a height, no width.
    let knees = page["knees"].as_array().unwrap();
    assert_eq!(knees.len(), 2, "{page}");
    assert!(
        knees
            .iter()
            .all(|knee| knee["height"].as_f64().unwrap_or(0.0) > 100.0),
        "{page}"
    );
    assert_eq!(page["rows"], 1 + 4);
    assert_eq!(page["answer"], report.answer.as_str());
    assert!(report.answer.starts_with("Use 4 ("), "{}", report.answer);
    assert_eq!(page["scripts"], 0);
    assert_eq!(page["resources"], 0, "the page fetched something: {page}");
}
