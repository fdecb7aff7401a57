//! Where the time moved: per key, the self time per run in each arm, the difference with
//! its interval, and whether that difference is real after correcting for many keys.
//!
//! Self time (time in the method itself, not in the spans it calls) is what the table ranks
//! and tests: a parent whose time is its children's has almost no self time, so it neither
//! double-counts its children's change nor crowds them out of the table. Total time stays
//! in the data for readers who recognise a method by its inclusive cost.
//!
//! Each run is one sample (a key absent from a run counts as zero there). The difference of
//! a key's self seconds per run, B − A, gets a Welch interval at the analysis level, and the
//! Welch p-values of all keys are Holm-adjusted, so among many keys a chance wobble is not
//! reported as a move. A key is read as [`KeyReading::Moved`] when its Holm-adjusted p is
//! below α, [`KeyReading::Negligible`] when its whole interval lies within ± the
//! equivalence margin (in seconds per run), and [`KeyReading::Unclear`] otherwise — never
//! "no difference" from a point estimate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sample::RunSample;
use super::schedule::Arm;
use crate::stats::{WelchTest, holm_adjust, welch};
use crate::tier::Tier;

/// What a key's difference says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyReading {
    /// Holm-adjusted p < α: the key's self time changed.
    Moved,
    /// The interval lies within ± the margin: any change is too small to matter.
    Negligible,
    /// Neither: the data cannot tell (wide interval or not significant after Holm).
    Unclear,
    /// Fewer than two runs in an arm: no interval.
    #[default]
    NotTestable,
}

impl std::fmt::Display for KeyReading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyReading::Moved => "moved",
            KeyReading::Negligible => "negligible",
            KeyReading::Unclear => "unclear",
            KeyReading::NotTestable => "not testable",
        })
    }
}

/// One key's time per run in arm A and arm B, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyDelta {
    /// The key, `component.name`.
    pub key: String,
    /// The key's tier.
    pub tier: Tier,
    /// Mean calls per run in arm A (a run without the key counts 0).
    pub calls_per_run_a: f64,
    /// Mean calls per run in arm B.
    pub calls_per_run_b: f64,
    /// Mean total (inclusive) time per run in arm A, seconds.
    pub total_per_run_a: f64,
    /// Mean total (inclusive) time per run in arm B, seconds.
    pub total_per_run_b: f64,
    /// Mean self time per run in arm A, seconds: what the table ranks and tests.
    pub self_per_run_a: f64,
    /// Mean self time per run in arm B, seconds.
    pub self_per_run_b: f64,
    /// Welch test and interval of B − A of self seconds per run.
    #[serde(default)]
    pub self_test: Option<WelchTest>,
    /// `self_test`'s p-value after Holm's adjustment over every tested key.
    #[serde(default)]
    pub holm_p_value: Option<f64>,
    /// What the key's Holm-adjusted test says: moved, negligible, unclear or not testable.
    #[serde(default)]
    pub reading: KeyReading,
}

impl KeyDelta {
    /// B − A of total time per run.
    pub fn total_delta(&self) -> f64 {
        self.total_per_run_b - self.total_per_run_a
    }

    /// B − A of self time per run.
    pub fn self_delta(&self) -> f64 {
        self.self_per_run_b - self.self_per_run_a
    }
}

/// Self seconds per run of the keys `include` accepts, one value per run of `arm`
/// (in schedule order).
pub(crate) fn self_seconds_per_run(
    runs: &[&RunSample],
    arm: Arm,
    include: impl Fn(&str) -> bool,
) -> Vec<f64> {
    runs.iter()
        .filter(|run| run.arm == arm)
        .map(|run| {
            run.profile
                .keys
                .iter()
                .filter(|stats| include(&stats.key))
                .map(|stats| stats.self_ns as f64 / 1e9)
                .sum()
        })
        .collect()
}

/// How the per-key and per-group differences are judged.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Judgement {
    pub alpha: f64,
    /// Differences within ± this many seconds per run are too small to matter.
    pub margin_seconds: f64,
}

impl Judgement {
    /// Welch test of B − A when both arms have two runs or more.
    pub(crate) fn test(&self, a: &[f64], b: &[f64]) -> Option<WelchTest> {
        welch(a, b, 1.0 - self.alpha).ok()
    }

    pub(crate) fn read(&self, test: Option<&WelchTest>, adjusted_p: Option<f64>) -> KeyReading {
        match (test, adjusted_p) {
            (Some(_), Some(p)) if p < self.alpha => KeyReading::Moved,
            (Some(test), Some(_))
                if -self.margin_seconds <= test.low && test.high <= self.margin_seconds =>
            {
                KeyReading::Negligible
            }
            (Some(_), Some(_)) => KeyReading::Unclear,
            _ => KeyReading::NotTestable,
        }
    }
}

