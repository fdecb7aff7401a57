//! Ctrl-C as an orderly unwind, so preset guards restore the configuration and reports still
//! get written.
//!
//! The default reaction to SIGINT kills the process on the spot: no destructor runs, nothing
//! is restored or flushed. [`InterruptSignal::install`] replaces it (SIGINT, SIGTERM and
//! SIGHUP, via `ctrlc`): the first signal only raises a flag; the program checks it between
//! units of work ([`InterruptSignal::check`]) or sleeps through
//! [`InterruptSignal::sleep`], which wakes early, and returns an [`Interrupted`] error up the
//! stack. Every [`super::PresetGuard`] on the way is dropped and restores its original. A
//! second signal means the user will not wait: the process exits at once with status 130.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::error::PresetError;

/// How many interrupt signals arrived since the handler was installed.
static SIGNALS: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// Exit status of a process killed by SIGINT, by shell convention (128 + 2).
pub const INTERRUPTED_EXIT_CODE: i32 = 130;

/// Longest time [`InterruptSignal::sleep`] goes without looking at the flag.
const SLEEP_SLICE: Duration = Duration::from_millis(20);

/// The run was interrupted by Ctrl-C (or SIGTERM); unwind and clean up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted by Ctrl-C")]
pub struct Interrupted;

/// A handle on the process-wide interrupt flag.
#[derive(Debug, Clone, Copy)]
pub struct InterruptSignal {
    _installed: (),
}

impl InterruptSignal {
    /// Installs the process-wide handler (once; later calls return the same signal). Fails if
    /// another handler was installed through `ctrlc` first.
    ///
    /// # Errors
    ///
    /// [`PresetError::InterruptHandler`] when another Ctrl-C handler was installed first.
    pub fn install() -> Result<InterruptSignal, PresetError> {
        INSTALLED
            .get_or_init(|| {
                ctrlc::set_handler(|| {
                    if SIGNALS.fetch_add(1, Ordering::SeqCst) >= 1 {
                        eprintln!("second interrupt: exiting immediately");
                        std::process::exit(INTERRUPTED_EXIT_CODE);
                    }
                    eprintln!("interrupt: finishing the current step, restoring the configuration (Ctrl-C again to quit now)");
                })
                .map_err(|error| error.to_string())
            })
            .clone()
            .map_err(PresetError::InterruptHandler)?;
        Ok(InterruptSignal { _installed: () })
    }

    /// Whether Ctrl-C was pressed.
    pub fn is_requested(&self) -> bool {
        SIGNALS.load(Ordering::SeqCst) > 0
    }

    /// `Err(Interrupted)` once Ctrl-C was pressed; put it between units of work.
    ///
    /// # Errors
    ///
    /// [`Interrupted`] once Ctrl-C was pressed.
    pub fn check(&self) -> Result<(), Interrupted> {
        if self.is_requested() {
            Err(Interrupted)
        } else {
            Ok(())
        }
    }

    /// Sleeps for `duration` but returns `Err(Interrupted)` within a few milliseconds of
    /// Ctrl-C, so long blind waits do not hold an interrupted run hostage.
    ///
    /// # Errors
    ///
    /// [`Interrupted`] when Ctrl-C is pressed before `duration` is over (or was already).
    pub fn sleep(&self, duration: Duration) -> Result<(), Interrupted> {
        let deadline = Instant::now() + duration;
        loop {
            self.check()?;
            let now = Instant::now();
            if now >= deadline {
                return Ok(());
            }
            std::thread::sleep((deadline - now).min(SLEEP_SLICE));
        }
    }
}
