//! The memory series of a soak: readings of [`read_memory`] taken every interval by a task,
//! and at every track boundary by the flow itself (through [`SoakLog`]'s boundary hook, so
//! the reading sees the browser before the flow moves on — or shuts it down).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::memory::{MemorySample, SampleCause, read_memory};
use crate::flow::SoakLog;

/// One second of the run's clock (scaled by `--time-scale`)…
pub const BASE_INTERVAL: Duration = Duration::from_secs(1);
/// …but never more often than this: a reading scans every process in `/proc`.
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);

/// The sampling interval at `time_scale`.
pub fn interval_at(time_scale: f64) -> Duration {
    BASE_INTERVAL.mul_f64(time_scale).max(MIN_INTERVAL)
}

/// The samples taken so far, in order.
pub struct Series {
    started: Instant,
    download_dir: PathBuf,
    samples: Mutex<Vec<MemorySample>>,
}

impl Series {
    /// An empty series whose clock starts now; `download_dir` holds the incoming folders.
    pub fn new(download_dir: PathBuf) -> Arc<Series> {
        Arc::new(Series {
            started: Instant::now(),
            download_dir,
            samples: Mutex::new(Vec::new()),
        })
    }

    /// Reads the memory now and appends the sample (`round` 0-based).
    pub fn take(&self, cause: SampleCause, round: usize, tracks_done: usize) {
        let reading = read_memory(&self.download_dir);
        let sample = MemorySample {
            at_seconds: self.started.elapsed().as_secs_f64(),
            cause,
            round: round + 1,
            tracks_done,
            automator_mb: reading.automator_mb,
            browser_mb: reading.browser_mb,
            browser_by_kind: reading.browser_by_kind,
            browser_processes: reading.browser_processes,
            automator_fds: reading.automator_fds,
            browser_fds: reading.browser_fds,
            incoming_mb: reading.incoming_mb,
        };
        self.lock().push(sample);
    }

    pub fn samples(&self) -> Vec<MemorySample> {
        self.lock().clone()
    }

    /// A [`SoakLog`] whose track boundaries add a sample to this series.
    pub fn soak_log(self: &Arc<Series>) -> SoakLog {
        let series = Arc::clone(self);
        SoakLog::with_boundary_hook(Box::new(move |round, done| {
            series.take(SampleCause::TrackBoundary, round, done);
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<MemorySample>> {
        self.samples.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The interval task.
pub struct Sampler {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Sampler {
    /// Takes one sample at once, then one every `interval`, until [`Sampler::finish`].
    pub fn start(series: Arc<Series>, log: Arc<SoakLog>, interval: Duration) -> Sampler {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => {
                        series.take(SampleCause::Interval, log.round(), log.attempts_done());
                    }
                }
            }
        });
        Sampler { stop, task }
    }

    /// Stops the task (after the sample it may be taking).
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
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

    #[test]
    fn every_track_attempt_adds_a_boundary_sample_at_once() {
        let folder = tempfile::tempdir().unwrap();
        let series = Series::new(folder.path().to_path_buf());
        let log = series.soak_log();
        for _ in 0..3 {
            log.track_attempted(0, "Song", "Bass", true, Duration::from_secs(1));
        }
        let samples = series.samples();
        assert_eq!(
            samples
                .iter()
                .map(|sample| (sample.cause, sample.round, sample.tracks_done))
                .collect::<Vec<_>>(),
            [
                (SampleCause::TrackBoundary, 1, 1),
                (SampleCause::TrackBoundary, 1, 2),
                (SampleCause::TrackBoundary, 1, 3)
            ]
        );
        assert!(samples.iter().all(|sample| sample.automator_mb > 0.0));
    }

    #[tokio::test]
    async fn the_task_samples_at_once_and_stops_when_told() {
        let folder = tempfile::tempdir().unwrap();
        let series = Series::new(folder.path().to_path_buf());
        let log = Arc::new(SoakLog::new());
        // An interval longer than the test: only the immediate first sample comes.
        let sampler = Sampler::start(Arc::clone(&series), log, Duration::from_secs(3600));
        while series.samples().is_empty() {
            tokio::task::yield_now().await;
        }
        sampler.finish().await;
        let samples = series.samples();
        assert_eq!(samples.len(), 1);
        assert_eq!(samples[0].cause, SampleCause::Interval);
    }
}
