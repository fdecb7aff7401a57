//! Everything that can go wrong loading, applying or restoring a preset.

use std::path::PathBuf;

/// Where a knob of a preset was written: file and line when known, else the preset's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The preset file, `None` for a preset built in code.
    pub path: Option<PathBuf>,
    /// The preset's name, shown when there is no file.
    pub preset: String,
    /// 1-based line of the knob in `path`, when known.
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
    /// A preset file could not be read.
    #[error("cannot read preset file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The preset folder could not be listed.
    #[error("cannot list preset folder {}: {source} (check the path)", path.display())]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or not a preset (`name`, `description`, `[knobs]`; unknown
    /// top-level keys are refused).
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// The TOML parser's message.
        message: String,
    },
    /// The preset's `name` differs from its file name (without `.toml`); they must agree.
    #[error(
        "{}: preset name `{name}` differs from the file name `{stem}.toml`; make them equal",
        path.display()
    )]
    NameMismatch {
        /// The file.
        path: PathBuf,
        /// The `name` written in it.
        name: String,
        /// The file name without `.toml`.
        stem: String,
    },
    /// The preset's name has characters other than letters, digits, `_` and `-`.
    #[error(
        "{location}: preset name `{name}` may only use letters, digits, `_` and `-` (it becomes part of file names)"
    )]
    BadName {
        /// Where the name was written.
        location: Box<Location>,
        /// The name as written.
        name: String,
    },
    /// No preset of that name; the message lists the available ones.
    #[error("unknown preset `{name}`; available: {}", available_list(.available))]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The names of the presets there are, sorted.
        available: Vec<String>,
    },
    /// A knob the configuration does not have; the message suggests the closest known knob.
    #[error("{location}: unknown knob `{knob}`{}; known knobs: {}", suggestion_text(.suggestion), .known.join(", "))]
    UnknownKnob {
        /// Where the knob was written.
        location: Box<Location>,
        /// The knob as written, dotted for nested tables.
        knob: String,
        /// The closest known knob by edit distance, if any is close.
        suggestion: Option<String>,
        /// Every knob at that level of the configuration.
        known: Vec<String>,
    },
    /// The knob's value has another TOML type than the configuration's default (an integer is
    /// accepted for a float knob).
    #[error(
        "{location}: knob `{knob}` must be {expected} (the default is {default}), found {found}"
    )]
    WrongType {
        /// Where the knob was written.
        location: Box<Location>,
        /// The knob, dotted for nested tables.
        knob: String,
        /// The default's type with an article, e.g. `a float`.
        expected: String,
        /// The default value, as TOML.
        default: String,
        /// The type and value written, e.g. `a string "5"`.
        found: String,
    },
    /// The configuration rejects the value: deserialization failed (e.g. an unknown enum variant)
    /// or the application's validator refused it ([`InvalidKnob`]).
    #[error("{location}: knob `{knob}` has a bad value: {message}")]
    BadValue {
        /// Where the blamed knob was written (the preset itself when only a combination fails).
        location: Box<Location>,
        /// The knob blamed, or every knob of the preset, comma-separated, when only the combination
        /// fails.
        knob: String,
        /// Why, from serde or the validator.
        message: String,
    },
    /// The configuration cannot be converted to a TOML table (e.g. a map with non-string keys),
    /// so presets cannot be laid over it.
    #[error(
        "the configuration cannot be written as TOML ({0}); use only TOML-representable fields"
    )]
    NotRepresentable(String),
    /// Another preset is applied to the same live configuration; presets do not stack.
    #[error(
        "cannot apply preset `{requested}`: preset `{active}` is still applied; drop its guard first"
    )]
    AlreadyApplied {
        /// The preset that was to be applied.
        requested: String,
        /// The preset still applied.
        active: String,
    },
    /// The Ctrl-C/SIGTERM handler could not be installed (another handler is set already).
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
    /// The knob the application refuses, dotted for nested tables.
    pub knob: String,
    /// Why, as a phrase that completes "knob `x` has a bad value: …".
    pub problem: String,
}
