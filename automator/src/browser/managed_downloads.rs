//! Selenium Grid's managed downloads: how files get back from a browser on another machine.
//!
//! With `--webdriver URL` the browser may run on a Grid node elsewhere, so its downloads land
//! on that node's disk. Grid 4 keeps them per session when the session asks for
//! `se:downloadsEnabled: true` and the node runs with `--enable-managed-downloads true`; the
//! session's `/se/files` endpoints then list (`GET`), return (`POST {"name"}` → a base64 zip
//! holding the one file) and delete (`DELETE`, all of them) the files. Source: Selenium's
//! `LocalNode.downloadFile` and the Grid documentation ("Managed downloads").
//!
//! [`choose_route`] decides, from the endpoint's `/status`, whether to use them: a Grid with a
//! node that offers them → [`DownloadRoute::Managed`]; a WebDriver on this machine (the loopback
//! address) without them → [`DownloadRoute::Local`], Chromium saves into the local folder as
//! with our own chromedriver; anything else is an error before any song is touched, since
//! the files would never arrive. Requesting the capability from a Grid whose nodes lack it
//! would leave the session request queued until the Grid gives up (minutes), so the route
//! is chosen first.
//!
//! [`Mirror`] then polls the session's listing and writes each finished file into the run's
//! local incoming folder the way Chromium would have: first `<name>.crdownload` (sized like
//! the remote partial file while the transfer runs, so progress and stalls show locally),
//! then the whole file under that name, renamed to `<name>` once complete. The download
//! monitor (`flow::incoming`) therefore works unchanged.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tokio::sync::watch;
use url::Url;

/// The capability that asks a Grid to keep the session's downloads.
pub const DOWNLOADS_CAPABILITY: &str = "se:downloadsEnabled";

/// Chromium's suffix of a file it is still writing (the remote browser is Chromium).
const PARTIAL_SUFFIX: &str = ".crdownload";

/// How often the mirror reads the remote listing while nothing is being transferred: one
/// small JSON request per interval.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How often while the node shows a transfer under way: its end is near, and every interval
/// of delay adds to the track's wall time.
pub const POLL_INTERVAL_TRANSFERRING: Duration = Duration::from_millis(25);

/// Bound of one request to the Grid (a listing, or one mix of a few megabytes).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Bound of the last pass at shutdown, which brings files that finished after the last poll.
const FINAL_PASS_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the browser's downloads end up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownloadRoute {
    /// Chromium saves straight into the local incoming folder (our chromedriver, or a
    /// WebDriver on this machine without managed downloads).
    Local,
    /// The Grid keeps them on its node; a [`Mirror`] brings them back.
    Managed,
}

/// Why the files of a remote browser cannot be brought back.
#[derive(Debug, thiserror::Error)]
pub enum ManagedDownloadsError {
    #[error(
        "--webdriver {endpoint}: cannot read its /status ({message}); check the address and that the Grid or WebDriver is running"
    )]
    Status { endpoint: String, message: String },
    #[error(
        "--webdriver {endpoint}: no Grid node offers managed downloads, so files saved on another machine could not be brought back; start every node with --enable-managed-downloads true"
    )]
    GridWithout { endpoint: String },
    #[error(
        "--webdriver {endpoint}: this WebDriver runs on another machine and is not a Selenium Grid with managed downloads, so its downloads could not be brought back; use a Grid 4 whose nodes run with --enable-managed-downloads true, or a WebDriver on this machine"
    )]
    RemoteWithout { endpoint: String },
    #[error("managed downloads: {action} failed: {message}")]
    Request {
        action: &'static str,
        message: String,
    },
    #[error("managed downloads: {name:?} came back unreadable: {message}")]
    Archive { name: String, message: String },
    #[error("managed downloads: cannot write {path} into the incoming folder: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `url` without user name and password, for messages (a Grid behind basic authentication
