//! The scaling report as a plain-text table for the terminal, answer first.

use std::fmt::Write;

use super::report::ScalingReport;
use crate::stats::{ConfidenceInterval, format_seconds};
use crate::text_table::{Align, TextTable};

/// "12.3 (11.9–12.8)".
fn with_interval(interval: &ConfidenceInterval, decimals: usize) -> String {
    format!(
        "{:.decimals$} ({:.decimals$}–{:.decimals$})",
        interval.estimate, interval.low, interval.high
    )
}

fn or_dash<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "–".to_string(), show)
}

impl ScalingReport {
    /// The answer, one row per level, the knee and limit, and the method.
    pub fn render_text(&self) -> String {
        let unit = &self.unit;
        let level = (1.0 - self.config.alpha) * 100.0;
        let mut out = format!("{}\n\n", self.answer);
        let throughput = format!("{unit}s/min ({level:.0}% CI)");
        let mut table = TextTable::new(&[
            ("N", Align::Right),
            ("runs", Align::Right),
            (&throughput, Align::Right),
            ("p50", Align::Right),
            ("p95", Align::Right),
            ("speedup", Align::Right),
            ("efficiency", Align::Right),
            ("CPU", Align::Right),
            ("peak RSS", Align::Right),
            (&format!("queue/{unit}"), Align::Right),
            ("429s", Align::Right),
        ]);
        for summary in &self.levels {
            let knee = if self.knee.concurrency == Some(summary.concurrency) {
                " ← knee"
            } else {
                ""
            };
            table.row(vec![
                format!("{}{knee}", summary.concurrency),
                summary.runs.to_string(),
                with_interval(&summary.throughput_per_minute, 1),
                or_dash(summary.latency_p50_seconds, format_seconds),
                or_dash(summary.latency_p95_seconds, format_seconds),
                with_interval(&summary.speedup, 2),
                with_interval(&summary.efficiency, 2),
                or_dash(summary.cpu_percent_mean, |cpu| format!("{cpu:.0}%")),
                or_dash(summary.rss_peak_bytes, |rss| format!("{} MiB", rss >> 20)),
                or_dash(summary.queue_seconds_per_unit, format_seconds),
                or_dash(summary.rate_limited, |count| count.to_string()),
            ]);
        }
        out.push_str(&table.render());
        let _ = writeln!(out, "Knee: {}.", self.knee.reason);
        let _ = writeln!(
            out,
            "Limit: {}{}",
            serde_json::to_value(self.limit.kind)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default()
                .replace('_', " "),
            if self.limit.evidence.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.limit.evidence.join("; "))
            }
        );
        let _ = writeln!(
            out,
            "{} repeat(s) per level, {} warm-up run(s) per level; latency percentiles: type 7 over every {unit} of a level.",
            self.repeats, self.warmup_runs_per_level
        );
        out
    }
}
