//! Ctrl-C between the runs of a command.
//!
//! A run already stops in order on Ctrl-C (browser closed, partial outcome returned). Between
//! runs this listener turns the signal into a flag the command checks before starting the
//! next run, so the loop unwinds normally: preset guards restore the configuration and the
//! runs so far are still saved. It uses tokio's signal handling, like the run itself, so the
//! two never fight over the handler.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::JoinHandle;

/// Listens for Ctrl-C while it lives.
pub struct CtrlC {
    pressed: Arc<AtomicBool>,
    listener: JoinHandle<()>,
}

impl CtrlC {
    /// Starts listening (inside a tokio runtime).
    pub fn listen() -> CtrlC {
        let pressed = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&pressed);
        let listener = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::SeqCst);
            }
        });
        CtrlC { pressed, listener }
    }

    /// Whether Ctrl-C was pressed since listening started.
    pub fn pressed(&self) -> bool {
        self.pressed.load(Ordering::SeqCst)
    }
}

impl Drop for CtrlC {
    fn drop(&mut self) {
        self.listener.abort();
    }
}