/// carries them in its address; they never reach any output).
pub fn redacted(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string().trim_end_matches('/').to_string()
        }
        _ => url
            .rsplit_once('@')
            .map_or_else(|| url.to_string(), |(_, host)| format!("…@{host}")),
    }
}

fn request_error(action: &'static str, error: reqwest::Error) -> ManagedDownloadsError {
    ManagedDownloadsError::Request {
        action,
        message: describe(error),
    }
}

/// A request error with its deepest cause (e.g. "Connection refused"), without the address
/// (which may carry credentials).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    let mut deepest = None;
    while let Some(cause) = source {
        deepest = Some(cause.to_string());
        source = cause.source();
    }
    if let Some(cause) = deepest.filter(|cause| !message.contains(cause.as_str())) {
        message = format!("{message}: {cause}");
    }
    message
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .no_proxy()
        .build()
        .unwrap_or_default()
}

/// `endpoint` with a trailing slash, so relative paths join under it (a Grid may live under
/// a path prefix such as `/wd/hub`).
fn base_url(endpoint: &str) -> Result<Url, ManagedDownloadsError> {
    let with_slash = match endpoint.ends_with('/') {
        true => endpoint.to_string(),
        false => format!("{endpoint}/"),
    };
    Url::parse(&with_slash).map_err(|error| ManagedDownloadsError::Status {
        endpoint: redacted(endpoint),
        message: error.to_string(),
    })
}

/// Reads the endpoint's `/status` and decides where downloads go (see the module docs).
pub async fn choose_route(endpoint: &str) -> Result<DownloadRoute, ManagedDownloadsError> {
    let base = base_url(endpoint)?;
    let status_error = |message: String| ManagedDownloadsError::Status {
        endpoint: redacted(endpoint),
        message,
    };
    let url = base
        .join("status")
        .map_err(|error| status_error(error.to_string()))?;
    let response = http_client()
        .get(url)
        .send()
        .await
        .map_err(|error| status_error(describe(error)))?;
    let status: Value = response
        .json()
        .await
        .map_err(|error| status_error(describe(error)))?;
    route_from_status(endpoint, &status)
}

/// The decision of [`choose_route`] from the `/status` answer: a Grid lists its `nodes`, each
/// with slots whose `stereotype` says what it offers; a plain WebDriver lists none.
pub fn route_from_status(
    endpoint: &str,
    status: &Value,
) -> Result<DownloadRoute, ManagedDownloadsError> {
    let on_this_machine = |address: &str| Url::parse(address).is_ok_and(|url| is_loopback(&url));
    let nodes = status["value"]["nodes"].as_array();
    let Some(nodes) = nodes else {
        return match on_this_machine(endpoint) {
            true => Ok(DownloadRoute::Local),
            false => Err(ManagedDownloadsError::RemoteWithout {
                endpoint: redacted(endpoint),
            }),
        };
    };
    let offers_downloads = nodes.iter().any(|node| {
        node["slots"].as_array().is_some_and(|slots| {
            slots.iter().any(|slot| {
                let stereotype = &slot["stereotype"];
                stereotype["browserName"].as_str() == Some("chrome")
                    && stereotype[DOWNLOADS_CAPABILITY].as_bool() == Some(true)
            })
        })
    });
    let all_here = on_this_machine(endpoint)
        && nodes
            .iter()
            .all(|node| node["uri"].as_str().is_some_and(on_this_machine));
    match (offers_downloads, all_here) {
        (true, _) => Ok(DownloadRoute::Managed),
        (false, true) => Ok(DownloadRoute::Local),
        (false, false) => Err(ManagedDownloadsError::GridWithout {
            endpoint: redacted(endpoint),
        }),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

/// A file in the session's remote download folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    pub name: String,
    /// Bytes so far (Grid 4.48 lists sizes; older Grids list only names, read as 0, and a
    /// transfer's progress then does not show locally until it is complete).
    pub size: u64,
}

/// The listing: `{"value": {"names": [...], "files": [{"name", "size", ...}]}}` (`files` in
/// recent Grids such as 4.48; `names` in every Grid 4).
pub fn parse_listing(listing: &Value) -> Vec<RemoteFile> {
    let value = &listing["value"];
    if let Some(files) = value["files"].as_array() {
        return files
            .iter()
            .filter_map(|file| {
                Some(RemoteFile {
                    name: file["name"].as_str()?.to_string(),
                    size: file["size"].as_u64().unwrap_or(0),
                })
            })
            .collect();
    }
    value["names"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|name| {
            Some(RemoteFile {
                name: name.as_str()?.to_string(),
                size: 0,
            })
        })
        .collect()
}

/// The one file inside the base64 zip that `POST /se/files` returns.
pub fn unpack(name: &str, contents_base64: &str) -> Result<Vec<u8>, ManagedDownloadsError> {
    let unreadable = |message: String| ManagedDownloadsError::Archive {
        name: name.to_string(),
        message,
    };
    let zipped = base64::engine::general_purpose::STANDARD
        .decode(contents_base64.trim())
        .map_err(|error| unreadable(format!("not base64: {error}")))?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped))
        .map_err(|error| unreadable(format!("not a zip archive: {error}")))?;
    if archive.len() != 1 {
        return Err(unreadable(format!(
            "the archive holds {} entries, not one",
            archive.len()
        )));
    }
    let mut entry = archive
        .by_index(0)
        .map_err(|error| unreadable(error.to_string()))?;
    let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
    entry
        .read_to_end(&mut bytes)
        .map_err(|error| unreadable(error.to_string()))?;
    Ok(bytes)
}

