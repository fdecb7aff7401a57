//! What the preset commands share: the presets, the live configuration, the run options and
//! target, and the profiler that records each run — all read and checked from the command
//! line before any browser starts.

use profiler::abtest::Harness;
use profiler::preset::Preset;
use profiler::{MachineInfo, ProfilerHandle};

use super::browser_workload::WORK_KEY;
use super::error::CommandError;
use super::live::LiveKnobs;
use super::paths::Stamp;
use super::presets::{PresetCatalog, check_knobs};
use super::run_inputs::prepare_run;
use super::run_set::{PresetRunSet, RUN_SET_KIND, RUN_SET_SCHEMA};
use crate::cli::Cli;
use crate::config::Knobs;
use crate::flow::{RunOptions, Target};

/// Time scale of `--ab-test` and `--baseline-test` against the stage when `--time-scale` is
/// not given: about 33x faster than real time, so a default A/B test takes minutes, not hours,
/// while the configured waits still dominate the per-track time as they do at full scale
/// (WebDriver round trips, which do not scale, stay around a tenth of it).
pub const COMPARISON_TIME_SCALE: f64 = 0.03;

/// The time scale of a preset command: the user's, else [`COMPARISON_TIME_SCALE`] against the
/// stage and real time against a real site.
pub fn comparison_time_scale(given: Option<f64>, target: &Target) -> f64 {
    match (given, target) {
        (Some(scale), _) => scale,
        (None, Target::Stage(_)) => COMPARISON_TIME_SCALE,
        (None, Target::Site { .. }) => 1.0,
    }
}

/// What a preset command reads from the command line, all checked: the presets, the starting
/// knobs, the run options (at the comparison time scale) and the target.
pub struct SetupInputs {
    pub catalog: PresetCatalog,
    pub knobs: Knobs,
    pub options: RunOptions,
    pub target: Target,
}

impl SetupInputs {
    /// Reads the inputs of a preset command over the presets `names`. The names are looked
    /// up first, so a typo is reported before anything else is read; then every input of a
    /// run is read and each preset is checked against the starting knobs. Reads only:
    /// `automator` calls it before it writes anything (see `preflight`).
    pub fn read(cli: &Cli, names: &[&str]) -> Result<SetupInputs, CommandError> {
        let catalog = PresetCatalog::load(cli.baselines.as_deref())?;
        for name in names {
            catalog.presets.get(name)?;
        }
        let (mut options, knobs, target) =
            prepare_run(cli).map_err(|error| CommandError::Prepare(error.to_string()))?;
        for name in names {
            catalog.checked(name, &knobs)?;
        }
        options.time_scale = comparison_time_scale(cli.time_scale, &target);
        Ok(SetupInputs {
            catalog,
            knobs,
            options,
            target,
        })
    }
}

/// Everything a preset command runs with.
pub struct Setup {
    pub catalog: PresetCatalog,
    pub live: LiveKnobs,
    pub options: RunOptions,
    pub target: Target,
    pub profiler: ProfilerHandle,
}

impl Setup {
    /// The presets, live configuration, run options and profiler of a preset command
    /// (`flag`), from [`SetupInputs::read`].
    pub fn from_cli(
        cli: &Cli,
        profiler: Option<&ProfilerHandle>,
        flag: &'static str,
        names: &[&str],
    ) -> Result<Setup, CommandError> {
        let inputs = SetupInputs::read(cli, names)?;
        let profiler = profiler.cloned().ok_or(CommandError::NoProfiler { flag })?;
        Ok(Setup {
            catalog: inputs.catalog,
            live: LiveKnobs::new(inputs.knobs),
            options: inputs.options,
            target: inputs.target,
            profiler,
        })
    }

    /// How the library's runners run each browser run: on the live knobs, with a fresh
    /// profile, timed by the song passes, stopping before the next run once `interrupted`.
    pub fn harness<'a>(&self, interrupted: impl Fn() -> bool + 'a) -> Harness<'a, Knobs> {
        Harness::new(self.live.config())
            .profiler(self.profiler.clone())
            .work_key(WORK_KEY)
            .interrupt_when(interrupted)
    }

    /// An empty record of runs under `preset` (checked against the starting knobs).
    pub fn new_run_set(
        &self,
        preset: &Preset,
        stamp: &Stamp,
    ) -> Result<PresetRunSet, CommandError> {
        let starting = self.live.starting();
        Ok(PresetRunSet {
            schema: RUN_SET_SCHEMA,
            kind: RUN_SET_KIND.to_string(),
            preset: preset.name.clone(),
            description: preset.description.clone(),
            preset_source: preset
                .source
                .as_ref()
                .map(|path| path.display().to_string()),
            knobs: preset.apply_validated(starting, &check_knobs)?,
            knob_changes: preset.changes_against(starting)?,
            time_scale: self.options.time_scale,
            target: target_label(&self.target),
            max_tracks: self.options.max_tracks,
            recorded_at: stamp.rfc3339.clone(),
            git_commit: profiler::baseline::current_git_commit(),
            machine: MachineInfo::current(),
            runs: Vec::new(),
        })
    }

    /// "against the stage at time scale 0.05" / "against https://… at time scale 1".
    pub fn describe_target(&self) -> String {
        format!(
            "against {} at time scale {}",
            target_label(&self.target),
            self.options.time_scale
        )
    }
}

/// How the target is named in files and reports: "stage" or the site's address without any
/// user name or password in it.
pub fn target_label(target: &Target) -> String {
    match target {
        Target::Stage(_) => "stage".to_string(),
        Target::Site { url, .. } => match url::Url::parse(url) {
            Ok(mut parsed) => {
                let _ = parsed.set_username("");
                let _ = parsed.set_password(None);
                parsed.to_string()
            }
            Err(_) => "site".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Credentials, Secret};
    use crate::stage::StageConfig;

    #[test]
    fn a_site_label_never_carries_credentials() {
        let target = Target::Site {
            url: "https://me:hunter2@www.example.com/".into(),
            credentials: Credentials {
                username: "me".into(),
                password: Secret::new("hunter2"),
            },
        };
        assert_eq!(target_label(&target), "https://www.example.com/");
        assert_eq!(
            target_label(&Target::Stage(StageConfig::default())),
            "stage"
        );
    }

    #[test]
    fn the_stage_defaults_to_the_fast_scale_and_a_given_scale_wins() {
        let stage = Target::Stage(StageConfig::default());
        let site = Target::Site {
            url: "https://x.test".into(),
            credentials: Credentials {
                username: "u".into(),
                password: Secret::new("p"),
            },
        };
        assert_eq!(comparison_time_scale(None, &stage), COMPARISON_TIME_SCALE);
        assert_eq!(comparison_time_scale(Some(0.5), &stage), 0.5);
        assert_eq!(comparison_time_scale(None, &site), 1.0);
    }
}
