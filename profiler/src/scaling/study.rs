//! The scaling study runner: the same workload at each concurrency, repeats interleaved with
//! a rotating start ([`super::order::rotated`]), optional warm-ups, then the analysis.
//!
//! ```
//! use std::time::Duration;
//! use profiler::scaling::{ScalingRun, ScalingStudy};
//!
//! // A pool that serves 2 units at a time, 1 s each: 6 units take 6 s alone, 3 s with 2
//! // workers or more.
//! let report = ScalingStudy::new([1, 2, 4])
//!     .repeats(3)
//!     .unit("request")
//!     .run(|workers| {
//!         let seconds = 6.0 / workers.min(2) as f64;
//!         Ok::<_, std::io::Error>(ScalingRun::new(Duration::from_secs_f64(seconds), 6))
//!     })
//!     .unwrap();
//! assert_eq!(report.knee.concurrency, Some(2));
//! println!("{}", report.render_text());
//! ```

use super::config::ScalingConfig;
use super::error::{ScalingError, StudyError};
use super::order::{Slot, rotated};
use super::record::RunRecord;
use super::report::{ScalingReport, StudySetting, analyze, checked_levels};
use super::run::ScalingRun;

/// Repeats per level when [`ScalingStudy::repeats`] is not called.
pub const DEFAULT_REPEATS: usize = 3;

/// A scaling study over concurrency levels; build it, then [`ScalingStudy::run`].
#[derive(Debug, Clone)]
pub struct ScalingStudy {
    levels: Vec<usize>,
    repeats: usize,
    warmup: usize,
    config: ScalingConfig,
}

impl ScalingStudy {
    /// A study of `levels` (e.g. `[1, 2, 4, 8]`) with [`DEFAULT_REPEATS`] repeats, no
    /// warm-up and the default [`ScalingConfig`].
    pub fn new(levels: impl IntoIterator<Item = usize>) -> ScalingStudy {
        ScalingStudy {
            levels: levels.into_iter().collect(),
            repeats: DEFAULT_REPEATS,
            warmup: 0,
            config: ScalingConfig::default(),
        }
    }

    /// Measured runs per level (at least 2).
    pub fn repeats(mut self, repeats: usize) -> ScalingStudy {
        self.repeats = repeats;
        self
    }

    /// Discarded runs per level before the measured ones, levels ascending (browser start,
    /// caches, connection pools).
    pub fn warmup(mut self, runs: usize) -> ScalingStudy {
        self.warmup = runs;
        self
    }

    /// The unit of work in reports ("track", "request", …).
    pub fn unit(mut self, unit: impl Into<String>) -> ScalingStudy {
        self.config.unit = unit.into();
        self
    }

    /// The thresholds (α, the knee's minimum gain, the limit rules).
    pub fn config(mut self, config: ScalingConfig) -> ScalingStudy {
        self.config = config;
        self
    }

    /// The measured run order (without warm-ups).
    pub fn order(&self) -> Vec<Slot> {
        rotated(&self.levels, self.repeats)
    }

    /// Checks the levels and repeats, runs the warm-ups and the measured runs, calling
    /// `workload(concurrency)` once per run, and analyses them. The first workload error
    /// ends the study.
    pub fn run<E, F>(&self, mut workload: F) -> Result<ScalingReport, StudyError<E>>
    where
        E: std::error::Error + 'static,
        F: FnMut(usize) -> Result<ScalingRun, E>,
    {
        let levels = checked_levels(&self.levels)?;
        if self.repeats < 2 {
            return Err(ScalingError::TooFewRepeats {
                repeats: self.repeats,
            }
            .into());
        }
        let call = |workload: &mut F, slot: Slot| {
            workload(slot.concurrency).map_err(|source| StudyError::Workload {
                concurrency: slot.concurrency,
                repeat: slot.repeat,
                source,
            })
        };
        for concurrency in levels.iter().copied() {
            for _ in 0..self.warmup {
                call(
                    &mut workload,
                    Slot {
                        concurrency,
                        repeat: 0,
                    },
                )?;
            }
        }
        let started_at = now_rfc3339();
        let mut runs = Vec::new();
        for (position, slot) in self.order().into_iter().enumerate() {
            let run = call(&mut workload, slot)?;
            runs.push(RunRecord {
                position,
                concurrency: slot.concurrency,
                repeat: slot.repeat,
                run,
            });
        }
        let setting = StudySetting {
            levels,
            repeats: self.repeats,
            warmup_runs_per_level: self.warmup,
            started_at: Some(started_at),
            machine: crate::machine::MachineInfo::current(),
        };
        Ok(analyze(runs, &setting, &self.config)?)
    }
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
