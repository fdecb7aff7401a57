//! The writer thread: turns recorded spans into trace-event JSON and streams it into the
//! trace's `.partial` file through a buffer, so memory stays bounded whatever the span count.
//!
//! The layer sends batches over a bounded channel; a full channel makes the recording
//! threads wait for the writer (back-pressure) instead of growing a queue. After the first
//! write error (disk full, file system gone) the writer keeps draining the channel, so the
//! program never blocks, and reports that error when the trace is finished.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::mpsc::Receiver;

use super::args::{Args, write_string, write_value};
use crate::tier::Tier;

/// Spans per batch sent to the writer.
pub(crate) const BATCH: usize = 1024;
/// Batches the channel holds before recording threads wait.
pub(crate) const CHANNEL_BATCHES: usize = 16;
/// Thread ids of the poll tracks start here, above any span track.
pub(crate) const POLL_TRACKS: u32 = 1 << 30;

/// What the layer hands the writer.
#[derive(Debug)]
pub(crate) enum Item {
    /// A key seen for the first time: `component.name`.
    Key {
        id: u32,
        tier: Tier,
        component: String,
        name: String,
    },
    /// A new span track, named after the key of the span that opened it.
    Track { track: u32, key: u32 },
    /// A track of other kind (events outside spans, a thread's polls), with its name.
    NamedTrack { track: u32, name: String },
    /// A span from creation to close (or to the finish, when `unfinished`).
    Span {
        track: u32,
        key: u32,
        start_ns: u64,
        end_ns: u64,
        args: Args,
        unfinished: bool,
    },
    /// One busy interval (enter to exit) of a span, on its thread's poll track.
    Poll {
        track: u32,
        key: u32,
        start_ns: u64,
        end_ns: u64,
    },
    /// A WARN or ERROR event.
    Instant {
        track: u32,
        at_ns: u64,
        name: String,
        level: &'static str,
        args: Args,
    },
}

struct Key {
    tier: Tier,
    component: String,
    key: String,
}

