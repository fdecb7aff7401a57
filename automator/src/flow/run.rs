//! The orchestration of one run: target (stage or real site), browser, login, every song and
//! track, retries after each song and once more at the end, and an orderly shutdown — also on
//! error and on a stopping signal (Ctrl-C, SIGTERM, SIGHUP). Callable many times in one
//! process (A/B tests run it repeatedly).

use std::time::{Duration, Instant};

use tracing::Instrument;
use url::Url;

use crate::browser::{Browser, BrowserOptions};
use crate::config::knobs::seconds_to_duration;
use crate::config::{Credentials, Knobs, Secret};
use crate::signals;
use crate::stage::{DEMO_PASSWORD, DEMO_USERNAME, Ledger, Stage, StageConfig};

use super::auth::{self, SessionStore};
use super::incoming::IncomingDir;
use super::mix_limiter::MixLimiter;
use super::options::{RunOptions, Target};
use super::outcome::{NOT_PROCESSED, RunOutcome, SongOutcome, SongStatus};
use super::plan::{PlannedSong, parse_base_url, plan_songs, prepare_download_dir};
use super::progress::Progress;
use super::rounds::{Rounds, SessionPhase, SoakLog};
use super::run_error::RunError;
use super::song_pass::{Pass, PassStop, RunEnv, RunState, context, failed_tracks, song_pass};

