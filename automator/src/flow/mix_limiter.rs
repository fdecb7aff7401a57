//! How many mix requests the automation keeps at the site at once: an adaptive concurrency
//! limit shared by every browser session of a run (held in an `Arc`), so the sessions together
//! never push more concurrent mix generations than the site serves well.
//!
//! The rule is AIMD (additive increase, multiplicative decrease, as in TCP congestion control),
//! driven by the two signals a client can see:
//! - **HTTP 429** (the account's rate limit): the limit halves, and every session holds off new
//!   mix requests until the `Retry-After` has passed (the limit is the account's, not the
//!   session's).
//! - **Queueing**: the latency from the mix request to "ready" is queue + service time. The
//!   smallest latency seen is the site's no-load service time; a latency above
//!   [`QUEUE_TOLERANCE`] × that baseline means the mix waited for a generation slot, so the
//!   limit shrinks by [`QUEUE_DECREASE`]. The tolerance exceeds the spread of honest service
//!   times (the stage's are 4–9 s, a 2.25× spread), so service jitter alone does not count.
//! - Any other ready mix grows the limit by `1 / limit` (about +1 after `limit` uncongested
//!   mixes), up to the ceiling (the number of sessions; more permits could never be used).
//!
//! The limit never drops below 1, so a run always makes progress.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio::time::Instant;

/// A ready mix slower than this × the fastest one seen waited in the site's queue.
pub const QUEUE_TOLERANCE: f64 = 2.5;
/// The limit is multiplied by this after a queued mix.
pub const QUEUE_DECREASE: f64 = 0.75;
/// The limit is multiplied by this after a 429.
pub const RATE_LIMIT_DECREASE: f64 = 0.5;

/// What the limiter saw during one round of a run (reset by [`MixLimiter::take_stats`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MixRequestStats {
    /// Mix requests made (every click, including those answered 429).
    pub requests: u32,
    /// Requests the site refused with HTTP 429.
    pub rate_limited: u32,
    /// Time spent holding off after 429s (the honoured `Retry-After`s), seconds in JSON.
    #[serde(with = "secs")]
    pub backoff: Duration,
    /// Ready mixes whose latency showed queueing at the site (see the module docs).
    pub queued: u32,
    /// The concurrency limit at the end, and the smallest it was during the round.
    pub limit: usize,
    pub min_limit: usize,
}

/// The shared adaptive limit (see the module docs for the rule).
#[derive(Debug)]
pub struct MixLimiter {
    ceiling: usize,
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug)]
struct State {
    limit: f64,
    in_flight: usize,
    baseline: Option<Duration>,
    hold_until: Option<Instant>,
    stats: MixRequestStats,
}

/// The right to have one mix request at the site. Report how it went with
/// [`MixPermit::ready`] or [`MixPermit::rate_limited`]; dropping it otherwise (a failed mix, an
/// error) frees it without changing the limit.
#[derive(Debug)]
pub struct MixPermit {
    limiter: Arc<MixLimiter>,
}

impl MixLimiter {
    /// A limiter for `ceiling` sessions (at least 1), starting at the ceiling: nothing is known
    /// to be wrong until the site says so.
    pub fn new(ceiling: usize) -> Arc<MixLimiter> {
        let ceiling = ceiling.max(1);
        Arc::new(MixLimiter {
            ceiling,
            state: Mutex::new(State {
                limit: ceiling as f64,
                in_flight: 0,
                baseline: None,
                hold_until: None,
                stats: MixRequestStats {
                    limit: ceiling,
                    min_limit: ceiling,
                    ..MixRequestStats::default()
                },
            }),
            changed: Notify::new(),
        })
    }

    /// The current limit (whole mixes at once).
    pub fn limit(&self) -> usize {
        self.lock().whole_limit()
    }

    /// Waits until a mix request may be made: fewer than the limit in flight and no 429 hold
    /// in force. Cancel-safe (nothing is taken until it returns).
    pub async fn acquire(self: &Arc<Self>) -> MixPermit {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let hold = {
                let mut state = self.lock();
                let now = Instant::now();
                match state.hold_until.filter(|until| *until > now) {
                    Some(until) => Some(until),
                    None if state.in_flight < state.whole_limit() => {
                        state.in_flight += 1;
                        state.stats.requests += 1;
                        return MixPermit {
                            limiter: Arc::clone(self),
                        };
                    }
                    None => None,
                }
            };
            match hold {
                Some(until) => {
                    let _ = tokio::time::timeout_at(until, notified).await;
                }
                None => notified.await,
            }
        }
    }

    /// The round's figures, starting afresh for the next round.
    pub fn take_stats(&self) -> MixRequestStats {
        let mut state = self.lock();
        let limit = state.whole_limit();
        let mut stats = std::mem::take(&mut state.stats);
        stats.limit = limit;
        state.stats.limit = limit;
        state.stats.min_limit = limit;
        stats
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn set_limit(&self, state: &mut State, limit: f64) {
        state.limit = limit.clamp(1.0, self.ceiling as f64);
        let whole = state.whole_limit();
        state.stats.limit = whole;
        state.stats.min_limit = state.stats.min_limit.min(whole);
    }
}

