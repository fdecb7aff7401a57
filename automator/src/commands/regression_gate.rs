//! The regression gate on the command line: `--save-baseline NAME` after a profiled run,
//! `--show-baseline FILE|NAME`, and `--compare FILE|NAME` of this run (or, with
//! `--against FILE|NAME`, of another saved file) against a baseline, with `--threshold`,
//! `--key-threshold KEY=PCT`, `--limit KEY:METRIC<DURATION` and `--fail-on-regression`.
//!
//! A baseline argument is a file when it contains a `/` or ends in `.json`, otherwise a name
//! under `logs/performance/baselines/`. Gate baselines, profile JSON reports and the
//! preset-run files of `--baseline-test` / `--ab-test` (each run one sample) are all accepted.
//!
//! Every input is checked by [`GatePlan::prepare`] before a browser starts.

use std::path::{Path, PathBuf};

use profiler::Profile;
use profiler::baseline::{
    GateConfig, GatePolicy, GateReport, HardLimit, KeyThreshold, PerformanceBaseline, compare,
};

use super::error::CommandError;
use super::paths::{gate_baseline_path, looks_like_path};
use super::run_set::PresetRunSet;

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
    /// `--allow-untested`: an untested change beyond the threshold does not fail the gate.
    pub allow_untested: bool,
    /// `--min-share PCT`: the practical-significance floor (default 1).
    pub min_share_percent: Option<f64>,
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
        if let Some(percent) = self.min_share_percent {
            if !percent.is_finite() || !(0.0..=100.0).contains(&percent) {
                return Err(CommandError::BadFlag {
                    flag: "--min-share",
                    problem: format!(
                        "{percent} is not a percentage from 0 to 100 (e.g. 1 for 1% of the run)"
                    ),
                });
            }
            config.min_share = percent / 100.0;
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
        config.policy = GatePolicy {
            fail_on_regression: self.fail_on_regression,
            allow_untested: self.allow_untested,
        };
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
        return Ok(run_set_baseline(&set));
    }
    Ok(PerformanceBaseline::load_any(&path)?)
}

/// A preset-run file as a gate baseline: each of its runs is one sample.
fn run_set_baseline(set: &PresetRunSet) -> PerformanceBaseline {
    let profiles: Vec<Profile> = set.runs.iter().map(|run| run.profile.clone()).collect();
    let mut baseline = PerformanceBaseline::from_profiles(
        format!("{} ({} runs)", set.preset, set.runs.len()),
        &profiles,
    );
    baseline.recorded_at = set.recorded_at.clone();
    baseline.git_commit = set.git_commit.clone();
    baseline.machine = set.machine.clone();
    baseline
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
            run_set_baseline(&set).render_text()
        ));
    }
    Ok(format!(
        "{}\n{}",
        path.display(),
        PerformanceBaseline::load_any(&path)?.render_text()
    ))
}

/// Where `--save-baseline NAME|FILE` writes, checked before any run: a NAME (letters, digits,
/// `.`, `_`, `-`; not starting with `.`) becomes `logs/performance/baselines/<NAME>.json`; a
/// value ending in `.json` is a file path whose folder must not be a file.
pub fn save_target(argument: &str) -> Result<PathBuf, CommandError> {
    let bad = |problem: &str| CommandError::BadFlag {
        flag: "--save-baseline",
        problem: format!("`{argument}` {problem}"),
    };
    if argument.ends_with(".json") {
        let path = PathBuf::from(argument);
        if path
            .file_name()
            .is_none_or(|name| name == ".json" || name == "..json")
        {
            return Err(bad("has no file name before `.json`"));
        }
        if path.is_dir() {
            return Err(bad("is a folder; give a file such as ci/base.json"));
        }
        let blocked = path
            .ancestors()
            .skip(1)
            .find(|ancestor| !ancestor.as_os_str().is_empty() && ancestor.exists());
        if blocked.is_some_and(|ancestor| !ancestor.is_dir()) {
            return Err(bad("lies under a file, not a folder"));
        }
        return Ok(path);
    }
    let valid = !argument.is_empty()
        && !argument.starts_with('.')
        && argument
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid {
        return Err(bad(
            "is not a baseline name: use letters, digits, `.`, `_` and `-` (e.g. main), or a file path ending in .json",
        ));
    }
    Ok(gate_baseline_path(argument))
}

