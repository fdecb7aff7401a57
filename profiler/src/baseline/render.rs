//! The gate report and a saved baseline as aligned plain text for the terminal and CI logs.

use super::gate::{GateReport, LimitOutcome, RunInfo, Verdict};
use super::model::PerformanceBaseline;
use crate::stats::{format_change, format_duration_ns, format_p_value};
use crate::text_table::{Align, TextTable};

fn describe(run: &RunInfo) -> String {
    let commit = run.git_commit.as_deref().map_or_else(
        || "no commit".to_string(),
        |commit| format!("commit {}", &commit[..commit.len().min(10)]),
    );
    format!("\"{}\" (recorded {}, {commit})", run.name, run.recorded_at)
}

fn optional_duration(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), format_duration_ns)
}

impl GateReport {
    /// The report as people read it: header, warnings, one aligned row per key, hard limits
    /// and a one-line result.
    pub fn render_text(&self, fail_on_regression: bool) -> String {
        let compared = self.keys.iter().filter(|key| key.change.is_some()).count();
        let mut text = format!(
            "Regression gate\n  baseline: {}\n  run:      {}\n  rule:     {} change beyond ±{:.0}% (or the key's own threshold) and Mann-Whitney U p < {} (Holm-adjusted over {compared} keys)\n",
            describe(&self.baseline),
            describe(&self.current),
            self.metric.as_str(),
            self.threshold * 100.0,
            self.alpha,
        );
        if !self.machine_warnings.is_empty() {
            text.push_str(&format!(
                "warning: the machines differ ({}); timings may not be comparable\n",
                self.machine_warnings.join("; ")
            ));
        }
        text.push('\n');
        let metric = self.metric.as_str();
        let mut table = TextTable::new(&[
            ("key", Align::Left),
            ("tier", Align::Left),
            ("calls", Align::Right),
            (&format!("baseline {metric}"), Align::Right),
            (&format!("run {metric}"), Align::Right),
            ("change", Align::Right),
            ("threshold", Align::Right),
            ("p (Holm)", Align::Right),
            ("verdict", Align::Left),
        ]);
        for key in &self.keys {
            table.row(vec![
                key.key.clone(),
                key.tier.to_string(),
                format!("{} → {}", key.baseline_count, key.current_count),
                optional_duration(key.baseline_ns),
                optional_duration(key.current_ns),
                key.change.map_or_else(|| "–".to_string(), format_change),
                format!("±{:.0}%", key.threshold * 100.0),
                key.p_value.map_or_else(
                    || "–".to_string(),
                    |p| format_p_value(p).replace("p ", "").replace("= ", ""),
                ),
                key.verdict.label().to_string(),
            ]);
        }
        text.push_str(&table.render());

        if !self.limits.is_empty() {
            text.push_str("\nHard limits\n");
            let mut limits = TextTable::new(&[
                ("limit", Align::Left),
                ("actual", Align::Right),
                ("result", Align::Left),
            ]);
            for check in &self.limits {
                limits.row(vec![
                    check.limit.to_string(),
                    optional_duration(check.actual_ns),
                    match check.outcome {
                        LimitOutcome::Pass => "ok",
                        LimitOutcome::Fail => "BROKEN",
                        LimitOutcome::NotMeasured => "not measured (key absent from the run)",
                    }
                    .to_string(),
                ]);
            }
            text.push_str(&limits.render());
        }

        let summary = format!(
            "{} regression(s), {} improvement(s), {} within noise, {} no change, {} new, {} missing",
            self.count(Verdict::Regression),
            self.count(Verdict::Improvement),
            self.count(Verdict::WithinNoise),
            self.count(Verdict::NoChange),
            self.count(Verdict::New),
            self.count(Verdict::Missing),
        );
        let result = match (self.exit_code(fail_on_regression), self.has_regression()) {
            (1, _) if self.limit_failures() > 0 => {
                format!("FAIL: {} hard limit(s) broken", self.limit_failures())
            }
            (1, _) => "FAIL: regression (--fail-on-regression)".to_string(),
            (_, true) => {
                "WARN: regression (not failing: pass --fail-on-regression to fail)".to_string()
            }
            _ => "OK".to_string(),
        };
        text.push_str(&format!("\n{summary}\nresult: {result}\n"));
        text
    }
}

impl PerformanceBaseline {
    /// The baseline as a table, for `--show-baseline`.
    pub fn render_text(&self) -> String {
        let machine = &self.machine;
        let mut text = format!(
            "Baseline \"{}\" (schema {})\n  recorded: {}\n  commit:   {}\n  machine:  {}, {} cores, {} MiB, {}\n\n",
            self.name,
            self.schema,
            self.recorded_at,
            self.git_commit.as_deref().unwrap_or("unknown"),
            machine.cpu_model,
            machine.cores,
            machine.memory_bytes >> 20,
            machine.os,
        );
        let mut table = TextTable::new(&[
            ("key", Align::Left),
            ("tier", Align::Left),
            ("calls", Align::Right),
            ("mean", Align::Right),
            ("median", Align::Right),
            ("p95", Align::Right),
            ("p99", Align::Right),
            ("max", Align::Right),
        ]);
        for key in &self.keys {
            table.row(vec![
                key.key.clone(),
                key.tier.to_string(),
                key.count.to_string(),
                format_duration_ns(key.mean_ns),
                format_duration_ns(key.median_ns as f64),
                format_duration_ns(key.p95_ns as f64),
                format_duration_ns(key.p99_ns as f64),
                format_duration_ns(key.max_ns as f64),
            ]);
        }
        text.push_str(&table.render());
        text
    }
}
