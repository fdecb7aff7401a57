//! The regression gate on the command line: `--save-baseline NAME` after a profiled run,
//! `--show-baseline FILE|NAME`, and `--compare FILE|NAME` of this run (or, with
//! `--against FILE|NAME`, of another saved file) against a baseline, with `--threshold`,
//! `--key-threshold KEY=PCT`, `--limit KEY:METRIC<DURATION` and `--fail-on-regression`.
//!
//! A baseline argument is a file when it contains a `/` or ends in `.json`, otherwise a name
//! under `logs/performance/baselines/`. Gate baselines, profile JSON reports and the
//! preset-run files of `--baseline-test` / `--ab-test` (all runs pooled) are all accepted.

use std::path::{Path, PathBuf};

use profiler::Profile;
use profiler::baseline::{
    GateConfig, GateReport, HardLimit, KeyThreshold, PerformanceBaseline, compare,
};

use super::error::CommandError;
use super::paths::{gate_baseline_path, looks_like_path};
use super::run_set::PresetRunSet;
use super::run_set_baseline::pooled_baseline;

/// The gate's settings as given on the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GateFlags {
    /// `--threshold PCT` (default 20).
    pub threshold_percent: Option<f64>,
    /// `--key-threshold KEY=PCT`, repeatable; `KEY` may end in `*`.
    pub key_thresholds: Vec<String>,
    /// `--limit 'KEY:p95<33ms'`, repeatable.
    pub limits: Vec<String>,
    pub fail_on_regression: bool,
}

impl GateFlags {
    /// The library's gate configuration; a bad value names its flag.
    pub fn config(&self) -> Result<GateConfig, CommandError> {
        let mut config = GateConfig::default();
        if let Some(percent) = self.threshold_percent {
            if !percent.is_finite() || percent < 0.0 {
                return Err(CommandError::BadFlag {
                    flag: "--threshold",
                    problem: format!("{percent} is not a percentage ≥ 0 (e.g. 20 for 20%)"),
                });
            }
            config.threshold = percent / 100.0;
        }
        config.key_thresholds = self
            .key_thresholds
            .iter()
            .map(|text| KeyThreshold::parse(text))
            .collect::<Result<_, _>>()?;
        config.hard_limits = self
            .limits
            .iter()
            .map(|text| HardLimit::parse(text))
            .collect::<Result<_, _>>()?;
        Ok(config)
    }
}

/// The result of a comparison, ready to print.
pub struct GateOutcome {
    pub report: GateReport,
    pub text: String,
    pub exit_code: u8,
}

/// Where `FILE|NAME` points; a name must already exist under `logs/performance/baselines/`.
pub fn resolve(argument: &str) -> Result<PathBuf, CommandError> {
    let path = gate_baseline_path(argument);
    if looks_like_path(argument) || path.is_file() {
        return Ok(path);
    }
    Err(CommandError::NoSuchBaseline {
        name: argument.to_string(),
        looked: vec![path.display().to_string()],
    })
}

/// Loads a gate baseline, a profile report or a preset-run file as a baseline.
pub fn load_baseline(argument: &str) -> Result<PerformanceBaseline, CommandError> {
    let path = resolve(argument)?;
    if let Some(set) = read_run_set(&path)? {
        return Ok(pooled_baseline(&set));
    }
    Ok(PerformanceBaseline::load_any(&path)?)
}

/// `Some` when the file is a preset-run file.
fn read_run_set(path: &Path) -> Result<Option<PresetRunSet>, CommandError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None); // the baseline loader reports unreadable files with its own message
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value) if PresetRunSet::is_run_set(&value) => PresetRunSet::parse(&text, path).map(Some),
        _ => Ok(None),
    }
}

