//! "Where the time moved" as a chart: per key the change of *self* time per run (B − A) as a
//! bar left (faster) or right (slower) of zero, with its interval as a whisker. Self time is
//! the time a span spent outside its profiled children, so a parent such as `automation.run`
//! shows only its own time and no second is drawn twice. Key names wrap, never cut.

use std::fmt::Write;

use super::escape::escape;
use super::svg::{WIDTH, finite, open};
use super::wrapped_label::{LINE_HEIGHT, line_count, wrapped_text};

const LABEL_WIDTH: f64 = 330.0;
/// Characters per label line at 12 px in the label column.
const LABEL_CHARS: usize = 44;
const VALUE_WIDTH: f64 = 190.0;
const ROW: f64 = 26.0;
const TOP: f64 = 8.0;

/// One key's change of self time per run, seconds.
pub(crate) struct MovedKey {
    pub key: String,
    pub delta: f64,
    /// The interval of `delta`, when the key was testable.
    pub interval: Option<(f64, f64)>,
    /// Whether the change is real after the correction for many keys (drawn solid).
    pub moved: bool,
    /// Printed beside the bar.
    pub text: String,
}

/// The chart (class `moved`).
pub(crate) fn moved_bars(rows: &[MovedKey]) -> String {
    let heights: Vec<f64> = rows
        .iter()
        .map(|row| ROW.max(LINE_HEIGHT * line_count(&row.key, LABEL_CHARS) as f64 + 10.0))
        .collect();
    let height = TOP * 2.0 + heights.iter().sum::<f64>();
    let area = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let zero = LABEL_WIDTH + area / 2.0;
    let max = rows
        .iter()
        .flat_map(|row| {
            let (low, high) = row.interval.unwrap_or((row.delta, row.delta));
            [row.delta, low, high]
        })
        .map(|value| finite(value).abs())
        .fold(0.0, f64::max);
    let scale = |value: f64| {
        if max > 0.0 {
            finite(value) / max * (area / 2.0 - 4.0)
        } else {
            0.0
        }
    };
    let mut svg = open(height, "Change of self time per run by key");
    svg = svg.replacen("<svg ", "<svg class=\"moved\" ", 1);
    let mut top = TOP;
    for (row, row_height) in rows.iter().zip(&heights) {
        let middle = top + row_height / 2.0;
        let length = scale(row.delta).abs().max(1.0);
        let (x, direction) = if finite(row.delta) < 0.0 {
            (zero - length, "faster")
        } else {
            (zero, "slower")
        };
        let certainty = if row.moved { "" } else { " unsure" };
        svg.push_str(&wrapped_text(
            &row.key,
            LABEL_CHARS,
            LABEL_WIDTH - 8.0,
            middle,
            "end",
        ));
        let _ = write!(
            svg,
            "<rect class=\"bar {direction}{certainty}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{length:.1}\" height=\"{:.1}\"><title>{}: {}</title></rect>",
            middle - 9.0,
            18.0,
            escape(&row.key),
            escape(&row.text)
        );
        if let Some((low, high)) = row.interval {
            let _ = write!(
                svg,
                "<line class=\"whisker ci\" x1=\"{:.1}\" y1=\"{middle:.1}\" x2=\"{:.1}\" y2=\"{middle:.1}\"/>",
                zero + scale(low),
                zero + scale(high)
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            WIDTH - VALUE_WIDTH + 8.0,
            middle + 4.0,
            escape(&row.text)
        );
        top += row_height;
    }
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{zero:.1}\" y1=\"{TOP}\" x2=\"{zero:.1}\" y2=\"{:.1}\"/></svg>",
        height - TOP
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, delta: f64, moved: bool) -> MovedKey {
        MovedKey {
            key: name.to_string(),
            delta,
            interval: Some((delta - 0.5, delta + 0.5)),
            moved,
            text: format!("{delta:+.1} s"),
        }
    }

    #[test]
    fn bars_point_the_way_of_the_change_and_long_names_get_more_room() {
        let svg = moved_bars(&[
            key("track_management.finalize_solo_activation", -14.0, true),
            key("download_management.wait", 0.2, false),
        ]);
        assert_eq!(svg.matches("class=\"bar faster\"").count(), 1);
        assert_eq!(svg.matches("class=\"bar slower unsure\"").count(), 1);
        assert_eq!(svg.matches("class=\"whisker ci\"").count(), 2);
        assert!(svg.contains("finalize_solo_activation"));
        assert!(!svg.contains('…'));
    }
}