/// Streams the trace into `out` until the channel closes; returns the first write error.
pub(crate) fn run<W: Write>(
    batches: Receiver<Vec<Item>>,
    out: W,
    process_name: &str,
) -> io::Result<()> {
    let mut writer = TraceWriter::new(out);
    writer.write_raw("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
    writer.metadata(0, "process_name", "name", |text| {
        write_string(text, process_name)
    });
    for batch in batches {
        for item in batch {
            writer.item(item);
        }
    }
    writer.write_raw("\n]}\n");
    if writer.error.is_none()
        && let Err(error) = writer.out.flush()
    {
        writer.error = Some(error);
    }
    match writer.error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

struct TraceWriter<W: Write> {
    out: io::BufWriter<W>,
    pid: u32,
    keys: Vec<Key>,
    text: String,
    first: bool,
    error: Option<io::Error>,
}

impl<W: Write> TraceWriter<W> {
    fn new(out: W) -> Self {
        TraceWriter {
            out: io::BufWriter::with_capacity(1 << 16, out),
            pid: std::process::id(),
            keys: Vec::new(),
            text: String::with_capacity(512),
            first: true,
            error: None,
        }
    }

    fn write_raw(&mut self, raw: &str) {
        if self.error.is_none()
            && let Err(error) = self.out.write_all(raw.as_bytes())
        {
            self.error = Some(error);
        }
    }

    /// Starts an event in `self.text` (after the separator).
    fn begin(&mut self) {
        self.text.clear();
        if !self.first {
            self.text.push_str(",\n");
        }
        self.first = false;
    }

    fn end(&mut self) {
        if self.error.is_none()
            && let Err(error) = self.out.write_all(self.text.as_bytes())
        {
            self.error = Some(error);
        }
    }

    /// A metadata event (`"ph":"M"`) with one argument written by `value`.
    fn metadata(&mut self, tid: u32, name: &str, arg: &str, value: impl FnOnce(&mut String)) {
        self.begin();
        let _ = write!(
            self.text,
            "{{\"ph\":\"M\",\"pid\":{},\"tid\":{tid},\"name\":\"{name}\",\"args\":{{\"{arg}\":",
            self.pid
        );
        value(&mut self.text);
        self.text.push_str("}}");
        self.end();
    }

    fn name_track(&mut self, track: u32, name: &str) {
        self.metadata(track, "thread_name", "name", |text| {
            write_string(text, name)
        });
        self.metadata(track, "thread_sort_index", "sort_index", |text| {
            let _ = write!(text, "{track}");
        });
    }

    fn item(&mut self, item: Item) {
        if self.error.is_some() {
            return;
        }
        match item {
            Item::Key {
                id,
                tier,
                component,
                name,
            } => {
                let index = id as usize;
                if self.keys.len() <= index {
                    self.keys.resize_with(index + 1, || Key {
                        tier: Tier::Operation,
                        component: String::new(),
                        key: String::new(),
                    });
                }
                self.keys[index] = Key {
                    tier,
                    key: format!("{component}.{name}"),
                    component,
                };
            }
            Item::Track { track, key } => {
                let name = self.key(key).map(|key| key.key.clone()).unwrap_or_default();
                self.name_track(track, &name);
            }
            Item::NamedTrack { track, name } => self.name_track(track, &name),
            Item::Span {
                track,
                key,
                start_ns,
                end_ns,
                args,
                unfinished,
            } => self.span(track, key, (start_ns, end_ns), &args, unfinished),
            Item::Poll {
                track,
                key,
                start_ns,
                end_ns,
            } => self.poll(track, key, start_ns, end_ns),
            Item::Instant {
                track,
                at_ns,
                name,
                level,
                args,
            } => self.instant(track, at_ns, &name, level, &args),
        }
    }

    fn key(&self, key: u32) -> Option<&Key> {
        self.keys.get(key as usize)
    }

    /// `"ts":…,"dur":…` in microseconds with nanosecond digits, exact (no float rounding).
    fn times(text: &mut String, start_ns: u64, end_ns: u64) {
        let dur = end_ns.saturating_sub(start_ns);
        let _ = write!(
            text,
            "\"ts\":{}.{:03},\"dur\":{}.{:03}",
            start_ns / 1000,
            start_ns % 1000,
            dur / 1000,
            dur % 1000
        );
    }

    /// Starts a complete event (`"ph":"X"`) of `key` on `track`: separator, header, times and
    /// name. Returns the key's index, or `None` with nothing started (the separator state
    /// untouched) when the key is unknown.
    fn begin_complete(
        &mut self,
        track: u32,
        key: u32,
        (start_ns, end_ns): (u64, u64),
    ) -> Option<usize> {
        let index = key as usize;
        if index >= self.keys.len() {
            return None;
        }
        self.begin();
        let _ = write!(
            self.text,
            "{{\"ph\":\"X\",\"pid\":{},\"tid\":{track},",
            self.pid
        );
        Self::times(&mut self.text, start_ns, end_ns);
        self.text.push_str(",\"name\":");
        write_string(&mut self.text, &self.keys[index].key);
        Some(index)
    }

    /// `,"name":value` for each argument.
    fn push_args(text: &mut String, args: &Args) {
        for (name, value) in args {
            text.push(',');
            write_string(text, name);
            text.push(':');
            write_value(text, value);
        }
    }

    fn span(&mut self, track: u32, key: u32, times: (u64, u64), args: &Args, unfinished: bool) {
        let Some(index) = self.begin_complete(track, key, times) else {
            return;
        };
        let info = &self.keys[index];
        let _ = write!(
            self.text,
            ",\"cat\":\"{}\",\"args\":{{\"tier\":\"{}\",\"component\":",
            info.tier, info.tier
        );
        write_string(&mut self.text, &info.component);
        Self::push_args(&mut self.text, args);
        if unfinished {
            self.text.push_str(",\"unfinished\":true");
        }
        self.text.push_str("}}");
        self.end();
    }

    fn poll(&mut self, track: u32, key: u32, start_ns: u64, end_ns: u64) {
        if self
            .begin_complete(track, key, (start_ns, end_ns))
            .is_none()
        {
            return;
        }
        self.text.push_str(",\"cat\":\"poll\"}");
        self.end();
    }

    fn instant(&mut self, track: u32, at_ns: u64, name: &str, level: &str, args: &Args) {
        self.begin();
        let _ = write!(
            self.text,
            "{{\"ph\":\"i\",\"s\":\"t\",\"pid\":{},\"tid\":{track},\"ts\":{}.{:03},\"name\":",
            self.pid,
            at_ns / 1000,
            at_ns % 1000
        );
        write_string(&mut self.text, name);
        let _ = write!(
            self.text,
            ",\"cat\":\"{level}\",\"args\":{{\"level\":\"{level}\""
        );
        Self::push_args(&mut self.text, args);
        self.text.push_str("}}");
        self.end();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::super::args::ArgValue;

    use super::*;

    const UNKNOWN_KEY: u32 = 7;

    fn key(id: u32) -> Item {
        Item::Key {
            id,
            tier: Tier::Operation,
            component: "stage".into(),
            name: "load".into(),
        }
    }

    fn span(key: u32) -> Item {
        Item::Span {
            track: 1,
            key,
            start_ns: 1_500,
            end_ns: 4_250,
            args: vec![("n", ArgValue::Unsigned(3))],
            unfinished: false,
        }
    }

    fn poll(key: u32) -> Item {
        Item::Poll {
            track: POLL_TRACKS,
            key,
            start_ns: 2_000,
            end_ns: 3_000,
        }
    }

    fn names_and_categories(events: &[serde_json::Value]) -> Vec<(&str, &str)> {
        events
            .iter()
            .map(|event| {
                (
                    event["name"].as_str().unwrap(),
                    event["cat"].as_str().unwrap_or(""),
                )
            })
            .collect()
    }

    #[test]
    fn events_of_unknown_keys_are_skipped_and_the_trace_stays_valid_json() {
        let (send, batches) = mpsc::channel();
        send.send(vec![span(UNKNOWN_KEY), poll(UNKNOWN_KEY), key(0)])
            .unwrap();
        send.send(vec![span(UNKNOWN_KEY), span(0), poll(UNKNOWN_KEY), poll(0)])
            .unwrap();
        drop(send);
        let mut out = Vec::new();
        run(batches, &mut out, "app").unwrap();

        let trace: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let events = trace["traceEvents"].as_array().unwrap();
        assert_eq!(
            names_and_categories(events),
            [
                ("process_name", ""),
                ("stage.load", "operation"),
                ("stage.load", "poll")
            ]
        );
        assert_eq!(events[1]["ts"], 1.5);
        assert_eq!(events[1]["dur"], 2.75);
        assert_eq!(events[1]["args"]["n"], 3);
    }

    #[test]
    fn a_skipped_first_event_leaves_no_leading_separator() {
        let mut out = Vec::new();
        let mut writer = TraceWriter::new(&mut out);
        writer.write_raw("[");
        for item in [
            span(UNKNOWN_KEY),
            poll(UNKNOWN_KEY),
            key(0),
            poll(0),
            span(0),
        ] {
            writer.item(item);
        }
        writer.write_raw("]");
        writer.out.flush().unwrap();
        drop(writer);

        let events: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            names_and_categories(&events),
            [("stage.load", "poll"), ("stage.load", "operation")]
        );
    }
}
