//! A/B analysis on synthetic runs with a known cause: verdict sentence, interval, p-value,
//! where the time moved, attribution to knobs, recommendations, early stopping, A/A
//! behaviour, the reproductions, and the JSON / Markdown outputs.

mod synthetic;

use std::time::Duration;

use profiler::abtest::{
    AbTestError, AnalysisConfig, Arm, Comparison, Explanation, KeyReading, KnobMap, Outcome,
    RecommendationKind, RunSample, Schedule, StopRule, analyze,
};
use profiler::preset::KnobChange;
use profiler::stats::PermutationMethod;
use profiler::{KeyStats, Tier};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synthetic::{key_stats, profile};

/// What one arm's configuration costs per track, seconds.
#[derive(Clone, Copy)]
struct Costs {
    solo_wait: f64,
    download_wait: f64,
}

const CURRENT: Costs = Costs {
    solo_wait: 12.0,
    download_wait: 33.0,
};
const SOLO_ONLY: Costs = Costs {
    solo_wait: 5.0,
    download_wait: 33.0,
};
const DOWNLOAD_ONLY: Costs = Costs {
    solo_wait: 12.0,
    download_wait: 6.0,
};

fn stats(key: &str, tier: Tier, seconds: f64, calls: u64) -> KeyStats {
    let each = (seconds / calls as f64 * 1e9) as u64;
    key_stats(key, tier, &vec![each; calls as usize])
}

/// One run of two tracks: fixed login, solo waits, download waits, with run-to-run noise.
fn run(arm: Arm, costs: Costs, rng: &mut ChaCha8Rng, correct_units: u64) -> RunSample {
    let noise = |rng: &mut ChaCha8Rng| 1.0 + rng.random_range(-0.05..0.05);
    let tracks = 2u64;
    let login = 2.0 * noise(rng);
    let solo = costs.solo_wait * tracks as f64 * noise(rng);
    let download = costs.download_wait * tracks as f64 * noise(rng);
    let keys = vec![
        stats("authentication.login", Tier::Component, login, 1),
        stats(
            "track_management.finalize_solo_activation",
            Tier::Method,
            solo,
            tracks,
        ),
        stats(
            "download_management.monitor_download_completion",
            Tier::Method,
            download,
            tracks,
        ),
    ];
    RunSample {
        arm,
        duration: Duration::from_secs_f64(login + solo + download + 0.3),
        units: tracks,
        correct_units,
        profile: profile("run", keys, &[]),
    }
}

fn runs(a: Costs, b: Costs, per_arm: usize, seed: u64) -> Vec<RunSample> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Schedule::interleaved(per_arm)
        .into_iter()
        .map(|arm| run(arm, if arm == Arm::A { a } else { b }, &mut rng, 2))
        .collect()
}

fn knob(name: &str, from: f64, to: f64) -> KnobChange {
    KnobChange {
        knob: name.to_string(),
        from: Some(toml::Value::Float(from)),
        to: Some(toml::Value::Float(to)),
    }
}

fn explanation(knobs: Vec<KnobChange>) -> Explanation {
    Explanation {
        knob_differences: knobs,
        knob_map: KnobMap::new()
            .rule("solo", &["solo_*"])
            .rule("download", &["download_*"]),
    }
}

fn config() -> AnalysisConfig {
    AnalysisConfig {
        unit: "track".to_string(),
        ..AnalysisConfig::default()
    }
}

fn solo_knobs() -> Vec<KnobChange> {
    vec![
        knob("solo_activation_delay", 12.0, 5.0),
        knob("solo_activation_delay_simple", 15.0, 5.0),
    ]
}

