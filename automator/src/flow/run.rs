//! The orchestration of one run: target (stage or real site), the browser sessions (one by
//! default, `--sessions N` working through a shared queue of songs, see
//! [`super::sessions`]), login, every song and track, retries after each song and once more
//! at the end, and an orderly shutdown — also on error and on a stopping signal (Ctrl-C,
//! SIGTERM, SIGHUP). Callable many times in one process (A/B tests run it repeatedly).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::{join_all, try_join_all};
use tracing::Instrument;
use url::Url;

use crate::browser::BrowserOptions;
use crate::config::knobs::seconds_to_duration;
use crate::config::{Credentials, Knobs, Secret};
use crate::signals;
use crate::stage::{DEMO_PASSWORD, DEMO_USERNAME, Ledger, Stage, StageConfig};

use super::auth::SessionStore;
use super::incoming::IncomingDir;
use super::mix_limiter::MixLimiter;
use super::options::{RunOptions, Target};
use super::outcome::RunOutcome;
use super::plan::{PlannedSong, parse_base_url, plan_songs, prepare_download_dir};
use super::progress::Progress;
use super::rounds::{Rounds, SoakLog};
use super::run_error::RunError;
use super::sessions::{RunEnv, RunShared, SessionSlot, SongQueue, work};
use super::song_pass::SongState;

/// The floor of the WebDriver command bound: at small time scales the scaled
/// `webdriver_default_timeout` would turn a busy machine's slow page load into a failure. It is
/// a bound, not a wait, so the floor costs nothing when things go well.
const MIN_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the whole automation once: starts the target (the stage, when asked) and the
/// browsers, logs in, downloads every song's tracks with retries, and shuts everything down
/// in order.
pub async fn run(
    options: &RunOptions,
    knobs: &Knobs,
    target: &Target,
) -> Result<RunOutcome, RunError> {
    // Boxed: the rounds' future is deep enough to overflow the compiler's layout query when
    // nested inside the commands' futures.
    let mut rounds = Box::pin(run_rounds(options, knobs, target, &Rounds::once(), None)).await?;
    Ok(rounds.remove(0))
}

/// Runs the catalog round after round (see [`Rounds`]) in one process, against one target
/// and — unless [`Rounds::restart_browser_every`] says otherwise — the same browsers,
/// downloading afresh each round. Returns one outcome per round (at least one; an
/// interrupted round is the last, marked interrupted). `log` receives every browser start
/// and track attempt.
#[tracing::instrument(
    name = "run",
    skip_all,
    fields(tier = "system", component = "automation"),
    err
)]
pub async fn run_rounds(
    options: &RunOptions,
    knobs: &Knobs,
    target: &Target,
    rounds: &Rounds,
    log: Option<&SoakLog>,
) -> Result<Vec<RunOutcome>, RunError> {
    if !options.time_scale.is_finite()
        || options.time_scale <= 0.0
        || options.time_scale > crate::cli::MAX_TIME_SCALE
    {
        return Err(RunError::TimeScale(options.time_scale));
    }
    knobs.validate()?;
    let knobs = knobs.scaled(options.time_scale);
    let (stage, base_url, credentials) = start_target(options, target).await?;
    let outcome = run_against(
        options,
        knobs,
        stage.as_ref().map(Stage::ledger),
        base_url,
        credentials,
        rounds,
        log,
    )
    .await;
    if let Some(stage) = stage {
        stage.shutdown().await;
    }
    outcome
}

async fn start_target(
    options: &RunOptions,
    target: &Target,
) -> Result<(Option<Stage>, Url, Credentials), RunError> {
    match target {
        Target::Stage(config) => {
            let stage = Stage::start(StageConfig {
                time_scale: options.time_scale,
                ..config.clone()
            })
            .await?;
            let base_url = parse_base_url(stage.url())?;
            let credentials = Credentials {
                username: DEMO_USERNAME.to_string(),
                password: Secret::new(DEMO_PASSWORD),
            };
            Ok((Some(stage), base_url, credentials))
        }
        Target::Site { url, credentials } => Ok((None, parse_base_url(url)?, credentials.clone())),
    }
}

