//! One pass over one song: open it (logging in again if the session expired), set intro count
//! and key, then attempt each selected track — solo, download, verify, file — recording every
//! attempt in the run's state.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::browser::Browser;
use crate::config::knobs::seconds_to_duration;

use super::auth;
use super::context::FlowContext;
use super::download;
use super::error::FlowError;
use super::files;
use super::outcome::{SongOutcome, SongStatus, TrackOutcome};
use super::plan::PlannedSong;
use super::sessions::RunEnv;
use super::tracks::{self, SongAccess, TrackInfo};

/// What the passes over one song accumulate (survives Ctrl-C).
#[derive(Debug)]
pub(crate) struct SongState {
    pub(crate) outcome: SongOutcome,
    /// The song's selected tracks, in page order.
    pub(crate) tracks: Vec<TrackOutcome>,
}

impl SongState {
    /// A song the run has started on and not opened yet.
    pub(crate) fn new(outcome: SongOutcome) -> SongState {
        SongState {
            outcome,
            tracks: Vec::new(),
        }
    }

    /// Indices (into `tracks`) of the tracks that have not succeeded.
    pub(crate) fn failed_tracks(&self) -> Vec<usize> {
        self.tracks
            .iter()
            .enumerate()
            .filter(|(_, track)| !track.ok)
            .map(|(position, _)| position)
            .collect()
    }
}

/// Why a song pass stopped early.
pub(crate) enum PassStop {
    /// The browser is gone; start a new one and carry on.
    BrowserLost(FlowError),
    /// Retrying cannot help (download directory unusable, credentials refused).
    Fatal(FlowError),
}

/// Which tracks a pass over a song handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pass {
    /// First visit: clear the song folder, every track (up to `max_tracks`).
    First,
    /// A retry pass: only the tracks that have not succeeded yet.
    Retry,
}

pub(crate) fn context<'a>(env: &'a RunEnv<'_>, browser: &'a Browser) -> FlowContext<'a> {
    FlowContext {
        driver: browser.driver(),
        site: &env.options.site_profile,
        knobs: &env.knobs,
        base_url: &env.base_url,
        incoming: &env.incoming,
        mix_limiter: &env.mix_limiter,
    }
}

/// Opens the song (logging in again once if the session expired), then handles the pass's
/// tracks; a failed track re-opens the page before the next one, so its state cannot leak.
pub(crate) async fn song_pass(
    env: &RunEnv<'_>,
    ctx: &FlowContext<'_>,
    song: &PlannedSong,
    song_index: usize,
    pass: Pass,
    state: &mut SongState,
) -> Result<(), PassStop> {
    env.progress.song(song_index, &song.song.name);
    let tracks = match open_prepared(env, ctx, song).await {
        Ok(SongAccess::Purchased(tracks)) => tracks,
        Ok(SongAccess::NotPurchased) => {
            tracing::warn!(
                "{}: not purchased (the page offers \"Add to cart\"); skipped",
                song.song.name
            );
            state.outcome.status = SongStatus::NotPurchased;
            return Ok(());
        }
        Err(error) => return song_failed(state, &pass, error),
    };
    let selected: Vec<TrackInfo> = match pass {
        Pass::First => {
            let limit = env.options.max_tracks.unwrap_or(usize::MAX);
            let folder = match files::prepare_song_folder(&env.options.download_dir, &song.folder) {
                Ok(folder) => folder,
                Err(error) => return song_failed(state, &pass, error.into()),
            };
            let outcome = &mut state.outcome;
            outcome.status = SongStatus::Done;
            outcome.tracks_found = tracks.len();
            outcome.folder = Some(folder);
            let selected: Vec<TrackInfo> = tracks.iter().take(limit).cloned().collect();
            for track in &selected {
                state.tracks.push(TrackOutcome {
                    song: song.song.name.clone(),
                    song_path: song.path.clone(),
                    index: track.index,
                    name: track.name.clone(),
                    ok: false,
                    attempts: 0,
                    wrong_mixes: 0,
                    wall: Duration::ZERO,
                    intrinsic: None,
                    queue: None,
                    error: None,
                    verified: false,
                    file: None,
                });
            }
            env.progress.add_tracks(selected.len());
            selected
        }
        Pass::Retry => {
            let pending = state.failed_tracks();
            env.progress.add_retries(pending.len());
            pending
                .into_iter()
                .filter_map(|position| {
                    tracks
                        .iter()
                        .find(|track| track.index == state.tracks[position].index)
                        .cloned()
                })
                .collect()
        }
    };
    let folder = state
        .outcome
        .folder
        .clone()
        .unwrap_or_else(|| env.options.download_dir.clone());
    let file_names = track_file_names(&tracks);
    let mut page_fresh = true;
    for track in &selected {
        if !page_fresh {
            match open_prepared(env, ctx, song).await {
                Ok(SongAccess::Purchased(_)) => {}
                Ok(SongAccess::NotPurchased) => {
                    return song_failed(
                        state,
                        &Pass::Retry,
                        FlowError::UnexpectedPage("the song is no longer purchased".into()),
                    );
                }
                Err(error) => return song_failed(state, &Pass::Retry, error),
            }
        }
        let started = Instant::now();
        let file_name = file_names
            .iter()
            .find(|(index, _)| *index == track.index)
            .map_or(track.name.as_str(), |(_, name)| name.as_str());
        let file_name = with_key(file_name, song.song.key);
        let attempt = attempt_track(env, ctx, song, &folder, track, &file_name, &tracks).await;
        let elapsed = started.elapsed();
        env.progress
            .track_done(&track.name, elapsed, attempt.is_ok());
        env.log_attempt(&song.song.name, &track.name, attempt.is_ok(), elapsed);
        page_fresh = attempt.is_ok();
        let Some(record) = state
            .tracks
            .iter_mut()
            .find(|record| record.song_path == song.path && record.index == track.index)
        else {
            continue;
        };
        record.attempts += 1;
        record.wall += elapsed;
        match attempt {
            Ok((file, verification)) => {
                record.ok = true;
                record.verified = verification != download::Verification::Unverified;
                record.error = None;
                record.file = Some(file);
            }
            Err(error) => {
                tracing::warn!(
                    "{} › {}: attempt {} failed: {error}",
                    song.song.name,
                    track.name,
                    record.attempts
                );
                if matches!(error, FlowError::WrongMix { .. }) {
                    record.wrong_mixes += 1;
                }
                record.error = Some(error.to_string());
                if error.is_browser_lost() {
                    return Err(PassStop::BrowserLost(error));
                }
                if error.is_fatal() {
                    return Err(PassStop::Fatal(error));
                }
            }
        }
        tokio::time::sleep(seconds_to_duration(env.knobs.between_tracks_pause)).await;
    }
    Ok(())
}

