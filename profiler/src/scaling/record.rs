//! One measured run as the study keeps it: where it sat in the run order, its level and
//! repeat, and what the workload reported.

use serde::{Deserialize, Serialize};

use super::run::ScalingRun;

/// A measured run of a scaling study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Position in the measured run order (0-based; warm-ups not counted).
    pub position: usize,
    /// Concurrency of the run.
    pub concurrency: usize,
    /// Repeat of the run (0-based).
    pub repeat: usize,
    /// What the workload reported.
    pub run: ScalingRun,
}
