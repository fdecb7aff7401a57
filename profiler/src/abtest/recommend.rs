//! Recommendations derived from the measurements, never from wishful thinking.
//!
//! Rules, in order:
//! 1. Inconclusive → run more, with how many runs per arm would settle it; nothing is kept
//!    or adopted on the strength of "nothing was significant".
//! 2. No meaningful difference (the interval lies within the equivalence margin) → either
//!    preset will do; choose on other grounds.
//! 3. The faster preset verified fewer correct units (or a lower success rate) → reject it,
//!    however much faster: speed bought with wrong or missing results is not an improvement.
//! 4. Otherwise adopt the faster preset, and name the knob differences whose keys moved
//!    (Holm-adjusted p < α) and carry at least 10% of the change, those whose interval lies
//!    within the margin (no meaningful difference, said only from an interval), and moved
//!    keys no differing knob governs that carry at least 25% (something other than
//!    configuration). Shares need sequential work; with overlapping spans only the moved
//!    busy time is named.

use serde::{Deserialize, Serialize};

use super::analysis::{margin_text, settle, speedup};
use super::attribution::Attribution;
use super::comparison::{ArmSummary, Comparison, Outcome};
use super::key_delta::KeyReading;
use super::schedule::Arm;
use crate::preset::{KnobChange, format_knob_value};
use crate::stats::{format_seconds, format_signed_seconds};

/// Share of the run-time change from which a knob group counts as explaining it.
const EXPLAINS: f64 = 0.10;
/// Share of unexplained change worth a look.
const INVESTIGATE: f64 = 0.25;

/// What a [`Recommendation`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationKind {
    /// Use the faster preset.
    Adopt,
    /// Do not use the faster preset (it loses correct results).
    Reject,
    /// Either preset will do: the difference lies within the equivalence margin.
    Equivalent,
    /// Collect more runs before deciding.
    RunMore,
    /// Which knob differences explain the change.
    Explain,
    /// A knob difference whose keys' interval lies within the margin.
    NoEffect,
    /// Change that no knob difference explains.
    Investigate,
}

/// One recommendation drawn from the comparison. The rules, in order: an inconclusive result
/// asks for more runs (with how many); an equivalent one says either preset will do; a faster
/// preset with fewer correct units is rejected; otherwise the faster preset is adopted and the
/// knob differences that explain the change are named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// What it is about.
    pub kind: RecommendationKind,
    /// One or two sentences, with the numbers they rest on.
    pub text: String,
}

fn item(kind: RecommendationKind, text: String) -> Recommendation {
    Recommendation { kind, text }
}

