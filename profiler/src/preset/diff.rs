//! Which knobs differ between two configurations, for `--list-baselines` and for explaining
//! an A/B result.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::{Table, Value};

use super::error::PresetError;
use super::overlay::to_table;

/// One knob whose value differs: `from` in the first configuration, `to` in the second.
/// `None` means the knob is unset on that side (an `Option` field left empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnobChange {
    /// Dotted path for nested configuration structs, e.g. `download.interval`.
    pub knob: String,
    /// The value in the first configuration; `None` when unset there.
    pub from: Option<Value>,
    /// The value in the second configuration; `None` when unset there.
    pub to: Option<Value>,
}

impl KnobChange {
    /// `solo_wait: observe → fixed`.
    pub fn describe(&self) -> String {
        format!("{}: {} → {}", self.knob, side(&self.from), side(&self.to))
    }
}

fn side(value: &Option<Value>) -> String {
    value
        .as_ref()
        .map_or_else(|| "unset".to_string(), format_knob_value)
}

/// A knob value as a person writes it: strings without quotes, numbers as TOML prints them.
pub fn format_knob_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Every knob (leaf, by dotted path) whose value differs between `from` and `to`.
///
/// # Errors
///
/// [`PresetError::NotRepresentable`] when a configuration is not a TOML table.
pub fn diff_configs<T: Serialize>(from: &T, to: &T) -> Result<Vec<KnobChange>, PresetError> {
    let from = flatten(&to_table(from)?);
    let mut to = flatten(&to_table(to)?);
    let mut changes = Vec::new();
    for (knob, before) in from {
        let after = to.remove(&knob);
        if after.as_ref() != Some(&before) {
            changes.push(KnobChange {
                knob,
                from: Some(before),
                to: after,
            });
        }
    }
    changes.extend(to.into_iter().map(|(knob, after)| KnobChange {
        knob,
        from: None,
        to: Some(after),
    }));
    changes.sort_by(|a, b| a.knob.cmp(&b.knob));
    Ok(changes)
}

/// Leaves of a table by dotted path; arrays count as leaves.
pub(crate) fn flatten(table: &Table) -> BTreeMap<String, Value> {
    let mut leaves = BTreeMap::new();
    flatten_into(table, "", &mut leaves);
    leaves
}

fn flatten_into(table: &Table, prefix: &str, leaves: &mut BTreeMap<String, Value>) {
    for (key, value) in table {
        let path = format!("{prefix}{key}");
        match value {
            Value::Table(nested) => flatten_into(nested, &format!("{path}."), leaves),
            leaf => {
                leaves.insert(path, leaf.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Config {
        mode: &'static str,
        delay: f64,
        limit: Option<u32>,
        nested: Nested,
    }

    #[derive(Serialize)]
    struct Nested {
        interval: f64,
    }

    #[test]
    fn lists_changed_leaves_by_dotted_path_and_unset_options() {
        let a = Config {
            mode: "fixed",
            delay: 5.0,
            limit: None,
            nested: Nested { interval: 2.0 },
        };
        let b = Config {
            mode: "observe",
            delay: 5.0,
            limit: Some(3),
            nested: Nested { interval: 0.5 },
        };
        let described: Vec<String> = diff_configs(&a, &b)
            .unwrap()
            .iter()
            .map(KnobChange::describe)
            .collect();
        assert_eq!(
            described,
            vec![
                "limit: unset → 3",
                "mode: fixed → observe",
                "nested.interval: 2.0 → 0.5"
            ]
        );
        assert!(diff_configs(&a, &a).unwrap().is_empty());
    }
}
