//! The A/B runner on synthetic workloads whose run times come from the configuration, so every
//! figure below follows from the presets and the schedule.

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tracing_subscriber::layer::SubscriberExt;

use super::*;
use crate::abtest::{Blocking, Harness, Repeat, RunOutcome};
use crate::preset::{LiveConfig, PresetError};
use crate::{Config, ProfilerLayer};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Settings {
    millis_per_request: u64,
}

const STARTING: Settings = Settings {
    millis_per_request: 50,
};

fn preset(name: &str, millis: u64) -> Preset {
    let text =
        format!("name = \"{name}\"\ndescription = \"d\"\n[knobs]\nmillis_per_request = {millis}\n");
    Preset::parse(&text, format!("{name}.toml").as_ref()).unwrap()
}

/// Ten requests per run, `millis_per_request` each plus a small spread by replicate; one
/// request of each run fails.
fn timed(settings: &Settings, run: &RunContext<'_>) -> Result<RunOutcome<u64>, String> {
    let millis = settings.millis_per_request * 10 + run.replicate % 3;
    Ok(RunOutcome {
        units: 10,
        successful_units: 9,
        duration: Some(Duration::from_millis(millis)),
        interrupted: false,
        detail: settings.millis_per_request,
    })
}

#[test]
fn runs_warmups_then_the_interleaved_schedule_and_stops_early_once_clear() {
    let live = LiveConfig::new(STARTING);
    let result = AbTest::new(
        Harness::new(live.clone()),
        preset("slow", 20),
        preset("fast", 10),
    )
    .runs_per_arm(8)
    .warmup(2)
    .unit("request")
    .run_blocking(&mut Blocking::new(timed))
    .unwrap();

    let warm: Vec<(Arm, u64)> = result
        .warmups
        .iter()
        .map(|run| (run.sample.arm, run.detail))
        .collect();
    assert_eq!(
        warm,
        [(Arm::A, 20), (Arm::B, 10), (Arm::A, 20), (Arm::B, 10)],
        "warm-ups alternate A B under each arm's preset"
    );
    assert!(result.warmups.iter().all(|run| run.phase == Phase::Warmup));

    let Ending::StoppedEarly { after_runs } = result.ending else {
        panic!(
            "a 2x difference without noise must stop early: {:?}",
            result.ending
        );
    };
    assert!(after_runs < 16 && after_runs % 4 == 0, "{after_runs}");
    assert_eq!(result.runs.len(), after_runs);
    let order: Vec<Arm> = result.runs.iter().map(|run| run.sample.arm).collect();
    assert_eq!(order, Schedule::interleaved(8)[..after_runs]);
    for run in &result.runs {
        let expected = if run.sample.arm == Arm::A { 20 } else { 10 };
        assert_eq!(
            run.detail, expected,
            "run {} saw the wrong preset",
            run.index
        );
    }
    let replicates: Vec<u64> = result.runs_of(Arm::B).map(|run| run.replicate).collect();
    assert_eq!(replicates, (0..after_runs as u64 / 2).collect::<Vec<_>>());

    let comparison = result.comparison.as_ref().unwrap();
    assert_eq!(comparison.unit, "request");
    assert_eq!(
        comparison.a.runs,
        after_runs / 2,
        "warm-ups are not analysed"
    );
    assert_eq!(comparison.a.units, 10 * after_runs as u64 / 2);
    assert_eq!(comparison.b.correct_units, 9 * after_runs as u64 / 2);
    assert_eq!(comparison.faster, Some(Arm::B));
    assert_eq!(
        comparison.knob_differences[0].knob, "millis_per_request",
        "the runner explains the difference by the knobs that differ"
    );
    let note = result.how_it_ended();
    assert!(
        note.starts_with(&format!(
            "Stopped early after {after_runs} of 16 planned runs"
        )) && note.ends_with("4 warm-up run(s) before them were not analysed."),
        "{note}"
    );
    assert_eq!(live.get(), STARTING);
    assert_eq!(live.active_preset(), None);
}

#[test]
fn without_a_stop_rule_every_planned_run_is_done() {
    let result = AbTest::new(
        Harness::new(LiveConfig::new(STARTING)),
        preset("slow", 20),
        preset("fast", 10),
    )
    .runs_per_arm(5)
    .stop_rule(None)
    .run_blocking(&mut Blocking::new(timed))
    .unwrap();
    assert!(matches!(result.ending, Ending::Completed));
    assert_eq!(result.runs.len(), 10);
    assert_eq!(result.how_it_ended(), "All 10 planned runs done.");
}

