//! From the runs of an A/B test to a [`Comparison`].
//!
//! The sample is one number per run: seconds per unit of work (a run's wall time over the
//! units it attempted), so runs with different amounts of work stay comparable and each
//! run, not each call, is the independent unit — calls within a run share the same browser,
//! server state and drift, and treating them as independent would overstate the certainty.
//!
//! One model gives the effect, its interval and the test (see [`crate::stats::log_ratio`]):
//! Welch's t-test on the log of time per unit. The effect is the ratio of geometric means
//! B/A, the interval is `exp` of the Welch interval of the mean log difference at level
//! 1 − α, and the p-value comes from the same t statistic with Welch–Satterthwaite degrees
//! of freedom. The verdict follows this model only, so p < α exactly when the interval
//! excludes 1: verdict, interval and p cannot contradict each other. It has power from three
//! runs per arm, which a rank test of 3 + 3 runs (smallest p = 0.1) cannot have.
//!
//! The exact permutation test of the rank sum is kept beside it as a robustness check
//! ([`Comparison::rank_p_value`]): it ignores how far out one slow run lies, so when the two
//! disagree a report says so. It never decides the verdict.
//!
//! The reading has three outcomes ([`Outcome`]): one arm is faster (p < α); no meaningful
//! difference (the whole interval lies within ± the equivalence margin, 5% by default); or
//! inconclusive, with the runs per arm that would settle it — never "no difference" because
//! nothing was significant.

use super::attribution::{AttributionInput, KnobMap, attribute};
use super::cold_warm::{ColdWarmPhase, cold_warm_phases};
use super::comparison::{ArmSummary, COMPARISON_SCHEMA, Comparison, Outcome};
use super::error::AbTestError;
use super::key_delta::{Judgement, key_deltas, self_seconds_per_run};
use super::provenance::Provenance;
use super::recommend::recommend;
use super::sample::RunSample;
use super::schedule::Arm;
use crate::preset::KnobChange;
use crate::stats::{
    Center, ConfidenceInterval, PermutationConfig, Statistic, Summary, format_p_value,
    format_ratio, log_ratio, mean, permutation_test, runs_needed, smallest_p_value, stddev,
};

/// How the cold-vs-warm table is computed, appended to the method when the runs have a cold
/// key.
const COLD_WARM_METHOD: &str = " Cold vs warm: per run, the mean inclusive time per call of each `…@cold` key (the first of its kind after a start, e.g. a browser session's first track) and of its warm key; per arm the geometric mean over the runs with the key and exp of the Student t interval of the mean log; B/A with the Welch interval and p on log time per call, as the verdict; a run without the key is left out of that phase only.";
/// Power at which [`Comparison::runs_needed_per_arm`] would detect the margin.
pub const PLANNING_POWER: f64 = 0.8;
/// Keys' summed self time may exceed the wall time by this factor (timer granularity,
/// spans closing just after the run's clock stops) before the work counts as concurrent.
const SEQUENTIAL_SLACK: f64 = 1.05;
/// Largest run count [`runs_needed`] searches.
const RUNS_NEEDED_LIMIT: usize = 10_000;

/// Statistical settings of the analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisConfig {
    /// Significance level; the interval's level is 1 − α, which keeps them coherent.
    pub alpha: f64,
    /// Relative difference too small to matter (0.05 = 5%): "no meaningful difference" needs
    /// the whole interval of B/A within [1/(1 + margin), 1 + margin]; per key and per knob
    /// group the margin is this fraction of A's mean run time, in seconds per run.
    pub equivalence_margin: f64,
    /// The rank-sum permutation test printed as a robustness check.
    pub permutation: PermutationConfig,
    /// Keys shown in the "where the time moved" tables.
    pub top_keys: usize,
    /// Name of one unit of work in reports ("track", "request", …).
    pub unit: String,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            alpha: 0.05,
            equivalence_margin: 0.05,
            permutation: PermutationConfig::default(),
            top_keys: 10,
            unit: "track".to_string(),
        }
    }
}

/// What the caller knows about the two presets, for explaining the result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explanation {
    /// Knobs that differ, `from` = A's value and `to` = B's (see
    /// [`crate::preset::diff_configs`]).
    pub knob_differences: Vec<KnobChange>,
    /// Which keys each group of knobs acts on.
    pub knob_map: KnobMap,
}

