//! The ledger: the stage's ground truth about what it did and when, per track, so a run report
//! can split wall time into intrinsic site time (itself queue time for a generation slot plus
//! service time) and automation overhead, and tests can check that a downloaded file was the
//! right mix.
//!
//! All instants are [`Duration`]s since the stage started ([`Ledger::origin`]). In JSON they are
//! seconds as floating-point numbers.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::faults::FaultKind;

/// One solo request for a track and everything the server did for it: the solo, and every mix
/// requested for the song while this was the song's latest solo request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackRecord {
    /// Song page path.
    pub song: String,
    /// Track index (`data-index`).
    pub track: usize,
    /// Track name (`.track__caption`).
    pub track_name: String,
    /// 1 for the first solo request of this track since the stage started, 2 for the next, …
    pub attempt: u32,
    /// When the solo request arrived.
    #[serde(with = "secs")]
    pub solo_requested: Duration,
    /// The apply delay the timing model drew; `None` when the solo was injected as stuck.
    #[serde(with = "opt_secs")]
    pub solo_delay_planned: Option<Duration>,
    /// When the server applied the solo; `None` while pending, if stuck, or if a later solo
    /// request was applied first (then this one is skipped, never applied out of order).
    #[serde(with = "opt_secs")]
    pub solo_applied: Option<Duration>,
    /// When the song's solos became exactly this track (other solos released too), if later
    /// than `solo_applied`: releasing another track's solo is server time the client must wait
    /// for as well. `None` while not reached.
    #[serde(with = "opt_secs")]
    pub solo_exclusive: Option<Duration>,
    /// Mixes requested while this was the song's latest solo request, oldest first.
    pub mixes: Vec<MixRecord>,
}

impl TrackRecord {
    /// When the latest mix for this record was requested.
    pub fn mix_requested(&self) -> Option<Duration> {
        self.mixes.last().map(|mix| mix.requested)
    }

    /// When the latest mix for this record became ready.
    pub fn mix_ready(&self) -> Option<Duration> {
        self.mixes.last().and_then(|mix| mix.ready)
    }

    /// Bytes of mix files sent for this record (all mixes, all transfers).
    pub fn bytes_served(&self) -> u64 {
        self.mixes.iter().map(MixRecord::bytes_served).sum()
    }

    /// Which track the latest mix was of: `Some(Some(i))` = track `i`, `Some(None)` = the full
    /// mix (nothing soloed yet), `None` = no mix requested.
    pub fn served_mix_track(&self) -> Option<Option<usize>> {
        self.mixes.last().map(|mix| mix.mix_of)
    }

    /// Whether some mix of the right track (this record's) finished a complete transfer.
    pub fn delivered(&self) -> bool {
        self.mixes
            .iter()
            .any(|mix| mix.mix_of == Some(self.track) && mix.transfers.iter().any(|t| t.complete()))
    }

    /// Server-side time this track inherently costs, independent of how fast a client reacts:
    /// the solo apply delay (requested → applied, or → the moment it was the only solo when
    /// releasing other solos took longer) + for every mix *of this track* its generation
    /// time (requested → ready, or → failed) + the duration of each of its transfers.
    ///
    /// Excluded, because they are automation overhead: waiting after the solo was applied,
    /// mixes of the wrong track (requested before the solo was applied), time between "ready"
    /// and the download request, and page loads (see [`Ledger::pages`]). Unfinished parts
    /// (pending, stuck) count nothing.
    pub fn intrinsic(&self) -> Duration {
        let solo = self.solo_applied.map_or(Duration::ZERO, |applied| {
            applied
                .max(self.solo_exclusive.unwrap_or_default())
                .saturating_sub(self.solo_requested)
        });
        let mixes: Duration = self
            .mixes
            .iter()
            .filter(|mix| mix.mix_of == Some(self.track))
            .map(MixRecord::intrinsic)
            .sum();
        solo + mixes
    }

    /// The part of [`TrackRecord::intrinsic`] its mixes spent queued for a generation slot
    /// (the site was at capacity): for every finished mix of this track, requested → started.
    /// The rest of the intrinsic time is service time.
    pub fn queue(&self) -> Duration {
        self.mixes
            .iter()
            .filter(|mix| mix.mix_of == Some(self.track))
            .map(MixRecord::queue)
            .sum()
    }
}

