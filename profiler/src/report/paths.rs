//! Names of the files one profiling session writes, all sharing a timestamp.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::macros::format_description;

/// Where applications write their reports unless told otherwise (relative to the working
/// directory).
pub const DEFAULT_REPORT_DIR: &str = "logs/performance";

/// A `YYYYMMDD_HHMMSS` timestamp in **UTC** that names a session's files, e.g.
/// `performance_20250805_111204.log`. UTC so that names sort in time order across machines
/// and daylight-saving changes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(String);

impl Stamp {
    /// The current time, UTC.
    pub fn now() -> Stamp {
        Stamp::at(OffsetDateTime::now_utc())
    }

    /// The stamp of `moment`, converted to UTC.
    pub fn at(moment: OffsetDateTime) -> Stamp {
        let format = format_description!("[year][month][day]_[hour][minute][second]");
        let utc = moment.to_offset(time::UtcOffset::UTC);
        Stamp(
            utc.format(&format)
                .unwrap_or_else(|_| "00000000_000000".to_owned()),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `dir/performance_<stamp>.log`, the text report.
pub fn log_path(dir: &Path, stamp: &Stamp) -> PathBuf {
    dir.join(format!("performance_{stamp}.log"))
}

/// `dir/performance_<stamp>.json`, the JSON report.
pub fn json_path(dir: &Path, stamp: &Stamp) -> PathBuf {
    dir.join(format!("performance_{stamp}.json"))
}

/// `dir/performance_<stamp>.html`, the HTML report.
pub fn html_path(dir: &Path, stamp: &Stamp) -> PathBuf {
    dir.join(format!("performance_{stamp}.html"))
}

/// `dir/trace_<stamp>.json`, the Chrome trace.
pub fn trace_path(dir: &Path, stamp: &Stamp) -> PathBuf {
    dir.join(format!("trace_{stamp}.json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn stamps_are_utc_and_zero_padded() {
        assert_eq!(
            Stamp::at(datetime!(2025-08-05 11:12:04 UTC)).as_str(),
            "20250805_111204"
        );
        assert_eq!(
            Stamp::at(datetime!(2025-01-02 03:04:05 +02:00)).as_str(),
            "20250102_010405"
        );
    }

    #[test]
    fn file_names_share_the_stamp() {
        let stamp = Stamp::at(datetime!(2025-08-05 11:12:04 UTC));
        let dir = Path::new("logs/performance");
        assert_eq!(
            log_path(dir, &stamp),
            dir.join("performance_20250805_111204.log")
        );
        assert_eq!(
            json_path(dir, &stamp),
            dir.join("performance_20250805_111204.json")
        );
        assert_eq!(
            html_path(dir, &stamp),
            dir.join("performance_20250805_111204.html")
        );
        assert_eq!(
            trace_path(dir, &stamp),
            dir.join("trace_20250805_111204.json")
        );
        assert_eq!(Stamp::now().as_str().len(), "YYYYMMDD_HHMMSS".len());
    }
}
