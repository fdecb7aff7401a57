//! One preset run several times (a baseline of that configuration): the same harness as the
//! A/B runner — warm-ups, a fresh profile per run, the guard — without a second arm.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::blocking::block_on;
use super::harness::Harness;
use super::runner::{Ending, run_order};
use super::runner_error::RunnerError;
use super::schedule::Arm;
use super::workload::{CompletedRun, Phase, Workload};
use crate::preset::Preset;

/// `runs` runs of one preset after `warmup` discarded ones. Runs are reported as arm A.
pub struct Repeat<'a, C> {
    harness: Harness<'a, C>,
    preset: Preset,
    runs: usize,
    warmup: usize,
}

/// What [`Repeat::run`] returns for workload `W`.
pub type RepeatRun<W> = Result<
    RepeatResult<<W as Workload>::Detail, <W as Workload>::Error>,
    RunnerError<<W as Workload>::Error>,
>;

/// What [`Repeat::run`] produced.
#[derive(Debug)]
pub struct RepeatResult<D, E> {
    /// Measured runs planned.
    pub planned_runs: usize,
    /// The warm-up runs, in order; not measured.
    pub warmups: Vec<CompletedRun<D>>,
    /// The measured runs, in order (each as arm A).
    pub runs: Vec<CompletedRun<D>>,
    /// [`Ending::Completed`], [`Ending::Interrupted`] or [`Ending::Failed`].
    pub ending: Ending<E>,
}

impl<'a, C> Repeat<'a, C>
where
    C: Serialize + DeserializeOwned + Clone,
{
    /// `runs` measured runs of `preset` through `harness`, no warm-up.
    pub fn new(harness: Harness<'a, C>, preset: Preset, runs: usize) -> Self {
        Repeat {
            harness,
            preset,
            runs,
            warmup: 0,
        }
    }

    /// Warm-up runs before the measured ones, discarded.
    pub fn warmup(mut self, runs: usize) -> Self {
        self.warmup = runs;
        self
    }

    /// Checks the inputs (runs ≥ 1, the preset applies), then runs. `Err` only before the
    /// first run; a later failure ends the runs and is reported in [`RepeatResult::ending`].
    ///
    /// # Errors
    ///
    /// [`RunnerError::NoRuns`](super::RunnerError::NoRuns) for 0 runs, and the preset's
    /// [`PresetError`](crate::preset::PresetError) when it does not apply to the live
    /// configuration; both before any run.
    pub async fn run<W>(self, workload: &mut W) -> RepeatRun<W>
    where
        W: Workload<Config = C>,
    {
        if self.runs == 0 {
            return Err(RunnerError::NoRuns);
        }
        self.harness.configuration_of(&self.preset)?;
        let mut warmups = Vec::new();
        let mut runs = Vec::new();
        let mut ending = self
            .run_phase(workload, Phase::Warmup, self.warmup, &mut warmups)
            .await;
        if ending.is_none() {
            ending = self
                .run_phase(workload, Phase::Measured, self.runs, &mut runs)
                .await;
        }
        Ok(RepeatResult {
            planned_runs: self.runs,
            warmups,
            runs,
            ending: ending.unwrap_or(Ending::Completed),
        })
    }

    /// [`Repeat::run`] on this thread without an async runtime.
    ///
    /// # Errors
    ///
    /// As [`Repeat::run`].
    pub fn run_blocking<W>(self, workload: &mut W) -> RepeatRun<W>
    where
        W: Workload<Config = C>,
    {
        block_on(self.run(workload))
    }

    /// `count` runs of the preset as arm A in `phase`, each pushed onto `kept`.
    async fn run_phase<W>(
        &self,
        workload: &mut W,
        phase: Phase,
        count: usize,
        kept: &mut Vec<CompletedRun<W::Detail>>,
    ) -> Option<Ending<W::Error>>
    where
        W: Workload<Config = C>,
    {
        let name = self.preset.name.as_str();
        run_order(
            &self.harness,
            workload,
            [&self.preset; 2],
            [name; 2],
            phase,
            &vec![Arm::A; count],
            |run| {
                kept.push(run);
                false
            },
        )
        .await
    }
}
