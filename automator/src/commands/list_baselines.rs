//! `automator --list-baselines`: every preset with its description and the knobs it changes
//! relative to the configuration runs start from, in aligned columns.

use profiler::preset::{KnobChange, PresetError, format_knob_value};

use super::presets::PresetCatalog;
use crate::config::Knobs;

/// The listing, ready to print. `base` is what the presets are laid over; `base_note` says
/// what it is.
pub fn render_list(
    catalog: &PresetCatalog,
    base: &Knobs,
    base_note: &str,
) -> Result<String, PresetError> {
    catalog.check_all(base)?;
    let mut entries = Vec::new();
    for preset in catalog.presets.iter() {
        entries.push((preset, preset.changes_against(base)?));
    }
    let name_width = entries
        .iter()
        .map(|(preset, _)| preset.name.len())
        .max()
        .unwrap_or(0)
        + 2;
    let changes: Vec<&KnobChange> = entries
        .iter()
        .flat_map(|(_, changes)| changes.iter())
        .collect();
    let knob_width = changes
        .iter()
        .map(|change| change.knob.len())
        .max()
        .unwrap_or(0)
        + 2;
    let from_width = changes
        .iter()
        .map(|change| value(&change.from).len())
        .max()
        .unwrap_or(0);
    let indent = " ".repeat(name_width + 2);

    let mut text = format!(
        "{} presets from {}. Each lists the knobs it changes, as default → preset ({base_note}).\n",
        entries.len(),
        catalog.origin
    );
    for (preset, changes) in &entries {
        text.push_str(&format!(
            "\n{:<name_width$}{}\n",
            preset.name, preset.description
        ));
        if changes.is_empty() {
            text.push_str(&format!(
                "{indent}no changes: this is the default configuration\n"
            ));
        }
        for change in changes {
            text.push_str(&format!(
                "{indent}{:<knob_width$}{:>from_width$} → {}\n",
                change.knob,
                value(&change.from),
                value(&change.to)
            ));
        }
        let unchanged: Vec<String> = preset
            .overrides
            .iter()
            .filter(|(knob, _)| !changes.iter().any(|change| &change.knob == *knob))
            .map(|(knob, value)| format!("{knob} = {}", format_knob_value(value)))
            .collect();
        if !unchanged.is_empty() {
            text.push_str(&format!(
                "{indent}also sets, same as the default: {}\n",
                unchanged.join(", ")
            ));
        }
    }
    text.push_str("\nRun one with `automator --baseline-test NAME`, compare two with `automator --ab-test A B`.");
    Ok(text)
}

fn value(value: &Option<toml::Value>) -> String {
    value
        .as_ref()
        .map_or_else(|| "unset".to_string(), format_knob_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_built_in_preset_with_its_changes_aligned() {
        let catalog = PresetCatalog::built_in().unwrap();
        let text = render_list(&catalog, &Knobs::default(), "the default is optimized").unwrap();
        assert!(
            text.starts_with("5 presets from the presets built into this binary"),
            "{text}"
        );
        assert!(
            text.contains("also sets, same as the default: solo_activation_delay = 5.0"),
            "{text}"
        );
        for name in [
            "current",
            "download_only",
            "optimized",
            "pre_optimization",
            "solo_only",
        ] {
            assert!(
                text.lines().any(|line| line.starts_with(name)),
                "{name} missing:\n{text}"
            );
        }
        let optimized = text
            .lines()
            .skip_while(|line| !line.starts_with("optimized"))
            .nth(1)
            .unwrap();
        assert!(optimized.contains("no changes"), "{optimized}");
        let delay = text
            .lines()
            .find(|line| line.contains("solo_activation_delay_complex") && line.contains("21.0"))
            .unwrap();
        assert!(delay.ends_with("5.0 → 21.0"), "{delay}");
        let arrows: Vec<usize> = text
            .lines()
            .filter(|line| line.starts_with(' '))
            .filter_map(|line| line.find('→'))
            .collect();
        assert!(
            arrows.len() > 20 && arrows.iter().all(|column| *column == arrows[0]),
            "arrows not aligned:\n{text}"
        );
    }
}
