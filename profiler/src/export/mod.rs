//! CI exports of a profile, a regression-gate report and an A/B comparison, after hyperfine's
//! design: one small exporter per format behind one trait ([`Exporter`]), chosen by
//! [`ExportFormat`], each turning an [`Exportable`] into the file's text.
//!
//! | format     | profile            | gate                         | A/B                 |
//! |------------|--------------------|------------------------------|---------------------|
//! | JSON       | the profile        | verdict + full report        | the comparison      |
//! | Markdown   | key table          | verdict + key table          | the comparison      |
//! | BMF        | latency per key    | latency per key (this run)   | latency per arm     |
//! | JUnit XML  | –                  | one test case per key/limit  | –                   |
//!
//! Files are written atomically ([`write_export`]); Markdown can also be appended to GitHub's
//! step summary ([`append_step_summary`]).

mod bmf;
mod json;
mod junit;
mod markdown;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::abtest::Comparison;
use crate::baseline::GateReport;
use crate::profile::Profile;

pub use bmf::BmfExporter;
pub use json::JsonExporter;
pub use junit::JunitExporter;
pub use markdown::MarkdownExporter;

/// What can be exported.
#[derive(Debug, Clone, Copy)]
pub enum Exportable<'a> {
    /// One profiling session ([`Profile`]).
    Profile(&'a Profile),
    /// A regression gate's verdict and per-key report ([`GateReport`]).
    Gate(&'a GateReport),
    /// An A/B comparison of two presets ([`Comparison`]).
    AbTest(&'a Comparison),
}

impl Exportable<'_> {
    /// What it is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Exportable::Profile(_) => "a profile",
            Exportable::Gate(_) => "a regression gate",
            Exportable::AbTest(_) => "an A/B test",
        }
    }
}

/// The export formats, one per command-line flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `--export-json`
    Json,
    /// `--export-markdown`
    Markdown,
    /// `--export-bmf`: Bencher Metric Format JSON.
    Bmf,
    /// `--export-junit`: JUnit XML (gate only).
    Junit,
}

impl ExportFormat {
    /// Every format, in the order their flags are listed.
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::Json,
        ExportFormat::Markdown,
        ExportFormat::Bmf,
        ExportFormat::Junit,
    ];

    /// The command-line flag that asks for this format.
    pub fn flag(self) -> &'static str {
        match self {
            ExportFormat::Json => "--export-json",
            ExportFormat::Markdown => "--export-markdown",
            ExportFormat::Bmf => "--export-bmf",
            ExportFormat::Junit => "--export-junit",
        }
    }

    /// The exporter of this format.
    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            ExportFormat::Json => Box::new(JsonExporter),
            ExportFormat::Markdown => Box::new(MarkdownExporter),
            ExportFormat::Bmf => Box::new(BmfExporter),
            ExportFormat::Junit => Box::new(JunitExporter),
        }
    }
}

/// Turns an [`Exportable`] into the text of one file format.
pub trait Exporter {
    /// The format this exporter writes.
    fn format(&self) -> ExportFormat;

    /// Whether this format can represent `subject`; every subject unless the format says
    /// otherwise (JUnit is for the gate only).
    fn supports(&self, _subject: &Exportable<'_>) -> bool {
        true
    }

    /// The file's text; [`ExportError::Unsupported`] when `supports` is false.
    ///
    /// # Errors
    ///
    /// [`ExportError::Unsupported`] when the format cannot represent `subject`,
    /// [`ExportError::Serialize`] when JSON serialization fails.
    fn render(&self, subject: &Exportable<'_>) -> Result<String, ExportError>;
}

/// Why an export could not be written, as one line naming the flag or file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The format cannot represent the subject (JUnit XML for anything but the gate).
    #[error(
        "{flag} cannot export {subject} (JUnit XML is written for the regression gate, --compare)"
    )]
    Unsupported {
        /// The flag that asked for it, e.g. `--export-junit`.
        flag: &'static str,
        /// What was to be exported ([`Exportable::kind`]).
        subject: &'static str,
    },
    /// `serde_json` could not serialize the subject.
    #[error("{flag}: cannot serialize {subject}: {message}")]
    Serialize {
        /// The flag that asked for it.
        flag: &'static str,
        /// What was to be exported ([`Exportable::kind`]).
        subject: &'static str,
        /// `serde_json`'s message.
        message: String,
    },
    /// The export file could not be written (or renamed into place).
    #[error("{flag}: cannot write {}: {source} (check that the folder exists and is writable)", path.display())]
    Write {
        /// The flag that asked for it.
        flag: &'static str,
        /// The file that was being written.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The GitHub step summary file could not be opened or appended to.
    #[error("cannot append to the GitHub step summary {}: {source}", path.display())]
    StepSummary {
        /// The file `$GITHUB_STEP_SUMMARY` names.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// Renders `subject` in `format` and writes it to `path` atomically (a temporary file in the
/// same folder, renamed into place).
///
/// # Errors
///
/// As [`Exporter::render`], and [`ExportError::Write`] when the file cannot be written (an
/// existing file is left as it was).
pub fn write_export(
    format: ExportFormat,
    subject: &Exportable<'_>,
    path: &Path,
) -> Result<(), ExportError> {
    let text = format.exporter().render(subject)?;
    crate::atomic::write_atomic(path, text.as_bytes()).map_err(|source| ExportError::Write {
        flag: format.flag(),
        path: path.to_path_buf(),
        source,
    })
}

/// Appends `markdown` to the file GitHub Actions names in `$GITHUB_STEP_SUMMARY` (appending,
/// not replacing, is that file's contract: every step adds its part).
///
/// # Errors
///
/// [`ExportError::StepSummary`] when the file cannot be opened or appended to.
pub fn append_step_summary(path: &Path, markdown: &str) -> Result<(), ExportError> {
    let failed = |source| ExportError::StepSummary {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(failed)?;
    file.write_all(format!("{markdown}\n").as_bytes())
        .map_err(failed)
}

/// `value` as pretty-printed JSON text ending in a newline, the body of the JSON and BMF
/// exports; a serialization failure becomes [`ExportError::Serialize`] naming `format`'s flag.
fn pretty_json(
    format: ExportFormat,
    subject: &Exportable<'_>,
    value: Result<serde_json::Value, serde_json::Error>,
) -> Result<String, ExportError> {
    let serialize_error = |error: serde_json::Error| ExportError::Serialize {
        flag: format.flag(),
        subject: subject.kind(),
        message: error.to_string(),
    };
    let mut text =
        serde_json::to_string_pretty(&value.map_err(serialize_error)?).map_err(serialize_error)?;
    text.push('\n');
    Ok(text)
}

/// `text` with the five XML special characters escaped (and other control characters
/// dropped, since XML 1.0 cannot carry them).
pub(crate) fn xml_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\n' | '\t' | '\r' => escaped.push(character),
            control if control.is_control() => {}
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_special_characters_are_escaped_and_controls_dropped() {
        assert_eq!(
            xml_escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
    }

    #[test]
    fn the_step_summary_is_appended_to() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("summary.md");
        std::fs::write(&path, "# earlier step\n").unwrap();
        append_step_summary(&path, "## gate").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# earlier step\n## gate\n"
        );
    }
}
