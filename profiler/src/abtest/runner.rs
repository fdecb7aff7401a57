//! The A/B runner: two presets of one serde configuration, a workload, and the whole loop —
//! warm-up runs, the interleaved A B B A schedule, a fresh profile per run, early stopping,
//! the analysis — so a library user supplies only the work.
//!
//! ```
//! use profiler::abtest::{AbTest, Blocking, Harness, RunOutcome};
//! use profiler::preset::{LiveConfig, Preset};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Serialize, Deserialize)]
//! struct Settings { passes: u32 }
//!
//! let slow = Preset::parse("name = \"slow\"\ndescription = \"d\"\n[knobs]\npasses = 20\n", "slow.toml".as_ref()).unwrap();
//! let fast = Preset::parse("name = \"fast\"\ndescription = \"d\"\n[knobs]\npasses = 1\n", "fast.toml".as_ref()).unwrap();
//! let harness = Harness::new(LiveConfig::new(Settings { passes: 1 }));
//! let result = AbTest::new(harness, slow, fast)
//!     .runs_per_arm(4)
//!     .warmup(1)
//!     .unit("request")
//!     .run_blocking(&mut Blocking::new(|settings: &Settings, _run: &_| {
//!         let mut data: Vec<u64> = (0..2_000u64).map(|x| x.wrapping_mul(2654435761) % 1000).collect();
//!         for _ in 0..settings.passes {
//!             data.reverse();
//!             data.sort();
//!         }
//!         Ok::<_, std::convert::Infallible>(RunOutcome::counted(1, 1))
//!     }))
//!     .unwrap();
//! let comparison = result.comparison.unwrap();
//! assert_eq!((comparison.a.runs, comparison.b.runs), (4, 4));
//! assert_eq!(comparison.unit, "request");
//! // The knobs that differ, `from` = A (slow) and `to` = B (fast).
//! assert_eq!(comparison.knob_differences[0].describe(), "passes: 20 → 1");
//! // The effect: geometric mean time per request of B over A with its 95% interval, below 1
//! // when B is faster; `faster` names the arm when p < α.
//! let ratio = comparison.ratio_b_over_a;
//! println!("B/A = {:.2} ({:.2}–{:.2}), p = {:.1e}", ratio.estimate, ratio.low, ratio.high, comparison.p_value);
//! println!("{}", comparison.verdict); // e.g. "fast is 9.80x faster than slow per request (95% CI …)"
//! ```
//!
//! The live configuration is restored after every run by a guard (see [`Harness`]); when the
//! runner returns, no preset is applied, whatever happened.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::analysis::{AnalysisConfig, Explanation, analyze};
use super::attribution::KnobMap;
use super::blocking::block_on;
use super::comparison::Comparison;
use super::error::AbTestError;
use super::harness::Harness;
use super::runner_error::RunnerError;
use super::sample::RunSample;
use super::schedule::{Arm, Schedule};
use super::stop::StopRule;
use super::workload::{CompletedRun, Phase, RunContext, Workload};
use crate::preset::{Preset, diff_configs};

/// Runs per arm when [`AbTest::runs_per_arm`] is not called: four A B B A blocks.
pub const DEFAULT_RUNS_PER_ARM: usize = 8;

/// An A/B test of preset `a` against preset `b`; build it, then [`AbTest::run`] (async) or
/// [`AbTest::run_blocking`].
pub struct AbTest<'a, C> {
    harness: Harness<'a, C>,
    a: Preset,
    b: Preset,
    runs_per_arm: usize,
    warmup: usize,
    stop: Option<StopRule>,
    analysis: AnalysisConfig,
    knob_map: KnobMap,
}

/// What [`AbTest::run`] returns for workload `W`.
pub type AbTestRun<W> = Result<
    AbResult<<W as Workload>::Detail, <W as Workload>::Error>,
    RunnerError<<W as Workload>::Error>,
>;

/// Why the runs ended.
#[derive(Debug)]
pub enum Ending<E> {
    /// Every planned run was done.
    Completed,
    /// The stop rule was met at the end of an A B B A block after this many measured runs.
    StoppedEarly {
        /// Measured runs done (both arms).
        after_runs: usize,
    },
    /// An interrupt was requested (between runs, or a run reported it).
    Interrupted,
    /// A run failed; the runs before it are kept.
    Failed(RunnerError<E>),
}

impl<E> Ending<E> {
    /// Whether the runs ended before the plan for a reason other than the stop rule.
    pub fn cut_short(&self) -> bool {
        matches!(self, Ending::Interrupted | Ending::Failed(_))
    }
}

