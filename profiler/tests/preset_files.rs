//! The shipped presets in `baselines/` load, apply to a configuration with the automator's
//! exact knob names, and hold the values of the spec's table.

use std::path::PathBuf;

use profiler::preset::{PresetSet, format_knob_value};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SoloWait {
    Fixed,
    Poll,
    Observe,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DownloadWait {
    Poll,
    Watch,
}

/// Mirror of the automator's knobs (same names, types and built-in default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Knobs {
    solo_wait: SoloWait,
    solo_activation_delay: f64,
    solo_activation_delay_simple: f64,
    solo_activation_delay_complex: f64,
    solo_poll_interval: f64,
    solo_max_wait: f64,
    download_monitoring_initial_wait: f64,
    download_check_interval: f64,
    download_max_wait: f64,
    download_wait: DownloadWait,
    between_tracks_pause: f64,
    webdriver_default_timeout: f64,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            solo_wait: SoloWait::Observe,
            solo_activation_delay: 5.0,
            solo_activation_delay_simple: 5.0,
            solo_activation_delay_complex: 5.0,
            solo_poll_interval: 0.2,
            solo_max_wait: 30.0,
            download_monitoring_initial_wait: 0.0,
            download_check_interval: 0.5,
            download_max_wait: 300.0,
            download_wait: DownloadWait::Watch,
            between_tracks_pause: 0.0,
            webdriver_default_timeout: 30.0,
        }
    }
}

fn shipped() -> PresetSet {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../baselines");
    PresetSet::load_dir(&folder).unwrap()
}

/// (solo wait, base/simple/complex delays, initial wait, check interval, max wait, pause).
type Row = (SoloWait, [f64; 3], f64, f64, f64, f64);

#[test]
fn the_four_original_presets_hold_the_spec_values() {
    let set = shipped();
    let table: [(&str, Row); 4] = [
        (
            "current",
            (SoloWait::Fixed, [12.0, 15.0, 21.0], 30.0, 5.0, 90.0, 0.5),
        ),
        (
            "pre_optimization",
            (SoloWait::Fixed, [5.0, 5.0, 5.0], 0.0, 2.0, 300.0, 2.0),
        ),
        (
            "solo_only",
            (SoloWait::Fixed, [5.0, 5.0, 5.0], 30.0, 5.0, 90.0, 0.5),
        ),
        (
            "download_only",
            (SoloWait::Fixed, [12.0, 15.0, 21.0], 0.0, 2.0, 300.0, 0.5),
        ),
    ];
    for (name, (solo_wait, delays, initial, interval, max, pause)) in table {
        let knobs = set.get(name).unwrap().apply_to(&Knobs::default()).unwrap();
        let actual: Row = (
            knobs.solo_wait,
            [
                knobs.solo_activation_delay,
                knobs.solo_activation_delay_simple,
                knobs.solo_activation_delay_complex,
            ],
            knobs.download_monitoring_initial_wait,
            knobs.download_check_interval,
            knobs.download_max_wait,
            knobs.between_tracks_pause,
        );
        assert_eq!(
            actual,
            (solo_wait, delays, initial, interval, max, pause),
            "{name}"
        );
        assert_eq!(knobs.download_wait, DownloadWait::Poll, "{name}");
    }
}

#[test]
fn optimized_is_event_driven_and_equals_the_built_in_default() {
    let set = shipped();
    let optimized = set.get("optimized").unwrap();
    let knobs = optimized.apply_to(&Knobs::default()).unwrap();
    assert_eq!(knobs.solo_wait, SoloWait::Observe);
    assert_eq!(knobs.download_wait, DownloadWait::Watch);
    assert_eq!(knobs.download_max_wait, 300.0);
    assert_eq!(knobs.between_tracks_pause, 0.0);
    assert!(
        optimized
            .changes_against(&Knobs::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn every_shipped_preset_is_described_and_lists_its_changes_against_the_default() {
    let set = shipped();
    assert_eq!(
        set.names(),
        vec![
            "current",
            "download_only",
            "optimized",
            "pre_optimization",
            "solo_only"
        ]
    );
    for preset in set.iter() {
        assert!(
            preset.description.len() > 30,
            "{}: describe it",
            preset.name
        );
        assert!(!preset.description.contains('\n'), "{}", preset.name);
    }
    let changes = set
        .get("current")
        .unwrap()
        .changes_against(&Knobs::default())
        .unwrap();
    let described: Vec<String> = changes.iter().map(|change| change.describe()).collect();
    assert!(
        described.contains(&"solo_wait: observe → fixed".to_string()),
        "{described:?}"
    );
    assert!(described.contains(&"download_monitoring_initial_wait: 0.0 → 30.0".to_string()));
    assert!(described.contains(&"solo_activation_delay_complex: 5.0 → 21.0".to_string()));
    // Knobs the preset leaves at the default are not changes.
    assert!(
        !changes
            .iter()
            .any(|change| change.knob == "solo_poll_interval")
    );
    let solo = changes
        .iter()
        .find(|change| change.knob == "solo_wait")
        .unwrap();
    assert_eq!(format_knob_value(solo.to.as_ref().unwrap()), "fixed");
}

#[test]
fn a_copy_of_the_folder_with_a_typo_fails_naming_file_line_and_knob() {
    let folder = tempfile::tempdir().unwrap();
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../baselines/current.toml");
    let text = std::fs::read_to_string(source)
        .unwrap()
        .replace("download_check_interval", "download_check_intervall");
    let path = folder.path().join("current.toml");
    std::fs::write(&path, text).unwrap();
    let set = PresetSet::load_dir(folder.path()).unwrap();
    let error = set
        .get("current")
        .unwrap()
        .apply_to(&Knobs::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(&format!(
            "{}:11: unknown knob `download_check_intervall` (did you mean `download_check_interval`?)",
            path.display()
        )),
        "{error}"
    );
}
