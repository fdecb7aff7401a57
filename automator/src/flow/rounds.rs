//! Running the catalog again and again in one process (`--repeat`, `--duration`): how many
//! rounds, when to restart the browser, and the log of browser sessions and track attempts a
//! soak reads its per-round, cold-versus-warm and memory-over-work figures from.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How many times the catalog is run, and how often the browser is replaced.
#[derive(Debug, Clone, Default)]
pub struct Rounds {
    /// At most this many rounds (`None` = no limit by count).
    pub repeat: Option<u32>,
    /// No new round starts after this much time (the round under way finishes).
    pub duration: Option<Duration>,
    /// Replace the browser (new chromedriver, Chromium, login) after this many songs.
    pub restart_browser_every: Option<u32>,
}

impl Rounds {
    /// A single round: a plain run.
    pub fn once() -> Rounds {
        Rounds {
            repeat: Some(1),
            ..Rounds::default()
        }
    }

    /// Whether round `index` (0-based) should start, `elapsed` after the first one started.
    /// The first round always runs.
    pub fn another(&self, index: u32, elapsed: Duration) -> bool {
        if index == 0 {
            return true;
        }
        let by_count = self.repeat.is_none_or(|repeat| index < repeat);
        let by_time = self.duration.is_none_or(|duration| elapsed < duration);
        let bounded = self.repeat.is_some() || self.duration.is_some();
        bounded && by_count && by_time
    }
}

/// The suffix that marks a key as the cold counterpart of the key without it: the profile
/// reports `automation.track@cold` (the first track attempt of each browser session: fresh
/// Chromium, empty caches, just logged in) apart from `automation.track` (every later one),
/// so the reports, the A/B test and the regression gate see a cold-start regression on its
/// own key instead of averaged into the warm tracks.
pub const COLD_SUFFIX: &str = profiler::report::cold_warm::COLD_SUFFIX;

/// Whether the next track attempt is the first of its browser session (cold) or not (warm).
#[derive(Debug, Default)]
pub struct SessionPhase {
    attempts_in_session: AtomicUsize,
}

impl SessionPhase {
    /// A new browser session started: its next attempt is cold.
    pub fn browser_started(&self) {
        self.attempts_in_session.store(0, Ordering::Relaxed);
    }

    /// The span of the next track attempt (system tier, component `automation`): named
    /// `track@cold` for the first attempt since the browser started, `track` after it.
    pub fn track_span(&self, track: &str) -> tracing::Span {
        match self.attempts_in_session.fetch_add(1, Ordering::Relaxed) {
            0 => {
                tracing::info_span!("track@cold", tier = "system", component = "automation", track = %track)
            }
            _ => {
                tracing::info_span!("track", tier = "system", component = "automation", track = %track)
            }
        }
    }
}

/// One browser session: started at `started`, during round `round`, by the `--sessions`
/// session `session`.
#[derive(Debug, Clone)]
pub struct SessionStart {
    pub round: usize,
    /// 1-based number of the `--sessions` session whose browser this is (`s1`, `s2`, …).
    pub session: usize,
    /// The browser's run tag (see [`crate::browser::processes`]): how a memory reading tells
    /// the processes of one session's browser from another's.
    pub run_tag: String,
    pub started: Instant,
}

/// One attempt at one track.
#[derive(Debug, Clone)]
pub struct TrackAttempt {
    pub round: usize,
    /// Index into [`SoakLog::sessions`] of the browser session that made the attempt.
    pub session: usize,
    pub song: String,
    pub track: String,
    pub ok: bool,
    /// Solo click to file in place (or failure).
    pub elapsed: Duration,
    pub finished: Instant,
}

/// Called after every finished track attempt with the log (whose browsers a memory reading
/// attributes to their sessions), the round under way (0-based) and the attempts finished so
/// far, before the flow moves on (so a memory reading sees the browser exactly at the
/// boundary).
pub type BoundaryHook = Box<dyn Fn(&SoakLog, usize, usize) + Send + Sync>;

/// Called as each round starts, with the round (0-based), before its first song.
pub type RoundHook = Box<dyn Fn(usize) + Send + Sync>;

/// What the flow reports as it goes, shared with a memory sampler: every browser start and
/// every finished track attempt.
#[derive(Default)]
pub struct SoakLog {
    inner: Mutex<LogInner>,
    at_boundary: Option<BoundaryHook>,
    at_round_start: Option<RoundHook>,
}

impl std::fmt::Debug for SoakLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoakLog")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct LogInner {
    round: usize,
    sessions: Vec<SessionStart>,
    attempts: Vec<TrackAttempt>,
}

impl SoakLog {
    pub fn new() -> SoakLog {
        SoakLog::default()
    }

    /// A log that calls `hook` at every track boundary.
    pub fn with_boundary_hook(hook: BoundaryHook) -> SoakLog {
        SoakLog {
            inner: Mutex::default(),
            at_boundary: Some(hook),
            at_round_start: None,
        }
    }

    /// The same log, also calling `hook` as each round starts.
    pub fn on_round_start(mut self, hook: RoundHook) -> SoakLog {
        self.at_round_start = Some(hook);
        self
    }

    pub(crate) fn start_round(&self, round: usize) {
        self.lock().round = round;
        if let Some(hook) = &self.at_round_start {
            hook(round);
        }
    }

