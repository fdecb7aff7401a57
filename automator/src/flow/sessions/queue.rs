//! The songs waiting for a session, and what follows each pass.
//!
//! A song goes through at most three passes, as in a one-session run: its first pass, at once
//! a retry of its failed tracks, and once more at the end. Here "at once" means the front of
//! the queue (the next free session takes it) and "at the end" the back, behind every song
//! not yet started, so with one session the order is exactly the serial run's. A pass whose
//! browser died is followed by the next step at the front, for a fresh browser.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

use crate::flow::outcome::SongStatus;
use crate::flow::song_pass::{Pass, SongState};

/// Which pass of a song a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The song's first pass.
    First,
    /// The retry right after it.
    Again,
    /// The retry at the end of the run.
    Final,
}

/// One pass over one song (by plan index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Job {
    pub(crate) index: usize,
    pub(crate) step: Step,
}

impl Job {
    /// The pass to run on the song as it stands: a song whose tracks are known retries the
    /// failed ones; one never opened starts from the beginning.
    pub(crate) fn pass(&self, state: &SongState) -> Pass {
        match (self.step, &state.outcome.status) {
            (Step::First, _) => Pass::First,
            (_, SongStatus::Done) => Pass::Retry,
            _ => Pass::First,
        }
    }

    /// What follows this pass, and whether it goes to the front of the queue. `None`: the
    /// song is finished (done, not purchased, or out of passes).
    pub(crate) fn next(&self, state: &SongState, browser_lost: bool) -> Option<(Job, bool)> {
        let unfinished = match &state.outcome.status {
            SongStatus::NotPurchased => false,
            SongStatus::Failed(_) => true,
            SongStatus::Done => !state.failed_tracks().is_empty(),
        };
        if !unfinished {
            return None;
        }
        let follow = |step| Job {
            index: self.index,
            step,
        };
        match (self.step, browser_lost) {
            (Step::First, true) => Some((follow(Step::Again), true)),
            (Step::First, false) if state.outcome.status == SongStatus::Done => {
                Some((follow(Step::Again), true))
            }
            // A song that could not be opened gets no immediate retry, as in a serial run.
            (Step::First, false) | (Step::Again, false) => Some((follow(Step::Final), false)),
            (Step::Again, true) => Some((follow(Step::Final), true)),
            (Step::Final, _) => None,
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    jobs: VecDeque<Job>,
    /// Jobs taken and not finished: while any is, an empty queue may still get work.
    busy: usize,
}

/// The shared queue of song passes.
#[derive(Debug, Default)]
pub(crate) struct SongQueue {
    inner: Mutex<Inner>,
    changed: Notify,
}

impl SongQueue {
    /// A queue holding the first pass of every song, in plan order.
    pub(crate) fn new(songs: usize) -> SongQueue {
        let jobs = (0..songs)
            .map(|index| Job {
                index,
                step: Step::First,
            })
            .collect();
        SongQueue {
            inner: Mutex::new(Inner { jobs, busy: 0 }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next job, waiting while the queue is empty but other sessions may still hand back
    /// work; `None` when the queue is empty and no job is under way.
    pub(crate) async fn take(&self) -> Option<Job> {
        loop {
            // Created before looking, so a `finish` between the look and the wait is not
            // missed (`notify_waiters` reaches every `Notified` already created).
            let changed = self.changed.notified();
            {
                let mut inner = self.lock();
                if let Some(job) = inner.jobs.pop_front() {
                    inner.busy += 1;
                    return Some(job);
                }
                if inner.busy == 0 {
                    return None;
                }
            }
            changed.await;
        }
    }

    /// A taken job is over; `next` is queued (at the front when its flag says so).
    pub(crate) fn finish(&self, next: Option<(Job, bool)>) {
        {
            let mut inner = self.lock();
            match next {
                Some((job, true)) => inner.jobs.push_front(job),
                Some((job, false)) => inner.jobs.push_back(job),
                None => {}
            }
            inner.busy = inner.busy.saturating_sub(1);
        }
        self.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::outcome::{SongOutcome, TrackOutcome};
    use crate::flow::outcome_fixtures::{song_outcome, track_outcome};

    fn state(status: SongStatus, tracks_ok: &[bool]) -> SongState {
        let mut state = SongState::new(SongOutcome {
            tracks_found: tracks_ok.len(),
            ..song_outcome("Song", "/song.html", status)
        });
        state.tracks = tracks_ok
            .iter()
            .enumerate()
            .map(|(index, ok)| TrackOutcome {
                index,
                error: None,
                ..track_outcome(&format!("Track {index}"), *ok, std::time::Duration::ZERO)
            })
            .collect();
        state
    }

    fn job(step: Step) -> Job {
        Job { index: 3, step }
    }

    #[test]
    fn failed_tracks_are_retried_at_once_then_at_the_end_as_in_a_serial_run() {
        let failing = state(SongStatus::Done, &[true, false]);
        assert_eq!(
            job(Step::First).next(&failing, false),
            Some((job(Step::Again), true))
        );
        assert_eq!(
            job(Step::Again).next(&failing, false),
            Some((job(Step::Final), false))
        );
        assert_eq!(job(Step::Final).next(&failing, false), None);
        assert_eq!(job(Step::Again).pass(&failing), Pass::Retry);
        let done = state(SongStatus::Done, &[true, true]);
        assert_eq!(job(Step::First).next(&done, false), None);
        let skipped = state(SongStatus::NotPurchased, &[]);
        assert_eq!(job(Step::First).next(&skipped, true), None);
    }

    #[test]
    fn a_song_that_could_not_open_waits_for_the_end_unless_its_browser_died() {
        let unopened = state(SongStatus::Failed("HTTP 500".into()), &[]);
        assert_eq!(
            job(Step::First).next(&unopened, false),
            Some((job(Step::Final), false))
        );
        assert_eq!(job(Step::Final).pass(&unopened), Pass::First);
        assert_eq!(
            job(Step::First).next(&unopened, true),
            Some((job(Step::Again), true)),
            "a lost browser hands the song to the next fresh one"
        );
        assert_eq!(
            job(Step::Again).next(&unopened, true),
            Some((job(Step::Final), true))
        );
    }

    #[tokio::test]
    async fn an_idle_session_waits_for_work_handed_back_and_stops_when_none_can_come() {
        let queue = std::sync::Arc::new(SongQueue::new(1));
        let first = queue.take().await.unwrap();
        assert_eq!(first.step, Step::First);
        let waiting = tokio::spawn({
            let queue = std::sync::Arc::clone(&queue);
            async move { queue.take().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        queue.finish(Some((
            Job {
                index: 0,
                step: Step::Again,
            },
            true,
        )));
        let handed_back = waiting.await.unwrap().unwrap();
        assert_eq!(handed_back.step, Step::Again);
        let idle = tokio::spawn({
            let queue = std::sync::Arc::clone(&queue);
            async move { queue.take().await }
        });
        queue.finish(None);
        assert_eq!(idle.await.unwrap(), None);
        assert_eq!(queue.take().await, None);
    }

    #[test]
    fn front_and_back_keep_the_serial_order() {
        let queue = SongQueue::new(3);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let first = runtime.block_on(queue.take()).unwrap();
        queue.finish(Some((
            Job {
                index: first.index,
                step: Step::Final,
            },
            false,
        )));
        let order: Vec<(usize, Step)> = std::iter::from_fn(|| {
            let job = runtime.block_on(queue.take())?;
            queue.finish(None);
            Some((job.index, job.step))
        })
        .collect();
        assert_eq!(
            order,
            [(1, Step::First), (2, Step::First), (0, Step::Final)]
        );
    }
}
