//! Download management: request the mix (within the run's mix limiter, holding off as asked
//! when the site answers 429), wait until the site has generated it, wait for the file per
//! `download_wait` (directory polling or file-system events), and verify that the file is the
//! mix of the track that was meant — a wrong mix is a failure to retry.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::config::DownloadWait;

use super::context::FlowContext;
use super::error::FlowError;
use super::incoming::{DirectoryWatch, DownloadState, LOW_SPACE_BYTES, Snapshot, Wanted};
use super::mix_limiter::MixPermit;
use super::rate_limited;
use super::scripts;
use super::tracks::{self, TrackInfo};
use crate::config::site_profile::{NamedTrack, same_track};

/// How a downloaded mix was checked to be the wanted track's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Its file name names the track.
    Name,
    /// Its name names no track of the page (e.g. `Artist_Song(Custom_Backing_Track+2).mp3`),
    /// but the page showed exactly this track soloed just before the request and still does
    /// after the download, and it is the one new file since this request (requests are one at
    /// a time): the server mixed this solo.
    SoloState,
    /// Neither the name nor the solo state can tell: filed, and reported as unverified.
    Unverified,
}

/// A verified mix of the track that is already in the incoming directory: a download of an
/// earlier attempt that completed after its wait ran out (or a copy the browser renamed). It
/// is filed instead of asking the site again, so a complete mix is never thrown away.
#[tracing::instrument(skip_all, fields(tier = "component", component = "download_management", track = track.index), err)]
pub fn arrived_earlier(
    ctx: &FlowContext<'_>,
    song: &str,
    track: &TrackInfo,
) -> Result<Option<PathBuf>, FlowError> {
    let wanted = Wanted {
        song,
        track: &track.name,
    };
    let Some(file) = ctx.incoming.arrived(wanted).map_err(FlowError::Incoming)? else {
        return Ok(None);
    };
    tracing::info!(
        "{}: a mix of an earlier attempt arrived late and is complete; filing it",
        track.name
    );
    Ok(Some(file))
}