/// What a mix request produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MixStatus {
    /// Still generating.
    Generating,
    /// Ready to download.
    Ready,
    /// Generation failed (fault `mix_fail`).
    Failed,
    /// Generation will never finish (fault `mix_stuck`).
    Stuck,
}

/// One mix request: which solo state it was built from and its downloads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MixRecord {
    /// Mix id (the `/download/<id>` path).
    pub id: u64,
    /// Song page path.
    pub song: String,
    /// The solo the server had *applied* when the mix was requested; `None` = full mix.
    pub mix_of: Option<usize>,
    /// Name of that track, or the soloed tracks' names joined by ` + `; `None` = full mix.
    pub mix_of_name: Option<String>,
    /// Every track soloed when the mix was requested (ascending). Several soloed tracks make a
    /// mix of all of them: `mix_of` is then `None`, as the mix is no single track's.
    pub soloed: Vec<usize>,
    /// The attachment file name in the song's form, e.g.
    /// `Artist_Song(Track_Name_Custom_Backing_Track-1).mp3`.
    pub file_name: String,
    /// Key shift requested with the mix (semitones).
    pub key: i32,
    /// Whether the intro count was on.
    pub precount: bool,
    /// When the mix was requested.
    #[serde(with = "secs")]
    pub requested: Duration,
    /// When its generation started: a slot of the mix-generation pool was free (at once, or
    /// after queueing behind other mixes). `None` while queued, and for a stuck mix.
    #[serde(with = "opt_secs")]
    pub started: Option<Duration>,
    /// The generation time the timing model drew; `None` when stuck.
    #[serde(with = "opt_secs")]
    pub generation_planned: Option<Duration>,
    /// When the mix became ready.
    #[serde(with = "opt_secs")]
    pub ready: Option<Duration>,
    /// When generation failed.
    #[serde(with = "opt_secs")]
    pub failed: Option<Duration>,
    /// Current status.
    pub status: MixStatus,
    /// Every download of this mix, oldest first.
    pub transfers: Vec<TransferRecord>,
}

impl MixRecord {
    /// Bytes sent over all downloads of this mix.
    pub fn bytes_served(&self) -> u64 {
        self.transfers.iter().map(|t| t.bytes_served).sum()
    }

    /// Time queued for a generation slot (requested → started), once the mix finished (ready
    /// or failed); zero before, so it is always part of [`MixRecord::intrinsic`].
    pub fn queue(&self) -> Duration {
        match (self.started, self.ready.or(self.failed)) {
            (Some(started), Some(_)) => started.saturating_sub(self.requested),
            _ => Duration::ZERO,
        }
    }

    /// Generation time (requested → ready or failed: queue + service) plus every transfer's
    /// duration.
    pub fn intrinsic(&self) -> Duration {
        let generation = self
            .ready
            .or(self.failed)
            .map_or(Duration::ZERO, |end| end.saturating_sub(self.requested));
        generation
            + self
                .transfers
                .iter()
                .map(TransferRecord::duration)
                .sum::<Duration>()
    }
}

/// How a download ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferOutcome {
    /// Still sending.
    InProgress,
    /// Every byte was sent.
    Complete,
    /// The server cut the connection on purpose (fault `cut_download`).
    Cut,
    /// The client went away before the end.
    Abandoned,
}

/// One download of a mix file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferRecord {
    /// When the download request arrived.
    #[serde(with = "secs")]
    pub started: Duration,
    /// When it ended (any outcome).
    #[serde(with = "opt_secs")]
    pub finished: Option<Duration>,
    /// The transfer time the timing model drew (×10 for `slow_download`).
    #[serde(with = "secs")]
    pub planned: Duration,
    /// Bytes actually sent.
    pub bytes_served: u64,
    /// Size of the whole file.
    pub total_bytes: u64,
    /// How it ended.
    pub outcome: TransferOutcome,
}

impl TransferRecord {
    /// True when the whole file was sent.
    pub fn complete(&self) -> bool {
        self.outcome == TransferOutcome::Complete
    }

    /// Start to end; zero while in progress.
    pub fn duration(&self) -> Duration {
        self.finished
            .map_or(Duration::ZERO, |end| end.saturating_sub(self.started))
    }
}

