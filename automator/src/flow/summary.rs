//! The run summary a person reads at the end: tracks ok/failed, time per track and — against
//! the stage — the site's intrinsic time against the automation's own overhead.

use std::fmt::Write;
use std::time::Duration;

use profiler::text_table::{Align, TableWidth, TextTable};

use super::outcome::{RunOutcome, SongStatus};
use crate::table_width::stdout_table_width;

/// The summary as printed on stdout, its table fitted to the terminal (see
/// [`stdout_table_width`]).
pub fn render_summary(outcome: &RunOutcome) -> String {
    render_summary_within(outcome, stdout_table_width())
}

/// The summary as plain text (several lines, no trailing newline), the per-track table at most
/// `width` wide where its words allow.
pub fn render_summary_within(outcome: &RunOutcome, width: TableWidth) -> String {
    let mut text = String::new();
    let not_purchased: Vec<&str> = outcome
        .songs
        .iter()
        .filter(|song| song.status == SongStatus::NotPurchased)
        .map(|song| song.name.as_str())
        .collect();
    let _ = write!(
        text,
        "Summary: {} of {} tracks downloaded, {} failed",
        outcome.tracks_ok(),
        outcome.tracks.len(),
        outcome.tracks_failed()
    );
    if !not_purchased.is_empty() {
        let _ = write!(
            text,
            "; {} song(s) not purchased (skipped)",
            not_purchased.len()
        );
    }
    let _ = write!(text, " — run took {}", human(outcome.wall));
    if outcome.interrupted {
        text.push_str(" (interrupted)");
    }
    if !outcome.tracks.is_empty() {
        text.push('\n');
        text.push_str(track_table(outcome, width).trim_end());
    }
    if let Some(wall) = outcome.median_wall() {
        let _ = write!(text, "\nPer track: wall median {}", seconds(wall));
        if let (Some(intrinsic), Some(overhead)) =
            (outcome.median_intrinsic(), outcome.median_overhead())
        {
            let _ = write!(
                text,
                " · site's intrinsic time median {}",
                seconds(intrinsic)
            );
            if let Some(queue) = outcome.median_queue() {
                let _ = write!(
                    text,
                    " (queued for a mix slot {} + service {})",
                    seconds(queue),
                    seconds(intrinsic.saturating_sub(queue))
                );
            }
            let _ = write!(text, " · automation overhead median {}", seconds(overhead));
        }
        if let Some(ratio) = outcome.wall_to_intrinsic() {
            let _ = write!(text, " · wall/intrinsic {ratio:.3}x");
        }
    }
    if outcome.sessions.len() > 1 {
        let _ = write!(text, "\n{}", sessions_line(outcome));
    }
    if let Some(line) = mix_request_line(outcome) {
        text.push('\n');
        text.push_str(&line);
    }
    if !not_purchased.is_empty() {
        let _ = write!(text, "\nNot purchased: {}", not_purchased.join(", "));
    }
    let unverified: Vec<String> = outcome
        .tracks
        .iter()
        .filter(|track| track.ok && !track.verified)
        .map(|track| format!("{} › {}", track.song, track.name))
        .collect();
    if !unverified.is_empty() {
        let _ = write!(
            text,
            "\nUnverified (filed, but neither the file name nor the solo state shows the track): {}",
            unverified.join(", ")
        );
    }
    let failures: Vec<String> = outcome
        .songs
        .iter()
        .filter_map(|song| match &song.status {
            SongStatus::Failed(reason) => Some(format!("  {} — {reason}", song.name)),
            _ => None,
        })
        .chain(
            outcome
                .tracks
                .iter()
                .filter(|track| !track.ok)
                .map(|track| {
                    let reason = track.error.as_deref().unwrap_or("not attempted");
                    match track.attempts {
                        0 => format!("  {} › {} — {reason}", track.song, track.name),
                        attempts => format!(
                            "  {} › {} — {reason} ({attempts} attempt{})",
                            track.song,
                            track.name,
                            if attempts == 1 { "" } else { "s" }
                        ),
                    }
                }),
        )
        .collect();
    if !failures.is_empty() {
        text.push_str("\nFailures:\n");
        text.push_str(&failures.join("\n"));
    }
    text
}

