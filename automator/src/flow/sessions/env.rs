//! One session's view of the run: the shared context plus its own number, incoming download
//! folder, browser options and progress line.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::browser::BrowserOptions;
use crate::flow::incoming::IncomingDir;
use crate::flow::progress::SessionProgress;
use crate::flow::rounds::SessionPhase;

use super::shared::RunShared;

pub(crate) struct RunEnv<'a> {
    pub(crate) shared: Arc<RunShared<'a>>,
    /// 0-based; shown from 1 (`s1`, `session = 1`).
    pub(crate) session: usize,
    /// This session's own incoming folder: its browser downloads there and nowhere else, so
    /// a file can only be matched against this session's song.
    pub(crate) incoming: IncomingDir,
    pub(crate) browser_options: BrowserOptions,
    pub(crate) progress: SessionProgress,
    /// Cold (first track of this session's browser) or warm: names each attempt's span.
    pub(crate) phase: SessionPhase,
    /// The soak log's index of this session's current browser.
    browser_in_log: AtomicUsize,
}

impl<'a> RunEnv<'a> {
    pub(crate) fn new(
        shared: Arc<RunShared<'a>>,
        session: usize,
        incoming: IncomingDir,
        browser_options: BrowserOptions,
    ) -> RunEnv<'a> {
        let progress = SessionProgress::new(Arc::clone(&shared.progress), session);
        RunEnv {
            shared,
            session,
            incoming,
            browser_options,
            progress,
            phase: SessionPhase::default(),
            browser_in_log: AtomicUsize::new(0),
        }
    }

    /// This session started a browser (whose processes carry `run_tag`) at `started`: its
    /// next track is cold, and the soak log (if any) hears of it.
    pub(crate) fn log_browser_started(&self, started: std::time::Instant, run_tag: &str) {
        self.phase.browser_started();
        if let Some(log) = self.shared.log {
            let index = log.browser_started(self.session + 1, run_tag, started);
            self.browser_in_log.store(index, Ordering::Relaxed);
        }
    }

    /// Tells the soak log (if any) of a finished track attempt by this session's browser.
    pub(crate) fn log_attempt(&self, song: &str, track: &str, ok: bool, elapsed: Duration) {
        if let Some(log) = self.shared.log {
            let browser = self.browser_in_log.load(Ordering::Relaxed);
            log.track_attempted(browser, song, track, ok, elapsed);
        }
    }
}

/// The shared inputs read as the session's own (`env.knobs`, `env.options`, …).
impl<'a> Deref for RunEnv<'a> {
    type Target = RunShared<'a>;

    fn deref(&self) -> &RunShared<'a> {
        &self.shared
    }
}