/// A flat view of one download: which mix a client received, for checking files on disk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServedMix {
    /// Mix id.
    pub mix_id: u64,
    /// Song page path.
    pub song: String,
    /// The attachment file name sent.
    pub file_name: String,
    /// Which track the mix was of (`None` = full mix).
    pub mix_of: Option<usize>,
    /// The track whose solo request was the latest when the mix was requested (`None` when no
    /// solo had been requested for the song); differs from `mix_of` when a client was too early.
    pub requested_for: Option<usize>,
    /// Bytes sent in this download.
    pub bytes_served: u64,
    /// Size of the whole file.
    pub total_bytes: u64,
    /// How the download ended.
    pub outcome: TransferOutcome,
}

/// One HTML page served (page think time is intrinsic site time outside any track).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageRecord {
    /// Request path.
    pub path: String,
    /// When the request arrived.
    #[serde(with = "secs")]
    pub requested: Duration,
    /// Think time the server spent before answering.
    #[serde(with = "secs")]
    pub think: Duration,
}

/// An injected fault.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultEvent {
    /// When it fired.
    #[serde(with = "secs")]
    pub at: Duration,
    /// Which fault.
    pub kind: FaultKind,
    /// Where (request path, song/track, or mix id).
    pub context: String,
}

/// A mix request refused by the rate limit (HTTP 429).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateLimited {
    /// When it was refused.
    #[serde(with = "secs")]
    pub at: Duration,
    /// Song page path of the refused request.
    pub song: String,
    /// The `Retry-After` sent, whole seconds.
    pub retry_after_secs: u64,
}

/// Everything in the ledger at one moment (the JSON of `GET /__stage/ledger`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerSnapshot {
    /// Per-track records, oldest first.
    pub records: Vec<TrackRecord>,
    /// Every mix request, oldest first (including mixes requested before any solo).
    pub mixes: Vec<MixRecord>,
    /// Every download, oldest first.
    pub mixes_served: Vec<ServedMix>,
    /// Every HTML page served.
    pub pages: Vec<PageRecord>,
    /// Every injected fault.
    pub faults: Vec<FaultEvent>,
    /// Every mix request the rate limit refused.
    pub rate_limited: Vec<RateLimited>,
}

/// Cheap, cloneable handle to the stage's ledger.
#[derive(Debug, Clone)]
pub struct Ledger {
    origin: Instant,
    inner: Arc<Mutex<Entries>>,
}

#[derive(Debug, Default)]
struct Entries {
    solos: Vec<SoloEntry>,
    mixes: BTreeMap<u64, MixEntry>,
    pages: Vec<PageRecord>,
    faults: Vec<FaultEvent>,
    rate_limited: Vec<RateLimited>,
    transfer_order: Vec<(u64, usize)>,
}

#[derive(Debug)]
struct SoloEntry {
    id: u64,
    record: TrackRecord,
    mix_ids: Vec<u64>,
}

#[derive(Debug)]
struct MixEntry {
    record: MixRecord,
    requested_for: Option<usize>,
}

/// Identifies a solo entry for later updates (stays valid across [`Ledger::clear`]; updates to
/// cleared entries are ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SoloId(pub(crate) u64);

/// Identifies one transfer of a mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TransferId {
    mix: u64,
    index: usize,
}

impl Ledger {
    pub(crate) fn new(origin: Instant) -> Ledger {
        Ledger {
            origin,
            inner: Arc::new(Mutex::new(Entries::default())),
        }
    }

    /// The instant the stage started; every ledger time is measured from it.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Time since [`Ledger::origin`].
    pub fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    /// Per-track records (one per solo request), oldest first.
    pub fn records(&self) -> Vec<TrackRecord> {
        let entries = self.lock();
        entries
            .solos
            .iter()
            .map(|solo| {
                let mut record = solo.record.clone();
                record.mixes = solo
                    .mix_ids
                    .iter()
                    .filter_map(|id| entries.mixes.get(id).map(|m| m.record.clone()))
                    .collect();
                record
            })
            .collect()
    }

    /// Every mix request, oldest first.
    pub fn mixes(&self) -> Vec<MixRecord> {
        self.lock()
            .mixes
            .values()
            .map(|m| m.record.clone())
            .collect()
    }

