//! JSON: the profile and the A/B comparison as they are; the gate's report with its verdict
//! on top (`passed`, `exit_code`, `result`, counts), so CI can read the outcome directly.

use serde_json::json;

use super::{ExportError, ExportFormat, Exportable, Exporter, pretty_json};
use crate::baseline::{GateReport, Verdict};

/// Version of the gate verdict JSON layout.
pub const GATE_EXPORT_SCHEMA: u32 = 1;

/// Writes JSON: a profile or comparison as serialized, a gate report under its verdict.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn format(&self) -> ExportFormat {
        ExportFormat::Json
    }

    fn render(&self, subject: &Exportable<'_>) -> Result<String, ExportError> {
        let value = match subject {
            Exportable::Profile(profile) => serde_json::to_value(profile),
            Exportable::Gate(report) => gate_json(report),
            Exportable::AbTest(comparison) => serde_json::to_value(comparison),
        };
        pretty_json(self.format(), subject, value)
    }
}

fn gate_json(report: &GateReport) -> Result<serde_json::Value, serde_json::Error> {
    Ok(json!({
        "schema": GATE_EXPORT_SCHEMA,
        "kind": "regression_gate",
        "passed": report.passed(),
        "exit_code": report.exit_code(),
        "result": report.result_line(),
        "counts": {
            "regression": report.count(Verdict::Regression),
            "fewer_successes": report.count(Verdict::FewerSuccesses),
            "untested_change": report.count(Verdict::UntestedChange),
            "improvement": report.count(Verdict::Improvement),
            "within_noise": report.count(Verdict::WithinNoise),
            "negligible": report.count(Verdict::Negligible),
            "not_testable": report.count(Verdict::NotTestable),
            "no_change": report.count(Verdict::NoChange),
            "new": report.count(Verdict::New),
            "missing": report.count(Verdict::Missing),
            "limits_broken": report.limit_failures(),
        },
        "report": serde_json::to_value(report)?,
    }))
}
