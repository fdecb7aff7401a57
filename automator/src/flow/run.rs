//! The orchestration of one run: target (stage or real site), browser, login, every song and
//! track, retries after each song and once more at the end, and an orderly shutdown — also on
//! error and on Ctrl-C. Callable many times in one process (A/B tests run it repeatedly).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tracing::Instrument;
use url::Url;

use crate::browser::chromedriver::DEFAULT_CHROMEDRIVER;
use crate::browser::{Browser, BrowserError, BrowserOptions};
use crate::config::knobs::seconds_to_duration;
use crate::config::{Credentials, KnobError, Knobs, Secret, SiteProfile, Song};
use crate::stage::{DEMO_PASSWORD, DEMO_USERNAME, Ledger, Stage, StageConfig, StageError, demo_catalog};

use super::auth::{self, SessionStore};
use super::context::FlowContext;
use super::download;
use super::error::FlowError;
use super::files;
use super::incoming::IncomingDir;
use super::outcome::{RunOutcome, SongOutcome, SongStatus, TrackOutcome};
use super::progress::Progress;
use super::tracks::{self, SongAccess, TrackInfo};

/// How to run (everything except the timing knobs and the target).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Songs to download; `None` = the stage's demo catalog (an error for a real site).
    pub songs: Option<Vec<Song>>,
    /// At most this many tracks per song.
    pub max_tracks: Option<usize>,
    /// `downloads/`: mixes are filed as `<download_dir>/<Song>/<Track>.mp3`.
    pub download_dir: PathBuf,
    /// Where the session cookies are kept between runs (`None` = always log in).
    pub session_file: Option<PathBuf>,
    /// Log in even when a saved session is still valid.
    pub force_login: bool,
    /// Delete the saved session before starting.
    pub clear_session: bool,
    /// Multiplies every knob duration, and the stage's delays.
    pub time_scale: f64,
    /// An external W3C WebDriver endpoint instead of spawning chromedriver.
    pub webdriver: Option<String>,
    pub chromedriver: PathBuf,
    /// A visible browser window (debugging).
    pub headed: bool,
    pub site_profile: SiteProfile,
    /// Tick the intro-count checkbox of every song.
    pub intro_count: bool,
    /// Draw the progress bar (when stderr is a terminal).
    pub show_progress: bool,
    /// Treat Ctrl-C as "stop the run in order" (browser closed, partial outcome returned).
    pub stop_on_ctrl_c: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            songs: None,
            max_tracks: None,
            download_dir: PathBuf::from("downloads"),
            session_file: Some(PathBuf::from("logs/session.json")),
            force_login: false,
            clear_session: false,
            time_scale: 1.0,
            webdriver: None,
            chromedriver: PathBuf::from(DEFAULT_CHROMEDRIVER),
            headed: false,
            site_profile: SiteProfile::default(),
            intro_count: true,
            show_progress: false,
            stop_on_ctrl_c: true,
        }
    }
}

/// What the run drives.
#[derive(Debug, Clone)]
pub enum Target {
    /// The embedded stage, started for this run and stopped after it; its demo account is used
    /// and its ledger gives each track's intrinsic time. The config's `time_scale` is replaced
    /// by [`RunOptions::time_scale`], so knobs and stage always share one scale.
    Stage(StageConfig),
    /// The real site (or any site the site profile describes).
    Site { url: String, credentials: Credentials },
}