    /// Every download, in the order they started.
    pub fn mixes_served(&self) -> Vec<ServedMix> {
        let entries = self.lock();
        entries
            .transfer_order
            .iter()
            .filter_map(|(mix_id, index)| {
                let mix = entries.mixes.get(mix_id)?;
                let transfer = mix.record.transfers.get(*index)?;
                Some(ServedMix {
                    mix_id: *mix_id,
                    song: mix.record.song.clone(),
                    file_name: mix.record.file_name.clone(),
                    mix_of: mix.record.mix_of,
                    requested_for: mix.requested_for,
                    bytes_served: transfer.bytes_served,
                    total_bytes: transfer.total_bytes,
                    outcome: transfer.outcome,
                })
            })
            .collect()
    }

    /// Every HTML page served, oldest first.
    pub fn pages(&self) -> Vec<PageRecord> {
        self.lock().pages.clone()
    }

    /// Every injected fault, oldest first.
    pub fn faults(&self) -> Vec<FaultEvent> {
        self.lock().faults.clone()
    }

    /// Every mix request the rate limit refused (HTTP 429), oldest first.
    pub fn rate_limited(&self) -> Vec<RateLimited> {
        self.lock().rate_limited.clone()
    }

    /// Everything at once (consistent with itself).
    pub fn snapshot(&self) -> LedgerSnapshot {
        LedgerSnapshot {
            records: self.records(),
            mixes: self.mixes(),
            mixes_served: self.mixes_served(),
            pages: self.pages(),
            faults: self.faults(),
            rate_limited: self.rate_limited(),
        }
    }

    /// Forgets everything recorded so far (e.g. between runs against one stage). Work still in
    /// flight for forgotten entries is not recorded.
    pub fn clear(&self) {
        let mut entries = self.lock();
        *entries = Entries::default();
    }

    pub(crate) fn record_page(&self, path: &str, requested: Duration, think: Duration) {
        self.lock().pages.push(PageRecord {
            path: path.to_owned(),
            requested,
            think,
        });
    }

    pub(crate) fn record_fault(&self, kind: FaultKind, context: &str) {
        let at = self.now();
        self.lock().faults.push(FaultEvent {
            at,
            kind,
            context: context.to_owned(),
        });
    }

    pub(crate) fn solo_requested(&self, id: SoloId, record: TrackRecord) {
        self.lock().solos.push(SoloEntry {
            id: id.0,
            record,
            mix_ids: Vec::new(),
        });
    }

    pub(crate) fn solo_applied(&self, id: SoloId) {
        let now = self.now();
        if let Some(solo) = self.lock().solos.iter_mut().find(|s| s.id == id.0) {
            solo.record.solo_applied = Some(now);
        }
    }

    /// Releasing a solo left exactly `track` soloed: marks the song's latest "on" request, if it is
    /// that track's, applied and not marked yet.
    pub(crate) fn solo_exclusive(&self, song: &str, track: usize) {
        let now = self.now();
        let mut entries = self.lock();
        if let Some(solo) = entries
            .solos
            .iter_mut()
            .rev()
            .find(|solo| solo.record.song == song)
            && solo.record.track == track
            && solo.record.solo_applied.is_some()
            && solo.record.solo_exclusive.is_none()
        {
            solo.record.solo_exclusive = Some(now);
        }
    }

    /// Records a mix request and attaches it to the song's latest solo request, if any.
    pub(crate) fn mix_requested(&self, record: MixRecord) {
        let mut entries = self.lock();
        let latest_solo = entries
            .solos
            .iter_mut()
            .rev()
            .find(|solo| solo.record.song == record.song);
        let requested_for = latest_solo.map(|solo| {
            solo.mix_ids.push(record.id);
            solo.record.track
        });
        entries.mixes.insert(
            record.id,
            MixEntry {
                record,
                requested_for,
            },
        );
    }

    pub(crate) fn record_rate_limited(&self, song: &str, retry_after_secs: u64) {
        let at = self.now();
        self.lock().rate_limited.push(RateLimited {
            at,
            song: song.to_owned(),
            retry_after_secs,
        });
    }

    /// The mix got a generation slot: its queueing ends and its service starts.
    pub(crate) fn mix_started(&self, mix_id: u64) {
        let now = self.now();
        if let Some(mix) = self.lock().mixes.get_mut(&mix_id) {
            mix.record.started = Some(now);
        }
    }

    pub(crate) fn mix_finished(&self, mix_id: u64, status: MixStatus) {
        let now = self.now();
        if let Some(mix) = self.lock().mixes.get_mut(&mix_id) {
            mix.record.status = status;
            match status {
                MixStatus::Ready => mix.record.ready = Some(now),
                MixStatus::Failed => mix.record.failed = Some(now),
                MixStatus::Generating | MixStatus::Stuck => {}
            }
        }
    }

