//! One run of the automation under one preset: apply the preset to the live configuration,
//! start a fresh profile, run, take the profile, restore the configuration.

use profiler::ProfilerHandle;
use profiler::preset::Preset;

use super::ab_report::render_run_line;
use super::ctrl_c::CtrlC;
use super::error::CommandError;
use super::live::LiveKnobs;
use super::run_set::{PresetRunSet, RunRecord};
use crate::flow::progress::print_line;
use crate::flow::{RunOptions, Target, run};
use crate::stage::StageConfig;

/// What every run of a command does: the same options (songs, track limit, time scale) against
/// the same target.
pub struct PresetRunner<'a> {
    pub options: &'a RunOptions,
    pub target: &'a Target,
    pub live: &'a LiveKnobs,
    pub profiler: &'a ProfilerHandle,
}

impl PresetRunner<'_> {
    /// Runs once under `preset`. `replicate` numbers the runs of one preset (0, 1, …): against
    /// the stage it offsets the seed, so run *k* of every preset meets the same server timing
    /// while successive runs still vary like a real site does.
    pub async fn run(
        &self,
        preset: &Preset,
        position: usize,
        replicate: u64,
    ) -> Result<RunRecord, CommandError> {
        let _applied = self.live.apply(preset)?;
        let knobs = self.live.current();
        let (target, seed) = match self.target {
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
        };
        self.profiler.reset();
        let outcome = run(self.options, &knobs, &target).await?;
        let profile = self
            .profiler
            .snapshot(&format!("{} run {}", preset.name, position + 1));
        Ok(RunRecord::new(position, seed, &outcome, profile))
    }

    /// The next run of a run set: runs once under `preset` (unless Ctrl-C was pressed), prints
    /// its line (`position` of `total`) and files its record in `set`. `Err` means the set
    /// stops here without a new record; a run that Ctrl-C interrupted is filed and says so.
    pub async fn run_into<'set>(
        &self,
        ctrl_c: &CtrlC,
        preset: &Preset,
        set: &'set mut PresetRunSet,
        position: usize,
        total: usize,
        replicate: u64,
    ) -> Result<&'set RunRecord, CommandError> {
        if ctrl_c.pressed() {
            return Err(CommandError::Interrupted);
        }
        let record = self.run(preset, position, replicate).await?;
        print_line(&render_run_line(position, total, &preset.name, &record));
        let filed = set.runs.len();
        set.runs.push(record);
        Ok(&set.runs[filed])
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
}
