//! Accounts and sessions: the demo account's login check, session cookies, and expiry (by TTL,
//! or forced by the `session_expiry` fault).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use rand::Rng;

use super::catalog::{DEMO_PASSWORD, DEMO_USERNAME};

/// Name of the session cookie.
pub(crate) const SESSION_COOKIE: &str = "stage_session";

/// Live sessions, keyed by the opaque cookie token.
#[derive(Debug)]
pub(crate) struct Sessions {
    ttl: Option<Duration>,
    live: Mutex<HashMap<String, Instant>>,
}

impl Sessions {
    pub(crate) fn new(ttl: Option<Duration>) -> Sessions {
        Sessions {
            ttl,
            live: Mutex::new(HashMap::new()),
        }
    }

    /// Checks the credentials against the demo account and opens a session.
    /// Returns `None` on a mismatch (the caller shows a generic error).
    pub(crate) fn login(&self, username: &str, password: &str) -> Option<String> {
        if username.trim() != DEMO_USERNAME || password != DEMO_PASSWORD {
            return None;
        }
        let token: String = (0..16)
            .map(|_| format!("{:02x}", rand::rng().random::<u8>()))
            .collect();
        self.lock().insert(token.clone(), Instant::now());
        Some(token)
    }

    /// Whether `token` names a live session; an expired one is removed.
    pub(crate) fn is_valid(&self, token: &str) -> bool {
        let mut live = self.lock();
        let Some(created) = live.get(token) else {
            return false;
        };
        if self.ttl.is_some_and(|ttl| created.elapsed() >= ttl) {
            live.remove(token);
            return false;
        }
        true
    }

    /// Ends a session (logout, or an injected expiry).
    pub(crate) fn end(&self, token: &str) {
        self.lock().remove(token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.live
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// The session token from the request's `Cookie` headers, if any.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, token)| token.to_owned())
}

/// `Set-Cookie` value opening a session.
pub(crate) fn set_cookie(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax")
}

/// `Set-Cookie` value clearing the session cookie.
pub(crate) fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_the_demo_credentials_open_a_session() {
        let sessions = Sessions::new(None);
        assert!(sessions.login(DEMO_USERNAME, "wrong").is_none());
        assert!(sessions.login("someone@else", DEMO_PASSWORD).is_none());
        let token = sessions.login(DEMO_USERNAME, DEMO_PASSWORD).unwrap();
        assert_eq!(token.len(), 32);
        assert!(sessions.is_valid(&token));
        assert!(!sessions.is_valid("forged"));
        let other = sessions.login(DEMO_USERNAME, DEMO_PASSWORD).unwrap();
        assert_ne!(token, other);
    }

    #[test]
    fn ended_and_expired_sessions_are_invalid() {
        let sessions = Sessions::new(None);
        let token = sessions.login(DEMO_USERNAME, DEMO_PASSWORD).unwrap();
        sessions.end(&token);
        assert!(!sessions.is_valid(&token));

        let expiring = Sessions::new(Some(Duration::ZERO));
        let token = expiring.login(DEMO_USERNAME, DEMO_PASSWORD).unwrap();
        assert!(!expiring.is_valid(&token));
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("theme=dark"));
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; stage_session=abc123; b=2"),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("abc123"));
        assert_eq!(session_token(&HeaderMap::new()), None);
    }

    #[test]
    fn cookies_are_http_only_and_site_wide() {
        assert_eq!(
            set_cookie("t"),
            "stage_session=t; Path=/; HttpOnly; SameSite=Lax"
        );
        assert!(clear_cookie().contains("Max-Age=0"));
    }
}
