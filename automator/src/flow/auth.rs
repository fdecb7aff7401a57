//! Authentication: reuse a saved session when the site still accepts it, otherwise log in
//! through the form and save the new session's cookies for next time.

use std::path::{Path, PathBuf};

use fantoccini::cookies::Cookie;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::Credentials;

use super::context::FlowContext;
use super::error::FlowError;
use super::scripts;

/// How the run got its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginKind {
    /// A saved session was still valid.
    Reused,
    /// Logged in through the form.
    Fresh,
}

/// The file that keeps the session cookies between runs (`None` = no persistence).
#[derive(Debug, Clone, Default)]
pub struct SessionStore {
    pub path: Option<PathBuf>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedSession {
    site: String,
    cookies: Vec<SavedCookie>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedCookie {
    name: String,
    value: String,
    #[serde(default)]
    domain: Option<String>,
    path: Option<String>,
    secure: Option<bool>,
    http_only: Option<bool>,
}

/// How many times the login form is tried when the site answers with an error page.
const LOGIN_ATTEMPTS: u32 = 3;

impl SessionStore {
    /// Deletes the saved session (`--clear-session`).
    pub fn clear(&self) -> std::io::Result<()> {
        match &self.path {
            Some(path) => match std::fs::remove_file(path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }

    fn load(&self, site: &str) -> Option<Vec<SavedCookie>> {
        let path = self.path.as_ref()?;
        make_private(path);
        let text = std::fs::read_to_string(path).ok()?;
        let saved: SavedSession = serde_json::from_str(&text).ok()?;
        (saved.site == site && !saved.cookies.is_empty()).then_some(saved.cookies)
    }

    fn save(&self, site: &str, cookies: &[Cookie<'static>]) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let saved = SavedSession {
            site: site.to_string(),
            cookies: cookies
                .iter()
                .map(|cookie| SavedCookie {
                    name: cookie.name().to_string(),
                    value: cookie.value().to_string(),
                    domain: cookie.domain().map(str::to_string),
                    path: cookie.path().map(str::to_string),
                    secure: cookie.secure(),
                    http_only: cookie.http_only(),
                })
                .collect(),
        };
        let text = serde_json::to_vec_pretty(&saved).map_err(std::io::Error::other)?;
        write_private(path, &text)
    }
}

/// Writes a file only its owner can read (0600: it holds a live session cookie), atomically:
/// a temporary file beside it, created 0600, synced, then renamed over the old one, so a
/// reader never sees half a file and the cookie is never readable by others, not even briefly.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(directory)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".session.")
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(directory)?;
    temporary.write_all(contents)?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// A session file saved by an older version (0644) is made private before it is used.
fn make_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return;
    };
    if metadata.is_file()
        && metadata.permissions().mode() & 0o077 != 0
        && let Err(error) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    {
        tracing::warn!(
            "{} holds a session cookie and others can read it; making it private failed: {error}",
            path.display()
        );
    }
}

/// Makes sure the browser is logged in: a saved session when valid (unless `force_login`),
/// otherwise the login form.
#[tracing::instrument(skip_all, fields(tier = "component", component = "authentication", reused = tracing::field::Empty), err)]
pub async fn ensure_logged_in(
    ctx: &FlowContext<'_>,
    credentials: &Credentials,
    store: &SessionStore,
    force_login: bool,
) -> Result<LoginKind, FlowError> {
    let site = ctx.base_url.as_str();
    if !force_login && let Some(cookies) = store.load(site) {
        restore_session(ctx, cookies).await?;
        if probe_session(ctx).await? {
            tracing::Span::current().record("reused", true);
            return Ok(LoginKind::Reused);
        }
    }
    log_in(ctx, credentials).await?;
    save_session(ctx, store).await;
    tracing::Span::current().record("reused", false);
    Ok(LoginKind::Fresh)
}

/// Logs in through the form again (after the site expired the session mid-run).
#[tracing::instrument(
    skip_all,
    fields(tier = "component", component = "authentication"),
    err
)]
pub async fn log_in_again(
    ctx: &FlowContext<'_>,
    credentials: &Credentials,
    store: &SessionStore,
) -> Result<(), FlowError> {
    log_in(ctx, credentials).await?;
    save_session(ctx, store).await;
    Ok(())
}

