//! The comparison as plain text for the terminal: verdict first, then the numbers behind it.

use std::fmt::Write;

use super::comparison::Comparison;
use super::markdown::{run_list, success};
use crate::stats::{format_seconds, format_signed_seconds as signed_seconds};
use crate::text_table::{Align, TextTable};

impl Comparison {
    pub fn render_text(&self) -> String {
        let (a, b) = (&self.a, &self.b);
        let unit = &self.unit;
        let mut out = format!("{}\n\n", self.verdict);

        let mut arms = TextTable::new(&[
            ("", Align::Left),
            (&format!("{} (A)", a.name), Align::Right),
            (&format!("{} (B)", b.name), Align::Right),
        ]);
        arms.row(vec![
            "runs (usable)".into(),
            format!("{} ({})", a.runs, a.usable_runs),
            format!("{} ({})", b.runs, b.usable_runs),
        ]);
        arms.row(vec![
            format!("time per {unit}, {}", self.center),
            format_seconds(a.per_unit.median),
            format_seconds(b.per_unit.median),
        ]);
        arms.row(vec![
            "spread (IQR)".into(),
            format_seconds(a.per_unit.iqr),
            format_seconds(b.per_unit.iqr),
        ]);
        arms.row(vec!["correct files".into(), success(a), success(b)]);
        out.push_str(&arms.render());
        let _ = writeln!(out, "run times  A: {}", run_list(&a.run_seconds));
        let _ = writeln!(out, "           B: {}", run_list(&b.run_seconds));

        let _ = writeln!(
            out,
            "\nWhere the time moved (mean per run, B − A = {}):",
            signed_seconds(self.run_delta)
        );
        let mut keys = TextTable::new(&[
            ("key", Align::Left),
            ("tier", Align::Left),
            ("A", Align::Right),
            ("B", Align::Right),
            ("Δ total", Align::Right),
            ("Δ self", Align::Right),
        ]);
        for delta in self.key_deltas.iter().take(self.top_keys) {
            keys.row(vec![
                delta.key.clone(),
                delta.tier.to_string(),
                format_seconds(delta.total_per_run_a),
                format_seconds(delta.total_per_run_b),
                signed_seconds(delta.total_delta()),
                signed_seconds(delta.self_delta()),
            ]);
        }
        out.push_str(&keys.render());

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