/// The `/se/files` endpoints of one session.
#[derive(Debug, Clone)]
struct SessionFiles {
    http: reqwest::Client,
    url: Url,
}

impl SessionFiles {
    fn new(endpoint: &str, session_id: &str) -> Result<SessionFiles, ManagedDownloadsError> {
        let url = base_url(endpoint)?
            .join(&format!("session/{session_id}/se/files"))
            .map_err(|error| ManagedDownloadsError::Request {
                action: "building the files address",
                message: error.to_string(),
            })?;
        Ok(SessionFiles {
            http: http_client(),
            url,
        })
    }

    /// Grid wants the charset spelled out: a bare `application/json` is refused.
    fn json_body(request: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
        request
            .header("content-type", "application/json; charset=utf-8")
            .body(body.to_string())
    }

    async fn answer(
        action: &'static str,
        response: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<Value, ManagedDownloadsError> {
        let response = response.map_err(|error| request_error(action, error))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|error| request_error(action, error))?;
        match status.is_success() {
            true => Ok(body),
            false => Err(ManagedDownloadsError::Request {
                action,
                message: format!(
                    "HTTP {status}: {}",
                    body["value"]["message"]
                        .as_str()
                        .unwrap_or("no message")
                        .lines()
                        .next()
                        .unwrap_or_default()
                ),
            }),
        }
    }

    async fn list(&self) -> Result<Vec<RemoteFile>, ManagedDownloadsError> {
        let response = self.http.get(self.url.clone()).send().await;
        Ok(parse_listing(
            &Self::answer("listing the files", response).await?,
        ))
    }

    async fn fetch(&self, name: &str) -> Result<Vec<u8>, ManagedDownloadsError> {
        let request = Self::json_body(self.http.post(self.url.clone()), &json!({ "name": name }));
        let answer = Self::answer("fetching a file", request.send().await).await?;
        let contents =
            answer["value"]["contents"]
                .as_str()
                .ok_or_else(|| ManagedDownloadsError::Archive {
                    name: name.to_string(),
                    message: "the answer has no contents".into(),
                })?;
        unpack(name, contents)
    }

    async fn clear(&self) -> Result<(), ManagedDownloadsError> {
        let response = self.http.delete(self.url.clone()).send().await;
        Self::answer("deleting the node's files", response)
            .await
            .map(|_| ())
    }
}