#[tracing::instrument(skip_all, fields(tier = "method", component = "authentication"), err)]
async fn restore_session(
    ctx: &FlowContext<'_>,
    cookies: Vec<SavedCookie>,
) -> Result<(), FlowError> {
    ctx.driver.navigate(ctx.base_url.as_str(), 2).await?;
    ctx.driver.delete_cookies().await?;
    let host = ctx.base_url.host_str().unwrap_or_default().to_string();
    for saved in cookies {
        let mut restored = Cookie::new(saved.name, saved.value);
        // chromedriver rejects a cookie without a domain, and fantoccini would send
        // `SameSite=None`, which Chromium drops for cookies that are not `Secure`.
        restored.set_domain(saved.domain.unwrap_or_else(|| host.clone()));
        restored.set_same_site(cookie::SameSite::Lax);
        if let Some(path) = saved.path {
            restored.set_path(path);
        }
        if let Some(secure) = saved.secure {
            restored.set_secure(secure);
        }
        if let Some(http_only) = saved.http_only {
            restored.set_http_only(http_only);
        }
        ctx.driver.add_cookie(restored).await?;
    }
    Ok(())
}

/// Whether the session probe page (`/my/index.html`) opens without a detour to the login.
#[tracing::instrument(skip_all, fields(tier = "method", component = "authentication"), err)]
async fn probe_session(ctx: &FlowContext<'_>) -> Result<bool, FlowError> {
    let login = &ctx.site.login;
    ctx.driver
        .navigate(&ctx.url(&login.session_probe_path), 2)
        .await?;
    let state = login_state(ctx).await?;
    Ok(state.path == login.session_probe_path && state.logged_in && !state.login_form)
}

struct LoginState {
    logged_in: bool,
    login_form: bool,
    path: String,
}

