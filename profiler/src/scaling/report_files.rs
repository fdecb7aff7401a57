//! The scaling report's files side by side: `<stem>.json`, `<stem>.txt` and `<stem>.html`,
//! each written atomically (a reader never sees half a file).

use std::path::{Path, PathBuf};

use super::report::ScalingReport;
use crate::abtest::ReportFileError;
use crate::abtest::report_files::write_side_by_side;
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
        write_side_by_side(
            dir,
            stem,
            [
                ("json", self.to_json()),
                ("txt", self.render_text()),
                ("html", crate::html::render_scaling(self, context)),
            ],
        )
    }
}