/// What the mirror has done so far, and what it still holds.
#[derive(Debug, Default)]
struct MirrorState {
    /// Finished remote names already brought back (until the node's folder is cleared).
    brought: HashSet<String>,
    /// Remote finished name → the local name it gets (Chromium's ` (1)` when taken).
    local_names: HashMap<String, String>,
}

/// Brings one session's downloads from the Grid node into the local incoming folder (see the
/// module docs). Stopped, with a last pass, by [`Mirror::finish`]; aborted on drop.
#[derive(Debug)]
pub struct Mirror {
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    brought: Arc<AtomicUsize>,
}

impl Mirror {
    /// Starts polling the session `session_id` of `endpoint`, writing into `incoming`.
    pub fn start(
        endpoint: &str,
        session_id: &str,
        incoming: PathBuf,
    ) -> Result<Mirror, ManagedDownloadsError> {
        let files = SessionFiles::new(endpoint, session_id)?;
        let (stop, stopped) = watch::channel(false);
        let brought = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(mirror_loop(files, incoming, stopped, brought.clone()));
        Ok(Mirror {
            stop,
            task: Some(task),
            brought,
        })
    }

    /// Files brought back so far.
    pub fn brought(&self) -> usize {
        self.brought.load(Ordering::Relaxed)
    }

