//! A browser for one run: chromedriver (ours, or an external WebDriver endpoint) plus one
//! Chromium session with a fresh profile and a chosen download directory. Shut down in
//! order — session first, then chromedriver's process group, then the profile folder (which
//! holds the user name in its autofill database) — and on drop as a safety net. Profiles that
//! killed runs left behind are removed when the next browser starts.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::ClientBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use super::chromedriver::{ChromeDriver, find_chromium};
use super::command::Driver;
use super::error::BrowserError;
use super::leftovers;
use super::managed_downloads::{self, DownloadRoute, Mirror, redacted};
use super::processes::new_run_tag;

/// How to get a browser.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    /// An already running W3C WebDriver endpoint; `None` spawns `chromedriver`.
    pub webdriver: Option<String>,
    /// The chromedriver binary to spawn when `webdriver` is `None`.
    pub chromedriver: PathBuf,
    /// Show the browser window (debugging).
    pub headed: bool,
    /// Where downloads arrive on this machine: Chromium saves into it, or — when `webdriver`
    /// is a Grid on another machine — the managed-downloads mirror writes into it.
    pub download_dir: PathBuf,
    /// Bound of every single WebDriver command.
    pub command_timeout: Duration,
    /// Bound of the longest async script the run will execute.
    pub script_timeout: Duration,
    /// The run's own temporary folders (the incoming downloads folder) that the browser's
    /// watchdog removes, with Chromium's profile, should this process be killed. Never a
    /// folder of the user's.
    pub temporary_dirs: Vec<PathBuf>,
}

/// Name prefix of Chromium's temporary profile folders in `$TMPDIR`; the owner's pid follows
/// (see `leftovers`).
pub const PROFILE_PREFIX: &str = "automator-chromium-";

/// Chromium flags for an unattended, quiet, reproducible browser (root-safe).
/// `BackForwardCache` is off: the flow never goes back, and a cached song page keeps its
/// long-poll requests open, so a few pages visited within the site's long-poll timeout took
/// all six connections Chromium allows a host, and the next page's solo click waited for a
/// free one (a solo "not applied" at small time scales, a wrong mix after a blind wait).
const CHROMIUM_ARGS: &[&str] = &[
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-features=Translate,MediaRouter,OptimizationHints,BackForwardCache",
    "--password-store=basic",
    "--window-size=1280,900",
];

/// One browser session and whatever process serves it.
#[derive(Debug)]
pub struct Browser {
    driver: Driver,
    /// Declared after `driver` so the session handle goes first on drop.
    _chromedriver: Option<ChromeDriver>,
    /// Brings files back from a Grid node (see `managed_downloads`); `None` when Chromium
    /// saves straight into the local download folder.
    mirror: Option<Mirror>,
    /// Chromium's fresh profile directory; removed after chromedriver is gone.
    _profile_dir: Option<tempfile::TempDir>,
    run_tag: String,
}

