//! The JSON report: the [`Profile`] as is, schema 1 (documented field by field in the
//! crate README).

use crate::profile::Profile;

/// Pretty-printed JSON of `profile`; [`parse`] reads it back unchanged.
pub fn render(profile: &Profile) -> String {
    serde_json::to_string_pretty(profile).unwrap_or_else(|error| {
        unreachable!("a Profile holds only strings, numbers and lists: {error}")
    })
}

/// Reads a JSON report, e.g. one written by an earlier run.
///
/// # Errors
///
/// `serde_json`'s error (with line and column) when the text is not a profile report.
pub fn parse(text: &str) -> Result<Profile, serde_json::Error> {
    serde_json::from_str(text)
}
