//! Run duration against run index, coloured by arm: drift (a warming cache, a slowing
//! server) shows as a slope shared by both arms, an outlier as one point off its line. The
//! A B B A order spreads drift over both arms; this chart shows whether there was any.

use std::fmt::Write;

use super::escape::escape;
use super::svg::{WIDTH, finite, open, value_grid};
use crate::abtest::Arm;

const LEFT: f64 = 70.0;
const RIGHT: f64 = WIDTH - 20.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 210.0;

/// The chart (class `run-order`) for `runs` in the order they ran, each with its arm and
/// duration in seconds; `names` are the arms' labels for the tooltips and the legend line.
pub(crate) fn run_order_chart(
    runs: &[(Arm, f64)],
    names: [&str; 2],
    format: &dyn Fn(f64) -> String,
) -> String {
    let values: Vec<f64> = runs.iter().map(|(_, seconds)| finite(*seconds)).collect();
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(low, high), value| {
            (low.min(*value), high.max(*value))
        });
    let (min, max) = if min.is_finite() {
        (min, max)
    } else {
        (0.0, 1.0)
    };
    let pad = ((max - min) * 0.15).max(max * 0.02).max(1e-9);
    let (axis_low, axis_high) = ((min - pad).max(0.0), max + pad);
    let count = runs.len().max(1) as f64;
    let x = |index: usize| {
        if runs.len() <= 1 {
            (LEFT + RIGHT) / 2.0
        } else {
            LEFT + 20.0 + index as f64 / (count - 1.0) * (RIGHT - LEFT - 40.0)
        }
    };
    let y = |value: f64| BOTTOM - (value - axis_low) / (axis_high - axis_low) * (BOTTOM - TOP);
    let mut svg = open(BOTTOM + 44.0, "Run duration by run order");
    svg = svg.replacen("<svg ", "<svg class=\"run-order\" ", 1);
    value_grid(&mut svg, (axis_low, axis_high), (LEFT, RIGHT), &y, format);
    for (index, _) in runs.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x(index),
            BOTTOM + 16.0,
            index + 1
        );
    }
    for arm in [Arm::A, Arm::B] {
        let points: Vec<String> = runs
            .iter()
            .enumerate()
            .filter(|(_, (run_arm, _))| *run_arm == arm)
            .map(|(index, (_, seconds))| format!("{:.1},{:.1}", x(index), y(finite(*seconds))))
            .collect();
        if points.len() > 1 {
            let _ = write!(
                svg,
                "<polyline class=\"trend {}\" points=\"{}\"/>",
                class(arm),
                points.join(" ")
            );
        }
    }
    for (index, (arm, seconds)) in runs.iter().enumerate() {
        let name = names[usize::from(*arm == Arm::B)];
        let _ = write!(
            svg,
            "<circle class=\"dot run {}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"6\"><title>{}</title></circle>",
            class(*arm),
            x(index),
            y(finite(*seconds)),
            escape(&format!(
                "run {} · {} ({arm:?}): {}",
                index + 1,
                name,
                format(*seconds)
            ))
        );
    }
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{BOTTOM}\" x2=\"{RIGHT}\" y2=\"{BOTTOM}\"/><line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{BOTTOM}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">run, in the order they ran (measured runs; warm-ups not shown)</text></svg>",
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 36.0
    );
    svg
}

fn class(arm: Arm) -> &'static str {
    match arm {
        Arm::A => "a",
        Arm::B => "b",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_point_per_run_in_order_and_a_line_per_arm() {
        let runs = [(Arm::A, 10.0), (Arm::B, 8.0), (Arm::B, 8.2), (Arm::A, 10.4)];
        let svg = run_order_chart(&runs, ["current", "solo_only"], &|value| {
            format!("{value:.1} s")
        });
        assert_eq!(svg.matches("<circle class=\"dot run a\"").count(), 2);
        assert_eq!(svg.matches("<circle class=\"dot run b\"").count(), 2);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("run 2 · solo_only (B): 8.0 s"));
        let first = svg.find("run 1 · current").unwrap();
        let fourth = svg.find("run 4 · current").unwrap();
        assert!(first < fourth);
    }

    #[test]
    fn no_runs_still_give_a_well_formed_chart() {
        let svg = run_order_chart(&[], ["a", "b"], &|value| format!("{value}"));
        assert!(svg.ends_with("</svg>") && !svg.contains("NaN") && !svg.contains("inf"));
    }
}
