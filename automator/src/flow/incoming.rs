//! The browser's download directory: which finished mix files are in it, and a file-system
//! watch that wakes the download monitor the moment something changes.

use std::collections::HashSet;
use std::path::PathBuf;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::config::site_profile::DownloadProfile;

/// The directory Chromium saves into (one per run, emptied as files are filed away).
#[derive(Debug, Clone)]
pub struct IncomingDir {
    path: PathBuf,
    download: DownloadProfile,
}

/// The names present before a mix was requested, so a late file of an earlier attempt is not
/// taken for this one.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    names: HashSet<String>,
}

/// What the incoming directory shows of one download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadState {
    /// The finished mix file.
    Finished(PathBuf),
    /// A partial file (or the browser's placeholder) is there.
    InProgress,
    /// Nothing new since the mix was requested.
    Nothing,
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
        IncomingDir { path, download }
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

    /// What the directory says about the download requested after `before`: a finished mix
    /// file (a name of the site's pattern, not partial, not empty, with no partial download of
    /// the same name still open), a download still in progress (some new entry), or nothing.
    #[tracing::instrument(
        skip_all,
        fields(tier = "operation", component = "file_operations"),
        err
    )]
    pub fn check(&self, before: &Snapshot) -> std::io::Result<DownloadState> {
        let names = self.names()?;
        let partial = &self.download.partial_suffix;
        let open_partials: HashSet<&str> = names
            .iter()
            .filter_map(|name| name.strip_suffix(partial.as_str()))
            .collect();
        let mut in_progress = false;
        for name in &names {
            let is_new =
                !before.names.contains(name) && !before.names.contains(&format!("{name}{partial}"));
            if !is_new {
                continue;
            }
            in_progress = true;
            if !self.download.is_mix_file(name) || open_partials.contains(name.as_str()) {
                continue;
            }
            let path = self.path.join(name);
            if std::fs::metadata(&path)
                .is_ok_and(|metadata| metadata.is_file() && metadata.len() > 0)
            {
                return Ok(DownloadState::Finished(path));
            }
        }
        Ok(match in_progress {
            true => DownloadState::InProgress,
            false => DownloadState::Nothing,
        })
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
        assert_eq!(incoming.check(&before).unwrap(), DownloadState::InProgress);
        std::fs::rename(
            directory.path().join(format!("{MIX}.crdownload")),
            directory.path().join(MIX),
        )
        .unwrap();
        assert_eq!(
            incoming.check(&before).unwrap(),
            DownloadState::Finished(directory.path().join(MIX))
        );
    }

    #[test]
    fn files_present_before_the_request_are_ignored() {
        let (directory, incoming) = incoming();
        std::fs::write(
            directory.path().join(MIX),
            b"late file of an earlier attempt",
        )
        .unwrap();
        let before = incoming.snapshot().unwrap();
        assert_eq!(incoming.check(&before).unwrap(), DownloadState::Nothing);
        std::fs::write(directory.path().join("notes.txt"), b"not a mix").unwrap();
        assert_eq!(incoming.check(&before).unwrap(), DownloadState::InProgress);
    }

    #[test]
    fn a_partial_download_the_browser_dropped_leaves_nothing() {
        let (directory, incoming) = incoming();
        let before = incoming.snapshot().unwrap();
        let partial = directory.path().join(format!("{MIX}.crdownload"));
        std::fs::write(&partial, b"half").unwrap();
        assert_eq!(incoming.check(&before).unwrap(), DownloadState::InProgress);
        std::fs::remove_file(&partial).unwrap();
        assert_eq!(incoming.check(&before).unwrap(), DownloadState::Nothing);
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
