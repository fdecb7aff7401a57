//! Memory over a long run, as the HTML report draws it: named series of readings taken over
//! time and at work boundaries (e.g. completed tracks), with the leak verdict judged on them.
//! The program that sampled them (the automator's soak) fills it in; the profiler only draws.

use serde::{Deserialize, Serialize};

use super::leak::LeakVerdict;

/// One reading of one series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Seconds since the run started.
    pub at_seconds: f64,
    /// Units of work completed when the reading was taken (e.g. tracks).
    pub work_done: f64,
    /// Whether the reading was taken exactly at a work boundary (the points of the chart over
    /// work and of the leak regression); interval readings are drawn over time only.
    pub at_boundary: bool,
    /// The reading, in the series' unit.
    pub value: f64,
}

/// One quantity over the run, e.g. `browser (total)` in MiB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemorySeries {
    /// What was measured, e.g. `automator`, `browser (total)`, `browser: renderer`.
    pub name: String,
    /// The unit of [`SeriesPoint::value`], e.g. `MiB`.
    pub unit: String,
    /// Readings in the order they were taken.
    pub points: Vec<SeriesPoint>,
}

/// Everything the HTML report's "Memory over the run" section shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryOverRun {
    /// The unit of work on the second chart's x axis, plural (e.g. `tracks`).
    pub work_unit: String,
    /// The series, drawn in this order (the first is the one the leak verdict judges).
    pub series: Vec<MemorySeries>,
    /// The leak verdict on the first series over work, when one could be fitted.
    pub leak: Option<LeakVerdict>,
    /// What the verdict was fitted on, or why there is none, in words (e.g. `browser tree
    /// RSS over completed tracks after 2 warm-up tracks`).
    pub leak_note: String,
    /// Verdicts on further series, each judged on its own (e.g. each browser session's
    /// memory over its own tracks); empty when only the first series is judged.
    #[serde(default)]
    pub series_verdicts: Vec<SeriesVerdict>,
}

/// The leak verdict on one more series of a [`MemoryOverRun`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesVerdict {
    /// The series judged, as named in [`MemorySeries::name`].
    pub series: String,
    /// Its verdict, when one could be fitted.
    pub leak: Option<LeakVerdict>,
    /// What the verdict was fitted on, or why there is none, in words.
    pub note: String,
}

impl MemoryOverRun {
    /// Whether any series has a reading to draw.
    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|series| series.points.is_empty())
    }
}
