//! Inline SVG charts. Plain markup rather than a script library: the report needs no network,
//! prints, and a test can count what was drawn. Every value is guarded, so NaN or an empty
//! input gives an empty-but-valid chart instead of broken markup.

use std::fmt::Write;

use super::escape::escape;

pub(crate) const WIDTH: f64 = 1000.0;
const LABEL_WIDTH: f64 = 300.0;
const VALUE_WIDTH: f64 = 210.0;
const ROW: f64 = 26.0;
const TOP: f64 = 8.0;
const AXIS_SPACE: f64 = 28.0;

pub(crate) fn finite(value: f64) -> f64 {
    if value.is_finite() { value } else { 0.0 }
}

/// Shortens long labels so they fit the label column; the full text stays in a tooltip.
fn label(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let shown: String = if chars.len() > 40 {
        let tail: String = chars[chars.len() - 39..].iter().collect();
        format!("…{tail}")
    } else {
        text.to_string()
    };
    format!("<title>{}</title>{}", escape(text), escape(&shown))
}

pub(crate) fn open(height: f64, title: &str) -> String {
    format!(
        "<svg viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(title)
    )
}

/// One bar: its label, its value (the bar's length) and the text printed beside it.
pub(crate) struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
    /// Extra CSS class (`b`, `slower`, `faster`), empty for the default colour.
    pub class: &'static str,
}

/// Horizontal bars from a common zero, longest = widest.
pub(crate) fn bars(rows: &[Bar], title: &str) -> String {
    let height = TOP * 2.0 + ROW * rows.len() as f64;
    let area = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let max = rows.iter().map(|row| finite(row.value)).fold(0.0, f64::max);
    let mut svg = open(height, title);
    for (index, row) in rows.iter().enumerate() {
        let y = TOP + ROW * index as f64;
        let value = finite(row.value).max(0.0);
        let length = if max > 0.0 {
            (value / max * area).max(if value > 0.0 { 1.0 } else { 0.0 })
        } else {
            0.0
        };
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect class=\"bar {}\" x=\"{LABEL_WIDTH}\" y=\"{:.1}\" width=\"{length:.1}\" height=\"{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            LABEL_WIDTH - 8.0,
            y + ROW * 0.65,
            label(&row.label),
            row.class,
            y + 4.0,
            ROW - 8.0,
            LABEL_WIDTH + length + 6.0,
            y + ROW * 0.65,
            escape(&row.text)
        );
    }
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LABEL_WIDTH}\" y1=\"{TOP}\" x2=\"{LABEL_WIDTH}\" y2=\"{:.1}\"/></svg>",
        height - TOP
    );
    svg
}

/// One key's distribution for [`percentiles`], nanoseconds.
pub(crate) struct Spread {
    pub label: String,
    pub min: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub text: String,
}

/// A power of ten of nanoseconds as a short axis label: `100 ns`, `1 µs`, `10 ms`, `1000 s`.
fn decade_label(nanoseconds: f64) -> String {
    let (scale, unit) = if nanoseconds >= 1e9 {
        (1e9, "s")
    } else if nanoseconds >= 1e6 {
        (1e6, "ms")
    } else if nanoseconds >= 1e3 {
        (1e3, "µs")
    } else {
        (1.0, "ns")
    };
    format!("{} {unit}", (nanoseconds / scale).round())
}

/// Per-key distributions (nanoseconds) on a shared logarithmic axis, since keys differ by
/// orders of magnitude: a line from min to max, a box from median to p95, a tick at p99, a
/// bold median.
pub(crate) fn percentiles(rows: &[Spread], title: &str) -> String {
    let height = TOP + ROW * rows.len() as f64 + AXIS_SPACE;
    let area = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let positive = |value: f64| finite(value).max(1.0);
    let low = rows
        .iter()
        .map(|row| positive(row.min))
        .fold(f64::INFINITY, f64::min);
    let high = rows.iter().map(|row| positive(row.max)).fold(1.0, f64::max);
    let (low_decade, high_decade) = if low.is_finite() {
        (
            low.log10().floor(),
            high.log10().ceil().max(low.log10().floor() + 1.0),
        )
    } else {
        (0.0, 1.0)
    };
    let x = |value: f64| {
        LABEL_WIDTH + (positive(value).log10() - low_decade) / (high_decade - low_decade) * area
    };
    let mut svg = open(height, title);
    let axis_y = TOP + ROW * rows.len() as f64;
    let mut decade = low_decade;
    while decade <= high_decade {
        let tick = x(10f64.powf(decade));
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{tick:.1}\" y1=\"{TOP}\" x2=\"{tick:.1}\" y2=\"{axis_y:.1}\"/><text x=\"{tick:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            axis_y + 16.0,
            escape(&decade_label(10f64.powf(decade)))
        );
        decade += 1.0;
    }
    for (index, row) in rows.iter().enumerate() {
        let y = TOP + ROW * index as f64;
        let middle = y + ROW / 2.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><line class=\"range\" x1=\"{:.1}\" y1=\"{middle:.1}\" x2=\"{:.1}\" y2=\"{middle:.1}\"/><rect class=\"box\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/><line class=\"range\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/><line class=\"median\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            LABEL_WIDTH - 8.0,
            y + ROW * 0.65,
            label(&row.label),
            x(row.min),
            x(row.max),
            x(row.p50),
            y + 5.0,
            (x(row.p95) - x(row.p50)).max(2.0),
            ROW - 10.0,
            x(row.p99),
            y + 4.0,
            x(row.p99),
            y + ROW - 4.0,
            x(row.p50),
            y + 3.0,
            x(row.p50),
            y + ROW - 3.0,
            WIDTH - VALUE_WIDTH + 8.0,
            y + ROW * 0.65,
            escape(&row.text)
        );
    }
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LABEL_WIDTH}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\"/></svg>",
        WIDTH - VALUE_WIDTH
    );
    svg
}

