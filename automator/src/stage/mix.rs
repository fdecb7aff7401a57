//! The server-side mixer: which solos each song has *applied* (after the timing model's delay;
//! a solo button toggles, and several tracks can be soloed at once, as on the real site), mix
//! generation from that applied state — the correctness trap: a mix requested before a solo
//! is applied is the previous mix — and the mix files' names in the real site's forms.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use super::capacity::MixPool;
use super::catalog::{CatalogSong, NameStyle};
use super::faults::{FaultKind, FaultSpec};
use super::ledger::{Ledger, MixRecord, MixStatus, SoloId, TrackRecord, TransferId};
use super::mp3::{MixFile, MixTag, format_key};
use super::pages::{CREATING_TEXT, FAILED_TEXT, READY_TEXT};
use super::timing::{TimingModel, track_key};

/// The key can be shifted by at most this many semitones either way.
pub const MAX_KEY_SHIFT: i32 = 12;

/// The attachment name of a mix with `track` soloed at key 0:
/// `Artist_Song(Track_Name_Custom_Backing_Track).mp3` — words joined by `_`, characters other
/// than letters, digits and `-+()` dropped (so `Don't` becomes `Dont`).
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

/// The attachment name the site gives a mix of `song` with `track` soloed (`None`: the full
/// mix) at `key`, in the song's [`NameStyle`]: the key (`-1`, `+2`) is part of every form
/// unless it is 0.
pub fn song_mix_file_name(song: &CatalogSong, track: Option<&str>, key: i32) -> String {
    let key = if key == 0 {
        String::new()
    } else {
        format_key(key)
    };
    let track = file_safe(track.unwrap_or("Full Mix"));
    let (artist, title) = (file_safe(song.artist), file_safe(song.title));
    match song.names {
        NameStyle::Suffix => format!("{artist}_{title}({track}_Custom_Backing_Track{key}).mp3"),
        NameStyle::NoInstrument => format!("{artist}_{title}(Custom_Backing_Track{key}).mp3"),
        NameStyle::Prefix if key.is_empty() => format!("{track}_Custom_Backing_Track.mp3"),
        NameStyle::Prefix => format!("({key}){track}_Custom_Backing_Track.mp3"),
    }
}

fn file_safe(text: &str) -> String {
    text.split_whitespace()
        .map(|word| {
            word.chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '+' | '(' | ')'))
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// What the song page sees of the solo state (long-polled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SoloView {
    /// Bumped on every applied change.
    pub(crate) version: u64,
    /// The soloed tracks, ascending; empty before any (the full mix).
    pub(crate) soloed: Vec<usize>,
}

/// What the song page sees of a mix (long-polled). A stuck mix looks like `generating` forever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct MixView {
    pub(crate) id: u64,
    pub(crate) status: MixProgress,
    pub(crate) file_name: String,
    pub(crate) url: String,
    /// The modal text for this state. The page gets it only from here, once a download was
    /// asked for: the real site's page source has no modal texts before that.
    pub(crate) message: &'static str,
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
    pub(crate) file: MixFile,
    pub(crate) planned: Duration,
    pub(crate) cut: bool,
    pub(crate) stall: bool,
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
    pool: MixPool,
    songs: Mutex<HashMap<&'static str, SongMixer>>,
    mixes: Mutex<HashMap<u64, MixJob>>,
    next_solo: AtomicU64,
    next_mix: AtomicU64,
}

#[derive(Debug)]
struct SongMixer {
    /// Per track, the sequence number of the latest applied request (requests of one track
    /// apply in order; tracks are independent).
    applied_seq: HashMap<usize, u64>,
    view: watch::Sender<SoloView>,
    solo_attempts: HashMap<usize, u32>,
    unsolo_requests: HashMap<usize, u32>,
    mix_attempts: HashMap<Vec<usize>, u32>,
    /// The solo state the song's latest mix request asked for (for the `stale_mix` fault).
    last_requested: Option<Vec<usize>>,
}

#[derive(Debug)]
struct MixJob {
    song: &'static CatalogSong,
    mix_of: Option<usize>,
    attempt: u32,
    downloads: u32,
    file_name: String,
    file: MixFile,
    view: watch::Sender<MixView>,
}

