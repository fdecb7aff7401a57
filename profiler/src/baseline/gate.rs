//! The regression gate: a run compared with a baseline, key by key.
//!
//! A key is a **regression** only when two things hold: its chosen statistic (the median by
//! default) moved by more than the noise threshold (20% by default, per-key overrides
//! allowed), *and* a Mann-Whitney U test on the two histograms says the shift is real
//! (p < α after Holm's correction across all keys, in the same direction). A threshold alone
//! flags every noisy key on a busy machine; a test alone flags a 1% shift once a key has
//! thousands of calls. Verdicts:
//!
//! | verdict        | statistic moved beyond threshold | test significant            |
//! |----------------|----------------------------------|-----------------------------|
//! | `Regression`   | yes, slower                      | yes, slower                 |
//! | `Improvement`  | yes, faster                      | yes, faster                 |
//! | `WithinNoise`  | yes                              | no (could be noise)         |
//! | `NoChange`     | no                               | either (too small to matter) |
//!
//! plus `New` / `Missing` for keys only one side has. Hard limits are checked on the run as a
//! second, absolute tier.

use serde::{Deserialize, Serialize};

use super::error::BaselineError;
use super::limit::HardLimit;
use super::model::{KeyBaseline, PerformanceBaseline};
use crate::stats::{PermutationConfig, holm_adjust, mann_whitney};
use crate::tier::Tier;

/// The statistic whose relative change is held against the threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GateMetric {
    /// Robust to the odd slow call; the default.
    #[default]
    Median,
    Mean,
    P95,
    P99,
}

impl GateMetric {
    pub fn of(self, key: &KeyBaseline) -> f64 {
        match self {
            GateMetric::Median => key.median_ns as f64,
            GateMetric::Mean => key.mean_ns,
            GateMetric::P95 => key.p95_ns as f64,
            GateMetric::P99 => key.p99_ns as f64,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GateMetric::Median => "median",
            GateMetric::Mean => "mean",
            GateMetric::P95 => "p95",
            GateMetric::P99 => "p99",
        }
    }
}

/// A threshold for one key (`pattern` exact) or a family of keys (`pattern` ending in `*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyThreshold {
    pub pattern: String,
    /// Relative change, 0.3 for 30%.
    pub threshold: f64,
}

impl KeyThreshold {
    /// Parses `track_management.solo_track=30%` or `download_management.*=50`.
    pub fn parse(text: &str) -> Result<KeyThreshold, BaselineError> {
        let (pattern, percent) =
            text.split_once('=')
                .ok_or_else(|| BaselineError::BadThreshold {
                    text: text.to_string(),
                    problem: "missing `=` between the key and the percentage".to_string(),
                })?;
        Ok(KeyThreshold {
            pattern: pattern.trim().to_string(),
            threshold: parse_percent(percent)?,
        })
    }

    fn matches(&self, key: &str) -> bool {
        match self.pattern.strip_suffix('*') {
            Some(prefix) => key.starts_with(prefix),
            None => key == self.pattern,
        }
    }
}

/// Parses a percentage (`20`, `20%`, `12.5 %`) into a fraction (0.2).
pub fn parse_percent(text: &str) -> Result<f64, BaselineError> {
    let number = text.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(percent) if percent.is_finite() && percent >= 0.0 => Ok(percent / 100.0),
        _ => Err(BaselineError::BadThreshold {
            text: text.to_string(),
            problem: "not a non-negative number".to_string(),
        }),
    }
}

/// How strict the gate is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateConfig {
    /// Default noise threshold as a fraction (0.2 = 20%, as in the regression-testing guide).
    pub threshold: f64,
    /// Per-key thresholds; an exact key wins over the longest matching `prefix*` pattern.
    pub key_thresholds: Vec<KeyThreshold>,
    /// Significance level of the (Holm-adjusted) Mann-Whitney test.
    pub alpha: f64,
    pub metric: GateMetric,
    pub hard_limits: Vec<HardLimit>,
    /// Exact-versus-approximate settings of the test.
    pub test: PermutationConfig,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            threshold: 0.2,
            key_thresholds: Vec::new(),
            alpha: 0.05,
            metric: GateMetric::Median,
            hard_limits: Vec::new(),
            test: PermutationConfig::default(),
        }
    }
}

impl GateConfig {
    /// The threshold that applies to `key`.
    pub fn threshold_for(&self, key: &str) -> f64 {
        if let Some(exact) = self.key_thresholds.iter().find(|t| t.pattern == key) {
            return exact.threshold;
        }
        self.key_thresholds
            .iter()
            .filter(|t| t.pattern.ends_with('*') && t.matches(key))
            .max_by_key(|t| t.pattern.len())
            .map_or(self.threshold, |t| t.threshold)
    }
}