/// `Sessions: s1 3 passes, 9 track attempts, browser peak 312 MiB · s2 …`: how the work was
/// shared and what each session's browser held at most (summed RSS of its process tree).
fn sessions_line(outcome: &RunOutcome) -> String {
    let parts: Vec<String> = outcome
        .sessions
        .iter()
        .map(|session| {
            let mut part = format!(
                "s{} {} pass{}, {} track attempt{}",
                session.session,
                session.passes,
                if session.passes == 1 { "" } else { "es" },
                session.track_attempts,
                if session.track_attempts == 1 { "" } else { "s" },
            );
            if let Some(mb) = session.peak_browser_mb {
                let _ = write!(part, ", browser peak {mb:.0} MiB");
            }
            if session.browsers_lost > 0 {
                let _ = write!(part, ", {} browser(s) lost", session.browsers_lost);
            }
            part
        })
        .collect();
    format!("Sessions: {}", parts.join(" · "))
}

/// The site's load as the run met it, when there was any: 429s and the time held off for
/// them, mixes that queued (the stage's ledger and the limiter's latency signal), and the mix
/// concurrency limit.
fn mix_request_line(outcome: &RunOutcome) -> Option<String> {
    let stats = &outcome.mix_requests;
    let queued = outcome.total_queue().filter(|queue| !queue.is_zero());
    if stats.rate_limited == 0 && stats.queued == 0 && queued.is_none() {
        return None;
    }
    let mut line = format!(
        "Mix requests: {} · HTTP 429 (rate limit) {} × · held off {}",
        stats.requests,
        stats.rate_limited,
        seconds(stats.backoff)
    );
    if let Some(queue) = queued {
        let _ = write!(line, " · queued at the site {} in all", seconds(queue));
    }
    let _ = write!(
        line,
        " · concurrency limit {} (lowest {})",
        stats.limit, stats.min_limit
    );
    Some(line)
}

