//! The soak's memory series as the profile's HTML report draws them ("Memory over the run"):
//! the browser tree in total first (the series the leak verdict judges), then with
//! `--sessions N` each session's own browser (with its own verdict), the automator, each
//! browser process kind, and the incoming downloads, all in MiB.

use profiler::soak::{MemoryOverRun, MemorySeries, SeriesPoint, SeriesVerdict};

use super::memory::{MemorySample, SampleCause};
use super::report::SoakReport;

/// The memory series and leak verdict of `report`, for [`profiler::html::RunContext::memory`].
pub fn memory_over_run(report: &SoakReport) -> MemoryOverRun {
    let samples = &report.samples;
    let mut kinds: Vec<&str> = samples
        .iter()
        .flat_map(|sample| sample.browser_by_kind.keys().map(String::as_str))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut series = vec![line("browser (total)", samples, |sample| {
        Some(sample.browser_mb)
    })];
    let mut series_verdicts = Vec::new();
    for session in &report.sessions {
        let name = session_series(session.session);
        series.push(line(&name, samples, |sample| {
            sample
                .sessions
                .iter()
                .find(|reading| reading.session == session.session)
                .map(|reading| reading.browser_mb)
        }));
        series_verdicts.push(SeriesVerdict {
            series: name,
            leak: session.leak,
            note: match &session.leak_unavailable {
                Some(why) if session.leak.is_none() => why.clone(),
                _ => format!(
                    "its browser tree RSS over its own {} track(s), after {} warm-up track(s)",
                    session.tracks_done, session.leak_warmup_tracks
                ),
            },
        });
    }
    series.push(line("automator", samples, |sample| Some(sample.automator_mb)));
    for kind in kinds {
        series.push(line(&format!("browser: {kind}"), samples, |sample| {
            Some(sample.browser_by_kind.get(kind).copied().unwrap_or(0.0))
        }));
    }
    series.push(line("incoming downloads", samples, |sample| {
        Some(sample.incoming_mb)
    }));
    let leak_note = match &report.leak_unavailable {
        Some(why) if report.leak.is_none() => why.clone(),
        _ => format!(
            "browser tree RSS over completed tracks, Theil–Sen with Sen's 95% interval, after {} warm-up track(s)",
            report.leak_warmup_tracks
        ),
    };
    MemoryOverRun {
        work_unit: "tracks".into(),
        series,
        leak: report.leak,
        leak_note,
        series_verdicts,
    }
}

/// The name of session `number`'s line (1-based).
pub fn session_series(number: usize) -> String {
    format!("browser: session {number}")
}

/// The series of `value` over the samples that have one.
fn line(
    name: &str,
    samples: &[MemorySample],
    value: impl Fn(&MemorySample) -> Option<f64>,
) -> MemorySeries {
    MemorySeries {
        name: name.to_owned(),
        unit: "MiB".into(),
        points: samples
            .iter()
            .filter_map(|sample| {
                Some(SeriesPoint {
                    at_seconds: sample.at_seconds,
                    work_done: sample.tracks_done as f64,
                    at_boundary: sample.cause == SampleCause::TrackBoundary,
                    value: value(sample)?,
                })
            })
            .collect(),
    }
}
