//! The memory sampler of a soak: a task that reads [`read_memory`] every interval and after
//! every finished track attempt, until stopped.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::memory::{MemorySample, SampleCause, read_memory};
use crate::flow::SoakLog;

/// One second of the run's clock (scaled by `--time-scale`)…
pub const BASE_INTERVAL: Duration = Duration::from_secs(1);
/// …but never more often than this: a reading scans every process's environment in `/proc`.
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);

/// The sampling interval at `time_scale`.
pub fn interval_at(time_scale: f64) -> Duration {
    BASE_INTERVAL.mul_f64(time_scale).max(MIN_INTERVAL)
}

/// A running sampler.
pub struct Sampler {
    stop: oneshot::Sender<()>,
    /// How many samples the task has taken so far.
    taken: watch::Receiver<usize>,
    task: JoinHandle<Vec<MemorySample>>,
}

impl Sampler {
    /// Starts sampling now: one sample at once, then every `interval` and at each track
    /// attempt `log` hears of.
    pub fn start(log: Arc<SoakLog>, interval: Duration, download_dir: PathBuf) -> Sampler {
        let (stop, mut stopped) = oneshot::channel();
        let (count, taken) = watch::channel(0);
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut samples = Vec::new();
            let take = |cause, samples: &mut Vec<MemorySample>| {
                let tracks_done = log.attempts_done();
                let round = log.round() + 1;
                let reading = read_memory(&download_dir);
                samples.push(MemorySample {
                    at_seconds: started.elapsed().as_secs_f64(),
                    cause,
                    round,
                    tracks_done,
                    automator_mb: reading.automator_mb,
                    browser_mb: reading.browser_mb,
                    browser_by_kind: reading.browser_by_kind,
                    browser_processes: reading.browser_processes,
                    automator_fds: reading.automator_fds,
                    browser_fds: reading.browser_fds,
                    incoming_mb: reading.incoming_mb,
                });
                count.send_replace(samples.len());
            };
            take(SampleCause::Interval, &mut samples);
            let mut ticks =
                tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => take(SampleCause::Interval, &mut samples),
                    () = log.next_track() => take(SampleCause::TrackBoundary, &mut samples),
                }
            }
            samples
        });
        Sampler { stop, taken, task }
    }

    /// Resolves once `count` samples have been taken.
    pub async fn wait_for_samples(&mut self, count: usize) {
        let _ = self.taken.wait_for(|taken| *taken >= count).await;
    }

    /// Stops sampling and returns the series (empty if the task failed).
    pub async fn finish(self) -> Vec<MemorySample> {
        let _ = self.stop.send(());
        self.task.await.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_scales_with_a_floor() {
        assert_eq!(interval_at(1.0), Duration::from_secs(1));
        assert_eq!(interval_at(0.5), Duration::from_millis(500));
        assert_eq!(interval_at(0.05), MIN_INTERVAL);
    }

    #[tokio::test]
    async fn every_track_attempt_gets_a_boundary_sample() {
        let log = Arc::new(SoakLog::new());
        let folder = tempfile::tempdir().unwrap();
        // An interval longer than the test, so only the first and the boundary samples come.
        let sampler = Sampler::start(
            Arc::clone(&log),
            Duration::from_secs(3600),
            folder.path().to_path_buf(),
        );
        let mut sampler = sampler;
        sampler.wait_for_samples(1).await;
        for attempt in 1..=3 {
            log.track_attempted("Song", "Bass", true, Duration::from_secs(1));
            sampler.wait_for_samples(1 + attempt).await;
        }
        let samples = sampler.finish().await;
        assert_eq!(samples[0].cause, SampleCause::Interval);
        assert_eq!(samples[0].tracks_done, 0);
        let boundaries: Vec<usize> = samples
            .iter()
            .filter(|sample| sample.cause == SampleCause::TrackBoundary)
            .map(|sample| sample.tracks_done)
            .collect();
        assert_eq!(boundaries, [1, 2, 3]);
    }
}
