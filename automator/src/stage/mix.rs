//! The server-side mixer: which solo each song has *applied* (after the timing model's delay),
//! mix generation from that applied state — the correctness trap: a mix requested before a solo
//! is applied is the previous mix — and the mix files' names.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use super::catalog::CatalogSong;
use super::faults::{FaultKind, FaultSpec};
use super::ledger::{Ledger, MixRecord, MixStatus, SoloId, TrackRecord, TransferId};
use super::mp3::{MixTag, encode_mix};
use super::timing::{TimingModel, track_key};

/// The key can be shifted by at most this many semitones either way.
pub const MAX_KEY_SHIFT: i32 = 12;

/// The attachment name of a mix with `track` soloed:
/// `Artist_Song(Track_Name_Custom_Backing_Track).mp3` — words joined by `_`, characters other
/// than letters, digits and `-` dropped (so `Don't` becomes `Dont`).
pub fn mix_file_name(artist: &str, title: &str, track: &str) -> String {
    format!(
        "{}_{}({}_Custom_Backing_Track).mp3",
        file_safe(artist),
        file_safe(title),
        file_safe(track)
    )
}

/// The attachment name of the mix served when nothing has been soloed yet:
/// `Artist_Song(Full_Mix_Custom_Backing_Track).mp3`.
pub fn full_mix_file_name(artist: &str, title: &str) -> String {
    mix_file_name(artist, title, "Full Mix")
}

