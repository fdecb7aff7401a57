//! Markdown: the gate's and the A/B's own renderings; for a profile, one table row per key.

use super::{ExportError, ExportFormat, Exportable, Exporter};
use crate::baseline::markdown_cell;
use crate::profile::Profile;
use crate::stats::format_duration_ns;

/// Writes Markdown: the gate's and the A/B comparison's own tables, one row per key for a
/// profile.
pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn format(&self) -> ExportFormat {
        ExportFormat::Markdown
    }

    fn supports(&self, _subject: &Exportable<'_>) -> bool {
        true
    }

    fn render(&self, subject: &Exportable<'_>) -> Result<String, ExportError> {
        Ok(match subject {
            Exportable::Profile(profile) => profile_markdown(profile),
            Exportable::Gate(report) => report.render_markdown(),
            Exportable::AbTest(comparison) => comparison.render_markdown(),
        })
    }
}

/// Keys slowest total first, with calls, failures and the per-call distribution.
fn profile_markdown(profile: &Profile) -> String {
    let mut text = format!(
        "## Profile: {}\n\n- started: {}\n- wall time: {}\n\n| key | tier | calls | failed | total | mean | p50 | p95 | max |\n|---|---|---|---|---|---|---|---|---|\n",
        markdown_cell(&profile.session.name),
        profile.session.started_at,
        format_duration_ns(profile.session.duration_ns as f64),
    );
    for key in &profile.keys {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            markdown_cell(&key.key),
            key.tier,
            key.count,
            key.failures,
            format_duration_ns(key.total_ns as f64),
            format_duration_ns(key.mean_ns),
            format_duration_ns(key.p50_ns as f64),
            format_duration_ns(key.p95_ns as f64),
            format_duration_ns(key.max_ns as f64),
        ));
    }
    text
}
