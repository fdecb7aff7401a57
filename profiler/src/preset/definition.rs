//! A preset: a named, described set of knob overrides, usually read from one TOML file.
//!
//! ```toml
//! name = "current"
//! description = "What the knobs are set to and why"
//! [knobs]
//! solo_wait = "fixed"
//! solo_activation_delay = 12.0
//! ```
//!
//! The knob lines are remembered so that every later error (unknown knob, wrong type, bad
//! value) can point at `file:line`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::diff::{KnobChange, diff_configs};
use super::error::{InvalidKnob, Location, PresetError};
use super::overlay::overlay;

/// A named set of knob overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// The preset's name: letters, digits, `_` and `-` (it becomes part of file names); equal to
    /// the file name without `.toml` for file presets.
    pub name: String,
    /// One line saying what the preset is for, shown by `--list-baselines`.
    pub description: String,
    /// The overrides; nested tables address nested configuration structs.
    pub overrides: toml::Table,
    /// The file it was read from (`None` for presets built in code).
    pub source: Option<PathBuf>,
    /// 1-based line of each knob in `source`, by dotted path.
    knob_lines: BTreeMap<String, usize>,
}

/// The file layout; unknown top-level keys (a typo such as `[knob]`) are errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    name: String,
    description: String,
    #[serde(default)]
    knobs: toml::Table,
}

impl Preset {
    /// A preset built in code.
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        overrides: toml::Table,
    ) -> Preset {
        Preset {
            name: name.into(),
            description: description.into(),
            overrides,
            source: None,
            knob_lines: BTreeMap::new(),
        }
    }

    /// Reads and parses one preset file.
    ///
    /// # Errors
    ///
    /// [`PresetError::Read`] when the file cannot be read, else as [`Preset::parse`].
    pub fn load(path: &Path) -> Result<Preset, PresetError> {
        let text = std::fs::read_to_string(path).map_err(|source| PresetError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Preset::parse(&text, path)
    }

    /// Parses preset text; `path` names the origin in error messages.
    ///
    /// # Errors
    ///
    /// [`PresetError::Syntax`] for invalid TOML or an unknown top-level key,
    /// [`PresetError::BadName`] for a name with other characters than letters, digits, `_` and
    /// `-`, and [`PresetError::NameMismatch`] when a file's `name` differs from its file name.
    pub fn parse(text: &str, path: &Path) -> Result<Preset, PresetError> {
        let file: PresetFile = toml::from_str(text).map_err(|error| PresetError::Syntax {
            path: path.to_path_buf(),
            line: error.span().map_or(1, |span| line_of(text, span.start)),
            message: error.message().to_string(),
        })?;
        let preset = Preset {
            name: file.name,
            description: file.description,
            overrides: file.knobs,
            source: Some(path.to_path_buf()),
            knob_lines: knob_lines(text),
        };
        if !is_valid_name(&preset.name) {
            return Err(PresetError::BadName {
                location: preset.location(None),
                name: preset.name,
            });
        }
        Ok(preset)
    }

    /// The line a knob (dotted path) was written on, if read from a file.
    pub fn knob_line(&self, knob: &str) -> Option<usize> {
        self.knob_lines.get(knob).copied()
    }

    /// Where a knob of this preset lives, for error messages.
    pub fn location(&self, knob: Option<&str>) -> Box<Location> {
        Box::new(Location {
            path: self.source.clone(),
            preset: self.name.clone(),
            line: knob.and_then(|knob| self.knob_line(knob)),
        })
    }

    /// `base` with this preset's overrides applied. Works for any serde configuration: the
    /// base is serialized to a TOML table, the overrides are laid over it, and the result is
    /// deserialized back. A knob the base does not have, a value of the wrong type or a value
    /// `T` rejects is an error naming the file, line and knob.
    ///
    /// # Errors
    ///
    /// [`PresetError::UnknownKnob`], [`PresetError::WrongType`] or [`PresetError::BadValue`] naming
    /// the file, line and knob, and [`PresetError::NotRepresentable`] when `base` is not a TOML
    /// table.
    pub fn apply_to<T>(&self, base: &T) -> Result<T, PresetError>
    where
        T: Serialize + DeserializeOwned,
    {
        overlay(self, base, &|_: &T| Ok(()))
    }

    /// [`Preset::apply_to`] plus the application's own checks (ranges, relations between
    /// knobs), reported against the line that set the offending knob.
    ///
    /// # Errors
    ///
    /// As [`Preset::apply_to`], and [`PresetError::BadValue`] for a value `validate` refuses.
    pub fn apply_validated<T>(
        &self,
        base: &T,
        validate: &dyn Fn(&T) -> Result<(), InvalidKnob>,
    ) -> Result<T, PresetError>
    where
        T: Serialize + DeserializeOwned,
    {
        overlay(self, base, validate)
    }

    /// The knobs whose value this preset actually changes relative to `base` (a knob set to
    /// its base value is not a change), in knob-name order.
    ///
    /// # Errors
    ///
    /// As [`Preset::apply_to`].
    pub fn changes_against<T>(&self, base: &T) -> Result<Vec<KnobChange>, PresetError>
    where
        T: Serialize + DeserializeOwned,
    {
        let applied = self.apply_to(base)?;
        diff_configs(base, &applied)
    }
}

