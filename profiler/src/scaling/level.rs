//! Per concurrency level: throughput with its interval across repeats, unit latency
//! percentiles, speedup and efficiency against the lowest level, the gain over the level
//! below, and the machine's and the site's load.
//!
//! The sample is one number per run, time per unit (wall seconds / units finished), as in
//! the A/B analysis: runs, not units, are the independent replicates. Throughput is its
//! inverse (units per minute); its centre is the geometric mean over the repeats and its
//! interval the `exp` of the Student t interval of the mean log throughput. Speedup of level
//! N over the lowest level L is the ratio of geometric mean throughputs, with the Welch
//! interval on log time per unit ([`crate::stats::log_ratio`], the A/B model); efficiency is
//! speedup / (N / L), interval divided alike. Unit latency p50/p95 pool every unit of the
//! level's runs and use Hyndman & Fan type 7 ([`crate::stats::quantile`]), the per-run
//! definition of the profiler README.

use serde::{Deserialize, Serialize};

use super::error::ScalingError;
use super::record::RunRecord;
use crate::stats::{ConfidenceInterval, geometric_interval, log_ratio, mean, quantile};

/// One concurrency level summarised over its repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelSummary {
    /// Sessions, threads or workers running at once.
    pub concurrency: usize,
    /// Measured runs at this level.
    pub runs: usize,
    /// Units finished over those runs.
    pub units: u64,
    /// Units per minute: geometric mean over the runs with its interval.
    pub throughput_per_minute: ConfidenceInterval,
    /// Median unit latency over every unit of the level, seconds (type 7).
    pub latency_p50_seconds: Option<f64>,
    /// 95th percentile of unit latency over every unit of the level, seconds (type 7).
    pub latency_p95_seconds: Option<f64>,
    /// Throughput over the lowest level's, with the Welch interval on log time per unit
    /// (exactly 1 for the lowest level itself).
    pub speedup: ConfidenceInterval,
    /// `speedup / (concurrency / lowest concurrency)`: 1 is perfect scaling.
    pub efficiency: ConfidenceInterval,
    /// Throughput over the next lower level's, with its Welch interval; `None` for the
    /// lowest level.
    pub step_gain: Option<ConfidenceInterval>,
    /// Two-sided Welch p-value of `step_gain` (on log time per unit).
    pub step_p_value: Option<f64>,
    /// Mean CPU percent of the whole machine over the level's samples.
    pub cpu_percent_mean: Option<f64>,
    /// Largest resident memory sampled at this level, bytes.
    pub rss_peak_bytes: Option<u64>,
    /// Site queue time per finished unit, seconds (summed queue time / units).
    pub queue_seconds_per_unit: Option<f64>,
    /// HTTP 429 answers over the level's runs.
    pub rate_limited: Option<u64>,
}

/// Time per unit of each usable run of `concurrency`, in run order.
fn seconds_per_unit(records: &[RunRecord], concurrency: usize) -> Vec<f64> {
    records
        .iter()
        .filter(|record| record.concurrency == concurrency)
        .filter_map(|record| record.run.seconds_per_unit())
        .collect()
}

fn scaled(interval: ConfidenceInterval, factor: f64) -> ConfidenceInterval {
    ConfidenceInterval {
        estimate: interval.estimate * factor,
        low: interval.low * factor,
        high: interval.high * factor,
        ..interval
    }
}

