//! Where the commands write: `logs/performance/baselines/` for preset runs, comparisons and
//! gate baselines, named with the same UTC `YYYYMMDD_HHMMSS` stamps as the profile reports.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::CommandError;

/// Preset runs, A/B comparisons and gate baselines.
pub const BASELINES_DIR: &str = "logs/performance/baselines";

/// The moment a command started, in the two forms its files use.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// `20250805_111204` (UTC), as in the profile reports' names.
    pub file: String,
    /// RFC 3339, UTC.
    pub rfc3339: String,
}

impl Stamp {
    pub fn now() -> Stamp {
        let now = OffsetDateTime::now_utc();
        Stamp {
            file: profiler::report::Stamp::at(now).to_string(),
            rfc3339: now
                .format(&Rfc3339)
                .unwrap_or_else(|_| now.unix_timestamp().to_string()),
        }
    }
}

/// `logs/performance/baselines/baseline_<preset>_<stamp>.json`.
pub fn run_set_path(preset: &str, stamp: &Stamp) -> PathBuf {
    Path::new(BASELINES_DIR).join(format!("baseline_{preset}_{}.json", stamp.file))
}

/// `logs/performance/baselines/ab_<a>_vs_<b>_<stamp>.<extension>`.
pub fn comparison_path(a: &str, b: &str, stamp: &Stamp, extension: &str) -> PathBuf {
    Path::new(BASELINES_DIR).join(format!("{}.{extension}", comparison_stem(a, b, stamp)))
}

/// `ab_<a>_vs_<b>_<stamp>`, the comparison's file name without its extension.
pub fn comparison_stem(a: &str, b: &str, stamp: &Stamp) -> String {
    format!("ab_{a}_vs_{b}_{}", stamp.file)
}

/// A gate baseline given by name lives at `logs/performance/baselines/<name>.json`; anything
/// that looks like a path (a `/` or a `.json` ending) is used as it is.
pub fn gate_baseline_path(name_or_path: &str) -> PathBuf {
    if looks_like_path(name_or_path) {
        PathBuf::from(name_or_path)
    } else {
        Path::new(BASELINES_DIR).join(format!("{name_or_path}.json"))
    }
}

/// Whether a `FILE|NAME` argument is a path.
pub fn looks_like_path(argument: &str) -> bool {
    argument.contains('/')
        || argument.contains(std::path::MAIN_SEPARATOR)
        || argument.ends_with(".json")
}

/// Writes `contents` to `path` atomically, creating the folder first.
pub fn write_file(path: &Path, contents: &str) -> Result<(), CommandError> {
    let failed = |source| CommandError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    profiler::atomic::write_atomic(path, contents.as_bytes()).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_documented_pattern() {
        let stamp = Stamp {
            file: "20250805_111204".into(),
            rfc3339: "2025-08-05T11:12:04Z".into(),
        };
        assert_eq!(
            run_set_path("current", &stamp),
            Path::new("logs/performance/baselines/baseline_current_20250805_111204.json")
        );
        assert_eq!(
            comparison_path("current", "solo_only", &stamp, "md"),
            Path::new("logs/performance/baselines/ab_current_vs_solo_only_20250805_111204.md")
        );
        let now = Stamp::now().file;
        assert_eq!(now.len(), 15, "{now}");
        assert_eq!(now.as_bytes()[8], b'_');
    }

    #[test]
    fn a_name_is_a_gate_baseline_and_a_path_stays_a_path() {
        assert_eq!(
            gate_baseline_path("nightly"),
            Path::new("logs/performance/baselines/nightly.json")
        );
        assert_eq!(
            gate_baseline_path("ci/base.json"),
            Path::new("ci/base.json")
        );
        assert_eq!(gate_baseline_path("base.json"), Path::new("base.json"));
    }

    #[test]
    fn writing_creates_the_folder_and_reports_an_unwritable_one() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a/b/report.md");
        write_file(&path, "# hi\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# hi\n");
        let blocked = folder.path().join("a/b/report.md/inside.md");
        let error = write_file(&blocked, "x").unwrap_err().to_string();
        assert!(error.contains("report.md/inside.md"), "{error}");
    }
}
