//! From the runs of an A/B test to a [`Comparison`].
//!
//! The sample is one number per run: seconds per unit of work (a run's wall time over the
//! tracks it attempted), so runs with different amounts of work stay comparable and each
//! run, not each call, is the independent unit — calls within a run share the same browser,
//! server state and drift, and treating them as independent would overstate the certainty.
//! On those samples:
//! - the effect is the ratio of the arms' medians (robust to one slow run), with a 95%
//!   percentile-bootstrap interval (each arm resampled separately, seeded ChaCha RNG);
//! - the p-value is a two-sided permutation test of the rank sum (Wilcoxon-Mann-Whitney),
//!   exact for up to 20 000 splits (8 + 8 runs) and Monte Carlo beyond; ranks share the
//!   median's indifference to one far-out run but, unlike a median difference, reach the
//!   smallest p the run count allows (see [`Statistic`]);
//! - a difference is called significant only when p < α *and* the interval excludes 1, so
//!   the sentence and the interval never contradict each other. The exact test keeps the
//!   false-positive rate of an A/A comparison at or below α.

use super::attribution::{KnobMap, attribute};
use super::comparison::{ArmSummary, COMPARISON_SCHEMA, Comparison};
use super::error::AbTestError;
use super::key_delta::key_deltas;
use super::recommend::recommend;
use super::sample::RunSample;
use super::schedule::Arm;
use crate::preset::KnobChange;
use crate::stats::{
    BootstrapConfig, Center, ConfidenceInterval, PermutationConfig, PermutationMethod, Statistic,
    Summary, format_p_value, format_ratio, mean, permutation_test, ratio_ci, smallest_p_value,
};

/// Statistical settings of the analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisConfig {
    pub alpha: f64,
    /// Centre of the ratio (median by default).
    pub center: Center,
    /// Statistic of the permutation test (rank sum by default).
    pub statistic: Statistic,
    pub bootstrap: BootstrapConfig,
    pub permutation: PermutationConfig,
    /// Keys shown in the "where the time moved" tables.
    pub top_keys: usize,
    /// Name of one unit of work in reports.
    pub unit: String,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            alpha: 0.05,
            center: Center::Median,
            statistic: Statistic::RankSum,
            bootstrap: BootstrapConfig::default(),
            permutation: PermutationConfig::default(),
            top_keys: 10,
            unit: "unit".to_string(),
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

/// Compares arm A (`a_name`) with arm B (`b_name`) over `runs`.
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

    let ratio = ratio_ci(
        &b.seconds_per_unit,
        &a.seconds_per_unit,
        config.center,
        &config.bootstrap,
    )?;
    let test = permutation_test(
        &a.seconds_per_unit,
        &b.seconds_per_unit,
        config.statistic,
        &config.permutation,
    )?;
    let significant = test.p_value < config.alpha && !ratio.contains(1.0);
    let faster = significant.then_some(if ratio.estimate < 1.0 { Arm::B } else { Arm::A });

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
    let run_delta =
        mean(&usable_seconds(Arm::B)).unwrap_or(0.0) - mean(&usable_seconds(Arm::A)).unwrap_or(0.0);
    let deltas = key_deltas(&usable);
    let attributions = attribute(
        &deltas,
        &explanation.knob_differences,
        &explanation.knob_map,
        run_delta,
    );

    let mut comparison = Comparison {
        schema: COMPARISON_SCHEMA,
        unit: config.unit.clone(),
        verdict: verdict(&a.name, &b.name, &ratio, test.p_value, faster),
        notes: notes(&a, &b, config.alpha),
        method: method(config, &test.method),
        a,
        b,
        center: config.center,
        statistic: config.statistic,
        ratio_b_over_a: ratio,
        p_value: test.p_value,
        test: test.method,
        alpha: config.alpha,
        significant,
        faster,
        knob_differences: explanation.knob_differences.clone(),
        run_delta,
        key_deltas: deltas,
        top_keys: config.top_keys,
        attributions,
        recommendations: Vec::new(),
    };
    comparison.recommendations = recommend(&comparison);
    Ok(comparison)
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

fn verdict(a: &str, b: &str, ratio: &ConfidenceInterval, p: f64, faster: Option<Arm>) -> String {
    let level = ratio.level * 100.0;
    let p = format_p_value(p);
    match faster {
        Some(arm) => {
            let (fast, slow) = if arm == Arm::B { (b, a) } else { (a, b) };
            let (times, low, high) = speedup(ratio, arm);
            format!(
                "{fast} is {times:.2}x faster than {slow} ({level:.0}% CI {low:.2}–{high:.2}, {p})"
            )
        }
        None => format!(
            "no significant difference between {a} and {b} ({b}/{a} = {}, {level:.0}% CI {:.2}–{:.2}, {p})",
            format_ratio(ratio.estimate),
            ratio.low,
            ratio.high
        ),
    }
}

fn notes(a: &ArmSummary, b: &ArmSummary, alpha: f64) -> Vec<String> {
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
    let floor = smallest_p_value(a.usable_runs, b.usable_runs);
    if floor >= alpha {
        notes.push(format!(
            "with {} and {} usable runs no difference can reach p < {alpha} (the smallest possible p is {floor:.3}); use at least 4 runs per arm",
            a.usable_runs, b.usable_runs
        ));
    }
    if a.correct_units != a.units || b.correct_units != b.units {
        notes.push(format!(
            "not every unit was verified correct: {} {}/{}, {} {}/{}",
            a.name, a.correct_units, a.units, b.name, b.correct_units, b.units
        ));
    }
    notes
}

fn method(config: &AnalysisConfig, test: &PermutationMethod) -> String {
    format!(
        "One sample per run: wall time over {unit}s attempted. Effect: ratio of {center}s of time per {unit} with a {level:.0}% percentile-bootstrap interval ({resamples} resamples per arm, ChaCha seed {seed}). p-value: two-sided permutation test, {statistic} ({test}). Significant when p < {alpha} and the interval excludes 1. Runs interleaved A B B A so drift hits both arms alike.",
        unit = config.unit,
        center = config.center,
        level = config.bootstrap.level * 100.0,
        resamples = config.bootstrap.resamples,
        seed = config.bootstrap.seed,
        alpha = config.alpha,
        statistic = config.statistic,
    )
}
