//! Reads a Chrome trace the way viewers do: parse the JSON, take the complete events of each
//! track, order them by start (longer first on ties), nest them, and note every pair that
//! overlaps without nesting (Perfetto and speedscope would draw those wrongly). Used by the
//! tests, and handy to check a trace from another tool.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// Why a trace could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    /// The trace file could not be read.
    #[error("cannot read trace {path}: {source}")]
    Read {
        /// The trace file.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not JSON, or not the trace-event format (an object with `traceEvents`, or an
    /// array of events); the message says what is wrong.
    #[error("the trace is not trace-event JSON: {0}")]
    Json(String),
}

/// Complete events of one name: how many, and their durations added, in nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameTotals {
    /// Number of complete (`"ph":"X"`) events with this name.
    pub count: u64,
    /// Their `dur` added up, converted from microseconds to nanoseconds.
    pub total_ns: u64,
}

/// What a viewer would show of a trace.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceSummary {
    /// The `process_name` metadata, if any.
    pub process_name: Option<String>,
    /// `thread_name` metadata by `tid`.
    pub track_names: BTreeMap<u64, String>,
    /// Complete span events (every category but `poll`) by name.
    pub spans: BTreeMap<String, NameTotals>,
    /// Complete `poll` events by name.
    pub polls: BTreeMap<String, NameTotals>,
    /// Every pair of events on one track that overlap without nesting.
    pub misnested: Vec<String>,
    /// All events, as parsed.
    pub events: Vec<Value>,
}

impl TraceSummary {
    /// Reads and summarizes the trace at `path`.
    ///
    /// # Errors
    ///
    /// [`ViewerError::Read`] when the file cannot be read, else as [`TraceSummary::parse`].
    pub fn load(path: &Path) -> Result<TraceSummary, ViewerError> {
        let text = std::fs::read_to_string(path).map_err(|source| ViewerError::Read {
            path: path.to_owned(),
            source,
        })?;
        TraceSummary::parse(&text)
    }

    /// Summarizes trace JSON (the object form, or a bare array of events).
    ///
    /// # Errors
    ///
    /// [`ViewerError::Json`] when the text is not JSON, or neither an array of events nor an
    /// object with a `traceEvents` array.
    pub fn parse(text: &str) -> Result<TraceSummary, ViewerError> {
        let json: Value =
            serde_json::from_str(text).map_err(|error| ViewerError::Json(error.to_string()))?;
        let events = match json {
            Value::Array(events) => events,
            Value::Object(mut object) => match object.remove("traceEvents") {
                Some(Value::Array(events)) => events,
                _ => return Err(ViewerError::Json("no traceEvents array".to_owned())),
            },
            _ => {
                return Err(ViewerError::Json(
                    "neither an array nor an object".to_owned(),
                ));
            }
        };
        let mut summary = TraceSummary::default();
        let mut tracks: BTreeMap<(u64, u64), Vec<Interval>> = BTreeMap::new();
        for event in &events {
            let text_of = |field: &str| event.get(field).and_then(Value::as_str);
            let tid = event.get("tid").and_then(Value::as_u64).unwrap_or(0);
            let pid = event.get("pid").and_then(Value::as_u64).unwrap_or(0);
            match (text_of("ph"), text_of("name")) {
                (Some("M"), Some("process_name")) => {
                    summary.process_name = event["args"]["name"].as_str().map(str::to_owned);
                }
                (Some("M"), Some("thread_name")) => {
                    if let Some(name) = event["args"]["name"].as_str() {
                        summary.track_names.insert(tid, name.to_owned());
                    }
                }
                (Some("X"), Some(name)) => {
                    let start = nanoseconds(event.get("ts"));
                    let duration = nanoseconds(event.get("dur"));
                    let totals = match text_of("cat") {
                        Some("poll") => summary.polls.entry(name.to_owned()).or_default(),
                        _ => summary.spans.entry(name.to_owned()).or_default(),
                    };
                    totals.count += 1;
                    totals.total_ns += duration;
                    tracks.entry((pid, tid)).or_default().push(Interval {
                        name: name.to_owned(),
                        start,
                        end: start + duration,
                    });
                }
                _ => {}
            }
        }
        for ((_, tid), mut intervals) in tracks {
            intervals.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
            let mut open: Vec<&Interval> = Vec::new();
            for interval in &intervals {
                while open.last().is_some_and(|top| top.end <= interval.start) {
                    open.pop();
                }
                if let Some(top) = open.last()
                    && interval.end > top.end
                {
                    summary.misnested.push(format!(
                        "track {tid}: {} [{}, {}] ns overlaps {} [{}, {}] ns without nesting",
                        interval.name, interval.start, interval.end, top.name, top.start, top.end
                    ));
                }
                open.push(interval);
            }
        }
        summary.events = events;
        Ok(summary)
    }

    /// The complete span events named `name`, in file order.
    pub fn spans_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.events.iter().filter(move |event| {
            event["ph"] == "X" && event["name"] == name && event["cat"] != "poll"
        })
    }
}

struct Interval {
    name: String,
    start: u64,
    end: u64,
}

/// A microsecond value of the trace in whole nanoseconds (exact for traces up to ~100 days).
fn nanoseconds(value: Option<&Value>) -> u64 {
    let micros = value.and_then(Value::as_f64).unwrap_or(0.0);
    (micros * 1000.0).round().max(0.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_events_pass_and_overlapping_ones_are_named() {
        let trace = r#"{"traceEvents":[
{"ph":"M","pid":1,"tid":0,"name":"process_name","args":{"name":"demo"}},
{"ph":"M","pid":1,"tid":1,"name":"thread_name","args":{"name":"app.run"}},
{"ph":"X","pid":1,"tid":1,"ts":0,"dur":10,"name":"a","cat":"method"},
{"ph":"X","pid":1,"tid":1,"ts":2,"dur":3,"name":"b","cat":"method"},
{"ph":"X","pid":1,"tid":1,"ts":5,"dur":5,"name":"b","cat":"method"},
{"ph":"X","pid":1,"tid":2,"ts":0,"dur":10,"name":"c","cat":"poll"},
{"ph":"X","pid":1,"tid":2,"ts":5,"dur":25,"name":"d","cat":"method"}
]}"#;
        let summary = TraceSummary::parse(trace).unwrap();
        assert_eq!(summary.process_name.as_deref(), Some("demo"));
        assert_eq!(summary.track_names[&1], "app.run");
        assert_eq!(
            summary.spans["b"],
            NameTotals {
                count: 2,
                total_ns: 8000
            }
        );
        assert_eq!(summary.polls["c"].count, 1);
        assert_eq!(summary.misnested.len(), 1, "{:?}", summary.misnested);
        assert!(summary.misnested[0].starts_with("track 2: d"));
        assert_eq!(summary.spans_named("b").count(), 2);
    }

    #[test]
    fn a_bare_array_reads_and_garbage_is_an_error() {
        assert!(TraceSummary::parse("[]").unwrap().spans.is_empty());
        assert!(TraceSummary::parse("{\"traceEvents\":").is_err());
        assert!(TraceSummary::parse("{}").is_err());
    }
}