/// Everything an A/B test produced.
#[derive(Debug)]
pub struct AbResult<D, E> {
    /// The arms' names in reports (see [`AbTest::labels`]).
    pub labels: [String; 2],
    /// Measured runs planned (both arms).
    pub planned_runs: usize,
    /// The warm-up runs, in order; not analysed.
    pub warmups: Vec<CompletedRun<D>>,
    /// The measured runs, in schedule order.
    pub runs: Vec<CompletedRun<D>>,
    /// Why the runs ended: all done, stopped early, interrupted or failed.
    pub ending: Ending<E>,
    /// The rule early stopping used, if any.
    pub stop_rule: Option<StopRule>,
    /// The analysis of the measured runs (an error when an arm has no usable run).
    pub comparison: Result<Comparison, AbTestError>,
}

impl<D, E> AbResult<D, E> {
    /// The measured runs of one arm.
    pub fn runs_of(&self, arm: Arm) -> impl Iterator<Item = &CompletedRun<D>> {
        self.runs.iter().filter(move |run| run.sample.arm == arm)
    }

    /// One sentence on how many runs happened and why the test ended.
    pub fn how_it_ended(&self) -> String {
        let planned = self.planned_runs;
        let done = self.runs.len();
        let mut sentence = match &self.ending {
            Ending::Failed(_) | Ending::Interrupted => format!(
                "The test ended after {done} of {planned} planned runs (see the error below); the result covers those runs only."
            ),
            Ending::StoppedEarly { after_runs } => {
                let rule = self.stop_rule.unwrap_or_default();
                format!(
                    "Stopped early after {after_runs} of {planned} planned runs: after a complete A B B A block the verdict was already clear (at least {} runs per preset, p < {}, interval excluding 1).",
                    rule.min_runs_per_arm, rule.alpha
                )
            }
            Ending::Completed => format!("All {planned} planned runs done."),
        };
        if !self.warmups.is_empty() {
            sentence.push_str(&format!(
                " {} warm-up run(s) before them were not analysed.",
                self.warmups.len()
            ));
        }
        sentence
    }
}

