//! Recommendations derived from the measurements, never from wishful thinking.
//!
//! Rules, in order:
//! 1. No significant difference → keep A (changing configuration needs evidence); ask for
//!    more runs when the run count could not have produced significance at all.
//! 2. The faster preset verified fewer correct units (or a lower success rate) → reject it,
//!    however much faster: speed bought with wrong or missing files is not an improvement.
//! 3. Otherwise adopt the faster preset, and name the knob differences that explain the delta
//!    (attributions carrying at least 10% of the change), the knob differences that made no
//!    measurable difference (under 5%), and large shares of the change that no differing knob
//!    governs (at least 25%), which point at something other than configuration (only when
//!    the caller said which knobs differ; without that nothing can be blamed on them).

use serde::{Deserialize, Serialize};

use super::analysis::speedup;
use super::attribution::Attribution;
use super::comparison::{ArmSummary, Comparison};
use super::schedule::Arm;
use crate::preset::{KnobChange, format_knob_value};
use crate::stats::{format_seconds, smallest_p_value};

/// Share of the run-time change from which a knob group counts as explaining it.
const EXPLAINS: f64 = 0.10;
/// Share below which a knob difference made no measurable difference.
const NO_EFFECT: f64 = 0.05;
/// Share of unexplained change worth a look.
const INVESTIGATE: f64 = 0.25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationKind {
    /// Use the faster preset.
    Adopt,
    /// Do not use the faster preset (it loses correct results).
    Reject,
    /// Keep the current preset (no evidence for a change).
    Keep,
    /// Collect more runs before deciding.
    RunMore,
    /// Which knob differences explain the change.
    Explain,
    /// A knob difference that made no measurable difference.
    NoEffect,
    /// Change that no knob difference explains.
    Investigate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub kind: RecommendationKind,
    pub text: String,
}

fn item(kind: RecommendationKind, text: String) -> Recommendation {
    Recommendation { kind, text }
}

fn files(arm: &ArmSummary) -> String {
    format!("{}/{}", arm.correct_units, arm.units)
}

/// Knob values as "knob slow → fast", i.e. what adopting the faster preset changes.
fn knob_moves(knobs: &[KnobChange], faster: Arm) -> String {
    knobs
        .iter()
        .map(|change| {
            let (from, to) = match faster {
                Arm::B => (&change.from, &change.to),
                Arm::A => (&change.to, &change.from),
            };
            let show = |value: &Option<toml::Value>| {
                value
                    .as_ref()
                    .map_or_else(|| "unset".to_string(), format_knob_value)
            };
            format!("{} {} → {}", change.knob, show(from), show(to))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn keys_phrase(attribution: &Attribution) -> String {
    let group = if attribution.is_unmapped() {
        "keys no knob rule covers".to_string()
    } else {
        format!("keys matching `{}`", attribution.key_pattern)
    };
    let shown: Vec<&str> = attribution
        .keys
        .iter()
        .take(3)
        .map(String::as_str)
        .collect();
    if shown.is_empty() {
        group
    } else {
        format!("{group} ({})", shown.join(", "))
    }
}

pub(crate) fn recommend(comparison: &Comparison) -> Vec<Recommendation> {
    let (a, b) = (&comparison.a, &comparison.b);
    let Some(faster) = comparison.faster else {
        let mut items = vec![item(
            RecommendationKind::Keep,
            format!(
                "Keep {}: {} is not measurably different, so there is no evidence for changing the configuration.",
                a.name, b.name
            ),
        )];
        let floor = smallest_p_value(a.usable_runs, b.usable_runs);
        if floor >= comparison.alpha
            || comparison.ratio_b_over_a.high / comparison.ratio_b_over_a.low > 1.5
        {
            items.push(item(
                RecommendationKind::RunMore,
                format!(
                    "The result is inconclusive rather than a proof of equality ({} + {} runs, interval {:.2}–{:.2}); run more, at least 4 per arm.",
                    a.usable_runs, b.usable_runs, comparison.ratio_b_over_a.low, comparison.ratio_b_over_a.high
                ),
            ));
        }
        return items;
    };
    let (fast, slow) = match faster {
        Arm::A => (a, b),
        Arm::B => (b, a),
    };
    let (times, _, _) = speedup(&comparison.ratio_b_over_a, faster);
    let mut items = Vec::new();
    if fast.correct_units < slow.correct_units || fast.success_rate < slow.success_rate {
        items.push(item(
            RecommendationKind::Reject,
            format!(
                "Do not adopt {}: it is {times:.2}x faster but verified fewer correct files ({} vs {} for {}); its speed comes at the cost of wrong or missing results.",
                fast.name, files(fast), files(slow), slow.name
            ),
        ));
    } else {
        items.push(item(
            RecommendationKind::Adopt,
            format!(
                "Adopt {}: {times:.2}x faster per {} with no loss of correct files ({} vs {}).",
                fast.name,
                comparison.unit,
                files(fast),
                files(slow)
            ),
        ));
    }

    let towards_fast = |delta: f64| match faster {
        Arm::B => -delta,
        Arm::A => delta,
    };
    for attribution in &comparison.attributions {
        let saved = towards_fast(attribution.delta_per_run);
        let share = attribution.share;
        if attribution.explained_by_knobs() {
            let moves = knob_moves(&attribution.knobs, faster);
            if share >= EXPLAINS {
                items.push(item(
                    RecommendationKind::Explain,
                    format!(
                        "{moves} explains {:.0}% of the difference: {} take {} less per run with {}.",
                        share * 100.0,
                        keys_phrase(attribution),
                        format_seconds(saved),
                        fast.name
                    ),
                ));
            } else if share <= -EXPLAINS {
                items.push(item(
                    RecommendationKind::Explain,
                    format!(
                        "{moves} works against {}: {} take {} more per run with it (offsetting {:.0}% of the gain).",
                        fast.name,
                        keys_phrase(attribution),
                        format_seconds(-saved),
                        -share * 100.0
                    ),
                ));
            } else if share.abs() < NO_EFFECT {
                items.push(item(
                    RecommendationKind::NoEffect,
                    format!(
                        "{moves} made no measurable difference ({} changed by {} per run); choose its value on other grounds.",
                        keys_phrase(attribution),
                        format_seconds(attribution.delta_per_run.abs())
                    ),
                ));
            }
        } else if !comparison.knob_differences.is_empty() && share.abs() >= INVESTIGATE {
            items.push(item(
                RecommendationKind::Investigate,
                format!(
                    "{:.0}% of the difference is in {}, which no differing knob governs; something other than the configuration moved it.",
                    share * 100.0,
                    keys_phrase(attribution)
                ),
            ));
        }
    }
    items
}
