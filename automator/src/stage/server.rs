//! The stage's HTTP server: routes, and the gate every request passes (page think time,
//! injected HTTP 500s, session checks and injected session expiry).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::StageConfig;
use super::catalog::{CatalogSong, demo_catalog, find_song};
use super::faults::{FaultKind, FaultSpec};
use super::ledger::Ledger;
use super::mix::{MixProgress, Mixer, MixerError};
use super::pages;
use super::rate_limit::RateWindow;
use super::session::{Sessions, clear_cookie, session_token, set_cookie};
use super::timing::TimingModel;
use super::transfer::throttled_body;

/// Long-polls answer with the current state after this long without a change (real time).
const LONG_POLL_TIMEOUT: Duration = Duration::from_secs(15);
/// Where a login without a (safe) `next` goes.
const AFTER_LOGIN: &str = "/my/index.html";

/// Shared state of the running site.
#[derive(Debug)]
pub(crate) struct Site {
    config: StageConfig,
    timing: TimingModel,
    ledger: Ledger,
    sessions: Sessions,
    mixer: Arc<Mixer>,
    /// The account's mix-request window, when `--rate-limit` is set.
    rate_window: Option<RateWindow>,
    shutdown: watch::Receiver<bool>,
    request_counts: Mutex<HashMap<String, u64>>,
}

impl Site {
    pub(crate) fn new(
        config: &StageConfig,
        ledger: Ledger,
        shutdown: watch::Receiver<bool>,
    ) -> Site {
        let timing = TimingModel::new(config.time_scale, config.seed);
        Site {
            config: config.clone(),
            timing,
            mixer: Arc::new(Mixer::new(
                timing,
                config.faults.clone(),
                config.seed,
                ledger.clone(),
                shutdown.clone(),
                config.capacity,
            )),
            rate_window: config
                .rate_limit
                .map(|limit| RateWindow::new(limit, config.time_scale)),
            ledger,
            sessions: Sessions::new(config.session_ttl),
            shutdown,
            request_counts: Mutex::new(HashMap::new()),
        }
    }

    fn faults(&self) -> &FaultSpec {
        &self.config.faults
    }
}

/// Serves `site` on `listener` until `shutdown` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    site: Site,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    axum::serve(listener, router(Arc::new(site)))
        .with_graceful_shutdown(async move {
            // An error means the sender is gone, which also means "stop".
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await
}

fn router(site: Arc<Site>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", get(logout))
        .route("/my/index.html", get(account))
        .route("/custombackingtrack/{artist}/{page}", get(song_page))
        .route("/api/solo", post(request_solo))
        .route("/api/solo-state", get(solo_state))
        .route("/api/mix", post(request_mix))
        .route("/api/mix/{id}", get(mix_state))
        .route("/download/{id}", get(download))
        .route("/__stage/ledger", get(ledger_json).delete(ledger_clear))
        .route("/__stage/info", get(info))
        .fallback(not_found)
        .with_state(site)
}

/// How a request passes the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An HTML page: think time, faults, session check.
    Page,
    /// A page-script call: faults, session check; JSON errors.
    Api,
    /// A file download (a browser navigation): faults, session check; HTML errors.
    Download,
}

/// Who is asking, after the gate.
struct Visitor {
    token: Option<String>,
}

impl Visitor {
    fn logged_in(&self) -> bool {
        self.token.is_some()
    }
}

impl Site {
    /// Think time (pages), injected HTTP 500, session validation and injected expiry; `Err` is
    /// the response to send instead of handling the request.
    async fn gate(
        &self,
        kind: Kind,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<Visitor, Response> {
        let opportunity = {
            let key = format!("{method} {path}");
            let mut counts = self
                .request_counts
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            let count = counts.entry(key.clone()).or_default();
            *count += 1;
            format!("{key}|{count}")
        };
        if kind == Kind::Page {
            let requested = self.ledger.now();
            let think = self
                .timing
                .page_think(path, opportunity_number(&opportunity));
            self.sleep(think).await;
            self.ledger.record_page(path, requested, think);
        }
        if self
            .faults()
            .fires(FaultKind::Http500, self.config.seed, &opportunity)
        {
            self.ledger.record_fault(FaultKind::Http500, &opportunity);
            return Err(internal_error(kind));
        }
        let token = session_token(headers).filter(|token| self.sessions.is_valid(token));
        if let Some(live) = &token
            && self
                .faults()
                .fires(FaultKind::SessionExpiry, self.config.seed, &opportunity)
        {
            self.sessions.end(live);
            self.ledger
                .record_fault(FaultKind::SessionExpiry, &opportunity);
            return Ok(Visitor { token: None });
        }
        Ok(Visitor { token })
    }

    /// The gate of an API call about one song: the catalog song, once the call passed the gate
    /// from a logged-in visitor; otherwise the response to send instead.
    async fn api_song(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        song_path: &str,
    ) -> Result<&'static CatalogSong, Response> {
        if !self
            .gate(Kind::Api, method, path, headers)
            .await?
            .logged_in()
        {
            return Err(not_logged_in());
        }
        find_song(song_path).ok_or_else(no_such_song)
    }