/// The gate's call on one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Regression,
    Improvement,
    WithinNoise,
    NoChange,
    New,
    Missing,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Regression => "REGRESSION",
            Verdict::Improvement => "improvement",
            Verdict::WithinNoise => "within noise",
            Verdict::NoChange => "no change",
            Verdict::New => "new",
            Verdict::Missing => "missing",
        }
    }

    /// Report order: what needs attention first.
    fn rank(self) -> u8 {
        match self {
            Verdict::Regression => 0,
            Verdict::Improvement => 1,
            Verdict::WithinNoise => 2,
            Verdict::Missing => 3,
            Verdict::New => 4,
            Verdict::NoChange => 5,
        }
    }
}

/// One key of the gate report. Values are the gate metric in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyComparison {
    pub key: String,
    pub tier: Tier,
    pub verdict: Verdict,
    pub baseline_ns: Option<f64>,
    pub current_ns: Option<f64>,
    pub baseline_count: u64,
    pub current_count: u64,
    /// `current / baseline − 1`.
    pub change: Option<f64>,
    /// Holm-adjusted two-sided Mann-Whitney p-value.
    pub p_value: Option<f64>,
    /// Probability that a random call of the run is slower than one of the baseline.
    pub prob_slower: Option<f64>,
    pub threshold: f64,
}

/// Outcome of one hard limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitOutcome {
    Pass,
    Fail,
    /// The run has no such key, so the budget could not be checked (reported, not failed:
    /// a run may legitimately not exercise every key).
    NotMeasured,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitCheck {
    pub limit: HardLimit,
    pub actual_ns: Option<f64>,
    pub outcome: LimitOutcome,
}

/// Identity of one side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub name: String,
    pub recorded_at: String,
    pub git_commit: Option<String>,
}

impl RunInfo {
    fn of(baseline: &PerformanceBaseline) -> RunInfo {
        RunInfo {
            name: baseline.name.clone(),
            recorded_at: baseline.recorded_at.clone(),
            git_commit: baseline.git_commit.clone(),
        }
    }
}

/// Everything the gate found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReport {
    pub baseline: RunInfo,
    pub current: RunInfo,
    pub metric: GateMetric,
    pub threshold: f64,
    pub alpha: f64,
    /// Differences between the machines, when timings may not be comparable.
    pub machine_warnings: Vec<String>,
    /// Most important first.
    pub keys: Vec<KeyComparison>,
    pub limits: Vec<LimitCheck>,
}

impl GateReport {
    pub fn count(&self, verdict: Verdict) -> usize {
        self.keys
            .iter()
            .filter(|key| key.verdict == verdict)
            .count()
    }

    pub fn has_regression(&self) -> bool {
        self.count(Verdict::Regression) > 0
    }

    pub fn limit_failures(&self) -> usize {
        self.limits
            .iter()
            .filter(|check| check.outcome == LimitOutcome::Fail)
            .count()
    }

    /// Process exit status for CI: 1 when a hard limit is broken (always: a budget you set is
    /// a requirement) or when a key regressed and `fail_on_regression` is set; else 0.
    pub fn exit_code(&self, fail_on_regression: bool) -> i32 {
        if self.limit_failures() > 0 || (fail_on_regression && self.has_regression()) {
            1
        } else {
            0
        }
    }
}

