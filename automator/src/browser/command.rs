//! The one thin wrapper every WebDriver command goes through. Each command opens an
//! operation-tier span carrying the command kind, its timeout and its retry count, is bounded
//! by a timeout, and turns fantoccini's errors into one-line [`BrowserError`]s.

use std::future::Future;
use std::time::Duration;

use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};
use serde_json::Value;
use tracing::Instrument;

use super::error::BrowserError;

/// Opens the operation span of one WebDriver command. Span names must be literals, so each
/// command kind gets its own key (`browser.click`, `browser.find`, …).
macro_rules! operation_span {
    ($name:literal, $command:expr, $timeout:expr) => {
        tracing::info_span!(
            $name,
            tier = "operation",
            component = "browser",
            command = $command,
            timeout_s = $timeout.as_secs_f64(),
            retries = 0u32,
            error = tracing::field::Empty,
        )
    };
}

/// Extra time granted on top of a script's own bound before the call counts as hung.
const SCRIPT_MARGIN: Duration = Duration::from_secs(5);

/// How a page load ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Navigation {
    /// HTTP status of the document (0 when the browser does not report it).
    pub status: u16,
    /// Where the browser ended up after redirects.
    pub url: String,
}

/// A WebDriver session seen through the wrapper.
#[derive(Debug, Clone)]
pub struct Driver {
    client: Client,
    timeout: Duration,
}

impl Driver {
    pub fn new(client: Client, timeout: Duration) -> Driver {
        Driver { client, timeout }
    }

    async fn issue<T>(
        &self,
        command: &'static str,
        timeout: Duration,
        call: impl Future<Output = Result<T, CmdError>>,
    ) -> Result<T, BrowserError> {
        let outcome = match tokio::time::timeout(timeout, call).await {
            Err(_) => Err(BrowserError::Timeout {
                command,
                seconds: timeout.as_secs_f64(),
            }),
            Ok(Err(error)) => Err(BrowserError::Command {
                command,
                message: one_line(&error),
            }),
            Ok(Ok(value)) => Ok(value),
        };
        if let Err(error) = &outcome {
            tracing::Span::current().record("error", tracing::field::display(error));
        }
        outcome
    }

    /// Loads `url`, retrying up to `max_retries` times while the server answers 5xx.
    pub async fn navigate(&self, url: &str, max_retries: u32) -> Result<Navigation, BrowserError> {
        let span = operation_span!("navigate", "goto", self.timeout);
        async {
            let mut attempt = 0;
            loop {
                self.issue("goto", self.timeout, self.client.goto(url))
                    .await?;
                let reading = self
                    .issue(
                        "goto",
                        self.timeout,
                        self.client.execute(
                            "const entry = performance.getEntriesByType('navigation')[0];\
                             return [entry && entry.responseStatus || 0, location.href];",
                            vec![],
                        ),
                    )
                    .await?;
                let status = reading[0].as_u64().unwrap_or(0) as u16;
                let landed = reading[1].as_str().unwrap_or(url).to_string();
                // Chromium shows its own error page when the server cannot be reached.
                let unreachable = landed.starts_with("chrome-error:");
                if status < 500 && !unreachable {
                    return Ok(Navigation {
                        status,
                        url: landed,
                    });
                }
                if attempt >= max_retries {
                    let attempts = attempt + 1;
                    let error = match unreachable {
                        true => BrowserError::Unreachable {
                            url: url.to_string(),
                            attempts,
                        },
                        false => BrowserError::HttpStatus {
                            url: url.to_string(),
                            status,
                            attempts,
                        },
                    };
                    tracing::Span::current().record("error", tracing::field::display(&error));
                    return Err(error);
                }
                attempt += 1;
                tracing::Span::current().record("retries", attempt);
                tracing::debug!(status, attempt, "server error, loading the page again");
                tokio::time::sleep(Duration::from_millis(100) * attempt).await;
            }
        }
        .instrument(span)
        .await
    }

    /// The first element matching a CSS selector; missing is an error naming the selector.
    pub async fn find(&self, css: &str) -> Result<Element, BrowserError> {
        let span = operation_span!("find", "find", self.timeout);
        self.issue("find", self.timeout, self.client.find(Locator::Css(css)))
            .instrument(span)
            .await
    }

    /// The first link whose text is `text`.
    pub async fn find_link(&self, text: &str) -> Result<Element, BrowserError> {
        let span = operation_span!("find_link", "find", self.timeout);
        self.issue(
            "find_link",
            self.timeout,
            self.client.find(Locator::LinkText(text)),
        )
        .instrument(span)
        .await
    }

