//! Everything that can go wrong loading, applying or restoring a preset.

use std::path::PathBuf;

/// Where a knob of a preset was written: file and line when known, else the preset's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: Option<PathBuf>,
    pub preset: String,
    pub line: Option<usize>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.path, self.line) {
            (Some(path), Some(line)) => write!(f, "{}:{line}", path.display()),
            (Some(path), None) => write!(f, "{}", path.display()),
            (None, _) => write!(f, "preset `{}`", self.preset),
        }
    }
}

/// A preset problem, as one line saying what, where and how to fix it. Locations are boxed
/// to keep the error small on the happy path.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error("cannot read preset file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot list preset folder {}: {source} (check the path)", path.display())]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "{}: preset name `{name}` differs from the file name `{stem}.toml`; make them equal",
        path.display()
    )]
    NameMismatch {
        path: PathBuf,
        name: String,
        stem: String,
    },
    #[error(
        "{location}: preset name `{name}` may only use letters, digits, `_` and `-` (it becomes part of file names)"
    )]
    BadName {
        location: Box<Location>,
        name: String,
    },
    #[error("unknown preset `{name}`; available: {}", available_list(.available))]
    UnknownPreset {
        name: String,
        available: Vec<String>,
    },
    #[error("{location}: unknown knob `{knob}`{}; known knobs: {}", suggestion_text(.suggestion), .known.join(", "))]
    UnknownKnob {
        location: Box<Location>,
        knob: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    #[error(
        "{location}: knob `{knob}` must be {expected} (the default is {default}), found {found}"
    )]
    WrongType {
        location: Box<Location>,
        knob: String,
        expected: String,
        default: String,
        found: String,
    },
    #[error("{location}: knob `{knob}` has a bad value: {message}")]
    BadValue {
        location: Box<Location>,
        knob: String,
        message: String,
    },
    #[error(
        "the configuration cannot be written as TOML ({0}); use only TOML-representable fields"
    )]
    NotRepresentable(String),
    #[error(
        "cannot apply preset `{requested}`: preset `{active}` is still applied; drop its guard first"
    )]
    AlreadyApplied { requested: String, active: String },
    #[error("cannot install the Ctrl-C handler: {0}")]
    InterruptHandler(String),
}

fn available_list(available: &[String]) -> String {
    if available.is_empty() {
        "none (the preset folder has no .toml files)".to_string()
    } else {
        available.join(", ")
    }
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|knob| format!(" (did you mean `{knob}`?)"))
        .unwrap_or_default()
}

/// A configuration value rejected by the application's own validation (ranges, relations
/// between knobs), reported against the preset line that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidKnob {
    pub knob: String,
    pub problem: String,
}
