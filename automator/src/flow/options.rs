//! What a run is told: its options (songs, folders, browser, login) and its target (the
//! embedded stage or a real site).

use std::path::PathBuf;

use crate::browser::chromedriver::DEFAULT_CHROMEDRIVER;
use crate::config::{Credentials, SiteProfile, Song};
use crate::stage::StageConfig;

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
    /// Treat Ctrl-C, SIGTERM and SIGHUP as "stop the run in order" (browser closed, partial
    /// outcome returned; see `crate::signals`).
    pub stop_on_ctrl_c: bool,
    /// Browser sessions working through the songs at once (see `flow::sessions`); 0 counts
    /// as 1, and a run never has more sessions than songs.
    pub sessions: usize,
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
            sessions: 1,
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
    Site {
        url: String,
        credentials: Credentials,
    },
}
