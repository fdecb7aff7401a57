//! One progress line per finished run of a preset command:
//! `run 3/16  solo_only  14.2 s wall, 1.78 s per track, 8/8 correct`.

use profiler::stats::format_seconds;

use super::run_set::RunRecord;

/// The line of measured run `position` (0-based) of `planned`.
pub fn render_run_line(
    position: usize,
    planned: usize,
    preset: &str,
    record: &RunRecord,
) -> String {
    line(
        &format!("run {:>2}/{planned}", position + 1),
        preset,
        record,
    )
}

/// The line of warm-up run `position` (0-based) of `planned`, which no statistic uses.
pub fn render_warmup_line(
    position: usize,
    planned: usize,
    preset: &str,
    record: &RunRecord,
) -> String {
    line(
        &format!("warm-up {}/{planned}", position + 1),
        preset,
        record,
    ) + " (discarded)"
}

fn line(which: &str, preset: &str, record: &RunRecord) -> String {
    let mut line = format!(
        "{which}  {preset:<18} {} wall, {}, {}/{} correct",
        format_seconds(record.wall_seconds),
        per_track_text(record),
        record.tracks_correct,
        record.tracks_attempted
    );
    let wrong = record.wrong_mixes();
    if wrong > 0 {
        line.push_str(&format!(", {wrong} wrong mix(es) caught and retried"));
    }
    if record.interrupted {
        line.push_str(" (interrupted)");
    }
    line
}

/// Time per track of a run.
fn per_track_text(record: &RunRecord) -> String {
    record.seconds_per_track().map_or_else(
        || "no track attempted".to_string(),
        |seconds| format!("{} per track", format_seconds(seconds)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_fixtures::record;

    #[test]
    fn a_run_line_shows_time_per_track_and_correct_files() {
        let mut run = record(8, 2, 12.0);
        run.tracks_correct = 7;
        let line = render_run_line(2, 16, "solo_only", &run);
        assert!(line.starts_with("run  3/16  solo_only"), "{line}");
        assert!(
            line.contains("1.50 s per track, 7/8 correct, 2 wrong mix(es) caught and retried"),
            "{line}"
        );
    }

    #[test]
    fn a_warmup_line_says_it_is_discarded() {
        let line = render_warmup_line(0, 2, "current", &record(8, 0, 12.0));
        assert!(line.starts_with("warm-up 1/2  current"), "{line}");
        assert!(line.ends_with("8/8 correct (discarded)"), "{line}");
    }
}