fn file_safe(text: &str) -> String {
    text.split_whitespace()
        .map(|word| {
            word.chars()
                .filter(|c| c.is_alphanumeric() || *c == '-')
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// What the song page sees of the solo state (long-polled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct SoloView {
    /// Bumped on every applied solo.
    pub(crate) version: u64,
    /// The applied solo, `None` before any.
    pub(crate) solo: Option<usize>,
}

/// What the song page sees of a mix (long-polled). A stuck mix looks like `generating` forever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct MixView {
    pub(crate) id: u64,
    pub(crate) status: MixProgress,
    pub(crate) file_name: String,
    pub(crate) url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MixProgress {
    Generating,
    Ready,
    Failed,
}

/// Why a request for the mixer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MixerError {
    #[error("track {track} does not exist (the song has {tracks} tracks)")]
    NoSuchTrack { track: usize, tracks: usize },
    #[error("key {0} is outside ±{MAX_KEY_SHIFT}")]
    KeyOutOfRange(i32),
    #[error("no mix {0}")]
    NoSuchMix(u64),
    #[error("mix {0} is not ready")]
    NotReady(u64),
}

/// Everything the transfer needs to send one download of a ready mix.
#[derive(Debug)]
pub(crate) struct DownloadPlan {
    pub(crate) file_name: String,
    pub(crate) file: Arc<[u8]>,
    pub(crate) planned: Duration,
    pub(crate) cut: bool,
    pub(crate) transfer: Option<TransferId>,
}

/// Shared mixer state for every song of the stage.
#[derive(Debug)]
pub(crate) struct Mixer {
    timing: TimingModel,
    faults: FaultSpec,
    seed: u64,
    ledger: Ledger,
    shutdown: watch::Receiver<bool>,
    songs: Mutex<HashMap<&'static str, SongMixer>>,
    mixes: Mutex<HashMap<u64, MixJob>>,
    next_solo: AtomicU64,
    next_mix: AtomicU64,
}

#[derive(Debug)]
struct SongMixer {
    applied_seq: u64,
    view: watch::Sender<SoloView>,
    solo_attempts: HashMap<usize, u32>,
    mix_attempts: HashMap<Option<usize>, u32>,
}

#[derive(Debug)]
struct MixJob {
    song: &'static CatalogSong,
    mix_of: Option<usize>,
    attempt: u32,
    downloads: u32,
    file_name: String,
    file: Arc<[u8]>,
    view: watch::Sender<MixView>,
}

impl Mixer {
    pub(crate) fn new(
        timing: TimingModel,
        faults: FaultSpec,
        seed: u64,
        ledger: Ledger,
        shutdown: watch::Receiver<bool>,
    ) -> Mixer {
        Mixer {
            timing,
            faults,
            seed,
            ledger,
            shutdown,
            songs: Mutex::new(HashMap::new()),
            mixes: Mutex::new(HashMap::new()),
            next_solo: AtomicU64::new(1),
            next_mix: AtomicU64::new(1),
        }
    }

    /// Subscribes to a song's applied solo state.
    pub(crate) fn solo_state(&self, song: &'static CatalogSong) -> watch::Receiver<SoloView> {
        lock(&self.songs)
            .entry(song.path)
            .or_insert_with(SongMixer::new)
            .view
            .subscribe()
    }

    /// Accepts a solo request; the solo is applied after the timing model's delay (never, for
    /// an injected `solo_stuck`). Requests apply in order: an older request that finishes
    /// later than a newer one is skipped.
    pub(crate) fn request_solo(
        self: &Arc<Self>,
        song: &'static CatalogSong,
        track: usize,
    ) -> Result<(), MixerError> {
        let track_name = *song.tracks.get(track).ok_or(MixerError::NoSuchTrack {
            track,
            tracks: song.tracks.len(),
        })?;
        let seq = self.next_solo.fetch_add(1, Ordering::Relaxed);
        let attempt = {
            let mut songs = lock(&self.songs);
            let counter = songs
                .entry(song.path)
                .or_insert_with(SongMixer::new)
                .solo_attempts
                .entry(track)
                .or_default();
            *counter += 1;
            *counter
        };
        let context = format!("{}|{track}|{attempt}", song.path);
        let stuck = self.faults.fires(FaultKind::SoloStuck, self.seed, &context);
        let delay = self.timing.solo_delay(song, track, attempt);
        self.ledger.solo_requested(
            SoloId(seq),
            TrackRecord {
                song: song.path.to_owned(),
                track,
                track_name: track_name.to_owned(),
                attempt,
                solo_requested: self.ledger.now(),
                solo_delay_planned: (!stuck).then_some(delay),
                solo_applied: None,
                mixes: Vec::new(),
            },
        );
        if stuck {
            self.ledger.record_fault(FaultKind::SoloStuck, &context);
            return Ok(());
        }
        let mixer = Arc::clone(self);
        tokio::spawn(async move {
            if mixer.sleep(delay).await {
                mixer.apply_solo(song, track, seq);
            }
        });
        Ok(())
    }

    fn apply_solo(&self, song: &'static CatalogSong, track: usize, seq: u64) {
        let mut songs = lock(&self.songs);
        let state = songs.entry(song.path).or_insert_with(SongMixer::new);
        if seq <= state.applied_seq {
            return;
        }
        state.applied_seq = seq;
        // Ledger first: nobody may observe the solo before the ground truth records it.
        self.ledger.solo_applied(SoloId(seq));
        state.view.send_modify(|view| {
            view.version += 1;
            view.solo = Some(track);
        });
    }

    /// Starts generating a mix of the song's *currently applied* solo state.
    pub(crate) fn request_mix(
        self: &Arc<Self>,
        song: &'static CatalogSong,
        key: i32,
        precount: bool,
    ) -> Result<watch::Receiver<MixView>, MixerError> {
        if key.abs() > MAX_KEY_SHIFT {
            return Err(MixerError::KeyOutOfRange(key));
        }
        let id = self.next_mix.fetch_add(1, Ordering::Relaxed);
        let (mix_of, attempt) = {
            let mut songs = lock(&self.songs);
            let state = songs.entry(song.path).or_insert_with(SongMixer::new);
            let mix_of = state.view.borrow().solo;
            let counter = state.mix_attempts.entry(mix_of).or_default();
            *counter += 1;
            (mix_of, *counter)
        };
        let mix_of_name = mix_of.and_then(|track| song.tracks.get(track).copied());
        let file_name = match mix_of_name {
            Some(track) => mix_file_name(song.artist, song.title, track),
            None => full_mix_file_name(song.artist, song.title),
        };
        let context = format!("{}|{}|{attempt}", song.path, track_key(mix_of));
        let stuck = self.faults.fires(FaultKind::MixStuck, self.seed, &context);
        let failed = !stuck && self.faults.fires(FaultKind::MixFail, self.seed, &context);
        let generation = self.timing.mix_generation(song.path, mix_of, attempt);
        let file: Arc<[u8]> = encode_mix(&MixTag {
            artist: song.artist.to_owned(),
            song: song.title.to_owned(),
            title: format!(
                "{} ({} Custom Backing Track)",
                song.title,
                mix_of_name.unwrap_or("Full Mix")
            ),
            solo: mix_of_name.map(str::to_owned),
            key,
            precount,
            mix_id: id,
            audio_frames: 0,
        })
        .into();
        self.ledger.mix_requested(MixRecord {
            id,
            song: song.path.to_owned(),
            mix_of,
            mix_of_name: mix_of_name.map(str::to_owned),
            file_name: file_name.clone(),
            key,
            precount,
            requested: self.ledger.now(),
            generation_planned: (!stuck).then_some(generation),
            ready: None,
            failed: None,
            status: if stuck {
                MixStatus::Stuck
            } else {
                MixStatus::Generating
            },
            transfers: Vec::new(),
        });
        let (view, receiver) = watch::channel(MixView {
            id,
            status: MixProgress::Generating,
            file_name: file_name.clone(),
            url: format!("/download/{id}"),
        });
        lock(&self.mixes).insert(
            id,
            MixJob {
                song,
                mix_of,
                attempt,
                downloads: 0,
                file_name,
                file,
                view,
            },
        );
        if stuck {
            self.ledger.record_fault(FaultKind::MixStuck, &context);
            return Ok(receiver);
        }
        let mixer = Arc::clone(self);
        tokio::spawn(async move {
            if !mixer.sleep(generation).await {
                return;
            }
            let (progress, status) = if failed {
                mixer.ledger.record_fault(FaultKind::MixFail, &context);
                (MixProgress::Failed, MixStatus::Failed)
            } else {
                (MixProgress::Ready, MixStatus::Ready)
            };
            mixer.ledger.mix_finished(id, status);
            if let Some(job) = lock(&mixer.mixes).get(&id) {
                job.view.send_modify(|view| view.status = progress);
            }
        });
        Ok(receiver)
    }

    /// Subscribes to a mix's progress.
    pub(crate) fn mix_state(&self, id: u64) -> Option<watch::Receiver<MixView>> {
        lock(&self.mixes).get(&id).map(|job| job.view.subscribe())
    }

    /// The song a mix belongs to (for purchase and session checks on download).
    pub(crate) fn mix_song(&self, id: u64) -> Option<&'static CatalogSong> {
        lock(&self.mixes).get(&id).map(|job| job.song)
    }

    /// Plans one download of a ready mix: transfer time and download faults.
    pub(crate) fn start_download(&self, id: u64) -> Result<DownloadPlan, MixerError> {
        let mut mixes = lock(&self.mixes);
        let job = mixes.get_mut(&id).ok_or(MixerError::NoSuchMix(id))?;
        if job.view.borrow().status != MixProgress::Ready {
            return Err(MixerError::NotReady(id));
        }
        job.downloads += 1;
        let context = format!(
            "{}|{}|{}|{}",
            job.song.path,
            track_key(job.mix_of),
            job.attempt,
            job.downloads
        );
        let slow = self
            .faults
            .fires(FaultKind::SlowDownload, self.seed, &context);
        let cut = self
            .faults
            .fires(FaultKind::CutDownload, self.seed, &context);
        let planned =
            self.timing
                .transfer(job.song.path, job.mix_of, job.attempt, job.downloads, slow);
        let plan = DownloadPlan {
            file_name: job.file_name.clone(),
            file: Arc::clone(&job.file),
            planned,
            cut,
            transfer: None,
        };
        drop(mixes);
        for (fires, kind) in [
            (slow, FaultKind::SlowDownload),
            (cut, FaultKind::CutDownload),
        ] {
            if fires {
                self.ledger.record_fault(kind, &context);
            }
        }
        let transfer = self
            .ledger
            .transfer_started(id, planned, plan.file.len() as u64);
        Ok(DownloadPlan { transfer, ..plan })
    }

    /// Sleeps unless the stage shuts down first; true when the full time passed.
    async fn sleep(&self, duration: Duration) -> bool {
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            _ = shutdown.wait_for(|stop| *stop) => false,
        }
    }
}

