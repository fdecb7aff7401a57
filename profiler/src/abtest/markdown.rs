//! The comparison as Markdown, to keep beside the JSON and paste into an issue or a PR.

use std::fmt::Write;

use super::comparison::{ArmSummary, Comparison};
use super::recommend::RecommendationKind;
use super::schedule::Arm;
use super::text::{holm_cell, interval_cell, shown_keys};
use crate::stats::{format_seconds, format_signed_seconds as signed_seconds};

/// Makes text safe inside a table cell or a line of Markdown.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

pub(crate) fn run_list(seconds: &[f64]) -> String {
    seconds
        .iter()
        .map(|value| format_seconds(*value))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn success(arm: &ArmSummary) -> String {
    format!(
        "{}/{} ({:.0}%)",
        arm.correct_units,
        arm.units,
        arm.success_rate * 100.0
    )
}

impl Comparison {
    /// The "Cold vs warm" section: a table with one row per phase of every cold key, then
    /// one sentence per phase; nothing when the runs had no cold key.
    fn cold_warm_markdown(&self, out: &mut String) {
        if self.cold_warm.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "## Cold vs warm\n\n`…@cold` is the first call of its kind after a start (a browser session's first track); warm is every later call. Inclusive time per call, geometric mean over the runs with the key and its {:.0}% CI; B/A with the Welch interval and p on log time per call.\n",
            (1.0 - self.alpha) * 100.0
        );
        let _ = writeln!(
            out,
            "| key | phase | runs with the key (A/B) | A: {} | B: {} | B/A (CI) | p |",
            cell(&self.a.name),
            cell(&self.b.name)
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
        for phase in &self.cold_warm {
            let _ = writeln!(
                out,
                "| `{}` | {} | {}/{} | {} | {} | {} | {} |",
                cell(&phase.key),
                phase.phase,
                phase.a.usable_runs,
                phase.b.usable_runs,
                phase.a.cell(),
                phase.b.cell(),
                phase.ratio_cell(),
                cell(&phase.p_cell())
            );
        }
        out.push('\n');
        for phase in &self.cold_warm {
            let _ = writeln!(
                out,
                "- {}",
                cell(&phase.sentence(&self.a.name, &self.b.name))
            );
        }
        out.push('\n');
    }

    /// The comparison as GitHub Markdown: the verdict, one table of both arms (runs, time per
    /// unit, correct units), the knobs that differ, cold vs warm (when the runs have a cold
    /// key), where the time moved, the
    /// recommendations, notes and the method.
    pub fn render_markdown(&self) -> String {
        let (a, b) = (&self.a, &self.b);
        let unit = &self.unit;
        let mut out = String::new();
        let _ = writeln!(out, "# A/B test: {} vs {}\n", cell(&a.name), cell(&b.name));
        let _ = writeln!(out, "**{}**\n", cell(&self.verdict));
        let _ = writeln!(out, "{}\n", cell(&self.direction_line()));
        let provenance = &self.provenance;
        let mut facts = Vec::new();
        if let Some(started) = &provenance.started_at {
            facts.push(format!("started {started} (UTC)"));
        }
        if let Some(machine) = &provenance.machine {
            facts.push(format!(
                "{} · {} cores · {} MiB · {}",
                machine.cpu_model,
                machine.cores,
                machine.memory_bytes >> 20,
                machine.os
            ));
        }
        if let Some(warmup) = provenance.warmup_runs_per_arm {
            facts.push(format!("{warmup} warm-up run(s) per arm, discarded"));
        }
        if !facts.is_empty() {
            let _ = writeln!(out, "{}\n", cell(&facts.join("; ")));
        }

        let _ = writeln!(
            out,
            "| | {} | {} |",
            cell(&self.arm_label(Arm::A)),
            cell(&self.arm_label(Arm::B))
        );
        let _ = writeln!(out, "|---|---:|---:|");
        let rows: [(&str, String, String); 6] = [
            (
                "runs (usable)",
                format!("{} ({})", a.runs, a.usable_runs),
                format!("{} ({})", b.runs, b.usable_runs),
            ),
            (
                &format!("time per {unit}, median"),
                format_seconds(a.per_unit.median),
                format_seconds(b.per_unit.median),
            ),
            (
                "spread (IQR type 7 / MAD)",
                format!(
                    "{} / {}",
                    format_seconds(a.per_unit.iqr),
                    format_seconds(a.per_unit.mad)
                ),
                format!(
                    "{} / {}",
                    format_seconds(b.per_unit.iqr),
                    format_seconds(b.per_unit.mad)
                ),
            ),
            (
                &format!("time per {unit}, mean"),
                format_seconds(a.per_unit.mean),
                format_seconds(b.per_unit.mean),
            ),
            (&format!("correct {unit}s"), success(a), success(b)),
            (
                "run times",
                run_list(&a.run_seconds),
                run_list(&b.run_seconds),
            ),
        ];
        for (label, left, right) in rows {
            let _ = writeln!(out, "| {} | {left} | {right} |", cell(label));
        }
        out.push('\n');
        for line in self.statistics_lines() {
            let _ = writeln!(out, "{}\n", cell(&line));
        }

        if !self.knob_differences.is_empty() {
            let _ = writeln!(out, "## Knobs that differ\n");
            let _ = writeln!(
                out,
                "| knob | A: {} | B: {} |\n|---|---|---|",
                cell(&a.name),
                cell(&b.name)
            );
            let show = |value: &Option<toml::Value>| {
                value
                    .as_ref()
                    .map_or_else(|| "unset".to_string(), crate::preset::format_knob_value)
            };
            for change in &self.knob_differences {
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | `{}` |",
                    cell(&change.knob),
                    cell(&show(&change.from)),
                    cell(&show(&change.to))
                );
            }
            out.push('\n');
        }

        self.cold_warm_markdown(&mut out);

        let _ = writeln!(
            out,
            "## Where the time moved (self time per run, top {} keys)\n\n{:.0}% Welch interval of B − A per key; p Holm-adjusted over every tested key. \"negligible\": the interval lies within {} of {}'s mean run time.\n",
            self.top_keys,
            (1.0 - self.alpha) * 100.0,
            super::analysis::margin_text(self.equivalence_margin),
            cell(&a.name)
        );
        let _ = writeln!(
            out,
            "| key | tier | {} | {} | Δ self | CI | p (Holm) | reading |",
            cell(&a.name),
            cell(&b.name)
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---|");
        for delta in shown_keys(self) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
                cell(&delta.key),
                delta.tier,
                format_seconds(delta.self_per_run_a),
                format_seconds(delta.self_per_run_b),
                signed_seconds(delta.self_delta()),
                interval_cell(delta.self_test.as_ref()),
                holm_cell(delta.holm_p_value),
                delta.reading,
            );
        }
        let _ = writeln!(
            out,
            "\nMean run time changed by {} (B − A).\n",
            signed_seconds(self.run_delta)
        );

        let _ = writeln!(out, "## Recommendations\n");
        for recommendation in &self.recommendations {
            let label = match recommendation.kind {
                RecommendationKind::Adopt => "**Adopt.** ",
                RecommendationKind::Reject => "**Reject.** ",
                RecommendationKind::Equivalent => "**Either.** ",
                RecommendationKind::RunMore => "**Run more.** ",
                RecommendationKind::Investigate => "**Investigate.** ",
                RecommendationKind::Explain | RecommendationKind::NoEffect => "",
            };
            let _ = writeln!(out, "- {label}{}", cell(&recommendation.text));
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "\n## Notes\n");
            for note in &self.notes {
                let _ = writeln!(out, "- {}", cell(note));
            }
        }
        let _ = writeln!(out, "\n## Method\n\n{}", cell(&self.method));
        out
    }
}
