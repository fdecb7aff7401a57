//! The live progress display (song, track, state, elapsed, ETA) and the log writer that prints
//! above it instead of tearing it.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar currently on screen, shared with [`LogWriter`] so log lines suspend it.
static ACTIVE_BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Progress of one run. Hidden when disabled or when stderr is not a terminal.
pub struct Progress {
    bar: ProgressBar,
    song: Mutex<String>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let target = if enabled {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:24} {pos}/{len} tracks · ETA {eta} · {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        if enabled {
            *lock_active() = Some(bar.clone());
        }
        Progress {
            bar,
            song: Mutex::new(String::new()),
        }
    }

    /// A song's tracks became known: they count towards the total (and the ETA).
    pub fn add_tracks(&self, count: usize) {
        self.bar.inc_length(count as u64);
    }

    /// What the run is doing before or between songs (starting the browser, logging in).
    pub fn phase(&self, phase: &str) {
        self.bar.set_message(phase.to_string());
    }

    pub fn song(&self, name: &str) {
        *self
            .song
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = name.to_string();
        self.bar.set_message(name.to_string());
    }

    /// What is happening to which track, e.g. `Bass — waiting for the mix`.
    pub fn state(&self, track: &str, state: &str) {
        let song = self
            .song
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone();
        self.bar.set_message(format!("{song} › {track} — {state}"));
    }

    /// One track finished (downloaded or given up for this pass).
    pub fn track_done(&self) {
        self.bar.inc(1);
    }

    /// A retry pass re-opens tracks already counted.
    pub fn add_retries(&self, count: usize) {
        self.bar.inc_length(count as u64);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        *lock_active() = None;
        self.bar.finish_and_clear();
    }
}

fn lock_active() -> std::sync::MutexGuard<'static, Option<ProgressBar>> {
    ACTIVE_BAR
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
}

/// A `tracing_subscriber` writer for stderr that hides the progress bar while a line is
/// written, so log lines and the bar never overwrite each other.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = lock_active().clone();
        match bar {
            Some(bar) => bar.suspend(|| std::io::stderr().write_all(buf))?,
            None => std::io::stderr().write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> LogWriter {
        LogWriter
    }
}

/// Prints a line to stdout above the progress bar (for the summary and report paths).
pub fn print_line(line: &str) {
    let bar = lock_active().clone();
    match bar {
        Some(bar) => bar.suspend(|| println!("{line}")),
        None => println!("{line}"),
    }
}
