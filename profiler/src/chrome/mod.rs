//! A Chrome trace of the profiled run (`trace_<stamp>.json`), written by `tracing-chrome`
//! beside the profiler layer and finished into one complete event per span.
//!
//! tracing-chrome streams events into a file while the program runs and writes the closing
//! bracket only when its guard drops, so a program that exits early or is interrupted
//! would leave invalid JSON. Here it streams into a hidden `.partial` file instead; the
//! final file only ever appears through [`ChromeTraceGuard::finish`] (called on drop, and
//! callable from a Ctrl-C handler), which converts and writes it atomically.
//!
//! tracing-chrome caches its output channel per thread, so a process should have one
//! Chrome trace at a time.

mod convert;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tracing::{Metadata, Subscriber};
use tracing_chrome::{ChromeLayer, ChromeLayerBuilder, FlushGuard, TraceStyle};
use tracing_subscriber::registry::LookupSpan;

use crate::report::{ReportError, Stamp, paths, write_file};

/// A layer writing `dir/trace_<stamp>.json` and the guard that finishes the file.
/// Compose the layer beside the [`ProfilerLayer`](crate::ProfilerLayer). Give it a filter of
/// its own (`.with_filter(filter_fn(chrome_filter))`) rather than relying on a global one
/// such as `EnvFilter`, which would drop the spans it needs.
pub fn trace_layer<S>(
    dir: &Path,
    stamp: &Stamp,
) -> Result<(ChromeLayer<S>, ChromeTraceGuard), ReportError>
where
    S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
{
    let path = paths::trace_path(dir, stamp);
    let partial = dir.join(format!(".trace_{stamp}.json.partial"));
    let file = std::fs::create_dir_all(dir)
        .and_then(|()| File::create(&partial))
        .map_err(|source| ReportError::Write {
            path: partial.clone(),
            source,
        })?;
    let (layer, flush) = ChromeLayerBuilder::new()
        .writer(file)
        .include_args(true)
        .include_locations(false)
        .trace_style(TraceStyle::Threaded)
        .build();
    let guard = ChromeTraceGuard {
        inner: Arc::new(TraceFile {
            path,
            partial,
            recording: Mutex::new(Some(flush)),
            finished: Mutex::new(None),
        }),
    };
    Ok((layer, guard))
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
    /// tracing-chrome's guard while recording; dropping it completes the partial file.
    recording: Mutex<Option<FlushGuard>>,
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
            drop(
                self.inner
                    .recording
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take(),
            );
            let _ = std::fs::remove_file(&self.inner.partial);
            *finished = Some(Err("the trace was abandoned".to_owned()));
        }
    }

    /// Stops recording and writes the trace, valid JSON whatever state the program is in.
    /// Spans still open are closed at the last timestamp and marked `"unfinished"`. Later
    /// calls return the first call's outcome; events after it are not recorded.
    pub fn finish(&self) -> Result<PathBuf, ReportError> {
        self.inner.finish()
    }
}

impl TraceFile {
    fn finish(&self) -> Result<PathBuf, ReportError> {
        let mut finished = self.finished.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(outcome) = &*finished {
            return outcome.clone().map_err(|reason| ReportError::Trace {
                path: self.path.clone(),
                reason,
            });
        }
        // tracing-chrome closes its JSON array and joins its writer thread on drop, so the
        // partial file is complete before it is read.
        drop(
            self.recording
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        let outcome = self.convert();
        *finished = Some(outcome.as_ref().cloned().map_err(ToString::to_string));
        outcome
    }

    fn convert(&self) -> Result<PathBuf, ReportError> {
        let raw = std::fs::read(&self.partial).map_err(|source| ReportError::Write {
            path: self.partial.clone(),
            source,
        })?;
        let converted = convert::complete_events(&String::from_utf8_lossy(&raw));
        write_file(&self.path, converted.as_bytes())?;
        let _ = std::fs::remove_file(&self.partial);
        Ok(self.path.clone())
    }
}

impl Drop for TraceFile {
    fn drop(&mut self) {
        if let Err(error) = self.finish() {
            eprintln!("profiler: {error}");
        }
    }
}
