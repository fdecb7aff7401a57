//! Cold vs warm per arm: for each `…@cold` key of the runs (see [`crate::report::cold_warm`]),
//! the time per call of the cold calls and of the warm ones in each arm, and B/A of each.
//!
//! Why a table of its own: the per-key table ranks *self* time, and a cold span's time is
//! almost all in its children (browser pages, solos, downloads), so a slower cold start hardly
//! shows there; and the headline's time per unit averages the one cold track of a run with
//! the warm ones. Here each phase is compared on its own, on *inclusive* time per call.
//!
//! Method: the sample is one number per run, the run's mean inclusive time per call of the
//! phase's key (`total_ns / count` of its [`Profile`](crate::profile::Profile) key, in
//! seconds). A run without a call of the key (or with zero time) is left out of that phase
//! only, so each phase counts its own usable runs. Per arm: the geometric mean with `exp` of
//! the Student t interval of the mean log ([`geometric_interval`]); B/A: the ratio of
//! geometric means with `exp` of the Welch interval of the mean log difference and its
//! two-sided p-value ([`log_ratio`], the model of the main verdict). An interval needs two
//! usable runs (B/A: two per arm); with fewer it is `None`, never made up.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::sample::RunSample;
use super::schedule::Arm;
use crate::report::cold_warm::{pairs, warm_key};
use crate::stats::{
    ConfidenceInterval, WelchTest, format_p_value, format_seconds, geometric_interval, log_ratio,
};

/// Which calls of a cold/warm pair a [`PhaseComparison`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColdWarmPhase {
    /// The `…@cold` key: the first call of its kind after a start (a browser session's first
    /// track).
    Cold,
    /// The key without the suffix: every later call.
    Warm,
}

impl ColdWarmPhase {
    /// `cold (first after a start)` or `warm (the rest)`, as the reports label the rows.
    pub fn label(self) -> &'static str {
        match self {
            ColdWarmPhase::Cold => "cold (first after a start)",
            ColdWarmPhase::Warm => "warm (the rest)",
        }
    }
}

impl std::fmt::Display for ColdWarmPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ColdWarmPhase::Cold => "cold",
            ColdWarmPhase::Warm => "warm",
        })
    }
}

/// One arm's time per call of one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseArm {
    /// Runs of this arm, with the key or not.
    pub runs: usize,
    /// Runs with at least one call of the phase's key taking some time: the sample's size.
    pub usable_runs: usize,
    /// Calls of the key over the usable runs.
    pub calls: u64,
    /// Each usable run's mean inclusive time per call (`total_ns / count`), seconds, in
    /// schedule order.
    pub seconds_per_call: Vec<f64>,
    /// Geometric mean of `seconds_per_call` with `exp` of the Student t interval of the mean
    /// log at the analysis level, seconds; `None` with fewer than 2 usable runs (no spread).
    pub interval: Option<ConfidenceInterval>,
}

impl PhaseArm {
    /// Geometric mean of `seconds_per_call`, seconds; `None` without a usable run.
    pub fn geometric_mean(&self) -> Option<f64> {
        if self.seconds_per_call.is_empty() {
            return None;
        }
        let logs: f64 = self.seconds_per_call.iter().map(|value| value.ln()).sum();
        Some((logs / self.seconds_per_call.len() as f64).exp())
    }

    /// "1.23 s (1.10 s–1.40 s)", "1.23 s (1 run, no CI)" or "–" without a usable run.
    pub fn cell(&self) -> String {
        match (&self.interval, self.geometric_mean()) {
            (Some(interval), _) => format!(
                "{} ({}–{})",
                format_seconds(interval.estimate),
                format_seconds(interval.low),
                format_seconds(interval.high)
            ),
            (None, Some(centre)) => format!(
                "{} ({} run, no CI)",
                format_seconds(centre),
                self.usable_runs
            ),
            (None, None) => "–".to_string(),
        }
    }
}