/// The floor of the WebDriver command bound: at small time scales the scaled
/// `webdriver_default_timeout` would turn a busy machine's slow page load into a failure. It is
/// a bound, not a wait, so the floor costs nothing when things go well.
const MIN_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the whole automation once: starts the target (the stage, when asked) and a browser,
/// logs in, downloads every song's tracks with retries, and shuts everything down in order.
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
/// and — unless [`Rounds::restart_browser_every`] says otherwise — one browser, downloading
/// afresh each round. Returns one outcome per round (at least one; an interrupted round is
/// the last, marked interrupted). `log` receives every browser start and track attempt.
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
    let incoming_dir = prepare_download_dir(&options.download_dir)?;
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
    let env = RunEnv {
        options,
        browser_options: BrowserOptions {
            webdriver: options.webdriver.clone(),
            chromedriver: options.chromedriver.clone(),
            headed: options.headed,
            download_dir: incoming_dir.path().to_path_buf(),
            command_timeout: seconds_to_duration(knobs.webdriver_default_timeout)
                .max(MIN_COMMAND_TIMEOUT),
            script_timeout: seconds_to_duration(longest_script) + Duration::from_secs(10),
            temporary_dirs: vec![incoming_dir.path().to_path_buf()],
        },
        incoming: IncomingDir::new(
            incoming_dir.path().to_path_buf(),
            options.site_profile.download.clone(),
        ),
        knobs,
        base_url,
        credentials,
        store,
        progress: Progress::new(options.show_progress, songs.len()),
        log,
        restart_browser_every: rounds.restart_browser_every,
        // One browser session today: a ceiling of 1 mix at a time; the limiter still holds
        // off after a 429.
        mix_limiter: MixLimiter::new(1),
        phase: SessionPhase::default(),
    };
    let soak_started = Instant::now();
    let mut round_started = soak_started;
    let mut state = RunState::default();
    let mut finished_rounds: Vec<(RunState, Duration)> = Vec::new();
    let mut browser: Option<Browser> = None;
    let mut songs_in_session = 0;
    let work = async {
        let mut round = 0;
        while rounds.another(round, soak_started.elapsed()) {
            if let Some(log) = log {
                log.start_round(round as usize);
            }
            round_started = Instant::now();
            drive(
                &env,
                &songs,
                &mut state,
                &mut browser,
                &mut songs_in_session,
            )
            .await?;
            state.mix_requests = env.mix_limiter.take_stats();
            finished_rounds.push((std::mem::take(&mut state), round_started.elapsed()));
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
    if let Some(browser) = browser.take() {
        browser.shutdown().await;
    }
    drop(incoming_dir);
    if let Err(signal) = finished {
        tracing::warn!(
            "interrupted by {}: the browser was closed, files already downloaded are kept",
            signal.description()
        );
        state.mix_requests = env.mix_limiter.take_stats();
        finished_rounds.push((state, round_started.elapsed()));
    } else if let Some((_, wall)) = finished_rounds.last_mut() {
        // The last round's wall time includes the browser's shutdown, as a plain run's does.
        *wall = round_started.elapsed();
    }
    let interrupted = finished.is_err();
    finished.unwrap_or(Ok(()))?;
    let mut outcomes: Vec<RunOutcome> = finished_rounds
        .into_iter()
        .map(|(state, wall)| RunOutcome {
            songs: state.songs,
            tracks: state.tracks,
            wall,
            interrupted: false,
            login: state.login,
            against_stage: ledger.is_some(),
            mix_requests: state.mix_requests,
        })
        .collect();
    if let Some(last) = outcomes.last_mut().filter(|_| interrupted) {
        last.mark_interrupted();
    }
    // The ledger holds every round's records; a track's intrinsic time is only unambiguous
    // in a single round.
    if let (Some(ledger), [outcome]) = (ledger, outcomes.as_mut_slice()) {
        attach_intrinsic_times(outcome, &ledger);
    }
    Ok(outcomes)
}

/// Starts the browser and logs in (unless the previous round left one running), then every
/// song, then the final retry pass. With `restart_browser_every`, the browser is replaced
/// (new session, login) after that many songs.
async fn drive(
    env: &RunEnv<'_>,
    songs: &[PlannedSong],
    state: &mut RunState,
    browser: &mut Option<Browser>,
    songs_in_session: &mut u32,
) -> Result<(), RunError> {
    if browser.is_none() {
        state.login = Some(fresh_session(env, browser, songs_in_session).await?);
    }
    for (index, song) in songs.iter().enumerate() {
        if env
            .restart_browser_every
            .is_some_and(|every| *songs_in_session >= every)
        {
            if let Some(old) = browser.take() {
                old.shutdown().await;
            }
            fresh_session(env, browser, songs_in_session).await?;
        }
        state.songs.push(SongOutcome {
            name: song.song.name.clone(),
            url: song.url.clone(),
            path: song.path.clone(),
            status: SongStatus::Failed(NOT_PROCESSED.into()),
            tracks_found: 0,
            folder: None,
        });
        song_with_retry(env, song, index, state, browser).await?;
        *songs_in_session += 1;
    }
    for (index, song) in songs.iter().enumerate() {
        let pass = match &state.songs[index].status {
            SongStatus::Failed(_) => Pass::First,
            SongStatus::NotPurchased => continue,
            SongStatus::Done if failed_tracks(state, index).is_empty() => continue,
            SongStatus::Done => Pass::Retry,
        };
        tracing::info!("{}: final retry of the failed tracks", song.song.name);
        run_pass(env, song, index, pass, state, browser).await?;
    }
    Ok(())
}

/// A new browser, logged in.
async fn fresh_session(
    env: &RunEnv<'_>,
    browser: &mut Option<Browser>,
    songs_in_session: &mut u32,
) -> Result<auth::LoginKind, RunError> {
    env.progress.phase("starting the browser");
    let started = start_browser(env, browser).await?;
    *songs_in_session = 0;
    env.progress.phase("logging in");
    let ctx = context(env, started);
    auth::ensure_logged_in(&ctx, &env.credentials, &env.store, env.options.force_login)
        .await
        .map_err(|source| RunError::Login {
            site: env.base_url.to_string(),
            source,
        })
}

/// A song's first pass, then one retry pass for its failed tracks.
async fn song_with_retry(
    env: &RunEnv<'_>,
    song: &PlannedSong,
    index: usize,
    state: &mut RunState,
    browser: &mut Option<Browser>,
) -> Result<(), RunError> {
    run_pass(env, song, index, Pass::First, state, browser).await?;
    if matches!(state.songs[index].status, SongStatus::Done)
        && !failed_tracks(state, index).is_empty()
    {
        tracing::info!(
            "{}: retrying {} failed track(s)",
            song.song.name,
            failed_tracks(state, index).len()
        );
        run_pass(env, song, index, Pass::Retry, state, browser).await?;
    }
    Ok(())
}

/// One pass over a song, restarting the browser if it was lost.
async fn run_pass(
    env: &RunEnv<'_>,
    song: &PlannedSong,
    index: usize,
    pass: Pass,
    state: &mut RunState,
    browser: &mut Option<Browser>,
) -> Result<(), RunError> {
    let current = match browser.as_ref() {
        Some(current) => current,
        None => start_browser(env, browser).await?,
    };
    let span = tracing::info_span!("song", tier = "system", component = "automation", song = %song.song.name);
    let stopped = song_pass(env, &context(env, current), song, index, pass, state)
        .instrument(span)
        .await;
    match stopped {
        Ok(()) => Ok(()),
        Err(PassStop::Fatal(error)) => Err(RunError::Fatal(error)),
        Err(PassStop::BrowserLost(error)) => {
            tracing::warn!("the browser was lost ({error}); starting a new one");
            if let Some(lost) = browser.take() {
                lost.shutdown().await;
            }
            let fresh = start_browser(env, browser).await?;
            auth::ensure_logged_in(&context(env, fresh), &env.credentials, &env.store, false)
                .await
                .map_err(|source| RunError::Login {
                    site: env.base_url.to_string(),
                    source,
                })?;
            Ok(())
        }
    }
}

async fn start_browser<'b>(
    env: &RunEnv<'_>,
    slot: &'b mut Option<Browser>,
) -> Result<&'b Browser, RunError> {
    let started = Instant::now();
    let browser = Browser::start(&env.browser_options).await?;
    env.phase.browser_started();
    if let Some(log) = env.log {
        log.browser_started(started);
    }
    Ok(slot.insert(browser))
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