#[test]
fn finds_the_faster_preset_with_interval_and_p_value_and_blames_the_solo_knobs() {
    let comparison = analyze(
        "current",
        "solo_only",
        &runs(CURRENT, SOLO_ONLY, 6, 1),
        &explanation(solo_knobs()),
        &config(),
    )
    .unwrap();
    // True ratio of time per track: (2/2 + 12 + 33 + 0.15) / (1 + 5 + 33 + 0.15) ≈ 1.18.
    let (prefix, rest) = comparison
        .verdict
        .split_once("x faster than current per track (95% CI ")
        .unwrap();
    let speedup: f64 = prefix
        .strip_prefix("solo_only is ")
        .unwrap()
        .parse()
        .unwrap();
    assert!((speedup - 1.18).abs() < 0.03, "{}", comparison.verdict);
    assert!(
        rest.ends_with(", p < 0.001)") && rest.contains("–"),
        "{}",
        comparison.verdict
    );
    assert_eq!(comparison.outcome, Outcome::Different);
    // The rank check beside it: fully separated 6 + 6 runs give the exact 2/924.
    assert_eq!(comparison.test, PermutationMethod::Exact { splits: 924 });
    assert!((comparison.rank_p_value - 2.0 / 924.0).abs() < 1e-12);
    assert!(comparison.significant);
    assert_eq!(comparison.faster, Some(Arm::B));
    assert!(comparison.ratio_b_over_a.high < 1.0);
    assert_eq!(comparison.a.per_unit.n, 6);

    // Where the time moved: the solo wait, by about 14 s per run (2 tracks × 7 s), and only
    // that key moved after Holm.
    let top = &comparison.key_deltas[0];
    assert_eq!(top.key, "track_management.finalize_solo_activation");
    assert!(
        (top.self_delta() + 14.0).abs() < 1.0,
        "{}",
        top.self_delta()
    );
    let test = top.self_test.unwrap();
    assert!(test.low < top.self_delta() && top.self_delta() < test.high);
    assert_eq!(top.reading, KeyReading::Moved);
    assert!(
        comparison.key_deltas[1..]
            .iter()
            .all(|delta| delta.reading != KeyReading::Moved),
        "{:?}",
        comparison.key_deltas
    );

    let solo = &comparison.attributions[0];
    assert_eq!(solo.key_pattern, "solo");
    assert!(solo.share_of_change.unwrap() > 0.8, "{solo:?}");
    let texts: Vec<&str> = comparison
        .recommendations
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    assert_eq!(
        comparison.recommendations[0].kind,
        RecommendationKind::Adopt,
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|text| text.starts_with(
            "solo_activation_delay 12.0 → 5.0, solo_activation_delay_simple 15.0 → 5.0 explains"
        )),
        "{texts:?}"
    );
}

/// A run whose time per unit is `seconds` (one unit), with one key taking all of it.
fn timed_run(arm: Arm, seconds: f64) -> RunSample {
    RunSample {
        arm,
        duration: Duration::from_secs_f64(seconds),
        units: 1,
        correct_units: 1,
        profile: profile(
            "run",
            vec![stats(
                "track_management.solo_track",
                Tier::Method,
                seconds,
                1,
            )],
            &[],
        ),
    }
}

/// Runs in A B B A order from the arms' run times.
fn interleave(a: &[f64], b: &[f64], make: impl Fn(Arm, f64) -> RunSample) -> Vec<RunSample> {
    let (mut a, mut b) = (a.iter(), b.iter());
    Schedule::interleaved(a.len())
        .into_iter()
        .map(|arm| match arm {
            Arm::A => make(arm, *a.next().unwrap()),
            Arm::B => make(arm, *b.next().unwrap()),
        })
        .collect()
}

#[test]
fn three_runs_per_arm_give_a_significant_verdict_whose_interval_and_p_agree() {
    // The run: `--ab-test current solo_only --max-tracks 1 --runs 3`.
    let samples = interleave(&[12.8, 12.8, 13.1], &[9.03, 9.18, 9.22], timed_run);
    let comparison = analyze(
        "current",
        "solo_only",
        &samples,
        &Explanation::default(),
        &config(),
    )
    .unwrap();
    // scipy.stats.ttest_ind(np.log(b), np.log(a), equal_var=False) with these runs:
    // p = 6.0759962184286355e-06; exp of the mean log difference = 0.7087994510689526;
    // exp(confidence_interval(0.95)) = (0.6891162905999416, 0.7290448197041812).
    let ratio = comparison.ratio_b_over_a;
    assert!(
        (ratio.estimate - 0.7087994510689526).abs() < 1e-9,
        "{ratio:?}"
    );
    assert!((ratio.low - 0.6891162905999416).abs() < 1e-9, "{ratio:?}");
    assert!((ratio.high - 0.7290448197041812).abs() < 1e-9, "{ratio:?}");
    assert!((comparison.p_value / 6.0759962184286355e-06 - 1.0).abs() < 1e-6);
    assert!(comparison.significant && !ratio.contains(1.0));
    assert_eq!(comparison.faster, Some(Arm::B));
    assert_eq!(
        comparison.verdict,
        "solo_only is 1.41x faster than current per track (95% CI 1.37–1.45, p < 0.001)"
    );
    // The rank check cannot go below 0.1 with 3 + 3 runs and says so, without deciding.
    assert!((comparison.rank_p_value - 0.1).abs() < 1e-12);
    let text = comparison.render_text();
    assert!(
        text.contains("p = 0.10; the smallest p 3 + 3 runs allow is 0.100"),
        "{text}"
    );
    assert_eq!(
        comparison.recommendations[0].kind,
        RecommendationKind::Adopt
    );
}