/// One phase (cold or warm) of one cold/warm pair, both arms and B/A.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseComparison {
    /// The warm key naming the pair, `automation.track`.
    pub pair: String,
    /// Cold or warm.
    pub phase: ColdWarmPhase,
    /// The profile key this phase measures: `automation.track@cold` or `automation.track`.
    pub key: String,
    /// Arm A's time per call.
    pub a: PhaseArm,
    /// Arm B's time per call.
    pub b: PhaseArm,
    /// Ratio of geometric mean time per call, B over A (below 1: B is faster), with `exp` of
    /// the Welch interval of the mean log difference; `None` unless both arms have 2 usable
    /// runs.
    pub ratio_b_over_a: Option<ConfidenceInterval>,
    /// Two-sided Welch p-value of the mean log difference; `None` with the ratio.
    pub p_value: Option<f64>,
    /// The Welch test on log time per call, B − A; `None` with the ratio.
    pub log_test: Option<WelchTest>,
}

impl PhaseComparison {
    /// The phase's arm summary.
    pub fn arm(&self, arm: Arm) -> &PhaseArm {
        match arm {
            Arm::A => &self.a,
            Arm::B => &self.b,
        }
    }

    /// "0.91 (0.80–1.04)" or "–" without a ratio.
    pub fn ratio_cell(&self) -> String {
        self.ratio_b_over_a.map_or_else(
            || "–".to_string(),
            |ratio| format!("{:.2} ({:.2}–{:.2})", ratio.estimate, ratio.low, ratio.high),
        )
    }

    /// "0.15", "< 0.001" or "–" without a test.
    pub fn p_cell(&self) -> String {
        self.p_value.map_or_else(
            || "–".to_string(),
            |p| format_p_value(p).trim_start_matches("p ").replace("= ", ""),
        )
    }

    /// One sentence: "automation.track cold (first after a start): solo_only/current = 0.91
    /// (95% CI 0.80–1.04, p = 0.15)", or why there is no ratio.
    pub fn sentence(&self, a_name: &str, b_name: &str) -> String {
        let lead = format!("{} {}", self.pair, self.phase.label());
        match (self.ratio_b_over_a, self.p_value) {
            (Some(ratio), Some(p)) => format!(
                "{lead}: {b_name}/{a_name} = {:.2} ({:.0}% CI {:.2}–{:.2}, {})",
                ratio.estimate,
                ratio.level * 100.0,
                ratio.low,
                ratio.high,
                format_p_value(p)
            ),
            _ => format!(
                "{lead}: no ratio, {a_name} has {} and {b_name} {} run(s) with a call of `{}` (2 per arm needed)",
                self.a.usable_runs, self.b.usable_runs, self.key
            ),
        }
    }
}

/// Both phases of every cold key found in `runs`, cold key by cold key in name order, the
/// cold phase before the warm one; intervals at `level` (e.g. 0.95). Empty when no run has a
/// cold key.
pub(crate) fn cold_warm_phases(runs: &[RunSample], level: f64) -> Vec<PhaseComparison> {
    let cold_keys: BTreeSet<&str> = runs
        .iter()
        .flat_map(|run| pairs(&run.profile))
        .map(|pair| pair.cold.key.as_str())
        .collect();
    cold_keys
        .into_iter()
        .flat_map(|cold| {
            let warm = warm_key(cold);
            [
                phase(runs, warm, ColdWarmPhase::Cold, cold, level),
                phase(runs, warm, ColdWarmPhase::Warm, warm, level),
            ]
        })
        .collect()
}

fn phase(
    runs: &[RunSample],
    pair: &str,
    phase: ColdWarmPhase,
    key: &str,
    level: f64,
) -> PhaseComparison {
    let a = phase_arm(runs, Arm::A, key, level);
    let b = phase_arm(runs, Arm::B, key, level);
    let tested = (a.usable_runs >= 2 && b.usable_runs >= 2)
        .then(|| log_ratio(&b.seconds_per_call, &a.seconds_per_call, level).ok())
        .flatten();
    PhaseComparison {
        pair: pair.to_string(),
        phase,
        key: key.to_string(),
        a,
        b,
        ratio_b_over_a: tested.map(|(ratio, _)| ratio),
        p_value: tested.map(|(_, test)| test.p_value),
        log_test: tested.map(|(_, test)| test),
    }
}

