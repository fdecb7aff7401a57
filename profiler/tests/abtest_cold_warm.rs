//! Cold vs warm in the A/B comparison: a cold-start regression that the headline averages
//! away and the self-time table cannot see (the cold track's time is in its children) is its
//! own row, with both arms, B/A, its interval and p, in the JSON, text, Markdown and HTML.

mod synthetic;

use std::time::Duration;

use profiler::abtest::{
    AnalysisConfig, Arm, ColdWarmPhase, Comparison, Explanation, RunSample, Schedule, analyze,
};
use profiler::html::render_comparison;
use profiler::{KeyStats, Tier};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synthetic::{key_stats, profile};

const COLD: &str = "automation.track@cold";
const WARM: &str = "automation.track";

/// A track key whose calls take `seconds` each, nearly all of it in child spans (self time
/// 1 ms per call), as a real track span's.
fn track(key: &str, seconds: &[f64]) -> KeyStats {
    let nanoseconds: Vec<u64> = seconds.iter().map(|each| (each * 1e9) as u64).collect();
    let mut stats = key_stats(key, Tier::System, &nanoseconds);
    stats.self_ns = 1_000_000 * stats.count;
    stats
}

/// One run of three tracks: the first cold (`cold` seconds), two warm (`warm` seconds each),
/// ±3% noise; the children of the tracks hold the time.
fn run(arm: Arm, cold: f64, warm: f64, rng: &mut ChaCha8Rng, with_cold_key: bool) -> RunSample {
    let mut noise = || 1.0 + rng.random_range(-0.03..0.03);
    let cold_seconds = cold * noise();
    let warm_seconds = [warm * noise(), warm * noise()];
    let all = [cold_seconds, warm_seconds[0], warm_seconds[1]];
    let mut keys = vec![key_stats(
        "browser.page",
        Tier::Component,
        &all.iter()
            .map(|each| (each * 1e9) as u64)
            .collect::<Vec<_>>(),
    )];
    if with_cold_key {
        keys.push(track(COLD, &[cold_seconds]));
        keys.push(track(WARM, &warm_seconds));
    } else {
        keys.push(track(WARM, &all));
    }
    RunSample {
        arm,
        duration: Duration::from_secs_f64(all.iter().sum::<f64>() + 0.1),
        units: 3,
        correct_units: 3,
        profile: profile("run", keys, &[]),
    }
}

/// `current` (A) against `cold_slow` (B), 6 runs each: B's cold track takes 14 s instead of
/// 10 s, the warm ones 5 s in both.
fn comparison(with_cold_key: bool) -> Comparison {
    compare([(10.0, 5.0), (14.0, 5.0)], with_cold_key)
}

/// `current` (A) against `cold_slow` (B), 6 runs each, with (cold, warm) seconds per track of
/// each arm.
fn compare(costs: [(f64, f64); 2], with_cold_key: bool) -> Comparison {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let runs: Vec<RunSample> = Schedule::interleaved(6)
        .into_iter()
        .map(|arm| {
            let (cold, warm) = costs[if arm == Arm::A { 0 } else { 1 }];
            run(arm, cold, warm, &mut rng, with_cold_key)
        })
        .collect();
    analyze(
        "current",
        "cold_slow",
        &runs,
        &Explanation::default(),
        &AnalysisConfig::default(),
    )
    .unwrap()
}

/// The cells of a text table row: runs of two or more spaces separate them.
fn text_cells(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .map(str::to_string)
        .collect()
}

/// An HTML fragment's text: everything outside `<…>`.
fn without_tags(fragment: &str) -> String {
    let mut text = String::new();
    let mut inside = false;
    for character in fragment.chars() {
        match character {
            '<' => inside = true,
            '>' => inside = false,
            _ if !inside => text.push(character),
            _ => {}
        }
    }
    text
}

/// The B/A estimate and interval of a "1.40 (1.35–1.45)" cell.
fn ratio_of(cell: &str) -> (f64, f64, f64) {
    let (estimate, rest) = cell.split_once(" (").unwrap();
    let (low, high) = rest.trim_end_matches(')').split_once('–').unwrap();
    (
        estimate.parse().unwrap(),
        low.parse().unwrap(),
        high.parse().unwrap(),
    )
}