impl<'a, C> AbTest<'a, C>
where
    C: Serialize + DeserializeOwned + Clone,
{
    /// An A/B test with [`DEFAULT_RUNS_PER_ARM`] runs per arm, no warm-up, the default
    /// [`StopRule`] and [`AnalysisConfig`]. The same preset twice is an A/A test: the arms
    /// are labelled `<name>-A` and `<name>-B` (a calibration: any "significant" difference
    /// is noise or drift).
    pub fn new(harness: Harness<'a, C>, a: Preset, b: Preset) -> Self {
        AbTest {
            harness,
            a,
            b,
            runs_per_arm: DEFAULT_RUNS_PER_ARM,
            warmup: 0,
            stop: Some(StopRule::default()),
            analysis: AnalysisConfig::default(),
            knob_map: KnobMap::default(),
        }
    }

    /// Measured runs per arm (at least 1).
    pub fn runs_per_arm(mut self, runs: usize) -> Self {
        self.runs_per_arm = runs;
        self
    }

    /// Warm-up runs per arm, alternating A B before the measured runs and discarded.
    pub fn warmup(mut self, runs: usize) -> Self {
        self.warmup = runs;
        self
    }

    /// The early-stop rule, or `None` to always run the whole schedule.
    pub fn stop_rule(mut self, rule: Option<StopRule>) -> Self {
        self.stop = rule;
        self
    }

    /// Statistical settings (level, bootstrap, unit, …).
    pub fn analysis(mut self, analysis: AnalysisConfig) -> Self {
        self.analysis = analysis;
        self
    }

    /// The unit of work in reports ("track", "request", …); one sample is time per unit.
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.analysis.unit = unit.into();
        self
    }

    /// Which keys each knob acts on, for explaining where the time moved.
    pub fn knob_map(mut self, map: KnobMap) -> Self {
        self.knob_map = map;
        self
    }

    /// Whether both arms are the same preset.
    pub fn is_a_a(&self) -> bool {
        self.a.name == self.b.name
    }

    /// The arms' names in reports and file names: the presets' names, or `<name>-A` and
    /// `<name>-B` for an A/A test.
    pub fn labels(&self) -> [String; 2] {
        if self.is_a_a() {
            [format!("{}-A", self.a.name), format!("{}-B", self.b.name)]
        } else {
            [self.a.name.clone(), self.b.name.clone()]
        }
    }

    /// The measured run order.
    pub fn schedule(&self) -> Vec<Arm> {
        Schedule::interleaved(self.runs_per_arm)
    }

    /// Checks the inputs (runs ≥ 1, both presets apply to the live configuration), then runs
    /// the warm-ups and the schedule, and analyses the measured runs. `Err` only when a check
    /// fails before the first run; a failure during the runs ends them and is reported in
    /// [`AbResult::ending`] with the runs so far.
    ///
    /// # Errors
    ///
    /// [`RunnerError::NoRuns`] for 0 runs per arm, and the [`PresetError`](crate::preset::PresetError)
    /// of a preset that does not apply to the live configuration (unknown knob, wrong type,
    /// refused by the validator); both before any run.
    pub async fn run<W>(self, workload: &mut W) -> AbTestRun<W>
    where
        W: Workload<Config = C>,
    {
        if self.runs_per_arm == 0 {
            return Err(RunnerError::NoRuns);
        }
        let explanation = Explanation {
            knob_differences: diff_configs(
                &self.harness.configuration_of(&self.a)?,
                &self.harness.configuration_of(&self.b)?,
            )?,
            knob_map: self.knob_map.clone(),
        };
        let labels = self.labels();
        let warm_order: Vec<Arm> = (0..2 * self.warmup)
            .map(|index| if index % 2 == 0 { Arm::A } else { Arm::B })
            .collect();
        let schedule = self.schedule();
        let mut warmups = Vec::new();
        let mut ending = self
            .run_phase(workload, &labels, Phase::Warmup, &warm_order, |run| {
                warmups.push(run);
                false
            })
            .await;
        let mut runs: Vec<CompletedRun<W::Detail>> = Vec::new();
        let mut samples: Vec<RunSample> = Vec::new();
        if ending.is_none() {
            let (analysis, stop) = (&self.analysis, self.stop);
            ending = self
                .run_phase(workload, &labels, Phase::Measured, &schedule, |run| {
                    let position = run.index;
                    samples.push(run.sample.clone());
                    runs.push(run);
                    let more_to_come = position + 1 < schedule.len();
                    more_to_come
                        && Schedule::is_block_end(position)
                        && stop.is_some_and(|rule| {
                            analyze(&labels[0], &labels[1], &samples, &explanation, analysis)
                                .is_ok_and(|interim| rule.is_clear(&interim))
                        })
                })
                .await;
        }
        let comparison = analyze(
            &labels[0],
            &labels[1],
            &samples,
            &explanation,
            &self.analysis,
        )
        .map(|mut comparison| {
            comparison.provenance.warmup_runs_per_arm = Some(self.warmup);
            comparison
        });
        Ok(AbResult {
            labels,
            planned_runs: schedule.len(),
            warmups,
            runs,
            ending: ending.unwrap_or(Ending::Completed),
            stop_rule: self.stop,
            comparison,
        })
    }

    /// [`AbTest::run`] on this thread without an async runtime, for synchronous workloads
    /// (see [`super::Blocking`] for a closure).
    ///
    /// # Errors
    ///
    /// As [`AbTest::run`].
    pub fn run_blocking<W>(self, workload: &mut W) -> AbTestRun<W>
    where
        W: Workload<Config = C>,
    {
        block_on(self.run(workload))
    }

    /// Runs `order`, handing each finished run to `keep`, which says whether to stop early.
    /// `None` means every run was done (or the stop rule was not met); otherwise how it ended.
    async fn run_phase<W>(
        &self,
        workload: &mut W,
        labels: &[String; 2],
        phase: Phase,
        order: &[Arm],
        mut keep: impl FnMut(CompletedRun<W::Detail>) -> bool,
    ) -> Option<Ending<W::Error>>
    where
        W: Workload<Config = C>,
    {
        let mut done = [0u64; 2];
        for (index, arm) in order.iter().copied().enumerate() {
            if self.harness.interrupted() {
                return Some(Ending::Interrupted);
            }
            let slot = usize::from(arm == Arm::B);
            let context = RunContext {
                arm,
                preset: if arm == Arm::A { &self.a } else { &self.b },
                label: &labels[slot],
                phase,
                index,
                planned: order.len(),
                replicate: done[slot],
            };
            done[slot] += 1;
            match self.harness.execute(workload, context).await {
                Ok(run) => {
                    let interrupted = run.interrupted;
                    let clear = keep(run);
                    if interrupted {
                        return Some(Ending::Interrupted);
                    }
                    if clear {
                        return Some(Ending::StoppedEarly {
                            after_runs: index + 1,
                        });
                    }
                }
                Err(error) => return Some(Ending::Failed(error)),
            }
        }
        None
    }
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
