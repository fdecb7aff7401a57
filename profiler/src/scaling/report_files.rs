//! The scaling report's files side by side: `<stem>.json`, `<stem>.txt` and `<stem>.html`,
//! each written atomically (a reader never sees half a file).

use std::path::{Path, PathBuf};

use super::report::ScalingReport;
use crate::abtest::ReportFileError;
use crate::html::RunContext;

impl ScalingReport {
    /// Writes the JSON ([`ScalingReport::to_json`]), text ([`ScalingReport::render_text`])
    /// and HTML ([`crate::html::render_scaling`] with `context`) reports as
    /// `<dir>/<stem>.<ext>`, creating `dir`; returns the paths in that order.
    pub fn write_reports(
        &self,
        dir: &Path,
        stem: &str,
        context: &RunContext,
    ) -> Result<Vec<PathBuf>, ReportFileError> {
        std::fs::create_dir_all(dir).map_err(|source| ReportFileError {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut written = Vec::new();
        for (extension, contents) in [
            ("json", self.to_json()),
            ("txt", self.render_text()),
            ("html", crate::html::render_scaling(self, context)),
        ] {
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
}
