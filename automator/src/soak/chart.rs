//! The soak's memory series as the profile's HTML report draws them ("Memory over the run"):
//! the browser tree in total first (the series the leak verdict judges) and the part of it
//! never given back (what the verdict's trend is fitted on), then with
//! `--sessions N` each session's own browser (with its own verdict), the automator, each
//! browser process kind, and the incoming downloads, all in MiB.

use profiler::soak::{MemoryOverRun, MemorySeries, SeriesPoint, SeriesVerdict, retained_floor};

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
    let mut series = vec![
        line("browser (total)", samples, |sample| Some(sample.browser_mb)),
        never_given_back(samples),
    ];
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
                    "its browser tree RSS never given back, over its own {} track(s), after {} warm-up track(s)",
                    session.tracks_done, session.leak_warmup_tracks
                ),
            },
        });
    }
    series.push(line("automator", samples, |sample| {
        Some(sample.automator_mb)
    }));
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
            "browser tree RSS never given back (the least from each track on) over completed tracks, Theil–Sen with Sen's 95% interval, after {} warm-up track(s)",
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

/// The name of the line the leak verdict is fitted on.
pub const NEVER_GIVEN_BACK: &str = "browser (total), never given back";

/// The browser tree's retained floor at each track boundary (the least reading from there to
/// the end, see [`profiler::soak::retained_floor`]): the line the leak verdict's trend is
/// fitted on, drawn under the readings so a climb that was given back shows as one.
fn never_given_back(samples: &[MemorySample]) -> MemorySeries {
    let boundaries: Vec<&MemorySample> = samples
        .iter()
        .filter(|sample| sample.cause == SampleCause::TrackBoundary)
        .collect();
    let readings: Vec<(f64, f64)> = boundaries
        .iter()
        .map(|sample| (sample.tracks_done as f64, sample.browser_mb))
        .collect();
    MemorySeries {
        name: NEVER_GIVEN_BACK.to_owned(),
        unit: "MiB".into(),
        points: boundaries
            .iter()
            .zip(retained_floor(&readings))
            .map(|(sample, (work_done, value))| SeriesPoint {
                at_seconds: sample.at_seconds,
                work_done,
                at_boundary: true,
                value,
            })
            .collect(),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::soak::memory::SessionMemory;
    use crate::soak::report::empty_report;
    use crate::soak::summary::SessionSummary;

    fn reading(tracks_done: usize, sessions: &[(usize, f64)]) -> MemorySample {
        MemorySample {
            at_seconds: tracks_done as f64,
            cause: SampleCause::TrackBoundary,
            round: 1,
            tracks_done,
            automator_mb: 20.0,
            browser_mb: sessions.iter().map(|(_, mb)| mb).sum(),
            browser_by_kind: BTreeMap::new(),
            browser_processes: 12,
            automator_fds: 20,
            browser_fds: 100,
            incoming_mb: 0.0,
            sessions: sessions
                .iter()
                .map(|&(session, browser_mb)| SessionMemory {
                    session,
                    browser_mb,
                    browser_processes: 6,
                    tracks_done,
                })
                .collect(),
        }
    }

    fn report(samples: Vec<MemorySample>, sessions: Vec<SessionSummary>) -> SoakReport {
        SoakReport {
            leak_unavailable: Some("too few".into()),
            sessions,
            samples,
            ..empty_report()
        }
    }

    #[test]
    fn each_session_is_a_line_after_the_total_with_its_own_verdict() {
        // Session 2's browser starts after the first reading: its line starts later.
        let samples = vec![
            reading(0, &[(1, 400.0)]),
            reading(1, &[(1, 500.0), (2, 450.0)]),
            reading(2, &[(1, 510.0), (2, 470.0)]),
        ];
        let summary = |session| SessionSummary {
            session,
            tracks_done: 1,
            start_mb: 0.0,
            peak_mb: 0.0,
            end_mb: 0.0,
            leak_warmup_tracks: 2,
            leak: None,
            leak_unavailable: Some("run longer".into()),
        };
        let memory = memory_over_run(&report(samples, vec![summary(1), summary(2)]));
        let names: Vec<&str> = memory
            .series
            .iter()
            .map(|line| line.name.as_str())
            .collect();
        assert_eq!(
            names[..5],
            [
                "browser (total)",
                NEVER_GIVEN_BACK,
                "browser: session 1",
                "browser: session 2",
                "automator"
            ]
        );
        let values = |index: usize| -> Vec<f64> {
            memory.series[index]
                .points
                .iter()
                .map(|point| point.value)
                .collect()
        };
        assert_eq!(values(2), [400.0, 500.0, 510.0]);
        assert_eq!(values(3), [450.0, 470.0]);
        assert_eq!(
            memory
                .series_verdicts
                .iter()
                .map(|judged| (judged.series.as_str(), judged.note.as_str()))
                .collect::<Vec<_>>(),
            [
                ("browser: session 1", "run longer"),
                ("browser: session 2", "run longer")
            ]
        );
    }

    #[test]
    fn the_line_never_given_back_is_the_least_reading_from_each_track_on() {
        let mut samples: Vec<MemorySample> = [500.0, 520.0, 510.0, 530.0]
            .iter()
            .enumerate()
            .map(|(done, mb)| reading(done + 1, &[(1, *mb)]))
            .collect();
        samples[1].cause = SampleCause::Interval;
        let memory = memory_over_run(&report(samples, Vec::new()));
        let floor = &memory.series[1];
        assert_eq!(floor.name, NEVER_GIVEN_BACK);
        let points: Vec<(f64, f64)> = floor
            .points
            .iter()
            .map(|point| (point.work_done, point.value))
            .collect();
        // The interval reading (520) is not a track boundary: neither a point nor a floor.
        assert_eq!(points, [(1.0, 500.0), (3.0, 510.0), (4.0, 530.0)]);
        assert!(floor.points.iter().all(|point| point.at_boundary));
    }

    #[test]
    fn one_session_draws_no_session_lines() {
        let memory = memory_over_run(&report(vec![reading(1, &[])], Vec::new()));
        assert!(memory.series_verdicts.is_empty());
        assert!(
            memory
                .series
                .iter()
                .all(|line| !line.name.contains("session"))
        );
    }
}
