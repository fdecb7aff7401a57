//! Saving and loading baselines. Writes are atomic (a crash never leaves half a file) and a
//! file that cannot be used is reported with its path and the position of the problem.

use std::path::Path;

use super::error::BaselineError;
use super::model::{BASELINE_SCHEMA, PerformanceBaseline};
use crate::atomic::write_atomic;
use crate::profile::{PROFILE_SCHEMA, Profile};

impl PerformanceBaseline {
    /// Writes the baseline as pretty JSON through a temporary file and a rename.
    ///
    /// # Errors
    ///
    /// [`BaselineError::Write`] when the file cannot be written; an existing file is left as it
    /// was.
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        let mut json =
            serde_json::to_string_pretty(self).map_err(|error| BaselineError::Write {
                path: path.to_path_buf(),
                source: std::io::Error::other(error),
            })?;
        json.push('\n');
        write_atomic(path, json.as_bytes()).map_err(|source| BaselineError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads a baseline file.
    ///
    /// # Errors
    ///
    /// [`BaselineError::Read`] when the file cannot be read, [`BaselineError::Corrupt`] when it is
    /// not a baseline, [`BaselineError::Schema`] for a newer schema, and
    /// [`BaselineError::DuplicateKey`] when a key is listed twice.
    pub fn load(path: &Path) -> Result<PerformanceBaseline, BaselineError> {
        let text = read(path)?;
        check_schema(path, &text, BASELINE_SCHEMA)?;
        let baseline: PerformanceBaseline =
            serde_json::from_str(&text).map_err(|error| corrupt(path, &error))?;
        baseline.check_unique_keys(path)?;
        Ok(baseline)
    }

    /// Reads either a baseline file or a profile JSON report (which becomes a baseline named
    /// after the file), so a gate can compare against whatever the user has at hand.
    ///
    /// # Errors
    ///
    /// As [`PerformanceBaseline::load`]: a file with a `session` object is checked as a profile
    /// report (its schema against [`PROFILE_SCHEMA`]), anything else as a baseline.
    pub fn load_any(path: &Path) -> Result<PerformanceBaseline, BaselineError> {
        let text = read(path)?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|error| corrupt(path, &error))?;
        if value.get("session").is_some() {
            check_schema(path, &text, PROFILE_SCHEMA)?;
            let profile: Profile =
                serde_json::from_value(value).map_err(|error| corrupt(path, &error))?;
            let name = path.file_stem().map_or_else(
                || "profile".to_string(),
                |stem| stem.to_string_lossy().into_owned(),
            );
            let mut seen = std::collections::BTreeSet::new();
            if let Some(duplicate) = profile.keys.iter().find(|key| !seen.insert(&key.key)) {
                return Err(BaselineError::DuplicateKey {
                    path: path.to_path_buf(),
                    key: duplicate.key.clone(),
                });
            }
            return Ok(PerformanceBaseline::from_profile(name, &profile));
        }
        PerformanceBaseline::load(path)
    }
}

fn read(path: &Path) -> Result<String, BaselineError> {
    std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// A newer schema is reported as such rather than as a confusing missing-field error.
fn check_schema(path: &Path, text: &str, supported: u32) -> Result<(), BaselineError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| corrupt(path, &error))?;
    match value.get("schema").and_then(serde_json::Value::as_u64) {
        Some(found) if found != u64::from(supported) => Err(BaselineError::Schema {
            path: path.to_path_buf(),
            found,
            supported,
        }),
        _ => Ok(()),
    }
}

fn corrupt(path: &Path, error: &serde_json::Error) -> BaselineError {
    let message = error.to_string();
    // serde_json appends " at line L column C"; the position is reported separately.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    BaselineError::Corrupt {
        path: path.to_path_buf(),
        line: error.line(),
        column: error.column(),
        message,
    }
}
