//! The practical-significance floor: a key's change counts only when it matters to the run.
//!
//! Why: on a loaded machine a sub-millisecond call can be 40–70% slower in every rerun of the
//! same configuration while the run as a whole is faster; the test is right that the key
//! moved, but the move costs the run nothing a person would act on. So besides the relative
//! threshold and the test, a key's **absolute change per run** — the mean per-run total of
//! its calls now minus in the baseline, in the direction of the change — must reach
//! [`GateConfig::min_share`](super::GateConfig::min_share) of the baseline run's wall time.
//! Below that the key is [`Verdict::Negligible`](super::Verdict::Negligible): reported with
//! both facts (relative change, absolute change and its share), never failing.
//!
//! **The run's wall time** is the mean per-run total of the *wall key*: the system-tier key
//! with the largest per-run total in the baseline (the root span, `automation.run` in the
//! automator), or the largest key of any tier when no system key exists.
//!
//! **When the run is not slower** (the wall key is not significantly slower), a method or
//! operation key's slowdown must clear the floor with confidence: the low end of its 95%
//! interval times its baseline per-run total must reach the floor, not just the point
//! estimate. A real slowdown of a part shows in the whole unless something else got faster;
//! without that corroboration the key's own evidence must carry it.

use serde::{Deserialize, Serialize};

use super::model::{KeyBaseline, PerformanceBaseline};
use crate::tier::Tier;

/// Default [`GateConfig::min_share`](super::GateConfig::min_share): 1% of the run's wall time.
pub const DEFAULT_MIN_SHARE: f64 = 0.01;

/// The floor that applied to a comparison (all durations in nanoseconds per run).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunFloor {
    /// The share of the baseline run's wall time a key's change per run must reach (0.01 =
    /// 1%); 0 turns the floor off.
    pub min_share: f64,
    /// The key whose per-run total is the run's wall time; `None` when the baseline has no
    /// keys.
    pub wall_key: Option<String>,
    /// Mean per-run total of the wall key in the baseline: the run's wall time.
    pub wall_ns: Option<f64>,
    /// `min_share × wall_ns`: the smallest change per run that counts (0 without a wall).
    pub floor_ns: f64,
    /// Whether the wall key is significantly slower now (one-sided Welch p after
    /// Benjamini–Hochberg < α, or slower at all when it could not be tested). When it is
    /// not, method and operation keys must clear the floor at their interval's low end.
    pub run_slower: bool,
}

impl RunFloor {
    /// The floor of `baseline` for `min_share` (`run_slower` is settled once the wall key
    /// has been tested).
    pub fn of(baseline: &PerformanceBaseline, min_share: f64) -> RunFloor {
        let largest = |system_only: bool| {
            baseline
                .keys
                .iter()
                .filter(|key| key.count > 0 && (!system_only || key.tier == Tier::System))
                .map(|key| (key, per_run_total_ns(key, baseline.runs)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
        };
        let wall = largest(true).or_else(|| largest(false));
        let wall_ns = wall.map(|(_, total)| total);
        RunFloor {
            min_share,
            wall_key: wall.map(|(key, _)| key.key.clone()),
            wall_ns,
            floor_ns: wall_ns.map_or(0.0, |wall| (min_share * wall).max(0.0)),
            run_slower: false,
        }
    }

    /// Whether a change of `delta_ns` per run (signed: positive is slower) in the direction
    /// `slower` reaches the floor. Always true when the floor is off (0).
    pub fn reached_by(&self, delta_ns: f64, slower: bool) -> bool {
        let toward = if slower { delta_ns } else { -delta_ns };
        self.floor_ns <= 0.0 || toward >= self.floor_ns
    }

    /// `delta_ns` as a share of the run's wall time (`None` without a wall).
    pub fn share_of(&self, delta_ns: f64) -> Option<f64> {
        self.wall_ns
            .filter(|wall| *wall > 0.0)
            .map(|wall| delta_ns / wall)
    }
}

/// Mean total wall time of `key`'s calls per run of a side measured over `runs` runs
/// (runs that did not call the key count as 0), nanoseconds.
pub fn per_run_total_ns(key: &KeyBaseline, runs: u32) -> f64 {
    let total: u64 = key.run_values().iter().map(|run| run.total_ns).sum();
    total as f64 / f64::from(runs.max(1))
}
