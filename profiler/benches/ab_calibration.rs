//! Calibration of the A/B verdict on seeded log-normal run times, with early stopping.
//!
//! Not a timing benchmark: it prints how often the verdict a person reads is right. Each
//! trial draws run times (time per unit) for arm A with median 10 s and for arm B with
//! median 10 s × the true ratio, log-normal with log spread σ, runs them in the A B B A
//! order of [`Schedule::interleaved`], calls [`analyze`] after every complete block and
//! stops when [`StopRule::default`] says the result is clear, exactly as a runner does, and
//! analyses the runs it has at the end. Tables:
//! - A/A: how often two identical arms are called different (should be ≤ 5%);
//! - power: how often a real difference is found;
//! - coverage: how often the printed 95% interval contains the true ratio (≥ 94%);
//! - coherence: verdicts that contradict their own interval (must be 0);
//! - robustness: the A/A rate and power when one run of the trial takes 10x as long, for the
//!   verdict (Welch on logs) and for the rank check printed beside it;
//! - the regression gate ([`compare`]) at 3–5 runs a side on 11 primary (component) and 31
//!   per-key (method) keys: how often same-configuration reruns fail it, and how often a
//!   component 2x slower does.
//!
//! Run: `cargo bench -p profiler --bench ab_calibration` (or, unoptimised,
//! `cargo test -p profiler --bench ab_calibration`). `AB_CALIBRATION_TRIALS` sets the
//! trials per cell (default 2000). Every trial is seeded: the tables are reproducible.

use std::time::Duration;

use profiler::abtest::{
    AnalysisConfig, Arm, Comparison, Explanation, Outcome, RunSample, Schedule, StopRule, analyze,
};
use profiler::baseline::{
    BASELINE_SCHEMA, GateConfig, GatePolicy, KeyBaseline, KeyRun, PerformanceBaseline, compare,
};
use profiler::stats::PermutationConfig;
use profiler::{Histogram, MachineInfo, Profile, SessionInfo, Tier};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const RUNS_PER_ARM: [usize; 6] = [3, 4, 5, 8, 12, 20];
const MEDIAN_SECONDS: f64 = 10.0;

fn empty_profile() -> Profile {
    Profile {
        schema: profiler::profile::PROFILE_SCHEMA,
        session: SessionInfo {
            name: "calibration".to_string(),
            started_at: "1970-01-01T00:00:00Z".to_string(),
            duration_ns: 0,
            machine: MachineInfo {
                cpu_model: "simulated".to_string(),
                cores: 1,
                memory_bytes: 0,
                os: "simulated".to_string(),
                hostname: "simulated".to_string(),
            },
            git_commit: None,
        },
        tiers: Vec::new(),
        keys: Vec::new(),
        tree: Vec::new(),
    }
}

fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller: two uniforms → one standard normal.
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// One simulated situation.
#[derive(Clone, Copy)]
struct Scenario {
    /// True ratio of medians B/A.
    ratio: f64,
    /// Standard deviation of log run time.
    sigma: f64,
    /// Whether one run of the trial (chosen at random) takes 10x as long.
    outlier: bool,
}

/// What one trial ended with.
struct Trial {
    comparison: Comparison,
    stopped_early: bool,
}

fn run_trial(scenario: Scenario, per_arm: usize, seed: u64, config: &AnalysisConfig) -> Trial {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let schedule = Schedule::interleaved(per_arm);
    let outlier_at = rng.random_range(0..schedule.len());
    let profile = empty_profile();
    let runs: Vec<RunSample> = schedule
        .iter()
        .enumerate()
        .map(|(position, &arm)| {
            let median = match arm {
                Arm::A => MEDIAN_SECONDS,
                Arm::B => MEDIAN_SECONDS * scenario.ratio,
            };
            let mut seconds = median * (scenario.sigma * standard_normal(&mut rng)).exp();
            if scenario.outlier && position == outlier_at {
                seconds *= 10.0;
            }
            RunSample {
                arm,
                duration: Duration::from_secs_f64(seconds),
                units: 1,
                correct_units: 1,
                profile: profile.clone(),
            }
        })
        .collect();
    let rule = StopRule::default();
    let explanation = Explanation::default();
    for position in 0..runs.len() {
        let more_to_come = position + 1 < runs.len();
        if more_to_come
            && Schedule::is_block_end(position)
            && let Ok(interim) = analyze("a", "b", &runs[..=position], &explanation, config)
            && interim.clear_enough(&rule)
        {
            return Trial {
                comparison: interim,
                stopped_early: true,
            };
        }
    }
    Trial {
        comparison: analyze("a", "b", &runs, &explanation, config)
            .expect("two or more runs per arm with positive times"),
        stopped_early: false,
    }
}

