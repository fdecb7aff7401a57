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
use profiler::html::{RunContext, render_comparison, render_profile, render_profile_with};
use profiler::{MemoryStats, Profile, Tier};
use serde_json::{Value, json};
use synthetic::{key_stats, lognormal_ns, profile};

const HOSTILE: &str = "evil.<img src=x onerror=alert(1)>";

/// The machine-wide lock the automator's browser tests take too (at most one real Chromium at
/// a time on a two-core machine); released when dropped or when the process dies.
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
    file.lock()
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

    // Comparison: interval dot + one dot per run, a bar per key, the verdict sentence.
    assert_eq!(comparison_page["title"], "A/B test: current vs solo_only");
    assert_eq!(comparison_page["dots"], 1 + 12, "{comparison_page}");
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