/// Compares `current` with `baseline` key by key.
pub fn compare(
    baseline: &PerformanceBaseline,
    current: &PerformanceBaseline,
    config: &GateConfig,
) -> GateReport {
    let mut keys = Vec::new();
    let mut tested: Vec<(usize, f64, f64)> = Vec::new(); // (index in keys, raw p, prob_slower)
    for before in &baseline.keys {
        let threshold = config.threshold_for(&before.key);
        match current.key(&before.key).filter(|after| after.count > 0) {
            Some(after) if before.count > 0 => {
                let base_value = config.metric.of(before);
                let current_value = config.metric.of(after);
                let change = relative_change(base_value, current_value);
                if let Ok(test) = mann_whitney(&before.histogram, &after.histogram, &config.test) {
                    tested.push((keys.len(), test.p_value, test.prob_second_greater));
                }
                keys.push(KeyComparison {
                    key: before.key.clone(),
                    tier: after.tier,
                    verdict: Verdict::NoChange, // decided below, once p-values are adjusted
                    baseline_ns: Some(base_value),
                    current_ns: Some(current_value),
                    baseline_count: before.count,
                    current_count: after.count,
                    change: Some(change),
                    p_value: None,
                    prob_slower: None,
                    threshold,
                });
            }
            _ => keys.push(KeyComparison {
                key: before.key.clone(),
                tier: before.tier,
                verdict: Verdict::Missing,
                baseline_ns: Some(config.metric.of(before)),
                current_ns: None,
                baseline_count: before.count,
                current_count: 0,
                change: None,
                p_value: None,
                prob_slower: None,
                threshold,
            }),
        }
    }
    for after in current.keys.iter().filter(|after| after.count > 0) {
        if baseline
            .key(&after.key)
            .is_none_or(|before| before.count == 0)
        {
            keys.push(KeyComparison {
                key: after.key.clone(),
                tier: after.tier,
                verdict: Verdict::New,
                baseline_ns: None,
                current_ns: Some(config.metric.of(after)),
                baseline_count: 0,
                current_count: after.count,
                change: None,
                p_value: None,
                prob_slower: None,
                threshold: config.threshold_for(&after.key),
            });
        }
    }

    let raw: Vec<f64> = tested.iter().map(|(_, p, _)| *p).collect();
    let adjusted = holm_adjust(&raw);
    for ((index, _, prob_slower), p_value) in tested.into_iter().zip(adjusted) {
        let entry = &mut keys[index];
        entry.p_value = Some(p_value);
        entry.prob_slower = Some(prob_slower);
    }
    for entry in keys.iter_mut().filter(|entry| entry.change.is_some()) {
        entry.verdict = decide(entry, config.alpha);
    }
    keys.sort_by(|a, b| {
        a.verdict.rank().cmp(&b.verdict.rank()).then_with(|| {
            let magnitude = |entry: &KeyComparison| entry.change.map_or(0.0, f64::abs);
            magnitude(b)
                .total_cmp(&magnitude(a))
                .then_with(|| a.key.cmp(&b.key))
        })
    });

    let limits = config
        .hard_limits
        .iter()
        .map(|limit| {
            let actual = current.key(&limit.key).map(|key| limit.metric.of(key));
            LimitCheck {
                limit: limit.clone(),
                actual_ns: actual,
                outcome: match actual {
                    None => LimitOutcome::NotMeasured,
                    Some(value) if limit.allows(value) => LimitOutcome::Pass,
                    Some(_) => LimitOutcome::Fail,
                },
            }
        })
        .collect();

    GateReport {
        baseline: RunInfo::of(baseline),
        current: RunInfo::of(current),
        metric: config.metric,
        threshold: config.threshold,
        alpha: config.alpha,
        machine_warnings: baseline.machine.differences(&current.machine),
        keys,
        limits,
    }
}

/// `after / before − 1`, with a zero baseline treated as "no change" only if still zero.
fn relative_change(before: f64, after: f64) -> f64 {
    if before > 0.0 {
        after / before - 1.0
    } else if after > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

fn decide(entry: &KeyComparison, alpha: f64) -> Verdict {
    let change = entry.change.unwrap_or(0.0);
    if change.abs() <= entry.threshold {
        return Verdict::NoChange;
    }
    let slower = change > 0.0;
    let significant = match (entry.p_value, entry.prob_slower) {
        // The test must agree on the direction, not just find "some" difference.
        (Some(p), Some(prob_slower)) => p < alpha && (prob_slower > 0.5) == slower,
        _ => false,
    };
    match (significant, slower) {
        (true, true) => Verdict::Regression,
        (true, false) => Verdict::Improvement,
        (false, _) => Verdict::WithinNoise,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_key_thresholds_prefer_exact_keys_then_the_longest_prefix() {
        let config = GateConfig {
            key_thresholds: vec![
                KeyThreshold::parse("download.*=50%").unwrap(),
                KeyThreshold::parse("download.monitor*=40").unwrap(),
                KeyThreshold::parse("download.monitor_completion=10%").unwrap(),
            ],
            ..GateConfig::default()
        };
        assert_eq!(config.threshold_for("download.monitor_completion"), 0.1);
        assert_eq!(config.threshold_for("download.monitor_other"), 0.4);
        assert_eq!(config.threshold_for("download.click"), 0.5);
        assert_eq!(config.threshold_for("solo.click"), 0.2);
    }

    #[test]
    fn percentages_parse_with_or_without_the_sign() {
        assert_eq!(parse_percent("20").unwrap(), 0.2);
        assert_eq!(parse_percent(" 12.5 % ").unwrap(), 0.125);
        assert!(
            parse_percent("-3")
                .unwrap_err()
                .to_string()
                .contains("bad threshold `-3`")
        );
        assert!(KeyThreshold::parse("solo30").is_err());
    }

    #[test]
    fn relative_change_handles_zero_baselines() {
        assert_eq!(relative_change(100.0, 125.0), 0.25);
        assert_eq!(relative_change(0.0, 0.0), 0.0);
        assert_eq!(relative_change(0.0, 5.0), f64::INFINITY);
    }
}
