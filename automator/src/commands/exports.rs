//! `--export-json`, `--export-markdown`, `--export-bmf` and `--export-junit`: the CI files of a
//! profiled run, a regression gate or an A/B test, plus the Markdown appended to
//! `$GITHUB_STEP_SUMMARY` for the gate and the A/B test when that variable is set.

use std::path::PathBuf;

use profiler::export::{ExportFormat, Exportable, append_step_summary, write_export};

use super::error::CommandError;
use crate::cli::Cli;

/// What a command exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportSubject {
    Profile,
    Gate,
    AbTest,
}

/// The export files asked for on the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exports {
    pub files: Vec<(ExportFormat, PathBuf)>,
}

impl Exports {
    pub fn from_cli(cli: &Cli) -> Exports {
        let files = [
            (ExportFormat::Json, &cli.export_json),
            (ExportFormat::Markdown, &cli.export_markdown),
            (ExportFormat::Bmf, &cli.export_bmf),
            (ExportFormat::Junit, &cli.export_junit),
        ]
        .into_iter()
        .filter_map(|(format, path)| path.clone().map(|path| (format, path)))
        .collect();
        Exports { files }
    }

    /// Checks, before any run, that each file can hold `subject` (JUnit only for the gate)
    /// and that its folder exists.
    pub fn check(&self, subject: ExportSubject) -> Result<(), CommandError> {
        for (format, path) in &self.files {
            let bad = |problem: String| CommandError::BadFlag {
                flag: format.flag(),
                problem,
            };
            if *format == ExportFormat::Junit && subject != ExportSubject::Gate {
                return Err(bad(
                    "JUnit XML is written for the regression gate only; add --compare NAME|FILE"
                        .to_string(),
                ));
            }
            if path.as_os_str().is_empty() || path.is_dir() {
                return Err(bad(format!("`{}` is not a file name", path.display())));
            }
            if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
                && !folder.is_dir()
            {
                return Err(bad(format!(
                    "folder {} does not exist (create it first)",
                    folder.display()
                )));
            }
        }
        Ok(())
    }

    /// Writes every export of `subject` (atomically) and, for the gate and the A/B test, appends
    /// the Markdown to `$GITHUB_STEP_SUMMARY` when set. Returns the files written.
    pub fn write(&self, subject: &Exportable<'_>) -> Result<Vec<PathBuf>, CommandError> {
        for (format, path) in &self.files {
            write_export(*format, subject, path)?;
        }
        let summarised = matches!(subject, Exportable::Gate(_) | Exportable::AbTest(_));
        if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|_| summarised)
            && !summary.is_empty()
        {
            let markdown = ExportFormat::Markdown.exporter().render(subject)?;
            append_step_summary(&PathBuf::from(summary), &markdown)?;
        }
        Ok(self.files.iter().map(|(_, path)| path.clone()).collect())
    }
}
