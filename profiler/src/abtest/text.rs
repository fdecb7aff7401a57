//! The comparison as plain text for the terminal: verdict first, then the numbers behind it.

use std::fmt::Write;

use super::comparison::Comparison;
use super::key_delta::KeyDelta;
use super::markdown::{run_list, success};
use super::schedule::Arm;
use crate::stats::{
    Center, format_p_value, format_seconds, format_signed_seconds as signed_seconds,
    smallest_p_value,
};
use crate::text_table::{Align, TableWidth, TextTable};

/// "−1.20 s to +3.40 s", or "–" without an interval.
pub(crate) fn interval_cell(test: Option<&crate::stats::WelchTest>) -> String {
    test.map_or_else(
        || "–".to_string(),
        |test| {
            format!(
                "{} to {}",
                signed_seconds(test.low),
                signed_seconds(test.high)
            )
        },
    )
}

/// A Holm-adjusted p-value cell, or "–" when untested.
pub(crate) fn holm_cell(p: Option<f64>) -> String {
    p.map_or_else(|| "–".to_string(), |p| format!("{p:.3}"))
}

/// The keys a table shows: the largest self-time changes, without keys that spent no self
/// time in either arm (parents whose time is all their children's).
pub(crate) fn shown_keys(comparison: &Comparison) -> Vec<&KeyDelta> {
    comparison
        .key_deltas
        .iter()
        .filter(|delta| delta.self_per_run_a > 0.0 || delta.self_per_run_b > 0.0)
        .take(comparison.top_keys)
        .collect()
}

impl Comparison {
    /// The one direction every ratio in the reports is given in, with the headline's
    /// "x faster" as its inverse: "Ratio direction: B/A time per track (A = current, B =
    /// solo_only); below 1 means B is faster. B/A = 0.741 (95% CI 0.714–0.769), i.e.
    /// solo_only is 1.35x faster than current (1.30–1.40)." The "x faster" figure and its
    /// interval are computed as in the verdict, so the two always agree.
    pub fn direction_line(&self) -> String {
        let ratio = &self.ratio_b_over_a;
        let (a, b) = (&self.a.name, &self.b.name);
        let mut line = format!(
            "Ratio direction: B/A time per {unit} (A = {a}, B = {b}); below 1 means B is faster. B/A = {:.3} ({:.0}% CI {:.3}–{:.3})",
            ratio.estimate,
            ratio.level * 100.0,
            ratio.low,
            ratio.high,
            unit = self.unit,
        );
        if ratio.estimate == 1.0 || !ratio.estimate.is_finite() {
            line.push_str(", i.e. no difference at the estimate.");
            return line;
        }
        let faster = if ratio.estimate < 1.0 { Arm::B } else { Arm::A };
        let (fast, slow) = match faster {
            Arm::B => (b, a),
            Arm::A => (a, b),
        };
        let (times, low, high) = super::analysis::speedup(ratio, faster);
        let _ = write!(
            line,
            ", i.e. {fast} is {times:.2}x faster than {slow} ({low:.2}–{high:.2})"
        );
        line.push_str(if self.significant {
            "."
        } else {
            ", which the interval does not confirm."
        });
        line
    }

    /// The model's numbers and the rank check, one line each.
    pub fn statistics_lines(&self) -> Vec<String> {
        let ratio = &self.ratio_b_over_a;
        let test = &self.log_test;
        let floor = smallest_p_value(self.a.usable_runs, self.b.usable_runs);
        vec![
            format!(
                "Model: Welch t-test on log time per {unit}: {b}/{a} = {:.3} (ratio of geometric means), {:.0}% CI {:.3}–{:.3}, t = {}, df = {:.1}, {}",
                ratio.estimate,
                ratio.level * 100.0,
                ratio.low,
                ratio.high,
                test.t
                    .map_or_else(|| "– (no spread)".to_string(), |t| format!("{t:.2}")),
                test.df,
                format_p_value(self.p_value),
                unit = self.unit,
                a = self.a.name,
                b = self.b.name,
            ),
            format!(
                "Rank check (robustness, not the verdict): two-sided permutation test of the rank sum ({}), {}; the smallest p {} + {} runs allow is {:.3}",
                self.test,
                format_p_value(self.rank_p_value),
                self.a.usable_runs,
                self.b.usable_runs,
                floor
            ),
        ]
    }

    /// The "Cold vs warm" section: one row per phase of every cold key (both arms' geometric
    /// mean time per call with its interval, B/A with its interval and p), then one sentence
    /// per phase; empty when the runs had no cold key.
    fn cold_warm_text(&self, width: TableWidth) -> String {
        if self.cold_warm.is_empty() {
            return String::new();
        }
        let level = (1.0 - self.alpha) * 100.0;
        let mut out = format!(
            "\nCold vs warm (inclusive time per call; geometric mean over runs, {level:.0}% CI; runs with the key A/B):\n"
        );
        let a_column = format!("A: {}", self.a.name);
        let b_column = format!("B: {}", self.b.name);
        let mut table = TextTable::new(&[
            ("key", Align::Left),
            ("phase", Align::Left),
            ("runs", Align::Right),
            (&a_column, Align::Right),
            (&b_column, Align::Right),
            ("B/A (CI)", Align::Right),
            ("p", Align::Right),
        ]);
        for phase in &self.cold_warm {
            table.row(vec![
                phase.key.clone(),
                phase.phase.to_string(),
                format!("{}/{}", phase.a.usable_runs, phase.b.usable_runs),
                phase.a.cell(),
                phase.b.cell(),
                phase.ratio_cell(),
                phase.p_cell(),
            ]);
        }
        out.push_str(&table.render_within(width));
        for phase in &self.cold_warm {
            let _ = writeln!(out, "  {}", phase.sentence(&self.a.name, &self.b.name));
        }
        out
    }