    /// Makes a last pass (files that finished since the last poll), stops, and returns how many
    /// files were brought back in all.
    pub async fn finish(mut self) -> usize {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.brought()
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn mirror_loop(
    files: SessionFiles,
    incoming: PathBuf,
    mut stopped: watch::Receiver<bool>,
    brought: Arc<AtomicUsize>,
) {
    let mut state = MirrorState::default();
    let mut last_error: Option<String> = None;
    let mut transferring = false;
    loop {
        let stopping = *stopped.borrow();
        let pass = mirror_pass(&files, &incoming, &mut state, &brought);
        let outcome = match stopping {
            true => tokio::time::timeout(FINAL_PASS_TIMEOUT, pass)
                .await
                .unwrap_or_else(|_| {
                    Err(ManagedDownloadsError::Request {
                        action: "the last pass",
                        message: format!("took longer than {} s", FINAL_PASS_TIMEOUT.as_secs()),
                    })
                }),
            false => pass.await,
        };
        match outcome {
            Ok(under_way) => {
                transferring = under_way;
                last_error = None;
            }
            // Said once per kind of failure: the download monitor reports the missing file.
            Err(error) => {
                let message = error.to_string();
                if last_error.as_ref() != Some(&message) {
                    tracing::warn!("{message}; trying again");
                    last_error = Some(message);
                }
            }
        }
        if stopping {
            return;
        }
        let interval = match transferring {
            true => POLL_INTERVAL_TRANSFERRING,
            false => POLL_INTERVAL,
        };
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stopped.changed() => {}
        }
    }
}

/// One look at the node's folder: placeholders for transfers under way, finished files
/// fetched, the node's folder cleared once everything in it is here, then the finished files
/// revealed under their final names (after the clearing, so the next download cannot start
/// on the node before it). Returns whether a transfer is under way on the node.
async fn mirror_pass(
    files: &SessionFiles,
    incoming: &Path,
    state: &mut MirrorState,
    brought: &AtomicUsize,
) -> Result<bool, ManagedDownloadsError> {
    let listing = files.list().await?;
    let listed: HashSet<&str> = listing.iter().map(|file| file.name.as_str()).collect();
    let finishing = listing.iter().any(|file| is_scratch(&file.name));
    let under_way = finishing
        || listing
            .iter()
            .any(|file| file.name.ends_with(PARTIAL_SUFFIX));
    state.brought.retain(|name| listed.contains(name.as_str()));
    let mut ready = Vec::new();
    let mut failure = None;
    for file in listing.iter().filter(|file| !is_scratch(&file.name)) {
        let transferring = listed.contains(format!("{}{PARTIAL_SUFFIX}", file.name).as_str());
        match file.name.strip_suffix(PARTIAL_SUFFIX) {
            Some(finished_name) => {
                if state.brought.contains(finished_name) {
                    continue;
                }
                let local = local_name(state, incoming, finished_name);
                let placeholder = incoming.join(format!("{local}{PARTIAL_SUFFIX}"));
                grow_placeholder(&placeholder, file.size)?;
            }
            // Chromium's empty placeholder under the final name, or a file already here.
            None if transferring || state.brought.contains(&file.name) => {}
            // A file that cannot be fetched now is tried again next pass; the others go on.
            None => match stage_locally(files, state, incoming, &file.name).await {
                Ok((partial, finished)) => {
                    state.brought.insert(file.name.clone());
                    ready.push((file.name.clone(), partial, finished));
                }
                Err(error) => {
                    failure.get_or_insert(error);
                }
            },
        }
    }
    if !finishing {
        drop_abandoned_placeholders(state, incoming, &listed);
    }
    if !ready.is_empty() {
        clear_when_all_here(files, state).await;
    }
    for (remote, partial, finished) in ready {
        std::fs::rename(&partial, &finished).map_err(|source| ManagedDownloadsError::Write {
            path: finished.clone(),
            source,
        })?;
        state.local_names.remove(&remote);
        brought.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(file = %finished.display(), "brought back from the Grid node");
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(under_way),
    }
}

/// Fetches the finished remote file `name` into its local partial file; returns that file and
/// the final name it is to be renamed to.
async fn stage_locally(
    files: &SessionFiles,
    state: &mut MirrorState,
    incoming: &Path,
    name: &str,
) -> Result<(PathBuf, PathBuf), ManagedDownloadsError> {
    let bytes = files.fetch(name).await?;
    let local = local_name(state, incoming, name);
    let partial = incoming.join(format!("{local}{PARTIAL_SUFFIX}"));
    std::fs::write(&partial, &bytes).map_err(|source| ManagedDownloadsError::Write {
        path: partial.clone(),
        source,
    })?;
    Ok((partial, incoming.join(&local)))
}

/// Empties the node's folder when a fresh listing holds nothing but files already brought
/// back: otherwise Chromium would name the next download of the same track `… (1).mp3`, and a
/// long run would fill the node's disk. A transfer under way is never cut off.
async fn clear_when_all_here(files: &SessionFiles, state: &mut MirrorState) {
    let Ok(fresh) = files.list().await else {
        return;
    };
    if fresh.iter().all(|file| state.brought.contains(&file.name)) {
        match files.clear().await {
            Ok(()) => state.brought.clear(),
            Err(error) => tracing::debug!("{error}"),
        }
    }
}

/// Chromium's own scratch files (`.org.chromium.Chromium.XXXXXX`, hidden): listed for a moment
/// while a transfer is being finished, between its partial file and the final name. Never a
/// download, and while one is there a partial file that vanished is not a dropped transfer.
fn is_scratch(name: &str) -> bool {
    name.starts_with('.')
}

/// The local name for the remote `name`: the same, or Chromium's ` (n)` form when the local
/// folder still holds a file of that name (an earlier download not yet filed).
fn local_name(state: &mut MirrorState, incoming: &Path, name: &str) -> String {
    if let Some(local) = state.local_names.get(name) {
        return local.clone();
    }
    let taken = |candidate: &str| {
        incoming.join(candidate).exists()
            || incoming
                .join(format!("{candidate}{PARTIAL_SUFFIX}"))
                .exists()
    };
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    };
    let local = (0..)
        .map(|copy| match copy {
            0 => name.to_string(),
            copy => format!("{stem} ({copy}){extension}"),
        })
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| name.to_string());
    state.local_names.insert(name.to_string(), local.clone());
    local
}