async fn login_state(ctx: &FlowContext<'_>) -> Result<LoginState, FlowError> {
    let login = &ctx.site.login;
    let state = ctx
        .driver
        .execute(
            "login_state",
            scripts::LOGIN_STATE,
            vec![json!(login.logged_in_text), json!(login.username_input)],
        )
        .await?;
    Ok(LoginState {
        logged_in: state
            .get("contains")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        login_form: state.get("login").and_then(Value::as_bool).unwrap_or(false),
        path: state
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

/// Logs in through the form, retrying when the site answers with an error page. Every attempt
/// first looks where the browser stands and only then acts, so an attempt whose submit went
/// through although its answer was an error page (an HTTP 500 on the page after the login) is
/// recognised as logged in instead of looking for a "Log in" link that is no longer there.
async fn log_in(ctx: &FlowContext<'_>, credentials: &Credentials) -> Result<(), FlowError> {
    let mut last_error = FlowError::LoginIncomplete("no attempt made".into());
    let mut form_shown_again = false;
    for attempt in 1..=LOGIN_ATTEMPTS {
        match login_attempt(ctx, credentials).await {
            Ok(()) => return Ok(()),
            // Wrong credentials show the form again every time; a session the site dropped
            // right after the login shows it once. Only the second time is a rejection.
            Err(FlowError::LoginRejected) if form_shown_again => {
                return Err(FlowError::LoginRejected);
            }
            Err(FlowError::LoginRejected) => {
                tracing::debug!(
                    attempt,
                    "the site showed the login form again after submitting it"
                );
                form_shown_again = true;
                last_error = FlowError::LoginRejected;
            }
            Err(error) if error.is_browser_lost() => return Err(error),
            Err(error) => {
                tracing::debug!(attempt, %error, "login attempt failed");
                form_shown_again = false;
                last_error = error;
            }
        }
    }
    Err(last_error)
}

/// Where the login stands on the page the browser shows.
enum LoginStep {
    /// The page is a logged-in page: nothing left to do.
    LoggedIn,
    /// The page shows the login form: fill it in.
    Form,
    /// Neither (the home page of a visitor, or an error page).
    Elsewhere,
}

impl LoginState {
    fn step(&self) -> LoginStep {
        match (self.logged_in, self.login_form) {
            (true, false) => LoginStep::LoggedIn,
            (_, true) => LoginStep::Form,
            (false, false) => LoginStep::Elsewhere,
        }
    }
}

/// One attempt, each step checked before it acts: on the home page, stop if already logged in;
/// follow the "Log in" link; on the form, stop if logged in meanwhile; fill and submit; judge
/// the answer.
#[tracing::instrument(
    name = "submit_login",
    skip_all,
    fields(tier = "method", component = "authentication"),
    err
)]
async fn login_attempt(ctx: &FlowContext<'_>, credentials: &Credentials) -> Result<(), FlowError> {
    let login = &ctx.site.login;
    ctx.driver.navigate(ctx.base_url.as_str(), 2).await?;
    match login_state(ctx).await?.step() {
        LoginStep::LoggedIn => return Ok(()),
        LoginStep::Form => {}
        LoginStep::Elsewhere => {
            let link = ctx.driver.find_link(&login.link_text).await?;
            ctx.driver.click_and_wait_for_page(&link).await?;
            let state = login_state(ctx).await?;
            match state.step() {
                LoginStep::LoggedIn => return Ok(()),
                LoginStep::Form => {}
                LoginStep::Elsewhere => {
                    return Err(FlowError::LoginIncomplete(format!(
                        "the {:?} link led to {} without the login form",
                        login.link_text, state.path
                    )));
                }
            }
        }
    }
    let username = ctx.driver.find(&input_named(&login.username_input)).await?;
    ctx.driver
        .type_text(&username, &credentials.username)
        .await?;
    let password = ctx.driver.find(&input_named(&login.password_input)).await?;
    ctx.driver
        .type_text(&password, credentials.password.expose())
        .await?;
    let submit = ctx.driver.find(&input_named(&login.submit_button)).await?;
    ctx.driver.click_and_wait_for_page(&submit).await?;
    let state = login_state(ctx).await?;
    match state.step() {
        LoginStep::LoggedIn => Ok(()),
        LoginStep::Form => Err(FlowError::LoginRejected),
        LoginStep::Elsewhere => Err(FlowError::LoginIncomplete(format!(
            "after submitting the form the site showed {} without {:?}",
            state.path, login.logged_in_text
        ))),
    }
}

fn input_named(name: &str) -> String {
    format!("[name={}]", json!(name))
}

/// Saves the session cookies; a failure only costs a login next time, so it is logged, not
/// fatal.
#[tracing::instrument(skip_all, fields(tier = "method", component = "authentication"))]
async fn save_session(ctx: &FlowContext<'_>, store: &SessionStore) {
    if store.path.is_none() {
        return;
    }
    let saved = match ctx.driver.cookies().await {
        Ok(cookies) => store.save(ctx.base_url.as_str(), &cookies),
        Err(error) => Err(std::io::Error::other(error.to_string())),
    };
    if let Err(error) = saved {
        let path = store
            .path
            .as_deref()
            .map(Path::display)
            .map(|path| path.to_string())
            .unwrap_or_default();
        tracing::warn!(
            "could not save the session to {path} ({error}); the next run will log in again"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_session_is_only_used_for_its_own_site() {
        let directory = tempfile::tempdir().unwrap();
        let store = SessionStore {
            path: Some(directory.path().join("session.json")),
        };
        let cookie = Cookie::new("session", "abc");
        store.save("http://127.0.0.1:1234/", &[cookie]).unwrap();
        let loaded = store.load("http://127.0.0.1:1234/").unwrap();
        assert_eq!(
            (loaded[0].name.as_str(), loaded[0].value.as_str()),
            ("session", "abc")
        );
        assert!(store.load("https://www.karaoke-version.com/").is_none());
        store.clear().unwrap();
        assert!(store.load("http://127.0.0.1:1234/").is_none());
        store.clear().unwrap();
    }

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_session_file_is_private_and_an_old_public_one_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("logs").join("session.json");
        let store = SessionStore {
            path: Some(path.clone()),
        };
        store
            .save("http://x/", &[Cookie::new("session", "abc")])
            .unwrap();
        assert_eq!(mode(&path), 0o600);
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["session.json"], "no temporary file is left");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(store.load("http://x/").is_some());
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_corrupt_session_file_means_logging_in_again() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("session.json");
        std::fs::write(&path, b"{ not json").unwrap();
        assert!(
            SessionStore { path: Some(path) }
                .load("http://x/")
                .is_none()
        );
    }
}
