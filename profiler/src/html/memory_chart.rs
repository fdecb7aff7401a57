//! The "Memory over the run" section: every memory series of a long run drawn as a line over
//! time and over completed work, with the leak verdict in words (and the verdicts on further
//! series, e.g. one per browser session). Inline SVG polylines, one per series, so the page
//! stays self-contained and a test can read the points back.

use std::fmt::Write;

use super::escape::escape;
use crate::soak::{LeakVerdict, MemoryOverRun, MemorySeries, SeriesPoint};

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const AXIS: f64 = 34.0;
/// Line colours, by series order (the first, the judged series, is the darkest).
const COLOURS: [&str; 8] = [
    "#3b6fb6", "#d9822b", "#2e8b57", "#7b5ea7", "#c0392b", "#17a2b8", "#8c6d31", "#6b7280",
];

/// The section's markup; empty when `memory` has no reading.
pub(crate) fn memory_over_run(memory: &MemoryOverRun) -> String {
    if memory.is_empty() {
        return String::new();
    }
    let mut body = String::from("<section id=\"memory-over-run\"><h2>Memory over the run</h2>\n");
    let verdict = match &memory.leak {
        Some(LeakVerdict::Grows { .. }) => format!(
            "<p class=\"verdict failed\">Leak verdict: {}</p>\n",
            escape(&verdict_text(memory))
        ),
        _ => format!(
            "<p class=\"verdict\">Leak verdict: {}</p>\n",
            escape(&verdict_text(memory))
        ),
    };
    body.push_str(&verdict);
    if !memory.series_verdicts.is_empty() {
        body.push_str("<ul class=\"series-verdicts\">");
        for judged in &memory.series_verdicts {
            let (class, text) = match &judged.leak {
                Some(verdict @ LeakVerdict::Grows { .. }) => {
                    (" class=\"failed\"", format!("{verdict} — {}", judged.note))
                }
                Some(verdict) => ("", format!("{verdict} — {}", judged.note)),
                None => ("", format!("not available: {}", judged.note)),
            };
            let _ = write!(
                body,
                "<li{class}>{}: {}</li>",
                escape(&judged.series),
                escape(&text)
            );
        }
        body.push_str("</ul>\n");
    }
    body.push_str("<p class=\"legend\">");
    for (index, series) in memory.series.iter().enumerate() {
        let _ = write!(
            body,
            "<span><i class=\"swatch\" style=\"background:{}\"></i>{} ({})</span>",
            COLOURS[index % COLOURS.len()],
            escape(&series.name),
            escape(&series.unit)
        );
    }
    body.push_str("</p>\n<h3>Over time</h3>\n");
    body.push_str(&chart(
        memory,
        "seconds",
        |point| Some(point.at_seconds),
        "Memory over time",
    ));
    let _ = writeln!(
        body,
        "<h3>Over completed {}</h3>",
        escape(&memory.work_unit)
    );
    body.push_str(&chart(
        memory,
        &memory.work_unit,
        |point| point.at_boundary.then_some(point.work_done),
        &format!("Memory over completed {}", memory.work_unit),
    ));
    body.push_str("</section>\n");
    body
}

fn verdict_text(memory: &MemoryOverRun) -> String {
    match &memory.leak {
        Some(verdict) => format!("{verdict} — {}", memory.leak_note),
        None => format!("not available: {}", memory.leak_note),
    }
}

