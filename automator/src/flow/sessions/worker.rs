//! One session at work: a browser of its own (started, logged in, replaced when lost or when
//! `--restart-browser-every` says so), taking song passes from the queue until none is left.

use std::time::Instant;

use tracing::Instrument;

use crate::browser::Browser;
use crate::flow::auth::{self, LoginKind};
use crate::flow::outcome::{NOT_PROCESSED, SongOutcome, SongStatus};
use crate::flow::plan::PlannedSong;
use crate::flow::run_error::RunError;
use crate::flow::song_pass::{Pass, PassStop, SongState, context, song_pass};

use super::env::RunEnv;
use super::figures::SessionFigures;
use super::queue::{Job, SongQueue, Step};

/// A session's browser and counters; outlives the rounds of a soak and the workers' futures,
/// so the browser is shut down in order even after a stopping signal.
pub(crate) struct SessionSlot {
    pub(crate) browser: Option<Browser>,
    /// Songs started in the current browser (for `--restart-browser-every`).
    songs_in_browser: u32,
    pub(crate) figures: SessionFigures,
}

impl SessionSlot {
    /// Session `session` (0-based), no browser yet.
    pub(crate) fn new(session: usize) -> SessionSlot {
        SessionSlot {
            browser: None,
            songs_in_browser: 0,
            figures: SessionFigures::new(session),
        }
    }
}

/// Works through `queue` until it is empty and no other session can hand work back. Each
/// song's results go into its slot of `states`. Session 1 records how it logged in when it
/// starts its browser for the round.
pub(crate) async fn work(
    env: &RunEnv<'_>,
    slot: &mut SessionSlot,
    queue: &SongQueue,
    songs: &[PlannedSong],
    states: &[tokio::sync::Mutex<Option<SongState>>],
) -> Result<(), RunError> {
    if slot.browser.is_none() {
        let login = fresh_browser(env, slot, env.options.force_login).await?;
        if env.session == 0 {
            env.record_login(login);
        }
    }
    while let Some(job) = queue.take().await {
        let next = one_job(env, slot, job, &songs[job.index], &states[job.index]).await?;
        env.progress.release();
        queue.finish(next);
        read_browser_memory(env, slot).await;
    }
    env.progress.phase("done");
    Ok(())
}

/// Adds a reading of the session's browser memory to its figures (off the runtime's threads:
/// it reads `/proc`). Only with several sessions, whose summary reports it: a serial run's
/// timing stays as it was.
async fn read_browser_memory(env: &RunEnv<'_>, slot: &mut SessionSlot) {
    let Some(browser) = slot.browser.as_ref().filter(|_| env.sessions > 1) else {
        return;
    };
    let tag = browser.run_tag().to_owned();
    let mb = tokio::task::spawn_blocking(move || crate::soak::memory::browser_mb(&tag))
        .await
        .unwrap_or(0.0);
    slot.figures.browser_memory(mb);
}

/// Runs one pass over the song; returns what follows it.
async fn one_job(
    env: &RunEnv<'_>,
    slot: &mut SessionSlot,
    job: Job,
    song: &PlannedSong,
    state: &tokio::sync::Mutex<Option<SongState>>,
) -> Result<Option<(Job, bool)>, RunError> {
    if job.step == Step::First
        && env
            .restart_browser_every
            .is_some_and(|every| slot.songs_in_browser >= every)
    {
        if let Some(old) = slot.browser.take() {
            old.shutdown().await;
        }
        fresh_browser(env, slot, env.options.force_login).await?;
    }
    if slot.browser.is_none() {
        fresh_browser(env, slot, false).await?;
    }
    let mut guard = state.lock().await;
    let state = guard.get_or_insert_with(|| {
        SongState::new(SongOutcome {
            name: song.song.name.clone(),
            url: song.url.clone(),
            path: song.path.clone(),
            status: SongStatus::Failed(NOT_PROCESSED.into()),
            tracks_found: 0,
            folder: None,
        })
    });
    let pass = job.pass(state);
    match (job.step, pass) {
        (Step::First, _) => {}
        (Step::Final, _) => tracing::info!("{}: final retry of the failed tracks", song.song.name),
        (Step::Again, Pass::Retry) => tracing::info!(
            "{}: retrying {} failed track(s)",
            song.song.name,
            state.failed_tracks().len()
        ),
        (Step::Again, Pass::First) => {
            tracing::info!("{}: opening the song again", song.song.name);
        }
    }
    let attempts_before: u32 = state.tracks.iter().map(|track| track.attempts).sum();
    let browser = slot.browser.as_ref().expect("a browser was started above");
    let span = tracing::info_span!(
        "song",
        tier = "system",
        component = "automation",
        song = %song.song.name,
        session = env.session + 1
    );
    let stopped = song_pass(env, &context(env, browser), song, job.index, pass, state)
        .instrument(span)
        .await;
    let attempts_after: u32 = state.tracks.iter().map(|track| track.attempts).sum();
    slot.figures.passes += 1;
    slot.figures.track_attempts += attempts_after.saturating_sub(attempts_before) as usize;
    if job.step == Step::First {
        slot.songs_in_browser += 1;
    }
    let lost = match stopped {
        Ok(()) => false,
        Err(PassStop::Fatal(error)) => return Err(RunError::Fatal(error)),
        Err(PassStop::BrowserLost(error)) => {
            tracing::warn!(
                "session {}: the browser was lost ({error}); {} goes back to the queue for a fresh browser",
                env.session + 1,
                song.song.name
            );
            slot.figures.browsers_lost += 1;
            if let Some(lost) = slot.browser.take() {
                lost.shutdown().await;
            }
            true
        }
    };
    Ok(job.next(state, lost))
}

/// Starts the session's browser and logs it in. Session 1 logs in (forced with `force`);
/// the others start their browsers meanwhile, then wait for it and reuse the session it saved
/// (logging in themselves only when the site refuses it or no session file is kept).
async fn fresh_browser(
    env: &RunEnv<'_>,
    slot: &mut SessionSlot,
    force: bool,
) -> Result<LoginKind, RunError> {
    env.progress.phase("starting the browser");
    let started = Instant::now();
    let browser = Browser::start(&env.browser_options).await;
    let browser = match browser {
        Ok(browser) => browser,
        Err(error) => {
            env.first_login_done();
            return Err(error.into());
        }
    };
    env.log_browser_started(started, browser.run_tag());
    slot.figures.browsers += 1;
    slot.songs_in_browser = 0;
    let browser = &*slot.browser.insert(browser);
    env.progress.phase("waiting for the first login");
    env.wait_for_first_login(env.session).await;
    env.progress.phase("logging in");
    let force = force && env.session == 0;
    let login = auth::ensure_logged_in(&context(env, browser), &env.credentials, &env.store, force)
        .await
        .map_err(|source| RunError::Login {
            site: env.base_url.to_string(),
            source,
        });
    if env.session == 0 {
        env.first_login_done();
    }
    read_browser_memory(env, slot).await;
    login
}
