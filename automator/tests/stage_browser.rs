//! The stage in a real headless Chromium (the automator's own browser: chromedriver + one
//! session): log in, solo tracks and watch `is-active` follow the server, request a mix, and
//! find the right file on disk.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use automator::browser::{Browser, Driver};
use automator::stage::{Ledger, Stage, StageConfig, find_song, read_mix_tag, song_mix_file_name};
use fantoccini::elements::Element;
use support::SIMPLE_SONG;

/// Every browser wait gives up after this long (the stage at scale 0.05 needs well under 1 s).
const PATIENCE: Duration = Duration::from_secs(15);

/// The first element matching `css`; a missing one fails the test naming the selector.
async fn find(driver: &Driver, css: &str) -> Element {
    driver
        .find(css)
        .await
        .unwrap_or_else(|error| panic!("{css}: {error}"))
}

/// Polls for an element the page shows later (after a server round trip).
async fn wait_for(driver: &Driver, css: &str) -> Element {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match driver.find(css).await {
            Ok(element) => return element,
            Err(error) => assert!(Instant::now() < deadline, "{css} never appeared: {error}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn click(driver: &Driver, css: &str) {
    let element = find(driver, css).await;
    driver
        .click(&element)
        .await
        .unwrap_or_else(|error| panic!("clicking {css}: {error}"));
}

/// Clicks an element that loads a new page and waits for that page.
async fn click_to_page(driver: &Driver, element: &Element) {
    driver
        .click_and_wait_for_page(element)
        .await
        .expect("the next page loads");
}

async fn type_into(driver: &Driver, css: &str, text: &str) {
    let element = find(driver, css).await;
    driver
        .type_text(&element, text)
        .await
        .unwrap_or_else(|error| panic!("typing into {css}: {error}"));
}

async fn text(driver: &Driver, css: &str) -> String {
    find(driver, css).await.text().await.unwrap()
}

fn solo_button(index: usize) -> String {
    format!(r#".track[data-index="{index}"] button.track__solo"#)
}

async fn is_active(driver: &Driver, index: usize) -> bool {
    let class = find(driver, &solo_button(index))
        .await
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default();
    class.split_whitespace().any(|c| c == "is-active")
}

/// Clicks a track's solo button, waits for `is-active` on it and checks that the server had
/// applied that track's latest solo request by then (the page must never run ahead of the
/// server).
async fn solo(driver: &Driver, ledger: &Ledger, index: usize) {
    click(driver, &solo_button(index)).await;
    let deadline = Instant::now() + PATIENCE;
    while !is_active(driver, index).await {
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
        let present: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        let partial = present.iter().any(|file| file.ends_with(".crdownload"));
        if path.exists() && !partial {
            return path;
        }
        assert!(
            Instant::now() < deadline,
            "no {name} in {dir:?}; found {present:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_person_in_chromium_logs_in_solos_and_downloads_the_right_mix() {
    let _lock = support::browser_lock();
    let stage = Stage::start(StageConfig {
        time_scale: 0.05,
        ..StageConfig::default()
    })
    .await
    .unwrap();
    let ledger = stage.ledger();
    let scratch = tempfile::tempdir().unwrap();
    let downloads = scratch.path().join("downloads");
    let browser = Browser::start(&support::headless_browser_options(downloads.clone()))
        .await
        .expect("a headless Chromium session");
    let run_tag = browser.run_tag().to_string();
    let driver = browser.driver();

    driver.navigate(stage.url(), 0).await.unwrap();
    let log_in = driver.find_link("Log in").await.unwrap();
    click_to_page(driver, &log_in).await;
    type_into(
        driver,
        "input[name=frm_login]",
        automator::stage::DEMO_USERNAME,
    )
    .await;
    type_into(
        driver,
        "input[name=frm_password]",
        automator::stage::DEMO_PASSWORD,
    )
    .await;
    click_to_page(driver, &find(driver, "input[name=sbm]").await).await;
    driver.find_link("My Account").await.expect("logged in");

    driver
        .navigate(&format!("{}{SIMPLE_SONG}", stage.url()), 0)
        .await
        .unwrap();
    solo(driver, &ledger, 1).await;
    // Solo buttons toggle: a second click turns Bass off again.
    click(driver, &solo_button(1)).await;
    let deadline = Instant::now() + PATIENCE;
    while is_active(driver, 1).await {
        assert!(Instant::now() < deadline, "solo 1 never turned off");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    solo(driver, &ledger, 2).await;

    click(
        driver,
        ".pitch button.btn--pitch.pitch__button[onclick*='+ 1']",
    )
    .await;
    assert_eq!(text(driver, ".pitch div").await, "+1");
    click(driver, "#precount").await;

    click(driver, "a.download").await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let message = text(driver, ".modal__message").await;
        if message == "Creating your custom backing track… please wait"
            || message.starts_with("Your download will begin")
        {
            break;
        }
        assert!(Instant::now() < deadline, "no modal text: {message:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let link = wait_for(driver, ".modal__link a").await;
    let message = text(driver, ".modal__message").await;
    assert!(
        message.starts_with("Your download will begin in a moment…"),
        "{message}"
    );
    let expected = song_mix_file_name(find_song(SIMPLE_SONG).unwrap(), Some("Electric Guitar"), 1);
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

    browser.shutdown().await;
    support::assert_no_processes_left(&run_tag);
    stage.shutdown().await;
}
