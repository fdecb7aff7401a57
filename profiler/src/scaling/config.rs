//! The thresholds a scaling study decides by, all stated in the report.

use serde::{Deserialize, Serialize};

/// Statistical level, the knee's gain threshold and the limit rules' thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingConfig {
    /// Significance level; intervals are at 1 − α.
    pub alpha: f64,
    /// A step to the next level pays only when its throughput gain is significant *and* at
    /// least this fraction (0.10 = the next level must add 10% throughput).
    pub min_gain: f64,
    /// The site limits when, past the knee, queue time per unit reaches this share of the
    /// median unit latency (0.10 = 10%) and exceeds the lowest level's, or any request was
    /// answered HTTP 429.
    pub site_queue_share: f64,
    /// The machine limits when, past the knee, mean CPU reaches this percent of the whole
    /// machine (100 = every core busy).
    pub cpu_saturated_percent: f64,
    /// The machine limits when, past the knee, peak resident memory reaches this share of
    /// [`memory_total_bytes`](Self::memory_total_bytes).
    pub memory_saturated_share: f64,
    /// Memory the workers may use, bytes (default: the machine's total memory).
    pub memory_total_bytes: u64,
    /// What one unit of work is called in reports ("track").
    pub unit: String,
}

impl Default for ScalingConfig {
    fn default() -> Self {
        ScalingConfig {
            alpha: 0.05,
            min_gain: 0.10,
            site_queue_share: 0.10,
            cpu_saturated_percent: 85.0,
            memory_saturated_share: 0.90,
            memory_total_bytes: crate::machine::MachineInfo::current().memory_bytes,
            unit: "track".to_string(),
        }
    }
}
