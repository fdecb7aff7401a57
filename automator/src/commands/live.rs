//! The live configuration the preset commands run from: the starting knobs in a
//! [`LiveConfig`], each run applying its preset through a guard, and a check at the end that
//! the starting knobs are back (the guard restores them on success, error, panic and Ctrl-C).

use profiler::preset::{LiveConfig, Preset, PresetGuard};

use super::error::CommandError;
use super::presets::check_knobs;
use crate::config::Knobs;

/// The knobs every run reads, with the preset currently applied (if any).
#[derive(Clone)]
pub struct LiveKnobs {
    live: LiveConfig<Knobs>,
    starting: Knobs,
}

impl LiveKnobs {
    /// A live configuration starting from `knobs` (the defaults, or `--knobs FILE`).
    pub fn new(knobs: Knobs) -> LiveKnobs {
        LiveKnobs {
            live: LiveConfig::with_validator(knobs.clone(), check_knobs),
            starting: knobs,
        }
    }

    /// Applies `preset` until the guard is dropped.
    pub fn apply(&self, preset: &Preset) -> Result<PresetGuard<Knobs>, CommandError> {
        Ok(self.live.apply(preset)?)
    }

    /// The live configuration itself (a clone sharing the value), for the library's runners.
    pub fn config(&self) -> LiveConfig<Knobs> {
        self.live.clone()
    }

    /// The knobs in force right now.
    pub fn current(&self) -> Knobs {
        self.live.get()
    }

    /// The configuration every preset is laid over.
    pub fn starting(&self) -> &Knobs {
        &self.starting
    }

    /// Confirms no preset is left applied and the knobs equal the starting ones, and says so
    /// in one line for the person running the command.
    pub fn confirm_restored(&self) -> Result<String, CommandError> {
        if let Some(active) = self.live.active_preset() {
            return Err(CommandError::NotRestored { active });
        }
        if self.live.get() != self.starting {
            return Err(CommandError::NotRestored {
                active: "none, but the knobs differ from the starting ones".into(),
            });
        }
        Ok("Configuration restored: no preset is applied and every knob has its starting value again.".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SoloWait;

    fn fixed_waits() -> Preset {
        let overrides: toml::Table =
            toml::from_str("solo_wait = \"fixed\"\nsolo_activation_delay_simple = 15.0\n").unwrap();
        Preset::new("slow", "Long blind waits", overrides)
    }

    #[test]
    fn a_run_sees_the_preset_and_the_starting_knobs_come_back() {
        let live = LiveKnobs::new(Knobs::default());
        {
            let _guard = live.apply(&fixed_waits()).unwrap();
            assert_eq!(live.current().solo_wait, SoloWait::Fixed);
            assert_eq!(live.current().solo_activation_delay_simple, 15.0);
            assert!(
                live.confirm_restored().is_err(),
                "a preset is still applied"
            );
        }
        assert_eq!(live.current(), Knobs::default());
        assert!(
            live.confirm_restored()
                .unwrap()
                .starts_with("Configuration restored")
        );
    }

    #[test]
    fn the_knobs_come_back_after_a_panic_in_the_run() {
        let live = LiveKnobs::new(Knobs::default());
        let inside = live.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _guard = inside.apply(&fixed_waits()).unwrap();
            panic!("the run blew up");
        }));
        assert!(result.is_err());
        assert_eq!(live.current(), Knobs::default());
        live.confirm_restored().unwrap();
    }

    #[test]
    fn a_preset_the_automation_rejects_is_not_applied() {
        let live = LiveKnobs::new(Knobs::default());
        let overrides: toml::Table = toml::from_str("download_check_interval = 0.0\n").unwrap();
        let error = live
            .apply(&Preset::new("broken", "d", overrides))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("download_check_interval"), "{error}");
        live.confirm_restored().unwrap();
    }
}
