//! The stage in a real headless Chromium (chromedriver + fantoccini): log in, solo tracks and
//! watch `is-active` follow the server, request a mix, and find the right file on disk.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use automator::stage::{Ledger, Stage, StageConfig, mix_file_name, read_mix_tag};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const SONG: &str = "/custombackingtrack/the-night-owls/paper-moon-parade.html";
/// Every browser wait gives up after this long (the stage at scale 0.05 needs well under 1 s).
const PATIENCE: Duration = Duration::from_secs(15);

/// chromedriver in its own process group; dropping it kills the whole group (chromedriver and
/// every Chromium it started), even when the test fails.
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    fn start() -> Chromedriver {
        let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.to_owned());
        assert!(
            Path::new(&binary).exists(),
            "chromedriver not found at {binary}: install it with `apt-get install chromium chromium-driver` \
             (or set CHROMEDRIVER to its path)"
        );
        assert!(
            Path::new(CHROMIUM).exists(),
            "Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free local port")
            .port();
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {binary}: {error}"));
        Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + PATIENCE;
        let http = reqwest::Client::new();
        while Instant::now() < deadline {
            if let Ok(response) = http.get(format!("{}/status", self.url)).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "chromedriver did not answer on {} within {PATIENCE:?}",
            self.url
        );
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let group = i32::try_from(self.child.id()).expect("pid fits in i32");
        // SAFETY: kill(2) with a negative pid signals the process group we created; no memory
        // is involved.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

async fn open_browser(driver: &Chromedriver, profile: &Path, downloads: &Path) -> Client {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
            },
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object literal")
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session in headless Chromium")
}

fn solo_button(index: usize) -> Locator<'static> {
    match index {
        1 => Locator::Css(r#".track[data-index="1"] button.track__solo"#),
        2 => Locator::Css(r#".track[data-index="2"] button.track__solo"#),
        _ => unreachable!("the test solos tracks 1 and 2"),
    }
}

async fn is_active(browser: &Client, index: usize) -> bool {
    let class = browser
        .find(solo_button(index))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default();
    class.split_whitespace().any(|c| c == "is-active")
}

/// Waits for `is-active` on a track's solo button and checks that the server had applied
/// that track's latest solo request by then (the page must never run ahead of the server).
async fn wait_active(browser: &Client, ledger: &Ledger, index: usize) {
    let deadline = Instant::now() + PATIENCE;
    while !is_active(browser, index).await {
        assert!(
            Instant::now() < deadline,
            "solo {index} never became active"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let latest = ledger
        .records()
        .into_iter()
        .rev()
        .find(|r| r.track == index);
    assert!(
        latest.is_some_and(|record| record.solo_applied.is_some()),
        "is-active shown before the server applied solo {index}"
    );
}

/// Waits for the finished download: the file exists and no `.crdownload` is left.
async fn wait_file(dir: &Path, name: &str) -> PathBuf {
    let deadline = Instant::now() + PATIENCE;
    let path = dir.join(name);
    loop {
        let partial = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .any(|entry| entry.file_name().to_string_lossy().ends_with(".crdownload"));
        if path.exists() && !partial {
            return path;
        }
        let present: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .collect();
        assert!(
            Instant::now() < deadline,
            "no {name} in {dir:?}; found {present:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_person_in_chromium_logs_in_solos_and_downloads_the_right_mix() {
    let stage = Stage::start(StageConfig {
        time_scale: 0.05,
        ..StageConfig::default()
    })
    .await
    .unwrap();
    let ledger = stage.ledger();
    let scratch = tempfile::tempdir().unwrap();
    let downloads = scratch.path().join("downloads");
    std::fs::create_dir(&downloads).unwrap();
    let driver = Chromedriver::start();
    driver.wait_ready().await;
    let browser = open_browser(&driver, &scratch.path().join("profile"), &downloads).await;

    browser.goto(stage.url()).await.unwrap();
    browser
        .find(Locator::LinkText("Log in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find(Locator::Css("input[name=frm_login]"))
        .await
        .unwrap()
        .send_keys(automator::stage::DEMO_USERNAME)
        .await
        .unwrap();
    browser
        .find(Locator::Css("input[name=frm_password]"))
        .await
        .unwrap()
        .send_keys(automator::stage::DEMO_PASSWORD)
        .await
        .unwrap();
    browser
        .find(Locator::Css("input[name=sbm]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::LinkText("My Account"))
        .await
        .expect("logged in");

    browser
        .goto(&format!("{}{SONG}", stage.url()))
        .await
        .unwrap();
    browser
        .find(solo_button(1))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_active(&browser, &ledger, 1).await;
    browser
        .find(solo_button(2))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_active(&browser, &ledger, 2).await;
    assert!(
        !is_active(&browser, 1).await,
        "the previous solo loses is-active"
    );

    let plus = browser
        .find(Locator::Css(
            ".pitch button.btn--pitch.pitch__button[onclick*='+ 1']",
        ))
        .await
        .unwrap();
    plus.click().await.unwrap();
    let key = browser
        .find(Locator::Css(".pitch div"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(key, "+1");
    browser
        .find(Locator::Css("#precount"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    browser
        .find(Locator::Css("a.download"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let message = browser
        .find(Locator::Css(".modal__message"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(message, "Creating your custom backing track… please wait");
    let link = browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(".modal__link a"))
        .await
        .expect("the ready modal's manual download link");
    let message = browser
        .find(Locator::Css(".modal__message"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        message.starts_with("Your download will begin in a moment…"),
        "{message}"
    );
    let expected = mix_file_name("The Night Owls", "Paper Moon Parade", "Electric Guitar");
    assert_eq!(link.text().await.unwrap(), expected);

    let file = wait_file(&downloads, &expected).await;
    let tag = read_mix_tag(&std::fs::read(&file).unwrap()).expect("a complete, valid mix file");
    assert_eq!(tag.solo.as_deref(), Some("Electric Guitar"));
    assert_eq!((tag.key, tag.precount), (1, true));
    let served = ledger.mixes_served();
    assert_eq!(served.len(), 1);
    assert_eq!(
        (served[0].mix_of, served[0].requested_for),
        (Some(2), Some(2))
    );
    assert!(ledger.records().last().unwrap().delivered());

    browser.close().await.unwrap();
    drop(driver);
    stage.shutdown().await;
}
