//! A Chrome trace of the profiled run (`trace_<stamp>.json`): one complete event per
//! profiled span, from its creation to its close, on tracks that always nest.
//!
//! [`TraceLayer`] records spans beside the [`ProfilerLayer`](crate::ProfilerLayer) and a
//! writer thread streams the events into a hidden `.trace_<stamp>.json.partial` file, so
//! memory stays bounded however many spans the program makes. The trace file only ever
//! appears through [`ChromeTraceGuard::finish`] (called on drop, and callable from a Ctrl-C
//! handler), which completes the JSON and renames the partial file into place. If writing
//! fails (disk full, file system gone) `finish` says so and removes the partial file.
//!
//! The file is the trace-event format's object form (`{"traceEvents": [...]}`):
//! - `"ph":"X"` events, one per span: `name` is the key (`component.name`), `cat` the tier,
//!   `args` the tier, the component and the span's other fields as plain JSON values;
//!   `"unfinished": true` marks a span still open when the trace was finished.
//! - `tid` is a track, not an OS thread: a span shares its parent's track when it nests there, else gets a track of its own; each
//!   track has a `thread_name` (the key of the span that opened it) and `process_name` names
//!   the program. A span with a string field `track_name` (e.g. `track_name = "session 2"`
//!   for work running side by side) always goes on a track of its own, named so, with its
//!   descendants nesting there; the field is not repeated in `args`. A free track reused
//!   later by a span of the same key keeps its first name.
//! - `"ph":"i"` events for WARN and ERROR events, on the track of their span.
//! - with [`TraceOptions::polls`], `cat: "poll"` complete events for each time a span was
//!   entered (its busy intervals), on one track per OS thread (`polls on <thread>`).

mod args;
mod lanes;
mod layer;
pub mod viewer;
mod writer;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use tracing::Metadata;

pub use layer::TraceLayer;

use crate::report::{ReportError, Stamp, paths};
use layer::Shared;

/// How the trace is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceOptions {
    /// The process name viewers show (default: the executable's file name).
    pub process_name: String,
    /// Also record every busy interval (enter to exit) of every span, on per-thread tracks.
    /// Off by default: it costs a lock per enter and exit, and async spans are entered once
    /// per poll.
    pub polls: bool,
    /// Put the span's fields (besides tier and component) into each event's `args` (on by
    /// default). speedscope names a frame by the event's name *and* its `args`, so spans of
    /// one key whose fields differ (`song = "A"`, `song = "B"`) become separate frames there;
    /// turn this off to keep one speedscope frame per key. Perfetto is unaffected.
    pub fields: bool,
}

impl Default for TraceOptions {
    fn default() -> TraceOptions {
        let process_name = std::env::current_exe()
            .ok()
            .and_then(|path| {
                path.file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "profiled program".to_owned());
        TraceOptions {
            process_name,
            polls: false,
            fields: true,
        }
    }
}

impl TraceOptions {
    /// Sets [`process_name`](Self::process_name), the name viewers show for the program.
    pub fn process_name(mut self, name: impl Into<String>) -> TraceOptions {
        self.process_name = name.into();
        self
    }

    /// Sets [`polls`](Self::polls): also record each span's busy intervals (off by default).
    pub fn polls(mut self, enabled: bool) -> TraceOptions {
        self.polls = enabled;
        self
    }

    /// Sets [`fields`](Self::fields): the span's other fields in each event's `args` (on by
    /// default).
    pub fn fields(mut self, enabled: bool) -> TraceOptions {
        self.fields = enabled;
        self
    }
}

/// A layer recording `dir/trace_<stamp>.json` with default [`TraceOptions`], and the guard
/// that finishes the file. Compose the layer beside the
/// [`ProfilerLayer`](crate::ProfilerLayer), ideally with
/// `.with_filter(filter_fn(chrome_filter))` (a global filter such as `EnvFilter` would hide
/// the spans it needs).
///
/// # Errors
///
/// [`ReportError::Write`] when the directory or the partial file cannot be created.
pub fn trace_layer(
    dir: &Path,
    stamp: &Stamp,
) -> Result<(TraceLayer, ChromeTraceGuard), ReportError> {
    trace_layer_with(dir, stamp, TraceOptions::default())
}

/// [`trace_layer`] with options. Fails when the partial file cannot be created.
///
/// # Errors
///
/// [`ReportError::Write`] when the directory or the partial file cannot be created.
pub fn trace_layer_with(
    dir: &Path,
    stamp: &Stamp,
    options: TraceOptions,
) -> Result<(TraceLayer, ChromeTraceGuard), ReportError> {
    let path = paths::trace_path(dir, stamp);
    let partial = dir.join(format!(".trace_{stamp}.json.partial"));
    let file = std::fs::create_dir_all(dir)
        .and_then(|()| File::create(&partial))
        .map_err(|source| ReportError::Write {
            path: partial.clone(),
            source,
        })?;
    Ok(start(path, partial, file, options))
}

/// Starts the writer thread on `sink` (the partial file, or a failing writer in tests).
fn start<W: Write + Send + 'static>(
    path: PathBuf,
    partial: PathBuf,
    sink: W,
    options: TraceOptions,
) -> (TraceLayer, ChromeTraceGuard) {
    let (sender, batches) = std::sync::mpsc::sync_channel(writer::CHANNEL_BATCHES);
    let process_name = options.process_name;
    let thread = std::thread::Builder::new()
        .name("chrome-trace-writer".to_owned())
        .spawn(move || writer::run(batches, sink, &process_name));
    let shared = Arc::new(Shared::new(options.polls, options.fields, sender));
    let (writer, failed_to_start) = match thread {
        Ok(handle) => (Some(handle), None),
        Err(error) => (None, Some(error.to_string())),
    };
    let guard = ChromeTraceGuard {
        inner: Arc::new(TraceFile {
            path,
            partial,
            shared: Arc::clone(&shared),
            writer: Mutex::new(writer),
            finished: Mutex::new(
                failed_to_start
                    .map(|reason| Err(format!("cannot start the writer thread: {reason}"))),
            ),
        }),
    };
    (TraceLayer { shared }, guard)
}

