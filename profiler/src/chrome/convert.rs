//! Turns the begin/end pairs tracing-chrome streams out into one complete event per span
//! (`"ph": "X"`), named by the profiler key, which Perfetto and speedscope draw directly.
//!
//! The input is read line by line, so a trace cut short (the process was killed mid-write)
//! still converts: whatever complete lines exist are kept, and spans that never ended are
//! closed at the last timestamp seen and marked `"unfinished": true`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

/// Converts tracing-chrome output (a JSON array, one event per line) into a Chrome trace
/// object `{"traceEvents": [...]}`.
pub(crate) fn complete_events(raw: &str) -> String {
    let mut events = Vec::new();
    let mut open: HashMap<u64, Vec<Value>> = HashMap::new();
    let mut last_ts = 0.0f64;
    for line in raw.lines() {
        let line = line.trim().trim_end_matches(',');
        let Ok(Value::Object(event)) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(ts) = event.get("ts").and_then(Value::as_f64) {
            last_ts = last_ts.max(ts);
        }
        let tid = event.get("tid").and_then(Value::as_u64).unwrap_or(0);
        match event.get("ph").and_then(Value::as_str) {
            Some("B") => open.entry(tid).or_default().push(Value::Object(event)),
            Some("E") => {
                if let Some(begin) = open.get_mut(&tid).and_then(Vec::pop) {
                    let end = event.get("ts").and_then(Value::as_f64).unwrap_or(last_ts);
                    events.push(complete(begin, end, false));
                }
            }
            Some(_) => events.push(Value::Object(event)),
            None => {}
        }
    }
    for begin in open.into_values().flatten() {
        events.push(complete(begin, last_ts, true));
    }
    events.sort_by(|a, b| {
        let key = |event: &Value| {
            (
                event.get("tid").and_then(Value::as_u64).unwrap_or(0),
                event.get("ts").and_then(Value::as_f64).unwrap_or(0.0),
                -event.get("dur").and_then(Value::as_f64).unwrap_or(0.0),
            )
        };
        let (a, b) = (key(a), key(b));
        a.0.cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
    });
    let trace = json!({ "traceEvents": events, "displayTimeUnit": "ms" });
    serde_json::to_string(&trace).unwrap_or_else(|_| "{\"traceEvents\":[]}".to_owned())
}

/// A complete event from a begin event and the end timestamp.
fn complete(begin: Value, end_ts: f64, unfinished: bool) -> Value {
    let Value::Object(mut event) = begin else {
        return begin;
    };
    let ts = event.get("ts").and_then(Value::as_f64).unwrap_or(end_ts);
    event.insert("ph".into(), "X".into());
    event.insert("dur".into(), json!((end_ts - ts).max(0.0)));
    let args = event
        .get("args")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let (Some(tier), Some(component)) = (text_arg(&args, "tier"), text_arg(&args, "component"))
        && let Some(name) = event.get("name").and_then(Value::as_str)
    {
        let key = format!("{component}.{name}");
        event.insert("name".into(), key.into());
        event.insert("cat".into(), tier.into());
    }
    if unfinished {
        let mut args = args;
        args.insert("unfinished".into(), true.into());
        event.insert("args".into(), Value::Object(args));
    }
    Value::Object(event)
}

/// A string argument as tracing-chrome records it (Debug-formatted, so quoted).
fn text_arg(args: &Map<String, Value>, name: &str) -> Option<String> {
    let value = args.get(name)?.as_str()?;
    Some(value.trim_matches('"').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(converted: &str) -> Vec<Value> {
        let trace: Value = serde_json::from_str(converted).expect("valid JSON");
        trace["traceEvents"].as_array().unwrap().clone()
    }

    #[test]
    fn pairs_become_complete_events_named_by_key() {
        let raw = r#"[
{"ph":"M","pid":1,"name":"thread_name","tid":0,"args":{"name":"main"}},
{"ph":"B","pid":1,"ts":10.0,"name":"run","cat":"app","tid":0,"args":{"tier":"\"system\"","component":"\"app\""}},
{"ph":"B","pid":1,"ts":12.0,"name":"helper","cat":"app","tid":0},
{"ph":"E","pid":1,"ts":15.0,"name":"helper","cat":"app","tid":0},
{"ph":"i","pid":1,"ts":16.0,"name":"event","cat":"app","tid":0,"s":"t"},
{"ph":"E","pid":1,"ts":20.5,"name":"run","cat":"app","tid":0,"args":{"tier":"\"system\"","component":"\"app\""}}
]"#;
        let events = events(&complete_events(raw));
        let complete: Vec<&Value> = events.iter().filter(|event| event["ph"] == "X").collect();
        assert_eq!(complete.len(), 2);
        let run = complete
            .iter()
            .find(|event| event["name"] == "app.run")
            .unwrap();
        assert_eq!(
            (run["ts"].as_f64(), run["dur"].as_f64()),
            (Some(10.0), Some(10.5))
        );
        assert_eq!(run["cat"], "system");
        let helper = complete
            .iter()
            .find(|event| event["name"] == "helper")
            .unwrap();
        assert_eq!(helper["dur"].as_f64(), Some(3.0));
        assert_eq!(events.iter().filter(|event| event["ph"] == "M").count(), 1);
        assert_eq!(events.iter().filter(|event| event["ph"] == "i").count(), 1);
    }

    #[test]
    fn a_cut_off_trace_keeps_its_complete_lines_and_closes_open_spans() {
        let raw = "[\n{\"ph\":\"B\",\"pid\":1,\"ts\":1.0,\"name\":\"outer\",\"tid\":3},\n\
                   {\"ph\":\"B\",\"pid\":1,\"ts\":2.0,\"name\":\"inner\",\"tid\":3},\n\
                   {\"ph\":\"E\",\"pid\":1,\"ts\":4.0,\"name\":\"inner\",\"tid\":3},\n\
                   {\"ph\":\"B\",\"pid\":1,\"ts\":5.0,\"na";
        let events = events(&complete_events(raw));
        assert_eq!(events.len(), 2);
        let outer = events
            .iter()
            .find(|event| event["name"] == "outer")
            .unwrap();
        assert_eq!(outer["dur"].as_f64(), Some(3.0));
        assert_eq!(outer["args"]["unfinished"], true);
    }

    #[test]
    fn an_empty_or_garbled_trace_is_still_valid_json() {
        assert!(events(&complete_events("")).is_empty());
        assert!(events(&complete_events("[\n")).is_empty());
        assert!(events(&complete_events("not json at all")).is_empty());
    }
}
