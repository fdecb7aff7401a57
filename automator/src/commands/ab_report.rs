//! The A/B result as a person reads it in the terminal: the library's verdict, tables (per
//! key and per knob group, with intervals) and recommendations, plus the statistics spelled
//! out (which model, which interval, the rank check) and what the automation retried.

use std::fmt::Write;

use profiler::abtest::Comparison;
use profiler::text_table::TableWidth;

use super::run_set::PresetRunSet;

/// The full report, its tables at most `width` wide where their words allow. `how_it_ended` says how many runs were done and why the test stopped;
/// `sets` are the runs of A and B (for retries, which the comparison does not count).
pub fn render_ab_report(
    comparison: &Comparison,
    sets: &[PresetRunSet; 2],
    how_it_ended: &str,
    width: TableWidth,
) -> String {
    let mut out = format!(
        "\n{how_it_ended}\n\n{}",
        comparison.render_text_within(width)
    );
    let (a, b) = (&comparison.a, &comparison.b);
    let unit = &comparison.unit;
    let _ = writeln!(
        out,
        "\nTime per {unit} = time spent in the songs / {unit}s attempted; browser start-up and login are left out."
    );
    let _ = writeln!(
        out,
        "  retried attempts (wrong mixes among them): {} {} ({}), {} {} ({})",
        a.name,
        sets[0].retries(),
        sets[0].wrong_mixes(),
        b.name,
        sets[1].retries(),
        sets[1].wrong_mixes()
    );
    if let Some(note) = wrong_mix_note(comparison, sets) {
        let _ = writeln!(out, "  {note}");
    }
    let _ = writeln!(out, "\nVerdict: {}", comparison.verdict);
    out
}

/// Explains wrong mixes when one preset caught more of them than the other: they mean its
/// solo wait was too short for some tracks, and the retries cost time in keys no differing
/// download knob governs. When the faster preset is the one relying on retries, says so.
fn wrong_mix_note(comparison: &Comparison, sets: &[PresetRunSet; 2]) -> Option<String> {
    let [a, b] = sets;
    let (more, fewer) = match a.wrong_mixes().cmp(&b.wrong_mixes()) {
        std::cmp::Ordering::Greater => ((a, &comparison.a), (b, &comparison.b)),
        std::cmp::Ordering::Less => ((b, &comparison.b), (a, &comparison.a)),
        std::cmp::Ordering::Equal => return None,
    };
    let mut note = format!(
        "{} downloaded the wrong mix {} time(s) against {} for {}: the mix was requested before the server had applied the solo, so its solo wait is too short for some tracks; each wrong file was caught, deleted and retried, and the retries add time to the download and page keys.",
        more.1.name,
        more.0.wrong_mixes(),
        fewer.0.wrong_mixes(),
        fewer.1.name
    );
    if comparison
        .faster
        .is_some_and(|arm| comparison.arm(arm).name == more.1.name)
    {
        note.push_str(&format!(
            " Caution: {} is faster despite these retries, but its correct mixes depend on catching wrong ones.",
            more.1.name
        ));
    }
    Some(note)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use profiler::abtest::{AnalysisConfig, Arm, Explanation, RunSample, Schedule, analyze};
    use profiler::preset::KnobChange;

    use super::*;
    use crate::commands::knob_map::automator_knob_map;
    use crate::commands::test_fixtures::{profile_with, record, run_set};

    fn comparison() -> Comparison {
        let samples: Vec<RunSample> = Schedule::interleaved(5)
            .into_iter()
            .enumerate()
            .map(|(position, arm)| RunSample {
                arm,
                duration: Duration::from_secs_f64(
                    if arm == Arm::A { 20.0 } else { 10.0 } + position as f64 * 0.01,
                ),
                units: 8,
                correct_units: 8,
                profile: profile_with(1, if arm == Arm::A { 4 } else { 1 }),
            })
            .collect();
        let explanation = Explanation {
            knob_differences: vec![KnobChange {
                knob: "solo_activation_delay_simple".into(),
                from: Some(toml::Value::Float(15.0)),
                to: Some(toml::Value::Float(5.0)),
            }],
            knob_map: automator_knob_map(),
        };
        let config = AnalysisConfig {
            unit: "track".into(),
            ..AnalysisConfig::default()
        };
        analyze("current", "solo_only", &samples, &explanation, &config).unwrap()
    }

    #[test]
    fn spells_out_the_test_the_interval_and_the_verdict() {
        let comparison = comparison();
        let sets = [
            run_set("current", vec![record(8, 0, 20.0)]),
            run_set("solo_only", vec![record(8, 3, 10.0)]),
        ];
        let text = render_ab_report(
            &comparison,
            &sets,
            "All 10 planned runs done.",
            TableWidth::Unlimited,
        );
        assert!(text.contains("All 10 planned runs done."), "{text}");
        assert!(
            text.contains("time per track, median                2.50 s         1.26 s"),
            "{text}"
        );
        assert!(
            text.contains("Model: Welch t-test on log time per track: solo_only/current = 0.501")
                && text.contains("95% CI 0.499–0.503"),
            "{text}"
        );
        assert!(
            text.contains("Rank check (robustness, not the verdict): two-sided permutation test")
                && text.contains("exact"),
            "{text}"
        );
        assert!(
            text.contains("correct tracks                  40/40 (100%)   40/40 (100%)"),
            "{text}"
        );
        assert!(
            text.contains("solo_activation_delay_simple: 15.0 → 5.0"),
            "{text}"
        );
        assert!(
            text.contains(
                "retried attempts (wrong mixes among them): current 0 (0), solo_only 3 (3)"
            ),
            "{text}"
        );
        assert!(
            text.contains("solo_only downloaded the wrong mix 3 time(s) against 0 for current")
                && text.contains("Caution: solo_only is faster despite these retries"),
            "{text}"
        );
        assert!(
            text.trim_end()
                .ends_with(&format!("Verdict: {}", comparison.verdict)),
            "{text}"
        );
        assert!(
            comparison
                .verdict
                .starts_with("solo_only is 2.00x faster than current"),
            "{}",
            comparison.verdict
        );
    }
}