/// One run with a solo key and a download key of the given self seconds, plus 10 s of
/// other work; the run's wall time is their sum.
fn solo_download_run(arm: Arm, solo: f64, download: f64) -> RunSample {
    let keys = vec![
        stats("authentication.login", Tier::Component, 10.0, 1),
        stats(
            "track_management.finalize_solo_activation",
            Tier::Method,
            solo,
            1,
        ),
        stats("download_management.download", Tier::Method, download, 1),
    ];
    RunSample {
        arm,
        duration: Duration::from_secs_f64(10.0 + solo + download),
        units: 1,
        correct_units: 1,
        profile: profile("run", keys, &[]),
    }
}

#[test]
fn a_knob_is_never_said_to_make_no_difference_from_a_point_estimate() {
    // The download key: 20, 50, 20, 50, 20, 50 s against 34.9–35.4 s, a 95% interval
    // of about −17 to +17 s per run, while the solo wait clearly moved (24 → 12 s).
    let download_a = [20.0, 50.0, 20.0, 50.0, 20.0, 50.0];
    let download_b = [34.9, 35.0, 35.1, 35.2, 35.3, 35.4];
    let mut a = download_a.iter();
    let mut b = download_b.iter();
    let samples: Vec<RunSample> = Schedule::interleaved(6)
        .into_iter()
        .map(|arm| match arm {
            Arm::A => solo_download_run(arm, 24.0, *a.next().unwrap()),
            Arm::B => solo_download_run(arm, 12.0, *b.next().unwrap()),
        })
        .collect();
    let knobs = vec![
        knob("solo_activation_delay", 12.0, 5.0),
        knob("download_check_interval", 5.0, 2.0),
    ];
    let comparison = analyze("current", "fast", &samples, &explanation(knobs), &config()).unwrap();
    let download = comparison
        .attributions
        .iter()
        .find(|attribution| attribution.key_pattern == "download")
        .unwrap();
    // scipy.stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95) =
    // (-17.093760482542805, 17.393760482542802)
    let interval = download.interval.unwrap();
    assert!(
        (interval.low + 17.093760482542805).abs() < 1e-6,
        "{interval:?}"
    );
    assert!(
        (interval.high - 17.393760482542802).abs() < 1e-6,
        "{interval:?}"
    );
    assert_eq!(download.reading, KeyReading::Unclear);
    let key = comparison
        .key_deltas
        .iter()
        .find(|delta| delta.key == "download_management.download")
        .unwrap();
    assert_eq!(key.reading, KeyReading::Unclear);
    for recommendation in &comparison.recommendations {
        assert!(
            !(recommendation.text.contains("download_check_interval")
                && recommendation.text.contains("difference:")),
            "{:?}",
            comparison.recommendations
        );
        assert_ne!(recommendation.kind, RecommendationKind::NoEffect);
    }
    let text = comparison.render_text();
    assert!(text.contains("-17.1 s to +17.4 s"), "{text}");
}