/// Records that the song page could not be opened (or its folder not used): on a first visit
/// the song fails (the final pass tries it again), on a retry its pending tracks carry the
/// reason. A lost browser or an unusable download directory stops the pass instead.
fn song_failed(state: &mut SongState, pass: &Pass, error: FlowError) -> Result<(), PassStop> {
    if error.is_browser_lost() {
        return Err(PassStop::BrowserLost(error));
    }
    if error.is_fatal() {
        return Err(PassStop::Fatal(error));
    }
    tracing::warn!(
        "{}: the song cannot be processed now: {error}",
        state.outcome.name
    );
    match pass {
        Pass::First => state.outcome.status = SongStatus::Failed(error.to_string()),
        Pass::Retry => {
            for track in state.tracks.iter_mut().filter(|track| !track.ok) {
                track.error = Some(error.to_string());
            }
        }
    }
    Ok(())
}

/// Opens the song page (re-logging in once if the session expired), then sets intro count
/// and key.
async fn open_prepared(
    env: &RunEnv<'_>,
    ctx: &FlowContext<'_>,
    song: &PlannedSong,
) -> Result<SongAccess, FlowError> {
    let access = match tracks::open_song(ctx, &song.url).await {
        Err(FlowError::SessionExpired) => {
            tracing::info!("{}: the session expired; logging in again", song.song.name);
            auth::log_in_again(ctx, &env.credentials, &env.store).await?;
            tracks::open_song(ctx, &song.url).await?
        }
        other => other?,
    };
    if let SongAccess::Purchased(_) = &access {
        if env.options.intro_count {
            tracks::set_intro_count(ctx, true).await?;
        }
        tracks::set_key(ctx, song.song.key).await?;
    }
    Ok(access)
}

/// The file name (without extension) of each track of a song page, by track index: captions
/// made file-name safe, and told apart in page order when two collide (`Bass`, `Bass (2)`), so
/// a track always gets the same file and a new download replaces only its own earlier one.
fn track_file_names(tracks: &[TrackInfo]) -> Vec<(usize, String)> {
    let names = files::distinct_names(tracks.iter().map(|track| track.name.as_str()));
    tracks.iter().map(|track| track.index).zip(names).collect()
}

/// The file stem a track is filed under: its name, plus the key in brackets when the song is
/// shifted (`Bass(-1)`, `Bass(+2)`), as users of the original expect; key 0 adds nothing.
fn with_key(name: &str, key: i32) -> String {
    match key {
        0 => name.to_string(),
        key => format!("{name}({key:+})"),
    }
}

/// One attempt at one track: file a complete mix that arrived late from an earlier attempt,
/// or solo, wait, download, verify, file.
async fn attempt_track(
    env: &RunEnv<'_>,
    ctx: &FlowContext<'_>,
    song: &PlannedSong,
    folder: &Path,
    track: &TrackInfo,
    file_name: &str,
    tracks: &[TrackInfo],
) -> Result<(PathBuf, download::Verification), FlowError> {
    let (file, verification) = match download::arrived_earlier(ctx, &song.path, track)? {
        Some(file) => (file, download::Verification::Name),
        None => {
            env.progress.state(&track.name, "soloing");
            tracks::solo_track(ctx, track, tracks.len()).await?;
            env.progress.state(&track.name, "mixing and downloading");
            download::download_track(ctx, &song.path, track, tracks).await?
        }
    };
    env.progress.state(&track.name, "filing");
    Ok((
        files::store_download(&file, folder, file_name)?,
        verification,
    ))
}

#[cfg(test)]
mod tests {
    use super::with_key;

    #[test]
    fn a_shifted_key_is_part_of_the_filed_name() {
        assert_eq!(with_key("Bass", -1), "Bass(-1)");
        assert_eq!(with_key("Lead Vocal", 2), "Lead Vocal(+2)");
        assert_eq!(with_key("Drums", 0), "Drums");
    }
}
