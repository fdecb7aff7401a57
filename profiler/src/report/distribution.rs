//! The text report's latency distributions: per key, the HDR histogram as a one-line
//! sparkline on a logarithmic duration axis (the same bins as the HTML report's histograms),
//! so the shape — one hump, two, a long tail — shows in a terminal.

use std::fmt::Write;

use crate::html::histogram::rebin;
use crate::profile::{KeyStats, Profile};
use crate::stats::format_duration_ns;
use crate::text_table::{Align, TextTable};

/// Keys that get a sparkline, slowest by total time first.
const DISTRIBUTION_KEYS: usize = 12;
/// Bar heights, from one call (lowest non-empty) to the fullest bin.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One key's histogram as a sparkline: one character per bin, a space for an empty bin, the
/// height proportional to the bin's count; empty when the key has no recorded value.
pub fn sparkline(buckets: &[(u64, u64)]) -> String {
    let bins = rebin(buckets);
    let most = bins.iter().map(|bin| bin.count).max().unwrap_or(0);
    bins.iter()
        .map(|bin| match bin.count {
            0 => ' ',
            count => {
                let level = (count as f64 / most as f64 * LEVELS.len() as f64).ceil() as usize;
                LEVELS[level.clamp(1, LEVELS.len()) - 1]
            }
        })
        .collect()
}

/// The "Latency distributions" section of the text report.
pub fn render_text(profile: &Profile) -> String {
    let mut keys: Vec<&KeyStats> = profile
        .keys
        .iter()
        .filter(|stats| !stats.histogram.buckets.is_empty())
        .collect();
    if keys.is_empty() {
        return String::new();
    }
    keys.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.key.cmp(&b.key)));
    let title = "Latency distributions (calls per duration, log scale from min to max)";
    let mut out = format!("\n{title}\n{}\n", "-".repeat(title.chars().count()));
    let mut table = TextTable::new(&[
        ("Key", Align::Left),
        ("Calls", Align::Right),
        ("Min", Align::Right),
        ("Histogram", Align::Left),
        ("Max", Align::Right),
        ("p50", Align::Right),
        ("p90", Align::Right),
        ("p99", Align::Right),
    ]);
    for stats in keys.iter().take(DISTRIBUTION_KEYS) {
        table.row(vec![
            stats.key.clone(),
            stats.count.to_string(),
            format_duration_ns(stats.min_ns as f64),
            format!("|{}|", sparkline(&stats.histogram.buckets)),
            format_duration_ns(stats.max_ns as f64),
            format_duration_ns(stats.p50_ns as f64),
            format_duration_ns(stats.p90_ns as f64),
            format_duration_ns(stats.p99_ns as f64),
        ]);
    }
    out.push_str(&table.render());
    if keys.len() > DISTRIBUTION_KEYS {
        let _ = writeln!(
            out,
            "... and {} more keys (all in the JSON report)",
            keys.len() - DISTRIBUTION_KEYS
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sparkline_shows_two_humps_and_the_gap_between_them() {
        // 100 calls at 1 ms and 10 at 1 s: 30 log bins from 1 ms to 1 s, full first, low last.
        let line = sparkline(&[(1_000_000, 100), (1_000_000_000, 10)]);
        let chars: Vec<char> = line.chars().collect();
        assert_eq!(chars.len(), 30);
        assert_eq!(chars[0], '█');
        assert_eq!(chars[29], '▁');
        assert!(chars[1..29].iter().all(|c| *c == ' '), "{line:?}");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[(5, 3)]), "█");
    }
}
