//! Fault injection: which failures the stage injects, how often, and the seeded draw that decides
//! each opportunity, so a faulty run is reproducible from `--faults SPEC --seed N`.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde::Serialize;

use super::seeded::rng_for;

/// A kind of failure the stage can inject. Each has its own "opportunity" (see [`FaultKind::opportunity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The server answers 500 instead of handling the request.
    Http500,
    /// A solo request is accepted but never applied.
    SoloStuck,
    /// Mix generation ends in an error.
    MixFail,
    /// Mix generation never finishes.
    MixStuck,
    /// The mix is made from the solo state of the song's previous mix request, as a server
    /// that has not applied the latest solo yet does: a wrong mix, named after that track.
    StaleMix,
    /// The download transfers ten times slower than normal.
    SlowDownload,
    /// The download connection is cut halfway through the file.
    CutDownload,
    /// The download stops sending halfway through the file and keeps the connection open
    /// (the browser's partial file stops growing and never finishes).
    StallDownload,
    /// The session expires just before an authenticated request is handled.
    SessionExpiry,
}

impl FaultKind {
    /// Every fault kind, in spec order.
    pub const ALL: [FaultKind; 9] = [
        FaultKind::Http500,
        FaultKind::SoloStuck,
        FaultKind::MixFail,
        FaultKind::MixStuck,
        FaultKind::StaleMix,
        FaultKind::SlowDownload,
        FaultKind::CutDownload,
        FaultKind::StallDownload,
        FaultKind::SessionExpiry,
    ];

    /// The name used in a fault spec, e.g. `solo_stuck`.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Http500 => "http500",
            FaultKind::SoloStuck => "solo_stuck",
            FaultKind::MixFail => "mix_fail",
            FaultKind::MixStuck => "mix_stuck",
            FaultKind::StaleMix => "stale_mix",
            FaultKind::SlowDownload => "slow_download",
            FaultKind::CutDownload => "cut_download",
            FaultKind::StallDownload => "stall_download",
            FaultKind::SessionExpiry => "session_expiry",
        }
    }

    /// What one opportunity (one draw) for this fault is.
    pub fn opportunity(self) -> &'static str {
        match self {
            FaultKind::Http500 => {
                "each page load, login, solo, mix or download request (not state long-polls)"
            }
            FaultKind::SoloStuck => "each solo request",
            FaultKind::MixFail | FaultKind::MixStuck => "each mix request",
            FaultKind::StaleMix => {
                "each mix request whose solo state differs from the song's previous mix request"
            }
            FaultKind::SlowDownload | FaultKind::CutDownload | FaultKind::StallDownload => {
                "each download"
            }
            FaultKind::SessionExpiry => {
                "each authenticated page, solo, mix or download request (not state long-polls)"
            }
        }
    }

    fn from_name(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The fault-spec name of the leaking song page (`leak=MB`, a size rather than a probability).
const LEAK: &str = "leak";
/// The fault-spec name of the slow cold start (`cold=SECONDS`, a duration rather than a
/// probability).
const COLD: &str = "cold";

/// Why a fault spec was rejected; each variant names the offending part.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultSpecError {
    /// A comma-separated part has no `=`.
    #[error("fault spec part `{part}` has no `=`: write NAME=PROBABILITY, e.g. http500=0.05")]
    MissingEquals { part: String },
    /// The name before `=` is not a known fault.
    #[error("unknown fault `{name}` in fault spec; known faults: {known}")]
    UnknownFault { name: String, known: String },
    /// The value after `=` is not a number.
    #[error(
        "fault `{name}` has probability `{value}`, which is not a number; use a value in [0, 1]"
    )]
    NotANumber { name: String, value: String },
    /// The probability is outside [0, 1].
    #[error("fault `{name}` has probability {value}, outside [0, 1]")]
    OutOfRange { name: String, value: f64 },
    /// The same fault appears twice.
    #[error("fault `{name}` is given twice in the fault spec; give each fault once")]
    Duplicate { name: String },
}

/// How often each fault is injected: a probability per opportunity. Off (all zero) by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FaultSpec {
    probabilities: Vec<(FaultKind, f64)>,
    /// `leak=MB`: every song page visit makes the browser retain this many MiB (a hidden
    /// window holding a filled buffer), a deliberately leaking workload for soak tests.
    leak_mb: u32,
    /// `cold=SECONDS`: the first solo request of every login session waits this long (times
    /// the time scale) before it is accepted, a cold start only the first track of each
    /// browser session pays.
    cold_seconds: f64,
}

impl FaultSpec {
    /// No faults.
    pub fn none() -> FaultSpec {
        FaultSpec::default()
    }