#[test]
fn no_meaningful_difference_needs_an_interval_inside_the_margin() {
    // The download knob made the keys 0.1 s slower at most out of about 46 s runs: the
    // interval lies inside ±5% of the run time, so saying "no meaningful difference" is earned.
    let samples: Vec<RunSample> = Schedule::interleaved(6)
        .into_iter()
        .enumerate()
        .map(|(position, arm)| {
            let wobble = 0.05 * (position % 3) as f64;
            match arm {
                Arm::A => solo_download_run(arm, 24.0 + wobble, 12.0 + wobble),
                Arm::B => solo_download_run(arm, 12.0 + wobble, 12.05 + wobble),
            }
        })
        .collect();
    let comparison = analyze(
        "current",
        "fast",
        &samples,
        &explanation(vec![
            knob("solo_activation_delay", 12.0, 5.0),
            knob("download_check_interval", 5.0, 2.0),
        ]),
        &config(),
    )
    .unwrap();
    let no_effect: Vec<&str> = comparison
        .recommendations
        .iter()
        .filter(|r| r.kind == RecommendationKind::NoEffect)
        .map(|r| r.text.as_str())
        .collect();
    assert_eq!(no_effect.len(), 1, "{:?}", comparison.recommendations);
    assert!(
        no_effect[0].starts_with("download_check_interval 5.0 → 2.0 made no meaningful difference: keys matching `download`")
            && no_effect[0].contains("95% CI")
            && no_effect[0].contains("within ±5% of current's run time"),
        "{}",
        no_effect[0]
    );
}

#[test]
fn a_download_change_is_attributed_to_download_monitoring() {
    let knobs = vec![
        knob("download_monitoring_initial_wait", 30.0, 0.0),
        knob("download_check_interval", 5.0, 2.0),
    ];
    let comparison = analyze(
        "current",
        "download_only",
        &runs(CURRENT, DOWNLOAD_ONLY, 4, 2),
        &explanation(knobs),
        &config(),
    )
    .unwrap();
    assert!(
        comparison.verdict.starts_with("download_only is "),
        "{}",
        comparison.verdict
    );
    assert_eq!(comparison.attributions[0].key_pattern, "download");
    assert!(comparison.attributions[0].share_of_change.unwrap() > 0.9);
    assert!(comparison.attributions[0].explained_by_knobs());
}

#[test]
fn never_recommends_a_faster_preset_that_verified_fewer_correct_units() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let samples: Vec<RunSample> = Schedule::interleaved(6)
        .into_iter()
        .map(|arm| match arm {
            Arm::A => run(arm, CURRENT, &mut rng, 2),
            // Faster, but one track of every run came out wrong.
            Arm::B => run(arm, SOLO_ONLY, &mut rng, 1),
        })
        .collect();
    let comparison = analyze(
        "current",
        "reckless",
        &samples,
        &explanation(solo_knobs()),
        &config(),
    )
    .unwrap();
    assert_eq!(comparison.faster, Some(Arm::B));
    assert!(
        comparison
            .recommendations
            .iter()
            .all(|r| r.kind != RecommendationKind::Adopt)
    );
    let reject = &comparison.recommendations[0];
    assert_eq!(reject.kind, RecommendationKind::Reject);
    assert!(
        reject.text.starts_with("Do not adopt reckless: it is 1."),
        "{}",
        reject.text
    );
    assert!(
        reject
            .text
            .contains("verified fewer correct tracks (6/12 vs 12/12 for current)"),
        "{}",
        reject.text
    );
    assert!(
        comparison
            .notes
            .iter()
            .any(|note| note.contains("not every track was verified correct")
                && note.contains("reckless 6/12"))
    );
}

#[test]
fn a_noisy_a_a_run_is_inconclusive_with_the_runs_that_would_settle_it() {
    // Run-to-run noise of about 10% with 3 runs per arm cannot show whether a 5% difference
    // exists.
    let comparison = analyze(
        "current",
        "current",
        &interleave(&[10.0, 11.5, 9.2], &[10.8, 9.4, 11.9], timed_run),
        &explanation(solo_knobs()),
        &config(),
    )
    .unwrap();
    assert_eq!(comparison.outcome, Outcome::Inconclusive);
    assert!(!comparison.significant);
    let needed = comparison.runs_needed_per_arm.unwrap();
    assert!(needed > 3, "{needed}");
    assert!(
        comparison
            .verdict
            .starts_with("inconclusive: current (B)/current (A) = ")
            && comparison.verdict.ends_with(&format!(
                "about {needed} runs per arm (now 3) would detect a ±5% difference with 80% power"
            )),
        "{}",
        comparison.verdict
    );
    let kinds: Vec<RecommendationKind> =
        comparison.recommendations.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, vec![RecommendationKind::RunMore]);
    assert!(
        comparison.recommendations[0]
            .text
            .contains("no evidence that the presets perform alike")
    );
    // No shares of a change that is noise: the A/A run printed
    // "browser +1.67 s per run (2333% of the change)".
    assert!(
        comparison
            .attributions
            .iter()
            .all(|attribution| attribution.share_of_change.is_none())
    );
    let text = comparison.render_text();
    assert!(!text.contains("of the change"), "{text}");
    assert!(
        text.contains("no shares: the change in run time is not significant"),
        "{text}"
    );
    // The A/A names carry their role already: no "current (A) (A)".
    assert!(!text.contains("(A) (A)"), "{text}");
}