#[test]
fn a_slower_cold_start_is_its_own_row_with_both_arms_and_b_over_a() {
    let comparison = comparison(true);
    assert_eq!(comparison.cold_warm.len(), 2);
    let (cold, warm) = (&comparison.cold_warm[0], &comparison.cold_warm[1]);
    assert_eq!((cold.phase, cold.key.as_str()), (ColdWarmPhase::Cold, COLD));
    assert_eq!((warm.phase, warm.key.as_str()), (ColdWarmPhase::Warm, WARM));
    for phase in [cold, warm] {
        assert_eq!((phase.a.usable_runs, phase.b.usable_runs), (6, 6));
    }
    assert_eq!((cold.a.calls, warm.a.calls), (6, 12));
    // 14 s / 10 s with ±3% noise: the interval holds 1.4 and excludes 1.
    let ratio = cold.ratio_b_over_a.unwrap();
    assert!(
        ratio.low > 1.3 && ratio.high < 1.5 && ratio.contains(1.4),
        "{ratio:?}"
    );
    assert!(cold.p_value.unwrap() < 0.001);
    let a = cold.a.interval.unwrap();
    assert!(a.low < 10.0 && 10.0 < a.high && a.high < 10.5, "{a:?}");
    let warm_ratio = warm.ratio_b_over_a.unwrap();
    assert!(warm_ratio.contains(1.0), "{warm_ratio:?}");
    // The self-time table cannot see it: the cold key's self time is 1 ms per run.
    let self_delta = comparison
        .key_deltas
        .iter()
        .find(|delta| delta.key == COLD)
        .unwrap();
    assert!(self_delta.self_delta().abs() < 1e-6, "{self_delta:?}");
    assert!(comparison.method.contains("Cold vs warm"));

    let json = comparison.to_json();
    assert_eq!(Comparison::from_json(&json).unwrap(), comparison);
    // A file written before the field existed still loads, with no phases.
    let mut older: serde_json::Value = serde_json::from_str(&json).unwrap();
    older.as_object_mut().unwrap().remove("cold_warm");
    let older = Comparison::from_json(&older.to_string()).unwrap();
    assert!(older.cold_warm.is_empty());
    assert!(!older.render_text().contains("Cold vs warm"));
}

#[test]
fn the_text_table_has_a_cold_and_a_warm_row_with_both_arms_b_over_a_and_p() {
    let comparison = comparison(true);
    let text = comparison.render_text();
    let start = text.find("\nCold vs warm (").expect(&text);
    let section: Vec<&str> = text[start + 1..].lines().skip(1).collect();
    let header = text_cells(section[0]);
    assert_eq!(
        header,
        [
            "key",
            "phase",
            "runs",
            "A: current",
            "B: cold_slow",
            "B/A (CI)",
            "p"
        ]
    );
    let cold = text_cells(section[1]);
    let warm = text_cells(section[2]);
    assert_eq!(&cold[..3], [COLD, "cold", "6/6"]);
    assert_eq!(&warm[..3], [WARM, "warm", "6/6"]);
    let phase = &comparison.cold_warm[0];
    assert_eq!(cold[3], phase.a.cell());
    assert!(
        cold[3].starts_with("10.") || cold[3].starts_with("9.9"),
        "{cold:?}"
    );
    let (estimate, low, high) = ratio_of(&cold[5]);
    let ratio = phase.ratio_b_over_a.unwrap();
    assert!((estimate - ratio.estimate).abs() < 0.006, "{cold:?}");
    assert!(low > 1.3 && high < 1.5, "{cold:?}");
    assert_eq!(cold[6], "< 0.001");
    let (warm_estimate, warm_low, warm_high) = ratio_of(&warm[5]);
    assert!(warm_low <= 1.0 && 1.0 <= warm_high, "{warm:?}");
    assert!((warm_estimate - 1.0).abs() < 0.05, "{warm:?}");
    // One sentence per phase, under the table.
    assert!(
        section[3].starts_with(&format!(
            "  {WARM} cold (first after a start): cold_slow/current = {:.2} (95% CI",
            ratio.estimate
        )),
        "{}",
        section[3]
    );
    assert!(section[4].starts_with(&format!("  {WARM} warm (the rest): cold_slow/current = ")));
    // Before "Where the time moved".
    assert!(start < text.find("Where the time moved").unwrap());
}

