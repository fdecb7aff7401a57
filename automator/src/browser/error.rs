//! What can go wrong starting or driving the browser.

use std::path::PathBuf;

/// The install command printed whenever Chromium or chromedriver is missing.
pub const INSTALL_HINT: &str = "install them with: apt-get install -y chromium chromium-driver (or pass --webdriver URL of a running WebDriver)";

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "chromedriver not found at {path} (give its path with --chromedriver PATH or AUTOMATOR_CHROMEDRIVER); {INSTALL_HINT}"
    )]
    ChromedriverMissing { path: PathBuf },
    #[error(
        "chromedriver {path} is not an executable file (check --chromedriver / AUTOMATOR_CHROMEDRIVER, or make it executable with chmod +x)"
    )]
    ChromedriverNotExecutable { path: PathBuf },
    #[error(
        "Chromium not found on PATH (looked for chromium, chromium-browser, google-chrome); {INSTALL_HINT}"
    )]
    ChromiumMissing,
    #[error("cannot start chromedriver {path}: {source}")]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("chromedriver {path} exited during start-up ({status}); run it by hand to see why")]
    ChromedriverExited { path: PathBuf, status: String },
    #[error("chromedriver {path} did not listen within {seconds} s")]
    ChromedriverTimeout { path: PathBuf, seconds: u64 },
    #[error("{0}")]
    ManagedDownloads(#[from] super::managed_downloads::ManagedDownloadsError),
    #[error("cannot open a browser session at WebDriver {endpoint}: {message}")]
    Session { endpoint: String, message: String },
    #[error("cannot prepare the browser's directories: {0}")]
    Directory(#[source] std::io::Error),
    #[error("WebDriver command `{command}` failed: {message}")]
    Command {
        command: &'static str,
        message: String,
    },
    #[error("WebDriver command `{command}` took longer than {seconds:.1} s")]
    Timeout { command: &'static str, seconds: f64 },
    #[error(
        "cannot reach {url} (the browser shows its connection error page after {attempts} attempts); check the address and that the site is up"
    )]
    Unreachable { url: String, attempts: u32 },
    #[error("page {url} answered HTTP {status} (after {attempts} attempts)")]
    HttpStatus {
        url: String,
        status: u16,
        attempts: u32,
    },
}

impl BrowserError {
    /// Whether the browser or its WebDriver went away, so nothing more can be done in it.
    pub fn is_session_lost(&self) -> bool {
        match self {
            BrowserError::Command { message, .. } => {
                let message = message.to_lowercase();
                [
                    "invalid session id",
                    "session deleted",
                    "chrome not reachable",
                    "disconnected",
                    "connection refused",
                    "connection reset",
                    "broken pipe",
                ]
                .iter()
                .any(|symptom| message.contains(symptom))
            }
            _ => false,
        }
    }
}
