//! The memory series of a soak: readings of [`read_memory`] taken every interval by a task,
//! and at every track boundary by the flow itself (through [`SoakLog`]'s boundary hook, so
//! the reading sees the browser before the flow moves on — or shuts it down). With several
//! sessions each reading also splits the browser tree by session, from the run tags of the
//! browsers the log has seen start.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::memory::{MemorySample, SampleCause, SessionTags, read_memory_by_session};
use crate::flow::SoakLog;
use crate::flow::rounds::SessionStart;

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
    /// Whether readings are split by session (`--sessions N`, N > 1).
    by_session: bool,
    samples: Mutex<Vec<MemorySample>>,
}

impl Series {
    /// An empty series whose clock starts now; `download_dir` holds the incoming folders;
    /// with more than one of `sessions`, every reading is also split by session.
    pub fn new(download_dir: PathBuf, sessions: usize) -> Arc<Series> {
        Arc::new(Series {
            started: Instant::now(),
            download_dir,
            by_session: sessions > 1,
            samples: Mutex::new(Vec::new()),
        })
    }

    /// Reads the memory now and appends the sample (`round` 0-based); `browsers` are the
    /// browsers started so far, whose run tags split the reading by session.
    pub fn take(
        &self,
        cause: SampleCause,
        round: usize,
        tracks_done: usize,
        browsers: &[SessionStart],
    ) {
        let tags: SessionTags = match self.by_session {
            true => browsers
                .iter()
                .map(|browser| (browser.run_tag.clone(), browser.session))
                .collect(),
            false => SessionTags::new(),
        };
        let reading = read_memory_by_session(&self.download_dir, &tags);
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
            sessions: reading.sessions,
        };
        self.lock().push(sample);
    }

    pub fn samples(&self) -> Vec<MemorySample> {
        self.lock().clone()
    }

    /// A [`SoakLog`] whose track boundaries add a sample to this series.
    pub fn soak_log(self: &Arc<Series>) -> SoakLog {
        let series = Arc::clone(self);
        SoakLog::with_boundary_hook(Box::new(move |log, round, done| {
            series.take(SampleCause::TrackBoundary, round, done, &log.sessions());
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
                        series.take(
                            SampleCause::Interval,
                            log.round(),
                            log.attempts_done(),
                            &log.sessions(),
                        );
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
        let series = Series::new(folder.path().to_path_buf(), 1);
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

    #[test]
    fn with_several_sessions_each_sample_has_every_session_whose_browser_started() {
        let folder = tempfile::tempdir().unwrap();
        let series = Series::new(folder.path().to_path_buf(), 2);
        let log = series.soak_log();
        let first = log.browser_started(1, "not-a-live-tag-1", Instant::now());
        log.track_attempted(first, "Song", "Bass", true, Duration::from_secs(1));
        let second = log.browser_started(2, "not-a-live-tag-2", Instant::now());
        log.track_attempted(second, "Other", "Bass", true, Duration::from_secs(1));
        let sessions: Vec<Vec<(usize, f64)>> = series
            .samples()
            .iter()
            .map(|sample| {
                sample
                    .sessions
                    .iter()
                    .map(|session| (session.session, session.browser_mb))
                    .collect()
            })
            .collect();
        // No process carries these tags: each logged session is there, with nothing alive.
        assert_eq!(sessions, [vec![(1, 0.0)], vec![(1, 0.0), (2, 0.0)]]);

        let single = Series::new(folder.path().to_path_buf(), 1);
        let log = single.soak_log();
        let only = log.browser_started(1, "not-a-live-tag-3", Instant::now());
        log.track_attempted(only, "Song", "Bass", true, Duration::from_secs(1));
        assert!(
            single.samples()[0].sessions.is_empty(),
            "one session: no split"
        );
    }

    #[tokio::test]
    async fn the_task_samples_at_once_and_stops_when_told() {
        let folder = tempfile::tempdir().unwrap();
        let series = Series::new(folder.path().to_path_buf(), 1);
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
