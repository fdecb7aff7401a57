//! The CI exports of an A/B comparison: JSON round-trips, Markdown is the comparison's own,
//! BMF has one latency benchmark per arm, JUnit is refused.

mod support;
mod synthetic;

use std::time::Duration;

use profiler::Tier;
use profiler::abtest::{
    AnalysisConfig, Arm, Comparison, Explanation, RunSample, Schedule, analyze,
};
use profiler::export::{ExportFormat, Exportable};
use support::{junit_refusal, render};
use synthetic::{key_stats, profile};

/// Three runs per arm of two tracks each: A takes 20 s per run (±1 s), B 10 s.
fn comparison() -> Comparison {
    let mut seen = [0usize; 2];
    let samples: Vec<RunSample> = Schedule::interleaved(3)
        .into_iter()
        .map(|arm| {
            let (base, index) = match arm {
                Arm::A => (20.0, &mut seen[0]),
                Arm::B => (10.0, &mut seen[1]),
            };
            // The arm's k-th run takes 95%, 100%, 105% of its base.
            let seconds = base * [0.95, 1.0, 1.05][*index];
            *index += 1;
            RunSample {
                arm,
                duration: Duration::from_secs_f64(seconds),
                units: 2,
                correct_units: 2,
                profile: profile(
                    "run",
                    vec![key_stats(
                        "automation.run",
                        Tier::System,
                        &[(seconds * 1e9) as u64],
                    )],
                    &[],
                ),
            }
        })
        .collect();
    let config = AnalysisConfig {
        unit: "track".to_string(),
        ..AnalysisConfig::default()
    };
    analyze(
        "current",
        "solo_only",
        &samples,
        &Explanation::default(),
        &config,
    )
    .unwrap()
}

#[test]
fn an_ab_comparison_exports_json_markdown_and_bmf() {
    let comparison = comparison();
    let subject = Exportable::AbTest(&comparison);
    let json = render(ExportFormat::Json, &subject);
    assert_eq!(Comparison::from_json(&json).unwrap(), comparison);

    let markdown = render(ExportFormat::Markdown, &subject);
    assert_eq!(markdown, comparison.render_markdown());

    let bmf: serde_json::Value =
        serde_json::from_str(&render(ExportFormat::Bmf, &subject)).unwrap();
    let benchmarks = bmf.as_object().unwrap();
    assert_eq!(benchmarks.len(), 2, "{bmf}");
    for (name, arm) in [
        ("current/time_per_track", &comparison.a),
        ("solo_only/time_per_track", &comparison.b),
    ] {
        let latency = &bmf[name]["latency"];
        assert_eq!(
            latency["value"].as_f64(),
            Some(arm.per_unit.median * 1e9),
            "{name}"
        );
        assert_eq!(
            latency["lower_value"].as_f64(),
            Some(arm.per_unit.min * 1e9),
            "{name}"
        );
        assert_eq!(
            latency["upper_value"].as_f64(),
            Some(arm.per_unit.max * 1e9),
            "{name}"
        );
    }
    // A median of 20 s per run of 2 tracks is 10 s per track.
    assert_eq!(
        bmf["current/time_per_track"]["latency"]["value"].as_f64(),
        Some(10e9)
    );

    let error = junit_refusal(&subject);
    assert!(
        error.starts_with("--export-junit cannot export an A/B test"),
        "{error}"
    );
}
