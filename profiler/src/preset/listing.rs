//! The preset list as people read it (`--list-baselines`): name, description, and the knobs
//! each preset changes relative to the application's default configuration.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::PresetError;
use super::set::PresetSet;

impl PresetSet {
    /// One block per preset, names padded to one column:
    ///
    /// ```text
    /// current    Current configuration with the suspected regression (…)
    ///            solo_wait: observe → fixed
    ///            solo_activation_delay: 5.0 → 12.0
    /// optimized  Event-driven waits (…)
    ///            (same as the default)
    /// ```
    ///
    /// Fails on the first preset that does not apply to `default`, naming its file and knob.
    ///
    /// # Errors
    ///
    /// As [`Preset::apply_to`](super::Preset::apply_to), for the first preset that does not apply.
    pub fn render_listing<T>(&self, default: &T) -> Result<String, PresetError>
    where
        T: Serialize + DeserializeOwned,
    {
        let width = self
            .iter()
            .map(|preset| preset.name.chars().count())
            .max()
            .unwrap_or(0);
        let indent = " ".repeat(width + 2);
        let mut text = String::new();
        for preset in self.iter() {
            let changes = preset.changes_against(default)?;
            text.push_str(&format!("{:width$}  {}\n", preset.name, preset.description));
            if changes.is_empty() {
                text.push_str(&format!("{indent}(same as the default)\n"));
            }
            for change in changes {
                text.push_str(&format!("{indent}{}\n", change.describe()));
            }
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::super::definition::Preset;
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize)]
    struct Knobs {
        delay: f64,
        mode: String,
    }

    fn preset(name: &str, knobs: &str) -> Preset {
        let text = format!("name = \"{name}\"\ndescription = \"About {name}\"\n[knobs]\n{knobs}");
        Preset::parse(&text, format!("{name}.toml").as_ref()).unwrap()
    }

    #[test]
    fn lists_each_preset_with_its_changes_aligned_under_the_description() {
        let mut set = PresetSet::default();
        set.insert(preset("slow", "delay = 12.0\nmode = \"fixed\"\n"));
        set.insert(preset("default_like", "delay = 1.0\n"));
        let default = Knobs {
            delay: 1.0,
            mode: "observe".into(),
        };
        assert_eq!(
            set.render_listing(&default).unwrap(),
            "default_like  About default_like\n              (same as the default)\n\
             slow          About slow\n              delay: 1.0 → 12.0\n              mode: observe → fixed\n"
        );
        set.insert(preset("broken", "dealy = 3.0\n"));
        let error = set.render_listing(&default).unwrap_err().to_string();
        assert!(
            error.starts_with("broken.toml:4: unknown knob `dealy`"),
            "{error}"
        );
    }
}
