//! Names of the files one profiling session writes, all sharing a timestamp.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

use time::OffsetDateTime;
use time::macros::format_description;

/// Where applications write their reports unless told otherwise (relative to the working
/// directory).
pub const DEFAULT_REPORT_DIR: &str = "logs/performance";

/// A UTC timestamp that names a session's files. UTC so that names sort in time order
/// across machines and daylight-saving changes.
///
/// [`Stamp::now`] gives `YYYYMMDD_HHMMSS_mmm_<pid>` (milliseconds, then the process id), e.g.
/// `performance_20250805_111204_042_31337.log`: two programs started in the same second
/// (or millisecond) never share names, and names still sort by start time. Within one
/// process, a stamp is never repeated: a second session in the same millisecond takes the
/// next one. [`Stamp::at`] gives the plain `YYYYMMDD_HHMMSS` of a moment (baseline names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(String);

/// The last millisecond (since the epoch) [`Stamp::now`] handed out in this process.
static LAST_MILLISECOND: AtomicI64 = AtomicI64::new(i64::MIN);

impl Stamp {
    /// A unique stamp for a session starting now (see the type's documentation).
    pub fn now() -> Stamp {
        let now = OffsetDateTime::now_utc();
        let wanted = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let previous = LAST_MILLISECOND
            .fetch_update(Relaxed, Relaxed, |last| Some(wanted.max(last + 1)))
            .unwrap_or(wanted);
        let millisecond = wanted.max(previous + 1);
        let moment = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millisecond) * 1_000_000)
            .unwrap_or(now);
        Stamp::unique_at(moment, std::process::id())
    }

    /// The stamp of `moment` for process `pid`: `YYYYMMDD_HHMMSS_mmm_<pid>`, UTC.
    pub fn unique_at(moment: OffsetDateTime, pid: u32) -> Stamp {
        let Stamp(seconds) = Stamp::at(moment);
        Stamp(format!("{seconds}_{:03}_{pid}", moment.millisecond()))
    }

    /// The `YYYYMMDD_HHMMSS` stamp of `moment`, converted to UTC.
    pub fn at(moment: OffsetDateTime) -> Stamp {
        let format = format_description!("[year][month][day]_[hour][minute][second]");
        let utc = moment.to_offset(time::UtcOffset::UTC);
        Stamp(
            utc.format(&format)
                .unwrap_or_else(|_| "00000000_000000".to_owned()),
        )
    }

    /// The stamp as it appears in file names, e.g. `20250805_111204_042_31337`.
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
    }

    #[test]
    fn unique_stamps_carry_milliseconds_and_the_process() {
        assert_eq!(
            Stamp::unique_at(datetime!(2025-08-05 11:12:04.042 UTC), 31337).as_str(),
            "20250805_111204_042_31337"
        );
    }

    #[test]
    fn stamps_of_one_process_never_repeat_and_sort_in_time_order() {
        let stamps: Vec<Stamp> = (0..50).map(|_| Stamp::now()).collect();
        let pid = format!("_{}", std::process::id());
        for pair in stamps.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        assert!(stamps.iter().all(|stamp| stamp.as_str().ends_with(&pid)));
    }
}