/// Names become parts of file names (`baseline_<name>_<time>.json`), so keep them plain.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Line of every key under `[knobs]`, by dotted path (nested tables included).
fn knob_lines(text: &str) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::new();
    let Ok(document) = toml::de::DeTable::parse(text) else {
        return lines;
    };
    let Some(knobs) = document
        .get_ref()
        .iter()
        .find(|(key, _)| key.get_ref() == "knobs")
        .and_then(|(_, value)| value.get_ref().as_table())
    else {
        return lines;
    };
    collect_lines(text, knobs, "", &mut lines);
    lines
}

fn collect_lines(
    text: &str,
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    lines: &mut BTreeMap<String, usize>,
) {
    for (key, value) in table.iter() {
        let path = format!("{prefix}{}", key.get_ref());
        lines.insert(path.clone(), line_of(text, key.span().start));
        if let Some(nested) = value.get_ref().as_table() {
            collect_lines(text, nested, &format!("{path}."), lines);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"fast\"\ndescription = \"Shorter waits\"\n\n[knobs]\nsolo_wait = \"poll\"\n  delay = 2.5\n\n[knobs.download]\ninterval = 1.0\n";

    #[test]
    fn parses_name_description_knobs_and_their_lines() {
        let preset = Preset::parse(TEXT, Path::new("presets/fast.toml")).unwrap();
        assert_eq!(preset.name, "fast");
        assert_eq!(preset.description, "Shorter waits");
        assert_eq!(preset.overrides["solo_wait"].as_str(), Some("poll"));
        assert_eq!(preset.knob_line("solo_wait"), Some(5));
        assert_eq!(preset.knob_line("delay"), Some(6));
        assert_eq!(preset.knob_line("download.interval"), Some(9));
        assert_eq!(preset.knob_line("missing"), None);
    }

    #[test]
    fn syntax_errors_name_file_and_line_on_one_line() {
        let text = "name = \"fast\"\ndescription = \"d\"\n[knobz]\nsolo_wait = \"poll\"\n";
        let error = Preset::parse(text, Path::new("presets/fast.toml")).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("presets/fast.toml:3: unknown field `knobz`"),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");

        let unquoted = "name = \"fast\"\ndescription = fast\n";
        let error = Preset::parse(unquoted, Path::new("p.toml")).unwrap_err();
        assert!(error.to_string().starts_with("p.toml:2: "), "{error}");
    }

    #[test]
    fn missing_description_and_unusable_names_are_rejected() {
        let error = Preset::parse("name = \"x\"\n", Path::new("x.toml")).unwrap_err();
        assert_eq!(error.to_string(), "x.toml:1: missing field `description`");
        let error = Preset::parse(
            "name = \"a b/c\"\ndescription = \"d\"\n",
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("may only use letters"),
            "{error}"
        );
    }
}
