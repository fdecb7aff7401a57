//! The automator's workload for the library's runners ([`profiler::abtest::AbTest`],
//! [`profiler::abtest::Repeat`]): one browser run of the song plan under the knobs of the
//! run's preset. The runner applies the preset, resets and snapshots the profiler and restores
//! the knobs; this only runs the songs, files each measured run in its preset's run set and
//! prints the progress line.

use profiler::abtest::{Arm, CompletedRun, Phase, RunContext, RunOutcome, RunnerError, Workload};

use super::error::CommandError;
use super::run_line::{render_run_line, render_warmup_line};
use super::run_set::{PresetRunSet, RunRecord, SONG_KEY};
use crate::config::Knobs;
use crate::flow::progress::print_line;
use crate::flow::{self, RunError, RunOptions, Target};
use crate::stage::StageConfig;

/// The profiler key whose total is a run's work: the song passes, so browser start-up and
/// login (which no preset changes) stay out of time per track.
pub const WORK_KEY: &str = SONG_KEY;

/// One browser run per call, against the same target with the same options.
pub struct BrowserWorkload<'a> {
    options: &'a RunOptions,
    target: &'a Target,
    /// Where measured runs are filed: arm A's set first, then arm B's (one set for a
    /// single-preset command).
    sets: Vec<PresetRunSet>,
}

/// What a browser run leaves besides the counts: the flow's outcome and the stage seed used.
pub struct BrowserRun {
    pub outcome: flow::RunOutcome,
    pub seed: Option<u64>,
}

impl<'a> BrowserWorkload<'a> {
    pub fn new(options: &'a RunOptions, target: &'a Target, sets: Vec<PresetRunSet>) -> Self {
        BrowserWorkload {
            options,
            target,
            sets,
        }
    }

    /// The run sets with every measured run filed.
    pub fn into_sets(self) -> Vec<PresetRunSet> {
        self.sets
    }
}

impl Workload for BrowserWorkload<'_> {
    type Config = Knobs;
    type Detail = BrowserRun;
    type Error = RunError;

    /// Against the stage, run *k* of each preset gets seed `seed + k` (the replicate), so
    /// every preset meets the same server timing while successive runs still vary like a
    /// real site does.
    async fn run(
        &mut self,
        knobs: &Knobs,
        run: &RunContext<'_>,
    ) -> Result<RunOutcome<BrowserRun>, RunError> {
        let (target, seed) = seeded(self.target, run.replicate);
        let outcome = flow::run(self.options, knobs, &target).await?;
        let correct = outcome
            .tracks
            .iter()
            .filter(|track| track.ok && track.verified)
            .count();
        Ok(RunOutcome {
            units: outcome.tracks.len() as u64,
            successful_units: correct as u64,
            duration: Some(outcome.wall),
            interrupted: outcome.interrupted,
            detail: BrowserRun { outcome, seed },
        })
    }

    fn finished(&mut self, run: &CompletedRun<BrowserRun>) {
        let record = RunRecord::new(
            run.index,
            run.detail.seed,
            &run.detail.outcome,
            run.sample.profile.clone(),
        );
        match run.phase {
            Phase::Warmup => print_line(&render_warmup_line(
                run.index,
                run.planned,
                &run.label,
                &record,
            )),
            Phase::Measured => {
                print_line(&render_run_line(
                    run.index,
                    run.planned,
                    &run.label,
                    &record,
                ));
                let slot = usize::from(run.sample.arm == Arm::B).min(self.sets.len() - 1);
                self.sets[slot].runs.push(record);
            }
        }
    }
}

/// The target of replicate `replicate`: the stage with its seed offset, or the site as is.
pub(super) fn seeded(target: &Target, replicate: u64) -> (Target, Option<u64>) {
    match target {
        Target::Stage(config) => {
            let seed = config.seed.wrapping_add(replicate);
            (
                Target::Stage(StageConfig {
                    seed,
                    ..config.clone()
                }),
                Some(seed),
            )
        }
        site @ Target::Site { .. } => (site.clone(), None),
    }
}

impl From<RunnerError<RunError>> for CommandError {
    fn from(error: RunnerError<RunError>) -> CommandError {
        match error {
            RunnerError::NoRuns => CommandError::BadFlag {
                flag: "--runs",
                problem: "must be at least 1".into(),
            },
            RunnerError::Preset(error) => CommandError::Preset(error),
            RunnerError::Workload(error) => CommandError::Run(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use profiler::abtest::RunSample;

    use super::*;
    use crate::commands::test_fixtures::{profile_with, run_set};
    use crate::config::{Credentials, Secret};
    use crate::flow::outcome_fixtures::run_outcome;

    fn completed(arm: Arm, phase: Phase, index: usize) -> CompletedRun<BrowserRun> {
        CompletedRun {
            label: "current".into(),
            phase,
            index,
            planned: 4,
            replicate: 0,
            wall: Duration::from_secs(3),
            interrupted: false,
            sample: RunSample {
                arm,
                duration: Duration::from_secs(2),
                units: 0,
                correct_units: 0,
                profile: profile_with(1, 1),
            },
            detail: BrowserRun {
                outcome: run_outcome(Vec::new(), Duration::from_secs(3)),
                seed: Some(9),
            },
        }
    }

    #[test]
    fn measured_runs_are_filed_under_their_arm_and_warmups_are_not() {
        let options = RunOptions::default();
        let target = Target::Stage(StageConfig::default());
        let sets = vec![run_set("a", Vec::new()), run_set("b", Vec::new())];
        let mut workload = BrowserWorkload::new(&options, &target, sets);
        workload.finished(&completed(Arm::A, Phase::Warmup, 0));
        workload.finished(&completed(Arm::B, Phase::Warmup, 1));
        workload.finished(&completed(Arm::B, Phase::Measured, 1));
        let [a, b]: [PresetRunSet; 2] = workload.into_sets().try_into().unwrap();
        assert!(a.runs.is_empty());
        assert_eq!(b.runs.len(), 1);
        assert_eq!((b.runs[0].position, b.runs[0].seed), (1, Some(9)));
    }

    #[test]
    fn replicate_k_offsets_the_stage_seed_and_leaves_a_site_alone() {
        let stage = Target::Stage(StageConfig {
            seed: 40,
            ..StageConfig::default()
        });
        let (seeded_stage, seed) = seeded(&stage, 2);
        assert_eq!(seed, Some(42));
        assert!(matches!(seeded_stage, Target::Stage(config) if config.seed == 42));
        let site = Target::Site {
            url: "https://x.test".into(),
            credentials: Credentials {
                username: "u".into(),
                password: Secret::new("p"),
            },
        };
        assert_eq!(seeded(&site, 3).1, None);
    }
}