/// Downloads the mix of the currently soloed track of `song` (its page path; `tracks` are the
/// page's tracks) and returns the file (still in the incoming directory) and how it was
/// verified.
#[tracing::instrument(skip_all, fields(tier = "component", component = "download_management", track = track.index), err)]
pub async fn download_track(
    ctx: &FlowContext<'_>,
    song: &str,
    track: &TrackInfo,
    tracks: &[TrackInfo],
) -> Result<(PathBuf, Verification), FlowError> {
    let wanted = Wanted {
        song,
        track: &track.name,
    };
    ensure_space(ctx)?;
    let before = ctx.incoming.snapshot().map_err(FlowError::Incoming)?;
    let mut watch = match ctx.knobs.download_wait {
        DownloadWait::Watch => Some(
            ctx.incoming
                .watch()
                .map_err(|error| FlowError::Watch(error.to_string()))?,
        ),
        DownloadWait::Poll => None,
    };
    let solo_before = tracks::soloed_tracks(ctx).await?;
    let mut refused = 0;
    let arrived = loop {
        let mut permit = Some(wait_for_mix_slot(ctx).await);
        request_mix(ctx).await?;
        let requested = Instant::now();
        let arrived = match watch.as_mut() {
            Some(watch) => {
                let max_wait = ctx.seconds(ctx.knobs.download_max_wait);
                let ready = wait_for_readiness(ctx, max_wait).await;
                close_modal(ctx).await;
                match ready {
                    Ok(()) => {
                        if let Some(permit) = permit.take() {
                            permit.ready(requested.elapsed());
                        }
                        let remaining = max_wait.saturating_sub(requested.elapsed());
                        monitor_download_watching(ctx, &before, wanted, watch, remaining).await
                    }
                    Err(error) => Err(error),
                }
            }
            None => {
                let arrived = monitor_download_polling(ctx, &before, wanted).await;
                close_modal(ctx).await;
                if let (Ok(_), Some(permit)) = (&arrived, permit.take()) {
                    permit.ready(requested.elapsed());
                }
                arrived
            }
        };
        // A failure the page showed may be the site's 429: hold off as it asks, then ask again.
        let retry_after = match &arrived {
            Err(FlowError::MixFailed(_)) => rate_limited::noted_429(ctx).await?,
            _ => None,
        };
        let (Some(retry_after), Some(permit)) = (retry_after, permit.take()) else {
            break arrived;
        };
        refused += 1;
        let wait = rate_limited::backoff(
            retry_after.as_deref(),
            SystemTime::now(),
            refused,
            ctx.seconds(1.0),
        );
        permit.rate_limited(wait);
        tracing::info!(
            "{}: the site answered 429 (rate limit), Retry-After {}; holding off {:.1} s",
            track.name,
            retry_after.as_deref().unwrap_or("absent"),
            wait.as_secs_f64()
        );
        if refused >= rate_limited::MAX_CONSECUTIVE {
            return Err(FlowError::RateLimited { times: refused });
        }
        rate_limit_backoff(wait).await;
    };
    let file = match arrived {
        Ok(file) => file,
        // A transfer the browser dropped or that never finished: on a full disk that is why,
        // and no retry can help.
        Err(
            error @ (FlowError::DownloadDropped
            | FlowError::DownloadTimeout { .. }
            | FlowError::DownloadStalled { .. }),
        ) => {
            ensure_space(ctx)?;
            return Err(error);
        }
        Err(error) => return Err(error),
    };
    let verification = match verify_by_name(ctx, &file, track, tracks)? {
        Some(verification) => verification,
        // The mix was requested while the page showed another solo state: not this track's.
        None if solo_before != [track.index] => {
            return Err(FlowError::WrongMix {
                expected: track.name.clone(),
                file: file_name_of(&file),
            });
        }
        None if tracks::soloed_tracks(ctx).await? == [track.index] => Verification::SoloState,
        None => {
            tracing::warn!(
                "{}: the file {} names no track and the page no longer shows this solo alone; filed UNVERIFIED",
                track.name,
                file.display()
            );
            Verification::Unverified
        }
    };
    Ok((file, verification))
}

/// Fails with [`FlowError::DiskFull`] when the download folder's file system has less than
/// [`LOW_SPACE_BYTES`] free: no mix fits, so the run stops instead of retrying.
fn ensure_space(ctx: &FlowContext<'_>) -> Result<(), FlowError> {
    let free = ctx.incoming.free_bytes().map_err(FlowError::Incoming)?;
    let incoming = ctx.incoming.path();
    enough_space(free, incoming.parent().unwrap_or(incoming))
}

/// `free` bytes in the download folder `folder`: enough for a mix, or a full disk.
fn enough_space(free: u64, folder: &Path) -> Result<(), FlowError> {
    match free < LOW_SPACE_BYTES {
        true => Err(FlowError::DiskFull {
            folder: folder.to_path_buf(),
            free,
        }),
        false => Ok(()),
    }
}

#[tracing::instrument(
    skip_all,
    fields(tier = "method", component = "download_management"),
    err
)]
async fn request_mix(ctx: &FlowContext<'_>) -> Result<(), FlowError> {
    let selector = &ctx.site.song.download_link;
    match rate_limited::click_noting_429(ctx, selector).await? {
        true => Ok(()),
        false => Err(FlowError::UnexpectedPage(format!(
            "no download link ({selector})"
        ))),
    }
}

/// Waits for the run's mix limiter to allow one more mix request at the site (at once unless
/// other sessions hold every permit or a 429 asked everyone to hold off).
#[tracing::instrument(skip_all, fields(tier = "method", component = "download_management"))]
async fn wait_for_mix_slot(ctx: &FlowContext<'_>) -> MixPermit {
    ctx.mix_limiter.acquire().await
}

/// Holds off after a 429 for the bounded `Retry-After` (a profile key of its own: its count is
/// the number of 429s, its time the back-off).
#[tracing::instrument(skip_all, fields(tier = "method", component = "download_management"))]
async fn rate_limit_backoff(wait: Duration) {
    tokio::time::sleep(wait).await;
}

