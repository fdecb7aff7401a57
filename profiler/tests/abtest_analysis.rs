//! A/B analysis on synthetic runs with a known cause: verdict sentence, interval, p-value,
//! where the time moved, attribution to knobs, recommendations, early stopping, A/A
//! behaviour, and the JSON / Markdown outputs.

mod synthetic;

use std::time::Duration;

use profiler::abtest::{
    AbTestError, AnalysisConfig, Arm, Comparison, Explanation, KnobMap, RecommendationKind,
    RunSample, Schedule, StopRule, analyze,
};
use profiler::preset::KnobChange;
use profiler::stats::{BootstrapConfig, PermutationMethod};
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
fn finds_the_faster_preset_with_interval_and_exact_p_value_and_blames_the_solo_knobs() {
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
        .split_once("x faster than current (95% CI ")
        .unwrap();
    let speedup: f64 = prefix
        .strip_prefix("solo_only is ")
        .unwrap()
        .parse()
        .unwrap();
    assert!((speedup - 1.18).abs() < 0.03, "{}", comparison.verdict);
    assert!(
        rest.ends_with(')') && rest.contains("–") && rest.contains(", p = 0.002"),
        "{}",
        comparison.verdict
    );
    assert_eq!(comparison.test, PermutationMethod::Exact { splits: 924 });
    assert!(comparison.significant);
    assert_eq!(comparison.faster, Some(Arm::B));
    assert!(comparison.ratio_b_over_a.high < 1.0);
    assert_eq!(comparison.a.per_unit.n, 6);

    // Where the time moved: the solo wait, by about 14 s per run (2 tracks × 7 s).
    let top = &comparison.key_deltas[0];
    assert_eq!(top.key, "track_management.finalize_solo_activation");
    assert!(
        (top.total_delta() + 14.0).abs() < 1.0,
        "{}",
        top.total_delta()
    );

    let solo = &comparison.attributions[0];
    assert_eq!(solo.key_pattern, "solo");
    assert!(solo.share > 0.8, "{}", solo.share);
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
    assert!(comparison.attributions[0].share > 0.9);
    assert!(comparison.attributions[0].explained_by_knobs());
}

#[test]
fn never_recommends_a_faster_preset_that_verified_fewer_correct_files() {
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
            .contains("verified fewer correct files (6/12 vs 12/12 for current)"),
        "{}",
        reject.text
    );
    assert!(
        comparison
            .notes
            .iter()
            .any(|note| note.contains("reckless 6/12"))
    );
}

#[test]
fn no_difference_is_said_plainly_and_too_few_runs_are_flagged() {
    let comparison = analyze(
        "current",
        "current_copy",
        &runs(CURRENT, CURRENT, 3, 4),
        &Explanation::default(),
        &config(),
    )
    .unwrap();
    assert!(!comparison.significant);
    assert!(
        comparison.verdict.starts_with(
            "no significant difference between current and current_copy (current_copy/current = "
        ),
        "{}",
        comparison.verdict
    );
    assert!(
        comparison
            .notes
            .iter()
            .any(|note| note.contains("smallest possible p is 0.100")),
        "{:?}",
        comparison.notes
    );
    let kinds: Vec<RecommendationKind> =
        comparison.recommendations.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![RecommendationKind::Keep, RecommendationKind::RunMore]
    );
}

fn quick_config(seed: u64) -> AnalysisConfig {
    AnalysisConfig {
        bootstrap: BootstrapConfig {
            resamples: 500,
            seed,
            ..BootstrapConfig::default()
        },
        ..config()
    }
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
            &quick_config(trial),
        )
        .unwrap();
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
        let comparison = analyze(
            "a",
            "b",
            &all[..end],
            &Explanation::default(),
            &quick_config(seed),
        )
        .unwrap();
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
fn a_clear_difference_stops_after_three_blocks() {
    let (per_arm, significant) = sequential(CURRENT, SOLO_ONLY, 10, 5);
    assert!(significant);
    assert_eq!(per_arm, 6, "stopped after {per_arm} runs per arm");
    // Two blocks (4 + 4 runs) can never be clear at the interim level: 2/70 > 0.01.
    let two_blocks = analyze(
        "a",
        "b",
        &runs(CURRENT, SOLO_ONLY, 4, 5),
        &Explanation::default(),
        &config(),
    )
    .unwrap();
    assert!(two_blocks.significant && !two_blocks.clear_enough(&StopRule::default()));
}

#[test]
fn arms_without_usable_runs_are_an_error_naming_the_preset() {
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
    assert_eq!(value["schema"], 1);
    assert_eq!(value["faster"], "B");
    assert!(value["ratio_b_over_a"]["low"].as_f64().unwrap() < 1.0);
    assert_eq!(value["a"]["seconds_per_unit"].as_array().unwrap().len(), 4);
    let back = Comparison::from_json(&json).unwrap();
    assert_eq!(
        (back.verdict.as_str(), back.faster, back.p_value),
        (
            comparison.verdict.as_str(),
            comparison.faster,
            comparison.p_value
        )
    );
    assert_eq!(back.key_deltas.len(), comparison.key_deltas.len());
    assert_eq!(back.recommendations, comparison.recommendations);

    let markdown = comparison.render_markdown();
    assert!(
        markdown.starts_with("# A/B test: current vs solo_only\n\n**solo_only is "),
        "{markdown}"
    );
    assert!(markdown.contains("| key | tier | current | solo_only | Δ total | Δ self |"));
    assert!(markdown.contains("| `track_management.finalize_solo_activation` | method |"));
    assert!(markdown.contains("- `solo_activation_delay: 12.0 → 5.0`"));
    assert!(markdown.contains("**Adopt.** Adopt solo_only: 1."));
    assert!(markdown.contains("## Method"));

    let text = comparison.render_text();
    assert!(text.starts_with(&comparison.verdict));
    assert!(text.contains("time per track, median"));
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