/// Whether the verdict contradicts the printed interval or its own outcome.
fn contradicts(comparison: &Comparison) -> bool {
    let ratio = &comparison.ratio_b_over_a;
    let margin = comparison.equivalence_margin;
    match comparison.outcome {
        Outcome::Different => {
            ratio.contains(1.0)
                || !comparison.verdict.contains("x faster than")
                || comparison.faster.is_none()
        }
        Outcome::Equivalent => {
            !ratio.contains(1.0)
                || ratio.low < 1.0 / (1.0 + margin)
                || ratio.high > 1.0 + margin
                || !comparison.verdict.starts_with("no meaningful difference")
        }
        Outcome::Inconclusive => {
            !ratio.contains(1.0) || !comparison.verdict.starts_with("inconclusive")
        }
    }
}

/// Rates over `trials` trials of one scenario at one run count.
struct Cell {
    significant: f64,
    /// Share of trials whose verdict is "B is faster".
    b_faster: f64,
    rank_significant: f64,
    covered: f64,
    stopped_early: f64,
    mean_runs: f64,
    contradictions: usize,
}

fn cell(scenario: Scenario, per_arm: usize, trials: u64, config: &AnalysisConfig) -> Cell {
    let (mut significant, mut b_faster, mut rank, mut covered) = (0usize, 0usize, 0usize, 0usize);
    let (mut early, mut runs, mut contradictions) = (0usize, 0usize, 0usize);
    for trial in 0..trials {
        let seed = trial + 1_000_003 * per_arm as u64 + (scenario.ratio * 1e6) as u64;
        let outcome = run_trial(scenario, per_arm, seed, config);
        let comparison = &outcome.comparison;
        significant += usize::from(comparison.significant);
        b_faster += usize::from(comparison.faster == Some(Arm::B));
        rank += usize::from(comparison.rank_p_value < comparison.alpha);
        covered += usize::from(comparison.ratio_b_over_a.contains(scenario.ratio));
        early += usize::from(outcome.stopped_early);
        runs += comparison.a.usable_runs;
        contradictions += usize::from(contradicts(comparison));
    }
    let share = |count: usize| count as f64 / trials as f64;
    Cell {
        significant: share(significant),
        b_faster: share(b_faster),
        rank_significant: share(rank),
        covered: share(covered),
        stopped_early: share(early),
        mean_runs: runs as f64 / trials as f64,
        contradictions,
    }
}

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

