//! The work an A/B test measures, as the runner sees it: one call per run under one
//! configuration, and what the call reports back.
//!
//! A workload is anything that can run once under a configuration value of type
//! [`Workload::Config`] (a serde struct the presets override): a browser session, a batch of
//! HTTP requests, a sort. The runner applies the arm's preset, hands the workload the resulting
//! configuration and a [`RunContext`], and turns the [`RunOutcome`] plus the run's fresh
//! profile into a [`CompletedRun`]. [`Workload::run`] returns a future so async workloads
//! (tokio, …) fit as they are; a synchronous closure fits through [`super::Blocking`].

use std::future::Future;
use std::time::Duration;

use super::sample::RunSample;
use super::schedule::Arm;
use crate::preset::Preset;

/// Whether a run is a discarded warm-up or one the analysis uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Runs before the measured ones (caches, JIT, connection pools); never analysed.
    Warmup,
    /// Runs in the interleaved schedule; each becomes one sample.
    Measured,
}

/// What the runner tells the workload about the run it asks for.
#[derive(Debug, Clone, Copy)]
pub struct RunContext<'a> {
    /// The arm this run belongs to.
    pub arm: Arm,
    /// The preset applied for this run.
    pub preset: &'a Preset,
    /// The arm's name in reports: the preset's name, or `<name>-A` / `<name>-B` in an A/A
    /// test of one preset against itself.
    pub label: &'a str,
    /// Warm-up (discarded) or measured.
    pub phase: Phase,
    /// Position of the run within its phase (0-based; measured runs in schedule order).
    pub index: usize,
    /// Runs planned in this phase (both arms).
    pub planned: usize,
    /// How many runs of this arm in this phase came before (0, 1, …): run *k* of each arm
    /// gets the same replicate, so a workload that seeds its inputs from it gives both arms
    /// the same inputs.
    pub replicate: u64,
}

/// What one run of the workload reports.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome<D> {
    /// Units of work attempted (tracks, requests, files, …). A run with 0 units has no time
    /// per unit and is left out of the timing statistics.
    pub units: u64,
    /// Units that succeeded (verified correct); capped at `units` in the analysis.
    pub successful_units: u64,
    /// The run's own measure of its work, when it has a better one than the wall time of
    /// the call (e.g. leaving out start-up). Overridden by the runner's work key when the
    /// profile has that key (see [`super::Harness::work_key`]).
    pub duration: Option<Duration>,
    /// The run was cut short by an interrupt (Ctrl-C): it is kept, and the runner stops.
    pub interrupted: bool,
    /// Whatever else the caller wants to keep about the run (its own records).
    pub detail: D,
}

impl RunOutcome<()> {
    /// `units` attempted, of which `successful_units` succeeded, timed by the runner.
    pub fn counted(units: u64, successful_units: u64) -> RunOutcome<()> {
        RunOutcome {
            units,
            successful_units,
            duration: None,
            interrupted: false,
            detail: (),
        }
    }
}

/// One finished run: where it sat, how long it took, its sample (with the profile of this
/// run alone) and the workload's own detail.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedRun<D> {
    /// The arm's name in reports, as in [`RunContext::label`].
    pub label: String,
    /// Warm-up (discarded) or measured.
    pub phase: Phase,
    /// As in [`RunContext::index`].
    pub index: usize,
    /// As in [`RunContext::planned`].
    pub planned: usize,
    /// As in [`RunContext::replicate`].
    pub replicate: u64,
    /// Wall time of the workload call.
    pub wall: Duration,
    /// The run reported an interrupt ([`RunOutcome::interrupted`]).
    pub interrupted: bool,
    /// Arm, measured duration, units, successful units and profile.
    pub sample: RunSample,
    /// The workload's own record of the run ([`RunOutcome::detail`]).
    pub detail: D,
}

/// Something an A/B runner can run once per configuration.
pub trait Workload {
    /// The configuration presets override (a serde struct).
    type Config;
    /// What the workload keeps about each run besides the counts.
    type Detail;
    /// Why a run could not be done; ends the test (the runs so far are kept).
    type Error;

    /// Runs once under `config`.
    fn run(
        &mut self,
        config: &Self::Config,
        run: &RunContext<'_>,
    ) -> impl Future<Output = Result<RunOutcome<Self::Detail>, Self::Error>>;

    /// Called after every run, warm-ups included, with the configuration already restored:
    /// the place for progress lines and the caller's own records.
    fn finished(&mut self, _run: &CompletedRun<Self::Detail>) {}
}
