//! The HTML report of an A/B comparison. From the top: a header with the date, the machine,
//! the caller's facts (time scale, target), runs per arm and the warm-up; the verdict with
//! the one ratio direction the page uses; the knobs that differ as a table; the B/A ratio
//! with its interval; each run's time per unit; the runs in the order they ran (drift); cold
//! vs warm time per call (when the runs have a `…@cold` key); where the time moved, on self time; recommendations, notes and method.
//!
//! Direction: every ratio on the page is B/A of time per unit (below 1: B is faster). The
//! headline's "B is 1.35x faster" is the inverse of B/A = 0.74 with the interval inverted,
//! computed by the same function as the verdict, and the page says so next to it.

use std::fmt::Write;

use super::context::RunContext;
use super::escape::escape;
use super::moved_bars::{MovedKey, moved_bars};
use super::page::{facts_list, machine_text, page};
use super::ratio_chart::{RatioChart, ratio_chart};
use super::run_order::run_order_chart;
use super::svg::dots;
use crate::abtest::{Arm, Comparison, KeyReading};
use crate::preset::format_knob_value;
use crate::stats::{format_p_value, format_seconds, format_signed_seconds as signed};

/// A self-contained HTML page for `comparison`, with only what the comparison records in
/// the header. Same as [`render_comparison_with`] and a default [`RunContext`].
pub fn render_comparison(comparison: &Comparison) -> String {
    render_comparison_with(comparison, &RunContext::default())
}