    /// Parses `name=probability` pairs separated by commas, e.g.
    /// `http500=0.05,solo_stuck=0.05`. An empty spec or `none` means no faults.
    pub fn parse(spec: &str) -> Result<FaultSpec, FaultSpecError> {
        let spec = spec.trim();
        let mut parsed = FaultSpec::none();
        if spec.is_empty() || spec == "none" {
            return Ok(parsed);
        }
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) =
                part.split_once('=')
                    .ok_or_else(|| FaultSpecError::MissingEquals {
                        part: part.to_owned(),
                    })?;
            let (name, value) = (name.trim(), value.trim());
            if name == LEAK {
                parsed.leak_mb = value.parse().map_err(|_| FaultSpecError::NotANumber {
                    name: name.to_owned(),
                    value: value.to_owned(),
                })?;
                continue;
            }
            if name == COLD {
                parsed.cold_seconds = value
                    .parse()
                    .ok()
                    .filter(|seconds: &f64| seconds.is_finite() && *seconds >= 0.0)
                    .ok_or_else(|| FaultSpecError::NotANumber {
                        name: name.to_owned(),
                        value: value.to_owned(),
                    })?;
                continue;
            }
            let kind = FaultKind::from_name(name).ok_or_else(|| FaultSpecError::UnknownFault {
                name: name.to_owned(),
                known: FaultKind::ALL.map(FaultKind::name).join(", "),
            })?;
            let probability: f64 = value.parse().map_err(|_| FaultSpecError::NotANumber {
                name: name.to_owned(),
                value: value.to_owned(),
            })?;
            if !(0.0..=1.0).contains(&probability) {
                return Err(FaultSpecError::OutOfRange {
                    name: name.to_owned(),
                    value: probability,
                });
            }
            if parsed.probabilities.iter().any(|(k, _)| *k == kind) {
                return Err(FaultSpecError::Duplicate {
                    name: name.to_owned(),
                });
            }
            parsed.probabilities.push((kind, probability));
        }
        Ok(parsed)
    }

    /// Sets one fault's probability (builder style, for tests and programs).
    pub fn with(mut self, kind: FaultKind, probability: f64) -> FaultSpec {
        self.probabilities.retain(|(k, _)| *k != kind);
        self.probabilities.push((kind, probability.clamp(0.0, 1.0)));
        self
    }

    /// The probability of `kind` per opportunity (0 when not in the spec).
    pub fn probability(&self, kind: FaultKind) -> f64 {
        self.probabilities
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0.0, |(_, p)| *p)
    }

    /// MiB every song page visit leaves behind in the browser (`leak=MB`; 0 = none).
    pub fn leak_mb(&self) -> u32 {
        self.leak_mb
    }

    /// Seconds (before the time scale) the first solo request of each login session waits
    /// (`cold=SECONDS`; 0 = none).
    pub fn cold_seconds(&self) -> f64 {
        self.cold_seconds
    }

    /// True when no fault can ever fire.
    pub fn is_none(&self) -> bool {
        self.probabilities.iter().all(|(_, p)| *p == 0.0)
            && self.leak_mb == 0
            && self.cold_seconds == 0.0
    }

    /// Decides one opportunity: fires with the fault's probability, determined by `seed` and
    /// `key` alone (the same seed and key always give the same answer).
    pub fn fires(&self, kind: FaultKind, seed: u64, key: &str) -> bool {
        let probability = self.probability(kind);
        if probability <= 0.0 {
            return false;
        }
        let draw: f64 = rng_for(seed, &format!("fault|{}|{key}", kind.name())).random();
        draw < probability
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<FaultSpec, FaultSpecError> {
        FaultSpec::parse(spec)
    }
}

impl fmt::Display for FaultSpec {
    /// Canonical spec text (`none` when empty), parseable by [`FaultSpec::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut active: Vec<_> = self
            .probabilities
            .iter()
            .filter(|(_, p)| *p > 0.0)
            .collect();
        if active.is_empty() && self.leak_mb == 0 && self.cold_seconds == 0.0 {
            return f.write_str("none");
        }
        active.sort_by_key(|(kind, _)| *kind);
        let mut parts: Vec<String> = active
            .iter()
            .map(|(kind, p)| format!("{}={p}", kind.name()))
            .collect();
        if self.leak_mb > 0 {
            parts.push(format!("{LEAK}={}", self.leak_mb));
        }
        if self.cold_seconds > 0.0 {
            parts.push(format!("{COLD}={}", self.cold_seconds));
        }
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cold_start_is_seconds_and_round_trips() {
        let spec = FaultSpec::parse("cold=40").unwrap();
        assert_eq!(spec.cold_seconds(), 40.0);
        assert!(!spec.is_none());
        assert_eq!(spec.to_string(), "cold=40");
        assert!(matches!(
            FaultSpec::parse("cold=-1"),
            Err(FaultSpecError::NotANumber { .. })
        ));
    }

