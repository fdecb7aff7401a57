//! The four tiers a span can opt into.

use serde::{Deserialize, Serialize};

/// Where a span sits in the architecture, from the whole run down to one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// End-to-end: the whole run, one song.
    System,
    /// A package's entry point (authentication, download management, …).
    Component,
    /// An internal step of a component.
    Method,
    /// One external command (a WebDriver call, a file-system check).
    Operation,
}

impl Tier {
    /// The four tiers from the outermost (`System`) to the innermost (`Operation`), the order
    /// reports list them in.
    pub const ALL: [Tier; 4] = [Tier::System, Tier::Component, Tier::Method, Tier::Operation];

    /// The lowercase name a span's `tier` field uses (`"system"` … `"operation"`); the inverse
    /// of [`Tier::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::System => "system",
            Tier::Component => "component",
            Tier::Method => "method",
            Tier::Operation => "operation",
        }
    }

    /// Parses the value of a span's `tier` field. (A `match` on the literals compiles to
    /// a length switch and one inline comparison; this runs for every profiled span.)
    #[inline]
    pub fn parse(value: &str) -> Option<Tier> {
        match value {
            "system" => Some(Tier::System),
            "component" => Some(Tier::Component),
            "method" => Some(Tier::Method),
            "operation" => Some(Tier::Operation),
            _ => None,
        }
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_parses_from_its_name_and_nothing_else_does() {
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()), Some(tier));
        }
        for other in ["", "System", "operations", "comp"] {
            assert_eq!(Tier::parse(other), None, "{other}");
        }
    }
}
