//! Hard limits: absolute budgets such as "p95 of solo_track under 33 ms", the second tier of
//! the gate. Relative checks catch drift; a budget catches a value that is simply too slow,
//! however it got there.

use serde::{Deserialize, Serialize};

use super::error::BaselineError;
use super::model::KeyBaseline;
use crate::stats::format_duration_ns;

/// Which statistic of a key a limit bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitMetric {
    /// Mean wall time per call.
    Mean,
    /// Median (`p50` or `median` in a limit).
    P50,
    /// 90th percentile.
    P90,
    /// 95th percentile.
    P95,
    /// 99th percentile.
    P99,
    /// Longest call.
    Max,
}

impl LimitMetric {
    fn parse(text: &str) -> Option<LimitMetric> {
        Some(match text.to_ascii_lowercase().as_str() {
            "mean" => LimitMetric::Mean,
            "p50" | "median" => LimitMetric::P50,
            "p90" => LimitMetric::P90,
            "p95" => LimitMetric::P95,
            "p99" => LimitMetric::P99,
            "max" => LimitMetric::Max,
            _ => return None,
        })
    }

    /// The name a limit is written with: `mean`, `p50`, `p90`, `p95`, `p99` or `max`.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitMetric::Mean => "mean",
            LimitMetric::P50 => "p50",
            LimitMetric::P90 => "p90",
            LimitMetric::P95 => "p95",
            LimitMetric::P99 => "p99",
            LimitMetric::Max => "max",
        }
    }

    /// The statistic's value for a key, nanoseconds.
    pub fn of(self, key: &KeyBaseline) -> f64 {
        match self {
            LimitMetric::Mean => key.mean_ns,
            LimitMetric::P50 => key.median_ns as f64,
            LimitMetric::P90 => key.p90_ns as f64,
            LimitMetric::P95 => key.p95_ns as f64,
            LimitMetric::P99 => key.p99_ns as f64,
            LimitMetric::Max => key.max_ns as f64,
        }
    }
}

/// `key:metric<duration` (or `<=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardLimit {
    /// The key the budget is for, `component.name`.
    pub key: String,
    /// Which statistic of the key's pooled calls is bounded.
    pub metric: LimitMetric,
    /// The budget, nanoseconds.
    pub limit_ns: f64,
    /// `<=` rather than `<`.
    pub inclusive: bool,
}

impl HardLimit {
    /// Parses `track_management.solo_track:p95<33ms`. Units: ns, us/µs, ms, s, min.
    ///
    /// # Errors
    ///
    /// [`BaselineError::BadLimit`] saying what is missing or wrong: the `:`, the key, the `<`, the
    /// metric, or a positive duration with its unit.
    pub fn parse(text: &str) -> Result<HardLimit, BaselineError> {
        let bad = |problem: &str| BaselineError::BadLimit {
            text: text.to_string(),
            problem: problem.to_string(),
        };
        let (key, bound) = text
            .rsplit_once(':')
            .ok_or_else(|| bad("missing `:` between the key and the bound"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad("the key is empty"));
        }
        let (metric, inclusive, amount) = if let Some((metric, amount)) = bound.split_once("<=") {
            (metric, true, amount)
        } else if let Some((metric, amount)) = bound.split_once('<') {
            (metric, false, amount)
        } else {
            return Err(bad("missing `<` or `<=`"));
        };
        let metric = LimitMetric::parse(metric.trim())
            .ok_or_else(|| bad("the metric must be one of mean, p50, p90, p95, p99, max"))?;
        let limit_ns = parse_duration_ns(amount.trim()).ok_or_else(|| {
            bad("the duration needs a positive number and a unit: ns, us, ms, s or min")
        })?;
        Ok(HardLimit {
            key: key.to_string(),
            metric,
            limit_ns,
            inclusive,
        })
    }

    /// Whether `value_ns` stays within the budget.
    pub fn allows(&self, value_ns: f64) -> bool {
        if self.inclusive {
            value_ns <= self.limit_ns
        } else {
            value_ns < self.limit_ns
        }
    }
}

impl std::fmt::Display for HardLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let operator = if self.inclusive { "<=" } else { "<" };
        write!(
            f,
            "{}:{}{operator}{}",
            self.key,
            self.metric.as_str(),
            format_duration_ns(self.limit_ns).replace(' ', "")
        )
    }
}

fn parse_duration_ns(text: &str) -> Option<f64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "min" => 60e9,
        _ => return None,
    };
    (number > 0.0 && number.is_finite()).then_some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_form_and_variants() {
        let limit = HardLimit::parse("track_management.solo_track:p95<33ms").unwrap();
        assert_eq!(limit.key, "track_management.solo_track");
        assert_eq!(limit.metric, LimitMetric::P95);
        assert_eq!(limit.limit_ns, 33e6);
        assert!(!limit.inclusive);
        assert!(limit.allows(32.9e6) && !limit.allows(33e6));
        assert_eq!(limit.to_string(), "track_management.solo_track:p95<33.0ms");

        let inclusive = HardLimit::parse("a.b:mean <= 1.5 s").unwrap();
        assert_eq!(
            (inclusive.metric, inclusive.limit_ns, inclusive.inclusive),
            (LimitMetric::Mean, 1.5e9, true)
        );
        assert!(inclusive.allows(1.5e9));
        assert_eq!(HardLimit::parse("a:median<250us").unwrap().limit_ns, 250e3);
    }

    #[test]
    fn bad_limits_say_what_is_wrong() {
        for (text, problem) in [
            ("solo_track p95<33ms", "missing `:`"),
            ("a.b:p95>33ms", "missing `<`"),
            ("a.b:p42<33ms", "the metric must be"),
            ("a.b:p95<33", "the duration needs"),
            ("a.b:p95<-3ms", "the duration needs"),
            (":p95<3ms", "the key is empty"),
        ] {
            let error = HardLimit::parse(text).unwrap_err().to_string();
            assert!(error.contains(problem), "{text}: {error}");
            assert!(error.contains("e.g. track_management.solo_track:p95<33ms"));
        }
    }
}
