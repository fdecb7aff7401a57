//! What each session did in a run and the memory its browser held: the figures that show
//! whether the sessions shared the work and what each costs.

use serde::Serialize;

/// One session's share of a run (cumulative over a soak's rounds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionFigures {
    /// 1-based, as in the progress (`s1`) and the profiler's `session` field.
    pub session: usize,
    /// Song passes it ran (first passes and retries).
    pub passes: usize,
    /// Track attempts it made.
    pub track_attempts: usize,
    /// Browsers it started (more than one after a lost browser or `--restart-browser-every`).
    pub browsers: usize,
    /// Browsers it lost mid-pass (crashed or killed); each time its song went back to the
    /// queue.
    pub browsers_lost: usize,
    /// The largest resident memory of its browser's process tree (chromedriver, Chromium and
    /// every helper; summed RSS, see `soak::memory`), read after its login and after every
    /// pass, in MiB. `None` with one session (not read) or when no browser of its own was
    /// found (`--webdriver`: the browser is elsewhere).
    pub peak_browser_mb: Option<f64>,
}

impl SessionFigures {
    /// Session `session` (0-based) before it has done anything.
    pub fn new(session: usize) -> SessionFigures {
        SessionFigures {
            session: session + 1,
            passes: 0,
            track_attempts: 0,
            browsers: 0,
            browsers_lost: 0,
            peak_browser_mb: None,
        }
    }

    /// Records a reading of the browser's memory.
    pub fn browser_memory(&mut self, mb: f64) {
        if mb > 0.0 {
            self.peak_browser_mb = Some(self.peak_browser_mb.map_or(mb, |peak| peak.max(mb)));
        }
    }
}