#[test]
fn a_steady_a_a_run_is_no_meaningful_difference() {
    let samples = interleave(
        &[10.0, 10.1, 9.95, 10.05, 10.0, 9.9],
        &[10.02, 9.97, 10.08, 9.93, 10.03, 10.0],
        timed_run,
    );
    let comparison = analyze(
        "current",
        "current",
        &samples,
        &Explanation::default(),
        &config(),
    )
    .unwrap();
    assert_eq!(comparison.outcome, Outcome::Equivalent);
    assert!(
        comparison.verdict.starts_with(
            "no meaningful difference between current (A) and current (B): current (B)/current (A) = 1.00x, 95% CI 0.9"
        ) && comparison.verdict.contains("lies within the ±5% equivalence margin"),
        "{}",
        comparison.verdict
    );
    assert_eq!(
        comparison.recommendations[0].kind,
        RecommendationKind::Equivalent
    );
}

#[test]
fn one_far_out_run_hides_a_difference_from_the_verdict_and_a_note_says_so() {
    // B is 20% faster in seven runs and ten times slower in one.
    let a = [10.0, 10.1, 9.9, 10.05, 9.95, 10.02, 10.08, 9.92];
    let b = [8.0, 8.1, 7.9, 8.05, 7.95, 8.02, 8.08, 80.0];
    let comparison = analyze(
        "current",
        "fast",
        &interleave(&a, &b, timed_run),
        &Explanation::default(),
        &config(),
    )
    .unwrap();
    // scipy.stats.ttest_ind(np.log(b), np.log(a), equal_var=False).pvalue = 0.8251093747037801
    assert!((comparison.p_value - 0.8251093747037801).abs() < 1e-9);
    assert_eq!(comparison.outcome, Outcome::Inconclusive);
    // scipy.stats.permutation_test((a, b), |rank sum of a − 68|, permutation_type='independent',
    // alternative='greater', n_resamples=np.inf).pvalue = 0.010411810411810413
    assert_eq!(comparison.test, PermutationMethod::Exact { splits: 12870 });
    assert!((comparison.rank_p_value - 0.010411810411810413).abs() < 1e-12);
    assert!(
        comparison
            .notes
            .iter()
            .any(|note| note.starts_with("the rank check finds a difference (p = 0.010)")),
        "{:?}",
        comparison.notes
    );
}

#[test]
fn runs_without_spread_still_round_trip_through_json() {
    let comparison = analyze(
        "current",
        "fast",
        &interleave(&[10.0, 10.0, 10.0], &[8.0, 8.0, 8.0], timed_run),
        &Explanation::default(),
        &config(),
    )
    .unwrap();
    assert_eq!(comparison.log_test.t, None);
    assert_eq!((comparison.p_value, comparison.faster), (0.0, Some(Arm::B)));
    assert!(comparison.render_text().contains("t = – (no spread)"));
    assert_eq!(
        Comparison::from_json(&comparison.to_json()).unwrap(),
        comparison
    );
}

/// A run of 8 downloads of `each` seconds, `parallel` at a time: the keys' busy time is
/// 8 × `each` while the wall time is what the slowest batch takes.
fn download_run(arm: Arm, each: f64, parallel: usize) -> RunSample {
    let batches = 8usize.div_ceil(parallel) as f64;
    RunSample {
        arm,
        duration: Duration::from_secs_f64(batches * each + 1.0),
        units: 8,
        correct_units: 8,
        profile: profile(
            "run",
            vec![stats(
                "download_management.download_track",
                Tier::Method,
                8.0 * each,
                8,
            )],
            &[],
        ),
    }
}