/// Every song's slot for one round: filled when a session first takes the song.
type SongSlots = Vec<tokio::sync::Mutex<Option<SongState>>>;

async fn run_against(
    options: &RunOptions,
    knobs: Knobs,
    ledger: Option<Ledger>,
    base_url: Url,
    credentials: Credentials,
    rounds: &Rounds,
    log: Option<&SoakLog>,
) -> Result<Vec<RunOutcome>, RunError> {
    let songs = plan_songs(options, ledger.is_some(), &base_url)?;
    // A session without a song of its own would only start a browser to find the queue empty.
    let sessions = options.sessions.clamp(1, songs.len().max(1));
    if sessions < options.sessions {
        tracing::info!(
            "{} songs: {sessions} browser session(s) instead of {}",
            songs.len(),
            options.sessions
        );
    }
    // One incoming folder per session, each a single path its browser downloads into.
    let incoming_dirs = (0..sessions)
        .map(|_| prepare_download_dir(&options.download_dir))
        .collect::<Result<Vec<_>, RunError>>()?;
    let store = SessionStore {
        path: options.session_file.clone(),
    };
    if options.clear_session {
        store.clear().map_err(|source| RunError::ClearSession {
            path: options.session_file.clone().unwrap_or_default(),
            source,
        })?;
    }
    let longest_script = knobs
        .solo_max_wait
        .max(knobs.download_max_wait)
        .max(knobs.webdriver_default_timeout);
    let browser_options = |incoming: &std::path::Path| BrowserOptions {
        webdriver: options.webdriver.clone(),
        chromedriver: options.chromedriver.clone(),
        headed: options.headed,
        download_dir: incoming.to_path_buf(),
        command_timeout: seconds_to_duration(knobs.webdriver_default_timeout)
            .max(MIN_COMMAND_TIMEOUT),
        script_timeout: seconds_to_duration(longest_script) + Duration::from_secs(10),
        temporary_dirs: vec![incoming.to_path_buf()],
    };
    let shared = Arc::new(RunShared {
        options,
        knobs: knobs.clone(),
        base_url,
        credentials,
        store,
        progress: Arc::new(Progress::new(options.show_progress, songs.len(), sessions)),
        log,
        sessions,
        restart_browser_every: rounds.restart_browser_every,
        // One limit for all sessions: at most one mix in flight per session, lowered
        // when the site answers 429 or its queue grows.
        mix_limiter: MixLimiter::new(sessions),
        first_login: tokio::sync::watch::channel(false).0,
        login: std::sync::Mutex::new(None),
    });
    let envs: Vec<RunEnv<'_>> = incoming_dirs
        .iter()
        .enumerate()
        .map(|(session, dir)| {
            RunEnv::new(
                Arc::clone(&shared),
                session,
                IncomingDir::new(
                    dir.path().to_path_buf(),
                    options.site_profile.download.clone(),
                ),
                browser_options(dir.path()),
            )
        })
        .collect();
    let mut slots: Vec<SessionSlot> = (0..sessions).map(SessionSlot::new).collect();
    let states: SongSlots = songs
        .iter()
        .map(|_| tokio::sync::Mutex::new(None))
        .collect();
    let soak_started = Instant::now();
    let mut round_started = soak_started;
    let mut finished_rounds: Vec<(RunOutcome, Duration)> = Vec::new();
    let work = async {
        let mut round = 0;
        while rounds.another(round, soak_started.elapsed()) {
            if let Some(log) = log {
                log.start_round(round as usize);
            }
            round_started = Instant::now();
            drive(&envs, &mut slots, &songs, &states).await?;
            let mut outcome = round_outcome(&states, &shared, &slots);
            outcome.mix_requests = shared.mix_limiter.take_stats();
            finished_rounds.push((outcome, round_started.elapsed()));
            round += 1;
        }
        Ok::<(), RunError>(())
    };
    let finished = if options.stop_on_ctrl_c {
        // The command's own listener usually exists already; this one serves library callers.
        let _listener = signals::Listener::install()
            .inspect_err(|error| tracing::warn!("cannot listen for stopping signals: {error}"));
        tokio::select! {
            result = work => Ok(result),
            signal = signals::wait() => Err(signal),
        }
    } else {
        Ok(work.await)
    };
    join_all(
        slots
            .iter_mut()
            .filter_map(|slot| slot.browser.take())
            .map(|browser| browser.shutdown()),
    )
    .await;
    drop(envs);
    drop(incoming_dirs);
    if let Err(signal) = finished {
        tracing::warn!(
            "interrupted by {}: the browsers were closed, files already downloaded are kept",
            signal.description()
        );
        let mut outcome = round_outcome(&states, &shared, &slots);
        outcome.mark_interrupted();
        outcome.mix_requests = shared.mix_limiter.take_stats();
        finished_rounds.push((outcome, round_started.elapsed()));
    } else if let Some((_, wall)) = finished_rounds.last_mut() {
        // The last round's wall time includes the browsers' shutdown, as a plain run's does.
        *wall = round_started.elapsed();
    }
    finished.unwrap_or(Ok(()))?;
    let mut outcomes: Vec<RunOutcome> = finished_rounds
        .into_iter()
        .map(|(outcome, wall)| RunOutcome {
            wall,
            against_stage: ledger.is_some(),
            ..outcome
        })
        .collect();
    // The ledger holds every round's records; a track's intrinsic time is only unambiguous
    // in a single round.
    if let (Some(ledger), [outcome]) = (ledger, outcomes.as_mut_slice()) {
        attach_intrinsic_times(outcome, &ledger);
    }
    Ok(outcomes)
}

