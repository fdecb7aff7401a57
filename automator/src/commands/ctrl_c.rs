//! Stopping signals (Ctrl-C, SIGTERM, SIGHUP) between the runs of a command.
//!
//! A run already stops in order on a signal (browser closed, partial outcome returned). Between
//! runs this listener turns the signal into a flag the command checks before starting the
//! next run, so the loop unwinds normally: preset guards restore the configuration and the
//! runs so far are still saved. It shares [`crate::signals`] with the run itself, so the two
//! never fight over the handler and both see the same first signal.

use crate::signals::{self, Listener, Signal};

/// Listens for SIGINT, SIGTERM and SIGHUP while it lives.
pub struct CtrlC {
    _listener: Option<Listener>,
}

impl CtrlC {
    /// Starts listening (inside a tokio runtime). Should the signals not be registrable, the
    /// command runs on without a between-runs check (each run still stops on its own).
    pub fn listen() -> CtrlC {
        let listener = match Listener::install() {
            Ok(listener) => Some(listener),
            Err(error) => {
                tracing::warn!("cannot listen for Ctrl-C, SIGTERM and SIGHUP: {error}");
                None
            }
        };
        CtrlC {
            _listener: listener,
        }
    }

    /// Whether a stopping signal arrived (Ctrl-C, SIGTERM or SIGHUP).
    pub fn pressed(&self) -> bool {
        signals::received().is_some()
    }

    /// The signal that arrived first, if any.
    pub fn signal(&self) -> Option<Signal> {
        signals::received()
    }
}
