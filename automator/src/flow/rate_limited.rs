//! Noticing that the site refused a mix request with HTTP 429, and how long to hold off.
//!
//! The page's own script makes the mix request, so the automation cannot see the response
//! directly. Before clicking "download" it wraps the page's `fetch` and `XMLHttpRequest` (once
//! per page) to note any 429 answer and its `Retry-After` header; this works for any site whose
//! page requests mixes by script, without a site-specific text.

use std::time::{Duration, SystemTime};

use serde_json::json;

use super::context::FlowContext;
use super::error::FlowError;

/// The longest hold honoured for one 429, whatever `Retry-After` says: a site asking for more
/// is asked again after this long.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Consecutive 429s for one download before the attempt fails (it is then retried as any
/// failed track is).
pub const MAX_CONSECUTIVE: u32 = 8;

/// `[selector]` → `true` after clicking, `false` when there is no such element. Clears the
/// page's 429 note, installs the `fetch`/XHR wrappers if this page has none yet, then clicks.
pub const CLICK_NOTING_429: &str = r#"
const selector = arguments[0];
if (!window.__automatorWatches429) {
  window.__automatorWatches429 = true;
  const note = function (status, retryAfter) {
    if (status === 429) { window.__automator429 = { retryAfter: retryAfter }; }
  };
  const originalFetch = window.fetch;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      note(response.status, response.headers.get('Retry-After'));
      return response;
    });
  };
  const originalSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () {
    this.addEventListener('loadend', function () {
      note(this.status, this.getResponseHeader('Retry-After'));
    });
    return originalSend.apply(this, arguments);
  };
}
window.__automator429 = null;
const element = document.querySelector(selector);
if (!element) { return false; }
element.click();
return true;
"#;

/// `[]` → `null`, or `{retryAfter}` (the header's text or `null`) when a request since the
/// last click was answered 429.
const NOTED_429: &str = "return window.__automator429 || null;";

/// Clicks the download link noting 429 answers; `Ok(false)` when there is no link.
pub async fn click_noting_429(ctx: &FlowContext<'_>, selector: &str) -> Result<bool, FlowError> {
    let clicked = ctx
        .driver
        .execute("click_download", CLICK_NOTING_429, vec![json!(selector)])
        .await?;
    Ok(clicked.as_bool() == Some(true))
}

/// `Some(retry_after)` (the header's text, if any) when the page's requests since the click
/// were answered 429.
pub async fn noted_429(ctx: &FlowContext<'_>) -> Result<Option<Option<String>>, FlowError> {
    let noted = ctx.driver.execute("noted_429", NOTED_429, vec![]).await?;
    Ok(noted.as_object().map(|note| {
        note.get("retryAfter")
            .and_then(|value| value.as_str())
            .map(str::to_owned)
    }))
}

/// How long to hold off after the `consecutive`-th 429 in a row (1 = the first): the
/// `Retry-After` (delay-seconds, or an HTTP-date relative to `now`, RFC 9110 §10.2.3) when it
/// is valid, else `fallback` doubled per consecutive 429; never more than [`MAX_BACKOFF`].
pub fn backoff(
    retry_after: Option<&str>,
    now: SystemTime,
    consecutive: u32,
    fallback: Duration,
) -> Duration {
    let told = retry_after.and_then(|value| {
        let value = value.trim();
        match value.parse::<u64>() {
            Ok(seconds) => Some(Duration::from_secs(seconds)),
            Err(_) => httpdate::parse_http_date(value)
                .ok()
                .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO)),
        }
    });
    let wait =
        told.unwrap_or_else(|| fallback.saturating_mul(1 << consecutive.saturating_sub(1).min(16)));
    wait.min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn retry_after_seconds_are_honoured_and_bounded() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(backoff(Some("3"), now, 1, SECOND), 3 * SECOND);
        assert_eq!(backoff(Some(" 0 "), now, 1, SECOND), Duration::ZERO);
        assert_eq!(backoff(Some("86400"), now, 1, SECOND), MAX_BACKOFF);
    }

    #[test]
    fn an_http_date_counts_from_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let date = httpdate::fmt_http_date(now + 7 * SECOND);
        assert_eq!(backoff(Some(&date), now, 1, SECOND), 7 * SECOND);
        let past = httpdate::fmt_http_date(now - 7 * SECOND);
        assert_eq!(backoff(Some(&past), now, 1, SECOND), Duration::ZERO);
    }

    #[test]
    fn without_a_usable_header_the_fallback_doubles_per_consecutive_429() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(backoff(None, now, 1, SECOND), SECOND);
        assert_eq!(backoff(Some("soon"), now, 3, SECOND), 4 * SECOND);
        assert_eq!(backoff(None, now, 40, SECOND), MAX_BACKOFF);
    }
}