/// Compares arm A (`a_name`) with arm B (`b_name`) over `runs`. Needs at least two usable
/// runs per arm (one run has no spread, so no interval).
///
/// # Errors
///
/// [`AbTestError::NoUsableRuns`] when an arm has no run with work and a duration,
/// [`AbTestError::TooFewRuns`] when it has only one, and [`AbTestError::Stats`] when a
/// statistic rejects the values (a non-finite duration).
pub fn analyze(
    a_name: &str,
    b_name: &str,
    runs: &[RunSample],
    explanation: &Explanation,
    config: &AnalysisConfig,
) -> Result<Comparison, AbTestError> {
    // An A/A check names both arms the same; keep the sentences readable.
    let (a_name, b_name) = if a_name == b_name {
        (format!("{a_name} (A)"), format!("{b_name} (B)"))
    } else {
        (a_name.to_string(), b_name.to_string())
    };
    let a = summarize(&a_name, Arm::A, runs)?;
    let b = summarize(&b_name, Arm::B, runs)?;
    for arm in [&a, &b] {
        if arm.usable_runs < 2 {
            return Err(AbTestError::TooFewRuns {
                arm: arm.name.clone(),
                usable: arm.usable_runs,
            });
        }
    }

    let level = 1.0 - config.alpha;
    let (ratio, log_test) = log_ratio(&b.seconds_per_unit, &a.seconds_per_unit, level)?;
    let rank = permutation_test(
        &a.seconds_per_unit,
        &b.seconds_per_unit,
        Statistic::RankSum,
        &config.permutation,
    )?;
    let significant = log_test.p_value < config.alpha;
    let margin = config.equivalence_margin;
    let outcome = if significant {
        Outcome::Different
    } else if 1.0 / (1.0 + margin) <= ratio.low && ratio.high <= 1.0 + margin {
        Outcome::Equivalent
    } else {
        Outcome::Inconclusive
    };
    let faster = significant.then_some(if ratio.estimate < 1.0 { Arm::B } else { Arm::A });
    let log_spread = pooled_log_spread(&a.seconds_per_unit, &b.seconds_per_unit);
    let runs_needed_per_arm = runs_needed(
        log_spread,
        (1.0 + margin).ln(),
        config.alpha,
        PLANNING_POWER,
        RUNS_NEEDED_LIMIT,
    );

    let usable: Vec<&RunSample> = runs
        .iter()
        .filter(|run| run.seconds_per_unit().is_some())
        .collect();
    let usable_seconds = |arm: Arm| -> Vec<f64> {
        usable
            .iter()
            .filter(|run| run.arm == arm)
            .map(|run| run.duration.as_secs_f64())
            .collect()
    };
    let mean_run_a = mean(&usable_seconds(Arm::A)).unwrap_or(0.0);
    let run_delta = mean(&usable_seconds(Arm::B)).unwrap_or(0.0) - mean_run_a;
    let busy_over_wall = busy_over_wall(&usable);
    let sequential = busy_over_wall <= SEQUENTIAL_SLACK;
    let judgement = Judgement {
        alpha: config.alpha,
        margin_seconds: margin * mean_run_a,
    };
    let deltas = key_deltas(&usable, &judgement);
    let attributions = attribute(
        &deltas,
        &AttributionInput {
            runs: &usable,
            knob_differences: &explanation.knob_differences,
            map: &explanation.knob_map,
            run_delta,
            judgement,
            shares: significant && sequential,
        },
    );

    let cold_warm = cold_warm_phases(runs, level);
    let mut method = method(config);
    if !cold_warm.is_empty() {
        method.push_str(COLD_WARM_METHOD);
    }
    let mut comparison = Comparison {
        schema: COMPARISON_SCHEMA,
        unit: config.unit.clone(),
        verdict: String::new(),
        notes: Vec::new(),
        method,
        a,
        b,
        center: Center::GeometricMean,
        statistic: Statistic::RankSum,
        ratio_b_over_a: ratio,
        p_value: log_test.p_value,
        log_test,
        rank_p_value: rank.p_value,
        test: rank.method,
        alpha: config.alpha,
        significant,
        faster,
        outcome,
        equivalence_margin: margin,
        runs_needed_per_arm,
        busy_over_wall,
        sequential,
        knob_differences: explanation.knob_differences.clone(),
        run_delta,
        key_deltas: deltas,
        cold_warm,
        top_keys: config.top_keys,
        attributions,
        recommendations: Vec::new(),
        provenance: Provenance::of_runs(runs),
    };
    comparison.verdict = verdict(&comparison);
    comparison.notes = notes(&comparison);
    comparison.recommendations = recommend(&comparison);
    Ok(comparison)
}

