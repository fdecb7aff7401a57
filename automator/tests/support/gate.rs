//! Fixtures for the regression gate's tests: synthetic baseline files that the CLI tests
//! compare without a browser, and the measured runs that the end-to-end tests save as a
//! baseline and then compare with it.

use std::path::Path;

use profiler::baseline::{BASELINE_SCHEMA, KeyBaseline, KeyRun, PerformanceBaseline};
use profiler::{Histogram, MachineInfo, Tier};

use super::{Finished, run_automator};

/// A method key measured in three runs 1% apart: each run has `calls` calls that all took
/// `nanos` × 0.99, × 1.00 and × 1.01 respectively, `failures` of them failed. The pooled
/// figures (mean, percentiles, min, max) are `nanos` and the pooled histogram is `histogram`.
pub fn three_run_key(
    name: &str,
    nanos: u64,
    calls: u64,
    failures: u64,
    histogram: Histogram,
) -> KeyBaseline {
    KeyBaseline {
        key: name.to_string(),
        tier: Tier::Method,
        count: calls * 3,
        failures: failures * 3,
        mean_ns: nanos as f64,
        median_ns: nanos,
        p90_ns: nanos,
        p95_ns: nanos,
        p99_ns: nanos,
        min_ns: nanos,
        max_ns: nanos,
        histogram,
        runs: [99, 100, 101]
            .map(|percent| KeyRun {
                failures,
                ..KeyRun::uniform(calls, nanos / 100 * percent)
            })
            .to_vec(),
    }
}

/// A baseline of three runs named `name`, recorded on `machine` at a fixed time without a
/// commit, holding `keys`.
pub fn three_run_baseline(
    name: &str,
    machine: MachineInfo,
    keys: Vec<KeyBaseline>,
) -> PerformanceBaseline {
    PerformanceBaseline {
        schema: BASELINE_SCHEMA,
        name: name.to_string(),
        recorded_at: "2025-08-05T11:12:04Z".into(),
        git_commit: None,
        machine,
        runs: 3,
        keys,
    }
}

/// Writes `baseline` to `directory/file`.
pub fn save(directory: &Path, file: &str, baseline: &PerformanceBaseline) {
    baseline.save(&directory.join(file)).unwrap();
}

/// Measured runs of the test folder's `songs.yaml`, as a gate test saves them as a baseline
/// and then measures them again to compare: the flags both sides share.
pub struct MeasuredRuns<'a> {
    /// `--max-tracks`.
    pub max_tracks: &'a str,
    /// `--time-scale`.
    pub time_scale: &'a str,
    /// `--runs`.
    pub runs: &'a str,
}

impl MeasuredRuns<'_> {
    /// `--songs songs.yaml --max-tracks … --time-scale … --runs …`.
    pub fn args(&self) -> [&str; 8] {
        [
            "--songs",
            "songs.yaml",
            "--max-tracks",
            self.max_tracks,
            "--time-scale",
            self.time_scale,
            "--runs",
            self.runs,
        ]
    }

    /// Measures the runs in `directory` with `--profile --save-baseline <name>` and asserts
    /// they succeeded.
    pub fn save_baseline(&self, directory: &Path, name: &str) -> Finished {
        let saved = self.run_with(directory, &["--profile", "--save-baseline", name]);
        saved.succeeded();
        saved
    }

    /// Measures the runs in `directory` with `flags` (such as `--compare <name>`) before the
    /// shared ones.
    pub fn run_with(&self, directory: &Path, flags: &[&str]) -> Finished {
        let args = [flags, &self.args()[..]].concat();
        run_automator(directory, &args, &[])
    }
}