#[derive(Default)]
struct Sums {
    tier: Option<Tier>,
    calls: [f64; 2],
    total: [f64; 2],
    self_time: [f64; 2],
}

/// Per-key means per run over `runs` with intervals and Holm-adjusted p-values, sorted by
/// the absolute change of self time, largest first.
pub(crate) fn key_deltas(runs: &[&RunSample], judgement: &Judgement) -> Vec<KeyDelta> {
    let count = |arm: Arm| runs.iter().filter(|run| run.arm == arm).count().max(1) as f64;
    let runs_per_arm = [count(Arm::A), count(Arm::B)];
    let mut sums: BTreeMap<&str, Sums> = BTreeMap::new();
    for run in runs {
        let side = usize::from(run.arm == Arm::B);
        for stats in &run.profile.keys {
            let entry = sums.entry(stats.key.as_str()).or_default();
            entry.tier.get_or_insert(stats.tier);
            entry.calls[side] += stats.count as f64;
            entry.total[side] += stats.total_ns as f64 / 1e9;
            entry.self_time[side] += stats.self_ns as f64 / 1e9;
        }
    }
    let mut deltas: Vec<KeyDelta> = sums
        .into_iter()
        .map(|(key, sums)| {
            let per_run = |arm: Arm| self_seconds_per_run(runs, arm, |name| name == key);
            KeyDelta {
                key: key.to_string(),
                tier: sums.tier.unwrap_or(Tier::Method),
                calls_per_run_a: sums.calls[0] / runs_per_arm[0],
                calls_per_run_b: sums.calls[1] / runs_per_arm[1],
                total_per_run_a: sums.total[0] / runs_per_arm[0],
                total_per_run_b: sums.total[1] / runs_per_arm[1],
                self_per_run_a: sums.self_time[0] / runs_per_arm[0],
                self_per_run_b: sums.self_time[1] / runs_per_arm[1],
                self_test: judgement.test(&per_run(Arm::A), &per_run(Arm::B)),
                holm_p_value: None,
                reading: KeyReading::NotTestable,
            }
        })
        .collect();
    let judged = judge_all(
        deltas
            .iter()
            .map(|delta| (delta.self_test.map(|test| test.p_value), delta.self_test)),
        judgement,
    );
    for (delta, (adjusted, reading)) in deltas.iter_mut().zip(judged) {
        delta.holm_p_value = adjusted;
        delta.reading = reading;
    }
    deltas.sort_by(|x, y| {
        y.self_delta()
            .abs()
            .total_cmp(&x.self_delta().abs())
            .then_with(|| x.key.cmp(&y.key))
    });
    deltas
}

/// Holm-adjusts the p-values of the tested items and reads each one; untested items stay
/// [`KeyReading::NotTestable`].
pub(crate) fn judge_all(
    items: impl Iterator<Item = (Option<f64>, Option<WelchTest>)>,
    judgement: &Judgement,
) -> Vec<(Option<f64>, KeyReading)> {
    let items: Vec<(Option<f64>, Option<WelchTest>)> = items.collect();
    let tested: Vec<f64> = items.iter().filter_map(|(p, _)| *p).collect();
    let mut adjusted = holm_adjust(&tested).into_iter();
    items
        .iter()
        .map(|(p, test)| {
            let holm = p.and_then(|_| adjusted.next());
            (holm, judgement.read(test.as_ref(), holm))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_interval_is_unclear_and_a_tight_one_inside_the_margin_is_negligible() {
        let judgement = Judgement {
            alpha: 0.05,
            margin_seconds: 2.0,
        };
        let download_a = [20.0, 50.0, 20.0, 50.0, 20.0, 50.0];
        let download_b = [34.9, 35.0, 35.1, 35.2, 35.3, 35.4];
        let wide = judgement.test(&download_a, &download_b).unwrap();
        let steady = judgement
            .test(&[1.0, 1.1, 0.9, 1.0], &[1.05, 1.0, 1.1, 0.95])
            .unwrap();
        let shifted = judgement
            .test(&[1.0, 1.1, 0.9, 1.0], &[9.0, 9.1, 8.9, 9.0])
            .unwrap();
        let read = judge_all(
            [wide, steady, shifted]
                .into_iter()
                .map(|test| (Some(test.p_value), Some(test))),
            &judgement,
        );
        let readings: Vec<KeyReading> = read.iter().map(|(_, reading)| *reading).collect();
        assert_eq!(
            readings,
            vec![
                KeyReading::Unclear,
                KeyReading::Negligible,
                KeyReading::Moved
            ]
        );
        // Holm over three keys: the smallest p is multiplied by 3.
        let smallest = shifted.p_value * 3.0;
        assert!((read[2].0.unwrap() - smallest.min(1.0)).abs() < 1e-12);
        assert_eq!(
            judge_all([(None, None)].into_iter(), &judgement)[0].1,
            KeyReading::NotTestable
        );
    }
}