/// Summaries of every level in `levels` (ascending), each needing two usable runs.
pub(crate) fn summarize(
    records: &[RunRecord],
    levels: &[usize],
    confidence: f64,
) -> Result<Vec<LevelSummary>, ScalingError> {
    let base = levels[0];
    let base_times = seconds_per_unit(records, base);
    let mut summaries: Vec<LevelSummary> = Vec::new();
    for (index, &concurrency) in levels.iter().enumerate() {
        let times = seconds_per_unit(records, concurrency);
        if times.len() < 2 {
            return Err(ScalingError::TooFewUsableRuns {
                concurrency,
                usable: times.len(),
            });
        }
        let mine: Vec<&RunRecord> = records
            .iter()
            .filter(|record| record.concurrency == concurrency)
            .collect();
        let throughputs: Vec<f64> = times.iter().map(|seconds| 60.0 / seconds).collect();
        let exact_one = ConfidenceInterval {
            estimate: 1.0,
            low: 1.0,
            high: 1.0,
            level: confidence,
        };
        let speedup = if index == 0 {
            exact_one
        } else {
            log_ratio(&base_times, &times, confidence)
                .map(|(ratio, _)| ratio)
                .map_err(|_| ScalingError::TooFewUsableRuns {
                    concurrency,
                    usable: times.len(),
                })?
        };
        let (step_gain, step_p_value) = match index.checked_sub(1) {
            Some(previous) => {
                let below = seconds_per_unit(records, levels[previous]);
                match log_ratio(&below, &times, confidence) {
                    Ok((ratio, test)) => (Some(ratio), Some(test.p_value)),
                    Err(_) => (None, None),
                }
            }
            None => (None, None),
        };
        let latencies: Vec<f64> = mine
            .iter()
            .flat_map(|record| record.run.unit_latencies_seconds.iter().copied())
            .collect();
        let cpu: Vec<f64> = mine
            .iter()
            .flat_map(|record| record.run.resources.iter().map(|sample| sample.cpu_percent))
            .collect();
        let rss_peak = mine
            .iter()
            .flat_map(|record| record.run.resources.iter().map(|sample| sample.rss_bytes))
            .max();
        let units: u64 = mine.iter().map(|record| record.run.units).sum();
        let sites: Vec<_> = mine.iter().filter_map(|record| record.run.site).collect();
        let (queue_seconds_per_unit, rate_limited) = if sites.is_empty() {
            (None, None)
        } else {
            let queue: f64 = sites.iter().map(|site| site.queue_seconds).sum();
            (
                (units > 0).then(|| queue / units as f64),
                Some(sites.iter().map(|site| site.rate_limited).sum()),
            )
        };
        let ideal = concurrency as f64 / base as f64;
        summaries.push(LevelSummary {
            concurrency,
            runs: mine.len(),
            units,
            throughput_per_minute: geometric_interval(&throughputs, confidence),
            latency_p50_seconds: quantile(&latencies, 0.5),
            latency_p95_seconds: quantile(&latencies, 0.95),
            speedup,
            efficiency: scaled(speedup, 1.0 / ideal),
            step_gain,
            step_p_value,
            cpu_percent_mean: mean(&cpu),
            rss_peak_bytes: rss_peak,
            queue_seconds_per_unit,
            rate_limited,
        });
    }
    Ok(summaries)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::scaling::ScalingRun;

    fn record(concurrency: usize, repeat: usize, wall: f64, units: u64) -> RunRecord {
        RunRecord {
            position: 0,
            concurrency,
            repeat,
            run: ScalingRun::new(Duration::from_secs_f64(wall), units),
        }
    }

    #[test]
    fn speedup_and_efficiency_follow_the_throughputs() {
        // 12 units per run; level 1 takes 60 s (12/min), level 2 takes 30 s (24/min).
        let records = vec![
            record(1, 0, 60.0, 12),
            record(2, 0, 30.0, 12),
            record(1, 1, 61.0, 12),
            record(2, 1, 30.5, 12),
            record(1, 2, 59.0, 12),
            record(2, 2, 29.5, 12),
        ];
        let levels = summarize(&records, &[1, 2], 0.95).unwrap();
        assert_eq!(levels[0].speedup.estimate, 1.0);
        assert!((levels[0].throughput_per_minute.estimate - 12.0).abs() < 0.1);
        assert!((levels[1].speedup.estimate - 2.0).abs() < 1e-9);
        assert!((levels[1].efficiency.estimate - 1.0).abs() < 1e-9);
        let gain = levels[1].step_gain.unwrap();
        assert!(gain.low > 1.9 && gain.high < 2.1, "{gain:?}");
        assert!(levels[0].step_gain.is_none());
    }

    #[test]
    fn one_usable_run_is_not_enough_for_an_interval() {
        let records = vec![
            record(1, 0, 60.0, 12),
            record(1, 1, 60.0, 12),
            record(2, 0, 30.0, 12),
            record(2, 1, 30.0, 0),
        ];
        assert_eq!(
            summarize(&records, &[1, 2], 0.95).unwrap_err(),
            ScalingError::TooFewUsableRuns {
                concurrency: 2,
                usable: 1
            }
        );
    }
}