impl State {
    fn whole_limit(&self) -> usize {
        (self.limit.floor() as usize).max(1)
    }
}

impl MixPermit {
    /// The mix became ready `latency` after it was requested: grows the limit, or shrinks it
    /// when the latency shows queueing at the site.
    pub fn ready(self, latency: Duration) {
        let limiter = &self.limiter;
        let mut state = limiter.lock();
        let baseline = state.baseline.map_or(latency, |b| b.min(latency));
        state.baseline = Some(baseline);
        let limit = state.limit;
        if latency.as_secs_f64() > QUEUE_TOLERANCE * baseline.as_secs_f64() {
            state.stats.queued += 1;
            limiter.set_limit(&mut state, limit * QUEUE_DECREASE);
        } else {
            limiter.set_limit(&mut state, limit + 1.0 / limit);
        }
    }

    /// The site answered 429: halves the limit and holds every session off for `wait` (the
    /// bounded `Retry-After`) from now.
    pub fn rate_limited(self, wait: Duration) {
        let limiter = &self.limiter;
        let mut state = limiter.lock();
        let limit = state.limit;
        limiter.set_limit(&mut state, limit * RATE_LIMIT_DECREASE);
        state.stats.rate_limited += 1;
        state.stats.backoff += wait;
        let until = Instant::now() + wait;
        state.hold_until = Some(state.hold_until.map_or(until, |held| held.max(until)));
    }
}

impl Drop for MixPermit {
    fn drop(&mut self) {
        self.limiter.lock().in_flight -= 1;
        self.limiter.changed.notify_waiters();
    }
}

/// Serde helper: a `Duration` as seconds (f64).
mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(value.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[tokio::test]
    async fn a_429_halves_the_limit_and_it_grows_back_with_ready_mixes() {
        let limiter = MixLimiter::new(4);
        assert_eq!(limiter.limit(), 4);
        limiter.acquire().await.rate_limited(Duration::ZERO);
        assert_eq!(limiter.limit(), 2);
        limiter.acquire().await.rate_limited(Duration::ZERO);
        assert_eq!(limiter.limit(), 1);
        for _ in 0..3 {
            limiter.acquire().await.ready(secs(5.0));
        }
        // 1 → 2 → 2.5 → 2.9: about +1 per `limit` uncongested mixes.
        assert_eq!(limiter.limit(), 2);
        for _ in 0..10 {
            limiter.acquire().await.ready(secs(5.0));
        }
        assert_eq!(limiter.limit(), 4, "never above the ceiling");
        let stats = limiter.take_stats();
        assert_eq!((stats.requests, stats.rate_limited), (15, 2));
        assert_eq!((stats.limit, stats.min_limit), (4, 1));
    }

    #[tokio::test]
    async fn the_limit_never_drops_below_one() {
        let limiter = MixLimiter::new(1);
        for _ in 0..5 {
            limiter.acquire().await.rate_limited(Duration::ZERO);
            limiter.acquire().await.ready(secs(100.0));
        }
        assert_eq!(limiter.limit(), 1);
        assert_eq!(
            MixLimiter::new(0).limit(),
            1,
            "a ceiling of 0 is taken as 1"
        );
    }

    #[tokio::test]
    async fn latency_beyond_the_tolerance_counts_as_queueing_and_shrinks_the_limit() {
        let limiter = MixLimiter::new(8);
        limiter.acquire().await.ready(secs(4.0));
        limiter.acquire().await.ready(secs(9.0));
        assert_eq!(
            limiter.limit(),
            8,
            "9 s is within 2.5 × 4 s: service jitter"
        );
        limiter.acquire().await.ready(secs(10.5));
        assert_eq!(limiter.limit(), 6);
        let stats = limiter.take_stats();
        assert_eq!((stats.queued, stats.min_limit), (1, 6));
    }

    #[tokio::test]
    async fn permits_beyond_the_limit_wait_until_one_is_freed() {
        let limiter = MixLimiter::new(2);
        let first = limiter.acquire().await;
        let _second = limiter.acquire().await;
        let third = tokio::spawn({
            let limiter = Arc::clone(&limiter);
            async move { limiter.acquire().await }
        });
        tokio::task::yield_now().await;
        assert!(!third.is_finished(), "two in flight at a limit of 2");
        drop(first);
        third.await.unwrap();
        assert_eq!(limiter.take_stats().requests, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_429_every_session_holds_off_until_retry_after() {
        let limiter = MixLimiter::new(2);
        let started = Instant::now();
        limiter.acquire().await.rate_limited(secs(3.0));
        let permit = limiter.acquire().await;
        assert_eq!(
            started.elapsed(),
            secs(3.0),
            "paused clock: exactly the hold"
        );
        drop(permit);
        assert_eq!(limiter.take_stats().backoff, secs(3.0));
    }
}