    /// Answers a long-poll with the watched state as soon as `done` holds for it, or after
    /// [`LONG_POLL_TIMEOUT`] (or at shutdown) with the state unchanged.
    async fn long_poll<T: Clone + Serialize>(
        &self,
        mut state: watch::Receiver<T>,
        done: impl FnMut(&T) -> bool,
    ) -> Response {
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            _ = tokio::time::timeout(LONG_POLL_TIMEOUT, state.wait_for(done)) => {}
            _ = shutdown.wait_for(|stop| *stop) => {}
        }
        let view = state.borrow().clone();
        Json(view).into_response()
    }

    /// Session check without faults, for long-polls (their count depends on timing).
    fn visitor(&self, headers: &HeaderMap) -> Visitor {
        Visitor {
            token: session_token(headers).filter(|token| self.sessions.is_valid(token)),
        }
    }

    async fn sleep(&self, duration: Duration) {
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            _ = shutdown.wait_for(|stop| *stop) => {}
        }
    }
}

fn opportunity_number(opportunity: &str) -> u64 {
    opportunity
        .rsplit_once('|')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

fn internal_error(kind: Kind) -> Response {
    let message = "Internal server error (injected by the stage's http500 fault)";
    match kind {
        Kind::Page | Kind::Download => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(pages::error(500, message, false)),
        )
            .into_response(),
        Kind::Api => api_error(StatusCode::INTERNAL_SERVER_ERROR, message),
    }
}

fn api_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn to_login(next: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    found(&format!("/login?next={next}"))
}

/// A `302 Found` redirect, as the real site answers.
fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => (
            StatusCode::FOUND,
            [(header::LOCATION, HeaderValue::from_static("/"))],
        )
            .into_response(),
    }
}

/// Only local absolute paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => AFTER_LOGIN,
    }
}

