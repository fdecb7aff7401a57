//! The HTML report of a scaling study: the answer, a header (date, machine, repeats,
//! warm-up, thresholds), throughput and speedup per level against perfect scaling with the
//! knee marked, the table of every level, and the method.

use std::fmt::Write;

use super::context::RunContext;
use super::escape::escape;
use super::level_chart::{LevelPoint, level_chart};
use super::page::{facts_list, page};
use crate::scaling::ScalingReport;
use crate::stats::format_seconds;

/// A self-contained HTML page for `report`, its header completed with `context` (time
/// scale, target and further facts).
pub fn render_scaling(report: &ScalingReport, context: &RunContext) -> String {
    let unit = &report.unit;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<header id=\"run\"><h1>Scaling study: {}s per minute at {} concurrency levels</h1>",
        escape(unit),
        report.levels.len()
    );
    let machine = &report.machine;
    let mut facts = vec![
        (
            "date".to_owned(),
            report
                .started_at
                .as_ref()
                .map_or_else(|| "not recorded".to_owned(), |at| format!("{at} (UTC)")),
        ),
        (
            "machine".to_owned(),
            format!(
                "{} · {} cores · {:.1} GiB · {}",
                machine.cpu_model,
                machine.cores,
                machine.memory_bytes as f64 / f64::from(1u32 << 30),
                machine.os
            ),
        ),
    ];
    facts.extend(context.facts());
    facts.push((
        "runs".to_owned(),
        format!(
            "{} repeat(s) per level, order rotated per repeat; {} warm-up run(s) per level",
            report.repeats, report.warmup_runs_per_level
        ),
    ));
    facts_list(&mut body, &facts, "");
    body.push_str("</header>\n");
    let _ = writeln!(
        body,
        "<p class=\"verdict\" id=\"answer\">{}</p>",
        escape(&report.answer)
    );

    let base = report.levels.first().map_or(1, |level| level.concurrency) as f64;
    let base_throughput = report
        .levels
        .first()
        .map_or(0.0, |level| level.throughput_per_minute.estimate);
    let level = (1.0 - report.config.alpha) * 100.0;
    let throughput: Vec<LevelPoint> = report
        .levels
        .iter()
        .map(|summary| {
            LevelPoint::of(
                summary.concurrency,
                &summary.throughput_per_minute,
                base_throughput * summary.concurrency as f64 / base,
            )
        })
        .collect();
    let _ = writeln!(
        body,
        "<section id=\"throughput\"><h2>Throughput: {unit}s per minute</h2>\n<p class=\"meta\">Geometric mean over the repeats with its {level:.0}% interval; dashed: perfect scaling from the lowest level; red dashed: the knee.</p>",
        unit = escape(unit)
    );
    body.push_str(&level_chart(
        &throughput,
        report.knee.concurrency,
        &|value| {
            if value >= 100.0 {
                format!("{value:.0}")
            } else {
                format!("{value:.1}")
            }
        },
        &format!("{unit}s per minute"),
        "throughput",
    ));
    body.push_str("</section>\n");
    let speedup: Vec<LevelPoint> = report
        .levels
        .iter()
        .map(|summary| {
            LevelPoint::of(
                summary.concurrency,
                &summary.speedup,
                summary.concurrency as f64 / base,
            )
        })
        .collect();
    let _ = writeln!(
        body,
        "<section id=\"speedup\"><h2>Speedup over {} (efficiency = speedup / N)</h2>\n<p class=\"meta\">Ratio of geometric mean throughputs with the {level:.0}% Welch interval on log time per {}; dashed: perfect scaling.</p>",
        base,
        escape(unit)
    );
    body.push_str(&level_chart(
        &speedup,
        report.knee.concurrency,
        &|value| format!("{value:.2}x"),
        "speedup",
        "speedup",
    ));
    body.push_str("</section>\n");

    let _ = writeln!(
        body,
        "<section id=\"levels\"><h2>Every level</h2><div class=\"scroll\"><table>\n<tr><th class=\"num\">N</th><th class=\"num\">runs</th><th class=\"num\">{unit}s/min</th><th class=\"num\">latency p50</th><th class=\"num\">p95</th><th class=\"num\">speedup</th><th class=\"num\">efficiency</th><th class=\"num\">CPU</th><th class=\"num\">peak RSS</th><th class=\"num\">queue/{unit}</th><th class=\"num\">429s</th></tr>",
        unit = escape(unit)
    );
    let dash = || "–".to_owned();
    for summary in &report.levels {
        let interval = |ci: &crate::stats::ConfidenceInterval, decimals: usize| {
            format!(
                "{:.decimals$} ({:.decimals$}–{:.decimals$})",
                ci.estimate, ci.low, ci.high
            )
        };
        let cells = [
            summary.concurrency.to_string(),
            summary.runs.to_string(),
            interval(&summary.throughput_per_minute, 1),
            summary
                .latency_p50_seconds
                .map_or_else(dash, format_seconds),
            summary
                .latency_p95_seconds
                .map_or_else(dash, format_seconds),
            interval(&summary.speedup, 2),
            interval(&summary.efficiency, 2),
            summary
                .cpu_percent_mean
                .map_or_else(dash, |cpu| format!("{cpu:.0}%")),
            summary
                .rss_peak_bytes
                .map_or_else(dash, |rss| format!("{} MiB", rss >> 20)),
            summary
                .queue_seconds_per_unit
                .map_or_else(dash, format_seconds),
            summary
                .rate_limited
                .map_or_else(dash, |count| count.to_string()),
        ];
        let knee = if report.knee.concurrency == Some(summary.concurrency) {
            " class=\"knee-row\""
        } else {
            ""
        };
        let _ = write!(body, "<tr{knee}>");
        for cell in cells {
            let _ = write!(body, "<td class=\"num\">{}</td>", escape(&cell));
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</table></div></section>\n");
    let _ = writeln!(
        body,
        "<h2>Knee and limit</h2>\n<p>Knee: {}.</p>\n<ul>{}</ul>\n<h2>Method</h2>\n<p>{}</p>",
        escape(&report.knee.reason),
        report
            .limit
            .evidence
            .iter()
            .map(|evidence| format!("<li>{}</li>", escape(evidence)))
            .collect::<String>(),
        escape(&report.method)
    );
    page(&format!("Scaling study ({}s)", unit), &body)
}
