//! Properties of the statistics on synthetic data with known truth: intervals cover the true
//! ratio, a distribution compared with itself is rarely called significant, and a real
//! difference is found. (The full calibration tables, with early stopping, come from
//! `cargo bench -p profiler --bench ab_calibration`.)

mod support;
mod synthetic;

use profiler::Histogram;
use profiler::stats::{
    PermutationConfig, PermutationMethod, Statistic, log_ratio, mann_whitney, permutation_test,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use support::{assert_a_a_rate_at_most, share_of_trials};
use synthetic::{histogram, lognormal};

/// Log-normal durations with the given median: right-skewed like real run times.
fn durations(rng: &mut ChaCha8Rng, n: usize, median: f64, sigma: f64) -> Vec<f64> {
    (0..n).map(|_| lognormal(rng, median, sigma)).collect()
}

/// Rounds to whole nanoseconds and buckets to three significant digits, as the HDR histogram
/// does.
fn bucketed(values: &[f64]) -> Histogram {
    let nanoseconds: Vec<u64> = values
        .iter()
        .map(|value| value.round().max(1.0) as u64)
        .collect();
    histogram(&nanoseconds)
}

#[test]
fn welch_log_interval_covers_the_true_ratio_at_three_runs_per_arm_and_agrees_with_its_p() {
    let trials = 2_000;
    let mut covered = 0;
    let mut detected = 0;
    for trial in 0..trials {
        let mut rng = ChaCha8Rng::seed_from_u64(1_000 + trial);
        let a = durations(&mut rng, 3, 10.0, 0.05);
        let b = durations(&mut rng, 3, 8.0, 0.05);
        let (interval, test) = log_ratio(&b, &a, 0.95).unwrap();
        assert_eq!(
            test.p_value < 0.05,
            !interval.contains(1.0),
            "{interval:?} {test:?}"
        );
        if interval.contains(0.8) {
            covered += 1;
        }
        if test.p_value < 0.05 {
            detected += 1;
        }
    }
    let coverage = covered as f64 / trials as f64;
    let power = detected as f64 / trials as f64;
    eprintln!("Welch log 95% interval coverage {coverage:.3}, power {power:.3} at n = 3");
    assert!(coverage >= 0.94, "covered the truth in only {coverage:.3}");
    assert!(power >= 0.85, "ratio 0.8 detected in only {power:.3}");
}

#[test]
fn welch_on_logs_calls_an_a_a_comparison_significant_in_about_five_percent() {
    let rate = share_of_trials(2_000, |trial| {
        let mut rng = ChaCha8Rng::seed_from_u64(5_000 + trial);
        let a = durations(&mut rng, 3, 10.0, 0.3);
        let b = durations(&mut rng, 3, 10.0, 0.3);
        log_ratio(&b, &a, 0.95).unwrap().1.p_value < 0.05
    });
    assert_a_a_rate_at_most("Welch log at n = 3", rate, 0.055);
}

#[test]
fn exact_permutation_test_calls_an_a_a_comparison_significant_in_at_most_five_percent() {
    let rate = share_of_trials(400, |trial| {
        let mut rng = ChaCha8Rng::seed_from_u64(trial);
        let a = durations(&mut rng, 6, 10.0, 0.4);
        let b = durations(&mut rng, 6, 10.0, 0.4);
        let test =
            permutation_test(&a, &b, Statistic::RankSum, &PermutationConfig::default()).unwrap();
        assert_eq!(test.method, PermutationMethod::Exact { splits: 924 });
        test.p_value < 0.05
    });
    assert_a_a_rate_at_most("exact permutation", rate, 0.07);
}

#[test]
fn monte_carlo_permutation_test_keeps_the_a_a_rate_near_five_percent() {
    let rate = share_of_trials(500, |trial| {
        let mut rng = ChaCha8Rng::seed_from_u64(50_000 + trial);
        let a = durations(&mut rng, 12, 10.0, 0.4);
        let b = durations(&mut rng, 12, 10.0, 0.4);
        let config = PermutationConfig {
            resamples: 400,
            seed: trial,
            ..PermutationConfig::default()
        };
        let test = permutation_test(&a, &b, Statistic::MeanDifference, &config).unwrap();
        assert!(matches!(test.method, PermutationMethod::MonteCarlo { .. }));
        test.p_value < 0.05
    });
    assert_a_a_rate_at_most("Monte Carlo permutation", rate, 0.08);
}

#[test]
fn permutation_test_has_power_against_a_real_difference() {
    let mut detected = 0;
    for trial in 0..50 {
        let mut rng = ChaCha8Rng::seed_from_u64(9_000 + trial);
        let a = durations(&mut rng, 6, 10.0, 0.15);
        let b = durations(&mut rng, 6, 15.0, 0.15);
        let test =
            permutation_test(&a, &b, Statistic::RankSum, &PermutationConfig::default()).unwrap();
        if test.p_value < 0.05 {
            detected += 1;
        }
    }
    assert!(
        detected >= 45,
        "a 1.5x slowdown was detected in only {detected}/50 trials"
    );
}

#[test]
fn mann_whitney_on_histograms_keeps_the_a_a_rate_near_five_percent_and_finds_a_shift() {
    let trials = 300;
    let mut false_alarms = 0;
    let mut detected = 0;
    for trial in 0..trials {
        let mut rng = ChaCha8Rng::seed_from_u64(70_000 + trial);
        let a = bucketed(&durations(&mut rng, 150, 2e6, 0.5));
        let b = bucketed(&durations(&mut rng, 150, 2e6, 0.5));
        let slower = bucketed(&durations(&mut rng, 150, 2.6e6, 0.5));
        let config = PermutationConfig::default();
        if mann_whitney(&a, &b, &config).unwrap().p_value < 0.05 {
            false_alarms += 1;
        }
        if mann_whitney(&a, &slower, &config).unwrap().p_value < 0.05 {
            detected += 1;
        }
    }
    eprintln!("Mann-Whitney power {detected}/{trials}");
    assert_a_a_rate_at_most("Mann-Whitney", false_alarms as f64 / trials as f64, 0.08);
    assert!(
        detected as f64 / trials as f64 >= 0.9,
        "1.3x shift found {detected}/{trials}"
    );
}
