//! The per-account rate limit on mix requests (`--rate-limit N/min`): at most N accepted mix
//! requests in any sliding window of one period (scaled by the time scale, so a fast run keeps
//! the same shape); a request over the limit is answered `429 Too Many Requests` with a
//! `Retry-After` of whole seconds (RFC 9110 §10.2.3) until the oldest accepted request leaves
//! the window. The stage has one account, so the window is the account's.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// How many mix requests an account may make per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateLimit {
    /// Accepted requests per period (≥ 1).
    pub requests: u32,
    /// The period at time scale 1.
    #[serde(with = "period_secs")]
    pub per: Duration,
}

/// Why a `--rate-limit` text is not a rate limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitError {
    /// Not of the form `N/unit`.
    #[error("rate limit `{0}` is not N/min, N/s or N/h (e.g. 6/min)")]
    Form(String),
    /// The count is not a whole number ≥ 1.
    #[error("rate limit `{0}` needs a whole number of requests ≥ 1 before the `/` (e.g. 6/min)")]
    Count(String),
}

impl RateLimit {
    /// Parses `N/s`, `N/min` or `N/h` (`N` ≥ 1).
    pub fn parse(text: &str) -> Result<RateLimit, RateLimitError> {
        let (count, unit) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| RateLimitError::Form(text.to_owned()))?;
        let per = match unit.trim() {
            "s" | "sec" => Duration::from_secs(1),
            "min" | "m" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(RateLimitError::Form(text.to_owned())),
        };
        match count.trim().parse::<u32>() {
            Ok(requests) if requests >= 1 => Ok(RateLimit { requests, per }),
            _ => Err(RateLimitError::Count(text.to_owned())),
        }
    }
}

impl FromStr for RateLimit {
    type Err = RateLimitError;

    fn from_str(text: &str) -> Result<RateLimit, RateLimitError> {
        RateLimit::parse(text)
    }
}

impl fmt::Display for RateLimit {
    /// `6/min`, parseable by [`RateLimit::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per.as_secs() {
            1 => "s",
            3600 => "h",
            _ => "min",
        };
        write!(f, "{}/{unit}", self.requests)
    }
}

/// The sliding window of one account's accepted mix requests.
#[derive(Debug)]
pub(crate) struct RateWindow {
    requests: usize,
    window: Duration,
    accepted: Mutex<VecDeque<Duration>>,
}

impl RateWindow {
    /// A window for `limit` at `time_scale` (the period is scaled; never shorter than 1 ms).
    pub(crate) fn new(limit: RateLimit, time_scale: f64) -> RateWindow {
        let window = limit.per.mul_f64(time_scale).max(Duration::from_millis(1));
        RateWindow {
            requests: limit.requests as usize,
            window,
            accepted: Mutex::new(VecDeque::new()),
        }
    }

    /// Admits a request arriving at `now` (time since the stage started), or refuses it with the
    /// `Retry-After` to send: whole seconds until the oldest accepted request leaves the window,
    /// rounded up and at least 1 (a retry sooner would be refused again).
    pub(crate) fn admit(&self, now: Duration) -> Result<(), u64> {
        let mut accepted = self
            .accepted
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        while accepted
            .front()
            .is_some_and(|&at| now.saturating_sub(at) >= self.window)
        {
            accepted.pop_front();
        }
        if accepted.len() < self.requests {
            accepted.push_back(now);
            return Ok(());
        }
        let oldest = accepted.front().copied().unwrap_or(now);
        let wait = (oldest + self.window).saturating_sub(now);
        Err(wait.as_secs_f64().ceil().max(1.0) as u64)
    }
}

/// Serde helper: the period as seconds.
mod period_secs {
    use serde::Serializer;
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(value.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn parses_counts_per_unit_and_round_trips() {
        let limit = RateLimit::parse("6/min").unwrap();
        assert_eq!((limit.requests, limit.per), (6, Duration::from_secs(60)));
        assert_eq!(limit.to_string(), "6/min");
        assert_eq!(
            RateLimit::parse(" 2 / s ").unwrap().per,
            Duration::from_secs(1)
        );
        assert_eq!(RateLimit::parse("100/h").unwrap().to_string(), "100/h");
        assert!(matches!(
            RateLimit::parse("6"),
            Err(RateLimitError::Form(_))
        ));
        assert!(matches!(
            RateLimit::parse("6/day"),
            Err(RateLimitError::Form(_))
        ));
        assert!(matches!(
            RateLimit::parse("0/min"),
            Err(RateLimitError::Count(_))
        ));
        let error = RateLimit::parse("lots/min").unwrap_err().to_string();
        assert!(
            error.contains("`lots/min`") && error.contains("6/min"),
            "{error}"
        );
    }

    #[test]
    fn refuses_over_the_limit_until_the_oldest_request_leaves_the_window() {
        let window = RateWindow::new(RateLimit::parse("2/min").unwrap(), 0.1);
        assert_eq!(window.admit(secs(0.0)), Ok(()));
        assert_eq!(window.admit(secs(1.0)), Ok(()));
        // The window is 6 s at scale 0.1; the oldest request leaves it at 6 s.
        assert_eq!(window.admit(secs(1.5)), Err(5));
        assert_eq!(window.admit(secs(5.9)), Err(1), "rounded up, at least 1");
        assert_eq!(window.admit(secs(6.0)), Ok(()));
        assert_eq!(window.admit(secs(6.5)), Err(1));
        assert_eq!(window.admit(secs(7.0)), Ok(()));
    }
}
