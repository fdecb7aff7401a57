//! Bencher Metric Format JSON: `{"<benchmark>": {"latency": {"value": ns, "lower_value": ns,
//! "upper_value": ns}}}`. Bencher's built-in `latency` measure is in nanoseconds; lower and
//! upper values are optional.
//!
//! - profile: one benchmark per key, value = mean per call, lower/upper = mean ∓ one standard
//!   deviation (lower clamped at 0);
//! - gate: one benchmark per key of this run, value = geometric mean of the per-run gate
//!   metric over clean runs, lower/upper = smallest and largest per-run value;
//! - A/B: one benchmark per arm (`<preset>/time_per_<unit>`), value = median time per unit,
//!   lower/upper = fastest and slowest run.

use serde_json::{Map, Value, json};

use super::{ExportError, ExportFormat, Exportable, Exporter, pretty_json};

/// Writes Bencher Metric Format JSON, Bencher's `latency` measure in nanoseconds: per key of
/// a profile the mean per call (lower/upper: ∓ one standard deviation), per key of a gate run
/// the geometric mean of the per-run metric (lower/upper: the extreme runs), per A/B arm the
/// median time per unit (lower/upper: the fastest and slowest run).
pub struct BmfExporter;

impl Exporter for BmfExporter {
    fn format(&self) -> ExportFormat {
        ExportFormat::Bmf
    }

    fn render(&self, subject: &Exportable<'_>) -> Result<String, ExportError> {
        let mut benchmarks = Map::new();
        match subject {
            Exportable::Profile(profile) => {
                for key in &profile.keys {
                    let value = key.mean_ns;
                    benchmarks.insert(
                        key.key.clone(),
                        latency(
                            value,
                            (value - key.stddev_ns).max(0.0),
                            value + key.stddev_ns,
                        ),
                    );
                }
            }
            Exportable::Gate(report) => {
                for key in &report.keys {
                    if let (Some(value), Some((low, high))) =
                        (key.current.value_ns, key.current.range_ns)
                    {
                        benchmarks.insert(key.key.clone(), latency(value, low, high));
                    }
                }
            }
            Exportable::AbTest(comparison) => {
                for arm in [&comparison.a, &comparison.b] {
                    if arm.usable_runs == 0 {
                        continue;
                    }
                    let summary = &arm.per_unit;
                    benchmarks.insert(
                        format!("{}/time_per_{}", arm.name, comparison.unit),
                        latency(summary.median * 1e9, summary.min * 1e9, summary.max * 1e9),
                    );
                }
            }
        }
        pretty_json(self.format(), subject, Ok(Value::Object(benchmarks)))
    }
}

fn latency(value: f64, lower: f64, upper: f64) -> Value {
    json!({ "latency": { "value": value, "lower_value": lower, "upper_value": upper } })
}
