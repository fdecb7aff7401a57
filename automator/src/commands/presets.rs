//! Where the configuration presets come from: `--baselines DIR`, else `./baselines/` when it
//! exists, else the repository's `baselines/*.toml` compiled into the binary, so an installed
//! `automator` lists and runs the presets from any directory.

use std::fmt;
use std::path::{Path, PathBuf};

use profiler::preset::{InvalidKnob, Preset, PresetError, PresetSet};

use crate::config::Knobs;

/// The repository's preset files, as they were when the binary was built.
const BUILT_IN: [(&str, &str); 5] = [
    ("current", include_str!("../../../baselines/current.toml")),
    (
        "download_only",
        include_str!("../../../baselines/download_only.toml"),
    ),
    (
        "optimized",
        include_str!("../../../baselines/optimized.toml"),
    ),
    (
        "pre_optimization",
        include_str!("../../../baselines/pre_optimization.toml"),
    ),
    (
        "solo_only",
        include_str!("../../../baselines/solo_only.toml"),
    ),
];

/// The folder looked for in the current directory when `--baselines` is not given.
pub const DEFAULT_FOLDER: &str = "baselines";

/// Where a catalog was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresetOrigin {
    Folder(PathBuf),
    BuiltIn,
}

impl fmt::Display for PresetOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PresetOrigin::Folder(path) => write!(f, "{}", path.display()),
            PresetOrigin::BuiltIn => write!(f, "the presets built into this binary"),
        }
    }
}

/// The presets available to this invocation.
#[derive(Debug, Clone)]
pub struct PresetCatalog {
    pub presets: PresetSet,
    pub origin: PresetOrigin,
}

impl PresetCatalog {
    /// `--baselines DIR` if given, else `./baselines/` if it is a folder, else the built-in set.
    pub fn load(explicit: Option<&Path>) -> Result<PresetCatalog, PresetError> {
        match explicit {
            Some(folder) => PresetCatalog::from_folder(folder),
            None if Path::new(DEFAULT_FOLDER).is_dir() => {
                PresetCatalog::from_folder(Path::new(DEFAULT_FOLDER))
            }
            None => PresetCatalog::built_in(),
        }
    }

    fn from_folder(folder: &Path) -> Result<PresetCatalog, PresetError> {
        Ok(PresetCatalog {
            presets: PresetSet::load_dir(folder)?,
            origin: PresetOrigin::Folder(folder.to_path_buf()),
        })
    }

    /// The presets compiled into the binary.
    pub fn built_in() -> Result<PresetCatalog, PresetError> {
        let mut presets = PresetSet::default();
        for (name, text) in BUILT_IN {
            let path = PathBuf::from(format!("(built-in) baselines/{name}.toml"));
            presets.insert(Preset::parse(text, &path)?);
        }
        Ok(PresetCatalog {
            presets,
            origin: PresetOrigin::BuiltIn,
        })
    }

    /// The preset called `name`, checked against `base`: an unknown knob, a value of the wrong
    /// type or a value the automation rejects is an error naming the file, line and knob.
    pub fn checked(&self, name: &str, base: &Knobs) -> Result<&Preset, PresetError> {
        let preset = self.presets.get(name)?;
        preset.apply_validated(base, &check_knobs)?;
        Ok(preset)
    }

    /// Checks every preset against `base` (for listing: a broken file is reported, not hidden).
    pub fn check_all(&self, base: &Knobs) -> Result<(), PresetError> {
        for preset in self.presets.iter() {
            preset.apply_validated(base, &check_knobs)?;
        }
        Ok(())
    }
}

/// The automation's own checks on a configuration, in the form presets report against the
/// line that set the offending knob.
pub fn check_knobs(knobs: &Knobs) -> Result<(), InvalidKnob> {
    knobs.validate().map_err(|error| InvalidKnob {
        knob: error.knob.to_string(),
        problem: format!("{} is not allowed: {}", error.value, error.problem),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(folder: &Path, name: &str, text: &str) {
        std::fs::write(folder.join(format!("{name}.toml")), text).unwrap();
    }

    #[test]
    fn the_built_in_presets_are_the_repository_files_and_all_apply() {
        let catalog = PresetCatalog::built_in().unwrap();
        assert_eq!(
            catalog.presets.names(),
            [
                "current",
                "download_only",
                "optimized",
                "pre_optimization",
                "solo_only"
            ]
        );
        let repository = PresetCatalog::load(Some(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../baselines"),
        ))
        .unwrap();
        for preset in catalog.presets.iter() {
            let on_disk = repository.presets.get(&preset.name).unwrap();
            assert_eq!(
                (&preset.description, &preset.overrides),
                (&on_disk.description, &on_disk.overrides)
            );
        }
        catalog.check_all(&Knobs::default()).unwrap();
    }

    #[test]
    fn an_explicit_folder_wins_and_an_unknown_name_lists_the_available_ones() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "fast",
            "name = \"fast\"\ndescription = \"Short waits\"\n[knobs]\nbetween_tracks_pause = 0.0\n",
        );
        let catalog = PresetCatalog::load(Some(folder.path())).unwrap();
        assert_eq!(
            catalog.origin,
            PresetOrigin::Folder(folder.path().to_path_buf())
        );
        let error = catalog
            .checked("slow", &Knobs::default())
            .unwrap_err()
            .to_string();
        assert_eq!(error, "unknown preset `slow`; available: fast");
    }

    #[test]
    fn a_bad_knob_is_reported_with_file_line_and_knob() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "typo",
            "name = \"typo\"\ndescription = \"d\"\n[knobs]\nsolo_wait = \"fixed\"\nsolo_delay = 3.0\n",
        );
        write(
            folder.path(),
            "negative",
            "name = \"negative\"\ndescription = \"d\"\n[knobs]\n\nbetween_tracks_pause = -1.0\n",
        );
        write(
            folder.path(),
            "text",
            "name = \"text\"\ndescription = \"d\"\n[knobs]\nsolo_max_wait = \"long\"\n",
        );
        let catalog = PresetCatalog::load(Some(folder.path())).unwrap();
        let base = Knobs::default();
        let typo = catalog.checked("typo", &base).unwrap_err().to_string();
        assert!(
            typo.contains("typo.toml:5") && typo.contains("solo_delay"),
            "{typo}"
        );
        let negative = catalog.checked("negative", &base).unwrap_err().to_string();
        assert!(
            negative.contains("negative.toml:5") && negative.contains("between_tracks_pause"),
            "{negative}"
        );
        let text = catalog.checked("text", &base).unwrap_err().to_string();
        assert!(
            text.contains("text.toml:4") && text.contains("solo_max_wait"),
            "{text}"
        );
        assert!(catalog.check_all(&base).is_err());
    }
}
