//! Temporary folders owned by one automator process: Chromium's profile
//! (`$TMPDIR/automator-chromium-<pid>-…`) and the browser's incoming download folder
//! (`downloads/.incoming-<pid>-…`). The owner's pid is in the name, so a later run can tell the
//! folders of a killed run (owner dead: removed) from those of a run still going (kept).
//!
//! A pid reused by an unrelated live process keeps a dead run's folder until that process
//! ends; the mistake can only ever be keeping a folder, never removing a live run's.

use std::path::{Path, PathBuf};

/// The name prefix of a folder this process owns: `<prefix><pid>-`.
pub fn owned_prefix(prefix: &str) -> String {
    format!("{prefix}{}-", std::process::id())
}

/// Removes the folders `<parent>/<prefix><pid>-…` whose owning process is gone; returns the
/// ones removed. Symlinks and plain files are left alone; a folder that cannot be removed
/// (another user's) is skipped.
pub fn remove_stale(parent: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = name.to_str().and_then(|name| owner_of(name, prefix)) else {
            continue;
        };
        let is_folder = entry
            .file_type()
            .is_ok_and(|kind| kind.is_dir() && !kind.is_symlink());
        if !is_folder || is_alive(owner) {
            continue;
        }
        let path = entry.path();
        if std::fs::remove_dir_all(&path).is_ok() {
            removed.push(path);
        }
    }
    if !removed.is_empty() {
        tracing::info!(
            "removed {} folder(s) left by killed runs in {}",
            removed.len(),
            parent.display()
        );
    }
    removed
}

/// The pid in `<prefix><pid>-…`, if the name has that shape.
fn owner_of(name: &str, prefix: &str) -> Option<u32> {
    let (pid, _) = name.strip_prefix(prefix)?.split_once('-')?;
    pid.parse().ok()
}

/// Whether a process with this pid exists (a zombie counts: its owner has not reaped it yet).
fn is_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill(2) with signal 0 only checks for existence; no memory is involved.
    let answer = unsafe { libc::kill(pid, 0) };
    answer == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid no process has: one of a child that was reaped.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn only_folders_of_dead_owners_are_removed() {
        let parent = tempfile::tempdir().unwrap();
        let dead = parent
            .path()
            .join(format!("automator-chromium-{}-abc", dead_pid()));
        let mine = parent
            .path()
            .join(format!("{}xyz", owned_prefix("automator-chromium-")));
        let unrelated = parent.path().join("automator-chromium-notapid-abc");
        let other_prefix = parent.path().join(format!(".incoming-{}-abc", dead_pid()));
        for folder in [&dead, &mine, &unrelated, &other_prefix] {
            std::fs::create_dir_all(folder.join("Default")).unwrap();
        }
        let removed = remove_stale(parent.path(), "automator-chromium-");
        assert_eq!(removed, vec![dead.clone()]);
        assert!(!dead.exists() && mine.exists() && unrelated.exists() && other_prefix.exists());
    }

    #[test]
    fn a_symlink_with_a_stale_name_is_not_followed() {
        let parent = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("keep.txt"), b"keep").unwrap();
        let link = parent.path().join(format!(".incoming-{}-abc", dead_pid()));
        std::os::unix::fs::symlink(outside.path(), &link).unwrap();
        assert!(remove_stale(parent.path(), ".incoming-").is_empty());
        assert!(outside.path().join("keep.txt").exists());
    }
}