#[test]
fn the_same_preset_twice_is_a_labelled_a_a_test() {
    let test = AbTest::new(
        Harness::new(LiveConfig::new(STARTING)),
        preset("steady", 20),
        preset("steady", 20),
    )
    .runs_per_arm(4);
    assert!(test.is_a_a());
    assert_eq!(test.labels(), ["steady-A", "steady-B"]);
    let result = test.run_blocking(&mut Blocking::new(timed)).unwrap();
    let comparison = result.comparison.unwrap();
    assert_eq!(
        (comparison.a.name.as_str(), comparison.b.name.as_str()),
        ("steady-A", "steady-B")
    );
    assert!(comparison.knob_differences.is_empty());
    assert!(
        result
            .runs
            .iter()
            .all(|run| run.label.starts_with("steady-"))
    );
}

#[test]
fn bad_inputs_fail_before_the_first_run() {
    let calls = Cell::new(0);
    let mut counting = Blocking::new(|settings: &Settings, run: &RunContext<'_>| {
        calls.set(calls.get() + 1);
        timed(settings, run)
    });
    let harness = || Harness::new(LiveConfig::new(STARTING));
    let zero = AbTest::new(harness(), preset("a", 1), preset("b", 2))
        .runs_per_arm(0)
        .run_blocking(&mut counting);
    assert!(matches!(zero, Err(RunnerError::NoRuns)));
    let unknown_knob = Preset::parse(
        "name = \"typo\"\ndescription = \"d\"\n[knobs]\nmillis_per_reqest = 1\n",
        "typo.toml".as_ref(),
    )
    .unwrap();
    let error = AbTest::new(harness(), preset("a", 1), unknown_knob)
        .run_blocking(&mut counting)
        .unwrap_err();
    assert!(
        matches!(&error, RunnerError::Preset(PresetError::UnknownKnob { .. })),
        "{error}"
    );
    assert_eq!(calls.get(), 0, "no run may start on bad input");
}

#[test]
fn a_failing_run_ends_the_test_keeps_the_runs_and_restores_the_configuration() {
    let live = LiveConfig::new(STARTING);
    let mut failing = Blocking::new(|settings: &Settings, run: &RunContext<'_>| {
        if run.index == 2 {
            Err("the server went away".to_string())
        } else {
            timed(settings, run)
        }
    });
    let result = AbTest::new(Harness::new(live.clone()), preset("a", 20), preset("b", 10))
        .runs_per_arm(4)
        .run_blocking(&mut failing)
        .unwrap();
    assert_eq!(result.runs.len(), 2);
    assert!(
        matches!(&result.ending, Ending::Failed(RunnerError::Workload(message)) if message == "the server went away")
    );
    assert!(result.ending.cut_short());
    assert!(
        result
            .how_it_ended()
            .starts_with("The test ended after 2 of 8 planned runs")
    );
    assert_eq!((live.get(), live.active_preset()), (STARTING, None));
}

#[test]
fn a_panicking_run_still_restores_the_configuration() {
    let live = LiveConfig::new(STARTING);
    let inside = live.clone();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let mut panicking = Blocking::new(|settings: &Settings, _run: &RunContext<'_>| {
            assert_eq!(settings.millis_per_request, 20, "runs under the preset");
            panic!("the workload blew up");
            #[allow(unreachable_code)]
            Ok::<RunOutcome<()>, Infallible>(RunOutcome::counted(1, 1))
        });
        let _ = AbTest::new(Harness::new(inside), preset("a", 20), preset("b", 10))
            .run_blocking(&mut panicking);
    }));
    assert!(outcome.is_err());
    assert_eq!((live.get(), live.active_preset()), (STARTING, None));
}

#[test]
fn an_interrupt_stops_before_the_next_run_and_an_interrupted_run_is_kept() {
    let pressed = Cell::new(false);
    let mut presses_after_three = Blocking::new(|settings: &Settings, run: &RunContext<'_>| {
        pressed.set(run.index == 2);
        timed(settings, run)
    });
    let harness = Harness::new(LiveConfig::new(STARTING)).interrupt_when(|| pressed.get());
    let result = AbTest::new(harness, preset("a", 20), preset("b", 10))
        .run_blocking(&mut presses_after_three)
        .unwrap();
    assert!(matches!(result.ending, Ending::Interrupted));
    assert_eq!(result.runs.len(), 3);

    let live = LiveConfig::new(STARTING);
    let mut cut = Blocking::new(|settings: &Settings, run: &RunContext<'_>| {
        let mut outcome = timed(settings, run)?;
        outcome.interrupted = run.index == 1;
        Ok::<_, String>(outcome)
    });
    let result = AbTest::new(Harness::new(live.clone()), preset("a", 20), preset("b", 10))
        .run_blocking(&mut cut)
        .unwrap();
    assert!(matches!(result.ending, Ending::Interrupted));
    assert_eq!(result.runs.len(), 2);
    assert!(
        result.runs[1].interrupted,
        "the interrupted run is kept and marked"
    );
    assert_eq!((live.get(), live.active_preset()), (STARTING, None));
}