fn main() {
    let trials: u64 = std::env::var("AB_CALIBRATION_TRIALS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(2_000);
    // The rank check is printed, not decided on; enumerating at most 1 000 splits (up to
    // 6 + 6 runs) and a 1 000-split Monte Carlo beyond keeps the simulation quick without
    // touching the verdict.
    let config = AnalysisConfig {
        permutation: PermutationConfig {
            exact_limit: 1_000,
            resamples: 1_000,
            ..PermutationConfig::default()
        },
        ..AnalysisConfig::default()
    };
    let rule = StopRule::default();
    println!(
        "A/B calibration: {trials} seeded trials per cell, log-normal time per unit (median {MEDIAN_SECONDS} s), \
         A B B A order, early stop after a block when both arms have ≥ {} runs and p < {}; verdict at α = {}.\n",
        rule.min_runs_per_arm, rule.alpha, config.alpha
    );
    let scenario = |ratio: f64, sigma: f64, outlier: bool| Scenario {
        ratio,
        sigma,
        outlier,
    };

    println!(
        "## A/A false-positive rate (ratio 1, σ = 0.05; the rate does not depend on σ; one standard error of a 5% rate is {:.2} points)\n",
        (0.05f64 * 0.95 / trials as f64).sqrt() * 100.0
    );
    println!(
        "| runs/arm | verdict \"different\" | rank check p < 0.05 | stopped early | mean runs/arm | coverage of 1 |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    let mut contradictions = 0;
    let mut analysed = 0;
    for per_arm in RUNS_PER_ARM {
        let result = cell(scenario(1.0, 0.05, false), per_arm, trials, &config);
        contradictions += result.contradictions;
        analysed += trials;
        println!(
            "| {per_arm} | {} | {} | {} | {:.1} | {} |",
            percent(result.significant),
            percent(result.rank_significant),
            percent(result.stopped_early),
            result.mean_runs,
            percent(result.covered)
        );
    }

    println!("\n## Power (share of trials with the right \"B is faster\" verdict), σ = 0.05\n");
    println!("| runs/arm | ratio 0.8 | ratio 0.9 | ratio 0.95 | ratio 0.9, σ = 0.2 |");
    println!("|---:|---:|---:|---:|---:|");
    let mut coverage_rows = Vec::new();
    for per_arm in RUNS_PER_ARM {
        let cells: Vec<Cell> = [
            scenario(0.8, 0.05, false),
            scenario(0.9, 0.05, false),
            scenario(0.95, 0.05, false),
            scenario(0.9, 0.2, false),
        ]
        .into_iter()
        .map(|case| cell(case, per_arm, trials, &config))
        .collect();
        for result in &cells {
            contradictions += result.contradictions;
            analysed += trials;
        }
        println!(
            "| {per_arm} | {} | {} | {} | {} |",
            percent(cells[0].b_faster),
            percent(cells[1].b_faster),
            percent(cells[2].b_faster),
            percent(cells[3].b_faster)
        );
        coverage_rows.push((per_arm, cells));
    }

    println!(
        "\n## Coverage of the true ratio by the printed 95% interval (after early stopping)\n"
    );
    println!("| runs/arm | ratio 0.8 | ratio 0.9 | ratio 0.95 | ratio 0.9, σ = 0.2 |");
    println!("|---:|---:|---:|---:|---:|");
    for (per_arm, cells) in &coverage_rows {
        println!(
            "| {per_arm} | {} | {} | {} | {} |",
            percent(cells[0].covered),
            percent(cells[1].covered),
            percent(cells[2].covered),
            percent(cells[3].covered)
        );
    }

    println!("\n## Coherence\n");
    println!(
        "{contradictions} of {analysed} final verdicts contradict their printed interval (\"different\" with 1 inside it, \
         \"no meaningful difference\" outside the margin, \"inconclusive\" with 1 outside it)."
    );

    println!("\n## One run in ten times slower (one random run of the trial × 10), σ = 0.05\n");
    println!(
        "| runs/arm | A/A: verdict \"different\" | A/A: rank check p < 0.05 | ratio 0.8: verdict finds B faster | ratio 0.8: rank check p < 0.05 |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for per_arm in RUNS_PER_ARM {
        let same = cell(scenario(1.0, 0.05, true), per_arm, trials, &config);
        let faster = cell(scenario(0.8, 0.05, true), per_arm, trials, &config);
        println!(
            "| {per_arm} | {} | {} | {} | {} |",
            percent(same.significant),
            percent(same.rank_significant),
            percent(faster.b_faster),
            percent(faster.rank_significant)
        );
    }

    gate_table(trials);
}

/// A key called once per run, with these per-run durations (seconds).
fn gate_key(index: usize, seconds: &[f64]) -> KeyBaseline {
    let tier = if index < GATE_PRIMARY_KEYS {
        Tier::Component
    } else {
        Tier::Method
    };
    let runs: Vec<KeyRun> = seconds
        .iter()
        .map(|s| KeyRun::uniform(1, (s * 1e9).round() as u64))
        .collect();
    let ns = runs[0].median_ns;
    KeyBaseline {
        key: format!("k{index:02}"),
        tier,
        count: runs.len() as u64,
        failures: 0,
        mean_ns: ns as f64,
        median_ns: ns,
        p90_ns: ns,
        p95_ns: ns,
        p99_ns: ns,
        min_ns: ns,
        max_ns: ns,
        histogram: Histogram::default(),
        runs,
    }
}

const GATE_PRIMARY_KEYS: usize = 11;
const GATE_KEYS: usize = 42;

/// The share of seeded trials in which the gate (`--fail-on-regression`, 20% threshold)
/// fails: every key log-normal around 1 s with log spread `sigma`, key 0 (primary) `ratio`
/// times slower in the second set.
fn gate_failure_rate(per_side: usize, sigma: f64, ratio: f64, trials: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(1010);
    let machine = empty_profile().session.machine;
    let gate = GateConfig {
        policy: GatePolicy {
            fail_on_regression: true,
            allow_untested: false,
        },
        ..GateConfig::default()
    };
    let mut failed = 0;
    for _ in 0..trials {
        let [before, after] = [1.0, ratio].map(|factor| PerformanceBaseline {
            schema: BASELINE_SCHEMA,
            name: "simulated".to_string(),
            recorded_at: String::new(),
            git_commit: None,
            machine: machine.clone(),
            runs: per_side as u32,
            keys: (0..GATE_KEYS)
                .map(|index| {
                    let scale = if index == 0 { factor } else { 1.0 };
                    let values: Vec<f64> = (0..per_side)
                        .map(|_| scale * (sigma * standard_normal(&mut rng)).exp())
                        .collect();
                    gate_key(index, &values)
                })
                .collect(),
        });
        failed += u64::from(!compare(&before, &after, &gate).passed());
    }
    failed as f64 / trials as f64
}

fn gate_table(trials: u64) {
    println!(
        "\n## Regression gate: share of trials failing --fail-on-regression ({GATE_PRIMARY_KEYS} primary + {} per-key keys, independent, threshold 20%)\n",
        GATE_KEYS - GATE_PRIMARY_KEYS
    );
    println!(
        "| runs/side | same config, σ = 0.1 | same config, σ = 0.2 | one component 2x, σ = 0.1 | one component 1.5x, σ = 0.1 |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for per_side in [3, 4, 5] {
        println!(
            "| {per_side} | {} | {} | {} | {} |",
            percent(gate_failure_rate(per_side, 0.1, 1.0, trials)),
            percent(gate_failure_rate(per_side, 0.2, 1.0, trials)),
            percent(gate_failure_rate(per_side, 0.1, 2.0, trials)),
            percent(gate_failure_rate(per_side, 0.1, 1.5, trials)),
        );
    }
}