/// Ticks for a linear axis from `low` to `high`: steps of 1, 2 or 5 × 10ⁿ, about five.
pub(crate) fn nice_ticks(low: f64, high: f64) -> Vec<f64> {
    let span = (high - low).max(f64::MIN_POSITIVE);
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (low / step).ceil();
    (0..20)
        .map(|index| (first + index as f64) * step)
        .take_while(|tick| *tick <= high + step * 1e-9)
        .collect()
}

/// Horizontal grid lines from `left` to `right` for a vertical value axis from `low` to
/// `high`: one per [`nice_ticks`] tick at height `y(tick)`, labelled `format(tick)` just left
/// of `left`.
pub(crate) fn value_grid(
    svg: &mut String,
    (low, high): (f64, f64),
    (left, right): (f64, f64),
    y: &dyn Fn(f64) -> f64,
    format: &dyn Fn(f64) -> String,
) {
    for tick in nice_ticks(low, high) {
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{left}\" y1=\"{0:.1}\" x2=\"{right}\" y2=\"{0:.1}\"/><text x=\"{1:.1}\" y=\"{2:.1}\" text-anchor=\"end\">{3}</text>",
            y(tick),
            left - 6.0,
            y(tick) + 4.0,
            escape(&format(tick))
        );
    }
}

/// One row of dots per group (e.g. each run's time per track, per arm), with the median
/// marked, on a linear axis from zero.
pub(crate) fn dots(
    groups: &[(String, &'static str, Vec<f64>)],
    format: &dyn Fn(f64) -> String,
    title: &str,
) -> String {
    let row = 40.0;
    let height = TOP + row * groups.len() as f64 + AXIS_SPACE;
    let area = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let max = groups
        .iter()
        .flat_map(|(_, _, values)| values.iter().copied().map(finite))
        .fold(0.0, f64::max);
    let axis_high = if max > 0.0 { max * 1.1 } else { 1.0 };
    let x = |value: f64| LABEL_WIDTH + finite(value).max(0.0) / axis_high * area;
    let axis_y = TOP + row * groups.len() as f64;
    let mut svg = open(height, title);
    for tick in nice_ticks(0.0, axis_high) {
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{0:.1}\" y1=\"{TOP}\" x2=\"{0:.1}\" y2=\"{axis_y:.1}\"/><text x=\"{0:.1}\" y=\"{1:.1}\" text-anchor=\"middle\">{2}</text>",
            x(tick),
            axis_y + 16.0,
            escape(&format(tick))
        );
    }
    for (index, (name, class, values)) in groups.iter().enumerate() {
        let middle = TOP + row * index as f64 + row / 2.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL_WIDTH - 8.0,
            middle + 4.0,
            label(name)
        );
        for (order, value) in values.iter().enumerate() {
            // A small vertical jitter by run order keeps equal values visible.
            let jitter = ((order % 5) as f64 - 2.0) * 3.0;
            let _ = write!(
                svg,
                "<circle class=\"dot {class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\"><title>run {}: {}</title></circle>",
                x(*value),
                middle + jitter,
                order + 1,
                escape(&format(*value))
            );
        }
        if let Some(median) = crate::stats::median(values) {
            let _ = write!(
                svg,
                "<line class=\"median\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\"/><text x=\"{3:.1}\" y=\"{4:.1}\">median {5}</text>",
                x(median),
                middle - 14.0,
                middle + 14.0,
                WIDTH - VALUE_WIDTH + 8.0,
                middle + 4.0,
                escape(&format(median))
            );
        }
    }
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LABEL_WIDTH}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\"/></svg>",
        WIDTH - VALUE_WIDTH
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_covering_the_range() {
        let unit = nice_ticks(0.0, 1.0);
        assert_eq!(unit.len(), 6);
        assert!((unit[5] - 1.0).abs() < 1e-12 && (unit[1] - 0.2).abs() < 1e-12);
        assert_eq!(nice_ticks(0.0, 53.0), vec![0.0, 20.0, 40.0]);
        let ratio = nice_ticks(0.85, 1.3);
        assert_eq!(ratio.len(), 5);
        assert!((ratio[0] - 0.9).abs() < 1e-12 && (ratio[4] - 1.3).abs() < 1e-12);
    }

    #[test]
    fn decades_get_short_labels() {
        assert_eq!(decade_label(100.0), "100 ns");
        assert_eq!(decade_label(1e4), "10 µs");
        assert_eq!(decade_label(1e6), "1 ms");
        assert_eq!(decade_label(1e12), "1000 s");
    }

    #[test]
    fn bad_numbers_still_give_well_formed_charts() {
        let svg = bars(
            &[Bar {
                label: "<k>".into(),
                value: f64::NAN,
                text: "x".into(),
                class: "",
            }],
            "t",
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("NaN") && !svg.contains("<k>"));
        let empty = percentiles(&[], "t");
        assert!(empty.ends_with("</svg>") && !empty.contains("NaN") && !empty.contains("inf"));
    }
}
