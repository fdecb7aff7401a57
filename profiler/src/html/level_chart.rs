//! A measure per concurrency level (throughput, speedup) with its interval, beside the
//! ideal of perfect scaling and the knee: where the measured line leaves the ideal one is
//! what a scaling study is about. Levels sit evenly spaced (1, 2, 4, 8 doubles per step).

use std::fmt::Write;

use super::escape::escape;
use super::svg::{WIDTH, finite, open, value_grid};
use crate::stats::ConfidenceInterval;

const LEFT: f64 = 70.0;
const RIGHT: f64 = WIDTH - 30.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 230.0;

/// One level's point: its concurrency and the estimate with its interval.
pub(crate) struct LevelPoint {
    pub concurrency: usize,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// Perfect scaling at this level, drawn dashed; `None` draws no ideal point.
    pub ideal: Option<f64>,
}

impl LevelPoint {
    /// The point of `interval` at `concurrency`, with perfect scaling at `ideal`.
    pub(crate) fn of(concurrency: usize, interval: &ConfidenceInterval, ideal: f64) -> LevelPoint {
        LevelPoint {
            concurrency,
            estimate: interval.estimate,
            low: interval.low,
            high: interval.high,
            ideal: Some(ideal),
        }
    }
}

/// The chart (class `levels` and `extra_class`), `format` printing values on the axis and
/// in tooltips; `knee` is the knee's concurrency, marked with a vertical line.
pub(crate) fn level_chart(
    points: &[LevelPoint],
    knee: Option<usize>,
    format: &dyn Fn(f64) -> String,
    title: &str,
    extra_class: &str,
) -> String {
    let high = points
        .iter()
        .flat_map(|point| [point.high, point.estimate, point.ideal.unwrap_or(0.0)])
        .map(finite)
        .fold(0.0, f64::max);
    let axis_high = if high > 0.0 { high * 1.1 } else { 1.0 };
    let count = points.len().max(1) as f64;
    let x = |index: usize| {
        if points.len() <= 1 {
            (LEFT + RIGHT) / 2.0
        } else {
            LEFT + 30.0 + index as f64 / (count - 1.0) * (RIGHT - LEFT - 60.0)
        }
    };
    let y = |value: f64| BOTTOM - finite(value).max(0.0) / axis_high * (BOTTOM - TOP);
    let mut svg = open(BOTTOM + 44.0, title).replacen(
        "<svg ",
        &format!("<svg class=\"levels {extra_class}\" "),
        1,
    );
    value_grid(&mut svg, (0.0, axis_high), (LEFT, RIGHT), &y, format);
    if let Some(index) = knee.and_then(|knee| points.iter().position(|p| p.concurrency == knee)) {
        let _ = write!(
            svg,
            "<line class=\"knee\" x1=\"{0:.1}\" y1=\"{TOP}\" x2=\"{0:.1}\" y2=\"{BOTTOM}\"/><text x=\"{1:.1}\" y=\"{2:.1}\">knee</text>",
            x(index),
            x(index) + 6.0,
            TOP + 12.0
        );
    }
    let ideal: Vec<String> = points
        .iter()
        .enumerate()
        .filter_map(|(index, point)| {
            point
                .ideal
                .map(|ideal| format!("{:.1},{:.1}", x(index), y(ideal)))
        })
        .collect();
    if ideal.len() > 1 {
        let _ = write!(
            svg,
            "<polyline class=\"line ideal\" points=\"{}\"><title>perfect scaling</title></polyline>",
            ideal.join(" ")
        );
    }
    let measured: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(index, point)| format!("{:.1},{:.1}", x(index), y(point.estimate)))
        .collect();
    if measured.len() > 1 {
        let _ = write!(
            svg,
            "<polyline class=\"line {extra_class}\" points=\"{}\"/>",
            measured.join(" ")
        );
    }
    for (index, point) in points.iter().enumerate() {
        let tip = format!(
            "{} at {}: {} ({}–{})",
            title,
            point.concurrency,
            format(point.estimate),
            format(point.low),
            format(point.high)
        );
        let _ = write!(
            svg,
            "<line class=\"whisker\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\"/><circle class=\"dot level\" cx=\"{0:.1}\" cy=\"{3:.1}\" r=\"6\"><title>{4}</title></circle><text x=\"{0:.1}\" y=\"{5:.1}\" text-anchor=\"middle\">{6}</text>",
            x(index),
            y(point.low),
            y(point.high),
            y(point.estimate),
            escape(&tip),
            BOTTOM + 16.0,
            point.concurrency
        );
    }
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{BOTTOM}\" x2=\"{RIGHT}\" y2=\"{BOTTOM}\"/><line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{BOTTOM}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">concurrency (sessions)</text></svg>",
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 36.0
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_per_level_the_ideal_line_and_the_knee() {
        let points: Vec<LevelPoint> = [(1, 1.0), (2, 1.9), (4, 2.6), (8, 2.7)]
            .into_iter()
            .map(|(concurrency, estimate)| LevelPoint {
                concurrency,
                estimate,
                low: estimate * 0.95,
                high: estimate * 1.05,
                ideal: Some(concurrency as f64),
            })
            .collect();
        let svg = level_chart(
            &points,
            Some(4),
            &|value| format!("{value:.1}x"),
            "speedup",
            "speedup",
        );
        assert_eq!(svg.matches("<circle class=\"dot level\"").count(), 4);
        assert_eq!(svg.matches("class=\"line ideal\"").count(), 1);
        assert_eq!(svg.matches("class=\"knee\"").count(), 1);
        assert!(svg.contains("speedup at 4: 2.6x (2.5x–2.7x)"));
        let empty = level_chart(&[], None, &|value| format!("{value}"), "t", "");
        assert!(empty.ends_with("</svg>") && !empty.contains("NaN"));
    }
}
