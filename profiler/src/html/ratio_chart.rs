//! The A/B effect on one axis in one direction: the B/A time ratio with its interval, the
//! "no difference" line at 1, the equivalence margin as a band, and which side means what
//! written on the chart, so "0.74x" cannot be misread against a headline of "1.35x faster".

use std::fmt::Write;

use super::escape::escape;
use super::svg::{WIDTH, finite, nice_ticks, open};

/// What [`ratio_chart`] draws: the B/A ratio of time per unit with its interval.
pub(crate) struct RatioChart<'a> {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// Relative equivalence margin (0.05 draws a band from 1/1.05 to 1.05).
    pub margin: f64,
    pub a_name: &'a str,
    pub b_name: &'a str,
}

/// The chart as inline SVG (class `ratio`).
pub(crate) fn ratio_chart(chart: &RatioChart<'_>) -> String {
    let (estimate, low, high) = (
        finite(chart.estimate),
        finite(chart.low),
        finite(chart.high),
    );
    let band = (
        1.0 / (1.0 + chart.margin.max(0.0)),
        1.0 + chart.margin.max(0.0),
    );
    let lo = low.min(estimate).min(band.0);
    let hi = high.max(estimate).max(band.1);
    let pad = ((hi - lo) * 0.15).max(0.05);
    let (axis_low, axis_high) = ((lo - pad).max(0.0), hi + pad);
    let (left, right) = (40.0, WIDTH - 40.0);
    let x = |value: f64| left + (value - axis_low) / (axis_high - axis_low) * (right - left);
    let y = 62.0;
    let mut svg = open(
        130.0,
        &format!("B/A time ratio, {} / {}", chart.b_name, chart.a_name),
    );
    svg = svg.replacen("<svg ", "<svg class=\"ratio\" ", 1);
    let _ = write!(
        svg,
        "<rect class=\"margin\" x=\"{:.1}\" y=\"36\" width=\"{:.1}\" height=\"52\"><title>equivalence margin {:.3}–{:.3}</title></rect>",
        x(band.0),
        (x(band.1) - x(band.0)).max(1.0),
        band.0,
        band.1
    );
    for tick in nice_ticks(axis_low, axis_high) {
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{0:.1}\" y1=\"36\" x2=\"{0:.1}\" y2=\"90\"/><text x=\"{0:.1}\" y=\"106\" text-anchor=\"middle\">{1}</text>",
            x(tick),
            escape(&format!("{tick:.2}x"))
        );
    }
    let one = x(1.0);
    let _ = write!(
        svg,
        "<line class=\"reference\" x1=\"{one:.1}\" y1=\"30\" x2=\"{one:.1}\" y2=\"94\"/><text class=\"side faster\" x=\"{:.1}\" y=\"20\" text-anchor=\"end\">{}</text><text class=\"side slower\" x=\"{:.1}\" y=\"20\">{}</text>",
        one - 8.0,
        escape(&format!("← below 1: B ({}) faster", chart.b_name)),
        one + 8.0,
        escape(&format!("above 1: B ({}) slower →", chart.b_name)),
    );
    let _ = write!(
        svg,
        "<line class=\"whisker\" x1=\"{1:.1}\" y1=\"{y}\" x2=\"{2:.1}\" y2=\"{y}\"/><line class=\"whisker\" x1=\"{1:.1}\" y1=\"{3}\" x2=\"{1:.1}\" y2=\"{4}\"/><line class=\"whisker\" x1=\"{2:.1}\" y1=\"{3}\" x2=\"{2:.1}\" y2=\"{4}\"/><circle class=\"dot estimate\" cx=\"{0:.1}\" cy=\"{y}\" r=\"7\"><title>{5}</title></circle><text class=\"estimate-label\" x=\"{0:.1}\" y=\"{6}\" text-anchor=\"middle\">{5}</text><text x=\"{7:.1}\" y=\"124\" text-anchor=\"middle\">{8}</text></svg>",
        x(estimate),
        x(low),
        x(high),
        y - 8.0,
        y + 8.0,
        escape(&format!("{estimate:.2}x ({low:.2}–{high:.2})")),
        y - 12.0,
        (left + right) / 2.0,
        escape(&format!(
            "B/A time ratio: {} / {}",
            chart.b_name, chart.a_name
        )),
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_says_which_side_is_faster_and_shows_the_margin() {
        let svg = ratio_chart(&RatioChart {
            estimate: 0.74,
            low: 0.71,
            high: 0.77,
            margin: 0.05,
            a_name: "current",
            b_name: "solo_only",
        });
        assert!(svg.contains("below 1: B (solo_only) faster"));
        assert!(svg.contains("0.74x (0.71–0.77)"));
        assert_eq!(svg.matches("class=\"margin\"").count(), 1);
        assert!(!svg.contains("NaN"));
    }
}
