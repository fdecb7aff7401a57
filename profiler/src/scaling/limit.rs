//! Where the limit lies once more concurrency stops paying: the site, this machine, both,
//! or neither measured.
//!
//! The rules look at the level just past the knee (the first level that did not pay) and
//! compare it with the lowest level:
//! - **site**: any request answered HTTP 429 there, or site queue time per unit there at
//!   least [`site_queue_share`](super::ScalingConfig::site_queue_share) of the median unit
//!   latency *and* above the lowest level's: the server makes work wait.
//! - **machine**: mean CPU there at least
//!   [`cpu_saturated_percent`](super::ScalingConfig::cpu_saturated_percent) of the whole
//!   machine, or peak resident memory at least
//!   [`memory_saturated_share`](super::ScalingConfig::memory_saturated_share) of
//!   [`memory_total_bytes`](super::ScalingConfig::memory_total_bytes).
//! - both rules met: **site and machine**; neither: **unexplained** (nothing measured points
//!   at either; a serial part of the work, or a resource not sampled, bounds it).
//! - no knee within the levels tried: **not reached**.

use serde::{Deserialize, Serialize};

use super::config::ScalingConfig;
use super::knee::Knee;
use super::level::LevelSummary;
use crate::stats::format_seconds;

/// What bounds throughput.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// Every step paid: no limit within the levels tried.
    NotReached,
    /// The site queues work or rate-limits: more sessions or machines will not help.
    Site,
    /// This machine's CPU or memory is saturated: another machine (a Grid node) would help.
    Machine,
    /// Both signals at once.
    SiteAndMachine,
    /// A knee, but neither signal measured: something else bounds it.
    Unexplained,
}

/// The limit with the measurements that point at it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// What bounds throughput.
    pub kind: LimitKind,
    /// The measurements behind `kind`, one phrase each.
    pub evidence: Vec<String>,
}

/// Applies the rules of this module at the level after the knee.
pub(crate) fn find_limit(levels: &[LevelSummary], knee: &Knee, config: &ScalingConfig) -> Limit {
    let past = knee
        .next
        .and_then(|next| levels.iter().find(|level| level.concurrency == next));
    let (Some(past), Some(base)) = (past, levels.first()) else {
        return Limit {
            kind: LimitKind::NotReached,
            evidence: Vec::new(),
        };
    };
    let mut site = Vec::new();
    if let Some(refused) = past.rate_limited.filter(|refused| *refused > 0) {
        site.push(format!(
            "{refused} request(s) answered HTTP 429 at {}",
            past.concurrency
        ));
    }
    if let Some(queue) = past.queue_seconds_per_unit {
        let latency = past.latency_p50_seconds.unwrap_or_else(|| {
            past.concurrency as f64 * 60.0 / past.throughput_per_minute.estimate
        });
        let base_queue = base.queue_seconds_per_unit.unwrap_or(0.0);
        if queue >= config.site_queue_share * latency && queue > base_queue {
            site.push(format!(
                "site queue time per {} rose from {} at {} to {} at {} ({:.0}% of the median latency)",
                config.unit,
                format_seconds(base_queue),
                base.concurrency,
                format_seconds(queue),
                past.concurrency,
                queue / latency * 100.0
            ));
        }
    }
    let mut machine = Vec::new();
    if let Some(cpu) = past
        .cpu_percent_mean
        .filter(|cpu| *cpu >= config.cpu_saturated_percent)
    {
        machine.push(format!(
            "CPU {cpu:.0}% of the machine at {} (saturated from {:.0}%)",
            past.concurrency, config.cpu_saturated_percent
        ));
    }
    if let Some(rss) = past.rss_peak_bytes.filter(|rss| {
        config.memory_total_bytes > 0
            && *rss as f64 >= config.memory_saturated_share * config.memory_total_bytes as f64
    }) {
        machine.push(format!(
            "memory {} MiB of {} MiB at {}",
            rss >> 20,
            config.memory_total_bytes >> 20,
            past.concurrency
        ));
    }
    let kind = match (site.is_empty(), machine.is_empty()) {
        (false, false) => LimitKind::SiteAndMachine,
        (false, true) => LimitKind::Site,
        (true, false) => LimitKind::Machine,
        (true, true) => LimitKind::Unexplained,
    };
    site.extend(machine);
    Limit {
        kind,
        evidence: site,
    }
}