/// Waits (one async script, a MutationObserver) until the modal says the mix is ready or
/// failed.
#[tracing::instrument(
    skip_all,
    fields(tier = "method", component = "download_management"),
    err
)]
async fn wait_for_readiness(
    ctx: &FlowContext<'_>,
    max_wait: std::time::Duration,
) -> Result<(), FlowError> {
    let download = &ctx.site.download;
    let state = ctx
        .driver
        .execute_async(
            "observe_readiness",
            &scripts::observe_readiness(),
            vec![
                json!(download.ready_text),
                json!(download.failed_texts),
                json!(max_wait.as_millis() as u64),
            ],
            max_wait,
        )
        .await?;
    let state = state.as_str().unwrap_or("timeout");
    match state {
        "ready" => Ok(()),
        "timeout" => Err(FlowError::MixTimeout {
            waited: max_wait.as_secs_f64(),
        }),
        failed => Err(FlowError::MixFailed(
            failed.trim_start_matches("failed: ").to_string(),
        )),
    }
}

/// `download_wait = "watch"`: wakes on file-system events (with a one-second safety re-check)
/// until a finished mix file appears — or the browser drops the partial file of a failed
/// transfer.
#[tracing::instrument(
    skip_all,
    fields(tier = "method", component = "download_management", mode = "watch"),
    err
)]
async fn monitor_download_watching(
    ctx: &FlowContext<'_>,
    before: &Snapshot,
    wanted: Wanted<'_>,
    watch: &mut DirectoryWatch,
    max_wait: std::time::Duration,
) -> Result<PathBuf, FlowError> {
    let deadline = tokio::time::Instant::now() + max_wait;
    let stall_after = ctx.seconds(ctx.knobs.download_stall_timeout);
    let safety_recheck = std::time::Duration::from_secs(1).min(stall_after / 4);
    let mut transfer_seen = false;
    let mut growth = Growth::default();
    loop {
        match ctx
            .incoming
            .check(before, wanted)
            .map_err(FlowError::Incoming)?
        {
            DownloadState::Finished(file) => return Ok(file),
            DownloadState::InProgress => {
                transfer_seen = true;
                let size = ctx
                    .incoming
                    .partial_bytes(before)
                    .map_err(FlowError::Incoming)?;
                if growth.stalled(size, Instant::now(), stall_after) {
                    return Err(FlowError::DownloadStalled {
                        waited: stall_after.as_secs_f64(),
                    });
                }
            }
            // The browser removes the partial file of a download it gave up on (a cut
            // connection); waiting longer cannot bring it back.
            DownloadState::Nothing if transfer_seen => return Err(FlowError::DownloadDropped),
            DownloadState::Nothing => {}
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(FlowError::DownloadTimeout {
                waited: max_wait.as_secs_f64(),
            });
        }
        let wake = deadline.min(now + safety_recheck);
        let _ = tokio::time::timeout_at(wake, watch.changed()).await;
    }
}

/// `download_wait = "poll"`, as the original: sleep `download_monitoring_initial_wait`, then
/// list the directory every `download_check_interval` for up to `download_max_wait`, also
/// noticing a failure message on the page.
#[tracing::instrument(
    skip_all,
    fields(tier = "method", component = "download_management", mode = "poll"),
    err
)]
async fn monitor_download_polling(
    ctx: &FlowContext<'_>,
    before: &Snapshot,
    wanted: Wanted<'_>,
) -> Result<PathBuf, FlowError> {
    let knobs = ctx.knobs;
    tokio::time::sleep(ctx.seconds(knobs.download_monitoring_initial_wait)).await;
    let started = Instant::now();
    let max_wait = ctx.seconds(knobs.download_max_wait);
    let interval = ctx.seconds(knobs.download_check_interval);
    loop {
        if let DownloadState::Finished(file) = ctx
            .incoming
            .check(before, wanted)
            .map_err(FlowError::Incoming)?
        {
            return Ok(file);
        }
        let failed = ctx
            .driver
            .execute(
                "page_failed",
                scripts::PAGE_FAILED,
                vec![json!(ctx.site.download.failed_texts)],
            )
            .await?;
        if failed.as_bool() == Some(true) {
            return Err(FlowError::MixFailed(
                "the page shows a failure message".into(),
            ));
        }
        if started.elapsed() >= max_wait {
            return Err(FlowError::DownloadTimeout {
                waited: max_wait.as_secs_f64(),
            });
        }
        tokio::time::sleep(interval).await;
    }
}