impl SongMixer {
    fn new() -> SongMixer {
        SongMixer {
            applied_seq: 0,
            view: watch::Sender::new(SoloView {
                version: 0,
                solo: None,
            }),
            solo_attempts: HashMap::new(),
            mix_attempts: HashMap::new(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::catalog::demo_catalog;
    use crate::stage::mp3::read_mix_tag;
    use std::time::Instant;

    #[test]
    fn file_names_follow_the_site_pattern() {
        assert_eq!(
            mix_file_name("The Night Owls", "Paper Moon Parade", "Lead Vocal"),
            "The_Night_Owls_Paper_Moon_Parade(Lead_Vocal_Custom_Backing_Track).mp3"
        );
        assert_eq!(
            mix_file_name("Velvet Static", "Don't Wake the Neighbours", "Drums"),
            "Velvet_Static_Dont_Wake_the_Neighbours(Drums_Custom_Backing_Track).mp3"
        );
        assert_eq!(
            full_mix_file_name("A/B", "  Spaced   Out  "),
            "AB_Spaced_Out(Full_Mix_Custom_Backing_Track).mp3"
        );
        assert_eq!(
            mix_file_name("x", "y", "Intro count Click"),
            "x_y(Intro_count_Click_Custom_Backing_Track).mp3"
        );
    }

    fn mixer(faults: FaultSpec) -> (Arc<Mixer>, Ledger, watch::Sender<bool>) {
        let ledger = Ledger::new(Instant::now());
        let (stop, shutdown) = watch::channel(false);
        let mixer = Mixer::new(
            TimingModel::new(0.0, 1),
            faults,
            1,
            ledger.clone(),
            shutdown,
        );
        (Arc::new(mixer), ledger, stop)
    }

    #[tokio::test]
    async fn mix_before_the_solo_is_applied_is_the_previous_mix() {
        let (mixer, ledger, _stop) = mixer(FaultSpec::none());
        let song = &demo_catalog()[0];
        let full = mixer.request_mix(song, 0, false).unwrap();
        assert_eq!(
            full.borrow().file_name,
            full_mix_file_name(song.artist, song.title)
        );

        let mut state = mixer.solo_state(song);
        mixer.request_solo(song, 2).unwrap();
        let early = mixer.request_mix(song, 1, true).unwrap();
        assert!(
            early
                .borrow()
                .file_name
                .starts_with("The_Night_Owls_Paper_Moon_Parade(Full_Mix")
        );
        state.wait_for(|view| view.solo == Some(2)).await.unwrap();
        let late = mixer.request_mix(song, 1, true).unwrap();
        assert!(late.borrow().file_name.contains("(Electric_Guitar_Custom"));

        let records = ledger.records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].mixes.len(), 2);
        assert_eq!(records[0].mixes[0].mix_of, None);
        assert_eq!(records[0].mixes[1].mix_of, Some(2));
    }

    #[tokio::test]
    async fn ready_mixes_download_with_a_tagged_file() {
        let (mixer, ledger, _stop) = mixer(FaultSpec::none());
        let song = &demo_catalog()[0];
        let mut state = mixer.solo_state(song);
        mixer.request_solo(song, 1).unwrap();
        state.wait_for(|view| view.solo == Some(1)).await.unwrap();
        let mut view = mixer.request_mix(song, -3, true).unwrap();
        let id = view.borrow().id;
        assert_eq!(
            mixer.start_download(id).unwrap_err(),
            MixerError::NotReady(id)
        );
        view.wait_for(|v| v.status == MixProgress::Ready)
            .await
            .unwrap();
        let plan = mixer.start_download(id).unwrap();
        assert!(!plan.cut);
        let tag = read_mix_tag(&plan.file).unwrap();
        assert_eq!(tag.solo.as_deref(), Some("Bass"));
        assert_eq!((tag.key, tag.precount, tag.mix_id), (-3, true, id));
        assert_eq!(ledger.mixes_served().len(), 1);
        assert_eq!(
            mixer.start_download(999).unwrap_err(),
            MixerError::NoSuchMix(999)
        );
    }

    #[tokio::test]
    async fn bad_tracks_and_keys_are_refused() {
        let (mixer, _ledger, _stop) = mixer(FaultSpec::none());
        let song = &demo_catalog()[0];
        assert!(matches!(
            mixer.request_solo(song, 99),
            Err(MixerError::NoSuchTrack { track: 99, .. })
        ));
        assert_eq!(
            mixer.request_mix(song, 13, false).unwrap_err(),
            MixerError::KeyOutOfRange(13)
        );
    }

    #[tokio::test]
    async fn stuck_solos_never_apply_and_stuck_mixes_never_finish() {
        let faults = FaultSpec::none()
            .with(FaultKind::SoloStuck, 1.0)
            .with(FaultKind::MixStuck, 1.0);
        let (mixer, ledger, _stop) = mixer(faults);
        let song = &demo_catalog()[0];
        mixer.request_solo(song, 0).unwrap();
        let view = mixer.request_mix(song, 0, false).unwrap();
        tokio::task::yield_now().await;
        assert_eq!(mixer.solo_state(song).borrow().solo, None);
        assert_eq!(view.borrow().status, MixProgress::Generating);
        let records = ledger.records();
        assert_eq!(records[0].solo_delay_planned, None);
        assert_eq!(records[0].mixes[0].status, MixStatus::Stuck);
        assert_eq!(ledger.faults().len(), 2);
    }
}
