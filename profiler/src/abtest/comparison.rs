//! The result of an A/B test, as data: what the reports render and the JSON file holds.

use serde::{Deserialize, Serialize};

use super::attribution::Attribution;
use super::key_delta::KeyDelta;
use super::recommend::Recommendation;
use super::schedule::Arm;
use crate::preset::KnobChange;
use crate::stats::{Center, ConfidenceInterval, PermutationMethod, Statistic, Summary};

/// Version of the comparison JSON layout.
pub const COMPARISON_SCHEMA: u32 = 1;

/// One arm's runs, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmSummary {
    pub name: String,
    /// Runs of this arm, usable or not.
    pub runs: usize,
    /// Runs with at least one unit of work and a duration (the ones the statistics use).
    pub usable_runs: usize,
    /// Units of work attempted over all runs.
    pub units: u64,
    /// Units verified correct over all runs.
    pub correct_units: u64,
    /// `correct_units / units` (0 when nothing was attempted).
    pub success_rate: f64,
    /// Wall time of every run of this arm in schedule order, seconds.
    pub run_seconds: Vec<f64>,
    /// Seconds per unit of every usable run, in schedule order.
    pub seconds_per_unit: Vec<f64>,
    /// Centre and spread of `seconds_per_unit`.
    pub per_unit: Summary,
}

/// An A/B comparison of two presets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Always [`COMPARISON_SCHEMA`] when written by this version.
    pub schema: u32,
    /// What one unit of work is called in reports ("track").
    pub unit: String,
    pub a: ArmSummary,
    pub b: ArmSummary,
    /// Centre used for the ratio.
    pub center: Center,
    /// Statistic of the permutation test.
    pub statistic: Statistic,
    /// Time per unit of B over A (below 1: B is faster), with its bootstrap interval.
    pub ratio_b_over_a: ConfidenceInterval,
    /// Two-sided permutation p-value of the difference in time per unit.
    pub p_value: f64,
    pub test: PermutationMethod,
    pub alpha: f64,
    /// `p_value < alpha` and the interval excludes 1.
    pub significant: bool,
    /// The faster arm, when the difference is significant.
    pub faster: Option<Arm>,
    /// One sentence: "solo_only is 1.92x faster than current (95% CI 1.81–2.04, p = 0.003)".
    pub verdict: String,
    /// Knobs whose values differ, `from` = A and `to` = B.
    pub knob_differences: Vec<KnobChange>,
    /// Mean run time of B minus that of A, seconds.
    pub run_delta: f64,
    /// Every key, largest |change of total time per run| first.
    pub key_deltas: Vec<KeyDelta>,
    /// How many keys the rendered tables show.
    pub top_keys: usize,
    pub attributions: Vec<Attribution>,
    pub recommendations: Vec<Recommendation>,
    /// Caveats: excluded runs, too few runs for significance, differing success rates.
    pub notes: Vec<String>,
    /// How the numbers were computed, in one paragraph.
    pub method: String,
}

impl Comparison {
    /// The summary of `arm`.
    pub fn arm(&self, arm: Arm) -> &ArmSummary {
        match arm {
            Arm::A => &self.a,
            Arm::B => &self.b,
        }
    }

    /// Pretty JSON with the `schema` field first (non-finite numbers become `null`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|error| {
            // Unreachable for this type (every map key is a string); still valid JSON.
            serde_json::json!({ "schema": COMPARISON_SCHEMA, "error": error.to_string() })
                .to_string()
        })
    }

    pub fn from_json(text: &str) -> Result<Comparison, serde_json::Error> {
        serde_json::from_str(text)
    }
}
