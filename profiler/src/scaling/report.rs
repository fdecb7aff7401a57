//! The result of a scaling study, as data: what the text, JSON and HTML reports render.

use serde::{Deserialize, Serialize};

use super::config::ScalingConfig;
use super::error::ScalingError;
use super::knee::{Knee, find_knee};
use super::level::{LevelSummary, summarize};
use super::limit::{Limit, LimitKind, find_limit};
use super::record::RunRecord;
use crate::machine::MachineInfo;

/// Version of the scaling JSON layout.
pub const SCALING_SCHEMA: u32 = 1;

/// A scaling study's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingReport {
    /// Always [`SCALING_SCHEMA`] when written by this version.
    pub schema: u32,
    /// What one unit of work is called ("track").
    pub unit: String,
    /// RFC 3339 UTC time the first measured run started, if known.
    pub started_at: Option<String>,
    /// The machine the study ran on.
    pub machine: MachineInfo,
    /// Measured runs per level.
    pub repeats: usize,
    /// Discarded warm-up runs per level before the measured ones.
    pub warmup_runs_per_level: usize,
    /// One summary per level, ascending concurrency.
    pub levels: Vec<LevelSummary>,
    /// Where one more level stopped paying.
    pub knee: Knee,
    /// What bounds throughput past the knee.
    pub limit: Limit,
    /// The answer in one or two sentences: how many sessions, and whether another machine
    /// would help.
    pub answer: String,
    /// The thresholds used.
    pub config: ScalingConfig,
    /// Every measured run in the order it ran.
    pub runs: Vec<RunRecord>,
    /// How the numbers were computed, in one paragraph.
    pub method: String,
}

impl ScalingReport {
    /// Pretty JSON with the `schema` field first (non-finite numbers become `null`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|error| {
            serde_json::json!({ "schema": SCALING_SCHEMA, "error": error.to_string() }).to_string()
        })
    }

    /// Reads a report written by [`ScalingReport::to_json`].
    pub fn from_json(text: &str) -> Result<ScalingReport, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The summary of `concurrency`, if it was studied.
    pub fn level(&self, concurrency: usize) -> Option<&LevelSummary> {
        self.levels
            .iter()
            .find(|level| level.concurrency == concurrency)
    }
}

/// What [`analyze`] needs besides the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct StudySetting {
    /// The levels studied, any order (sorted ascending by the analysis).
    pub levels: Vec<usize>,
    /// Measured runs per level.
    pub repeats: usize,
    /// Warm-up runs per level (reported only).
    pub warmup_runs_per_level: usize,
    /// RFC 3339 UTC start of the first measured run, if known.
    pub started_at: Option<String>,
    /// The machine the runs ran on ([`MachineInfo::current`] when run by the study).
    pub machine: MachineInfo,
}

/// Summarises `runs` per level, finds the knee and the limit, and words the answer.
pub fn analyze(
    runs: Vec<RunRecord>,
    setting: &StudySetting,
    config: &ScalingConfig,
) -> Result<ScalingReport, ScalingError> {
    let levels = checked_levels(&setting.levels)?;
    if setting.repeats < 2 {
        return Err(ScalingError::TooFewRepeats {
            repeats: setting.repeats,
        });
    }
    let summaries = summarize(&runs, &levels, 1.0 - config.alpha)?;
    let knee = find_knee(&summaries, config.min_gain, &config.unit);
    let limit = find_limit(&summaries, &knee, config);
    let answer = answer(&summaries, &knee, &limit, &config.unit);
    Ok(ScalingReport {
        schema: SCALING_SCHEMA,
        unit: config.unit.clone(),
        started_at: setting.started_at.clone(),
        machine: setting.machine.clone(),
        repeats: setting.repeats,
        warmup_runs_per_level: setting.warmup_runs_per_level,
        levels: summaries,
        knee,
        limit,
        answer,
        config: config.clone(),
        runs,
        method: method(config),
    })
}

/// `levels` sorted ascending, each at least 1 and distinct, at least two of them.
pub(crate) fn checked_levels(levels: &[usize]) -> Result<Vec<usize>, ScalingError> {
    if levels.len() < 2 {
        return Err(ScalingError::TooFewLevels {
            given: levels.len(),
        });
    }
    let mut sorted = levels.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != levels.len() || sorted[0] == 0 {
        return Err(ScalingError::BadLevels {
            levels: levels.to_vec(),
        });
    }
    Ok(sorted)
}

fn answer(levels: &[LevelSummary], knee: &Knee, limit: &Limit, unit: &str) -> String {
    let Some(at) = knee.concurrency else {
        let top = levels.last().map_or(0, |level| level.concurrency);
        return format!(
            "Use {top} or more: every step up to {top} still paid ({}); try larger levels to find the knee.",
            knee.reason
        );
    };
    let throughput = levels
        .iter()
        .find(|level| level.concurrency == at)
        .map(|level| level.throughput_per_minute.estimate)
        .unwrap_or(f64::NAN);
    let mut text = format!(
        "Use {at} ({throughput:.1} {unit}s per minute): {}.",
        knee.reason
    );
    let because = if limit.evidence.is_empty() {
        String::new()
    } else {
        format!(" ({})", limit.evidence.join("; "))
    };
    text.push_str(&match limit.kind {
        LimitKind::Site => format!(
            " The site limits{because}: more sessions or another machine will not help; a higher capacity or rate limit on the site would."
        ),
        LimitKind::Machine => format!(
            " This machine limits{because}: another machine (a Grid node) would help."
        ),
        LimitKind::SiteAndMachine => format!(
            " Both the site and this machine are at their limit{because}: another machine alone will not help."
        ),
        LimitKind::Unexplained => " Neither site queueing, 429s, CPU nor memory points at the limit: a serial part of the work, or a resource not measured, bounds it.".to_string(),
        LimitKind::NotReached => String::new(),
    });
    text
}

fn method(config: &ScalingConfig) -> String {
    format!(
        "Runs interleaved: every repeat runs each level once, starting one level later than the repeat before. One sample per run: wall time over {unit}s finished. Throughput = {unit}s per minute, geometric mean over repeats with the exp of the Student t interval of the mean log ({level:.0}%). Speedup over the lowest level = ratio of geometric means with the {level:.0}% Welch interval on log time per {unit}; efficiency = speedup / (N / lowest N). Latency p50/p95 pool every {unit} of a level, Hyndman & Fan type 7. Knee: the first level whose step to the next level does not raise throughput significantly (interval above 1) by at least {gain:.0}%. Limit, at the level after the knee: site when any HTTP 429 or queue time per {unit} ≥ {queue:.0}% of the median latency (and above the lowest level's); machine when mean CPU ≥ {cpu:.0}% of all cores or peak memory ≥ {memory:.0}% of {total} MiB.",
        unit = config.unit,
        level = (1.0 - config.alpha) * 100.0,
        gain = config.min_gain * 100.0,
        queue = config.site_queue_share * 100.0,
        cpu = config.cpu_saturated_percent,
        memory = config.memory_saturated_share * 100.0,
        total = config.memory_total_bytes >> 20,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_sorted_and_checked() {
        assert_eq!(checked_levels(&[4, 1, 2]).unwrap(), [1, 2, 4]);
        assert_eq!(
            checked_levels(&[1]).unwrap_err(),
            ScalingError::TooFewLevels { given: 1 }
        );
        assert!(matches!(
            checked_levels(&[1, 2, 2]),
            Err(ScalingError::BadLevels { .. })
        ));
        assert!(matches!(
            checked_levels(&[0, 2]),
            Err(ScalingError::BadLevels { .. })
        ));
    }
}
