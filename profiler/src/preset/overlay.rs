//! Laying a preset's overrides over any serde configuration.
//!
//! The base is serialized to a TOML table, so the set of valid knobs is exactly the set of
//! fields the configuration has (`deny_unknown_fields` strictness without asking `T` for it),
//! and each override must have the type of the field it replaces. Values `T` itself rejects
//! (an unknown enum variant, a negative count) are blamed on the knob that introduced them by
//! re-applying the overrides one at a time.

use serde::Serialize;
use serde::de::DeserializeOwned;
use toml::{Table, Value};

use super::definition::Preset;
use super::diff::{flatten, format_knob_value};
use super::error::{InvalidKnob, PresetError};

pub(crate) fn overlay<T>(
    preset: &Preset,
    base: &T,
    validate: &dyn Fn(&T) -> Result<(), InvalidKnob>,
) -> Result<T, PresetError>
where
    T: Serialize + DeserializeOwned,
{
    let base_table = to_table(base)?;
    let mut merged = base_table.clone();
    merge(preset, &mut merged, &preset.overrides, "")?;
    let applied = match deserialize::<T>(merged) {
        Ok(applied) => applied,
        Err(message) => return Err(blame::<T>(preset, &base_table, message)),
    };
    validate(&applied).map_err(|invalid| PresetError::BadValue {
        location: preset.location(Some(&invalid.knob)),
        knob: invalid.knob,
        message: invalid.problem,
    })?;
    Ok(applied)
}

/// The configuration as a TOML table (fails for types that are not TOML tables).
pub(crate) fn to_table<T: Serialize>(value: &T) -> Result<Table, PresetError> {
    Table::try_from(value).map_err(|error| PresetError::NotRepresentable(error.to_string()))
}

fn deserialize<T: DeserializeOwned>(table: Table) -> Result<T, String> {
    Value::Table(table)
        .try_into::<T>()
        .map_err(|error| error.message().to_string())
}

fn merge(
    preset: &Preset,
    target: &mut Table,
    overrides: &Table,
    prefix: &str,
) -> Result<(), PresetError> {
    for (key, value) in overrides {
        let knob = format!("{prefix}{key}");
        let known: Vec<String> = target
            .keys()
            .map(|name| format!("{prefix}{name}"))
            .collect();
        let Some(existing) = target.get_mut(key) else {
            return Err(PresetError::UnknownKnob {
                location: preset.location(Some(&knob)),
                suggestion: closest(&knob, &known),
                knob,
                known,
            });
        };
        match (existing, value) {
            (Value::Table(existing), Value::Table(nested)) => {
                merge(preset, existing, nested, &format!("{knob}."))?;
            }
            // `delay = 5` for a float knob means 5.0; TOML keeps the two types apart.
            (existing @ Value::Float(_), Value::Integer(integer)) => {
                *existing = Value::Float(*integer as f64);
            }
            (existing, value) if existing.same_type(value) => *existing = value.clone(),
            (existing, value) => {
                return Err(PresetError::WrongType {
                    location: preset.location(Some(&knob)),
                    expected: with_article(existing.type_str()),
                    default: format_knob_value(existing),
                    found: format!("{} {}", with_article(value.type_str()), value),
                    knob,
                });
            }
        }
    }
    Ok(())
}

/// Finds the first knob (in file order) whose value alone makes `T` reject the result.
fn blame<T: DeserializeOwned>(
    preset: &Preset,
    base: &Table,
    combined_message: String,
) -> PresetError {
    let mut knobs: Vec<(String, Value)> = flatten(&preset.overrides).into_iter().collect();
    knobs.sort_by_key(|(knob, _)| preset.knob_line(knob).unwrap_or(usize::MAX));
    for (knob, value) in knobs {
        let single = Preset::new(preset.name.clone(), "", single_override(&knob, value));
        let mut merged = base.clone();
        if merge(&single, &mut merged, &single.overrides, "").is_err() {
            continue;
        }
        if let Err(message) = deserialize::<T>(merged) {
            return PresetError::BadValue {
                location: preset.location(Some(&knob)),
                knob,
                message,
            };
        }
    }
    PresetError::BadValue {
        location: preset.location(None),
        knob: flatten(&preset.overrides)
            .into_keys()
            .collect::<Vec<_>>()
            .join(", "),
        message: format!("{combined_message} (only in combination)"),
    }
}