    pub(crate) fn transfer_started(
        &self,
        mix_id: u64,
        planned: Duration,
        total_bytes: u64,
    ) -> Option<TransferId> {
        let started = self.now();
        let mut entries = self.lock();
        let mix = entries.mixes.get_mut(&mix_id)?;
        mix.record.transfers.push(TransferRecord {
            started,
            finished: None,
            planned,
            bytes_served: 0,
            total_bytes,
            outcome: TransferOutcome::InProgress,
        });
        let id = TransferId {
            mix: mix_id,
            index: mix.record.transfers.len() - 1,
        };
        entries.transfer_order.push((id.mix, id.index));
        Some(id)
    }

    pub(crate) fn transfer_progress(&self, id: TransferId, bytes: u64) {
        if let Some(transfer) = self.transfer_mut(&mut self.lock(), id) {
            transfer.bytes_served += bytes;
        }
    }

    pub(crate) fn transfer_finished(&self, id: TransferId, outcome: TransferOutcome) {
        let now = self.now();
        if let Some(transfer) = self.transfer_mut(&mut self.lock(), id) {
            transfer.finished = Some(now);
            transfer.outcome = outcome;
        }
    }

    fn transfer_mut<'a>(
        &self,
        entries: &'a mut Entries,
        id: TransferId,
    ) -> Option<&'a mut TransferRecord> {
        entries
            .mixes
            .get_mut(&id.mix)?
            .record
            .transfers
            .get_mut(id.index)
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave entries half-written in a way that matters
        // for a read-mostly log, so recover the data instead of propagating the poison.
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// Serde helper: a `Duration` as seconds (f64).
mod secs {
    use serde::Serializer;
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(value.as_secs_f64())
    }
}

/// Serde helper: an `Option<Duration>` as seconds (f64) or null.
mod opt_secs {
    use serde::Serializer;
    use std::time::Duration;

    pub fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => serializer.serialize_some(&duration.as_secs_f64()),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn solo(track: usize, requested: Duration) -> TrackRecord {
        TrackRecord {
            song: "/custombackingtrack/a/b.html".into(),
            track,
            track_name: format!("Track {track}"),
            attempt: 1,
            solo_requested: requested,
            solo_delay_planned: Some(ms(100)),
            solo_applied: None,
            solo_exclusive: None,
            mixes: Vec::new(),
        }
    }

    fn mix(
        id: u64,
        mix_of: Option<usize>,
        requested: Duration,
        ready: Option<Duration>,
    ) -> MixRecord {
        MixRecord {
            id,
            song: "/custombackingtrack/a/b.html".into(),
            mix_of,
            mix_of_name: mix_of.map(|t| format!("Track {t}")),
            soloed: mix_of.into_iter().collect(),
            file_name: format!("mix{id}.mp3"),
            key: 0,
            precount: false,
            requested,
            started: ready.map(|_| requested),
            generation_planned: Some(ms(50)),
            ready,
            failed: None,
            status: if ready.is_some() {
                MixStatus::Ready
            } else {
                MixStatus::Generating
            },
            transfers: Vec::new(),
        }
    }

    fn transfer(started: Duration, finished: Duration, bytes: u64) -> TransferRecord {
        TransferRecord {
            started,
            finished: Some(finished),
            planned: finished - started,
            bytes_served: bytes,
            total_bytes: bytes,
            outcome: TransferOutcome::Complete,
        }
    }

    #[test]
    fn intrinsic_counts_solo_delay_generation_and_transfer_of_the_right_mix_only() {
        let mut record = solo(2, ms(1000));
        record.solo_applied = Some(ms(1500));
        let mut early = mix(1, Some(1), ms(1100), Some(ms(1900)));
        early.transfers.push(transfer(ms(2000), ms(2100), 10));
        let mut right = mix(2, Some(2), ms(3000), Some(ms(3700)));
        right.transfers.push(transfer(ms(3800), ms(4100), 20));
        record.mixes = vec![early, right];

        assert_eq!(record.intrinsic(), ms(500 + 700 + 300));
        assert_eq!(record.bytes_served(), 30);
        assert_eq!(record.served_mix_track(), Some(Some(2)));
        assert_eq!(record.mix_requested(), Some(ms(3000)));
        assert_eq!(record.mix_ready(), Some(ms(3700)));
        assert!(record.delivered());
    }