    #[test]
    fn a_leak_is_a_size_in_mb_and_round_trips() {
        let spec = FaultSpec::parse("leak=20,http500=0.1").unwrap();
        assert_eq!(spec.leak_mb(), 20);
        assert!(!spec.is_none());
        assert_eq!(spec.to_string(), "http500=0.1,leak=20");
        assert_eq!(FaultSpec::parse(&spec.to_string()).unwrap(), spec);
        assert_eq!(FaultSpec::none().leak_mb(), 0);
        assert!(matches!(
            FaultSpec::parse("leak=lots"),
            Err(FaultSpecError::NotANumber { .. })
        ));
    }

    #[test]
    fn parses_the_full_example_spec() {
        let spec = FaultSpec::parse(
            "http500=0.05,solo_stuck=0.05,mix_fail=0.05,mix_stuck=0.02,slow_download=0.1,cut_download=0.02,session_expiry=0.01",
        )
        .unwrap();
        assert_eq!(spec.probability(FaultKind::Http500), 0.05);
        assert_eq!(spec.probability(FaultKind::MixStuck), 0.02);
        assert_eq!(spec.probability(FaultKind::SlowDownload), 0.1);
        assert_eq!(spec.probability(FaultKind::SessionExpiry), 0.01);
        assert!(!spec.is_none());
    }

    #[test]
    fn empty_and_none_mean_no_faults() {
        assert!(FaultSpec::parse("").unwrap().is_none());
        assert!(FaultSpec::parse(" none ").unwrap().is_none());
        assert_eq!(FaultSpec::none().probability(FaultKind::MixFail), 0.0);
    }

    #[test]
    fn tolerates_spaces_and_trailing_commas() {
        let spec: FaultSpec = " mix_fail = 0.5 , ".parse().unwrap();
        assert_eq!(spec.probability(FaultKind::MixFail), 0.5);
    }

    #[test]
    fn errors_name_the_bad_part() {
        let missing = FaultSpec::parse("http500=0.1,solo_stuck").unwrap_err();
        assert!(matches!(&missing, FaultSpecError::MissingEquals { part } if part == "solo_stuck"));
        assert!(missing.to_string().contains("`solo_stuck`"));

        let unknown = FaultSpec::parse("http404=0.1").unwrap_err();
        assert!(unknown.to_string().contains("`http404`"));
        assert!(unknown.to_string().contains("session_expiry"));

        let nan = FaultSpec::parse("mix_fail=lots").unwrap_err();
        assert!(matches!(&nan, FaultSpecError::NotANumber { value, .. } if value == "lots"));

        let range = FaultSpec::parse("mix_fail=1.5").unwrap_err();
        assert!(matches!(range, FaultSpecError::OutOfRange { value, .. } if value == 1.5));
        assert!(FaultSpec::parse("mix_fail=-0.1").is_err());
        assert!(FaultSpec::parse("mix_fail=NaN").is_err());

        let twice = FaultSpec::parse("mix_fail=0.1,mix_fail=0.2").unwrap_err();
        assert!(matches!(twice, FaultSpecError::Duplicate { .. }));
    }

    #[test]
    fn display_round_trips() {
        let spec = FaultSpec::parse("slow_download=0.25,http500=0.5").unwrap();
        assert_eq!(spec.to_string(), "http500=0.5,slow_download=0.25");
        assert_eq!(
            FaultSpec::parse(&spec.to_string()).unwrap().to_string(),
            spec.to_string()
        );
        assert_eq!(FaultSpec::none().to_string(), "none");
    }

    #[test]
    fn draws_are_reproducible_and_follow_the_probability() {
        let spec = FaultSpec::none().with(FaultKind::MixFail, 0.3);
        let fired: Vec<bool> = (0..2000)
            .map(|i| spec.fires(FaultKind::MixFail, 7, &format!("mix|{i}")))
            .collect();
        let again: Vec<bool> = (0..2000)
            .map(|i| spec.fires(FaultKind::MixFail, 7, &format!("mix|{i}")))
            .collect();
        assert_eq!(fired, again);
        let rate = fired.iter().filter(|f| **f).count() as f64 / 2000.0;
        assert!((0.25..0.35).contains(&rate), "rate {rate}");
        assert!(!spec.fires(FaultKind::Http500, 7, "mix|1"));
    }

    #[test]
    fn probability_one_always_fires() {
        let spec = FaultSpec::none().with(FaultKind::CutDownload, 1.0);
        assert!((0..100).all(|i| spec.fires(FaultKind::CutDownload, 3, &i.to_string())));
    }
}
