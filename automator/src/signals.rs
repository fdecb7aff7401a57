//! SIGINT (Ctrl-C), SIGTERM (what `timeout`, systemd, CI runners and container stops send) and
//! SIGHUP (the terminal closed) all mean the same thing: stop in order. The run in progress
//! closes its browser and returns what it did, the command writes its reports and restores the
//! configuration, and the process exits with `128 + signal number` (130, 143, 129), the shell's
//! convention, so a caller can tell an interrupted run from a failed one (1) or bad input (2).
//!
//! The first signal is recorded once for the whole process; later ones are ignored while the
//! process stops. A [`Listener`] must be alive for a signal to be caught: `app::main` keeps one
//! for the whole command, and a run that stops on signals keeps its own (for library callers).
//! Once tokio has registered a signal its default action (terminate at once) is gone for the
//! rest of the process, which is what an orderly stop needs.

use std::sync::LazyLock;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A signal that stops the run in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: `kill`, `timeout`, systemd, CI runners, container stops.
    Terminate,
    /// SIGHUP: the terminal was closed.
    Hangup,
}

impl Signal {
    /// Every signal handled, in the order they are listened to.
    pub const ALL: [Signal; 3] = [Signal::Interrupt, Signal::Terminate, Signal::Hangup];

    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
        }
    }

    /// How people know it: "Ctrl-C (SIGINT)", "SIGTERM", "SIGHUP".
    pub fn description(self) -> &'static str {
        match self {
            Signal::Interrupt => "Ctrl-C (SIGINT)",
            other => other.name(),
        }
    }

    /// The signal number (`libc::SIGINT`, …).
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::Hangup => libc::SIGHUP,
        }
    }

    /// The exit code of a run this signal interrupted: 128 + the signal number (SIGINT 130,
    /// SIGTERM 143, SIGHUP 129), as a shell reports a process the signal killed.
    pub fn exit_code(self) -> u8 {
        (128 + self.number()) as u8
    }

    fn kind(self) -> SignalKind {
        SignalKind::from_raw(self.number())
    }
}

/// The first stopping signal this process received (`None` until then).
static RECEIVED: LazyLock<watch::Sender<Option<Signal>>> = LazyLock::new(|| watch::channel(None).0);

/// The first stopping signal received so far, if any.
pub fn received() -> Option<Signal> {
    *RECEIVED.borrow()
}

/// Exit code of an interrupted run: the received signal's, or SIGINT's (130) when the run
/// stopped for a reason that left no signal on record.
pub fn interrupted_exit_code() -> u8 {
    received().unwrap_or(Signal::Interrupt).exit_code()
}

/// Waits until a stopping signal has been received (at once if one already was). Only a live
/// [`Listener`] records signals.
pub async fn wait() -> Signal {
    let mut receiver = RECEIVED.subscribe();
    let received = receiver.wait_for(Option::is_some).await;
    // The sender is a static, so the channel never closes; `Interrupt` is unreachable.
    received
        .ok()
        .and_then(|signal| *signal)
        .unwrap_or(Signal::Interrupt)
}

/// Records `signal` unless an earlier one is already on record; whether it was the first.
pub fn record(signal: Signal) -> bool {
    RECEIVED.send_if_modified(|current| match current {
        Some(_) => false,
        None => {
            *current = Some(signal);
            true
        }
    })
}

/// Catches SIGINT, SIGTERM and SIGHUP while it lives.
#[derive(Debug)]
pub struct Listener {
    task: JoinHandle<()>,
}

impl Listener {
    /// Registers the three signals (inside a tokio runtime) and records the first one that
    /// arrives. The signals are caught from the moment this returns.
    pub fn install() -> std::io::Result<Listener> {
        let mut interrupt = signal(Signal::Interrupt.kind())?;
        let mut terminate = signal(Signal::Terminate.kind())?;
        let mut hangup = signal(Signal::Hangup.kind())?;
        let task = tokio::spawn(async move {
            loop {
                let arrived = tokio::select! {
                    Some(()) = interrupt.recv() => Signal::Interrupt,
                    Some(()) = terminate.recv() => Signal::Terminate,
                    Some(()) = hangup.recv() => Signal::Hangup,
                    else => return,
                };
                if record(arrived) {
                    tracing::warn!(
                        "{} received: stopping in order (browser closed, reports written); further signals are ignored",
                        arrived.description()
                    );
                }
            }
        });
        Ok(Listener { task })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_shell_convention() {
        let codes: Vec<(&str, u8)> = Signal::ALL
            .iter()
            .map(|signal| (signal.name(), signal.exit_code()))
            .collect();
        assert_eq!(codes, [("SIGINT", 130), ("SIGTERM", 143), ("SIGHUP", 129)]);
    }
}
