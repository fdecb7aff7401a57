//! How hard this machine works during one run of a scaling study, read from `/proc` every
//! interval: CPU busy share of the whole machine (`/proc/stat`, the same for every process, so
//! the other work on the machine counts too — it is the machine that saturates) and the summed
//! resident memory of the browser processes this automator started
//! ([`crate::soak::memory::read_memory`], the soak's reading of the browser tree).

use std::path::Path;
use std::time::Duration;

use profiler::scaling::ResourceSample;
use tokio::sync::Notify;

/// How often the machine is read: often enough for a run of a few seconds at a small
/// `--time-scale`, rarely enough that scanning `/proc` costs nothing measurable.
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(500);

/// Cumulative CPU time of the whole machine, in clock ticks, from `/proc/stat`'s `cpu` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    /// All ticks (user, nice, system, idle, iowait, irq, softirq, steal).
    pub total: u64,
    /// Ticks idle or waiting for I/O.
    pub idle: u64,
}

impl CpuTimes {
    /// The machine's times now; `None` without a readable `/proc/stat`.
    pub fn now() -> Option<CpuTimes> {
        parse_cpu_line(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// Percent of all cores busy between `earlier` and `self` (100 = every core busy);
    /// `None` when no tick passed.
    pub fn busy_percent_since(&self, earlier: &CpuTimes) -> Option<f64> {
        let total = self.total.checked_sub(earlier.total)?;
        let idle = self.idle.checked_sub(earlier.idle)?;
        (total > 0).then(|| 100.0 * total.saturating_sub(idle) as f64 / total as f64)
    }
}

/// The aggregate `cpu` line of `/proc/stat` (the first one): its first eight fields; guest
/// time is already inside user and nice, so it is not added again.
pub fn parse_cpu_line(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().find(|line| line.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    Some(CpuTimes {
        total: fields.iter().sum(),
        idle,
    })
}

/// Reads the machine every [`SAMPLE_INTERVAL`] until `stop` is notified; returns the samples
/// (CPU over each interval, browser RSS at its end).
pub async fn sample_until(stop: &Notify, download_dir: &Path) -> Vec<ResourceSample> {
    let mut samples = Vec::new();
    let mut previous = CpuTimes::now();
    loop {
        tokio::select! {
            () = stop.notified() => return samples,
            () = tokio::time::sleep(SAMPLE_INTERVAL) => {}
        }
        let now = CpuTimes::now();
        let cpu = match (&now, &previous) {
            (Some(now), Some(previous)) => now.busy_percent_since(previous),
            _ => None,
        };
        previous = now;
        let memory = crate::soak::memory::read_memory(download_dir);
        if let Some(cpu_percent) = cpu {
            samples.push(ResourceSample {
                cpu_percent,
                rss_bytes: (memory.browser_mb * 1024.0 * 1024.0) as u64,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str =
        "cpu  100 5 50 800 20 3 2 0 40 0\ncpu0 50 2 25 400 10 1 1 0 20 0\nintr 1 2\n";

    #[test]
    fn the_aggregate_line_gives_total_and_idle_ticks_without_guest_time() {
        let times = parse_cpu_line(STAT).unwrap();
        assert_eq!(times.total, 100 + 5 + 50 + 800 + 20 + 3 + 2);
        assert_eq!(times.idle, 820);
        assert_eq!(parse_cpu_line("intr 1 2\n"), None);
        assert_eq!(parse_cpu_line("cpu  1 x 3\n"), None);
    }

    #[test]
    fn busy_share_is_the_non_idle_part_of_the_ticks_between_two_readings() {
        let earlier = CpuTimes {
            total: 1000,
            idle: 800,
        };
        let later = CpuTimes {
            total: 1400,
            idle: 900,
        };
        assert_eq!(later.busy_percent_since(&earlier), Some(75.0));
        assert_eq!(earlier.busy_percent_since(&earlier), None);
        assert_eq!(earlier.busy_percent_since(&later), None);
    }
}