    /// The comparison as plain text: the verdict, per-arm figures, cold vs warm (when the runs have a cold key), where the time moved, the
    /// recommendations and the method; its tables as wide as their cells (the layout of files).
    pub fn render_text(&self) -> String {
        self.render_text_within(TableWidth::Unlimited)
    }

    /// The comparison as plain text, its tables at most `width` wide where their words allow
    /// (for a terminal; see [`TableWidth`]).
    pub fn render_text_within(&self, width: TableWidth) -> String {
        let (a, b) = (&self.a, &self.b);
        let unit = &self.unit;
        let mut out = format!("{}\n{}\n\n", self.verdict, self.direction_line());

        let mut arms = TextTable::new(&[
            ("", Align::Left),
            (&self.arm_label(Arm::A), Align::Right),
            (&self.arm_label(Arm::B), Align::Right),
        ]);
        let mut scratch = Vec::new();
        arms.row(vec![
            "runs (usable)".into(),
            format!("{} ({})", a.runs, a.usable_runs),
            format!("{} ({})", b.runs, b.usable_runs),
        ]);
        arms.row(vec![
            format!("time per {unit}, {}", Center::GeometricMean),
            format_seconds(Center::GeometricMean.of_with(&a.seconds_per_unit, &mut scratch)),
            format_seconds(Center::GeometricMean.of_with(&b.seconds_per_unit, &mut scratch)),
        ]);
        arms.row(vec![
            format!("time per {unit}, median"),
            format_seconds(a.per_unit.median),
            format_seconds(b.per_unit.median),
        ]);
        arms.row(vec![
            "spread (IQR, type 7)".into(),
            format_seconds(a.per_unit.iqr),
            format_seconds(b.per_unit.iqr),
        ]);
        arms.row(vec![format!("correct {unit}s"), success(a), success(b)]);
        out.push_str(&arms.render_within(width));
        if !self.knob_differences.is_empty() {
            let a_column = format!("A: {}", a.name);
            let b_column = format!("B: {}", b.name);
            let mut knobs = TextTable::new(&[
                ("knob that differs", Align::Left),
                (&a_column, Align::Left),
                (&b_column, Align::Left),
            ]);
            let show = |value: &Option<toml::Value>| {
                value
                    .as_ref()
                    .map_or_else(|| "unset".to_string(), crate::preset::format_knob_value)
            };
            for change in &self.knob_differences {
                knobs.row(vec![
                    change.knob.clone(),
                    show(&change.from),
                    show(&change.to),
                ]);
            }
            out.push_str(&knobs.render_within(width));
        }
        let _ = writeln!(out, "run times  A: {}", run_list(&a.run_seconds));
        let _ = writeln!(out, "           B: {}", run_list(&b.run_seconds));
        for line in self.statistics_lines() {
            let _ = writeln!(out, "{line}");
        }

        out.push_str(&self.cold_warm_text(width));

        let tested = self
            .key_deltas
            .iter()
            .filter(|delta| delta.self_test.is_some())
            .count();
        let _ = writeln!(
            out,
            "\nWhere the time moved (self time per run, B − A; {:.0}% CI per key, p Holm-adjusted over {tested} key(s); mean run time B − A = {}):",
            (1.0 - self.alpha) * 100.0,
            signed_seconds(self.run_delta)
        );
        let mut keys = TextTable::new(&[
            ("key", Align::Left),
            ("tier", Align::Left),
            ("A", Align::Right),
            ("B", Align::Right),
            ("Δ self", Align::Right),
            ("CI", Align::Right),
            ("p (Holm)", Align::Right),
            ("reading", Align::Left),
        ]);
        for delta in shown_keys(self) {
            keys.row(vec![
                delta.key.clone(),
                delta.tier.to_string(),
                format_seconds(delta.self_per_run_a),
                format_seconds(delta.self_per_run_b),
                signed_seconds(delta.self_delta()),
                interval_cell(delta.self_test.as_ref()),
                holm_cell(delta.holm_p_value),
                delta.reading.to_string(),
            ]);
        }
        out.push_str(&keys.render_within(width));

        if !self.attributions.is_empty() {
            let _ = writeln!(
                out,
                "\nBy knob group (self time per run, B − A; {}):",
                if self.sequential && self.significant {
                    "shares assume sequential work"
                } else if !self.sequential {
                    "spans overlapped, so no shares"
                } else {
                    "no shares: the change in run time is not significant"
                }
            );
            let mut groups = TextTable::new(&[
                ("keys", Align::Left),
                ("Δ self", Align::Right),
                ("CI", Align::Right),
                ("p (Holm)", Align::Right),
                ("share", Align::Right),
                ("reading", Align::Left),
                ("differing knobs", Align::Left),
            ]);
            for attribution in &self.attributions {
                groups.row(vec![
                    attribution.key_pattern.clone(),
                    signed_seconds(attribution.delta_per_run),
                    interval_cell(attribution.interval.as_ref()),
                    holm_cell(attribution.holm_p_value),
                    attribution
                        .share_of_change
                        .map_or_else(|| "–".to_string(), |share| format!("{:.0}%", share * 100.0)),
                    attribution.reading.to_string(),
                    attribution
                        .knobs
                        .iter()
                        .map(|change| change.describe())
                        .collect::<Vec<_>>()
                        .join(", "),
                ]);
            }
            out.push_str(&groups.render_within(width));
        }

        out.push_str("\nRecommendations:\n");
        for recommendation in &self.recommendations {
            let _ = writeln!(out, "  - {}", recommendation.text);
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        out
    }
}