/// A self-contained HTML page for `comparison`, its header completed with `context` (time
/// scale, target and further facts; its preset and trace are not used, an A/B test has two
/// presets and one trace per run).
pub fn render_comparison_with(comparison: &Comparison, context: &RunContext) -> String {
    let (a, b) = (&comparison.a, &comparison.b);
    let mut body = String::new();
    header(&mut body, comparison, context);
    verdict(&mut body, comparison);
    knobs(&mut body, comparison);
    ratio(&mut body, comparison);
    arms_table(&mut body, comparison);

    let unit = escape(&comparison.unit);
    let _ = writeln!(
        body,
        "<section id=\"per-run\"><h2>Time per {unit}, each run</h2>"
    );
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
    body.push_str("</section>\n");
    run_order(&mut body, comparison);
    cold_warm(&mut body, comparison);
    moved(&mut body, comparison);

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

/// `key` escaped, with break opportunities after its joints (`.` and `_`) so a long key
/// wraps there in a narrow table cell instead of mid-word.
fn breakable(key: &str) -> String {
    escape(key).replace('.', ".<wbr>").replace('_', "_<wbr>")
}

fn header(body: &mut String, comparison: &Comparison, context: &RunContext) {
    let (a, b) = (&comparison.a, &comparison.b);
    let provenance = &comparison.provenance;
    let _ = writeln!(
        body,
        "<header id=\"run\"><h1>A/B test: {} (A) vs {} (B)</h1>",
        escape(&a.name),
        escape(&b.name)
    );
    let not_recorded = || "not recorded".to_owned();
    let mut facts: Vec<(String, String)> = vec![
        (
            "date".to_owned(),
            provenance
                .started_at
                .as_ref()
                .map_or_else(not_recorded, |started| format!("{started} (UTC)")),
        ),
        (
            "machine".to_owned(),
            provenance
                .machine
                .as_ref()
                .map_or_else(not_recorded, machine_text),
        ),
    ];
    facts.extend(
        context
            .facts()
            .into_iter()
            .filter(|(label, _)| label != "preset"),
    );
    facts.push((
        "runs per arm".to_owned(),
        format!(
            "A {} ({} usable) · B {} ({} usable), measured in the order A B B A …",
            a.runs, a.usable_runs, b.runs, b.usable_runs
        ),
    ));
    facts.push((
        "warm-up".to_owned(),
        match provenance.warmup_runs_per_arm {
            Some(0) => "none".to_owned(),
            Some(runs) => format!("{runs} run(s) per arm before the measured ones, discarded"),
            None => not_recorded(),
        },
    ));
    facts.push((
        "unit of work".to_owned(),
        format!(
            "one {}; one sample = a run's wall time / {}s attempted",
            comparison.unit, comparison.unit
        ),
    ));
    facts_list(body, &facts, "");
    body.push_str("</header>\n");
}

fn verdict(body: &mut String, comparison: &Comparison) {
    let _ = writeln!(
        body,
        "<p class=\"verdict\">{}</p>\n<p class=\"direction\" id=\"direction\">{}</p>",
        escape(&comparison.verdict),
        escape(&comparison.direction_line())
    );
}

fn knobs(body: &mut String, comparison: &Comparison) {
    body.push_str("<section id=\"knobs\"><h2>Knobs that differ</h2>\n");
    if comparison.knob_differences.is_empty() {
        body.push_str(
            "<p class=\"meta\">None: both arms ran with the same configuration.</p></section>\n",
        );
        return;
    }
    let _ = writeln!(
        body,
        "<div class=\"scroll\"><table class=\"knobs\">\n<tr><th>knob</th><th>A: {}</th><th>B: {}</th></tr>",
        escape(&comparison.a.name),
        escape(&comparison.b.name)
    );
    let show = |value: &Option<toml::Value>| {
        value
            .as_ref()
            .map_or_else(|| "unset".to_owned(), format_knob_value)
    };
    for change in &comparison.knob_differences {
        let _ = writeln!(
            body,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            escape(&change.knob),
            escape(&show(&change.from)),
            escape(&show(&change.to))
        );
    }
    body.push_str("</table></div></section>\n");
}

fn ratio(body: &mut String, comparison: &Comparison) {
    let ratio = &comparison.ratio_b_over_a;
    let _ = writeln!(
        body,
        "<section id=\"ratio\"><h2>B/A time per {unit}: {} / {}</h2>\n<p class=\"meta\">Ratio of geometric means with the {:.0}% Welch interval on log times. The dashed line at 1.00x is no difference; left of it B is faster; the shaded band is the {} equivalence margin. {} (Welch). Rank check, not the verdict: {}.</p>",
        escape(&comparison.b.name),
        escape(&comparison.a.name),
        ratio.level * 100.0,
        escape(&format!("±{:.0}%", comparison.equivalence_margin * 100.0)),
        escape(&format_p_value(comparison.p_value)),
        escape(&format_p_value(comparison.rank_p_value)),
        unit = escape(&comparison.unit),
    );
    body.push_str(&ratio_chart(&RatioChart {
        estimate: ratio.estimate,
        low: ratio.low,
        high: ratio.high,
        margin: comparison.equivalence_margin,
        a_name: &comparison.a.name,
        b_name: &comparison.b.name,
    }));
    body.push_str("</section>\n");
}

fn arms_table(body: &mut String, comparison: &Comparison) {
    let (a, b) = (&comparison.a, &comparison.b);
    let _ = writeln!(
        body,
        "<div class=\"scroll\"><table>\n<tr><th></th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr>",
        escape(&comparison.arm_label(Arm::A)),
        escape(&comparison.arm_label(Arm::B))
    );
    let success = |arm: &crate::abtest::ArmSummary| {
        format!(
            "{}/{} ({:.0}%)",
            arm.correct_units,
            arm.units,
            arm.success_rate * 100.0
        )
    };
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
            success(a),
            success(b),
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
}

fn run_order(body: &mut String, comparison: &Comparison) {
    let (a, b) = (&comparison.a, &comparison.b);
    let runs = comparison
        .provenance
        .run_sequence(&a.run_seconds, &b.run_seconds);
    let _ = writeln!(
        body,
        "<section id=\"run-order\"><h2>Run duration in run order</h2>\n<p class=\"legend\"><span><i class=\"swatch\" style=\"background:#3b6fb6\"></i>{}</span><span><i class=\"swatch\" style=\"background:#d9822b\"></i>{}</span><span>a slope shared by both arms is drift, which the A B B A order spreads over both</span></p>",
        escape(&comparison.arm_label(Arm::A)),
        escape(&comparison.arm_label(Arm::B))
    );
    body.push_str(&run_order_chart(&runs, [&a.name, &b.name], &format_seconds));
    body.push_str("</section>\n");
}

/// The "Cold vs warm" section: one row per phase of every cold key; nothing when the runs
/// had no cold key.
fn cold_warm(body: &mut String, comparison: &Comparison) {
    if comparison.cold_warm.is_empty() {
        return;
    }
    let (a, b) = (&comparison.a, &comparison.b);
    let _ = writeln!(
        body,
        "<section id=\"cold-warm\"><h2>Cold vs warm: time per call</h2>\n<p class=\"meta\"><code>…@cold</code> is the first call of its kind after a start (a browser session's first track); warm is every later call. Inclusive time per call, geometric mean over the runs with the key and its {:.0}% CI; B/A with the Welch interval and p on log time per call, so a slower cold start is not averaged into the warm calls.</p>",
        (1.0 - comparison.alpha) * 100.0
    );
    let _ = writeln!(
        body,
        "<div class=\"scroll\"><table class=\"cold-warm\">\n<tr><th>key</th><th>phase</th><th class=\"num\">runs with the key (A/B)</th><th class=\"num\">A: {}</th><th class=\"num\">B: {}</th><th class=\"num\">B/A (CI)</th><th class=\"num\">p</th></tr>",
        escape(&a.name),
        escape(&b.name)
    );
    for phase in &comparison.cold_warm {
        let _ = writeln!(
            body,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}/{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            breakable(&phase.key),
            phase.phase,
            phase.a.usable_runs,
            phase.b.usable_runs,
            escape(&phase.a.cell()),
            escape(&phase.b.cell()),
            escape(&phase.ratio_cell()),
            escape(&phase.p_cell())
        );
    }
    body.push_str("</table></div>\n<ul>\n");
    for phase in &comparison.cold_warm {
        let _ = writeln!(
            body,
            "<li>{}</li>",
            escape(&phase.sentence(&a.name, &b.name))
        );
    }
    body.push_str("</ul></section>\n");
}

fn moved(body: &mut String, comparison: &Comparison) {
    let (a, b) = (&comparison.a, &comparison.b);
    let all_keys: f64 = comparison
        .key_deltas
        .iter()
        .map(|delta| delta.self_delta())
        .sum();
    let _ = writeln!(
        body,
        "<section id=\"moved\"><h2>Where the time moved: self time per run, B − A</h2>\n<p class=\"meta\">Self time is the time a key spent outside its profiled children, so a parent (e.g. a run or song span) shows only its own time and no second is counted twice. Over all {} keys the self-time changes add up to {} per run; the mean run time changed by {}{}. Bars: the {} largest changes; whiskers: {:.0}% Welch intervals; faint bars are not significant after Holm's correction over keys.</p>\n<p class=\"legend\"><span><i class=\"swatch\" style=\"background:#c0392b\"></i>slower in {}</span><span><i class=\"swatch\" style=\"background:#2e8b57\"></i>faster in {}</span></p>",
        comparison.key_deltas.len(),
        escape(&signed(all_keys)),
        escape(&signed(comparison.run_delta)),
        if comparison.sequential {
            ""
        } else {
            " (spans overlapped, so the two need not match: see the notes)"
        },
        comparison.top_keys,
        (1.0 - comparison.alpha) * 100.0,
        escape(&b.name),
        escape(&b.name),
    );
    let top = crate::abtest::shown_keys(comparison);
    let rows: Vec<MovedKey> = top
        .iter()
        .map(|delta| MovedKey {
            key: delta.key.clone(),
            delta: delta.self_delta(),
            interval: delta.self_test.map(|test| (test.low, test.high)),
            moved: delta.reading == KeyReading::Moved,
            text: format!("{} ({})", signed(delta.self_delta()), delta.reading),
        })
        .collect();
    body.push_str(&moved_bars(&rows));
    let _ = writeln!(
        body,
        "<div class=\"scroll\"><table class=\"keys\">\n<tr><th>key</th><th>tier</th><th class=\"num\">A: {}</th><th class=\"num\">B: {}</th><th class=\"num\">Δ self</th><th class=\"num\">CI</th><th class=\"num\">p (Holm)</th><th>reading</th></tr>",
        escape(&a.name),
        escape(&b.name)
    );
    for delta in top {
        let _ = writeln!(
            body,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            breakable(&delta.key),
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
    body.push_str("</table></div></section>\n");
}
