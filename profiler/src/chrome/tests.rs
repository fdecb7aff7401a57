//! The trace writer under failure: a full disk is an error naming the trace file, and no
//! partial file is left.

use std::io::{self, Write};
use std::path::Path;

use tracing_subscriber::prelude::*;

use super::*;
use crate::report::{Stamp, write_all};

/// The partial file on a disk that fills up after `room` bytes.
struct FillingDisk {
    file: File,
    room: usize,
}

impl Write for FillingDisk {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if bytes.len() > self.room {
            return Err(io::Error::from(io::ErrorKind::StorageFull));
        }
        self.room -= bytes.len();
        self.file.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A trace into `dir` whose disk fills up after `room` bytes.
fn trace_on_small_disk(dir: &Path, stamp: &Stamp, room: usize) -> (TraceLayer, ChromeTraceGuard) {
    let path = paths::trace_path(dir, stamp);
    let partial = dir.join(format!(".trace_{stamp}.json.partial"));
    let file = File::create(&partial).unwrap();
    start(
        path,
        partial,
        FillingDisk { file, room },
        TraceOptions::default(),
    )
}

fn record_spans(layer: TraceLayer, spans: usize) {
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..spans {
            tracing::info_span!("step", tier = "method", component = "work").in_scope(|| {});
        }
    });
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_full_disk_is_an_error_naming_the_trace_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let stamp = Stamp::now();
    let (layer, guard) = trace_on_small_disk(dir.path(), &stamp, 4096);
    // Far more than 4 KiB of events, so the writer hits the full disk mid-run.
    record_spans(layer, 5_000);
    let error = guard.finish().unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains(&format!("trace_{stamp}.json")),
        "names the file: {message}"
    );
    assert!(
        message.contains(&io::Error::from(io::ErrorKind::StorageFull).to_string()),
        "says why: {message}"
    );
    assert_eq!(
        names_in(dir.path()),
        Vec::<String>::new(),
        "no partial file"
    );
    assert!(
        guard.finish().is_err(),
        "finishing again gives the same outcome"
    );
}

#[test]
fn a_failed_trace_does_not_stop_the_other_reports() {
    let dir = tempfile::tempdir().unwrap();
    let stamp = Stamp::now();
    let (layer, guard) = trace_on_small_disk(dir.path(), &stamp, 100);
    let (profiler, handle) = crate::ProfilerLayer::new(crate::Config::default());
    let subscriber = tracing_subscriber::registry().with(profiler).with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("run", tier = "system", component = "app").in_scope(|| {});
    });
    let written = write_all(
        &handle.snapshot("t"),
        dir.path(),
        &stamp,
        Some(&Default::default()),
        Some(&guard),
    );
    assert_eq!(written.trace, None);
    assert_eq!(written.failed.len(), 1, "{:?}", written.failed);
    assert_eq!(
        written.failed[0].path,
        paths::trace_path(dir.path(), &stamp)
    );
    assert_eq!(
        written.failed[0].reason,
        io::Error::from(io::ErrorKind::StorageFull).to_string()
    );
    let expected = [
        format!("performance_{stamp}.html"),
        format!("performance_{stamp}.json"),
        format!("performance_{stamp}.log"),
    ];
    assert_eq!(names_in(dir.path()), expected);
    assert_eq!(
        [&written.log, &written.json, &written.html].map(|path| path.is_some()),
        [true; 3]
    );
    assert!(written.to_string().contains("not written:"), "{written}");
}
