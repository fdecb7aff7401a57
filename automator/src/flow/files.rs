//! The download folder: `downloads/<Song>/<Track>.mp3` with file-name-safe names that fit the
//! file system and are told apart when two collide. The automation only ever replaces the
//! exact files it is about to download again; it never empties a folder, never removes anything
//! else, and never follows a symbolic link out of the download folder.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Why a file could not be filed or a folder not used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is a symbolic link: the automation never follows a link out of the download folder (rename or remove the link, or rename the song)"
    )]
    Symlink { path: PathBuf },
    #[error(
        "{path} exists and is not a {expected}: the automation only replaces its own files (move it away, or rename the song)"
    )]
    InTheWay {
        path: PathBuf,
        expected: &'static str,
    },
}

impl FileError {
    /// Whether the download folder as a whole is unusable (an I/O failure such as a full disk
    /// or a read-only file system), rather than one name being in the way.
    pub fn is_fatal(&self) -> bool {
        matches!(self, FileError::Io { .. })
    }

    /// The I/O error underneath, if any.
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match self {
            FileError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn file_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> FileError + 'a {
    move |source| FileError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The most bytes of a name the automation writes as one path component. File systems allow
/// 255 bytes (ext4, XFS, Btrfs, APFS, tmpfs); the rest is room for ` (15)` told-apart suffixes,
/// the extension and the browser's `.crdownload`.
pub const NAME_BYTE_LIMIT: usize = 200;

/// A name usable as one path component on any common file system: separators, reserved and
/// control characters become `_`, surrounding dots and spaces go, it is cut at a UTF-8 character
/// boundary to [`NAME_BYTE_LIMIT`] bytes, and it is never empty (`untitled`).
pub fn safe_file_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let is_edge = |c: char| c == '.' || c.is_whitespace();
    let cut = cut_to_bytes(replaced.trim_matches(is_edge), NAME_BYTE_LIMIT);
    match cut.trim_matches(is_edge) {
        "" => "untitled".to_string(),
        name => name.to_string(),
    }
}

/// The longest prefix of `text` of at most `limit` bytes that ends on a character boundary.
fn cut_to_bytes(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let end = (0..=limit)
        .rev()
        .find(|&index| text.is_char_boundary(index))
        .unwrap_or(0);
    &text[..end]
}

/// Safe, distinct names for `names` in their order: the first keeps its name, a later one that
/// collides with an earlier one (ignoring case, as case-insensitive file systems do) becomes
/// `Name (2)`, `Name (3)` and so on — the same list always gives the same names.
pub fn distinct_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken = HashSet::new();
    let mut result = Vec::new();
    for name in names {
        let safe = safe_file_name(name);
        let distinct = (1u32..)
            .map(|number| match number {
                1 => safe.clone(),
                n => format!("{safe} ({n})"),
            })
            .find(|candidate| !taken.contains(&candidate.to_lowercase()))
            .unwrap_or_else(|| unreachable!("u32 numbering cannot run out"));
        taken.insert(distinct.to_lowercase());
        result.push(distinct);
    }
    result
}

/// Makes sure `downloads/<folder_name>/` is a real folder inside the download folder (creating
/// it when missing) and returns it. Nothing in it is removed: files of this song are replaced
/// one by one as their new downloads arrive. A symbolic link or a file of that name is refused.
#[tracing::instrument(
    skip_all,
    fields(tier = "component", component = "file_operations"),
    err
)]
pub fn prepare_song_folder(download_dir: &Path, folder_name: &str) -> Result<PathBuf, FileError> {
    let folder = download_dir.join(folder_name);
    match std::fs::symlink_metadata(&folder) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            Err(FileError::Symlink { path: folder })
        }
        Ok(metadata) if metadata.is_dir() => Ok(folder),
        Ok(_) => Err(FileError::InTheWay {
            path: folder,
            expected: "folder",
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir(&folder).map_err(file_error("cannot create", &folder))?;
            Ok(folder)
        }
        Err(source) => Err(FileError::Io {
            action: "cannot inspect",
            path: folder,
            source,
        }),
    }
}

/// Files a verified download as `<song folder>/<file_stem>.mp3` (the file operations' entry for
/// a track), replacing an earlier download of the same track in one atomic rename.
#[tracing::instrument(
    skip_all,
    fields(tier = "component", component = "file_operations"),
    err
)]
pub fn store_download(
    downloaded: &Path,
    song_folder: &Path,
    file_stem: &str,
) -> Result<PathBuf, FileError> {
    move_download(downloaded, song_folder, file_stem)
}