impl Browser {
    /// Starts chromedriver (unless an endpoint is given) and opens a session.
    #[tracing::instrument(
        name = "start_browser",
        skip_all,
        fields(tier = "component", component = "browser"),
        err
    )]
    pub async fn start(options: &BrowserOptions) -> Result<Browser, BrowserError> {
        let run_tag = new_run_tag();
        std::fs::create_dir_all(&options.download_dir).map_err(BrowserError::Directory)?;
        let (chromedriver, profile_dir, endpoint) = match &options.webdriver {
            Some(endpoint) => (None, None, endpoint.clone()),
            None => {
                leftovers::remove_stale(&std::env::temp_dir(), PROFILE_PREFIX);
                let profile_dir = tempfile::Builder::new()
                    .prefix(&leftovers::owned_prefix(PROFILE_PREFIX))
                    .tempdir()
                    .map_err(BrowserError::Directory)?;
                let mut folders = vec![profile_dir.path().to_path_buf()];
                folders.extend(options.temporary_dirs.iter().cloned());
                let driver = ChromeDriver::start(&options.chromedriver, &run_tag, &folders).await?;
                let endpoint = driver.url();
                (Some(driver), Some(profile_dir), endpoint)
            }
        };
        let (chromium, route) = match &options.webdriver {
            Some(endpoint) => (None, managed_downloads::choose_route(endpoint).await?),
            None => (
                Some(find_chromium().ok_or(BrowserError::ChromiumMissing)?),
                DownloadRoute::Local,
            ),
        };
        let capabilities = capabilities(
            options,
            profile_dir.as_ref().map(|dir| dir.path().to_path_buf()),
            chromium,
            route,
        );
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let connecting = builder.connect(&endpoint);
        let client = match tokio::time::timeout(
            options.command_timeout.max(Duration::from_secs(30)),
            connecting,
        )
        .await
        {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => {
                let message = error.to_string();
                let message = message
                    .lines()
                    .next()
                    .unwrap_or("unknown error")
                    .to_string();
                return Err(BrowserError::Session {
                    endpoint: redacted(&endpoint),
                    message,
                });
            }
            Err(_) => {
                return Err(BrowserError::Session {
                    endpoint: redacted(&endpoint),
                    message: "no answer (timed out)".into(),
                });
            }
        };
        let mirror = match route {
            DownloadRoute::Local => None,
            DownloadRoute::Managed => {
                let session_id = client.session_id().await.ok().flatten().ok_or_else(|| {
                    BrowserError::Session {
                        endpoint: redacted(&endpoint),
                        message: "the new session has no id".into(),
                    }
                })?;
                Some(Mirror::start(
                    &endpoint,
                    &session_id,
                    options.download_dir.clone(),
                )?)
            }
        };
        Ok(Browser {
            driver: Driver::new(client, options.command_timeout),
            _chromedriver: chromedriver,
            mirror,
            _profile_dir: profile_dir,
            run_tag,
        })
    }

    pub fn driver(&self) -> &Driver {
        &self.driver
    }

    /// The tag in the environment of every process of this browser (see `processes`).
    pub fn run_tag(&self) -> &str {
        &self.run_tag
    }

    /// Closes the session (Chromium quits), then stops chromedriver and its process group.
    #[tracing::instrument(
        name = "stop_browser",
        skip_all,
        fields(tier = "component", component = "browser")
    )]
    pub async fn shutdown(mut self) {
        if let Some(mirror) = self.mirror.take() {
            let brought = mirror.finish().await;
            tracing::info!("managed downloads: {brought} file(s) brought back from the Grid node");
        }
        if let Err(error) = self.driver.clone().close().await {
            tracing::debug!(%error, "closing the browser session failed; killing the processes instead");
        }
        drop(self);
    }
}

fn capabilities(
    options: &BrowserOptions,
    profile_dir: Option<PathBuf>,
    chromium: Option<PathBuf>,
    route: DownloadRoute,
) -> serde_json::Map<String, Value> {
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|arg| arg.to_string()).collect();
    if !options.headed {
        args.push("--headless".into());
    }
    if let Some(profile_dir) = profile_dir {
        args.push(format!("--user-data-dir={}", profile_dir.display()));
    }
    let mut chrome_options = json!({
        "args": args,
        "prefs": {
            "download.prompt_for_download": false,
            "download.directory_upgrade": true,
            "safebrowsing.enabled": false,
            "profile.default_content_setting_values.automatic_downloads": 1,
        },
    });
    if let Some(chromium) = chromium {
        chrome_options["binary"] = Value::String(chromium.display().to_string());
    }
    // With managed downloads the node chooses its own folder; a local path means nothing there.
    if route == DownloadRoute::Local {
        chrome_options["prefs"]["download.default_directory"] =
            Value::String(options.download_dir.display().to_string());
    }
    let script_ms = options.script_timeout.as_millis() as u64;
    let command_ms = options.command_timeout.as_millis() as u64;
    let mut capabilities = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        "timeouts": { "script": script_ms, "pageLoad": command_ms, "implicit": 0 },
        "goog:chromeOptions": chrome_options,
    });
    if route == DownloadRoute::Managed {
        capabilities[managed_downloads::DOWNLOADS_CAPABILITY] = Value::Bool(true);
    }
    match capabilities {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}