/// Sets the local placeholder of a transfer under way to the remote partial file's size
/// (sparse: no data is copied until the file is complete).
fn grow_placeholder(placeholder: &Path, size: u64) -> Result<(), ManagedDownloadsError> {
    let write_error = |source| ManagedDownloadsError::Write {
        path: placeholder.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(placeholder)
        .map_err(write_error)?;
    if file.metadata().map_err(write_error)?.len() != size {
        file.set_len(size).map_err(write_error)?;
    }
    Ok(())
}

/// Removes the placeholders of transfers the remote browser dropped (neither the partial nor
/// the finished file is listed any more), as Chromium removes its own.
fn drop_abandoned_placeholders(state: &mut MirrorState, incoming: &Path, listed: &HashSet<&str>) {
    state.local_names.retain(|remote, local| {
        let partial_listed = listed.contains(format!("{remote}{PARTIAL_SUFFIX}").as_str());
        if partial_listed || listed.contains(remote.as_str()) || state.brought.contains(remote) {
            return true;
        }
        let _ = std::fs::remove_file(incoming.join(format!("{local}{PARTIAL_SUFFIX}")));
        false
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zipped(name: &str, bytes: &[u8]) -> String {
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut buffer);
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
        writer.finish().unwrap();
        base64::engine::general_purpose::STANDARD.encode(buffer.into_inner())
    }

    #[test]
    fn a_file_comes_out_of_its_base64_zip_unchanged() {
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        assert_eq!(unpack("a.mp3", &zipped("a.mp3", &bytes)).unwrap(), bytes);
    }

    #[test]
    fn a_broken_archive_is_named_in_one_line() {
        let message = unpack("a.mp3", "not base64!").unwrap_err().to_string();
        assert!(message.contains("\"a.mp3\""), "{message}");
        assert!(message.contains("not base64"), "{message}");
        let message = unpack("a.mp3", "aGVsbG8=").unwrap_err().to_string();
        assert!(message.contains("not a zip archive"), "{message}");
    }

    #[test]
    fn the_listing_gives_names_and_sizes_or_names_alone() {
        let recent = json!({"value": {
            "names": ["a.mp3", "b.mp3.crdownload"],
            "files": [
                {"name": "a.mp3", "size": 10, "lastModifiedTime": 1},
                {"name": "b.mp3.crdownload", "size": 4, "lastModifiedTime": 2}
            ]
        }});
        assert_eq!(
            parse_listing(&recent),
            vec![
                RemoteFile {
                    name: "a.mp3".into(),
                    size: 10
                },
                RemoteFile {
                    name: "b.mp3.crdownload".into(),
                    size: 4
                }
            ]
        );
        let older = json!({"value": {"names": ["a.mp3"]}});
        assert_eq!(
            parse_listing(&older),
            vec![RemoteFile {
                name: "a.mp3".into(),
                size: 0
            }]
        );
    }

    fn grid_status(node_uri: &str, downloads: bool) -> Value {
        json!({"value": {"ready": true, "nodes": [{
            "uri": node_uri,
            "slots": [{"stereotype": {"browserName": "chrome", "se:downloadsEnabled": downloads}}]
        }]}})
    }

    #[test]
    fn a_grid_node_with_managed_downloads_is_used_wherever_it_runs() {
        for endpoint in ["http://127.0.0.1:4444", "http://grid.example:4444/wd/hub"] {
            assert_eq!(
                route_from_status(endpoint, &grid_status("http://10.0.0.7:5555", true)).unwrap(),
                DownloadRoute::Managed
            );
        }
    }

    #[test]
    fn without_managed_downloads_only_a_browser_on_this_machine_saves_locally() {
        let chromedriver = json!({"value": {"ready": true, "message": "ChromeDriver ready"}});
        assert_eq!(
            route_from_status("http://localhost:9515", &chromedriver).unwrap(),
            DownloadRoute::Local
        );
        assert_eq!(
            route_from_status(
                "http://127.0.0.1:4444",
                &grid_status("http://127.0.0.1:5555", false)
            )
            .unwrap(),
            DownloadRoute::Local
        );
        let remote = route_from_status("http://user:secret@10.1.2.3:9515", &chromedriver)
            .unwrap_err()
            .to_string();
        assert!(remote.contains("another machine"), "{remote}");
        assert!(!remote.contains("secret"), "{remote}");
        let grid = route_from_status(
            "http://127.0.0.1:4444",
            &grid_status("http://10.0.0.7:5555", false),
        )
        .unwrap_err()
        .to_string();
        assert!(grid.contains("--enable-managed-downloads true"), "{grid}");
    }

    #[test]
    fn credentials_never_appear_in_a_redacted_address() {
        assert_eq!(
            redacted("http://alice:s3cret@grid.example:4444/wd/hub"),
            "http://grid.example:4444/wd/hub"
        );
        assert_eq!(redacted("http://127.0.0.1:4444"), "http://127.0.0.1:4444");
        assert!(!redacted("alice:s3cret@not a url").contains("s3cret"));
    }

    #[test]
    fn a_name_still_in_the_local_folder_gets_chromiums_copy_number() {
        let folder = tempfile::tempdir().unwrap();
        let mut state = MirrorState::default();
        std::fs::write(folder.path().join("A(Bass).mp3"), b"earlier").unwrap();
        std::fs::write(folder.path().join("A(Bass) (1).mp3.crdownload"), b"").unwrap();
        assert_eq!(
            local_name(&mut state, folder.path(), "A(Bass).mp3"),
            "A(Bass) (2).mp3"
        );
        assert_eq!(
            local_name(&mut state, folder.path(), "B.mp3"),
            "B.mp3",
            "a free name is kept"
        );
    }

    #[test]
    fn a_placeholder_follows_the_remote_size_and_goes_when_the_transfer_is_dropped() {
        let folder = tempfile::tempdir().unwrap();
        let mut state = MirrorState::default();
        let local = local_name(&mut state, folder.path(), "A.mp3");
        let placeholder = folder.path().join(format!("{local}{PARTIAL_SUFFIX}"));
        grow_placeholder(&placeholder, 1000).unwrap();
        assert_eq!(std::fs::metadata(&placeholder).unwrap().len(), 1000);
        grow_placeholder(&placeholder, 5000).unwrap();
        assert_eq!(std::fs::metadata(&placeholder).unwrap().len(), 5000);
        let still = HashSet::from(["A.mp3.crdownload"]);
        drop_abandoned_placeholders(&mut state, folder.path(), &still);
        assert!(placeholder.exists());
        drop_abandoned_placeholders(&mut state, folder.path(), &HashSet::new());
        assert!(!placeholder.exists());
    }

    /// A node's `/se/files` for one session (`s`): the files it lists (name, bytes, and the
    /// size to list) and how often it was cleared.
    #[derive(Default)]
    struct FakeNode {
        files: Vec<(String, Vec<u8>)>,
        clears: usize,
    }

    async fn fake_node() -> (String, Arc<std::sync::Mutex<FakeNode>>) {
        use axum::routing::get;
        let node = Arc::new(std::sync::Mutex::new(FakeNode::default()));
        let (list, fetch, clear) = (node.clone(), node.clone(), node.clone());
        let router = axum::Router::new().route(
            "/session/s/se/files",
            get(move || {
                let files = list.lock().unwrap().files.clone();
                let listed: Vec<Value> = files
                    .iter()
                    .map(|(name, bytes)| json!({"name": name, "size": bytes.len()}))
                    .collect();
                async move { axum::Json(json!({"value": {"files": listed}})) }
            })
            .post(move |body: String| {
                let name = serde_json::from_str::<Value>(&body).unwrap()["name"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let node = fetch.lock().unwrap();
                let (_, bytes) = node.files.iter().find(|(n, _)| *n == name).unwrap();
                let contents = zipped(&name, bytes);
                async move { axum::Json(json!({"value": {"filename": name, "contents": contents}})) }
            })
            .delete(move || {
                let mut node = clear.lock().unwrap();
                node.files.clear();
                node.clears += 1;
                async { axum::Json(json!({"value": null})) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (url, node)
    }

    #[tokio::test]
    async fn a_transfer_on_the_node_shows_as_a_growing_partial_file_then_arrives_whole() {
        let (url, node) = fake_node().await;
        let files = SessionFiles::new(&url, "s").unwrap();
        let folder = tempfile::tempdir().unwrap();
        let incoming = folder.path();
        let mut state = MirrorState::default();
        let brought = AtomicUsize::new(0);
        let mix: Vec<u8> = (0..50_000u32).map(|i| (i % 253) as u8).collect();
        let set = |files: Vec<(&str, Vec<u8>)>| {
            node.lock().unwrap().files = files
                .into_iter()
                .map(|(name, bytes)| (name.to_string(), bytes))
                .collect();
        };
        let partial = incoming.join("A(Bass).mp3.crdownload");

        set(vec![("A(Bass).mp3.crdownload", mix[..1000].to_vec())]);
        assert!(
            mirror_pass(&files, incoming, &mut state, &brought)
                .await
                .unwrap()
        );
        assert_eq!(std::fs::metadata(&partial).unwrap().len(), 1000);

        // Chromium's scratch file between the partial file and the final name: still under way.
        set(vec![(".org.chromium.Chromium.x1", mix.clone())]);
        assert!(
            mirror_pass(&files, incoming, &mut state, &brought)
                .await
                .unwrap()
        );
        assert!(partial.exists(), "not taken for a dropped transfer");

        // Chromium's empty placeholder under the final name while the partial file grows.
        set(vec![
            ("A(Bass).mp3", Vec::new()),
            ("A(Bass).mp3.crdownload", mix[..30_000].to_vec()),
        ]);
        mirror_pass(&files, incoming, &mut state, &brought)
            .await
            .unwrap();
        assert!(!incoming.join("A(Bass).mp3").exists(), "not finished yet");
        assert_eq!(std::fs::metadata(&partial).unwrap().len(), 30_000);

        set(vec![("A(Bass).mp3", mix.clone())]);
        assert!(
            !mirror_pass(&files, incoming, &mut state, &brought)
                .await
                .unwrap()
        );
        assert_eq!(std::fs::read(incoming.join("A(Bass).mp3")).unwrap(), mix);
        assert!(!partial.exists());
        assert_eq!(brought.load(Ordering::Relaxed), 1);
        assert_eq!(
            node.lock().unwrap().clears,
            1,
            "the node's folder was emptied"
        );

        // The same track again, while the first file is still in the local folder.
        set(vec![("A(Bass).mp3", mix[..2000].to_vec())]);
        mirror_pass(&files, incoming, &mut state, &brought)
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(incoming.join("A(Bass) (1).mp3")).unwrap(),
            mix[..2000]
        );
        assert_eq!(brought.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_transfer_the_node_dropped_takes_its_partial_file_away() {
        let (url, node) = fake_node().await;
        let files = SessionFiles::new(&url, "s").unwrap();
        let folder = tempfile::tempdir().unwrap();
        let mut state = MirrorState::default();
        let brought = AtomicUsize::new(0);
        node.lock().unwrap().files = vec![("B.mp3.crdownload".into(), vec![1; 10])];
        mirror_pass(&files, folder.path(), &mut state, &brought)
            .await
            .unwrap();
        assert!(folder.path().join("B.mp3.crdownload").exists());
        node.lock().unwrap().files.clear();
        mirror_pass(&files, folder.path(), &mut state, &brought)
            .await
            .unwrap();
        assert!(!folder.path().join("B.mp3.crdownload").exists());
        assert_eq!(brought.load(Ordering::Relaxed), 0);
    }
}
