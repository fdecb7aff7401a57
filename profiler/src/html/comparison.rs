//! The HTML report of an A/B comparison: the verdict, the ratio with its interval, each run's
//! time per unit, and where the time moved.

use std::fmt::Write;

use super::escape::escape;
use super::page::page;
use super::svg::{Bar, diverging_bars, dots, interval};
use crate::abtest::{Arm, Comparison};
use crate::stats::{format_p_value, format_seconds, format_signed_seconds as signed};

/// A self-contained HTML page for `comparison`.
pub fn render_comparison(comparison: &Comparison) -> String {
    let (a, b) = (&comparison.a, &comparison.b);
    let unit = escape(&comparison.unit);
    let ratio = &comparison.ratio_b_over_a;
    let mut body = format!(
        "<h1>A/B test: {} vs {}</h1>\n<p class=\"verdict\">{}</p>\n",
        escape(&a.name),
        escape(&b.name),
        escape(&comparison.verdict)
    );

    let _ = writeln!(
        body,
        "<h2>Ratio of time per {unit}, {} / {}</h2>\n<p class=\"meta\">Ratio of geometric means with the {:.0}% Welch interval on log times; the dashed line at 1.00x means no difference. {} (Welch). Rank check, not the verdict: {}.</p>",
        escape(&b.name),
        escape(&a.name),
        ratio.level * 100.0,
        escape(&format_p_value(comparison.p_value)),
        escape(&format_p_value(comparison.rank_p_value))
    );
    body.push_str(&interval(
        ratio.estimate,
        ratio.low,
        ratio.high,
        1.0,
        &format!("{} / {} time per {}", b.name, a.name, comparison.unit),
    ));

    let _ = writeln!(
        body,
        "<div class=\"scroll\"><table>\n<tr><th></th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr>",
        escape(&comparison.arm_label(Arm::A)),
        escape(&comparison.arm_label(Arm::B))
    );
    let rows = [
        (
            "runs (usable)".to_string(),
            format!("{} ({})", a.runs, a.usable_runs),
            format!("{} ({})", b.runs, b.usable_runs),
        ),
        (
            format!("time per {}, median", comparison.unit),
            format_seconds(a.per_unit.median),
            format_seconds(b.per_unit.median),
        ),
        (
            "spread (IQR)".to_string(),
            format_seconds(a.per_unit.iqr),
            format_seconds(b.per_unit.iqr),
        ),
        (
            format!("correct {}s", comparison.unit),
            format!(
                "{}/{} ({:.0}%)",
                a.correct_units,
                a.units,
                a.success_rate * 100.0
            ),
            format!(
                "{}/{} ({:.0}%)",
                b.correct_units,
                b.units,
                b.success_rate * 100.0
            ),
        ),
    ];
    for (label, left, right) in rows {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&label),
            escape(&left),
            escape(&right)
        );
    }
    body.push_str("</table></div>\n");

    let _ = writeln!(body, "<h2>Time per {unit}, each run</h2>");
    body.push_str(&dots(
        &[
            (comparison.arm_label(Arm::A), "", a.seconds_per_unit.clone()),
            (
                comparison.arm_label(Arm::B),
                "b",
                b.seconds_per_unit.clone(),
            ),
        ],
        &format_seconds,
        "Per-run time per unit",
    ));

    let _ = writeln!(
        body,
        "<h2>Where the time moved (self time per run, {} − {})</h2>\n<p class=\"legend\"><span><i class=\"swatch\" style=\"background:#c0392b\"></i>slower in {}</span><span><i class=\"swatch\" style=\"background:#2e8b57\"></i>faster in {}</span><span>run time {} per run</span></p>",
        escape(&b.name),
        escape(&a.name),
        escape(&b.name),
        escape(&b.name),
        escape(&signed(comparison.run_delta))
    );
    let top: Vec<_> = comparison
        .key_deltas
        .iter()
        .filter(|delta| delta.self_per_run_a > 0.0 || delta.self_per_run_b > 0.0)
        .take(comparison.top_keys)
        .collect();
    let delta_bars: Vec<Bar> = top
        .iter()
        .map(|delta| Bar {
            label: delta.key.clone(),
            value: delta.self_delta(),
            text: signed(delta.self_delta()),
            class: "",
        })
        .collect();
    body.push_str(&diverging_bars(
        &delta_bars,
        "Change of self time per run by key",
    ));
    let _ = writeln!(
        body,
        "<div class=\"scroll\"><table>\n<tr><th>key</th><th>tier</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">Δ self</th><th class=\"num\">CI</th><th class=\"num\">p (Holm)</th><th>reading</th></tr>",
        escape(&a.name),
        escape(&b.name)
    );
    for delta in top {
        let _ = writeln!(
            body,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&delta.key),
            delta.tier,
            format_seconds(delta.self_per_run_a),
            format_seconds(delta.self_per_run_b),
            signed(delta.self_delta()),
            escape(&delta.self_test.map_or_else(
                || "–".to_string(),
                |test| format!("{} to {}", signed(test.low), signed(test.high))
            )),
            delta
                .holm_p_value
                .map_or_else(|| "–".to_string(), |p| format!("{p:.3}")),
            delta.reading
        );
    }
    body.push_str("</table></div>\n");

    body.push_str("<h2>Recommendations</h2>\n<ul class=\"recommendations\">\n");
    for recommendation in &comparison.recommendations {
        let _ = writeln!(body, "<li>{}</li>", escape(&recommendation.text));
    }
    body.push_str("</ul>\n");
    if !comparison.notes.is_empty() {
        body.push_str("<h2>Notes</h2>\n<ul>\n");
        for note in &comparison.notes {
            let _ = writeln!(body, "<li>{}</li>", escape(note));
        }
        body.push_str("</ul>\n");
    }
    let _ = writeln!(
        body,
        "<h2>Method</h2>\n<p>{}</p>",
        escape(&comparison.method)
    );
    page(&format!("A/B test: {} vs {}", a.name, b.name), &body)
}