impl Mixer {
    pub(crate) fn new(
        timing: TimingModel,
        faults: FaultSpec,
        seed: u64,
        ledger: Ledger,
        shutdown: watch::Receiver<bool>,
        capacity: usize,
    ) -> Mixer {
        Mixer {
            timing,
            faults,
            seed,
            ledger,
            shutdown,
            pool: MixPool::new(capacity),
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

    /// Accepts a request to turn the solo of `track` on or off (a click on its solo button);
    /// it is applied after the timing model's delay (an "on" request never, for an injected
    /// `solo_stuck`). Requests of one track apply in order: an older request that finishes
    /// later than a newer one is skipped. The ledger's track records are the "on" requests.
    pub(crate) fn request_solo(
        self: &Arc<Self>,
        song: &'static CatalogSong,
        track: usize,
        on: bool,
    ) -> Result<(), MixerError> {
        let track_name = *song.tracks.get(track).ok_or(MixerError::NoSuchTrack {
            track,
            tracks: song.tracks.len(),
        })?;
        let seq = self.next_solo.fetch_add(1, Ordering::Relaxed);
        let attempt = {
            let mut songs = lock(&self.songs);
            let state = songs.entry(song.path).or_insert_with(SongMixer::new);
            let counter = match on {
                true => state.solo_attempts.entry(track).or_default(),
                false => state.unsolo_requests.entry(track).or_default(),
            };
            *counter += 1;
            *counter
        };
        let delay = match on {
            true => self.timing.solo_delay(song, track, attempt),
            false => self.timing.unsolo_delay(song, track, attempt),
        };
        let context = format!("{}|{track}|{attempt}", song.path);
        let stuck = on && self.faults.fires(FaultKind::SoloStuck, self.seed, &context);
        if on {
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
                    solo_exclusive: None,
                    mixes: Vec::new(),
                },
            );
        }
        if stuck {
            self.ledger.record_fault(FaultKind::SoloStuck, &context);
            return Ok(());
        }
        let mixer = Arc::clone(self);
        tokio::spawn(async move {
            if mixer.sleep(delay).await {
                mixer.apply_solo(song, track, on, seq);
            }
        });
        Ok(())
    }

    fn apply_solo(&self, song: &'static CatalogSong, track: usize, on: bool, seq: u64) {
        let mut songs = lock(&self.songs);
        let state = songs.entry(song.path).or_insert_with(SongMixer::new);
        let applied = state.applied_seq.entry(track).or_default();
        if seq <= *applied {
            return;
        }
        *applied = seq;
        // Ledger first: nobody may observe the solo before the ground truth records it.
        if on {
            self.ledger.solo_applied(SoloId(seq));
        }
        let mut soloed: BTreeSet<usize> = state.view.borrow().soloed.iter().copied().collect();
        match on {
            true => soloed.insert(track),
            false => soloed.remove(&track),
        };
        let soloed: Vec<usize> = soloed.into_iter().collect();
        // Releasing another track's solo left one solo on (an "on" that does so is its apply).
        if let (false, [only]) = (on, soloed.as_slice()) {
            self.ledger.solo_exclusive(song.path, *only);
        }
        state.view.send_modify(|view| {
            view.version += 1;
            view.soloed = soloed;
        });
    }

