//! JUnit XML for the regression gate, the format CI systems show as test results: one
//! `<testcase>` per compared key and per hard limit, a `<failure>` for each regression, each
//! untested change the policy does not accept and each broken limit; untestable keys are
//! `<skipped>`; a negligible key (below the practical-significance floor) passes with a
//! `<system-out>` note saying why.

use super::{ExportError, ExportFormat, Exportable, Exporter, xml_escape};
use crate::baseline::{GateReport, KeyComparison, LimitOutcome, Verdict};
use crate::stats::format_change;

/// Writes JUnit XML for the regression gate (one test case per compared key and per limit).
pub struct JunitExporter;

impl Exporter for JunitExporter {
    fn format(&self) -> ExportFormat {
        ExportFormat::Junit
    }

    fn supports(&self, subject: &Exportable<'_>) -> bool {
        matches!(subject, Exportable::Gate(_))
    }

    fn render(&self, subject: &Exportable<'_>) -> Result<String, ExportError> {
        match subject {
            Exportable::Gate(report) => Ok(gate_junit(report)),
            other => Err(ExportError::Unsupported {
                flag: self.format().flag(),
                subject: other.kind(),
            }),
        }
    }
}

enum Outcome {
    Pass,
    PassWithNote(String),
    Failure { kind: &'static str, message: String },
    Skipped(String),
}

fn key_outcome(report: &GateReport, key: &KeyComparison) -> Outcome {
    let change = key.change.map_or_else(|| "–".to_string(), format_change);
    let message = format!(
        "{}: change {change} (threshold ±{:.0}%), success rate {:.0}% → {:.0}%",
        key.verdict.label(),
        key.threshold * 100.0,
        key.baseline.success_rate() * 100.0,
        key.current.success_rate() * 100.0,
    );
    match key.verdict {
        Verdict::Regression => Outcome::Failure {
            kind: "regression",
            message,
        },
        Verdict::FewerSuccesses => Outcome::Failure {
            kind: "fewer_successes",
            message,
        },
        Verdict::UntestedChange if !report.policy.allow_untested => Outcome::Failure {
            kind: "untested_change",
            message: format!(
                "{message}; {}",
                key.untested_because.as_deref().unwrap_or("not testable")
            ),
        },
        Verdict::UntestedChange | Verdict::NotTestable => Outcome::Skipped(format!(
            "{message}; {}",
            key.untested_because.as_deref().unwrap_or("not testable")
        )),
        Verdict::Negligible => Outcome::PassWithNote(format!(
            "negligible: {}",
            key.negligible_because
                .as_deref()
                .unwrap_or("below the floor")
        )),
        _ => Outcome::Pass,
    }
}

fn testcase(classname: &str, name: &str, outcome: &Outcome) -> String {
    let open = format!(
        "    <testcase classname=\"{}\" name=\"{}\"",
        xml_escape(classname),
        xml_escape(name)
    );
    match outcome {
        Outcome::Pass => format!("{open}/>\n"),
        Outcome::PassWithNote(note) => format!(
            "{open}>\n      <system-out>{}</system-out>\n    </testcase>\n",
            xml_escape(note)
        ),
        Outcome::Failure { kind, message } => format!(
            "{open}>\n      <failure type=\"{kind}\" message=\"{}\">{}</failure>\n    </testcase>\n",
            xml_escape(message),
            xml_escape(message)
        ),
        Outcome::Skipped(message) => format!(
            "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>\n",
            xml_escape(message)
        ),
    }
}

fn gate_junit(report: &GateReport) -> String {
    let mut cases = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    let mut count = |outcome: &Outcome| {
        tests += 1;
        match outcome {
            Outcome::Failure { .. } => failures += 1,
            Outcome::Skipped(_) => skipped += 1,
            Outcome::Pass | Outcome::PassWithNote(_) => {}
        }
    };
    for key in &report.keys {
        let outcome = key_outcome(report, key);
        count(&outcome);
        cases.push_str(&testcase(&format!("gate.{}", key.tier), &key.key, &outcome));
    }
    for check in &report.limits {
        let outcome = match check.outcome {
            LimitOutcome::Pass => Outcome::Pass,
            LimitOutcome::Fail => Outcome::Failure {
                kind: "hard_limit",
                message: format!(
                    "hard limit {} broken: actual {:.0} ns",
                    check.limit,
                    check.actual_ns.unwrap_or(f64::NAN)
                ),
            },
            LimitOutcome::NotMeasured => Outcome::Skipped("key absent from the run".to_string()),
        };
        count(&outcome);
        cases.push_str(&testcase("gate.limit", &check.limit.to_string(), &outcome));
    }
    let suite = xml_escape(&format!(
        "regression gate: {} vs {}",
        report.current.name, report.baseline.name
    ));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"regression gate\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\">\n  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}
