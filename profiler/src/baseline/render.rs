//! The gate report and a saved baseline as aligned plain text for the terminal and CI logs.

use super::gate::{GateReport, KeyComparison, LimitOutcome, RunInfo, SideSummary, Verdict};
use super::model::PerformanceBaseline;
use crate::stats::{format_change, format_duration_ns, format_p_value};
use crate::text_table::{Align, TextTable};

fn describe(run: &RunInfo) -> String {
    let commit = run.git_commit.as_deref().map_or_else(
        || "no commit".to_string(),
        |commit| format!("commit {}", commit.chars().take(10).collect::<String>()),
    );
    format!(
        "\"{}\" ({} run(s), recorded {}, {commit})",
        run.name, run.runs, run.recorded_at
    )
}

fn optional_duration(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), format_duration_ns)
}

/// Runs, calls, values, change and p-values of one key as table cells.
fn key_cells(key: &KeyComparison) -> Vec<String> {
    let side_calls = |side: &SideSummary| format!("{} ({})", side.calls, side.failures);
    let change = key.change.map_or_else(
        || "–".to_string(),
        |change| match key.change_interval {
            Some((low, high)) => format!(
                "{} [{}, {}]",
                format_change(change),
                format_change(low),
                format_change(high)
            ),
            None => format_change(change),
        },
    );
    let p = |p: Option<f64>| {
        p.map_or_else(
            || "–".to_string(),
            |p| format_p_value(p).replace("p ", "").replace("= ", ""),
        )
    };
    let family = match key.p_value {
        Some(_) => key.family.label(),
        None => "–",
    };
    vec![
        key.key.clone(),
        key.tier.to_string(),
        family.to_string(),
        format!("{} → {}", key.baseline.clean_runs, key.current.clean_runs),
        format!(
            "{} → {}",
            side_calls(&key.baseline),
            side_calls(&key.current)
        ),
        optional_duration(key.baseline.value_ns),
        optional_duration(key.current.value_ns),
        change,
        format!("±{:.0}%", key.threshold * 100.0),
        per_run_cell(key),
        p(key.p_value),
        p(key.success_p_value),
        key.verdict.label().to_string(),
    ]
}

/// The key's change per run and its share of the run's wall time: `+1.2 ms (+0.01%)`.
fn per_run_cell(key: &KeyComparison) -> String {
    match key.delta_per_run_ns {
        None => "–".to_string(),
        Some(delta) => {
            let sign = if delta < 0.0 { "−" } else { "+" };
            let share = key
                .share_of_run
                .map_or_else(String::new, |share| format!(" ({:+.2}%)", share * 100.0));
            format!("{sign}{}{share}", format_duration_ns(delta.abs()))
        }
    }
}

fn headers(metric: &str) -> [String; 13] {
    [
        "key".into(),
        "tier".into(),
        "family".into(),
        "clean runs".into(),
        "calls (failed)".into(),
        format!("baseline {metric}"),
        format!("run {metric}"),
        "change [95% CI]".into(),
        "threshold".into(),
        "change per run (of run)".into(),
        "p time".into(),
        "p success".into(),
        "verdict".into(),
    ]
}

impl GateReport {
    /// Untested changes (beyond the threshold, too few runs or calls to test).
    pub fn untested_changes(&self) -> usize {
        self.count(Verdict::UntestedChange)
    }

