//! The download folder: `downloads/<Song>/<Track>.mp3` with file-name-safe names, a cleared
//! song folder at song start, and moves that never overwrite a file.

use std::path::{Path, PathBuf};

/// A file-system step that failed, naming the path.
#[derive(Debug, thiserror::Error)]
#[error("{action} {path}: {source}")]
pub struct FileError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

fn file_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> FileError + 'a {
    move |source| FileError {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// A name usable as one path component on any common file system: separators, reserved and
/// control characters become `_`, surrounding dots and spaces go, and the result is never empty.
pub fn safe_file_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let limited: String = trimmed.chars().take(120).collect();
    if limited.is_empty() {
        "untitled".to_string()
    } else {
        limited
    }
}

/// Empties (or creates) `downloads/<Song>/` at the start of a song, so the folder holds exactly
/// this run's mixes of it.
#[tracing::instrument(
    skip_all,
    fields(tier = "component", component = "file_operations"),
    err
)]
pub fn prepare_song_folder(download_dir: &Path, song_name: &str) -> Result<PathBuf, FileError> {
    let folder = download_dir.join(safe_file_name(song_name));
    if folder.exists() {
        remove_folder_contents(&folder)?;
    }
    std::fs::create_dir_all(&folder).map_err(file_error("cannot create", &folder))?;
    Ok(folder)
}

#[tracing::instrument(
    skip_all,
    fields(tier = "operation", component = "file_operations"),
    err
)]
fn remove_folder_contents(folder: &Path) -> Result<(), FileError> {
    let entries = std::fs::read_dir(folder).map_err(file_error("cannot list", folder))?;
    for entry in entries {
        let path = entry.map_err(file_error("cannot list", folder))?.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(file_error("cannot remove", &path))?;
    }
    Ok(())
}

/// Files a verified download as `<song folder>/<Track>.mp3` (the file operations' entry for a
/// track).
#[tracing::instrument(
    skip_all,
    fields(tier = "component", component = "file_operations"),
    err
)]
pub fn store_download(
    downloaded: &Path,
    song_folder: &Path,
    track_name: &str,
) -> Result<PathBuf, FileError> {
    move_download(downloaded, song_folder, track_name)
}

/// Moves a verified download to `<song folder>/<Track>.mp3`; when that name is taken (two
/// tracks with the same caption), `<Track> (2).mp3` and so on — nothing is overwritten.
#[tracing::instrument(skip_all, fields(tier = "method", component = "file_operations"), err)]
pub fn move_download(
    downloaded: &Path,
    song_folder: &Path,
    track_name: &str,
) -> Result<PathBuf, FileError> {
    let extension = downloaded
        .extension()
        .and_then(|ext| ext.to_str())
        .unwrap_or("mp3");
    let stem = safe_file_name(track_name);
    for number in 1u32.. {
        let candidate = match number {
            1 => song_folder.join(format!("{stem}.{extension}")),
            n => song_folder.join(format!("{stem} ({n}).{extension}")),
        };
        match claim(&candidate) {
            Ok(()) => {
                if let Err(error) = move_file(downloaded, &candidate) {
                    let _ = std::fs::remove_file(&candidate);
                    return Err(error);
                }
                return Ok(candidate);
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => {
                return Err(FileError {
                    action: "cannot create",
                    path: candidate,
                    source,
                });
            }
        }
    }
    unreachable!("u32 numbering cannot run out before a free name is found")
}

/// Reserves a name by creating it exclusively, so a concurrent writer cannot be clobbered.
#[tracing::instrument(skip_all, fields(tier = "operation", component = "file_operations"))]
fn claim(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map(drop)
}

/// Renames over the reserved name; across file systems, copies then removes the source.
#[tracing::instrument(
    skip_all,
    fields(tier = "operation", component = "file_operations"),
    err
)]
fn move_file(from: &Path, to: &Path) -> Result<(), FileError> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::CrossesDevices => {
            std::fs::copy(from, to).map_err(file_error("cannot copy into", to))?;
            std::fs::remove_file(from).map_err(file_error("cannot remove", from))
        }
        Err(source) => Err(FileError {
            action: "cannot move",
            path: from.to_path_buf(),
            source,
        }),
    }
}

/// Deletes a rejected download (a wrong mix) so it cannot be mistaken for a right one.
#[tracing::instrument(
    skip_all,
    fields(tier = "operation", component = "file_operations"),
    err
)]
pub fn discard(path: &Path) -> Result<(), FileError> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(FileError {
            action: "cannot remove",
            path: path.to_path_buf(),
            source: error,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_separators_and_reserved_characters() {
        assert_eq!(
            safe_file_name("AC/DC: Back in Black?"),
            "AC_DC_ Back in Black_"
        );
        assert_eq!(safe_file_name("  ..hidden.. "), "hidden");
        assert_eq!(safe_file_name("../.."), "_");
        assert_eq!(safe_file_name(" ... "), "untitled");
        assert_eq!(
            safe_file_name("Don't Wake the Neighbours"),
            "Don't Wake the Neighbours"
        );
        assert_eq!(safe_file_name("a\u{0}b\nc"), "a_b_c");
    }

    #[test]
    fn preparing_a_song_folder_empties_it() {
        let root = tempfile::tempdir().unwrap();
        let first = prepare_song_folder(root.path(), "My/Song").unwrap();
        assert_eq!(first, root.path().join("My_Song"));
        std::fs::write(first.join("old.mp3"), b"old").unwrap();
        std::fs::create_dir(first.join("leftover")).unwrap();
        let again = prepare_song_folder(root.path(), "My/Song").unwrap();
        assert_eq!(std::fs::read_dir(&again).unwrap().count(), 0);
    }

    #[test]
    fn moving_never_overwrites_an_existing_track_file() {
        let root = tempfile::tempdir().unwrap();
        let folder = prepare_song_folder(root.path(), "Song").unwrap();
        let incoming = root.path().join("incoming");
        std::fs::create_dir(&incoming).unwrap();
        let first = incoming.join("A_B(Bass_Custom_Backing_Track).mp3");
        std::fs::write(&first, b"first").unwrap();
        let stored = move_download(&first, &folder, "Bass").unwrap();
        assert_eq!(stored, folder.join("Bass.mp3"));
        let second = incoming.join("again.mp3");
        std::fs::write(&second, b"second").unwrap();
        let stored_again = move_download(&second, &folder, "Bass").unwrap();
        assert_eq!(stored_again, folder.join("Bass (2).mp3"));
        assert_eq!(std::fs::read(folder.join("Bass.mp3")).unwrap(), b"first");
        assert_eq!(std::fs::read(stored_again).unwrap(), b"second");
        assert!(!first.exists() && !second.exists());
    }

    #[test]
    fn a_missing_download_is_an_error_naming_the_file() {
        let root = tempfile::tempdir().unwrap();
        let error = move_download(&root.path().join("gone.mp3"), root.path(), "Bass").unwrap_err();
        assert!(error.to_string().contains("gone.mp3"), "{error}");
        assert!(
            !root.path().join("Bass.mp3").exists(),
            "the reserved name is released again"
        );
    }

    #[test]
    fn discarding_twice_is_fine() {
        let root = tempfile::tempdir().unwrap();
        let wrong = root.path().join("wrong.mp3");
        std::fs::write(&wrong, b"x").unwrap();
        discard(&wrong).unwrap();
        discard(&wrong).unwrap();
        assert!(!wrong.exists());
    }
}