/// One row per track, indented by two spaces.
fn track_table(outcome: &RunOutcome, width: TableWidth) -> String {
    let mut columns = vec![
        ("Song", Align::Left),
        ("Track", Align::Left),
        ("Result", Align::Left),
        ("Tries", Align::Right),
        ("Wall", Align::Right),
    ];
    if outcome.against_stage {
        columns.extend([
            ("Intrinsic", Align::Right),
            ("Overhead", Align::Right),
            ("Queue", Align::Right),
        ]);
    }
    let mut table = TextTable::new(&columns);
    for track in &outcome.tracks {
        let result = match (track.ok, track.wrong_mixes) {
            (true, 0) => "ok".to_string(),
            (true, wrong) => format!("ok ({wrong} wrong mix)"),
            (false, _) => "FAILED".to_string(),
        };
        table.row(vec![
            track.song.clone(),
            track.name.clone(),
            result,
            track.attempts.to_string(),
            seconds(track.wall),
            track.intrinsic.map(seconds).unwrap_or_else(|| "–".into()),
            track.overhead().map(seconds).unwrap_or_else(|| "–".into()),
            track.queue.map(seconds).unwrap_or_else(|| "–".into()),
        ]);
    }
    table.render_indented(width, 2)
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

fn human(duration: Duration) -> String {
    let total = duration.as_secs_f64();
    if total < 60.0 {
        format!("{total:.1} s")
    } else {
        format!("{}m {:.1}s", (total / 60.0).floor() as u64, total % 60.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::mix_limiter::MixRequestStats;
    use crate::flow::outcome::TrackOutcome;
    use crate::flow::outcome_fixtures::{run_outcome, song_outcome, track_outcome};

    fn track(name: &str, ok: bool, wall: f64, intrinsic: f64) -> TrackOutcome {
        TrackOutcome {
            song: "Paper Moon Parade".into(),
            attempts: if ok { 1 } else { 3 },
            wrong_mixes: if ok { 0 } else { 2 },
            intrinsic: Some(Duration::from_secs_f64(intrinsic)),
            error: (!ok).then(|| "wrong mix: expected track \"Bass\"".into()),
            ..track_outcome(name, ok, Duration::from_secs_f64(wall))
        }
    }

    #[test]
    fn shows_counts_figures_and_failures() {
        let outcome = RunOutcome {
            songs: vec![song_outcome(
                "Not Yet Yours",
                "/n.html",
                SongStatus::NotPurchased,
            )],
            ..run_outcome(
                vec![
                    track("Drums", true, 8.7, 8.5),
                    track("Bass", false, 30.0, 9.0),
                ],
                Duration::from_secs(75),
            )
        };
        let text = render_summary_within(&outcome, TableWidth::Unlimited);
        assert!(text.starts_with("Summary: 1 of 2 tracks downloaded, 1 failed; 1 song(s) not purchased (skipped) — run took 1m 15.0s"), "{text}");
        assert!(text.contains("automation overhead median 0.20 s"), "{text}");
        assert!(text.contains("wall/intrinsic 1.024x"), "{text}");
        assert!(text.contains("Not purchased: Not Yet Yours"), "{text}");
        assert!(
            text.contains(
                "Paper Moon Parade › Bass — wrong mix: expected track \"Bass\" (3 attempts)"
            ),
            "{text}"
        );
        let header = text.lines().nth(1).unwrap();
        assert!(
            header.contains("Intrinsic") && header.contains("Overhead"),
            "{text}"
        );
    }

    #[test]
    fn queue_time_and_429s_are_shown_apart_from_service_time() {
        let mut queued = track("Drums", true, 9.0, 8.0);
        queued.queue = Some(Duration::from_secs(3));
        let mut served = track("Bass", true, 7.0, 6.0);
        served.queue = Some(Duration::ZERO);
        let quiet = run_outcome(vec![served.clone()], Duration::from_secs(20));
        let text = render_summary(&quiet);
        assert!(
            text.contains("site's intrinsic time median 6.00 s (queued for a mix slot 0.00 s + service 6.00 s)"),
            "{text}"
        );
        assert!(!text.contains("Mix requests:"), "nothing to report: {text}");
        let busy = RunOutcome {
            tracks: vec![queued, served],
            mix_requests: MixRequestStats {
                requests: 5,
                rate_limited: 2,
                backoff: Duration::from_secs(4),
                queued: 1,
                limit: 1,
                min_limit: 1,
            },
            ..quiet
        };
        let text = render_summary(&busy);
        assert!(
            text.contains("Mix requests: 5 · HTTP 429 (rate limit) 2 × · held off 4.00 s · queued at the site 3.00 s in all · concurrency limit 1 (lowest 1)"),
            "{text}"
        );
        let header = text.lines().nth(1).unwrap();
        assert!(header.trim_end().ends_with("Queue"), "{text}");
        assert!(text.lines().nth(2).unwrap().ends_with("3.00 s"), "{text}");
    }

    #[test]
    fn a_filed_but_unverified_mix_is_named_in_the_summary() {
        let mut unsure = track("Bass", true, 8.7, 8.5);
        unsure.verified = false;
        let outcome = run_outcome(
            vec![track("Drums", true, 8.7, 8.5), unsure],
            Duration::from_secs(20),
        );
        let text = render_summary_within(&outcome, TableWidth::Unlimited);
        assert!(
            text.contains("\nUnverified (filed, but neither the file name nor the solo state shows the track): Paper Moon Parade › Bass"),
            "{text}"
        );
        assert!(!text.contains("› Drums"), "{text}");
    }

    #[test]
    fn without_the_stage_there_are_no_intrinsic_columns() {
        let mut only = track("Drums", true, 8.7, 8.5);
        only.intrinsic = None;
        let mut cut = track("Bass", false, 0.0, 0.0);
        cut.intrinsic = None;
        cut.attempts = 0;
        cut.error = None;
        let mut outcome = RunOutcome {
            against_stage: false,
            ..run_outcome(vec![only, cut], Duration::from_secs(9))
        };
        outcome.mark_interrupted();
        let text = render_summary_within(&outcome, TableWidth::Unlimited);
        assert!(text.contains("run took 9.0 s (interrupted)"), "{text}");
        assert!(
            text.ends_with("Failures:\n  Paper Moon Parade › Bass — interrupted"),
            "{text}"
        );
        assert!(
            !text.contains("Intrinsic") && !text.contains("overhead"),
            "{text}"
        );
    }

    #[test]
    fn the_track_table_fits_the_width_and_files_keep_one_line_per_track() {
        let mut long = track("Lead Electric Guitar (solo, left channel)", true, 8.7, 8.5);
        long.song = "A Song With A Title Long Enough To Crowd Any Terminal".into();
        let outcome = run_outcome(
            vec![track("Drums", true, 8.7, 8.5), long],
            Duration::from_secs(20),
        );
        let table = |width| {
            let text = render_summary_within(&outcome, width);
            text.lines()
                .skip(1)
                .take_while(|line| line.starts_with("  "))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let unlimited = table(TableWidth::Unlimited);
        assert_eq!(
            unlimited.len(),
            3,
            "title and one line per track: {unlimited:#?}"
        );
        assert!(unlimited.iter().any(|line| line.chars().count() > 100));
        for columns in [100, 80] {
            let fitted = table(TableWidth::Columns(columns));
            assert!(fitted.len() > 3, "{columns}: nothing wrapped: {fitted:#?}");
            assert!(
                fitted
                    .iter()
                    .all(|line| line.chars().count() <= columns as usize),
                "{columns}: {fitted:#?}"
            );
            let words = fitted.join(" ");
            assert!(
                words.contains("Overhead") && words.contains("Terminal"),
                "{words}"
            );
        }
    }
}