async fn home(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match site.gate(Kind::Page, &method, uri.path(), &headers).await {
        Ok(visitor) => Html(pages::home(visitor.logged_in(), demo_catalog())).into_response(),
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Response {
    match site.gate(Kind::Page, &method, uri.path(), &headers).await {
        Ok(_) => Html(pages::login(safe_next(query.next.as_deref()), false)).into_response(),
        Err(response) => response,
    }
}

/// The login form's fields. Deliberately not `Debug`: the password must never be logged.
#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    frm_login: String,
    #[serde(default)]
    frm_password: String,
    next: Option<String>,
}

async fn login_submit(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if let Err(response) = site.gate(Kind::Page, &method, uri.path(), &headers).await {
        return response;
    }
    let next = safe_next(form.next.as_deref());
    match site.sessions.login(&form.frm_login, &form.frm_password) {
        Some(token) => {
            let mut response = found(next);
            if let Ok(cookie) = HeaderValue::from_str(&set_cookie(&token)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        None => Html(pages::login(next, true)).into_response(),
    }
}

async fn logout(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = site.gate(Kind::Page, &method, uri.path(), &headers).await {
        return response;
    }
    if let Some(token) = session_token(&headers) {
        site.sessions.end(&token);
    }
    let mut response = found("/");
    if let Ok(cookie) = HeaderValue::from_str(&clear_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn account(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match site.gate(Kind::Page, &method, uri.path(), &headers).await {
        Ok(visitor) if visitor.logged_in() => Html(pages::account(demo_catalog())).into_response(),
        Ok(_) => to_login(uri.path()),
        Err(response) => response,
    }
}

async fn song_page(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let visitor = match site.gate(Kind::Page, &method, uri.path(), &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some(song) = find_song(uri.path()) else {
        return page_not_found(uri.path(), visitor.logged_in());
    };
    if !visitor.logged_in() {
        return to_login(uri.path());
    }
    let solo = site.mixer.solo_state(song).borrow().clone();
    let page = pages::song(song, solo);
    match site.faults().leak_mb() {
        0 => Html(page).into_response(),
        mb => Html(page.replace("</body>", &pages::leak_script(mb))).into_response(),
    }
}

/// The answer to an API call from a visitor without a valid session.
fn not_logged_in() -> Response {
    api_error(StatusCode::UNAUTHORIZED, "not logged in")
}

/// The answer to an API call naming a song that is not in the catalog.
fn no_such_song() -> Response {
    api_error(StatusCode::NOT_FOUND, "no such song")
}

#[derive(Debug, Deserialize)]
struct SoloRequest {
    song: String,
    track: usize,
    /// Turn the solo on (default) or off: the page sends the opposite of the button's state,
    /// so a click on an active solo turns it off.
    #[serde(default = "solo_on")]
    on: bool,
}

fn solo_on() -> bool {
    true
}

async fn request_solo(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Json(request): Json<SoloRequest>,
) -> Response {
    let song = match site
        .api_song(&method, uri.path(), &headers, &request.song)
        .await
    {
        Ok(song) => song,
        Err(response) => return response,
    };
    match site.mixer.request_solo(song, request.track, request.on) {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(json!({ "accepted": true, "track": request.track, "on": request.on })),
        )
            .into_response(),
        Err(error) => api_error(StatusCode::BAD_REQUEST, &error.to_string()),
    }
}

#[derive(Debug, Deserialize)]
struct SoloStateQuery {
    song: String,
    #[serde(default)]
    since: u64,
}

/// Long-poll: answers as soon as the applied solo's version exceeds `since`, or after
/// [`LONG_POLL_TIMEOUT`] with the unchanged state.
async fn solo_state(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Query(query): Query<SoloStateQuery>,
) -> Response {
    if !site.visitor(&headers).logged_in() {
        return not_logged_in();
    }
    let Some(song) = find_song(&query.song) else {
        return no_such_song();
    };
    site.long_poll(site.mixer.solo_state(song), |view| {
        view.version > query.since
    })
    .await
}

#[derive(Debug, Deserialize)]
struct MixRequest {
    song: String,
    #[serde(default)]
    key: i32,
    #[serde(default)]
    precount: bool,
}

async fn request_mix(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Json(request): Json<MixRequest>,
) -> Response {
    let song = match site
        .api_song(&method, uri.path(), &headers, &request.song)
        .await
    {
        Ok(song) => song,
        Err(response) => return response,
    };
    if !song.purchased {
        return api_error(
            StatusCode::FORBIDDEN,
            "song not purchased: add it to your cart first",
        );
    }
    if let Some(window) = &site.rate_window
        && let Err(retry_after) = window.admit(site.ledger.now())
    {
        site.ledger.record_rate_limited(song.path, retry_after);
        return too_many_requests(retry_after);
    }
    match site.mixer.request_mix(song, request.key, request.precount) {
        Ok(view) => {
            let view = view.borrow().clone();
            (StatusCode::ACCEPTED, Json(view)).into_response()
        }
        Err(error) => api_error(StatusCode::BAD_REQUEST, &error.to_string()),
    }
}

/// `429 Too Many Requests` with `Retry-After: <seconds>` (RFC 9110 §10.2.3, delay-seconds).
fn too_many_requests(retry_after: u64) -> Response {
    let mut response = api_error(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("too many mix requests: try again in {retry_after} s"),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// Long-poll: answers when the mix is no longer generating, or after [`LONG_POLL_TIMEOUT`].
async fn mix_state(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    if !site.visitor(&headers).logged_in() {
        return not_logged_in();
    }
    let Some(state) = site.mixer.mix_state(id) else {
        return api_error(StatusCode::NOT_FOUND, "no such mix");
    };
    site.long_poll(state, |view| view.status != MixProgress::Generating)
        .await
}

async fn download(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    let visitor = match site
        .gate(Kind::Download, &method, uri.path(), &headers)
        .await
    {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    if !visitor.logged_in() {
        let back = site.mixer.mix_song(id).map_or("/", |song| song.path);
        return to_login(back);
    }
    let plan = match site.mixer.start_download(id) {
        Ok(plan) => plan,
        Err(error @ MixerError::NotReady(_)) => {
            return (
                StatusCode::CONFLICT,
                Html(pages::error(409, &error.to_string(), true)),
            )
                .into_response();
        }
        Err(error) => return page_not_found(&error.to_string(), true),
    };
    let headers = [
        (header::CONTENT_TYPE, "audio/mpeg".to_owned()),
        (header::CONTENT_LENGTH, plan.file.len().to_string()),
        (
            header::CONTENT_DISPOSITION,
            content_disposition(&plan.file_name),
        ),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    let body = throttled_body(plan, site.ledger.clone(), site.shutdown.clone());
    (headers, body).into_response()
}

/// `attachment; filename="…"`, plus an RFC 5987 `filename*` when the name is not ASCII.
fn content_disposition(file_name: &str) -> String {
    if file_name.is_ascii() {
        return format!("attachment; filename=\"{file_name}\"");
    }
    let ascii: String = file_name
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn ledger_json(State(site): State<Arc<Site>>) -> Response {
    Json(site.ledger.snapshot()).into_response()
}

async fn ledger_clear(State(site): State<Arc<Site>>) -> StatusCode {
    site.ledger.clear();
    StatusCode::NO_CONTENT
}

async fn info(State(site): State<Arc<Site>>) -> Response {
    let songs: Vec<_> = demo_catalog()
        .iter()
        .map(|song| {
            json!({
                "artist": song.artist,
                "title": song.title,
                "path": song.path,
                "tracks": song.tracks,
                "purchased": song.purchased,
                "complex": song.complex(),
            })
        })
        .collect();
    Json(json!({
        "time_scale": site.config.time_scale,
        "seed": site.config.seed,
        "faults": site.config.faults.to_string(),
        "capacity": site.config.capacity.max(1),
        "rate_limit": site.config.rate_limit.map(|limit| limit.to_string()),
        "songs": songs,
    }))
    .into_response()
}

async fn not_found(State(site): State<Arc<Site>>, uri: Uri, headers: HeaderMap) -> Response {
    page_not_found(uri.path(), site.visitor(&headers).logged_in())
}

fn page_not_found(what: &str, logged_in: bool) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(pages::error(404, &format!("Not found: {what}"), logged_in)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            safe_next(Some("/custombackingtrack/a/b.html")),
            "/custombackingtrack/a/b.html"
        );
        assert_eq!(safe_next(Some("//evil.example/")), AFTER_LOGIN);
        assert_eq!(safe_next(Some("https://evil.example/")), AFTER_LOGIN);
        assert_eq!(safe_next(Some("/\\evil")), AFTER_LOGIN);
        assert_eq!(safe_next(None), AFTER_LOGIN);
    }

    #[test]
    fn content_disposition_is_an_attachment_with_the_name() {
        assert_eq!(
            content_disposition("A_B(C_Custom_Backing_Track).mp3"),
            "attachment; filename=\"A_B(C_Custom_Backing_Track).mp3\""
        );
        let unicode = content_disposition("Björk_Song(Full_Mix_Custom_Backing_Track).mp3");
        assert!(unicode.contains("filename=\"Bj_rk_Song"));
        assert!(unicode.contains("filename*=UTF-8''Bj%C3%B6rk_Song%28Full_Mix"));
    }

    #[test]
    fn injected_errors_are_html_for_navigations_and_json_for_scripts() {
        let content_type = |kind| {
            let response = internal_error(kind);
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert!(content_type(Kind::Page).starts_with("text/html"));
        assert!(content_type(Kind::Download).starts_with("text/html"));
        assert_eq!(content_type(Kind::Api), "application/json");
    }

    #[test]
    fn too_many_requests_carries_retry_after_in_whole_seconds() {
        let response = too_many_requests(3);
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
    }

    #[test]
    fn opportunity_numbers_come_from_the_key() {
        assert_eq!(opportunity_number("GET /|3"), 3);
        assert_eq!(opportunity_number("weird"), 0);
    }
}
