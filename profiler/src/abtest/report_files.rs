//! The comparison's report files side by side: `<stem>.json`, `<stem>.md` and `<stem>.html`,
//! each written atomically (a reader never sees half a file).

use std::path::{Path, PathBuf};

use super::comparison::Comparison;

/// A report file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source} (check that the folder is writable)", path.display())]
pub struct ReportFileError {
    /// The file (or folder) that could not be written.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: std::io::Error,
}

impl Comparison {
    /// Writes the JSON ([`Comparison::to_json`]), Markdown ([`Comparison::render_markdown`])
    /// and HTML ([`crate::html::render_comparison`]) reports as `<dir>/<stem>.<ext>`, creating
    /// `dir`; returns the paths in that order.
    ///
    /// # Errors
    ///
    /// [`ReportFileError`] naming the folder or file that could not be created or written; files
    /// written before it stay.
    pub fn write_reports(&self, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ReportFileError> {
        self.write_reports_with(dir, stem, &crate::html::RunContext::default())
    }

    /// [`Comparison::write_reports`] with the HTML header completed by `context` (time
    /// scale, target, further facts; see [`crate::html::render_comparison_with`]).
    pub fn write_reports_with(
        &self,
        dir: &Path,
        stem: &str,
        context: &crate::html::RunContext,
    ) -> Result<Vec<PathBuf>, ReportFileError> {
        write_side_by_side(
            dir,
            stem,
            [
                ("json", self.to_json()),
                ("md", self.render_markdown()),
                ("html", crate::html::render_comparison_with(self, context)),
            ],
        )
    }
}

/// Writes each `(extension, contents)` as `<dir>/<stem>.<extension>`, atomically, creating
/// `dir`; returns the paths in the order given. Files written before a failure stay.
pub(crate) fn write_side_by_side<const N: usize>(
    dir: &Path,
    stem: &str,
    files: [(&str, String); N],
) -> Result<Vec<PathBuf>, ReportFileError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportFileError {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for (extension, contents) in files {
        let path = dir.join(format!("{stem}.{extension}"));
        crate::atomic::write_atomic(&path, contents.as_bytes()).map_err(|source| {
            ReportFileError {
                path: path.clone(),
                source,
            }
        })?;
        written.push(path);
    }
    Ok(written)
}