/// Why a run could not start or had to stop (bad input or setup: exit code 2). Failed tracks
/// are not errors; they are in the [`RunOutcome`].
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("--time-scale {0} is invalid: use a finite number greater than 0 (e.g. 1 or 0.05)")]
    TimeScale(f64),
    #[error("invalid configuration: {0}")]
    Knobs(#[from] KnobError),
    #[error("--site {url:?} is not a usable address: {reason}")]
    SiteUrl { url: String, reason: String },
    #[error("cannot start the stage: {0}")]
    Stage(#[from] StageError),
    #[error("no songs to download: pass --songs FILE (only the embedded stage has a demo catalog)")]
    NoSongs,
    #[error("song {name:?}: URL {url:?} cannot be resolved against {base}")]
    SongUrl { name: String, url: String, base: String },
    #[error("download directory {path} is not writable: {source}")]
    DownloadDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot delete the saved session {path}: {source}")]
    ClearSession {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Browser(#[from] BrowserError),
    #[error("cannot log in to {site}: {source}")]
    Login {
        site: String,
        #[source]
        source: FlowError,
    },
    #[error("the run had to stop: {0}")]
    Fatal(#[source] FlowError),
}

/// The floor of the WebDriver command bound: at small time scales the scaled
/// `webdriver_default_timeout` would turn a busy machine's slow page load into a failure. It is
/// a bound, not a wait, so the floor costs nothing when things go well.
const MIN_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// A song to process, with its URL resolved against the target.
#[derive(Debug, Clone)]
struct PlannedSong {
    song: Song,
    url: String,
    path: String,
}

/// Everything the passes share (read-only).
struct RunEnv<'a> {
    options: &'a RunOptions,
    knobs: Knobs,
    base_url: Url,
    credentials: Credentials,
    store: SessionStore,
    incoming: IncomingDir,
    browser_options: BrowserOptions,
    progress: Progress,
}

/// What the passes accumulate (survives Ctrl-C).
struct RunState {
    songs: Vec<SongOutcome>,
    tracks: Vec<TrackOutcome>,
    login: Option<auth::LoginKind>,
}

/// Why a song pass stopped early.
enum PassStop {
    /// The browser is gone; start a new one and carry on.
    BrowserLost(FlowError),
    /// Retrying cannot help (download directory unusable, credentials refused).
    Fatal(FlowError),
}

/// Which tracks a pass over a song handles.
enum Pass {
    /// First visit: clear the song folder, every track (up to `max_tracks`).
    First,
    /// A retry pass: only the tracks that have not succeeded yet.
    Retry,
}

/// Runs the whole automation once: starts the target (the stage, when asked) and a browser,
/// logs in, downloads every song's tracks with retries, and shuts everything down in order.
#[tracing::instrument(name = "run", skip_all, fields(tier = "system", component = "automation"), err)]
pub async fn run(options: &RunOptions, knobs: &Knobs, target: &Target) -> Result<RunOutcome, RunError> {
    if !options.time_scale.is_finite() || options.time_scale <= 0.0 {
        return Err(RunError::TimeScale(options.time_scale));
    }
    knobs.validate()?;
    let knobs = knobs.scaled(options.time_scale);
    let (stage, base_url, credentials) = start_target(options, target).await?;
    let outcome = run_against(options, knobs, stage.as_ref().map(Stage::ledger), base_url, credentials).await;
    if let Some(stage) = stage {
        stage.shutdown().await;
    }
    outcome
}

async fn start_target(options: &RunOptions, target: &Target) -> Result<(Option<Stage>, Url, Credentials), RunError> {
    match target {
        Target::Stage(config) => {
            let stage = Stage::start(StageConfig { time_scale: options.time_scale, ..config.clone() }).await?;
            let base_url = parse_base_url(stage.url())?;
            let credentials = Credentials { username: DEMO_USERNAME.to_string(), password: Secret::new(DEMO_PASSWORD) };
            Ok((Some(stage), base_url, credentials))
        }
        Target::Site { url, credentials } => Ok((None, parse_base_url(url)?, credentials.clone())),
    }
}

fn parse_base_url(url: &str) -> Result<Url, RunError> {
    let parsed = Url::parse(url).map_err(|error| RunError::SiteUrl { url: url.to_string(), reason: error.to_string() })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(RunError::SiteUrl { url: url.to_string(), reason: "only http:// and https:// are supported".into() });
    }
    Ok(parsed)
}

async fn run_against(
    options: &RunOptions,
    knobs: Knobs,
    ledger: Option<Ledger>,
    base_url: Url,
    credentials: Credentials,
) -> Result<RunOutcome, RunError> {
    let songs = plan_songs(options, ledger.is_some(), &base_url)?;
    let incoming_dir = prepare_download_dir(&options.download_dir)?;
    let store = SessionStore { path: options.session_file.clone() };
    if options.clear_session {
        store.clear().map_err(|source| RunError::ClearSession {
            path: options.session_file.clone().unwrap_or_default(),
            source,
        })?;
    }
    let longest_script = knobs.solo_max_wait.max(knobs.download_max_wait).max(knobs.webdriver_default_timeout);
    let env = RunEnv {
        options,
        browser_options: BrowserOptions {
            webdriver: options.webdriver.clone(),
            chromedriver: options.chromedriver.clone(),
            headed: options.headed,
            download_dir: incoming_dir.path().to_path_buf(),
            command_timeout: seconds_to_duration(knobs.webdriver_default_timeout).max(MIN_COMMAND_TIMEOUT),
            script_timeout: seconds_to_duration(longest_script) + Duration::from_secs(10),
        },
        incoming: IncomingDir::new(incoming_dir.path().to_path_buf(), options.site_profile.download.clone()),
        knobs,
        base_url,
        credentials,
        store,
        progress: Progress::new(options.show_progress),
    };
    let started = Instant::now();
    let mut state = RunState { songs: Vec::new(), tracks: Vec::new(), login: None };
    let mut browser: Option<Browser> = None;
    let work = drive(&env, &songs, &mut state, &mut browser);
    let finished = if options.stop_on_ctrl_c {
        tokio::select! {
            result = work => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    } else {
        Some(work.await)
    };
    if let Some(browser) = browser.take() {
        browser.shutdown().await;
    }
    drop(incoming_dir);
    let interrupted = finished.is_none();
    if interrupted {
        tracing::warn!("interrupted by Ctrl-C: the browser was closed, files already downloaded are kept");
    }
    finished.unwrap_or(Ok(()))?;
    let mut outcome = RunOutcome {
        songs: state.songs,
        tracks: state.tracks,
        wall: started.elapsed(),
        interrupted,
        login: state.login,
        against_stage: ledger.is_some(),
    };
    if let Some(ledger) = ledger {
        attach_intrinsic_times(&mut outcome, &ledger);
    }
    Ok(outcome)
}

/// The songs of the run with URLs resolved: against the stage only the path of a URL counts
/// (so a `songs.yaml` written for the real site works on the stage too).
fn plan_songs(options: &RunOptions, on_stage: bool, base_url: &Url) -> Result<Vec<PlannedSong>, RunError> {
    let songs: Vec<Song> = match (&options.songs, on_stage) {
        (Some(songs), _) => songs.clone(),
        (None, true) => demo_catalog()
            .iter()
            .map(|song| Song {
                url: song.path.to_string(),
                name: song.title.to_string(),
                description: Some(song.artist.to_string()),
                key: 0,
            })
            .collect(),
        (None, false) => return Err(RunError::NoSongs),
    };
    if songs.is_empty() {
        return Err(RunError::NoSongs);
    }
    songs
        .into_iter()
        .map(|song| {
            let unresolvable = || RunError::SongUrl { name: song.name.clone(), url: song.url.clone(), base: base_url.to_string() };
            let resolved = match Url::parse(&song.url) {
                Ok(absolute) if on_stage => base_url.join(absolute.path()),
                Ok(absolute) => Ok(absolute),
                Err(_) => base_url.join(&song.url),
            }
            .map_err(|_| unresolvable())?;
            Ok(PlannedSong { url: resolved.to_string(), path: resolved.path().to_string(), song })
        })
        .collect()
}

/// Creates the download directory, proves it is writable, and makes the browser's incoming
/// directory inside it (same file system, so filing a download is a rename).
fn prepare_download_dir(download_dir: &Path) -> Result<tempfile::TempDir, RunError> {
    let failed = |source| RunError::DownloadDir { path: download_dir.to_path_buf(), source };
    std::fs::create_dir_all(download_dir).map_err(failed)?;
    let incoming = tempfile::Builder::new().prefix(".incoming-").tempdir_in(download_dir).map_err(failed)?;
    let incoming_path = incoming.path().canonicalize().map_err(failed)?;
    tempfile::tempfile_in(&incoming_path).map_err(failed)?;
    Ok(incoming)
}

/// Starts the browser and logs in, then every song, then the final retry pass.
async fn drive(
    env: &RunEnv<'_>,
    songs: &[PlannedSong],
    state: &mut RunState,
    browser: &mut Option<Browser>,
) -> Result<(), RunError> {
    let started = start_browser(env, browser).await?;
    let login = {
        let ctx = context(env, started);
        auth::ensure_logged_in(&ctx, &env.credentials, &env.store, env.options.force_login)
            .await
            .map_err(|source| RunError::Login { site: env.base_url.to_string(), source })?
    };
    state.login = Some(login);
    for (index, song) in songs.iter().enumerate() {
        state.songs.push(SongOutcome {
            name: song.song.name.clone(),
            url: song.url.clone(),
            path: song.path.clone(),
            status: SongStatus::Failed("not processed".into()),
            tracks_found: 0,
            folder: None,
        });
        song_with_retry(env, song, index, state, browser).await?;
    }
    for (index, song) in songs.iter().enumerate() {
        let pass = match &state.songs[index].status {
            SongStatus::Failed(_) => Pass::First,
            SongStatus::NotPurchased => continue,
            SongStatus::Done if failed_tracks(state, index).is_empty() => continue,
            SongStatus::Done => Pass::Retry,
        };
        tracing::info!(song = %song.song.name, "final retry pass");
        run_pass(env, song, index, pass, state, browser).await?;
    }
    Ok(())
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
    if matches!(state.songs[index].status, SongStatus::Done) && !failed_tracks(state, index).is_empty() {
        tracing::info!(song = %song.song.name, failed = failed_tracks(state, index).len(), "retrying the song's failed tracks");
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
    let stopped = song_pass(env, &context(env, current), song, index, pass, state).instrument(span).await;
    match stopped {
        Ok(()) => Ok(()),
        Err(PassStop::Fatal(error)) => Err(RunError::Fatal(error)),
        Err(PassStop::BrowserLost(error)) => {
            tracing::warn!(%error, "the browser was lost; starting a new one");
            if let Some(lost) = browser.take() {
                lost.shutdown().await;
            }
            let fresh = start_browser(env, browser).await?;
            auth::ensure_logged_in(&context(env, fresh), &env.credentials, &env.store, false)
                .await
                .map_err(|source| RunError::Login { site: env.base_url.to_string(), source })?;
            Ok(())
        }
    }
}

async fn start_browser<'b>(env: &RunEnv<'_>, slot: &'b mut Option<Browser>) -> Result<&'b Browser, RunError> {
    let browser = Browser::start(&env.browser_options).await?;
    Ok(slot.insert(browser))
}

fn context<'a>(env: &'a RunEnv<'_>, browser: &'a Browser) -> FlowContext<'a> {
    FlowContext {
        driver: browser.driver(),
        site: &env.options.site_profile,
        knobs: &env.knobs,
        base_url: &env.base_url,
        incoming: &env.incoming,
    }
}

/// Indices (into `state.tracks`) of the song's tracks that have not succeeded.
fn failed_tracks(state: &RunState, song_index: usize) -> Vec<usize> {
    let path = &state.songs[song_index].path;
    state
        .tracks
        .iter()
        .enumerate()
        .filter(|(_, track)| !track.ok && &track.song_path == path)
        .map(|(position, _)| position)
        .collect()
}

/// Opens the song (logging in again once if the session expired), then handles the pass's
/// tracks; a failed track re-opens the page before the next one, so its state cannot leak.
async fn song_pass(
    env: &RunEnv<'_>,
    ctx: &FlowContext<'_>,
    song: &PlannedSong,
    song_index: usize,
    pass: Pass,
    state: &mut RunState,
) -> Result<(), PassStop> {
    env.progress.song(&song.song.name);
    let tracks = match open_prepared(env, ctx, song).await {
        Ok(SongAccess::Purchased(tracks)) => tracks,
        Ok(SongAccess::NotPurchased) => {
            tracing::warn!(song = %song.song.name, "not purchased (the page offers \"Add to cart\"); skipped");
            state.songs[song_index].status = SongStatus::NotPurchased;
            return Ok(());
        }
        Err(error) => return song_failed(state, song_index, &pass, error),
    };
    let selected: Vec<TrackInfo> = match pass {
        Pass::First => {
            let limit = env.options.max_tracks.unwrap_or(usize::MAX);
            let folder = files::prepare_song_folder(&env.options.download_dir, &song.song.name)
                .map_err(|error| PassStop::Fatal(error.into()))?;
            let outcome = &mut state.songs[song_index];
            outcome.status = SongStatus::Done;
            outcome.tracks_found = tracks.len();
            outcome.folder = Some(folder);
            let selected: Vec<TrackInfo> = tracks.iter().take(limit).cloned().collect();
            for track in &selected {
                state.tracks.push(TrackOutcome {
                    song: song.song.name.clone(),
                    song_path: song.path.clone(),
                    index: track.index,
                    name: track.name.clone(),
                    ok: false,
                    attempts: 0,
                    wrong_mixes: 0,
                    wall: Duration::ZERO,
                    intrinsic: None,
                    error: None,
                    verified: false,
                    file: None,
                });
            }
            env.progress.add_tracks(selected.len());
            selected
        }
        Pass::Retry => {
            let pending = failed_tracks(state, song_index);
            env.progress.add_retries(pending.len());
            pending
                .into_iter()
                .filter_map(|position| tracks.iter().find(|track| track.index == state.tracks[position].index).cloned())
                .collect()
        }
    };
    let folder = state.songs[song_index].folder.clone().unwrap_or_else(|| env.options.download_dir.clone());
    let mut page_fresh = true;
    for track in &selected {
        if !page_fresh {
            match open_prepared(env, ctx, song).await {
                Ok(SongAccess::Purchased(_)) => {}
                Ok(SongAccess::NotPurchased) => {
                    return song_failed(state, song_index, &Pass::Retry, FlowError::UnexpectedPage("the song is no longer purchased".into()));
                }
                Err(error) => return song_failed(state, song_index, &Pass::Retry, error),
            }
        }
        let started = Instant::now();
        let attempt = attempt_track(env, ctx, &folder, track, tracks.len()).await;
        let elapsed = started.elapsed();
        env.progress.track_done();
        page_fresh = attempt.is_ok();
        let Some(record) =
            state.tracks.iter_mut().find(|record| record.song_path == song.path && record.index == track.index)
        else {
            continue;
        };
        record.attempts += 1;
        record.wall += elapsed;
        match attempt {
            Ok(file) => {
                record.ok = true;
                record.verified = true;
                record.error = None;
                record.file = Some(file);
            }
            Err(error) => {
                tracing::warn!(song = %song.song.name, track = %track.name, attempt = record.attempts, %error, "track failed");
                if matches!(error, FlowError::WrongMix { .. }) {
                    record.wrong_mixes += 1;
                }
                record.error = Some(error.to_string());
                if error.is_browser_lost() {
                    return Err(PassStop::BrowserLost(error));
                }
                if error.is_fatal() {
                    return Err(PassStop::Fatal(error));
                }
            }
        }
        tokio::time::sleep(seconds_to_duration(env.knobs.between_tracks_pause)).await;
    }
    Ok(())
}

fn song_failed(state: &mut RunState, song_index: usize, pass: &Pass, error: FlowError) -> Result<(), PassStop> {
    if error.is_browser_lost() {
        return Err(PassStop::BrowserLost(error));
    }
    if error.is_fatal() {
        return Err(PassStop::Fatal(error));
    }
    tracing::warn!(song = %state.songs[song_index].name, %error, "cannot open the song");
    match pass {
        Pass::First => state.songs[song_index].status = SongStatus::Failed(error.to_string()),
        Pass::Retry => {
            let path = state.songs[song_index].path.clone();
            for track in state.tracks.iter_mut().filter(|track| track.song_path == path && !track.ok) {
                track.error = Some(error.to_string());
            }
        }
    }
    Ok(())
}

/// Opens the song page (re-logging in once if the session expired), then sets intro count
/// and key.
async fn open_prepared(env: &RunEnv<'_>, ctx: &FlowContext<'_>, song: &PlannedSong) -> Result<SongAccess, FlowError> {
    let access = match tracks::open_song(ctx, &song.url).await {
        Err(FlowError::SessionExpired) => {
            tracing::info!("the session expired; logging in again");
            auth::log_in_again(ctx, &env.credentials, &env.store).await?;
            tracks::open_song(ctx, &song.url).await?
        }
        other => other?,
    };
    if let SongAccess::Purchased(_) = &access {
        if env.options.intro_count {
            tracks::set_intro_count(ctx, true).await?;
        }
        tracks::set_key(ctx, song.song.key).await?;
    }
    Ok(access)
}

/// One attempt at one track: solo, wait, download, verify, file.
async fn attempt_track(
    env: &RunEnv<'_>,
    ctx: &FlowContext<'_>,
    folder: &Path,
    track: &TrackInfo,
    track_count: usize,
) -> Result<PathBuf, FlowError> {
    env.progress.state(&track.name, "soloing");
    tracks::solo_track(ctx, track, track_count).await?;
    env.progress.state(&track.name, "mixing and downloading");
    let file = download::download_track(ctx, track).await?;
    env.progress.state(&track.name, "filing");
    Ok(files::store_download(&file, folder, &track.name)?)
}

/// Copies the stage's ground truth onto each track: the sum of its records' intrinsic times.
fn attach_intrinsic_times(outcome: &mut RunOutcome, ledger: &Ledger) {
    let records = ledger.records();
    for track in &mut outcome.tracks {
        let matching: Vec<_> =
            records.iter().filter(|record| record.song == track.song_path && record.track == track.index).collect();
        if !matching.is_empty() {
            track.intrinsic = Some(matching.iter().map(|record| record.intrinsic()).sum());
        }
    }
}
