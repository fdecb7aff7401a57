//! Why one step of the flow failed. Every variant is a one-line message; whether it is worth
//! retrying is decided here, in one place.

use crate::browser::BrowserError;

use super::files::FileError;

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("the session expired (the site asked to log in again)")]
    SessionExpired,
    #[error(
        "login failed: the site did not accept the credentials (check KV_USERNAME / KV_PASSWORD)"
    )]
    LoginRejected,
    #[error("login did not complete: {0}")]
    LoginIncomplete(String),
    #[error("the song page is not as expected: {0} (check the site profile)")]
    UnexpectedPage(String),
    #[error("solo of track {index} was not applied within {waited:.1} s")]
    SoloNotApplied { index: usize, waited: f64 },
    #[error("the page reported an error after soloing track {index}")]
    SoloRejected { index: usize },
    #[error("could not set the key to {wanted:+}: the page shows {shown:?}")]
    KeyNotSet { wanted: i32, shown: String },
    #[error(
        "wrong mix: expected track {expected:?} but the server sent {file:?} (the solo was not applied yet)"
    )]
    WrongMix { expected: String, file: String },
    #[error("mix generation failed (the page said: {0})")]
    MixFailed(String),
    #[error(
        "the site refused the mix request {times} times in a row with HTTP 429 (rate limit); held off as it asked each time"
    )]
    RateLimited { times: u32 },
    #[error("the mix was not ready within {waited:.1} s")]
    MixTimeout { waited: f64 },
    #[error("the download did not finish within {waited:.1} s")]
    DownloadTimeout { waited: f64 },
    #[error("the browser dropped the download before it finished (connection cut?)")]
    DownloadDropped,
    #[error("the download stalled: its partial file did not grow for {waited:.1} s")]
    DownloadStalled { waited: f64 },
    #[error(
        "no space left on device: only {free} bytes free for the download folder {folder} (free some space, or pass another --download-dir)"
    )]
    DiskFull {
        folder: std::path::PathBuf,
        free: u64,
    },
    #[error("cannot watch the download directory: {0}")]
    Watch(String),
    #[error("cannot read the download directory: {0}")]
    Incoming(#[source] std::io::Error),
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error(transparent)]
    File(#[from] FileError),
}

impl FlowError {
    /// Whether the browser session is gone (crashed Chromium, dead chromedriver): nothing more
    /// can be done in it until a new one is started.
    pub fn is_browser_lost(&self) -> bool {
        matches!(self, FlowError::Browser(error) if error.is_session_lost())
    }

    /// Whether the download directory is unusable (full, unwritable) or the credentials are
    /// refused: retrying cannot help, so the run stops. A name in the way (a symbolic link, a
    /// file where a folder belongs) only fails its song or track.
    pub fn is_fatal(&self) -> bool {
        match self {
            FlowError::File(error) => error.is_fatal(),
            FlowError::Incoming(_)
            | FlowError::Watch(_)
            | FlowError::LoginRejected
            | FlowError::DiskFull { .. } => true,
            _ => false,
        }
    }
}
