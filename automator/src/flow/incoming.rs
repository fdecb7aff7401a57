//! The browser's download directory: which finished mix files are in it (including a late file
//! of an earlier attempt and a copy the browser renamed `… (1).mp3`), which song each file
//! belongs to, how much space is left, and a file-system watch that wakes the download monitor
//! the moment something changes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::config::site_profile::DownloadProfile;

/// Below this much free space the download folder counts as full: no mix fits (the real site's
/// mixes are megabytes), and the browser drops or stalls every transfer.
pub const LOW_SPACE_BYTES: u64 = 8 * 1024 * 1024;

/// The directory Chromium saves into (one per run, emptied as files are filed away).
#[derive(Debug, Clone)]
pub struct IncomingDir {
    path: PathBuf,
    download: DownloadProfile,
    /// Which song (page path) each file belongs to: the song being processed when the file, or
    /// its partial file, was first seen. A late file of one song is never filed for another
    /// song's track of the same name.
    owners: Arc<Mutex<HashMap<String, String>>>,
}

/// The names present before a mix was requested, so a late file of an earlier attempt of
/// another track is not taken for a wrong mix of this one.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    names: HashSet<String>,
}

/// What the incoming directory shows of one download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadState {
    /// A finished mix file: of the track wanted (possibly of an earlier attempt, possibly
    /// renamed by the browser) or, when new since the request, of another track (a wrong mix).
    Finished(PathBuf),
    /// A partial file (or the browser's placeholder) is there.
    InProgress,
    /// Nothing new since the mix was requested.
    Nothing,
}

/// The download a check is about.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    /// The song's page path.
    pub song: &'a str,
    /// The track's caption.
    pub track: &'a str,
}

/// File-system events of the incoming directory, as wake-ups.
pub struct DirectoryWatch {
    _watcher: notify::RecommendedWatcher,
    wake_ups: mpsc::UnboundedReceiver<()>,
}

impl DirectoryWatch {
    /// Waits for the next change; `None` once the watcher is gone.
    pub async fn changed(&mut self) -> Option<()> {
        let woke = self.wake_ups.recv().await;
        while self.wake_ups.try_recv().is_ok() {}
        woke
    }
}

/// A download finishes with a rename (or a create, or the close of a written file); the many
/// data writes in between cannot finish one, so they do not wake the monitor.
fn may_finish_a_download(kind: &notify::EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Name(_)) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Modify(_) | EventKind::Access(_) => false,
        EventKind::Any | EventKind::Other => true,
    }
}

impl IncomingDir {
    pub fn new(path: PathBuf, download: DownloadProfile) -> IncomingDir {
        IncomingDir {
            path,
            download,
            owners: Arc::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts watching the directory (inotify on Linux).
    pub fn watch(&self) -> notify::Result<DirectoryWatch> {
        let (sender, wake_ups) = mpsc::unbounded_channel();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if event.is_ok_and(|event| may_finish_a_download(&event.kind)) {
                    let _ = sender.send(());
                }
            })?;
        watcher.watch(&self.path, RecursiveMode::NonRecursive)?;
        Ok(DirectoryWatch {
            _watcher: watcher,
            wake_ups,
        })
    }

    /// Bytes available to this user on the directory's file system (`statvfs`).
    pub fn free_bytes(&self) -> std::io::Result<u64> {
        let stats = rustix::fs::statvfs(&self.path).map_err(std::io::Error::from)?;
        Ok(stats.f_bavail.saturating_mul(stats.f_frsize))
    }