fn phase_arm(runs: &[RunSample], arm: Arm, key: &str, level: f64) -> PhaseArm {
    let mine: Vec<&RunSample> = runs.iter().filter(|run| run.arm == arm).collect();
    let calls: Vec<(u64, f64)> = mine
        .iter()
        .filter_map(|run| run.profile.keys.iter().find(|stats| stats.key == key))
        .filter(|stats| stats.count > 0 && stats.total_ns > 0)
        .map(|stats| {
            (
                stats.count,
                stats.total_ns as f64 / 1e9 / stats.count as f64,
            )
        })
        .collect();
    let seconds_per_call: Vec<f64> = calls.iter().map(|(_, seconds)| *seconds).collect();
    PhaseArm {
        runs: mine.len(),
        usable_runs: seconds_per_call.len(),
        calls: calls.iter().map(|(count, _)| count).sum(),
        interval: (seconds_per_call.len() >= 2)
            .then(|| geometric_interval(&seconds_per_call, level)),
        seconds_per_call,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::profile::KeyStats;
    use crate::profile::tests::profile_of_keys;
    use crate::stats::{log_ratio, student_quantile};

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-9 * expected.abs(),
            "{actual} != {expected}"
        );
    }

    fn stats(key: &str, count: u64, total_seconds: f64) -> KeyStats {
        let (component, name) = key.split_once('.').unwrap();
        serde_json::from_value(serde_json::json!({
            "key": key, "tier": "system", "component": component, "name": name,
            "count": count, "successes": count, "failures": 0,
            "total_ns": (total_seconds * 1e9).round() as u64, "self_ns": 1_000, "busy_ns": 0,
            "min_ns": 0, "max_ns": 0, "mean_ns": 0.0, "stddev_ns": 0.0, "p50_ns": 0,
            "p90_ns": 0, "p95_ns": 0, "p99_ns": 0, "histogram": {"buckets": []}
        }))
        .unwrap()
    }

    /// A run of `arm` whose profile holds `keys` as (key, calls, total seconds).
    fn run(arm: Arm, keys: &[(&str, u64, f64)]) -> RunSample {
        let profile = profile_of_keys(
            keys.iter()
                .map(|(key, count, total)| stats(key, *count, *total))
                .collect(),
        );
        RunSample {
            arm,
            duration: Duration::from_secs(10),
            units: 3,
            correct_units: 3,
            profile,
        }
    }

    const COLD: &str = "automation.track@cold";
    const WARM: &str = "automation.track";

    #[test]
    fn known_times_per_call_give_the_ratios_and_intervals_of_the_log_model() {
        // Cold: one call per run, A 2, 4, 8 s and B 1, 2, 4 s: B/A = 0.5 exactly.
        // Warm: two calls per run, A totals 2, 2.2, 1.8 s (1, 1.1, 0.9 s per call), B the same.
        let runs = vec![
            run(Arm::A, &[(COLD, 1, 2.0), (WARM, 2, 2.0)]),
            run(Arm::B, &[(COLD, 1, 1.0), (WARM, 2, 2.0)]),
            run(Arm::B, &[(COLD, 1, 2.0), (WARM, 2, 2.2)]),
            run(Arm::A, &[(COLD, 1, 4.0), (WARM, 2, 2.2)]),
            run(Arm::A, &[(COLD, 1, 8.0), (WARM, 2, 1.8)]),
            run(Arm::B, &[(COLD, 1, 4.0), (WARM, 2, 1.8)]),
        ];
        let phases = cold_warm_phases(&runs, 0.95);
        assert_eq!(phases.len(), 2);
        let (cold, warm) = (&phases[0], &phases[1]);
        assert_eq!((cold.phase, cold.key.as_str()), (ColdWarmPhase::Cold, COLD));
        assert_eq!((warm.phase, warm.key.as_str()), (ColdWarmPhase::Warm, WARM));
        assert_eq!(cold.pair, WARM);

        assert_eq!((cold.a.runs, cold.a.usable_runs, cold.a.calls), (3, 3, 3));
        assert_eq!(cold.a.seconds_per_call, [2.0, 4.0, 8.0]);
        close(cold.a.geometric_mean().unwrap(), 4.0);
        // exp(mean ln ± t(0.975, 2) · sd(ln) / √3) with sd(ln 2, ln 4, ln 8) = ln 2.
        let half = student_quantile(0.975, 2.0) * 2f64.ln() / 3f64.sqrt();
        let a_interval = cold.a.interval.unwrap();
        close(a_interval.estimate, 4.0);
        close(a_interval.low, 4.0 * (-half).exp());
        close(a_interval.high, 4.0 * half.exp());
        close(cold.b.interval.unwrap().estimate, 2.0);

        // Same spread of logs in both arms, shifted by ln 2: ratio exactly 0.5, Welch on
        // 2 · 2 = 4 degrees of freedom.
        let ratio = cold.ratio_b_over_a.unwrap();
        close(ratio.estimate, 0.5);
        let test = cold.log_test.unwrap();
        close(test.df, 4.0);
        let (expected, expected_test) =
            log_ratio(&[1.0, 2.0, 4.0], &[2.0, 4.0, 8.0], 0.95).unwrap();
        assert_eq!(ratio, expected);
        assert_eq!(cold.p_value, Some(expected_test.p_value));

        assert_eq!((warm.a.calls, warm.b.calls), (6, 6));
        assert_eq!(warm.a.seconds_per_call, [1.0, 1.1, 0.9]);
        let warm_ratio = warm.ratio_b_over_a.unwrap();
        close(warm_ratio.estimate, 1.0);
        close(warm.p_value.unwrap(), 1.0);
        assert!(warm_ratio.low < 1.0 && 1.0 < warm_ratio.high);

        let sentence = cold.sentence("current", "solo_only");
        assert!(
            sentence.starts_with(
                "automation.track cold (first after a start): solo_only/current = 0.50 (95% CI "
            ),
            "{sentence}"
        );
        assert!(
            sentence.ends_with(&format!("{})", format_p_value(expected_test.p_value))),
            "{sentence}"
        );
    }

    #[test]
    fn a_phase_missing_from_one_arm_has_no_ratio_and_too_few_runs_have_no_interval() {
        // Arm B ran one track per session: no warm calls. Arm A has the warm key in one run
        // only and the cold key in two of three.
        let runs = vec![
            run(Arm::A, &[(COLD, 1, 3.0), (WARM, 1, 1.0)]),
            run(Arm::A, &[(COLD, 1, 3.3)]),
            run(Arm::A, &[("automation.song", 1, 9.0)]),
            run(Arm::B, &[(COLD, 1, 2.0)]),
            run(Arm::B, &[(COLD, 1, 2.2)]),
        ];
        let phases = cold_warm_phases(&runs, 0.95);
        let (cold, warm) = (&phases[0], &phases[1]);
        assert_eq!((cold.a.runs, cold.a.usable_runs), (3, 2));
        assert!(cold.ratio_b_over_a.is_some() && cold.a.interval.is_some());

        assert_eq!((warm.a.usable_runs, warm.b.usable_runs), (1, 0));
        assert_eq!(warm.a.interval, None);
        close(warm.a.geometric_mean().unwrap(), 1.0);
        assert_eq!(warm.b.geometric_mean(), None);
        assert_eq!(
            (warm.ratio_b_over_a, warm.p_value, warm.log_test),
            (None, None, None)
        );
        assert_eq!(warm.a.cell(), "1.00 s (1 run, no CI)");
        assert_eq!(warm.b.cell(), "–");
        assert_eq!((warm.ratio_cell(), warm.p_cell()), ("–".into(), "–".into()));
        assert_eq!(
            warm.sentence("current", "solo_only"),
            "automation.track warm (the rest): no ratio, current has 1 and solo_only 0 run(s) with a call of `automation.track` (2 per arm needed)"
        );
    }

    #[test]
    fn runs_without_a_cold_key_give_no_phases() {
        let runs = vec![
            run(Arm::A, &[(WARM, 2, 2.0)]),
            run(Arm::A, &[(WARM, 2, 2.0)]),
            run(Arm::B, &[(WARM, 2, 2.0)]),
            run(Arm::B, &[(WARM, 2, 2.0)]),
        ];
        assert!(cold_warm_phases(&runs, 0.95).is_empty());
    }
}
