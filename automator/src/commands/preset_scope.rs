//! `--preset NAME` for a single run (`automator --profile --preset current`): the preset is
//! applied to the live configuration for the run and the starting knobs are restored after it.

use profiler::preset::PresetGuard;

use super::error::CommandError;
use super::live::LiveKnobs;
use super::presets::PresetCatalog;
use crate::config::Knobs;

/// The configuration of one run, with `--preset` applied while the scope lives.
pub struct PresetScope {
    live: LiveKnobs,
    applied: Option<PresetGuard<Knobs>>,
}

impl PresetScope {
    /// Applies preset `name` (if any) from `--baselines DIR` / `./baselines/` / the built-in
    /// set on top of `starting`.
    pub fn enter(
        name: Option<&str>,
        baselines: Option<&std::path::Path>,
        starting: Knobs,
    ) -> Result<PresetScope, CommandError> {
        let live = LiveKnobs::new(starting);
        let applied = match name {
            Some(name) => {
                let catalog = PresetCatalog::load(baselines)?;
                let preset = catalog.checked(name, live.starting())?;
                Some(live.apply(preset)?)
            }
            None => None,
        };
        Ok(PresetScope { live, applied })
    }

    /// The knobs the run uses.
    pub fn knobs(&self) -> Knobs {
        self.live.current()
    }

    /// The applied preset's name.
    pub fn preset(&self) -> Option<&str> {
        self.applied.as_ref().map(PresetGuard::preset)
    }

    /// Restores the starting knobs; returns the line confirming it when a preset was applied.
    pub fn finish(mut self) -> Result<Option<String>, CommandError> {
        let had_preset = self.applied.take().is_some();
        let confirmation = self.live.confirm_restored()?;
        Ok(had_preset.then_some(confirmation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SoloWait;

    #[test]
    fn applies_the_named_preset_for_the_run_and_restores_after() {
        let scope = PresetScope::enter(Some("current"), None, Knobs::default());
        let scope = match scope {
            Ok(scope) => scope,
            Err(error) => panic!("{error}"),
        };
        assert_eq!(scope.preset(), Some("current"));
        assert_eq!(scope.knobs().solo_wait, SoloWait::Fixed);
        assert_eq!(scope.knobs().download_monitoring_initial_wait, 30.0);
        let line = scope.finish().unwrap().unwrap();
        assert!(line.starts_with("Configuration restored"), "{line}");
        let plain = PresetScope::enter(None, None, Knobs::default()).unwrap();
        assert_eq!(plain.knobs(), Knobs::default());
        assert_eq!(plain.finish().unwrap(), None);
    }

    #[test]
    fn an_unknown_preset_lists_the_available_ones() {
        let error = PresetScope::enter(Some("fastest"), None, Knobs::default())
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.starts_with("unknown preset `fastest`; available: current,"),
            "{error}"
        );
    }
}