#[test]
fn the_markdown_and_html_tables_have_the_same_rows() {
    let comparison = comparison(true);
    let markdown = comparison.render_markdown();
    let start = markdown.find("## Cold vs warm").expect(&markdown);
    let end = start + 2 + markdown[start + 2..].find("\n## ").unwrap();
    let rows: Vec<Vec<&str>> = markdown[start..end]
        .lines()
        .filter(|line| line.starts_with("| `automation.track"))
        .map(|line| line.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{markdown}");
    for (row, phase) in rows.iter().zip(&comparison.cold_warm) {
        assert_eq!(
            row,
            &[
                format!("`{}`", phase.key).as_str(),
                &phase.phase.to_string(),
                "6/6",
                &phase.a.cell(),
                &phase.b.cell(),
                &phase.ratio_cell(),
                // Markdown escapes `<` as in the verdict.
                &phase.p_cell().replace('<', "&lt;")
            ]
        );
    }
    assert!(markdown.contains("## Cold vs warm"));
    assert!(markdown.contains(
        "| key | phase | runs with the key (A/B) | A: current | B: cold_slow | B/A (CI) | p |"
    ));
    assert!(markdown.contains(&format!(
        "- {}",
        comparison.cold_warm[0]
            .sentence("current", "cold_slow")
            .replace('<', "&lt;")
    )));

    let html = render_comparison(&comparison);
    let start = html
        .find("<section id=\"cold-warm\">")
        .expect("no cold-warm section");
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    let rows: Vec<Vec<String>> = section
        .lines()
        .filter(|line| line.starts_with("<tr><td>"))
        .map(|line| {
            line.split("</td>")
                .map(without_tags)
                .filter(|cell| !cell.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 2, "{section}");
    for (row, phase) in rows.iter().zip(&comparison.cold_warm) {
        assert_eq!(
            row,
            &[
                phase.key.clone(),
                phase.phase.to_string(),
                "6/6".to_string(),
                phase.a.cell(),
                phase.b.cell(),
                phase.ratio_cell(),
                phase.p_cell().replace('<', "&lt;"),
            ],
            "{section}"
        );
    }
    assert!(
        section.contains("<li>automation.track cold (first after a start): cold_slow/current = ")
    );
}

#[test]
fn runs_without_a_cold_key_have_no_cold_warm_section_anywhere() {
    let comparison = comparison(false);
    assert!(comparison.cold_warm.is_empty());
    assert!(!comparison.method.contains("Cold vs warm"));
    assert!(!comparison.render_text().contains("Cold vs warm"));
    assert!(!comparison.render_markdown().contains("Cold vs warm"));
    assert!(!render_comparison(&comparison).contains("cold-warm"));
}

#[test]
fn a_cold_start_the_time_per_track_averages_away_gets_a_note() {
    // B: cold 12 s instead of 10 s, warm 4 s instead of 5 s: 20 s per run of 3 tracks in both
    // arms, so the headline sees no difference while the cold start is 1.2x slower.
    let comparison = compare([(10.0, 5.0), (12.0, 4.0)], true);
    assert!(!comparison.significant, "{}", comparison.verdict);
    let cold = &comparison.cold_warm[0];
    assert!(cold.p_value.unwrap() < 0.001 && cold.ratio_b_over_a.unwrap().contains(1.2));
    let note = comparison
        .notes
        .iter()
        .find(|note| note.starts_with("the cold start moved on its own: "))
        .unwrap_or_else(|| panic!("{:?}", comparison.notes));
    assert!(
        note.contains(&cold.sentence("current", "cold_slow"))
            && note.ends_with("which averages it with the warm calls, does not show it"),
        "{note}"
    );
    // Where the headline already shows it (B slower per track too), no note.
    let shown = compare([(10.0, 5.0), (14.0, 5.0)], true);
    assert!(shown.significant && shown.cold_warm[0].p_value.unwrap() < 0.001);
    assert!(
        !shown.notes.iter().any(|note| note.contains("cold start")),
        "{:?}",
        shown.notes
    );
}