/// One line chart: x from `x_of` (points without an x are left out), y from 0 to the largest
/// reading, a polyline per series with a tooltip naming it.
fn chart(
    memory: &MemoryOverRun,
    x_label: &str,
    x_of: impl Fn(&SeriesPoint) -> Option<f64>,
    title: &str,
) -> String {
    let plotted: Vec<(&MemorySeries, Vec<(f64, f64)>)> = memory
        .series
        .iter()
        .map(|series| {
            let points = series
                .points
                .iter()
                .filter_map(|point| Some((x_of(point)?, point.value)))
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            (series, points)
        })
        .collect();
    let all = plotted.iter().flat_map(|(_, points)| points.iter());
    let x_high = all.clone().map(|(x, _)| *x).fold(0.0, f64::max);
    let x_low = all.clone().map(|(x, _)| *x).fold(x_high, f64::min);
    let y_high = all.map(|(_, y)| *y).fold(0.0, f64::max);
    let area = WIDTH - LEFT - RIGHT;
    let plot = HEIGHT - TOP - AXIS;
    let x = |value: f64| match x_high > x_low {
        true => LEFT + (value - x_low) / (x_high - x_low) * area,
        false => LEFT + area / 2.0,
    };
    let y = |value: f64| match y_high > 0.0 {
        true => TOP + plot - value.max(0.0) / y_high * plot,
        false => TOP + plot,
    };
    let mut svg = format!(
        "<svg class=\"memory-chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(title)
    );
    let unit = memory
        .series
        .first()
        .map_or(String::new(), |series| series.unit.clone());
    for fraction in [0.0, 0.5, 1.0] {
        let value = y_high * fraction;
        let (line_y, right, label_x, label_y) =
            (y(value), WIDTH - RIGHT, LEFT - 6.0, y(value) + 4.0);
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{right:.1}\" y1=\"{line_y:.1}\" y2=\"{line_y:.1}\" /><text x=\"{label_x:.1}\" y=\"{label_y:.1}\" text-anchor=\"end\">{}</text>",
            escape(&format!("{value:.0} {unit}"))
        );
    }
    let axis_y = TOP + plot;
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{axis_y:.1}\" y2=\"{axis_y:.1}\" /><text x=\"{LEFT}\" y=\"{:.1}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        WIDTH - RIGHT,
        axis_y + 18.0,
        escape(&format!("{} {x_label}", trim(x_low))),
        WIDTH - RIGHT,
        axis_y + 18.0,
        escape(&format!("{} {x_label}", trim(x_high)))
    );
    for (index, (series, points)) in plotted.iter().enumerate() {
        if points.is_empty() {
            continue;
        }
        let coordinates: Vec<String> = points
            .iter()
            .map(|(px, py)| format!("{:.1},{:.1}", x(*px), y(*py)))
            .collect();
        let last = points.last().map_or(0.0, |(_, value)| *value);
        let _ = write!(
            svg,
            "<polyline class=\"memory-line\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            COLOURS[index % COLOURS.len()],
            coordinates.join(" "),
            escape(&format!(
                "{}: {} readings, last {last:.1} {}",
                series.name,
                points.len(),
                series.unit
            ))
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// `12` for whole numbers, `12.5` otherwise.
fn trim(value: f64) -> String {
    match value.fract() == 0.0 {
        true => format!("{value:.0}"),
        false => format!("{value:.1}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soak::{SeriesVerdict, Trend, leak_verdict};

    fn series(name: &str, values: &[(f64, f64, bool, f64)]) -> MemorySeries {
        MemorySeries {
            name: name.into(),
            unit: "MiB".into(),
            points: values
                .iter()
                .map(|&(at_seconds, work_done, at_boundary, value)| SeriesPoint {
                    at_seconds,
                    work_done,
                    at_boundary,
                    value,
                })
                .collect(),
        }
    }

    fn polylines(html: &str) -> Vec<&str> {
        html.split("points=\"")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
            .collect()
    }

    #[test]
    fn each_series_is_a_line_over_time_and_over_work_with_the_verdict() {
        let memory = MemoryOverRun {
            work_unit: "tracks".into(),
            series: vec![
                series(
                    "browser (total)",
                    &[
                        (0.0, 0.0, false, 100.0),
                        (1.0, 1.0, true, 200.0),
                        (2.0, 1.0, false, 250.0),
                        (3.0, 2.0, true, 300.0),
                    ],
                ),
                series(
                    "automator",
                    &[(0.0, 0.0, false, 10.0), (3.0, 2.0, true, 12.0)],
                ),
            ],
            leak: Some(leak_verdict(Trend {
                slope: 100.0,
                low: 50.0,
                high: 150.0,
                points: 6,
            })),
            leak_note: "browser tree over completed tracks".into(),
            series_verdicts: Vec::new(),
        };
        let html = memory_over_run(&memory);
        assert!(html.contains(
            "Leak verdict: grows 100.0 MB per 100 tracks (95% CI 50.0 to 150.0) — browser tree over completed tracks"
        ));
        let lines = polylines(&html);
        // Over time: every reading; over work: boundary readings only.
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].split(' ').count(), 4);
        assert_eq!(lines[1].split(' ').count(), 2);
        assert_eq!(lines[2].split(' ').count(), 2);
        assert_eq!(lines[3].split(' ').count(), 1);
        // The largest reading sits at the top of the plot, time zero at the left edge.
        assert_eq!(lines[0].split(' ').next(), Some("64.0,154.7"));
        assert!(lines[0].ends_with("984.0,12.0"), "{}", lines[0]);
    }

    #[test]
    fn further_series_get_their_own_verdicts_under_the_main_one() {
        let memory = MemoryOverRun {
            work_unit: "tracks".into(),
            series: vec![
                series("browser (total)", &[(0.0, 1.0, true, 300.0)]),
                series("browser: session 1", &[(0.0, 1.0, true, 150.0)]),
                series("browser: session 2", &[(0.0, 1.0, true, 150.0)]),
            ],
            leak: None,
            leak_note: "too few points".into(),
            series_verdicts: vec![
                SeriesVerdict {
                    series: "browser: session 1".into(),
                    leak: Some(leak_verdict(Trend {
                        slope: 1.0,
                        low: -2.0,
                        high: 4.0,
                        points: 8,
                    })),
                    note: "over its own 10 tracks".into(),
                },
                SeriesVerdict {
                    series: "browser: session 2".into(),
                    leak: Some(leak_verdict(Trend {
                        slope: 900.0,
                        low: 800.0,
                        high: 1000.0,
                        points: 8,
                    })),
                    note: "over its own 10 tracks".into(),
                },
            ],
        };
        let html = memory_over_run(&memory);
        assert!(html.contains(
            "<ul class=\"series-verdicts\"><li>browser: session 1: no growth detected (≤ 4.0 MB per 100 tracks) — over its own 10 tracks</li><li class=\"failed\">browser: session 2: grows 900.0 MB per 100 tracks (95% CI 800.0 to 1000.0) — over its own 10 tracks</li></ul>"
        ), "{html}");
        // One line per series in each chart.
        assert_eq!(polylines(&html).len(), 6);
    }

    #[test]
    fn no_readings_draw_nothing() {
        let memory = MemoryOverRun {
            work_unit: "tracks".into(),
            series: vec![series("browser (total)", &[])],
            leak: None,
            leak_note: "too few points".into(),
            series_verdicts: Vec::new(),
        };
        assert_eq!(memory_over_run(&memory), "");
    }
}
