//! What every session of a run shares, behind one `Arc`: the run's inputs, its progress, the
//! soak log, the gate that lets the other sessions reuse the first session's login, and
//! the run-wide limit on concurrent mix requests.

use tokio::sync::watch;
use url::Url;

use crate::config::{Credentials, Knobs};
use crate::flow::auth::{LoginKind, SessionStore};
use crate::flow::mix_limiter::MixLimiter;
use crate::flow::options::RunOptions;
use crate::flow::progress::Progress;
use crate::flow::rounds::SoakLog;

pub(crate) struct RunShared<'a> {
    pub(crate) options: &'a RunOptions,
    /// Already multiplied by the run's time scale.
    pub(crate) knobs: Knobs,
    pub(crate) base_url: Url,
    pub(crate) credentials: Credentials,
    pub(crate) store: SessionStore,
    pub(crate) progress: std::sync::Arc<Progress>,
    /// Where a soak hears of browser starts and track attempts.
    pub(crate) log: Option<&'a SoakLog>,
    /// How many sessions work in this run.
    pub(crate) sessions: usize,
    /// Replace a session's browser after this many songs (`--restart-browser-every`).
    pub(crate) restart_browser_every: Option<u32>,
    /// The run's one limit on concurrent mix requests, shared by every session.
    pub(crate) mix_limiter: std::sync::Arc<MixLimiter>,
    /// Becomes `true` once session 1 has logged in (or failed to): the other sessions wait
    /// for it, so they reuse its saved cookies instead of logging in N times at once.
    pub(crate) first_login: watch::Sender<bool>,
    /// How session 1 logged in when it started its browser in the round under way.
    pub(crate) login: std::sync::Mutex<Option<LoginKind>>,
}

impl RunShared<'_> {
    /// Session 1 started its browser in this round and got its session this way.
    pub(crate) fn record_login(&self, login: LoginKind) {
        *self.lock_login() = Some(login);
    }

    /// The round's login, leaving `None` for the next round.
    pub(crate) fn take_login(&self) -> Option<LoginKind> {
        self.lock_login().take()
    }

    fn lock_login(&self) -> std::sync::MutexGuard<'_, Option<LoginKind>> {
        self.login
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Session 1 is logged in (or gave up): the others may try the saved session now.
    pub(crate) fn first_login_done(&self) {
        self.first_login.send_replace(true);
    }

    /// Waits until session 1 has logged in (at once for session 1 itself).
    pub(crate) async fn wait_for_first_login(&self, session: usize) {
        if session == 0 {
            return;
        }
        let mut receiver = self.first_login.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = receiver.wait_for(|done| *done).await;
    }
}
