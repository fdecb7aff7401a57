//! The result of an A/B test, as data: what the reports render and the JSON file holds.

use serde::{Deserialize, Serialize};

use super::attribution::Attribution;
use super::cold_warm::PhaseComparison;
use super::key_delta::KeyDelta;
use super::provenance::Provenance;
use super::recommend::Recommendation;
use super::schedule::Arm;
use crate::preset::KnobChange;
use crate::stats::{Center, ConfidenceInterval, PermutationMethod, Statistic, Summary, WelchTest};

/// Version of the comparison JSON layout (2: Welch on log times, outcome, rank check,
/// per-key intervals). Fields added later with a default ([`Comparison::provenance`],
/// [`Comparison::cold_warm`]) keep the version: files without them still load (the field
/// is empty) and readers of version 2 that do not know them ignore them. The version
/// changes only when an existing field changes meaning or shape.
pub const COMPARISON_SCHEMA: u32 = 2;

/// How the comparison reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// p < α: one arm is faster ([`Comparison::faster`]).
    Different,
    /// The whole interval of B/A lies within the equivalence margin.
    Equivalent,
    /// Neither: the interval holds both "no difference" and differences beyond the margin.
    Inconclusive,
}

/// One arm's runs, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmSummary {
    /// The arm's label: the preset's name (`<name>-A`/`<name>-B` in an A/A test).
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
    /// Arm A, the first preset given (the reference of the ratio).
    pub a: ArmSummary,
    /// Arm B, the second preset given.
    pub b: ArmSummary,
    /// Centre whose ratio is the effect: the geometric mean (Welch on log times).
    pub center: Center,
    /// Statistic of the robustness check (the rank sum).
    pub statistic: Statistic,
    /// Geometric mean of time per unit of B over A (below 1: B is faster), with the
    /// `exp` of the Welch interval of the mean log difference at level 1 − α.
    pub ratio_b_over_a: ConfidenceInterval,
    /// Two-sided Welch p-value of the mean log difference (the verdict's test).
    pub p_value: f64,
    /// The Welch test on log time per unit, B − A.
    pub log_test: WelchTest,
    /// Robustness check, not the verdict: two-sided exact (or Monte Carlo) permutation
    /// p-value of the rank sum of time per unit.
    pub rank_p_value: f64,
    /// How `rank_p_value` was computed.
    pub test: PermutationMethod,
    /// Significance level of the verdict (0.05 by default).
    pub alpha: f64,
    /// `p_value < alpha`, which for Welch is the same as the interval excluding 1.
    pub significant: bool,
    /// The faster arm, when the difference is significant.
    pub faster: Option<Arm>,
    /// Different, equivalent or inconclusive.
    pub outcome: Outcome,
    /// Relative margin within which a difference does not matter (0.05 = ±5%).
    pub equivalence_margin: f64,
    /// Runs per arm that would detect a difference of the margin with 80% power at the
    /// observed spread of log time per unit (`None`: more than 10 000).
    pub runs_needed_per_arm: Option<usize>,
    /// Mean over runs of the keys' summed self time over the wall time (above 1: spans
    /// overlapped).
    pub busy_over_wall: f64,
    /// Whether the work was sequential (`busy_over_wall` ≤ 1.05), as shares of the change
    /// assume.
    pub sequential: bool,
    /// One sentence: "solo_only is 1.41x faster than current per track (95% CI 1.37–1.45,
    /// p = 6.1e-6)", "no meaningful difference …" or "inconclusive: … about N runs per arm …".
    pub verdict: String,
    /// Knobs whose values differ, `from` = A and `to` = B.
    pub knob_differences: Vec<KnobChange>,
    /// Mean run time of B minus that of A, seconds.
    pub run_delta: f64,
    /// Every key, largest |change of total time per run| first.
    pub key_deltas: Vec<KeyDelta>,
    /// How many keys the rendered tables show.
    pub top_keys: usize,
    /// Cold vs warm: for every `…@cold` key of the runs, its cold phase then its warm phase,
    /// each with both arms' time per call and B/A (see [`PhaseComparison`]); empty when no
    /// run has a cold key, and in files written before it existed.
    #[serde(default)]
    pub cold_warm: Vec<PhaseComparison>,
    /// The run-time change split by [`KnobMap`](super::KnobMap) rule, largest first.
    pub attributions: Vec<Attribution>,
    /// What to do about the result, in the order of the rules in [`Recommendation`].
    pub recommendations: Vec<Recommendation>,
    /// Caveats: excluded runs, too few runs for significance, differing success rates.
    pub notes: Vec<String>,
    /// How the numbers were computed, in one paragraph.
    pub method: String,
    /// When and where the runs ran, the warm-up and the run order (empty in older files).
    #[serde(default)]
    pub provenance: Provenance,
}

impl Comparison {
    /// The summary of `arm`.
    pub fn arm(&self, arm: Arm) -> &ArmSummary {
        match arm {
            Arm::A => &self.a,
            Arm::B => &self.b,
        }
    }

    /// The arm's name with its role, "current (A)"; an A/A comparison's names already carry
    /// it and are not labelled twice.
    pub fn arm_label(&self, arm: Arm) -> String {
        let (name, role) = match arm {
            Arm::A => (&self.a.name, "(A)"),
            Arm::B => (&self.b.name, "(B)"),
        };
        if name.ends_with(role) {
            name.clone()
        } else {
            format!("{name} {role}")
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

    /// Reads a comparison back from [`Comparison::to_json`]'s text.
    ///
    /// # Errors
    ///
    /// `serde_json`'s error when the text is not a comparison of this schema.
    pub fn from_json(text: &str) -> Result<Comparison, serde_json::Error> {
        serde_json::from_str(text)
    }
}
