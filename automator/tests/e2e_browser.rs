//! The browser's lifetime against a real headless Chromium: it starts, runs commands through
//! the wrapper, and leaves no process behind — after an orderly shutdown and after a plain drop.

mod support;

use std::time::Duration;

use automator::browser::Browser;
use support::headless_browser_options;

/// A headless browser started under the machine-wide browser lock, with the lock, its
/// download folder's parent and its run tag (the lock and folder must outlive the browser).
async fn started_browser() -> (support::BrowserLock, tempfile::TempDir, Browser, String) {
    let lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let browser = Browser::start(&headless_browser_options(directory.path().join("incoming")))
        .await
        .unwrap();
    let tag = browser.run_tag().to_string();
    (lock, directory, browser, tag)
}

#[tokio::test]
async fn starts_runs_scripts_and_shuts_down_without_leftovers() {
    let (_lock, _directory, browser, tag) = started_browser().await;
    assert!(
        automator::browser::processes::tagged_processes(&tag).len() >= 2,
        "chromedriver and Chromium should carry the run tag"
    );
    let answer = browser
        .driver()
        .execute("sum", "return arguments[0] + 1;", vec![41.into()])
        .await
        .unwrap();
    assert_eq!(answer, 42);
    let settled = browser
        .driver()
        .execute_async(
            "timer",
            "const done = arguments[arguments.length - 1]; setTimeout(() => done('late'), 50);",
            vec![],
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert_eq!(settled, "late");
    browser.shutdown().await;
    support::assert_no_processes_left(&tag);
}

#[tokio::test]
async fn dropping_without_shutdown_still_kills_chromium() {
    let (_lock, _directory, browser, tag) = started_browser().await;
    drop(browser);
    support::assert_no_processes_left(&tag);
}

#[tokio::test]
async fn an_unreachable_webdriver_is_a_clear_error() {
    let directory = tempfile::tempdir().unwrap();
    let mut options = headless_browser_options(directory.path().join("incoming"));
    options.webdriver = Some("http://127.0.0.1:9".into());
    let error = Browser::start(&options).await.unwrap_err().to_string();
    assert!(error.contains("http://127.0.0.1:9"), "{error}");
    assert!(!error.contains('\n'), "{error}");
}