/// Each run enters `requests` spans of `request`, wrapped in one `batch` span.
fn traced(requests: u64) {
    let batch = tracing::info_span!("batch", tier = "component", component = "load");
    let _batch = batch.enter();
    for _ in 0..requests {
        let _request =
            tracing::info_span!("request", tier = "method", component = "load").entered();
    }
}

#[test]
fn every_run_gets_a_fresh_profile_and_the_work_key_times_it() {
    let (layer, handle) = ProfilerLayer::new(Config::default());
    let subscriber = tracing_subscriber::registry().with(layer);
    let seen = RefCell::new(Vec::new());
    let result = tracing::subscriber::with_default(subscriber, || {
        let harness = Harness::new(LiveConfig::new(STARTING))
            .profiler(handle.clone())
            .work_key("load.batch");
        Repeat::new(harness, preset("few", 3), 3)
            .warmup(1)
            .run_blocking(&mut Blocking::new(
                |settings: &Settings, run: &RunContext<'_>| {
                    traced(settings.millis_per_request + run.index as u64);
                    seen.borrow_mut().push(run.phase);
                    Ok::<_, Infallible>(RunOutcome {
                        duration: Some(Duration::from_secs(3600)),
                        ..RunOutcome::counted(1, 1)
                    })
                },
            ))
            .unwrap()
    });
    assert_eq!(
        *seen.borrow(),
        [
            Phase::Warmup,
            Phase::Measured,
            Phase::Measured,
            Phase::Measured
        ]
    );
    assert!(matches!(result.ending, Ending::Completed));
    for run in &result.runs {
        let profile = &run.sample.profile;
        let requests = profile
            .keys
            .iter()
            .find(|key| key.key == "load.request")
            .unwrap();
        assert_eq!(
            requests.count,
            3 + run.index as u64,
            "only this run's calls"
        );
        let batch = profile
            .keys
            .iter()
            .find(|key| key.key == "load.batch")
            .unwrap();
        assert_eq!(run.sample.duration, Duration::from_nanos(batch.total_ns));
        assert_eq!(profile.session.name, format!("few run {}", run.index + 1));
    }
}

/// An async workload, as a tokio program has one.
struct Requests {
    finished: Vec<String>,
}

impl Workload for Requests {
    type Config = Settings;
    type Detail = ();
    type Error = Infallible;

    async fn run(
        &mut self,
        settings: &Settings,
        run: &RunContext<'_>,
    ) -> Result<RunOutcome<()>, Infallible> {
        tokio::task::yield_now().await;
        Ok(RunOutcome {
            duration: Some(Duration::from_millis(
                settings.millis_per_request * 10 + run.replicate % 3,
            )),
            ..RunOutcome::counted(10, 10)
        })
    }

    fn finished(&mut self, run: &CompletedRun<()>) {
        self.finished
            .push(format!("{} {:?} {}", run.label, run.phase, run.index));
    }
}

#[tokio::test]
async fn an_async_workload_runs_on_tokio_and_hears_about_every_run() {
    let mut workload = Requests {
        finished: Vec::new(),
    };
    let result = AbTest::new(
        Harness::new(LiveConfig::new(STARTING)),
        preset("slow", 20),
        preset("fast", 10),
    )
    .runs_per_arm(2)
    .warmup(1)
    .run(&mut workload)
    .await
    .unwrap();
    assert_eq!(result.runs.len(), 4);
    assert_eq!(
        workload.finished,
        [
            "slow Warmup 0",
            "fast Warmup 1",
            "slow Measured 0",
            "fast Measured 1",
            "fast Measured 2",
            "slow Measured 3"
        ]
    );
}

#[test]
fn the_reports_are_written_side_by_side() {
    let result = AbTest::new(
        Harness::new(LiveConfig::new(STARTING)),
        preset("slow", 20),
        preset("fast", 10),
    )
    .runs_per_arm(4)
    .run_blocking(&mut Blocking::new(timed))
    .unwrap();
    let comparison = result.comparison.unwrap();
    let folder = tempfile::tempdir().unwrap();
    let paths = comparison
        .write_reports(&folder.path().join("reports"), "ab_slow_vs_fast")
        .unwrap();
    let names: Vec<String> = paths
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "ab_slow_vs_fast.json",
            "ab_slow_vs_fast.md",
            "ab_slow_vs_fast.html"
        ]
    );
    let json = std::fs::read_to_string(&paths[0]).unwrap();
    assert_eq!(Comparison::from_json(&json).unwrap(), comparison);
    assert_eq!(
        std::fs::read_to_string(&paths[1]).unwrap(),
        comparison.render_markdown()
    );
}
