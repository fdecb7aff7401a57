//! The live configuration a program reads its knobs from, and the guard that applies a preset
//! to it for a while.
//!
//! A [`PresetGuard`] puts the original value back when it is dropped, so the configuration is
//! restored however the scope ends: normal return, `?` error, or a panic unwinding through it.
//! For Ctrl-C, see [`super::interrupt`]: the signal becomes an orderly unwind, which drops the
//! guard like any other early return.
//!
//! Only one preset is applied at a time. Presets are overlays on the *original*
//! configuration, not on each other, and a strict "one at a time" rule makes restore order a
//! non-issue (dropping guards out of order could otherwise leave a preset behind).

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::definition::Preset;
use super::error::{InvalidKnob, PresetError};

type Validator<T> = Arc<dyn Fn(&T) -> Result<(), InvalidKnob> + Send + Sync>;

struct State<T> {
    value: T,
    /// Name of the applied preset, if any.
    active: Option<String>,
}

/// A shared, swappable configuration. Clones share the same value.
pub struct LiveConfig<T> {
    state: Arc<RwLock<State<T>>>,
    validator: Option<Validator<T>>,
}

impl<T> Clone for LiveConfig<T> {
    fn clone(&self) -> Self {
        LiveConfig {
            state: Arc::clone(&self.state),
            validator: self.validator.clone(),
        }
    }
}

impl<T> LiveConfig<T> {
    /// A live configuration holding `value`, with no validation beyond deserialization.
    pub fn new(value: T) -> LiveConfig<T> {
        LiveConfig {
            state: Arc::new(RwLock::new(State {
                value,
                active: None,
            })),
            validator: None,
        }
    }

    /// A live configuration whose presets must also pass the application's own checks.
    pub fn with_validator(
        value: T,
        validator: impl Fn(&T) -> Result<(), InvalidKnob> + Send + Sync + 'static,
    ) -> LiveConfig<T> {
        LiveConfig {
            validator: Some(Arc::new(validator)),
            ..LiveConfig::new(value)
        }
    }

    /// A copy of the current value.
    pub fn get(&self) -> T
    where
        T: Clone,
    {
        self.read().value.clone()
    }

    /// Reads the current value without copying it.
    pub fn with<R>(&self, read: impl FnOnce(&T) -> R) -> R {
        read(&self.read().value)
    }

    /// The name of the preset currently applied, if any.
    pub fn active_preset(&self) -> Option<String> {
        self.read().active.clone()
    }

    /// Applies `preset` on top of the current value until the returned guard is dropped.
    ///
    /// # Errors
    ///
    /// [`PresetError::AlreadyApplied`] while another preset's guard is alive, and the errors of
    /// [`Preset::apply_validated`] with this configuration's validator; the value is then
    /// unchanged.
    pub fn apply(&self, preset: &Preset) -> Result<PresetGuard<T>, PresetError>
    where
        T: Serialize + DeserializeOwned,
    {
        let mut state = self.write();
        if let Some(active) = &state.active {
            return Err(PresetError::AlreadyApplied {
                requested: preset.name.clone(),
                active: active.clone(),
            });
        }
        let applied = match &self.validator {
            Some(validator) => preset.apply_validated(&state.value, validator.as_ref())?,
            None => preset.apply_to(&state.value)?,
        };
        let original = std::mem::replace(&mut state.value, applied);
        state.active = Some(preset.name.clone());
        Ok(PresetGuard {
            live: self.clone(),
            original: Some(original),
            preset: preset.name.clone(),
        })
    }

    // A panic while a lock was held (in a reader's closure) must not make the configuration
    // unusable or block restoration, so poisoning is ignored: the value itself is always whole.
    fn read(&self) -> RwLockReadGuard<'_, State<T>> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State<T>> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Keeps a preset applied; dropping it restores the original configuration.
#[must_use = "the preset is undone as soon as the guard is dropped"]
pub struct PresetGuard<T> {
    live: LiveConfig<T>,
    original: Option<T>,
    preset: String,
}

impl<T> PresetGuard<T> {
    /// Name of the applied preset.
    pub fn preset(&self) -> &str {
        &self.preset
    }

    /// The configuration that will be restored.
    pub fn original(&self) -> Option<&T> {
        self.original.as_ref()
    }

    /// Restores now (same as dropping, but reads better at the end of a scope).
    pub fn restore(self) {}
}

impl<T> Drop for PresetGuard<T> {
    fn drop(&mut self) {
        if let Some(original) = self.original.take() {
            let mut state = self.live.write();
            state.value = original;
            state.active = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Config {
        delay: f64,
    }

    fn preset(name: &str, delay: f64) -> Preset {
        let mut overrides = toml::Table::new();
        overrides.insert("delay".into(), toml::Value::Float(delay));
        Preset::new(name, "test", overrides)
    }

    #[test]
    fn applies_while_the_guard_lives_and_restores_on_drop() {
        let live = LiveConfig::new(Config { delay: 1.0 });
        let reader = live.clone();
        {
            let guard = live.apply(&preset("slow", 12.0)).unwrap();
            assert_eq!(reader.get(), Config { delay: 12.0 });
            assert_eq!(guard.original(), Some(&Config { delay: 1.0 }));
            assert_eq!(reader.active_preset().as_deref(), Some("slow"));
        }
        assert_eq!(reader.get(), Config { delay: 1.0 });
        assert_eq!(reader.active_preset(), None);
    }

    #[test]
    fn a_second_preset_waits_for_the_first_to_be_restored() {
        let live = LiveConfig::new(Config { delay: 1.0 });
        let first = live.apply(&preset("a", 2.0)).unwrap();
        let error = live.apply(&preset("b", 3.0)).err().unwrap();
        assert_eq!(
            error.to_string(),
            "cannot apply preset `b`: preset `a` is still applied; drop its guard first"
        );
        first.restore();
        let second = live.apply(&preset("b", 3.0)).unwrap();
        assert_eq!(live.with(|config| config.delay), 3.0);
        drop(second);
        assert_eq!(live.get().delay, 1.0);
    }

    #[test]
    fn a_failed_application_leaves_the_configuration_untouched() {
        let live = LiveConfig::with_validator(Config { delay: 1.0 }, |config: &Config| {
            if config.delay < 0.0 {
                Err(InvalidKnob {
                    knob: "delay".into(),
                    problem: "negative".into(),
                })
            } else {
                Ok(())
            }
        });
        assert!(live.apply(&preset("bad", -1.0)).is_err());
        assert_eq!(live.get().delay, 1.0);
        assert_eq!(live.active_preset(), None);
        assert!(live.apply(&preset("good", 2.0)).is_ok());
    }
}