fn correct(arm: &ArmSummary) -> String {
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

/// "95% CI −1.2 s to +3.4 s" for a group's interval, or nothing without one.
fn interval_text(attribution: &Attribution) -> String {
    attribution
        .interval
        .map(|test| {
            format!(
                ", {:.0}% CI {} to {}",
                test.level * 100.0,
                format_signed_seconds(test.low),
                format_signed_seconds(test.high)
            )
        })
        .unwrap_or_default()
}

pub(crate) fn recommend(comparison: &Comparison) -> Vec<Recommendation> {
    let (a, b) = (&comparison.a, &comparison.b);
    let unit = &comparison.unit;
    let ratio = &comparison.ratio_b_over_a;
    match comparison.outcome {
        Outcome::Inconclusive => {
            return vec![item(
                RecommendationKind::RunMore,
                format!(
                    "Inconclusive with {} + {} runs: the {:.0}% interval {:.2}–{:.2} of {}/{} allows no difference as well as more than {}. This is no evidence that the presets perform alike; {}.",
                    a.usable_runs,
                    b.usable_runs,
                    ratio.level * 100.0,
                    ratio.low,
                    ratio.high,
                    b.name,
                    a.name,
                    margin_text(comparison.equivalence_margin),
                    settle(comparison)
                ),
            )];
        }
        Outcome::Equivalent => {
            let mut text = format!(
                "No meaningful difference: the {:.0}% interval {:.3}–{:.3} of {}/{} lies within {}, so choose between {} and {} on other grounds.",
                ratio.level * 100.0,
                ratio.low,
                ratio.high,
                b.name,
                a.name,
                margin_text(comparison.equivalence_margin),
                a.name,
                b.name
            );
            if a.success_rate != b.success_rate {
                text.push_str(&format!(
                    " Correct {unit}s: {} {}, {} {}.",
                    a.name,
                    correct(a),
                    b.name,
                    correct(b)
                ));
            }
            return vec![item(RecommendationKind::Equivalent, text)];
        }
        Outcome::Different => {}
    }
    let Some(faster) = comparison.faster else {
        return Vec::new();
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
                "Do not adopt {}: it is {times:.2}x faster but verified fewer correct {unit}s ({} vs {} for {}); its speed comes at the cost of wrong or missing results.",
                fast.name, correct(fast), correct(slow), slow.name
            ),
        ));
    } else {
        items.push(item(
            RecommendationKind::Adopt,
            format!(
                "Adopt {}: {times:.2}x faster per {unit} with no loss of correct {unit}s ({} vs {}).",
                fast.name,
                correct(fast),
                correct(slow)
            ),
        ));
    }

    let towards_fast = |delta: f64| match faster {
        Arm::B => -delta,
        Arm::A => delta,
    };
    for attribution in &comparison.attributions {
        let saved = towards_fast(attribution.delta_per_run);
        let moved = attribution.reading == KeyReading::Moved;
        let interval = interval_text(attribution);
        if attribution.explained_by_knobs() {
            let moves = knob_moves(&attribution.knobs, faster);
            match attribution.share_of_change {
                Some(share) if moved && share >= EXPLAINS => items.push(item(
                    RecommendationKind::Explain,
                    format!(
                        "{moves} explains {:.0}% of the difference: {} take {} less per run with {} (self time{interval}).",
                        share * 100.0,
                        keys_phrase(attribution),
                        format_seconds(saved),
                        fast.name
                    ),
                )),
                Some(share) if moved && share <= -EXPLAINS => items.push(item(
                    RecommendationKind::Explain,
                    format!(
                        "{moves} works against {}: {} take {} more per run with it (self time{interval}), offsetting {:.0}% of the gain.",
                        fast.name,
                        keys_phrase(attribution),
                        format_seconds(-saved),
                        -share * 100.0
                    ),
                )),
                None if moved => items.push(item(
                    RecommendationKind::Explain,
                    format!(
                        "{moves}: busy time in {} changed by {} per run{interval}; the spans overlapped, so this is not a share of the change in run time.",
                        keys_phrase(attribution),
                        format_signed_seconds(attribution.delta_per_run),
                    ),
                )),
                _ if attribution.reading == KeyReading::Negligible => items.push(item(
                    RecommendationKind::NoEffect,
                    format!(
                        "{moves} made no meaningful difference: {} changed by {} per run{interval}, within {} of {}'s run time; choose its value on other grounds.",
                        keys_phrase(attribution),
                        format_signed_seconds(attribution.delta_per_run),
                        margin_text(comparison.equivalence_margin),
                        a.name
                    ),
                )),
                _ => {}
            }
        } else if moved
            && !comparison.knob_differences.is_empty()
            && attribution
                .share_of_change
                .is_some_and(|share| share.abs() >= INVESTIGATE)
        {
            items.push(item(
                RecommendationKind::Investigate,
                format!(
                    "{:.0}% of the difference is in {} (self time {} per run{interval}), which no differing knob governs; something other than the configuration moved it.",
                    attribution.share_of_change.unwrap_or(0.0) * 100.0,
                    keys_phrase(attribution),
                    format_signed_seconds(attribution.delta_per_run)
                ),
            ));
        }
    }
    items
}