    #[test]
    fn queue_time_is_the_part_of_intrinsic_before_generation_started() {
        let mut record = solo(1, ms(0));
        record.solo_applied = Some(ms(100));
        let mut queued = mix(1, Some(1), ms(200), Some(ms(1200)));
        queued.started = Some(ms(700));
        let mut wrong = mix(2, Some(0), ms(150), Some(ms(900)));
        wrong.started = Some(ms(600));
        let mut unfinished = mix(3, Some(1), ms(1300), None);
        unfinished.started = Some(ms(1400));
        record.mixes = vec![wrong, queued, unfinished];
        assert_eq!(record.queue(), ms(500), "only finished mixes of this track");
        assert_eq!(record.intrinsic(), ms(100 + 1000));
        assert_eq!(record.mixes[1].queue(), ms(500));
        assert_eq!(record.mixes[2].queue(), Duration::ZERO);
    }

    #[test]
    fn unfinished_work_counts_nothing() {
        let mut record = solo(0, ms(10));
        record.mixes = vec![mix(1, Some(0), ms(20), None)];
        assert_eq!(record.intrinsic(), Duration::ZERO);
        assert!(!record.delivered());
        assert_eq!(solo(0, ms(0)).served_mix_track(), None);
    }

    #[test]
    fn mixes_attach_to_the_latest_solo_of_their_song_and_show_as_served() {
        let ledger = Ledger::new(Instant::now());
        ledger.mix_requested(mix(1, None, ms(0), None));
        ledger.solo_requested(SoloId(1), solo(0, ms(1)));
        ledger.solo_requested(SoloId(2), solo(3, ms(2)));
        ledger.solo_applied(SoloId(2));
        ledger.mix_requested(mix(2, Some(0), ms(3), None));
        ledger.mix_finished(2, MixStatus::Ready);
        let transfer = ledger.transfer_started(2, ms(5), 100).unwrap();
        ledger.transfer_progress(transfer, 60);
        ledger.transfer_progress(transfer, 40);
        ledger.transfer_finished(transfer, TransferOutcome::Complete);

        let records = ledger.records();
        assert_eq!(records.len(), 2);
        assert!(records[0].mixes.is_empty());
        assert!(records[1].solo_applied.is_some());
        assert_eq!(records[1].mixes.len(), 1);
        assert_eq!(records[1].mixes[0].status, MixStatus::Ready);
        assert_eq!(records[1].bytes_served(), 100);
        assert_eq!(ledger.mixes().len(), 2);

        let served = ledger.mixes_served();
        assert_eq!(served.len(), 1);
        assert_eq!(served[0].mix_of, Some(0));
        assert_eq!(served[0].requested_for, Some(3));
        assert_eq!(served[0].outcome, TransferOutcome::Complete);
    }

    #[test]
    fn clear_forgets_and_later_updates_to_forgotten_entries_are_ignored() {
        let ledger = Ledger::new(Instant::now());
        ledger.solo_requested(SoloId(1), solo(0, ms(1)));
        ledger.mix_requested(mix(1, Some(0), ms(3), None));
        ledger.record_page("/", ms(0), ms(1));
        ledger.record_fault(FaultKind::Http500, "/");
        ledger.clear();
        ledger.solo_applied(SoloId(1));
        ledger.mix_finished(1, MixStatus::Ready);
        assert!(ledger.transfer_started(1, ms(1), 1).is_none());
        let snapshot = ledger.snapshot();
        assert!(snapshot.records.is_empty() && snapshot.mixes.is_empty());
        assert!(snapshot.pages.is_empty() && snapshot.faults.is_empty());
    }

    #[test]
    fn json_uses_seconds() {
        let ledger = Ledger::new(Instant::now());
        let mut record = solo(1, ms(1500));
        record.solo_applied = Some(ms(2250));
        ledger.solo_requested(SoloId(1), record);
        let json = serde_json::to_value(ledger.snapshot()).unwrap();
        assert_eq!(json["records"][0]["solo_requested"], 1.5);
        assert_eq!(json["records"][0]["solo_applied"], 2.25);
        assert_eq!(json["records"][0]["track_name"], "Track 1");
    }
}
