//! Helpers shared by the profiler's integration tests: false-alarm rates over seeded trials and
//! the CI exporters' output.

#![allow(dead_code)] // each test file uses a different part

use profiler::export::{ExportFormat, Exportable};

/// The share of the trials `0..trials` for which `significant(trial)` holds.
pub fn share_of_trials(trials: u64, mut significant: impl FnMut(u64) -> bool) -> f64 {
    (0..trials).filter(|&trial| significant(trial)).count() as f64 / trials as f64
}

/// Prints an A/A false-alarm `rate` under `label` and asserts it is at most `limit`.
pub fn assert_a_a_rate_at_most(label: &str, rate: f64, limit: f64) {
    eprintln!("{label}: A/A significant in {rate:.3} of trials");
    assert!(
        rate <= limit,
        "{label}: A/A called significant in {rate:.3} of trials"
    );
}

/// `subject` exported in `format`; panics when the exporter refuses it.
pub fn render(format: ExportFormat, subject: &Exportable<'_>) -> String {
    format.exporter().render(subject).unwrap()
}

/// The JUnit exporter's refusal of `subject` (it exports the regression gate only).
pub fn junit_refusal(subject: &Exportable<'_>) -> String {
    ExportFormat::Junit
        .exporter()
        .render(subject)
        .unwrap_err()
        .to_string()
}
