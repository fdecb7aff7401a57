//! Cold versus warm: a span named `<name>@cold` is the cold counterpart of `<name>` (the first
//! of its kind after a start — e.g. the first track of a browser session — as opposed to the
//! rest). The program names the span; the profiler aggregates it as a key of its own
//! (`component.name@cold`), so the JSON report, baselines, the regression gate and the A/B
//! test compare it on its own and a cold-start regression is never averaged into the warm
//! calls. The reports pair each cold key with its warm one.

use std::fmt::Write;

use crate::profile::{KeyStats, Profile};
use crate::stats::format_duration_ns;
use crate::text_table::{Align, TextTable};

/// The suffix of a cold key's span name (and so of its key).
pub const COLD_SUFFIX: &str = "@cold";

/// Whether `key` is the cold counterpart of another key.
pub fn is_cold(key: &str) -> bool {
    key.ends_with(COLD_SUFFIX)
}

/// The warm key a cold key pairs with (`automation.track@cold` → `automation.track`); `key`
/// itself when it is not cold.
pub fn warm_key(key: &str) -> &str {
    key.strip_suffix(COLD_SUFFIX).unwrap_or(key)
}

/// A cold key and its warm counterpart, when the profile has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColdWarmPair<'a> {
    /// The `…@cold` key.
    pub cold: &'a KeyStats,
    /// The key without the suffix; `None` when every call was cold (e.g. one track per
    /// browser session).
    pub warm: Option<&'a KeyStats>,
}

/// Every cold key of `profile` with its warm counterpart, in the order of the keys.
pub fn pairs(profile: &Profile) -> Vec<ColdWarmPair<'_>> {
    profile
        .keys
        .iter()
        .filter(|stats| is_cold(&stats.key))
        .map(|cold| ColdWarmPair {
            cold,
            warm: profile
                .keys
                .iter()
                .find(|stats| stats.key == warm_key(&cold.key)),
        })
        .collect()
}

/// The text report's "Cold vs warm" section; empty when the profile has no cold key.
pub fn render_text(profile: &Profile) -> String {
    let pairs = pairs(profile);
    if pairs.is_empty() {
        return String::new();
    }
    let title = "Cold vs warm (`…@cold`: first of its kind after a start, e.g. a browser session's first track)";
    let mut out = format!("\n{title}\n{}\n", "-".repeat(title.chars().count()));
    let mut table = TextTable::new(&[
        ("key", Align::Left),
        ("phase", Align::Left),
        ("calls", Align::Right),
        ("mean", Align::Right),
        ("p50", Align::Right),
        ("p90", Align::Right),
        ("p99", Align::Right),
        ("cold / warm p50", Align::Right),
    ]);
    for pair in &pairs {
        let ratio = pair
            .warm
            .filter(|warm| warm.p50_ns > 0)
            .map_or("-".to_owned(), |warm| {
                format!("{:.2}x", pair.cold.p50_ns as f64 / warm.p50_ns as f64)
            });
        let key = warm_key(&pair.cold.key);
        table.row(row(key, "cold", pair.cold, ratio));
        match pair.warm {
            Some(warm) => table.row(row(key, "warm", warm, String::new())),
            None => table.row(vec![
                key.to_owned(),
                "warm".into(),
                "0".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                String::new(),
            ]),
        }
    }
    let _ = write!(out, "{}", table.render());
    out
}

fn row(key: &str, phase: &str, stats: &KeyStats, ratio: String) -> Vec<String> {
    vec![
        key.to_owned(),
        phase.to_owned(),
        stats.count.to_string(),
        format_duration_ns(stats.mean_ns),
        format_duration_ns(stats.p50_ns as f64),
        format_duration_ns(stats.p90_ns as f64),
        format_duration_ns(stats.p99_ns as f64),
        ratio,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tests::profile_of_keys;

    fn stats(key: &str, count: u64, p50_ms: u64) -> KeyStats {
        serde_json::from_value(serde_json::json!({
            "key": key, "tier": "system", "component": "automation", "name": "track",
            "count": count, "successes": count, "failures": 0, "total_ns": 0, "self_ns": 0,
            "busy_ns": 0, "min_ns": 0, "max_ns": 0, "mean_ns": (p50_ms * 1_000_000) as f64,
            "stddev_ns": 0.0, "p50_ns": p50_ms * 1_000_000, "p90_ns": p50_ms * 1_000_000,
            "p95_ns": p50_ms * 1_000_000, "p99_ns": p50_ms * 1_000_000,
            "histogram": {"buckets": []}
        }))
        .unwrap()
    }

    #[test]
    fn the_text_section_puts_each_cold_key_beside_its_warm_key() {
        let profile = profile_of_keys(vec![
            stats("automation.track", 9, 800),
            stats("automation.track@cold", 1, 2000),
            stats("automation.song", 1, 9000),
        ]);
        let pairs = pairs(&profile);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].warm.map(|warm| warm.count), Some(9));
        let text = render_text(&profile);
        let rows: Vec<&str> = text
            .lines()
            .filter(|line| line.starts_with("automation.track"))
            .collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert!(
            rows[0].contains("cold") && rows[0].ends_with("2.50x"),
            "{text}"
        );
        assert!(
            rows[1].contains("warm") && rows[1].contains(" 9 "),
            "{text}"
        );
        assert_eq!(
            render_text(&profile_of_keys(vec![stats("automation.track", 9, 800)])),
            ""
        );
    }

    #[test]
    fn cold_keys_pair_with_the_key_without_the_suffix() {
        assert!(is_cold("automation.track@cold"));
        assert!(!is_cold("automation.track"));
        assert_eq!(warm_key("automation.track@cold"), "automation.track");
        assert_eq!(warm_key("automation.track"), "automation.track");
    }
}