/// Moves a verified download to `<song folder>/<file_stem>.<ext>`. Only a regular file of that
/// exact name (an earlier download of this track) is replaced; a folder or a symbolic link in
/// the way is an error, and nothing else in the folder is touched.
#[tracing::instrument(skip_all, fields(tier = "method", component = "file_operations"), err)]
pub fn move_download(
    downloaded: &Path,
    song_folder: &Path,
    file_stem: &str,
) -> Result<PathBuf, FileError> {
    let extension = downloaded
        .extension()
        .and_then(|ext| ext.to_str())
        .unwrap_or("mp3");
    let target = song_folder.join(format!("{file_stem}.{extension}"));
    match std::fs::symlink_metadata(&target) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            return Err(FileError::Symlink { path: target });
        }
        Ok(metadata) if !metadata.is_file() => {
            return Err(FileError::InTheWay {
                path: target,
                expected: "regular file",
            });
        }
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(FileError::Io {
                action: "cannot inspect",
                path: target,
                source,
            });
        }
    }
    move_file(downloaded, &target)?;
    Ok(target)
}

/// Renames over the target (atomic); across file systems, copies to a temporary file beside
/// the target, renames that over it, then removes the source.
#[tracing::instrument(
    skip_all,
    fields(tier = "operation", component = "file_operations"),
    err
)]
fn move_file(from: &Path, to: &Path) -> Result<(), FileError> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::CrossesDevices => {
            let folder = to.parent().unwrap_or(Path::new("."));
            let staging = tempfile::Builder::new()
                .prefix(".filing-")
                .tempfile_in(folder)
                .map_err(file_error("cannot create a file in", folder))?;
            std::fs::copy(from, staging.path()).map_err(file_error("cannot copy into", to))?;
            staging.persist(to).map_err(|error| FileError::Io {
                action: "cannot move into",
                path: to.to_path_buf(),
                source: error.error,
            })?;
            std::fs::remove_file(from).map_err(file_error("cannot remove", from))
        }
        Err(source) => Err(FileError::Io {
            action: "cannot move",
            path: from.to_path_buf(),
            source,
        }),
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
        assert_eq!(safe_file_name("."), "untitled");
        assert_eq!(safe_file_name(".."), "untitled");
        assert_eq!(
            safe_file_name("Don't Wake the Neighbours"),
            "Don't Wake the Neighbours"
        );
        assert_eq!(safe_file_name("a\u{0}b\nc"), "a_b_c");
    }

    #[test]
    fn long_names_are_cut_at_a_character_boundary_to_the_byte_limit() {
        let euros = "€".repeat(100);
        assert_eq!(euros.len(), 300);
        let cut = safe_file_name(&euros);
        assert_eq!(cut, "€".repeat(NAME_BYTE_LIMIT / 3));
        assert_eq!(cut.len(), 198);
        let mixed = format!("a{}", "€".repeat(100));
        let cut = safe_file_name(&mixed);
        assert!(
            cut.len() <= NAME_BYTE_LIMIT && cut.starts_with('a'),
            "{cut}"
        );
        assert_eq!(cut.len(), 199, "1 + 66 × 3 bytes");
        let told_apart = distinct_names([euros.as_str(), euros.as_str()]);
        assert!(
            told_apart
                .iter()
                .all(|name| name.len() + ".mp3".len() <= 255)
        );
        assert!(told_apart[1].ends_with(" (2)"), "{}", told_apart[1]);
    }

    #[test]
    fn a_long_name_can_be_created_on_disk() {
        let root = tempfile::tempdir().unwrap();
        let name = distinct_names(["€".repeat(100).as_str()]).remove(0);
        let folder = prepare_song_folder(root.path(), &name).unwrap();
        let source = root.path().join("incoming.mp3");
        std::fs::write(&source, b"mix").unwrap();
        let stem = safe_file_name(&"€".repeat(100));
        let stored = move_download(&source, &folder, &stem).unwrap();
        assert_eq!(std::fs::read(stored).unwrap(), b"mix");
    }

    #[test]
    fn colliding_names_are_told_apart_in_order() {
        assert_eq!(
            distinct_names(["Mix", "Mix", "Other", "mix", ".", ".."]),
            [
                "Mix",
                "Mix (2)",
                "Other",
                "mix (3)",
                "untitled",
                "untitled (2)"
            ]
        );
        assert_eq!(
            distinct_names(["Mix (2)", "Mix", "Mix"]),
            ["Mix (2)", "Mix", "Mix (3)"]
        );
    }

    /// A folder named like a song, holding the user's own files.
    fn users_folder(root: &Path) -> PathBuf {
        let documents = root.join("Documents");
        std::fs::create_dir_all(documents.join("taxes")).unwrap();
        std::fs::write(documents.join("important.txt"), b"keep me").unwrap();
        std::fs::write(documents.join("taxes/2025.pdf"), b"keep me too").unwrap();
        documents
    }

    #[test]
    fn preparing_a_song_folder_keeps_everything_in_it() {
        let root = tempfile::tempdir().unwrap();
        let documents = users_folder(root.path());
        let folder = prepare_song_folder(root.path(), "Documents").unwrap();
        assert_eq!(folder, documents);
        assert_eq!(
            std::fs::read(documents.join("important.txt")).unwrap(),
            b"keep me"
        );
        assert_eq!(
            std::fs::read(documents.join("taxes/2025.pdf")).unwrap(),
            b"keep me too"
        );
        let created = prepare_song_folder(root.path(), "New Song").unwrap();
        assert!(created.is_dir());
    }

    #[test]
    fn a_symlinked_song_folder_is_refused_and_its_target_untouched() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("precious.txt"), b"outside").unwrap();
        let downloads = root.path().join("home");
        std::fs::create_dir(&downloads).unwrap();
        std::os::unix::fs::symlink(outside.path(), downloads.join("Linked")).unwrap();
        let error = prepare_song_folder(&downloads, "Linked").unwrap_err();
        assert!(matches!(error, FileError::Symlink { .. }), "{error}");
        assert!(!error.is_fatal());
        assert!(error.to_string().contains("symbolic link"), "{error}");
        let left: Vec<_> = std::fs::read_dir(outside.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
        assert_eq!(
            std::fs::read(outside.path().join("precious.txt")).unwrap(),
            b"outside"
        );
    }

    #[test]
    fn a_file_named_like_the_song_folder_is_in_the_way() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("Song"), b"a file").unwrap();
        let error = prepare_song_folder(root.path(), "Song").unwrap_err();
        assert!(matches!(error, FileError::InTheWay { .. }), "{error}");
        assert_eq!(std::fs::read(root.path().join("Song")).unwrap(), b"a file");
    }

    #[test]
    fn filing_replaces_only_the_same_track_and_keeps_other_files() {
        let root = tempfile::tempdir().unwrap();
        let folder = users_folder(root.path());
        std::fs::write(folder.join("Bass.mp3"), b"last run").unwrap();
        let incoming = root.path().join("incoming");
        std::fs::create_dir(&incoming).unwrap();
        let first = incoming.join("A_B(Bass_Custom_Backing_Track).mp3");
        std::fs::write(&first, b"this run").unwrap();
        let stored = move_download(&first, &folder, "Bass").unwrap();
        assert_eq!(stored, folder.join("Bass.mp3"));
        assert_eq!(std::fs::read(&stored).unwrap(), b"this run");
        assert!(!first.exists());
        let second = incoming.join("again.mp3");
        std::fs::write(&second, b"second bass").unwrap();
        let other = move_download(&second, &folder, "Bass (2)").unwrap();
        assert_eq!(std::fs::read(other).unwrap(), b"second bass");
        assert_eq!(std::fs::read(&stored).unwrap(), b"this run");
        assert_eq!(
            std::fs::read(folder.join("important.txt")).unwrap(),
            b"keep me"
        );
        assert!(folder.join("taxes/2025.pdf").exists());
    }

    #[test]
    fn a_symlink_or_folder_in_place_of_a_track_file_is_never_followed_or_replaced() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let outside_file = outside.path().join("real.mp3");
        std::fs::write(&outside_file, b"outside").unwrap();
        let folder = prepare_song_folder(root.path(), "Song").unwrap();
        std::os::unix::fs::symlink(&outside_file, folder.join("Drums.mp3")).unwrap();
        std::fs::create_dir(folder.join("Bass.mp3")).unwrap();
        let download = root.path().join("download.mp3");
        std::fs::write(&download, b"mix").unwrap();
        let link = move_download(&download, &folder, "Drums").unwrap_err();
        assert!(matches!(link, FileError::Symlink { .. }), "{link}");
        let in_the_way = move_download(&download, &folder, "Bass").unwrap_err();
        assert!(
            matches!(in_the_way, FileError::InTheWay { .. }),
            "{in_the_way}"
        );
        assert_eq!(std::fs::read(&outside_file).unwrap(), b"outside");
        assert!(folder.join("Bass.mp3").is_dir());
        assert!(download.exists(), "the download stays for another try");
    }

    #[test]
    fn a_missing_download_is_an_error_naming_the_file() {
        let root = tempfile::tempdir().unwrap();
        let error = move_download(&root.path().join("gone.mp3"), root.path(), "Bass").unwrap_err();
        assert!(error.to_string().contains("gone.mp3"), "{error}");
        assert!(!root.path().join("Bass.mp3").exists());
    }
}