/// One round: every song's first pass queued in plan order, every session working through
/// the queue (each in a `session` span of its own when there are several, whose
/// `track_name` gives it a trace track named `session k`).
async fn drive(
    envs: &[RunEnv<'_>],
    slots: &mut [SessionSlot],
    songs: &[PlannedSong],
    states: &SongSlots,
) -> Result<(), RunError> {
    for state in states {
        *state.lock().await = None;
    }
    let queue = SongQueue::new(songs.len());
    let several = envs.len() > 1;
    let workers = envs.iter().zip(slots.iter_mut()).map(|(env, slot)| {
        let span = if several {
            tracing::info_span!(
                "session",
                tier = "system",
                component = "automation",
                session = env.session + 1,
                track_name = format!("session {}", env.session + 1)
            )
        } else {
            tracing::Span::none()
        };
        work(env, slot, &queue, songs, states).instrument(span)
    });
    try_join_all(workers).await?;
    Ok(())
}

/// The round's outcome from the songs' slots, in plan order (songs never taken are left out,
/// as a run stopped before reaching them never listed them), with the round's login (taken:
/// the next round has its own); the wall time is filled in by the caller.
fn round_outcome(states: &SongSlots, shared: &RunShared<'_>, slots: &[SessionSlot]) -> RunOutcome {
    let mut outcome = RunOutcome {
        songs: Vec::new(),
        tracks: Vec::new(),
        wall: Duration::ZERO,
        interrupted: false,
        login: shared.take_login(),
        against_stage: false,
        sessions: slots.iter().map(|slot| slot.figures.clone()).collect(),
        mix_requests: Default::default(),
    };
    for state in states {
        let Ok(mut state) = state.try_lock() else {
            continue;
        };
        if let Some(state) = state.take() {
            outcome.songs.push(state.outcome);
            outcome.tracks.extend(state.tracks);
        }
    }
    outcome
}

/// Copies the stage's ground truth onto each track: the sum of its records' intrinsic times,
/// and the part of them its mixes spent queued for a generation slot.
fn attach_intrinsic_times(outcome: &mut RunOutcome, ledger: &Ledger) {
    let records = ledger.records();
    for track in &mut outcome.tracks {
        let matching: Vec<_> = records
            .iter()
            .filter(|record| record.song == track.song_path && record.track == track.index)
            .collect();
        if !matching.is_empty() {
            track.intrinsic = Some(matching.iter().map(|record| record.intrinsic()).sum());
            track.queue = Some(matching.iter().map(|record| record.queue()).sum());
        }
    }
}