/// `--save-baseline`: the profiles of this command's runs as a named gate baseline at
/// `path` (from [`save_target`]).
pub fn save_baseline(path: &Path, profiles: &[Profile]) -> Result<(), CommandError> {
    let name = path
        .file_stem()
        .map_or_else(String::new, |stem| stem.to_string_lossy().into_owned());
    PerformanceBaseline::from_profiles(name, profiles).save(path)?;
    Ok(())
}

/// The gate inputs of a run, all read and checked before the browser starts.
#[derive(Debug, Clone)]
pub struct GatePlan {
    /// The baseline `--compare` names, loaded.
    pub baseline: Option<PerformanceBaseline>,
    /// Where `--save-baseline` writes.
    pub save_to: Option<PathBuf>,
    pub flags: GateFlags,
    pub config: GateConfig,
}

impl GatePlan {
    /// Loads the `--compare` baseline (missing, corrupt or duplicate-key files are errors),
    /// checks the `--save-baseline` target and parses every gate flag.
    pub fn prepare(
        compare: Option<&str>,
        save: Option<&str>,
        flags: GateFlags,
    ) -> Result<GatePlan, CommandError> {
        let config = flags.config()?;
        let baseline = compare.map(load_baseline).transpose()?;
        let save_to = save.map(save_target).transpose()?;
        Ok(GatePlan {
            baseline,
            save_to,
            flags,
            config,
        })
    }

    /// Compares `current` with the loaded baseline.
    pub fn compare(&self, current: &PerformanceBaseline) -> Option<GateOutcome> {
        let baseline = self.baseline.as_ref()?;
        let report = compare(baseline, current, &self.config);
        Some(GateOutcome::of(report))
    }
}

/// Compares `current` with the baseline `argument` under `flags`.
pub fn compare_to_baseline(
    argument: &str,
    current: &PerformanceBaseline,
    flags: &GateFlags,
) -> Result<GateOutcome, CommandError> {
    let config = flags.config()?;
    let baseline = load_baseline(argument)?;
    Ok(GateOutcome::of(compare(&baseline, current, &config)))
}

impl GateOutcome {
    fn of(report: GateReport) -> GateOutcome {
        let text = report.render_text();
        let exit_code = u8::from(report.exit_code() != 0);
        GateOutcome {
            report,
            text,
            exit_code,
        }
    }
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
            allow_untested: false,
            min_share_percent: Some(2.5),
        };
        let config = flags.config().unwrap();
        assert_eq!(config.min_share, 0.025);
        assert_eq!(GateFlags::default().config().unwrap().min_share, 0.01);
        assert!(config.policy.fail_on_regression && !config.policy.allow_untested);
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
        let share = GateFlags {
            min_share_percent: Some(150.0),
            ..GateFlags::default()
        };
        assert!(
            share
                .config()
                .unwrap_err()
                .to_string()
                .starts_with("--min-share: 150 is not a percentage from 0 to 100")
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

    #[test]
    fn a_save_target_is_a_plain_name_or_a_json_file() {
        assert_eq!(
            save_target("main-2.0_x").unwrap(),
            Path::new("logs/performance/baselines/main-2.0_x.json")
        );
        assert_eq!(
            save_target("ci/base.json").unwrap(),
            Path::new("ci/base.json")
        );
        for bad in [
            "",
            ".",
            "..",
            "../up",
            "a/b",
            "a\\b",
            ".hidden",
            "spaced name",
            ".json",
        ] {
            let error = save_target(bad).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("--save-baseline: `{bad}`")),
                "{error}"
            );
        }
    }
}
