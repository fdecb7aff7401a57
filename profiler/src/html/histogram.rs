//! Per-key latency histograms from the HDR buckets in the profile, re-binned on a logarithmic
//! axis (calls of one key often span orders of magnitude), with the median and p95 marked.

use std::fmt::Write;

use super::escape::escape;
use crate::profile::KeyStats;
use crate::stats::format_duration_ns;

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
/// Room above the bars for the two marker labels (p50 on the first row, p95 on the second).
const TOP: f64 = 34.0;
const AXIS: f64 = 26.0;
/// Bins across the key's range: enough to show shape, few enough to stay readable.
const BINS: usize = 30;

/// One bin of a re-binned histogram: `[from_ns, to_ns)` and how many calls fell in it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bin {
    pub from_ns: f64,
    pub to_ns: f64,
    pub count: u64,
}

/// Re-bins HDR `(value, count)` buckets into [`BINS`] equal steps of log(duration) between the
/// smallest and largest recorded value. One distinct value gives one bin.
pub(crate) fn rebin(buckets: &[(u64, u64)]) -> Vec<Bin> {
    let values = buckets.iter().filter(|(_, count)| *count > 0);
    let low = values.clone().map(|(value, _)| (*value).max(1)).min();
    let high = values.clone().map(|(value, _)| (*value).max(1)).max();
    let (Some(low), Some(high)) = (low, high) else {
        return Vec::new();
    };
    if low == high {
        let total = values.map(|(_, count)| count).sum();
        return vec![Bin {
            from_ns: low as f64,
            to_ns: high as f64,
            count: total,
        }];
    }
    let (log_low, log_high) = ((low as f64).ln(), (high as f64).ln());
    let step = (log_high - log_low) / BINS as f64;
    let mut bins: Vec<Bin> = (0..BINS)
        .map(|index| Bin {
            from_ns: (log_low + step * index as f64).exp(),
            to_ns: (log_low + step * (index + 1) as f64).exp(),
            count: 0,
        })
        .collect();
    for (value, count) in values {
        // The epsilon keeps a value on a bin edge in the upper bin despite rounding.
        let position = (((*value).max(1) as f64).ln() - log_low) / step + 1e-9;
        let index = (position.floor().max(0.0) as usize).min(BINS - 1);
        bins[index].count += count;
    }
    bins
}

fn duration(nanoseconds: f64) -> String {
    format_duration_ns(nanoseconds)
}

/// One key's histogram as a small inline SVG (bars with a tooltip each, the median as a solid
/// line, p95 dashed, the range on the axis); `None` when the key has no buckets.
pub(crate) fn histogram(key: &KeyStats) -> Option<String> {
    let bins = rebin(&key.histogram.buckets);
    let most = bins
        .iter()
        .map(|bin| bin.count)
        .max()
        .filter(|most| *most > 0)?;
    let area = WIDTH - LEFT - RIGHT;
    let plot = HEIGHT - TOP - AXIS;
    let (low, high) = (bins[0].from_ns, bins[bins.len() - 1].to_ns);
    let x = |value: f64| {
        if high > low {
            LEFT + ((value.max(low).min(high)).ln() - low.ln()) / (high.ln() - low.ln()) * area
        } else {
            LEFT + area / 2.0
        }
    };
    let bar_width = area / bins.len() as f64;
    let mut svg = format!(
        "<svg class=\"histogram\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(&format!("Latency histogram of {}", key.key))
    );
    for (index, bin) in bins.iter().enumerate() {
        if bin.count == 0 {
            continue;
        }
        let height = (bin.count as f64 / most as f64 * plot).max(1.0);
        let left = if bins.len() == 1 {
            LEFT + area / 2.0 - 6.0
        } else {
            LEFT + bar_width * index as f64
        };
        let width = if bins.len() == 1 {
            12.0
        } else {
            (bar_width - 1.0).max(1.0)
        };
        let _ = write!(
            svg,
            "<rect class=\"hist-bar\" x=\"{left:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{height:.1}\"><title>{}</title></rect>",
            TOP + plot - height,
            escape(&format!(
                "{} – {}: {} call{}",
                duration(bin.from_ns),
                duration(bin.to_ns),
                bin.count,
                if bin.count == 1 { "" } else { "s" }
            ))
        );
    }
    let axis_y = TOP + plot;
    for (row, (value, class, name)) in [
        (key.p50_ns as f64, "median", "p50"),
        (key.p95_ns as f64, "reference", "p95"),
    ]
    .into_iter()
    .enumerate()
    {
        let position = x(value);
        // Labels read rightwards from their line, leftwards near the right edge.
        let (anchor, offset) = if position > WIDTH - 120.0 {
            ("end", -3.0)
        } else {
            ("start", 3.0)
        };
        let _ = write!(
            svg,
            "<line class=\"{class}\" x1=\"{position:.1}\" y1=\"{:.1}\" x2=\"{position:.1}\" y2=\"{axis_y:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{name} {}</text>",
            4.0 + 14.0 * row as f64,
            position + offset,
            13.0 + 14.0 * row as f64,
            escape(&duration(value))
        );
    }
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\"/><text x=\"{LEFT}\" y=\"{:.1}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text></svg>",
        WIDTH - RIGHT,
        axis_y + 18.0,
        escape(&duration(low)),
        WIDTH - RIGHT,
        axis_y + 18.0,
        escape(&duration(high))
    );
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebinning_keeps_every_call_and_spans_the_range_on_a_log_scale() {
        let buckets = [(1_000, 3), (10_000, 5), (100_000, 2), (1_000_000, 7)];
        let bins = rebin(&buckets);
        assert_eq!(bins.len(), BINS);
        assert_eq!(bins.iter().map(|bin| bin.count).sum::<u64>(), 17);
        assert!((bins[0].from_ns - 1_000.0).abs() < 1e-6);
        assert!((bins[BINS - 1].to_ns - 1_000_000.0).abs() < 1e-3);
        // Three decades in 30 bins: each decade starts a tenth of the way further.
        assert_eq!(bins[0].count, 3);
        assert_eq!(bins[10].count, 5);
        assert_eq!(bins[20].count, 2);
        assert_eq!(bins[BINS - 1].count, 7);
    }

    #[test]
    fn one_distinct_value_is_one_bin_and_no_buckets_no_chart() {
        assert_eq!(
            rebin(&[(5_000, 4)]),
            vec![Bin {
                from_ns: 5_000.0,
                to_ns: 5_000.0,
                count: 4
            }]
        );
        assert!(rebin(&[]).is_empty());
        assert!(rebin(&[(7, 0)]).is_empty());
    }
}
