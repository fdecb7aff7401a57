//! Fixtures shared by the automator's integration tests.
#![allow(dead_code)]

use std::fs::File;
use std::path::PathBuf;

/// Holds a machine-wide lock so at most one test drives a real Chromium at a time (the test
/// machine has two cores; parallel browsers only make every test slower and flakier).
pub struct BrowserLock {
    _file: File,
}

/// Waits for the browser lock; released when the guard drops (or the process dies).
pub fn browser_lock() -> BrowserLock {
    let path = std::env::temp_dir().join("automator-e2e-browser.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|error| panic!("cannot open the browser lock {}: {error}", path.display()));
    file.lock().unwrap_or_else(|error| panic!("cannot take the browser lock: {error}"));
    BrowserLock { _file: file }
}

/// The chromedriver the tests use.
pub fn chromedriver() -> PathBuf {
    PathBuf::from(automator::browser::chromedriver::DEFAULT_CHROMEDRIVER)
}

/// Asserts no process carries the run tag any more (Chromium, its helpers, chromedriver).
pub fn assert_no_processes_left(run_tag: &str) {
    let left = automator::browser::processes::tagged_processes(run_tag);
    assert!(left.is_empty(), "processes of run {run_tag} still alive: {left:?}");
}

/// Environment variable the tests put on a spawned `automator`, inherited by every process it
/// starts, so leftovers can be found after it exited.
pub const TEST_MARKER_VAR: &str = "AUTOMATOR_TEST_MARKER";

/// Asserts no process carries `AUTOMATOR_TEST_MARKER=marker` any more.
pub fn assert_no_processes_marked(marker: &str) {
    let left = automator::browser::processes::processes_with_environment(TEST_MARKER_VAR, marker);
    assert!(left.is_empty(), "processes marked {marker} still alive: {left:?}");
}