#[test]
fn concurrent_work_gets_no_shares_and_no_works_against() {
    // `parallel 1 → 8`: each download gets slower under contention (5 → 6.2 s) but eight
    // run at once, so the run is much faster while the summed busy time grows. The old
    // report said "parallel 1 → 8 works against wide … offsetting 19%".
    let a_each = [5.0, 5.1, 4.9, 5.05];
    let b_each = [6.2, 6.3, 6.1, 6.25];
    let samples = interleave(&a_each, &b_each, |arm, each| match arm {
        Arm::A => download_run(arm, each, 1),
        Arm::B => download_run(arm, each, 8),
    });
    let comparison = analyze(
        "narrow",
        "wide",
        &samples,
        &Explanation {
            knob_differences: vec![knob("parallel", 1.0, 8.0)],
            knob_map: KnobMap::new().rule("download", &["parallel"]),
        },
        &config(),
    )
    .unwrap();
    assert_eq!(comparison.faster, Some(Arm::B));
    assert!(!comparison.sequential, "{}", comparison.busy_over_wall);
    assert!(
        comparison
            .attributions
            .iter()
            .all(|attribution| attribution.share_of_change.is_none())
    );
    let texts: Vec<&str> = comparison
        .recommendations
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    assert!(
        texts.iter().all(|text| !text.contains("works against")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|text| text
            .starts_with("parallel 1.0 → 8.0: busy time in keys matching `download`")
            && text.contains(
                "the spans overlapped, so this is not a share of the change in run time"
            )),
        "{texts:?}"
    );
    assert!(
        comparison
            .notes
            .iter()
            .any(|note| note.starts_with("spans overlapped in time")),
        "{:?}",
        comparison.notes
    );
}

#[test]
fn an_a_a_test_is_called_significant_in_at_most_about_five_percent_of_trials() {
    let trials = 200;
    let mut significant = 0;
    for trial in 0..trials {
        let samples = runs(CURRENT, CURRENT, 6, 10_000 + trial);
        let comparison = analyze(
            "current",
            "current",
            &samples,
            &Explanation::default(),
            &config(),
        )
        .unwrap();
        assert_eq!(
            comparison.significant,
            !comparison.ratio_b_over_a.contains(1.0)
        );
        if comparison.significant {
            significant += 1;
        }
    }
    let rate = significant as f64 / trials as f64;
    eprintln!("A/A significant in {rate:.3} of trials");
    assert!(
        rate <= 0.06,
        "A/A called significant in {rate:.3} of trials"
    );
}

/// Runs blocks of A B B A up to `max_per_arm`, analysing after each block; returns the
/// runs per arm when it stopped and whether the final call was significant.
fn sequential(a: Costs, b: Costs, max_per_arm: usize, seed: u64) -> (usize, bool) {
    let all = runs(a, b, max_per_arm, seed);
    let rule = StopRule::default();
    for end in (4..=all.len()).step_by(4) {
        let comparison =
            analyze("a", "b", &all[..end], &Explanation::default(), &config()).unwrap();
        if comparison.clear_enough(&rule) {
            return (end / 2, true);
        }
        if end == all.len() {
            return (end / 2, comparison.significant);
        }
    }
    (max_per_arm, false)
}

#[test]
fn early_stopping_keeps_the_a_a_false_positive_rate_near_five_percent() {
    let trials = 120;
    let alarms = (0..trials)
        .filter(|trial| sequential(CURRENT, CURRENT, 8, 20_000 + trial).1)
        .count();
    let rate = alarms as f64 / trials as f64;
    eprintln!("sequential A/A significant in {rate:.3} of trials");
    assert!(
        rate <= 0.08,
        "sequential A/A called significant in {rate:.3} of trials"
    );
}

#[test]
fn a_clear_difference_stops_after_two_blocks() {
    // Welch reaches the interim p < 0.0002 at 4 + 4 runs when the runs barely vary; the rank
    // test could not (its smallest p there is 2/70).
    let (per_arm, significant) = sequential(CURRENT, SOLO_ONLY, 10, 5);
    assert!(significant);
    assert_eq!(per_arm, 4, "stopped after {per_arm} runs per arm");
}

