//! Why a runner could not start, or why its runs ended before the plan.

use crate::preset::PresetError;

/// A runner failure. `E` is the workload's own error type.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError<E> {
    /// Checked before the first run.
    #[error("runs per arm must be at least 1")]
    NoRuns,
    /// A preset does not apply to the live configuration (checked for both arms before the
    /// first run), or another preset is still applied.
    #[error(transparent)]
    Preset(#[from] PresetError),
    /// The workload failed; the runs before it are kept.
    #[error("{0}")]
    Workload(E),
}