/// `--show-baseline`: the baseline as a table (and, for a preset-run file, its run summary).
pub fn show_baseline(argument: &str) -> Result<String, CommandError> {
    let path = resolve(argument)?;
    if let Some(set) = read_run_set(&path)? {
        return Ok(format!(
            "{}\n{}\n\n{}",
            path.display(),
            set.summary(),
            pooled_baseline(&set).render_text()
        ));
    }
    Ok(format!(
        "{}\n{}",
        path.display(),
        PerformanceBaseline::load_any(&path)?.render_text()
    ))
}

/// `--save-baseline`: the profile of this run as a named gate baseline.
pub fn save_baseline(argument: &str, profile: &Profile) -> Result<PathBuf, CommandError> {
    let path = gate_baseline_path(argument);
    let name = path.file_stem().map_or_else(
        || argument.to_string(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| CommandError::Write {
            path: path.clone(),
            source,
        })?;
    }
    PerformanceBaseline::from_profile(name, profile).save(&path)?;
    Ok(path)
}

/// Compares `current` with the baseline `argument` under `flags`.
pub fn compare_to_baseline(
    argument: &str,
    current: &PerformanceBaseline,
    flags: &GateFlags,
) -> Result<GateOutcome, CommandError> {
    let config = flags.config()?;
    let baseline = load_baseline(argument)?;
    let report = compare(&baseline, current, &config);
    let text = report.render_text(flags.fail_on_regression);
    let exit_code = u8::from(report.exit_code(flags.fail_on_regression) != 0);
    Ok(GateOutcome {
        report,
        text,
        exit_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_the_gate_configuration() {
        let flags = GateFlags {
            threshold_percent: Some(35.0),
            key_thresholds: vec!["download_management.*=50%".into()],
            limits: vec!["track_management.solo_track:p95<2s".into()],
            fail_on_regression: true,
        };
        let config = flags.config().unwrap();
        assert_eq!(config.threshold, 0.35);
        assert_eq!(
            config.threshold_for("download_management.monitor_download_polling"),
            0.5
        );
        assert_eq!(config.threshold_for("authentication.login"), 0.35);
        assert_eq!(config.hard_limits[0].key, "track_management.solo_track");
        assert_eq!(GateFlags::default().config().unwrap().threshold, 0.2);
    }

    #[test]
    fn bad_gate_flags_are_named() {
        let negative = GateFlags {
            threshold_percent: Some(-5.0),
            ..GateFlags::default()
        };
        assert!(
            negative
                .config()
                .unwrap_err()
                .to_string()
                .starts_with("--threshold: -5")
        );
        let limit = GateFlags {
            limits: vec!["solo_track p95 33ms".into()],
            ..GateFlags::default()
        };
        assert!(
            limit
                .config()
                .unwrap_err()
                .to_string()
                .contains("bad hard limit `solo_track p95 33ms`")
        );
        let key = GateFlags {
            key_thresholds: vec!["solo_track".into()],
            ..GateFlags::default()
        };
        assert!(
            key.config()
                .unwrap_err()
                .to_string()
                .contains("missing `=`")
        );
    }

    #[test]
    fn an_unknown_name_says_where_it_looked_and_a_corrupt_file_names_its_line() {
        let error = resolve("no_such_baseline_here").unwrap_err().to_string();
        assert!(
            error.contains("logs/performance/baselines/no_such_baseline_here.json"),
            "{error}"
        );
        let folder = tempfile::tempdir().unwrap();
        let corrupt = folder.path().join("corrupt.json");
        std::fs::write(
            &corrupt,
            "{\n  \"schema\": 1,\n  \"name\": \"x\",\n  oops\n}\n",
        )
        .unwrap();
        let error = load_baseline(corrupt.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("corrupt.json") && error.contains("line 4"),
            "{error}"
        );
        let run_set = folder.path().join("baseline_x_20250101_000000.json");
        std::fs::write(
            &run_set,
            "{\"kind\": \"preset_runs\", \"schema\": 1, \"preset\": 3}",
        )
        .unwrap();
        let error = show_baseline(run_set.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("not a preset-run file") && error.contains("line 1"),
            "{error}"
        );
    }
}