#[test]
fn arms_without_enough_usable_runs_are_an_error_naming_the_preset() {
    let mut samples = runs(CURRENT, SOLO_ONLY, 2, 6);
    for sample in samples.iter_mut().filter(|sample| sample.arm == Arm::B) {
        sample.units = 0;
    }
    let error = analyze(
        "current",
        "solo_only",
        &samples,
        &Explanation::default(),
        &config(),
    )
    .unwrap_err();
    assert!(matches!(error, AbTestError::NoUsableRuns { ref arm } if arm == "solo_only"));
    assert!(
        error
            .to_string()
            .starts_with("preset `solo_only` has no usable run")
    );
    assert!(analyze("a", "b", &[], &Explanation::default(), &config()).is_err());
    let single = analyze(
        "current",
        "solo_only",
        &runs(CURRENT, SOLO_ONLY, 1, 6),
        &Explanation::default(),
        &config(),
    )
    .unwrap_err();
    assert_eq!(
        single.to_string(),
        "preset `current` has 1 usable run(s); an interval needs at least 2 per arm (3 or more for useful power): run more"
    );
}

#[test]
fn runs_that_did_no_work_are_left_out_and_noted() {
    let mut samples = runs(CURRENT, SOLO_ONLY, 5, 7);
    samples[0].units = 0;
    samples[0].correct_units = 0;
    let comparison = analyze(
        "current",
        "solo_only",
        &samples,
        &explanation(solo_knobs()),
        &config(),
    )
    .unwrap();
    assert_eq!((comparison.a.runs, comparison.a.usable_runs), (5, 4));
    assert!(
        comparison.notes[0].starts_with("1 run(s) of current attempted no work"),
        "{:?}",
        comparison.notes
    );
}

#[test]
fn json_round_trips_with_a_schema_and_markdown_reads_well() {
    let comparison = analyze(
        "current",
        "solo_only",
        &runs(CURRENT, SOLO_ONLY, 4, 8),
        &explanation(solo_knobs()),
        &config(),
    )
    .unwrap();
    let json = comparison.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema"], 2);
    assert_eq!(value["faster"], "B");
    assert_eq!(value["outcome"], "different");
    assert_eq!(value["center"], "geometric_mean");
    assert!(value["ratio_b_over_a"]["low"].as_f64().unwrap() < 1.0);
    assert_eq!(value["a"]["seconds_per_unit"].as_array().unwrap().len(), 4);
    let back = Comparison::from_json(&json).unwrap();
    assert_eq!(back, comparison);

    let markdown = comparison.render_markdown();
    assert!(
        markdown.starts_with("# A/B test: current vs solo_only\n\n**solo_only is "),
        "{markdown}"
    );
    assert!(
        markdown
            .contains("| key | tier | current | solo_only | Δ self | CI | p (Holm) | reading |")
    );
    assert!(markdown.contains("| `track_management.finalize_solo_activation` | method |"));
    assert!(markdown.contains("| `solo_activation_delay` | `12.0` | `5.0` |"));
    assert!(markdown.contains("Ratio direction: B/A time per track"));
    assert!(markdown.contains("**Adopt.** Adopt solo_only: 1."));
    assert!(markdown.contains("| correct tracks | 8/8 (100%) | 8/8 (100%) |"));
    assert!(markdown.contains("Model: Welch t-test on log time per track"));
    assert!(markdown.contains("## Method"));

    let text = comparison.render_text();
    assert!(text.starts_with(&comparison.verdict));
    assert!(text.contains("time per track, geometric mean"));
    assert!(
        text.lines()
            .any(|line| line.split_whitespace().collect::<Vec<_>>()
                == ["solo_activation_delay", "12.0", "5.0"]),
        "{text}"
    );
}

#[test]
fn markdown_escapes_table_breaking_names() {
    let mut samples = runs(CURRENT, SOLO_ONLY, 4, 9);
    for sample in &mut samples {
        sample.profile.keys[0].key = "evil|key<b>".to_string();
    }
    let markdown = analyze("a|b", "c", &samples, &Explanation::default(), &config())
        .unwrap()
        .render_markdown();
    assert!(markdown.contains("evil\\|key&lt;b&gt;"), "{markdown}");
    assert!(markdown.contains("# A/B test: a\\|b vs c"));
}