    pub async fn click(&self, element: &Element) -> Result<(), BrowserError> {
        let span = operation_span!("click", "click", self.timeout);
        self.issue("click", self.timeout, element.click())
            .instrument(span)
            .await
    }

    /// Clicks an element that loads a new page (a form's submit button) and waits until the
    /// new document has loaded: the old one is marked first, so its lingering state cannot be
    /// mistaken for the answer.
    pub async fn click_and_wait_for_page(&self, element: &Element) -> Result<(), BrowserError> {
        let span = operation_span!("click_and_wait_for_page", "click", self.timeout);
        async {
            self.issue("click", self.timeout, self.client.execute("window.__automatorOldPage = true;", vec![]))
                .await?;
            self.issue("click", self.timeout, element.click()).await?;
            let started = std::time::Instant::now();
            loop {
                let loaded = self
                    .issue(
                        "click",
                        self.timeout,
                        self.client.execute(
                            "return window.__automatorOldPage !== true && document.readyState === 'complete';",
                            vec![],
                        ),
                    )
                    .await;
                match loaded {
                    Ok(Value::Bool(true)) => return Ok(()),
                    Ok(_) | Err(BrowserError::Command { .. }) if started.elapsed() < self.timeout => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Ok(_) => {
                        let error = BrowserError::Timeout { command: "click", seconds: self.timeout.as_secs_f64() };
                        tracing::Span::current().record("error", tracing::field::display(&error));
                        return Err(error);
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        .instrument(span)
        .await
    }

    /// Types into an input. The text is never recorded (it may be a password).
    pub async fn type_text(&self, element: &Element, text: &str) -> Result<(), BrowserError> {
        let span = operation_span!("send_keys", "send_keys", self.timeout);
        async {
            self.issue("send_keys", self.timeout, element.clear())
                .await?;
            self.issue("send_keys", self.timeout, element.send_keys(text))
                .await
        }
        .instrument(span)
        .await
    }

    /// Runs a synchronous script; `label` names it in the trace (e.g. `discover_tracks`).
    pub async fn execute(
        &self,
        label: &'static str,
        script: &str,
        args: Vec<Value>,
    ) -> Result<Value, BrowserError> {
        let span = operation_span!("execute", label, self.timeout);
        self.issue(label, self.timeout, self.client.execute(script, args))
            .instrument(span)
            .await
    }

    /// Runs an async script that settles by itself within `bound` (the script must enforce it);
    /// the call is abandoned a little after that.
    pub async fn execute_async(
        &self,
        label: &'static str,
        script: &str,
        args: Vec<Value>,
        bound: Duration,
    ) -> Result<Value, BrowserError> {
        let timeout = bound + SCRIPT_MARGIN;
        let span = operation_span!("execute_async", label, timeout);
        self.issue(label, timeout, self.client.execute_async(script, args))
            .instrument(span)
            .await
    }

    pub async fn cookies(&self) -> Result<Vec<Cookie<'static>>, BrowserError> {
        let span = operation_span!("get_cookies", "get_cookies", self.timeout);
        self.issue("get_cookies", self.timeout, self.client.get_all_cookies())
            .instrument(span)
            .await
    }

    pub async fn add_cookie(&self, cookie: Cookie<'static>) -> Result<(), BrowserError> {
        let span = operation_span!("add_cookie", "add_cookie", self.timeout);
        self.issue("add_cookie", self.timeout, self.client.add_cookie(cookie))
            .instrument(span)
            .await
    }

    pub async fn delete_cookies(&self) -> Result<(), BrowserError> {
        let span = operation_span!("delete_cookies", "delete_cookies", self.timeout);
        self.issue(
            "delete_cookies",
            self.timeout,
            self.client.delete_all_cookies(),
        )
        .instrument(span)
        .await
    }

    /// Ends the WebDriver session (closes Chromium).
    pub async fn close(self) -> Result<(), BrowserError> {
        let span = operation_span!("close_session", "close", self.timeout);
        self.issue("close", self.timeout, self.client.clone().close())
            .instrument(span)
            .await
    }
}

/// fantoccini's errors can span lines (stack traces from chromedriver); keep the first.
fn one_line(error: &CmdError) -> String {
    let text = error.to_string();
    let first = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("unknown error");
    first.to_string()
}
