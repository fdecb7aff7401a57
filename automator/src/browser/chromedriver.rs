//! A chromedriver process of our own: on a free loopback port, in its own process group,
//! without the credentials in its environment, killed together with every Chromium it started
//! when dropped, and — should the automator die without dropping it — ended by the kernel
//! (`PR_SET_PDEATHSIG`) and by the [`Watchdog`], which also ends Chromium.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::credentials::CREDENTIAL_VARS;

use super::error::BrowserError;
use super::processes::{RUN_TAG_VAR, kill_process_group, kill_tagged_processes};
use super::watchdog::Watchdog;

/// Where Debian's `chromium-driver` package installs chromedriver.
pub const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long chromedriver may take to listen on its port.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// A running chromedriver. Dropping it kills its process group and any straggler carrying
/// the run tag, so no Chromium outlives the run.
#[derive(Debug)]
pub struct ChromeDriver {
    child: Child,
    port: u16,
    run_tag: String,
    /// Ends the browser and removes its folders if this process dies first; `None` only when
    /// `/bin/sh` could not be started (warned about).
    watchdog: Option<Watchdog>,
}

impl ChromeDriver {
    /// Spawns `binary` on a free port and waits until it accepts connections. `folders` are
    /// the run's temporary folders (Chromium's profile, the incoming downloads), which the
    /// watchdog removes should the automator be killed.
    #[tracing::instrument(skip_all, fields(tier = "method", component = "browser"), err)]
    pub async fn start(
        binary: &Path,
        run_tag: &str,
        folders: &[PathBuf],
    ) -> Result<ChromeDriver, BrowserError> {
        check_chromedriver(binary)?;
        let port = free_port().map_err(|source| BrowserError::Spawn {
            path: binary.to_path_buf(),
            source,
        })?;
        let mut command = Command::new(binary);
        command
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .env(RUN_TAG_VAR, run_tag)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        for variable in CREDENTIAL_VARS {
            command.env_remove(variable);
        }
        die_with_this_process(&mut command);
        let child = command.spawn().map_err(|source| BrowserError::Spawn {
            path: binary.to_path_buf(),
            source,
        })?;
        let watchdog = Watchdog::start(child.id(), run_tag, folders)
            .inspect_err(|error| {
                tracing::warn!(
                    "cannot start the browser watchdog ({error}); if this process is killed, its browser may be left running"
                )
            })
            .ok();
        let mut driver = ChromeDriver {
            child,
            port,
            run_tag: run_tag.to_string(),
            watchdog,
        };
        driver.wait_until_listening(binary).await?;
        Ok(driver)
    }

    /// The WebDriver endpoint, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_until_listening(&mut self, binary: &Path) -> Result<(), BrowserError> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(BrowserError::ChromedriverExited {
                    path: binary.to_path_buf(),
                    status: status.to_string(),
                });
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            if started.elapsed() > STARTUP_TIMEOUT {
                return Err(BrowserError::ChromedriverTimeout {
                    path: binary.to_path_buf(),
                    seconds: STARTUP_TIMEOUT.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Kills chromedriver's process group, reaps it, and kills any tagged straggler.
    fn stop(&mut self) {
        kill_process_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let stragglers = kill_tagged_processes(&self.run_tag);
        if stragglers > 0 {
            tracing::debug!(
                stragglers,
                "killed browser processes that left chromedriver's group"
            );
        }
        if let Some(watchdog) = self.watchdog.take() {
            watchdog.dismiss();
        }
    }
}

/// Asks the kernel to SIGKILL the child when the thread that spawned it ends (the automator's
/// runtime threads live as long as the process; a browser never outlives its run). Exits at once
/// if the automator already died between fork and `prctl`.
fn die_with_this_process(command: &mut Command) {
    let parent = std::process::id();
    // SAFETY: the closure runs between fork and exec and only calls the async-signal-safe
    // prctl(2), getppid(2) and _exit(2); it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if u32::try_from(libc::getppid()) != Ok(parent) {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Checks that `binary` is an executable file, so a wrong `--chromedriver` is reported before
/// anything starts rather than when the first browser does. A bare name (no `/`) is looked up
/// on `PATH`, as starting it does.
pub fn check_chromedriver(binary: &Path) -> Result<(), BrowserError> {
    let path = binary.to_path_buf();
    if !binary.as_os_str().is_empty() && binary.components().count() == 1 && !binary.is_absolute() {
        let on_path = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .any(|directory| is_executable_file(&directory.join(binary)));
        return match on_path {
            true => Ok(()),
            false => Err(BrowserError::ChromedriverMissing { path }),
        };
    }
    match std::fs::metadata(binary) {
        Err(_) => Err(BrowserError::ChromedriverMissing { path }),
        Ok(_) if is_executable_file(binary) => Ok(()),
        Ok(_) => Err(BrowserError::ChromedriverNotExecutable { path }),
    }
}

/// Whether `path` is a file someone may execute.
fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

/// A port the kernel just handed out on loopback (closed again; chromedriver binds it next).
fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// The Chromium binary chromedriver should drive: the first of the usual names on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|directory| {
            [
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
            ]
            .map(|name| directory.join(name))
        })
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_binary_says_how_to_install_it() {
        let error = ChromeDriver::start(Path::new("/nonexistent/chromedriver"), "t", &[])
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("/nonexistent/chromedriver"), "{message}");
        assert!(message.contains("apt-get install"), "{message}");
    }

    #[test]
    fn a_folder_or_a_plain_file_is_not_a_chromedriver() {
        let folder = tempfile::tempdir().unwrap();
        let error = check_chromedriver(folder.path()).unwrap_err();
        assert!(
            matches!(error, BrowserError::ChromedriverNotExecutable { .. }),
            "{error}"
        );
        let plain = folder.path().join("chromedriver");
        std::fs::write(&plain, "#!/bin/sh\n").unwrap();
        let error = check_chromedriver(&plain).unwrap_err().to_string();
        assert!(
            error.contains("not an executable file") && error.contains("--chromedriver"),
            "{error}"
        );
        assert!(check_chromedriver(Path::new("/bin/sh")).is_ok());
        assert!(
            check_chromedriver(Path::new("sh")).is_ok(),
            "a bare name is looked up on PATH"
        );
        assert!(matches!(
            check_chromedriver(Path::new("no-such-chromedriver")),
            Err(BrowserError::ChromedriverMissing { .. })
        ));
    }

    /// The kernel ends the child with the thread that spawned it (here a short-lived thread;
    /// in a run, the runtime's threads, which live as long as the automator).
    #[test]
    fn the_child_dies_with_its_spawning_thread() {
        let mut child = std::thread::spawn(|| {
            let mut command = Command::new("sleep");
            command.arg("30");
            die_with_this_process(&mut command);
            command.spawn().unwrap()
        })
        .join()
        .unwrap();
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGKILL));
    }

    #[tokio::test]
    async fn a_binary_that_exits_at_once_is_reported() {
        let error = ChromeDriver::start(Path::new("/bin/false"), "t", &[])
            .await
            .unwrap_err();
        assert!(
            matches!(error, BrowserError::ChromedriverExited { .. }),
            "{error}"
        );
    }
}