    /// Every name in the directory now (finished or not).
    #[tracing::instrument(
        skip_all,
        fields(tier = "operation", component = "file_operations"),
        err
    )]
    pub fn snapshot(&self) -> std::io::Result<Snapshot> {
        Ok(Snapshot {
            names: self.names()?.into_iter().collect(),
        })
    }

    /// A finished mix of the wanted track that is already here (a download of an earlier
    /// attempt that completed after its wait ran out, or a copy the browser renamed).
    #[tracing::instrument(
        skip_all,
        fields(tier = "operation", component = "file_operations"),
        err
    )]
    pub fn arrived(&self, wanted: Wanted<'_>) -> std::io::Result<Option<PathBuf>> {
        let names = self.names()?;
        Ok(self.finished_of(&names, wanted))
    }

    /// What the directory says about the download requested after `before`: a finished mix
    /// of the wanted track (whenever it arrived), a new finished mix of another track (the
    /// caller rejects it as a wrong mix), a download still in progress (some new entry), or
    /// nothing. A mix file is finished when it has a name in one of the site's forms (see
    /// `DownloadProfile::read_mix_name`; the browser's ` (1)` before the extension allowed, a
    /// name carrying no track included), is a non-empty regular file, and no partial file
    /// of the same name is open: Chromium writes `<name>.crdownload` and renames it only once
    /// the transfer completed, so a finished name's size is final.
    #[tracing::instrument(
        skip_all,
        fields(tier = "operation", component = "file_operations"),
        err
    )]
    pub fn check(&self, before: &Snapshot, wanted: Wanted<'_>) -> std::io::Result<DownloadState> {
        let names = self.names()?;
        if let Some(file) = self.finished_of(&names, wanted) {
            return Ok(DownloadState::Finished(file));
        }
        let partial = &self.download.partial_suffix;
        let open = self.open_partials(&names);
        let mut in_progress = false;
        for name in &names {
            let is_new =
                !before.names.contains(name) && !before.names.contains(&format!("{name}{partial}"));
            if !is_new {
                continue;
            }
            in_progress = true;
            if !open.contains(name.as_str()) && self.is_complete_mix(name) {
                return Ok(DownloadState::Finished(self.path.join(name)));
            }
        }
        Ok(match in_progress {
            true => DownloadState::InProgress,
            false => DownloadState::Nothing,
        })
    }

    /// Bytes in the partial files that appeared since `before` (a transfer's progress).
    pub fn partial_bytes(&self, before: &Snapshot) -> std::io::Result<u64> {
        let partial = &self.download.partial_suffix;
        let mut total = 0;
        for name in self.names()? {
            if name.ends_with(partial.as_str()) && !before.names.contains(&name) {
                total += std::fs::symlink_metadata(self.path.join(&name)).map_or(0, |m| m.len());
            }
        }
        Ok(total)
    }

    /// The first finished mix of the wanted track that belongs to the wanted song.
    fn finished_of(&self, names: &[String], wanted: Wanted<'_>) -> Option<PathBuf> {
        let open = self.open_partials(names);
        let owners = self.attribute(names, wanted.song);
        names
            .iter()
            .filter(|name| {
                owners
                    .get(name.as_str())
                    .is_some_and(|owner| owner == wanted.song)
            })
            .filter(|name| !open.contains(name.as_str()))
            .filter(|name| self.download.names_track(name, wanted.track))
            .find(|name| self.is_complete_mix(name))
            .map(|name| self.path.join(name))
    }

    /// Gives every name not seen before (by itself or as a partial file) to `song`, and
    /// returns the owners of all names.
    fn attribute(&self, names: &[String], song: &str) -> HashMap<String, String> {
        let mut owners = self
            .owners
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for name in names {
            let finished_name = name
                .strip_suffix(self.download.partial_suffix.as_str())
                .unwrap_or(name);
            owners
                .entry(finished_name.to_string())
                .or_insert_with(|| song.to_string());
        }
        owners.clone()
    }

    /// Names whose partial file is still open (the transfer is not finished).
    fn open_partials<'n>(&self, names: &'n [String]) -> HashSet<&'n str> {
        names
            .iter()
            .filter_map(|name| name.strip_suffix(self.download.partial_suffix.as_str()))
            .collect()
    }

    fn is_complete_mix(&self, name: &str) -> bool {
        self.download.is_mix_file(name)
            && std::fs::symlink_metadata(self.path.join(name))
                .is_ok_and(|metadata| metadata.is_file() && metadata.len() > 0)
    }

    fn names(&self) -> std::io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&self.path)? {
            if let Some(name) = entry?.file_name().to_str() {
                names.push(name.to_string());
            }
        }
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteProfile;

    const MIX: &str = "A_B(Bass_Custom_Backing_Track).mp3";
    const SONG: &str = "/a/b.html";
    const BASS: Wanted<'static> = Wanted {
        song: SONG,
        track: "Bass",
    };

    fn incoming() -> (tempfile::TempDir, IncomingDir) {
        let directory = tempfile::tempdir().unwrap();
        let incoming = IncomingDir::new(
            directory.path().to_path_buf(),
            SiteProfile::default().download,
        );
        (directory, incoming)
    }

    #[test]
    fn a_partial_download_or_its_placeholder_is_not_finished() {
        let (directory, incoming) = incoming();
        let before = incoming.snapshot().unwrap();
        std::fs::write(directory.path().join(MIX), b"").unwrap();
        std::fs::write(directory.path().join(format!("{MIX}.crdownload")), b"half").unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::InProgress
        );
        std::fs::rename(
            directory.path().join(format!("{MIX}.crdownload")),
            directory.path().join(MIX),
        )
        .unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::Finished(directory.path().join(MIX))
        );
    }

    #[test]
    fn a_late_file_of_an_earlier_attempt_of_another_track_is_not_a_wrong_mix() {
        let (directory, incoming) = incoming();
        let drums = "A_B(Drums_Custom_Backing_Track).mp3";
        std::fs::write(
            directory.path().join(format!("{drums}.crdownload")),
            b"half",
        )
        .unwrap();
        let before = incoming.snapshot().unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::Nothing
        );
        std::fs::rename(
            directory.path().join(format!("{drums}.crdownload")),
            directory.path().join(drums),
        )
        .unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::Nothing
        );
        std::fs::write(directory.path().join("notes.txt"), b"not a mix").unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::InProgress
        );
    }

    #[test]
    fn a_new_mix_of_another_track_is_reported_for_verification() {
        let (directory, incoming) = incoming();
        let before = incoming.snapshot().unwrap();
        let drums = directory.path().join("A_B(Drums_Custom_Backing_Track).mp3");
        std::fs::write(&drums, b"the previous track's mix").unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::Finished(drums)
        );
    }

    #[test]
    fn a_late_mix_of_the_wanted_track_is_taken_even_if_it_was_there_before() {
        let (directory, incoming) = incoming();
        std::fs::write(directory.path().join(format!("{MIX}.crdownload")), b"half").unwrap();
        assert_eq!(incoming.arrived(BASS).unwrap(), None);
        let before = incoming.snapshot().unwrap();
        std::fs::rename(
            directory.path().join(format!("{MIX}.crdownload")),
            directory.path().join(MIX),
        )
        .unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::Finished(directory.path().join(MIX))
        );
        assert_eq!(
            incoming.arrived(BASS).unwrap(),
            Some(directory.path().join(MIX))
        );
    }

    #[test]
    fn a_copy_the_browser_renamed_is_recognised() {
        let (directory, incoming) = incoming();
        let before = incoming.snapshot().unwrap();
        let renamed = "A_B(Bass_Custom_Backing_Track) (1).mp3";
        std::fs::write(
            directory.path().join(format!("{renamed}.crdownload")),
            b"ha",
        )
        .unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::InProgress
        );
        std::fs::rename(
            directory.path().join(format!("{renamed}.crdownload")),
            directory.path().join(renamed),
        )
        .unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::Finished(directory.path().join(renamed))
        );
    }

    #[test]
    fn a_mix_of_another_song_with_the_same_track_name_is_not_taken() {
        let (directory, incoming) = incoming();
        std::fs::write(directory.path().join(format!("{MIX}.crdownload")), b"ha").unwrap();
        let first_song = Wanted {
            song: "/other/song.html",
            track: "Bass",
        };
        assert_eq!(incoming.arrived(first_song).unwrap(), None);
        std::fs::rename(
            directory.path().join(format!("{MIX}.crdownload")),
            directory.path().join(MIX),
        )
        .unwrap();
        assert_eq!(incoming.arrived(BASS).unwrap(), None);
        assert_eq!(
            incoming.arrived(first_song).unwrap(),
            Some(directory.path().join(MIX))
        );
    }

    #[test]
    fn a_partial_download_the_browser_dropped_leaves_nothing() {
        let (directory, incoming) = incoming();
        let before = incoming.snapshot().unwrap();
        let partial = directory.path().join(format!("{MIX}.crdownload"));
        std::fs::write(&partial, b"half").unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::InProgress
        );
        std::fs::remove_file(&partial).unwrap();
        assert_eq!(
            incoming.check(&before, BASS).unwrap(),
            DownloadState::Nothing
        );
    }

    #[test]
    fn free_space_is_read_from_the_file_system() {
        let (_directory, incoming) = incoming();
        let free = incoming.free_bytes().unwrap();
        let missing = IncomingDir::new(
            PathBuf::from("/nonexistent/incoming"),
            SiteProfile::default().download,
        );
        assert!(missing.free_bytes().is_err());
        assert!(free > 0, "the test machine's temp dir has room");
    }

    #[test]
    fn data_writes_do_not_wake_the_monitor_but_renames_do() {
        use notify::event::{CreateKind, DataChange, EventKind, ModifyKind, RenameMode};
        assert!(!may_finish_a_download(&EventKind::Modify(
            ModifyKind::Data(DataChange::Content)
        )));
        assert!(may_finish_a_download(&EventKind::Modify(ModifyKind::Name(
            RenameMode::To
        ))));
        assert!(may_finish_a_download(&EventKind::Create(CreateKind::File)));
    }

    #[tokio::test]
    async fn the_watch_wakes_up_on_a_new_file() {
        let (directory, incoming) = incoming();
        let mut watch = incoming.watch().unwrap();
        std::fs::write(directory.path().join(MIX), b"data").unwrap();
        let woke = tokio::time::timeout(std::time::Duration::from_secs(10), watch.changed()).await;
        assert_eq!(woke.unwrap(), Some(()));
    }
}