    /// Records a browser start; returns its index in [`SoakLog::sessions`], which that
    /// browser's track attempts name (several browsers may run at once: `--sessions`).
    /// `session` is the 1-based `--sessions` session, `run_tag` the browser's run tag.
    pub(crate) fn browser_started(&self, session: usize, run_tag: &str, started: Instant) -> usize {
        let mut inner = self.lock();
        let round = inner.round;
        inner.sessions.push(SessionStart {
            round,
            session,
            run_tag: run_tag.to_owned(),
            started,
        });
        inner.sessions.len() - 1
    }

    /// Records an attempt made by the browser `session` (an index [`SoakLog::browser_started`]
    /// returned).
    pub(crate) fn track_attempted(
        &self,
        session: usize,
        song: &str,
        track: &str,
        ok: bool,
        elapsed: Duration,
    ) {
        let (round, done) = {
            let mut inner = self.lock();
            let attempt = TrackAttempt {
                round: inner.round,
                session,
                song: song.to_owned(),
                track: track.to_owned(),
                ok,
                elapsed,
                finished: Instant::now(),
            };
            inner.attempts.push(attempt);
            (inner.round, inner.attempts.len())
        };
        if let Some(hook) = &self.at_boundary {
            hook(self, round, done);
        }
    }

    /// Track attempts finished so far.
    pub fn attempts_done(&self) -> usize {
        self.lock().attempts.len()
    }

    /// The round under way (0-based).
    pub fn round(&self) -> usize {
        self.lock().round
    }

    pub fn sessions(&self) -> Vec<SessionStart> {
        self.lock().sessions.clone()
    }

    pub fn attempts(&self) -> Vec<TrackAttempt> {
        self.lock().attempts.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::prelude::*;

    use super::*;

    #[test]
    fn rounds_stop_by_count_or_time_and_the_first_always_runs() {
        let three = Rounds {
            repeat: Some(3),
            ..Rounds::default()
        };
        assert!(three.another(2, Duration::from_secs(999)));
        assert!(!three.another(3, Duration::ZERO));
        let minute = Rounds {
            duration: Some(Duration::from_secs(60)),
            ..Rounds::default()
        };
        assert!(minute.another(50, Duration::from_secs(59)));
        assert!(!minute.another(1, Duration::from_secs(60)));
        assert!(minute.another(0, Duration::from_secs(600)));
        assert!(!Rounds::default().another(1, Duration::ZERO));
        assert!(!Rounds::once().another(1, Duration::ZERO));
    }

    #[test]
    fn attempts_carry_their_round_and_browser_session() {
        let log = SoakLog::new();
        let first = log.browser_started(1, "tag", Instant::now());
        log.track_attempted(first, "Song", "Bass", true, Duration::from_secs(1));
        log.start_round(1);
        let second = log.browser_started(1, "tag", Instant::now());
        let third = log.browser_started(1, "tag", Instant::now());
        log.track_attempted(second, "Song", "Bass", false, Duration::from_secs(2));
        log.track_attempted(third, "Song", "Drums", true, Duration::from_secs(2));
        let attempts = log.attempts();
        assert_eq!(
            attempts
                .iter()
                .map(|attempt| (attempt.round, attempt.session, attempt.ok))
                .collect::<Vec<_>>(),
            [(0, 0, true), (1, 1, false), (1, 2, true)]
        );
        assert_eq!(log.sessions()[1].round, 1);
        assert_eq!(log.attempts_done(), 3);
    }

    #[test]
    fn the_first_attempt_after_each_browser_start_is_cold() {
        let phase = SessionPhase::default();
        let names =
            |phase: &SessionPhase| phase.track_span("Bass").metadata().map(|meta| meta.name());
        let (layer, handle) = profiler::ProfilerLayer::new(profiler::Config::default());
        let subscriber = tracing_subscriber::registry().with(layer);
        let seen = tracing::subscriber::with_default(subscriber, || {
            let mut seen = Vec::new();
            for restart in [true, false, false, true, false] {
                if restart {
                    phase.browser_started();
                }
                seen.push(names(&phase));
            }
            seen
        });
        assert_eq!(
            seen,
            [
                Some("track@cold"),
                Some("track"),
                Some("track"),
                Some("track@cold"),
                Some("track")
            ]
        );
        let profile = handle.snapshot("phases");
        let count = |key: &str| {
            profile
                .keys
                .iter()
                .find(|stats| stats.key == key)
                .map(|stats| stats.count)
        };
        assert_eq!(count("automation.track@cold"), Some(2));
        assert_eq!(count("automation.track"), Some(3));
    }

    #[test]
    fn the_boundary_hook_hears_every_attempt_with_its_round() {
        let heard = std::sync::Arc::new(Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&heard);
        let log = SoakLog::with_boundary_hook(Box::new(move |_, round, done| {
            sink.lock().unwrap().push((round, done));
        }));
        log.track_attempted(0, "Song", "Bass", true, Duration::from_secs(1));
        log.start_round(1);
        log.track_attempted(0, "Song", "Bass", true, Duration::from_secs(1));
        assert_eq!(*heard.lock().unwrap(), [(0, 1), (1, 2)]);
    }
}