/// Root mean square of the two arms' standard deviations of log time per unit: the spread
/// a planned test with equal runs per arm would face.
fn pooled_log_spread(a: &[f64], b: &[f64]) -> f64 {
    let spread = |sample: &[f64]| {
        let logs: Vec<f64> = sample.iter().map(|value| value.ln()).collect();
        stddev(&logs).unwrap_or(0.0)
    };
    ((spread(a).powi(2) + spread(b).powi(2)) / 2.0).sqrt()
}

/// Mean over runs of the keys' summed self time over the run's wall time: at most about 1
/// when work is sequential, above 1 when spans overlapped.
fn busy_over_wall(runs: &[&RunSample]) -> f64 {
    let ratios: Vec<f64> = [Arm::A, Arm::B]
        .into_iter()
        .flat_map(|arm| {
            let walls = runs
                .iter()
                .filter(move |run| run.arm == arm)
                .map(|run| run.duration.as_secs_f64());
            self_seconds_per_run(runs, arm, |_| true)
                .into_iter()
                .zip(walls)
                .map(|(busy, wall)| busy / wall)
        })
        .collect();
    mean(&ratios).unwrap_or(0.0)
}

fn summarize(name: &str, arm: Arm, runs: &[RunSample]) -> Result<ArmSummary, AbTestError> {
    let mine: Vec<&RunSample> = runs.iter().filter(|run| run.arm == arm).collect();
    let seconds_per_unit: Vec<f64> = mine
        .iter()
        .filter_map(|run| run.seconds_per_unit())
        .collect();
    let per_unit = Summary::of(&seconds_per_unit).ok_or_else(|| AbTestError::NoUsableRuns {
        arm: name.to_string(),
    })?;
    let units: u64 = mine.iter().map(|run| run.units).sum();
    let correct_units: u64 = mine
        .iter()
        .map(|run| run.correct_units.min(run.units))
        .sum();
    Ok(ArmSummary {
        name: name.to_string(),
        runs: mine.len(),
        usable_runs: seconds_per_unit.len(),
        units,
        correct_units,
        success_rate: if units > 0 {
            correct_units as f64 / units as f64
        } else {
            0.0
        },
        run_seconds: mine.iter().map(|run| run.duration.as_secs_f64()).collect(),
        seconds_per_unit,
        per_unit,
    })
}

/// The interval of the "x times faster" ratio: B/A as is, or inverted when A is faster.
pub(crate) fn speedup(ratio: &ConfidenceInterval, faster: Arm) -> (f64, f64, f64) {
    match faster {
        Arm::B => (1.0 / ratio.estimate, 1.0 / ratio.high, 1.0 / ratio.low),
        Arm::A => (ratio.estimate, ratio.low, ratio.high),
    }
}

/// "±5%" for a margin of 0.05.
pub(crate) fn margin_text(margin: f64) -> String {
    let percent = margin * 100.0;
    if percent.fract() == 0.0 {
        format!("±{percent:.0}%")
    } else {
        format!("±{percent}%")
    }
}

fn verdict(comparison: &Comparison) -> String {
    let (a, b) = (&comparison.a.name, &comparison.b.name);
    let ratio = &comparison.ratio_b_over_a;
    let level = ratio.level * 100.0;
    let p = format_p_value(comparison.p_value);
    let margin = margin_text(comparison.equivalence_margin);
    match (comparison.outcome, comparison.faster) {
        (Outcome::Different, Some(arm)) => {
            let (fast, slow) = if arm == Arm::B { (b, a) } else { (a, b) };
            let (times, low, high) = speedup(ratio, arm);
            let small = if 1.0 / (1.0 + comparison.equivalence_margin) <= ratio.low
                && ratio.high <= 1.0 + comparison.equivalence_margin
            {
                format!("; real but small: the whole interval lies within the {margin} margin")
            } else {
                String::new()
            };
            format!(
                "{fast} is {times:.2}x faster than {slow} per {unit} ({level:.0}% CI {low:.2}–{high:.2}, {p}){small}",
                unit = comparison.unit
            )
        }
        (Outcome::Equivalent, _) => format!(
            "no meaningful difference between {a} and {b}: {b}/{a} = {}, {level:.0}% CI {:.3}–{:.3} lies within the {margin} equivalence margin ({p})",
            format_ratio(ratio.estimate),
            ratio.low,
            ratio.high
        ),
        _ => format!(
            "inconclusive: {b}/{a} = {}, {level:.0}% CI {:.2}–{:.2} ({p}) includes both no difference and differences beyond {margin}; {}",
            format_ratio(ratio.estimate),
            ratio.low,
            ratio.high,
            settle(comparison)
        ),
    }
}

