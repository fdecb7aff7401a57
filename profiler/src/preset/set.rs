//! All presets of a folder (one TOML file each), looked up by name.

use std::collections::BTreeMap;
use std::path::Path;

use super::definition::Preset;
use super::error::PresetError;

/// The presets of one folder, sorted by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PresetSet {
    presets: BTreeMap<String, Preset>,
}

impl PresetSet {
    /// Loads every `*.toml` file of `folder`. Each preset's `name` must equal its file name
    /// (so `--baseline-test NAME` and the file agree); a bad file fails the whole load with an
    /// error naming it, rather than silently dropping a preset someone meant to use.
    ///
    /// # Errors
    ///
    /// [`PresetError::ReadDir`] when the folder cannot be listed, and the first file's error of
    /// [`Preset::load`].
    pub fn load_dir(folder: &Path) -> Result<PresetSet, PresetError> {
        let read_dir_error = |source| PresetError::ReadDir {
            path: folder.to_path_buf(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(folder).map_err(read_dir_error)? {
            let path = entry.map_err(read_dir_error)?.path();
            if path
                .extension()
                .is_some_and(|extension| extension == "toml")
                && path.is_file()
            {
                paths.push(path);
            }
        }
        paths.sort();
        let mut set = PresetSet::default();
        for path in paths {
            let preset = Preset::load(&path)?;
            let stem = path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            if preset.name != stem {
                return Err(PresetError::NameMismatch {
                    path,
                    name: preset.name,
                    stem,
                });
            }
            set.insert(preset);
        }
        Ok(set)
    }

    /// Adds or replaces a preset (e.g. one built in code).
    pub fn insert(&mut self, preset: Preset) {
        self.presets.insert(preset.name.clone(), preset);
    }

    /// The preset called `name`; an unknown name lists the available ones.
    ///
    /// # Errors
    ///
    /// [`PresetError::UnknownPreset`] listing the available names.
    pub fn get(&self, name: &str) -> Result<&Preset, PresetError> {
        self.presets
            .get(name)
            .ok_or_else(|| PresetError::UnknownPreset {
                name: name.to_string(),
                available: self.names(),
            })
    }

    /// The presets' names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.presets.keys().cloned().collect()
    }

    /// Presets in name order.
    pub fn iter(&self) -> impl Iterator<Item = &Preset> {
        self.presets.values()
    }

    /// How many presets the set holds.
    pub fn len(&self) -> usize {
        self.presets.len()
    }

    /// Whether the set holds no preset.
    pub fn is_empty(&self) -> bool {
        self.presets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(folder: &Path, file: &str, text: &str) {
        std::fs::write(folder.join(file), text).unwrap();
    }

    #[test]
    fn loads_toml_files_sorted_by_name_and_ignores_other_files() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "zeta.toml",
            "name = \"zeta\"\ndescription = \"z\"\n",
        );
        write(
            folder.path(),
            "alpha.toml",
            "name = \"alpha\"\ndescription = \"a\"\n[knobs]\nx = 1\n",
        );
        write(folder.path(), "notes.md", "not a preset");
        let set = PresetSet::load_dir(folder.path()).unwrap();
        assert_eq!(set.names(), vec!["alpha", "zeta"]);
        assert_eq!(
            set.get("alpha").unwrap().overrides["x"].as_integer(),
            Some(1)
        );
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn unknown_names_list_what_is_available() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "fast.toml",
            "name = \"fast\"\ndescription = \"f\"\n",
        );
        write(
            folder.path(),
            "slow.toml",
            "name = \"slow\"\ndescription = \"s\"\n",
        );
        let set = PresetSet::load_dir(folder.path()).unwrap();
        assert_eq!(
            set.get("fastest").unwrap_err().to_string(),
            "unknown preset `fastest`; available: fast, slow"
        );
        assert!(
            PresetSet::default()
                .get("x")
                .unwrap_err()
                .to_string()
                .contains("available: none")
        );
    }

    #[test]
    fn a_bad_file_or_a_name_that_differs_from_the_file_fails_the_load_naming_the_file() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "fast.toml",
            "name = \"quick\"\ndescription = \"f\"\n",
        );
        let error = PresetSet::load_dir(folder.path()).unwrap_err().to_string();
        assert!(
            error.contains("fast.toml: preset name `quick` differs from the file name `fast.toml`"),
            "{error}"
        );

        write(
            folder.path(),
            "fast.toml",
            "name = \"fast\"\ndescription = \"f\"\n[knobs\n",
        );
        let error = PresetSet::load_dir(folder.path()).unwrap_err().to_string();
        assert!(error.contains("fast.toml:3: "), "{error}");

        let missing = PresetSet::load_dir(&folder.path().join("nope"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.starts_with("cannot list preset folder"),
            "{missing}"
        );
    }
}