/// A table holding one override at a dotted path.
fn single_override(knob: &str, value: Value) -> Table {
    let mut parts: Vec<&str> = knob.split('.').collect();
    let leaf = parts.pop().unwrap_or(knob);
    let mut table = Table::new();
    table.insert(leaf.to_string(), value);
    for part in parts.into_iter().rev() {
        let mut outer = Table::new();
        outer.insert(part.to_string(), Value::Table(table));
        table = outer;
    }
    table
}

fn with_article(type_name: &str) -> String {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}

/// The known knob closest to a misspelt one, if it is close enough to be a plausible typo.
fn closest(knob: &str, known: &[String]) -> Option<String> {
    known
        .iter()
        .map(|candidate| (edit_distance(knob, candidate), candidate))
        .filter(|(distance, _)| *distance <= (knob.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.clone())
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Fixed,
        Poll,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Inner {
        interval: f64,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Config {
        mode: Mode,
        delay: f64,
        retries: u8,
        download: Inner,
    }

    fn base() -> Config {
        Config {
            mode: Mode::Poll,
            delay: 1.0,
            retries: 3,
            download: Inner { interval: 0.5 },
        }
    }

    fn preset(knobs: &str) -> Preset {
        let text = format!("name = \"p\"\ndescription = \"d\"\n[knobs]\n{knobs}");
        Preset::parse(&text, std::path::Path::new("presets/p.toml")).unwrap()
    }

    #[test]
    fn overrides_replace_only_the_knobs_they_name_and_integers_widen_to_floats() {
        let applied = preset("mode = \"fixed\"\ndelay = 12\n[knobs.download]\ninterval = 2.0\n")
            .apply_to(&base())
            .unwrap();
        assert_eq!(
            applied,
            Config {
                mode: Mode::Fixed,
                delay: 12.0,
                retries: 3,
                download: Inner { interval: 2.0 },
            }
        );
    }

    #[test]
    fn an_unknown_knob_names_file_line_and_the_likely_intended_knob() {
        let error = preset("mode = \"fixed\"\ndelya = 2.0\n")
            .apply_to(&base())
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "presets/p.toml:5: unknown knob `delya` (did you mean `delay`?); \
             known knobs: delay, download, mode, retries"
        );
        let nested = preset("[knobs.download]\nintervl = 1.0\n")
            .apply_to(&base())
            .unwrap_err();
        assert!(
            nested
                .to_string()
                .starts_with("presets/p.toml:5: unknown knob `download.intervl`"),
            "{nested}"
        );
    }

    #[test]
    fn a_wrong_type_names_the_knob_and_both_types() {
        let error = preset("delay = \"12\"\n").apply_to(&base()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "presets/p.toml:4: knob `delay` must be a float (the default is 1.0), found a string \"12\""
        );
        let table_for_value = preset("[knobs.mode]\nx = 1\n")
            .apply_to(&base())
            .unwrap_err();
        assert!(
            table_for_value
                .to_string()
                .contains("knob `mode` must be a string"),
            "{table_for_value}"
        );
    }

    #[test]
    fn a_value_the_type_rejects_is_blamed_on_its_own_line() {
        let error = preset("delay = 2.0\nmode = \"sometimes\"\nretries = 1\n")
            .apply_to(&base())
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "presets/p.toml:5: knob `mode` has a bad value: unknown variant `sometimes`, expected `fixed` or `poll`"
        );
        let overflow = preset("retries = 300\n").apply_to(&base()).unwrap_err();
        assert!(
            overflow
                .to_string()
                .starts_with("presets/p.toml:4: knob `retries` has a bad value"),
            "{overflow}"
        );
    }

    #[test]
    fn application_validation_errors_point_at_the_knob_line() {
        let validate = |config: &Config| {
            if config.delay < 0.0 {
                Err(InvalidKnob {
                    knob: "delay".into(),
                    problem: "must be ≥ 0 seconds".into(),
                })
            } else {
                Ok(())
            }
        };
        let error = preset("mode = \"fixed\"\ndelay = -1.0\n")
            .apply_validated(&base(), &validate)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "presets/p.toml:5: knob `delay` has a bad value: must be ≥ 0 seconds"
        );
        assert!(
            preset("delay = 3.0\n")
                .apply_validated(&base(), &validate)
                .is_ok()
        );
    }

    #[test]
    fn configurations_that_are_not_tables_are_reported() {
        let error = preset("delay = 1.0\n").apply_to(&5u32).unwrap_err();
        assert!(matches!(error, PresetError::NotRepresentable(_)), "{error}");
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            closest("solo_wiat", &["solo_wait".into(), "download_wait".into()]),
            Some("solo_wait".into())
        );
        assert_eq!(closest("zzz", &["solo_wait".into()]), None);
    }
}