    /// Starts generating a mix of the song's *currently applied* solo state: at once when a
    /// slot of the generation pool is free, else after the mixes queued before it (FIFO). A
    /// stuck mix never takes a slot (it stands for a lost job, not a busy worker).
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
        let (soloed, attempt) = {
            let mut songs = lock(&self.songs);
            let state = songs.entry(song.path).or_insert_with(SongMixer::new);
            let requested = state.view.borrow().soloed.clone();
            let counter = state.mix_attempts.entry(requested.clone()).or_default();
            *counter += 1;
            let attempt = *counter;
            let previous = state.last_requested.replace(requested.clone());
            let context = format!("{}|{}|{attempt}", song.path, soloed_key(&requested));
            let soloed = match previous {
                Some(previous)
                    if previous != requested
                        && self.faults.fires(FaultKind::StaleMix, self.seed, &context) =>
                {
                    self.ledger.record_fault(FaultKind::StaleMix, &context);
                    previous
                }
                _ => requested,
            };
            (soloed, attempt)
        };
        // A mix of one soloed track is that track's; several soloed tracks make a mix of all
        // of them (not any one track's), which the site still names after the first of them
        // (an assumption: only a name-independent check can tell it apart).
        let mix_of = match soloed.as_slice() {
            [only] => Some(*only),
            _ => None,
        };
        let names: Vec<&str> = soloed
            .iter()
            .filter_map(|track| song.tracks.get(*track).copied())
            .collect();
        let mix_of_name = (!names.is_empty()).then(|| names.join(" + "));
        let file_name = song_mix_file_name(song, names.first().copied(), key);
        let context = format!("{}|{}|{attempt}", song.path, soloed_key(&soloed));
        let stuck = self.faults.fires(FaultKind::MixStuck, self.seed, &context);
        let failed = !stuck && self.faults.fires(FaultKind::MixFail, self.seed, &context);
        let generation = self.timing.mix_generation(song.path, mix_of, attempt);
        let file = MixFile::new(
            &MixTag {
                artist: song.artist.to_owned(),
                song: song.title.to_owned(),
                title: format!(
                    "{} ({} Custom Backing Track)",
                    song.title,
                    mix_of_name.as_deref().unwrap_or("Full Mix")
                ),
                solo: mix_of_name.clone(),
                key,
                precount,
                mix_id: id,
                audio_frames: 0,
            },
            self.timing.mix_bytes(song.path, mix_of, attempt),
        );
        self.ledger.mix_requested(MixRecord {
            id,
            song: song.path.to_owned(),
            mix_of,
            mix_of_name,
            soloed: soloed.clone(),
            file_name: file_name.clone(),
            key,
            precount,
            requested: self.ledger.now(),
            started: None,
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
            message: CREATING_TEXT,
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
            let mut shutdown = mixer.shutdown.clone();
            let _slot = tokio::select! {
                slot = mixer.pool.slot() => slot,
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            mixer.ledger.mix_started(id);
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
                job.view.send_modify(|view| {
                    view.status = progress;
                    view.message = match progress {
                        MixProgress::Failed => FAILED_TEXT,
                        _ => READY_TEXT,
                    };
                });
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
        let stall = !cut
            && self
                .faults
                .fires(FaultKind::StallDownload, self.seed, &context);
        let planned =
            self.timing
                .transfer(job.song.path, job.mix_of, job.attempt, job.downloads, slow);
        let plan = DownloadPlan {
            file_name: job.file_name.clone(),
            file: job.file.clone(),
            planned,
            cut,
            stall,
            transfer: None,
        };
        drop(mixes);
        for (fires, kind) in [
            (slow, FaultKind::SlowDownload),
            (cut, FaultKind::CutDownload),
            (stall, FaultKind::StallDownload),
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
            applied_seq: HashMap::new(),
            view: watch::Sender::new(SoloView {
                version: 0,
                soloed: Vec::new(),
            }),
            solo_attempts: HashMap::new(),
            unsolo_requests: HashMap::new(),
            mix_attempts: HashMap::new(),
            last_requested: None,
        }
    }
}

/// `full` when nothing is soloed, else the soloed indices joined by `+` (part of fault draws).
fn soloed_key(soloed: &[usize]) -> String {
    match soloed {
        [] => track_key(None),
        tracks => tracks
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("+"),
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
            4,
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
        mixer.request_solo(song, 2, true).unwrap();
        let early = mixer.request_mix(song, 1, true).unwrap();
        assert!(
            early
                .borrow()
                .file_name
                .starts_with("The_Night_Owls_Paper_Moon_Parade(Full_Mix")
        );
        state.wait_for(|view| view.soloed == [2]).await.unwrap();
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
        mixer.request_solo(song, 1, true).unwrap();
        state.wait_for(|view| view.soloed == [1]).await.unwrap();
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
        let tag = read_mix_tag(&plan.file.bytes(0..plan.file.len())).unwrap();
        assert_eq!(tag.solo.as_deref(), Some("Bass"));
        assert_eq!((tag.key, tag.precount, tag.mix_id), (-3, true, id));
        assert_eq!(ledger.mixes_served().len(), 1);
        assert_eq!(
            mixer.start_download(999).unwrap_err(),
            MixerError::NoSuchMix(999)
        );
    }

    #[test]
    fn file_names_take_the_real_sites_forms_with_the_key() {
        use crate::stage::catalog::find_song;
        let suffix = find_song("/custombackingtrack/the-modulators/shifting-keys.html").unwrap();
        assert_eq!(
            song_mix_file_name(suffix, Some("Drum Kit"), -1),
            "The_Modulators_Shifting_Keys(Drum_Kit_Custom_Backing_Track-1).mp3"
        );
        assert_eq!(
            song_mix_file_name(suffix, Some("Intro Count (Click + Key)"), 0),
            "The_Modulators_Shifting_Keys(Intro_Count_(Click_+_Key)_Custom_Backing_Track).mp3"
        );
        let bare = find_song("/custombackingtrack/anonymous-ensemble/nameless-tune.html").unwrap();
        assert_eq!(
            song_mix_file_name(bare, Some("Bass"), 2),
            "Anonymous_Ensemble_Nameless_Tune(Custom_Backing_Track+2).mp3"
        );
        let prefix = find_song("/custombackingtrack/prefix-club/count-off.html").unwrap();
        assert_eq!(
            song_mix_file_name(prefix, Some("Intro count Click"), -1),
            "(-1)Intro_count_Click_Custom_Backing_Track.mp3"
        );
        assert_eq!(
            song_mix_file_name(prefix, Some("Bass"), 0),
            "Bass_Custom_Backing_Track.mp3"
        );
    }

    #[tokio::test]
    async fn solos_toggle_and_several_tracks_mix_together() {
        let (mixer, ledger, _stop) = mixer(FaultSpec::none());
        let song = &demo_catalog()[0];
        let mut state = mixer.solo_state(song);
        mixer.request_solo(song, 1, true).unwrap();
        mixer.request_solo(song, 3, true).unwrap();
        state.wait_for(|view| view.soloed == [1, 3]).await.unwrap();
        let both = mixer.request_mix(song, 0, false).unwrap();
        mixer.request_solo(song, 1, false).unwrap();
        state.wait_for(|view| view.soloed == [3]).await.unwrap();
        let one = mixer.request_mix(song, 0, false).unwrap();
        assert!(both.borrow().file_name.contains("(Bass_Custom"));
        assert!(one.borrow().file_name.contains("(Piano_Custom"));
        let mixes = ledger.mixes();
        assert_eq!(
            (mixes[0].mix_of, mixes[0].soloed.clone()),
            (None, vec![1, 3])
        );
        assert_eq!(mixes[0].mix_of_name.as_deref(), Some("Bass + Piano"));
        assert_eq!(
            (mixes[1].mix_of, mixes[1].soloed.clone()),
            (Some(3), vec![3])
        );
        assert_eq!(
            ledger.records().len(),
            2,
            "only \"on\" requests are track records"
        );
    }

    #[tokio::test]
    async fn bad_tracks_and_keys_are_refused() {
        let (mixer, _ledger, _stop) = mixer(FaultSpec::none());
        let song = &demo_catalog()[0];
        assert!(matches!(
            mixer.request_solo(song, 99, true),
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
        mixer.request_solo(song, 0, true).unwrap();
        let view = mixer.request_mix(song, 0, false).unwrap();
        tokio::task::yield_now().await;
        assert_eq!(mixer.solo_state(song).borrow().soloed, Vec::<usize>::new());
        assert_eq!(view.borrow().status, MixProgress::Generating);
        let records = ledger.records();
        assert_eq!(records[0].solo_delay_planned, None);
        assert_eq!(records[0].mixes[0].status, MixStatus::Stuck);
        assert_eq!(ledger.faults().len(), 2);
    }
}
