//! How every run of a runner is executed: the arm's preset applied to the live configuration
//! through a guard, a fresh profile, the workload called once, the profile taken, the
//! configuration restored.
//!
//! The guard ([`crate::preset::PresetGuard`]) lives on the runner's stack for exactly one run,
//! so the starting configuration comes back however the run ends: success, a workload error,
//! a panic unwinding through the runner (the future is dropped with the guard in it), or an
//! interrupt, which the runner checks between runs ([`Harness::interrupt_when`]) and the
//! workload reports from inside a run ([`super::RunOutcome::interrupted`]).

use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::runner_error::RunnerError;
use super::sample::RunSample;
use super::workload::{CompletedRun, Phase, RunContext, Workload};
use crate::machine::MachineInfo;
use crate::preset::{LiveConfig, Preset};
use crate::profile::{PROFILE_SCHEMA, Profile, SessionInfo};
use crate::recorder::ProfilerHandle;

/// The live configuration and the instruments every run of a runner uses.
pub struct Harness<'a, C> {
    live: LiveConfig<C>,
    profiler: Option<ProfilerHandle>,
    work_key: Option<String>,
    interrupt: Option<Box<dyn Fn() -> bool + 'a>>,
}

impl<'a, C> Harness<'a, C>
where
    C: Serialize + DeserializeOwned + Clone,
{
    /// Runs read their configuration from `live` (its clones share the value, so code that
    /// reads the configuration elsewhere sees the applied preset too).
    pub fn new(live: LiveConfig<C>) -> Self {
        Harness {
            live,
            profiler: None,
            work_key: None,
            interrupt: None,
        }
    }

    /// Resets `profiler` before every run and snapshots it after, so each run's sample
    /// carries a profile of that run alone (its "where the time moved" tables need it).
    /// Without a profiler the samples carry empty profiles.
    pub fn profiler(mut self, profiler: ProfilerHandle) -> Self {
        self.profiler = Some(profiler);
        self
    }

    /// Times a run by the total of this profiler key (e.g. the span around the part of the
    /// run the configuration acts on, leaving out start-up) whenever the run's profile has
    /// it with a non-zero total; otherwise by [`super::RunOutcome::duration`], else the wall
    /// time of the workload call.
    pub fn work_key(mut self, key: impl Into<String>) -> Self {
        self.work_key = Some(key.into());
        self
    }

    /// Checked before every run: once it returns true, no further run starts and the runner
    /// ends as interrupted (e.g. `move || signal.is_requested()` with
    /// [`crate::preset::InterruptSignal`], or a tokio Ctrl-C flag).
    pub fn interrupt_when(mut self, interrupted: impl Fn() -> bool + 'a) -> Self {
        self.interrupt = Some(Box::new(interrupted));
        self
    }

    /// The live configuration the runs read.
    pub fn live(&self) -> &LiveConfig<C> {
        &self.live
    }

    pub(crate) fn interrupted(&self) -> bool {
        self.interrupt
            .as_ref()
            .is_some_and(|interrupted| interrupted())
    }

    /// The configuration `preset` gives: applied through the guard (so the live
    /// configuration's validator checks it) and restored at once.
    pub(crate) fn configuration_of(
        &self,
        preset: &Preset,
    ) -> Result<C, crate::preset::PresetError> {
        let _guard = self.live.apply(preset)?;
        Ok(self.live.get())
    }

    /// One run under `run.preset`; the workload's `finished` is called after the
    /// configuration is restored.
    pub(crate) async fn execute<W>(
        &self,
        workload: &mut W,
        run: RunContext<'_>,
    ) -> Result<CompletedRun<W::Detail>, RunnerError<W::Error>>
    where
        W: Workload<Config = C>,
    {
        let (outcome, wall, profile) = {
            let _guard = self.live.apply(run.preset)?;
            let config = self.live.get();
            if let Some(profiler) = &self.profiler {
                profiler.reset();
            }
            let started_at = time::OffsetDateTime::now_utc();
            let started = Instant::now();
            let outcome = workload
                .run(&config, &run)
                .await
                .map_err(RunnerError::Workload)?;
            let wall = started.elapsed();
            let profile = self
                .profiler
                .as_ref()
                .map(|profiler| profiler.snapshot(&profile_name(&run)))
                .unwrap_or_else(|| empty_profile(&profile_name(&run), started_at, wall));
            (outcome, wall, profile)
        };
        let duration = self
            .work_key
            .as_deref()
            .and_then(|key| key_total(&profile, key))
            .or(outcome.duration)
            .unwrap_or(wall);
        let completed = CompletedRun {
            label: run.label.to_string(),
            phase: run.phase,
            index: run.index,
            planned: run.planned,
            replicate: run.replicate,
            wall,
            interrupted: outcome.interrupted,
            sample: RunSample {
                arm: run.arm,
                duration,
                units: outcome.units,
                correct_units: outcome.successful_units,
                profile,
            },
            detail: outcome.detail,
        };
        workload.finished(&completed);
        Ok(completed)
    }
}

/// "current run 3", "current warm-up 1".
fn profile_name(run: &RunContext<'_>) -> String {
    match run.phase {
        Phase::Measured => format!("{} run {}", run.label, run.index + 1),
        Phase::Warmup => format!("{} warm-up {}", run.label, run.index + 1),
    }
}

/// The profile of a run without a profiler: its name, start and length, no keys.
fn empty_profile(name: &str, started_at: time::OffsetDateTime, wall: Duration) -> Profile {
    Profile {
        schema: PROFILE_SCHEMA,
        session: SessionInfo {
            name: name.to_string(),
            started_at: started_at
                .replace_nanosecond(0)
                .unwrap_or(started_at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            duration_ns: u64::try_from(wall.as_nanos()).unwrap_or(u64::MAX),
            machine: MachineInfo::current(),
            git_commit: None,
        },
        tiers: Vec::new(),
        keys: Vec::new(),
        tree: Vec::new(),
    }
}

/// Total time of every entry of `key` in `profile`, when there is any.
fn key_total(profile: &Profile, key: &str) -> Option<Duration> {
    let total: u64 = profile
        .keys
        .iter()
        .filter(|stats| stats.key == key)
        .map(|stats| stats.total_ns)
        .sum();
    (total > 0).then(|| Duration::from_nanos(total))
}
