//! What one run of a scaling study reports: how long it took, how much work it finished, how
//! long each unit took, and optionally how hard the machine and the site were working.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One sample of the machine's load during a run (e.g. taken every second by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResourceSample {
    /// CPU busy share of the whole machine in percent: 100 means every core busy.
    pub cpu_percent: f64,
    /// Resident memory of the workers at that moment (e.g. the summed RSS of the browsers),
    /// bytes.
    pub rss_bytes: u64,
}

/// What the site (the server side) says about a run: time units spent waiting in its queue
/// and requests it refused for rate limiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteLoad {
    /// Queue time summed over the run's units, seconds (time waiting before service began).
    pub queue_seconds: f64,
    /// Requests answered HTTP 429 Too Many Requests during the run.
    pub rate_limited: u64,
}

/// One run of the workload at one concurrency, as the workload closure reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingRun {
    /// Wall time of the run, seconds.
    pub wall_seconds: f64,
    /// Units of work finished (tracks).
    pub units: u64,
    /// Latency of every finished unit, seconds (from its start to its end, queueing included).
    #[serde(default)]
    pub unit_latencies_seconds: Vec<f64>,
    /// Load samples taken during the run; empty when not measured.
    #[serde(default)]
    pub resources: Vec<ResourceSample>,
    /// The site's view of the run, when it reports one.
    #[serde(default)]
    pub site: Option<SiteLoad>,
}

impl ScalingRun {
    /// A run that took `wall` and finished `units` units; add latencies, resource samples
    /// and the site's load with the other builder methods.
    pub fn new(wall: Duration, units: u64) -> ScalingRun {
        ScalingRun {
            wall_seconds: wall.as_secs_f64(),
            units,
            unit_latencies_seconds: Vec::new(),
            resources: Vec::new(),
            site: None,
        }
    }

    /// Sets the latency of every finished unit.
    pub fn latencies(mut self, latencies: impl IntoIterator<Item = Duration>) -> ScalingRun {
        self.unit_latencies_seconds = latencies
            .into_iter()
            .map(|latency| latency.as_secs_f64())
            .collect();
        self
    }

    /// Adds one load sample: CPU percent of the whole machine and resident bytes.
    pub fn resource(mut self, cpu_percent: f64, rss_bytes: u64) -> ScalingRun {
        self.resources.push(ResourceSample {
            cpu_percent,
            rss_bytes,
        });
        self
    }

    /// Sets the site's load: summed queue time (seconds) and HTTP 429 answers.
    pub fn site(mut self, queue_seconds: f64, rate_limited: u64) -> ScalingRun {
        self.site = Some(SiteLoad {
            queue_seconds,
            rate_limited,
        });
        self
    }

    /// Units per minute; `None` when the run finished nothing or took no time.
    pub fn throughput_per_minute(&self) -> Option<f64> {
        self.seconds_per_unit().map(|seconds| 60.0 / seconds)
    }

    /// Wall seconds per finished unit; `None` when the run finished nothing or took no time.
    pub fn seconds_per_unit(&self) -> Option<f64> {
        (self.units > 0 && self.wall_seconds > 0.0 && self.wall_seconds.is_finite())
            .then(|| self.wall_seconds / self.units as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throughput_is_units_per_minute_and_absent_without_work() {
        let run = ScalingRun::new(Duration::from_secs(30), 10);
        assert_eq!(run.throughput_per_minute(), Some(20.0));
        assert_eq!(run.seconds_per_unit(), Some(3.0));
        assert_eq!(
            ScalingRun::new(Duration::from_secs(30), 0).throughput_per_minute(),
            None
        );
        assert_eq!(
            ScalingRun::new(Duration::ZERO, 3).throughput_per_minute(),
            None
        );
    }
}