/// What would settle an inconclusive comparison.
pub(crate) fn settle(comparison: &Comparison) -> String {
    let now = comparison.a.usable_runs.min(comparison.b.usable_runs);
    let margin = margin_text(comparison.equivalence_margin);
    match comparison.runs_needed_per_arm {
        Some(needed) => format!(
            "at the observed spread about {needed} runs per arm (now {now}) would detect a {margin} difference with {:.0}% power",
            PLANNING_POWER * 100.0
        ),
        None => format!(
            "the runs vary so much that even {RUNS_NEEDED_LIMIT} runs per arm would not detect a {margin} difference; reduce the noise first"
        ),
    }
}

fn notes(comparison: &Comparison) -> Vec<String> {
    let (a, b) = (&comparison.a, &comparison.b);
    let unit = &comparison.unit;
    let mut notes = Vec::new();
    for arm in [a, b] {
        let excluded = arm.runs - arm.usable_runs;
        if excluded > 0 {
            notes.push(format!(
                "{excluded} run(s) of {} attempted no work and were left out of the timing statistics",
                arm.name
            ));
        }
    }
    let rank_significant = comparison.rank_p_value < comparison.alpha;
    let floor = smallest_p_value(a.usable_runs, b.usable_runs);
    if comparison.significant && !rank_significant && floor < comparison.alpha {
        notes.push(format!(
            "the rank check disagrees (p = {:.3}): the difference may rest on one or two far-out runs; look at the run times",
            comparison.rank_p_value
        ));
    }
    if !comparison.significant && rank_significant {
        notes.push(format!(
            "the rank check finds a difference (p = {:.3}) that the verdict's model does not: one far-out run can widen the interval on log times enough to hide it; look at the run times and rerun rather than read this as no difference",
            comparison.rank_p_value
        ));
    }
    if !comparison.sequential {
        notes.push(format!(
            "spans overlapped in time (summed self time of the keys is {:.1}x the wall time), so per-key changes are busy time and do not add up to the change in run time; no shares of the change are given",
            comparison.busy_over_wall
        ));
    }
    notes.extend(cold_start_notes(comparison));
    if a.correct_units != a.units || b.correct_units != b.units {
        notes.push(format!(
            "not every {unit} was verified correct: {} {}/{}, {} {}/{}",
            a.name, a.correct_units, a.units, b.name, b.correct_units, b.units
        ));
    }
    notes
}

/// A cold phase that differs significantly (p < α) where the time per unit does not, or
/// does the other way: the headline averaged a cold-start change away, so say it.
fn cold_start_notes(comparison: &Comparison) -> Vec<String> {
    let headline_up = comparison.ratio_b_over_a.estimate > 1.0;
    comparison
        .cold_warm
        .iter()
        .filter(|phase| phase.phase == ColdWarmPhase::Cold)
        .filter_map(|phase| {
            let ratio = phase.ratio_b_over_a?;
            if phase.p_value? >= comparison.alpha {
                return None;
            }
            let hidden = if !comparison.significant {
                "does not show it"
            } else if (ratio.estimate > 1.0) != headline_up {
                "moved the other way"
            } else {
                return None;
            };
            Some(format!(
                "the cold start moved on its own: {}; the time per {}, which averages it with the warm calls, {hidden}",
                phase.sentence(&comparison.a.name, &comparison.b.name),
                comparison.unit
            ))
        })
        .collect()
}

fn method(config: &AnalysisConfig) -> String {
    format!(
        "One sample per run: wall time over {unit}s attempted. Model: Welch's t-test on the log of time per {unit}; effect = ratio of geometric means B/A with the {level:.0}% interval exp(Welch interval of the mean log difference, Welch–Satterthwaite degrees of freedom). Different when p < {alpha} (equivalently, the interval excludes 1); no meaningful difference when the interval lies within {margin}; otherwise inconclusive. Robustness check, not the verdict: two-sided permutation test of the rank sum (Wilcoxon–Mann–Whitney). Where the time moved: self time per run per key, Welch interval of B − A, Holm-adjusted over keys; knob shares assume sequential work and are given only for a significant change. Runs interleaved A B B A so drift hits both arms alike.",
        unit = config.unit,
        level = (1.0 - config.alpha) * 100.0,
        alpha = config.alpha,
        margin = margin_text(config.equivalence_margin),
    )
}