/// Tracks a partial file's size: stalled once it has not grown for the stall timeout.
#[derive(Debug, Default)]
struct Growth {
    last: Option<(u64, Instant)>,
}

impl Growth {
    /// Records `size` seen at `now`; true when it has not changed for `stall_after`.
    fn stalled(&mut self, size: u64, now: Instant, stall_after: std::time::Duration) -> bool {
        match self.last {
            Some((last, since)) if last == size => now.duration_since(since) >= stall_after,
            _ => {
                self.last = Some((size, now));
                false
            }
        }
    }
}

/// What the file's name says: `Some(Name)` when it names the track, a wrong mix when it names
/// another track of the page (the server mixed before it applied the solo), `None` when it
/// names no track of the page (another check must decide). A wrong file stays in the incoming
/// directory: it is the complete mix of the track it names, so it can only ever be filed for
/// that track (if still pending in this song), never as this one.
#[tracing::instrument(
    skip_all,
    fields(tier = "method", component = "download_management"),
    err
)]
fn verify_by_name(
    ctx: &FlowContext<'_>,
    file: &Path,
    track: &TrackInfo,
    tracks: &[TrackInfo],
) -> Result<Option<Verification>, FlowError> {
    let name = file_name_of(file);
    let Some(NamedTrack::Track(named)) = ctx.site.download.read_mix_name(&name) else {
        return Ok(None);
    };
    if same_track(named, &track.name) {
        return Ok(Some(Verification::Name));
    }
    if tracks.iter().any(|other| same_track(named, &other.name)) || tracks.is_empty() {
        return Err(FlowError::WrongMix {
            expected: track.name.clone(),
            file: name,
        });
    }
    Ok(None)
}

fn file_name_of(file: &Path) -> String {
    file.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
        .to_string()
}

/// Closes the download modal if it is open (it covers the page). Best effort: a failure here
/// shows up as a failed click on the next step, where it is retried.
async fn close_modal(ctx: &FlowContext<'_>) {
    let closed = ctx
        .driver
        .execute(
            "close_modal",
            scripts::CLICK_IF_VISIBLE,
            vec![json!(ctx.site.download.modal_close)],
        )
        .await;
    if let Err(error) = closed {
        tracing::debug!(%error, "could not close the download modal");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_file_that_stops_growing_is_stalled() {
        let start = Instant::now();
        let after = std::time::Duration::from_secs(2);
        let at = |secs: u64| start + std::time::Duration::from_secs(secs);
        let mut growth = Growth::default();
        assert!(!growth.stalled(100, at(0), after));
        assert!(!growth.stalled(100, at(1), after));
        assert!(!growth.stalled(200, at(2), after), "it grew");
        assert!(!growth.stalled(200, at(3), after));
        assert!(growth.stalled(200, at(4), after));
    }

    #[test]
    fn a_nearly_full_disk_is_named_as_such_and_stops_the_run() {
        let folder = Path::new("/media/full/downloads");
        let error = enough_space(4096, folder).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("no space left on device: only 4096 bytes free")
                && message.contains("/media/full/downloads"),
            "{message}"
        );
        assert!(error.is_fatal(), "retrying cannot help");
        assert!(enough_space(LOW_SPACE_BYTES - 1, folder).is_err());
        assert!(enough_space(LOW_SPACE_BYTES, folder).is_ok());
    }
}