    /// The rule in one paragraph, for people and for CI summaries.
    pub fn rule(&self) -> String {
        format!(
            "the run is the unit: per key, each clean run (every call succeeded) gives one {metric} sample; a key regresses when its change beyond ±{threshold:.0}% (or its own threshold) is significant by a one-sided Welch's t-test on log per-run values (p < {alpha}, Benjamini–Hochberg within each family: the primary family of the {primary} keys (few, so a clear slowdown of the run or a component is flagged with 3 runs a side) and the per-key family of the other keys; slower and faster adjusted apart; ≥ {min} clean runs per side), and its change per run (mean per-run total of its calls) is at least {share}% of the baseline run's wall time ({wall}; smaller changes are negligible, and while the run is not slower a method/operation key must clear that floor at its interval's low end), or when its success rate drops (Fisher's exact test, one-sided, BH); failed calls are left out of the timing",
            share = self.floor.min_share * 100.0,
            wall = match (&self.floor.wall_key, self.floor.wall_ns) {
                (Some(key), Some(wall)) => format!(
                    "{key}, {} per run: floor {}",
                    format_duration_ns(wall),
                    format_duration_ns(self.floor.floor_ns)
                ),
                _ => "no wall key: no floor".to_string(),
            },
            metric = self.metric.as_str(),
            threshold = self.threshold * 100.0,
            alpha = self.alpha,
            min = self.min_runs,
            primary = self
                .primary_tiers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" and "),
        )
    }

    /// One line with every verdict's count.
    pub fn summary_line(&self) -> String {
        format!(
            "{} regression(s) ({} timing, {} success rate), {} untested change(s), {} improvement(s), {} within noise, {} negligible, {} not testable, {} no change, {} new, {} missing",
            self.regressions(),
            self.count(Verdict::Regression),
            self.count(Verdict::FewerSuccesses),
            self.untested_changes(),
            self.count(Verdict::Improvement),
            self.count(Verdict::WithinNoise),
            self.count(Verdict::Negligible),
            self.count(Verdict::NotTestable),
            self.count(Verdict::NoChange),
            self.count(Verdict::New),
            self.count(Verdict::Missing),
        )
    }

    /// The verdict in one line: `FAIL: …`, `WARN: …` or `OK`.
    pub fn result_line(&self) -> String {
        let untested = self.untested_changes();
        let untested_note = match (untested, self.policy.allow_untested) {
            (0, _) => String::new(),
            (count, false) => format!(
                "; {count} untested change(s) beyond the threshold count as failures (pass --allow-untested to accept them, or measure more with --runs)"
            ),
            (count, true) => {
                format!(
                    "; {count} untested change(s) beyond the threshold accepted (--allow-untested)"
                )
            }
        };
        if self.limit_failures() > 0 {
            return format!(
                "FAIL: {} hard limit(s) broken{untested_note}",
                self.limit_failures()
            );
        }
        if !self.passed() {
            return format!(
                "FAIL: regression (--fail-on-regression): {} regression(s){untested_note}",
                self.regressions()
            );
        }
        if self.has_regression() || untested > 0 {
            return format!(
                "WARN: regression (not failing: pass --fail-on-regression to fail): {} regression(s), {untested} untested change(s)",
                self.regressions()
            );
        }
        "OK".to_string()
    }

    /// Notes that change how to read the table (too few runs).
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let fewest = self.baseline.runs.min(self.current.runs) as usize;
        if fewest < self.min_runs {
            notes.push(format!(
                "note: the baseline has {} run(s) and this comparison {}; timing needs {} clean runs per side, so no key's timing is testable (use --runs 3 for both --save-baseline and --compare)",
                self.baseline.runs, self.current.runs, self.min_runs
            ));
        }
        for key in self
            .keys
            .iter()
            .filter(|key| key.verdict == Verdict::UntestedChange)
        {
            notes.push(format!(
                "untested: {} changed {} (beyond ±{:.0}%) but {}",
                key.key,
                key.change.map_or_else(|| "–".to_string(), format_change),
                key.threshold * 100.0,
                key.untested_because
                    .as_deref()
                    .unwrap_or("could not be tested")
            ));
        }
        for key in self
            .keys
            .iter()
            .filter(|key| key.verdict == Verdict::Negligible)
        {
            notes.push(format!(
                "negligible: {}: {}",
                key.key,
                key.negligible_because
                    .as_deref()
                    .unwrap_or("below the floor")
            ));
        }
        notes
    }

    /// The report as people read it: header, warnings, one aligned row per key, hard limits
    /// and a one-line result.
    pub fn render_text(&self) -> String {
        let mut text = format!(
            "Regression gate\n  baseline: {}\n  run:      {}\n  rule:     {}\n",
            describe(&self.baseline),
            describe(&self.current),
            self.rule(),
        );
        if !self.machine_warnings.is_empty() {
            text.push_str(&format!(
                "warning: the machines differ ({}); timings may not be comparable\n",
                self.machine_warnings.join("; ")
            ));
        }
        text.push('\n');
        let headers = headers(self.metric.as_str());
        let aligns = [
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Left,
        ];
        let columns: Vec<(&str, Align)> = headers.iter().map(String::as_str).zip(aligns).collect();
        let mut table = TextTable::new(&columns);
        for key in &self.keys {
            table.row(key_cells(key));
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
                    limit_label(check.outcome).to_string(),
                ]);
            }
            text.push_str(&limits.render());
        }
        for note in self.notes() {
            text.push_str(&format!("\n{note}"));
        }
        text.push_str(&format!(
            "\n{}\nresult: {}\n",
            self.summary_line(),
            self.result_line()
        ));
        text
    }

    /// The report as GitHub-flavoured Markdown (for `--export-markdown` and the CI step
    /// summary).
    pub fn render_markdown(&self) -> String {
        let status = if self.passed() { "PASS" } else { "FAIL" };
        let mut text = format!(
            "## Regression gate: {status}\n\n**{}**\n\n- baseline: {}\n- run: {}\n- rule: {}\n",
            markdown_cell(&self.result_line()),
            markdown_cell(&describe(&self.baseline)),
            markdown_cell(&describe(&self.current)),
            markdown_cell(&self.rule()),
        );
        for warning in &self.machine_warnings {
            text.push_str(&format!(
                "- warning: machines differ: {}\n",
                markdown_cell(warning)
            ));
        }
        for note in self.notes() {
            text.push_str(&format!("- {}\n", markdown_cell(&note)));
        }
        text.push_str(&format!("\n{}\n\n", self.summary_line()));
        let headers = headers(self.metric.as_str());
        text.push_str(&format!("| {} |\n", headers.join(" | ")));
        text.push_str(&format!("|{}\n", "---|".repeat(headers.len())));
        for key in &self.keys {
            let cells: Vec<String> = key_cells(key)
                .iter()
                .map(|cell| markdown_cell(cell))
                .collect();
            text.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        if !self.limits.is_empty() {
            text.push_str("\n| hard limit | actual | result |\n|---|---|---|\n");
            for check in &self.limits {
                text.push_str(&format!(
                    "| {} | {} | {} |\n",
                    markdown_cell(&check.limit.to_string()),
                    optional_duration(check.actual_ns),
                    limit_label(check.outcome)
                ));
            }
        }
        text
    }
}

fn limit_label(outcome: LimitOutcome) -> &'static str {
    match outcome {
        LimitOutcome::Pass => "ok",
        LimitOutcome::Fail => "BROKEN",
        LimitOutcome::NotMeasured => "not measured (key absent from the run)",
    }
}

/// Text safe inside a Markdown table cell.
pub(crate) fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

impl PerformanceBaseline {
    /// The baseline as a table, for `--show-baseline`.
    pub fn render_text(&self) -> String {
        let machine = &self.machine;
        let mut text = format!(
            "Baseline \"{}\" (schema {}, {} run(s))\n  recorded: {}\n  commit:   {}\n  machine:  {}, {} cores, {} MiB, {}\n\n",
            self.name,
            self.schema,
            self.runs,
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
            ("runs", Align::Right),
            ("calls", Align::Right),
            ("failed", Align::Right),
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
                key.run_values().len().to_string(),
                key.count.to_string(),
                key.failures.to_string(),
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