/// What a Chrome trace should contain: profiled spans (those with a `tier` field) and
/// events at WARN or above. Use with `tracing_subscriber::filter::filter_fn`.
pub fn chrome_filter(metadata: &Metadata<'_>) -> bool {
    if metadata.is_span() {
        metadata.fields().field("tier").is_some()
    } else {
        *metadata.level() <= tracing::Level::WARN
    }
}

/// Finishes the trace file. Clones share one file; it is finished once, by the first
/// [`finish`](Self::finish) or when the last clone drops.
#[derive(Clone)]
pub struct ChromeTraceGuard {
    inner: Arc<TraceFile>,
}

struct TraceFile {
    path: PathBuf,
    partial: PathBuf,
    shared: Arc<Shared>,
    writer: Mutex<Option<JoinHandle<std::io::Result<()>>>>,
    /// The outcome of the first finish.
    finished: Mutex<Option<Result<PathBuf, String>>>,
}

impl ChromeTraceGuard {
    /// Where the finished trace goes.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Stops recording and deletes the partial file without writing a trace (setup failed).
    pub(crate) fn abandon(&self) {
        let mut finished = self
            .inner
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if finished.is_none() {
            let _ = self.inner.stop();
            let _ = std::fs::remove_file(&self.inner.partial);
            *finished = Some(Err("the trace was abandoned".to_owned()));
        }
    }

    /// Stops recording and writes the trace, valid JSON whatever state the program is in.
    /// Spans still open are closed now and marked `"unfinished"`. Later calls return the
    /// first call's outcome; spans after it are not recorded. A write error (e.g. disk
    /// full) is returned naming the trace file; no partial file is left behind.
    ///
    /// # Errors
    ///
    /// [`ReportError::Trace`] naming the trace file when writing or renaming failed (the partial
    /// file is removed).
    pub fn finish(&self) -> Result<PathBuf, ReportError> {
        self.inner.finish()
    }
}

impl TraceFile {
    /// Stops the layer and waits for the writer to complete the partial file.
    fn stop(&self) -> Result<(), ReportError> {
        self.shared.stop();
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(handle) = handle else {
            return Ok(());
        };
        match handle.join() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(ReportError::Write {
                path: self.path.clone(),
                source,
            }),
            Err(_) => Err(ReportError::Trace {
                path: self.path.clone(),
                reason: "the trace writer thread panicked".to_owned(),
            }),
        }
    }

    fn finish(&self) -> Result<PathBuf, ReportError> {
        let mut finished = self.finished.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(outcome) = &*finished {
            return outcome.clone().map_err(|reason| ReportError::Trace {
                path: self.path.clone(),
                reason,
            });
        }
        let outcome = self.stop().and_then(|()| {
            std::fs::rename(&self.partial, &self.path).map_err(|source| ReportError::Write {
                path: self.path.clone(),
                source,
            })
        });
        if outcome.is_err() {
            let _ = std::fs::remove_file(&self.partial);
        }
        let outcome = outcome.map(|()| self.path.clone());
        *finished = Some(outcome.as_ref().cloned().map_err(ToString::to_string));
        outcome
    }
}

impl Drop for TraceFile {
    fn drop(&mut self) {
        if let Err(error) = self.finish() {
            eprintln!("profiler: warning: {error}");
        }
    }
}

#[cfg(test)]
mod tests;
