//! What the caller knows about a run that the profile itself does not record (the preset, the
//! time scale, the target, the trace file), for the header of the HTML report.

use std::path::{Path, PathBuf};

/// Facts about the run shown in the HTML report's header. Every field is optional; the
/// default shows only what the [`Profile`](crate::Profile) holds (session, date, machine).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunContext {
    /// The configuration preset the run used, e.g. `current`.
    pub preset: Option<String>,
    /// The factor every wait and delay was multiplied by (1 = real time).
    pub time_scale: Option<f64>,
    /// What the run drove, e.g. `stage (embedded replica)` or a site's base URL.
    pub target: Option<String>,
    /// Further labelled facts, shown after the ones above in this order.
    pub extra: Vec<(String, String)>,
    /// The Chrome trace of the same run. Linked by file name when it sits beside the HTML
    /// report (the usual case: both are written into one report directory), else by its path.
    pub trace: Option<PathBuf>,
    /// Memory sampled over a long run (a soak) with its leak verdict, drawn in the "Memory over
    /// the run" section; `None` for a plain run.
    pub memory: Option<crate::soak::MemoryOverRun>,
}

impl RunContext {
    /// Sets [`preset`](Self::preset).
    pub fn preset(mut self, preset: impl Into<String>) -> Self {
        self.preset = Some(preset.into());
        self
    }

    /// Sets [`time_scale`](Self::time_scale).
    pub fn time_scale(mut self, time_scale: f64) -> Self {
        self.time_scale = Some(time_scale);
        self
    }

    /// Sets [`target`](Self::target).
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Appends one labelled fact to [`extra`](Self::extra).
    pub fn fact(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((label.into(), value.into()));
        self
    }

    /// Sets [`trace`](Self::trace).
    pub fn trace(mut self, trace: impl Into<PathBuf>) -> Self {
        self.trace = Some(trace.into());
        self
    }

    /// Sets [`memory`](Self::memory).
    pub fn memory(mut self, memory: crate::soak::MemoryOverRun) -> Self {
        self.memory = Some(memory);
        self
    }

    /// The labelled facts in display order (preset, time scale, target, then `extra`).
    pub(crate) fn facts(&self) -> Vec<(String, String)> {
        let mut facts = Vec::new();
        if let Some(preset) = &self.preset {
            facts.push(("preset".to_owned(), preset.clone()));
        }
        if let Some(scale) = self.time_scale {
            facts.push(("time scale".to_owned(), format!("{scale}×")));
        }
        if let Some(target) = &self.target {
            facts.push(("target".to_owned(), target.clone()));
        }
        facts.extend(self.extra.iter().cloned());
        facts
    }

    /// The `href` of the trace as seen from an HTML file in `html_dir`: the bare file name
    /// when the trace sits in that directory, else its full path; percent-encoded.
    pub(crate) fn trace_href(&self, html_dir: Option<&Path>) -> Option<String> {
        let trace = self.trace.as_ref()?;
        let beside = match (html_dir, trace.parent()) {
            (None, _) => true,
            (Some(dir), Some(parent)) => same_dir(dir, parent),
            (Some(_), None) => true,
        };
        let shown = match (beside, trace.file_name()) {
            (true, Some(name)) => name.to_string_lossy().into_owned(),
            _ => trace.to_string_lossy().into_owned(),
        };
        Some(percent_encode(&shown))
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let empty = |path: &Path| path.as_os_str().is_empty() || path == Path::new(".");
    if empty(a) && empty(b) {
        return true;
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Percent-encodes everything but unreserved URL characters and `/`, so a file name with
/// spaces, `#` or `?` still links to itself.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_come_in_a_fixed_order_then_extras() {
        let context = RunContext::default()
            .fact("runs", "3")
            .target("stage")
            .time_scale(0.05)
            .preset("current");
        let labels: Vec<String> = context
            .facts()
            .into_iter()
            .map(|(label, _)| label)
            .collect();
        assert_eq!(labels, ["preset", "time scale", "target", "runs"]);
        assert_eq!(context.facts()[1].1, "0.05×");
        assert!(RunContext::default().facts().is_empty());
    }

    #[test]
    fn a_trace_beside_the_report_is_linked_by_its_encoded_file_name() {
        let context = RunContext::default().trace("logs/performance/trace #1.json");
        assert_eq!(
            context.trace_href(Some(Path::new("logs/performance"))),
            Some("trace%20%231.json".to_owned())
        );
        assert_eq!(
            context.trace_href(Some(Path::new("elsewhere"))),
            Some("logs/performance/trace%20%231.json".to_owned())
        );
        assert_eq!(RunContext::default().trace_href(None), None);
    }
}
