//! A span's fields as plain trace-event arguments: strings stay strings (no Debug quotes),
//! numbers and booleans stay JSON numbers and booleans.

use std::fmt::{Debug, Write};

use tracing::field::{Field, Visit};

use crate::tier::Tier;

/// One argument value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ArgValue {
    Text(String),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Bool(bool),
}

/// Arguments beyond `tier` and `component` (those two come from the key).
pub(crate) type Args = Vec<(&'static str, ArgValue)>;

/// Collects a new span's tier, component and other fields.
#[derive(Default)]
pub(crate) struct SpanFields {
    pub(crate) tier: Option<Tier>,
    /// The `component` value; `None` means the span's target, as for the profiler's key.
    pub(crate) component: Option<String>,
    pub(crate) others: Args,
}

/// The span field that names the track a span opens (see the module documentation of
/// `chrome`); it is not repeated in the event's arguments.
pub(crate) const TRACK_NAME_FIELD: &str = "track_name";

impl SpanFields {
    /// Removes and returns the `track_name` field, if the span has one as a string.
    pub(crate) fn take_track_name(&mut self) -> Option<String> {
        let position = self.others.iter().position(|(name, value)| {
            *name == TRACK_NAME_FIELD && matches!(value, ArgValue::Text(_))
        })?;
        match self.others.remove(position).1 {
            ArgValue::Text(text) => Some(text),
            _ => None,
        }
    }

    fn set(&mut self, field: &Field, value: ArgValue) {
        let name = field.name();
        match self.others.iter_mut().find(|(known, _)| *known == name) {
            Some((_, slot)) => *slot = value,
            None => self.others.push((name, value)),
        }
    }
}

impl Visit for SpanFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "tier" => self.tier = Tier::parse(value),
            "component" => self.component = Some(value.to_owned()),
            _ => self.set(field, ArgValue::Text(value.to_owned())),
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field, ArgValue::Signed(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field, ArgValue::Unsigned(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field, ArgValue::Float(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field, ArgValue::Bool(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.set(field, ArgValue::Text(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        match field.name() {
            // The profiler reads a Debug tier or component the same way.
            "tier" => self.tier = Tier::parse(text.trim_matches('"')),
            "component" => self.component = Some(text),
            _ => self.set(field, ArgValue::Text(text)),
        }
    }
}

/// Writes `value` as a JSON value.
pub(crate) fn write_value(out: &mut String, value: &ArgValue) {
    match value {
        ArgValue::Text(text) => write_string(out, text),
        ArgValue::Signed(number) => {
            let _ = write!(out, "{number}");
        }
        ArgValue::Unsigned(number) => {
            let _ = write!(out, "{number}");
        }
        ArgValue::Float(number) if number.is_finite() => {
            let _ = write!(out, "{number}");
        }
        ArgValue::Float(number) => write_string(out, &number.to_string()),
        ArgValue::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
    }
}

/// Writes `text` as a JSON string, escaped.
pub(crate) fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if u32::from(control) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_numbers_stay_numbers() {
        let mut out = String::new();
        for value in [
            ArgValue::Text("say \"hi\"\n\u{1}".into()),
            ArgValue::Signed(-3),
            ArgValue::Unsigned(7),
            ArgValue::Float(0.5),
            ArgValue::Float(f64::NAN),
            ArgValue::Bool(true),
        ] {
            write_value(&mut out, &value);
            out.push(',');
        }
        assert_eq!(out, r#""say \"hi\"\n\u0001",-3,7,0.5,"NaN",true,"#);
        let parsed: serde_json::Value =
            serde_json::from_str(&format!("[{}]", &out[..out.len() - 1])).unwrap();
        assert_eq!(parsed[0], "say \"hi\"\n\u{1}");
    }
}
