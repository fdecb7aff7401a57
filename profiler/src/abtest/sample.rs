//! One run of an A/B test: which arm, how long, how much work, how much of it was right, and
//! the profile recorded during it.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::schedule::Arm;
use crate::profile::Profile;

/// One measured run as the analysis sees it: arm, duration, units of work and the run's own
/// profile. The timing sample is [`RunSample::seconds_per_unit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSample {
    /// The preset the run used.
    pub arm: Arm,
    /// The run's measured duration: the total of the harness's work key when its profile has
    /// it, else the workload's own [`RunOutcome::duration`](super::RunOutcome::duration), else
    /// the wall time of the call. Stored as seconds in JSON.
    #[serde(serialize_with = "as_seconds", deserialize_with = "from_seconds")]
    pub duration: Duration,
    /// Units of work attempted (tracks).
    pub units: u64,
    /// Units verified correct (the right file, downloaded and checked).
    pub correct_units: u64,
    /// A fresh profile of this run only.
    pub profile: Profile,
}

impl RunSample {
    /// Seconds per unit of work; `None` for a run that attempted nothing or took no time.
    pub fn seconds_per_unit(&self) -> Option<f64> {
        let seconds = self.duration.as_secs_f64();
        (self.units > 0 && seconds > 0.0).then(|| seconds / self.units as f64)
    }
}

fn as_seconds<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

fn from_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let seconds = f64::deserialize(deserializer)?;
    Duration::try_from_secs_f64(seconds).map_err(serde::de::Error::custom)
}
