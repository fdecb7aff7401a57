//! What a run will do, decided before the browser starts: the site's base URL, every song's
//! URL resolved against it, and a writable download directory.

use std::path::Path;

use url::Url;

use crate::config::Song;
use crate::stage::demo_catalog;

use super::files;
use super::options::RunOptions;
use super::run_error::RunError;

/// A song to process, with its URL resolved against the target.
#[derive(Debug, Clone)]
pub(crate) struct PlannedSong {
    pub(crate) song: Song,
    pub(crate) url: String,
    /// The URL's path (what the stage's ledger records).
    pub(crate) path: String,
    /// The song's folder under the download directory: its name made file-name safe, and told
    /// apart from an earlier song's (`Mix`, `Mix (2)`) in the order of the songs file.
    pub(crate) folder: String,
}

/// The site's base URL; only http and https are supported, and credentials belong in
/// `KV_USERNAME` / `KV_PASSWORD`, never in the URL (errors show it with them cut out).
pub(crate) fn parse_base_url(url: &str) -> Result<Url, RunError> {
    let invalid = |reason: String| RunError::SiteUrl {
        url: without_userinfo(url),
        reason,
    };
    let parsed = Url::parse(url).map_err(|error| invalid(error.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("only http:// and https:// are supported".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            "it contains a user name or password; set KV_USERNAME and KV_PASSWORD instead".into(),
        ));
    }
    Ok(parsed)
}

/// `scheme://user:secret@host/…` → `scheme://…@host/…`, so an error never shows credentials
/// someone put in a URL (even one that does not parse).
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if scheme.is_empty() => format!("…{}", &rest[at..]),
        Some(at) => format!("{scheme}://…{}", &rest[at..]),
        None => url.to_string(),
    }
}

/// The songs of the run with URLs resolved: against the stage only the path of a URL counts
/// (so a `songs.yaml` written for the real site works on the stage too).
pub(crate) fn plan_songs(
    options: &RunOptions,
    on_stage: bool,
    base_url: &Url,
) -> Result<Vec<PlannedSong>, RunError> {
    let songs: Vec<Song> = match (&options.songs, on_stage) {
        (Some(songs), _) => songs.clone(),
        (None, true) => demo_catalog()
            .iter()
            .map(|song| Song {
                url: song.path.to_string(),
                name: song.title.to_string(),
                description: Some(song.artist.to_string()),
                key: 0,
            })
            .collect(),
        (None, false) => return Err(RunError::NoSongs),
    };
    if songs.is_empty() {
        return Err(RunError::NoSongs);
    }
    let resolved: Vec<(Song, Url)> = songs
        .into_iter()
        .map(|song| {
            let unresolvable = || RunError::SongUrl {
                name: song.name.clone(),
                url: song.url.clone(),
                base: base_url.to_string(),
            };
            let resolved = match Url::parse(&song.url) {
                Ok(absolute) if on_stage => base_url.join(absolute.path()),
                Ok(absolute) => Ok(absolute),
                Err(_) => base_url.join(&song.url),
            }
            .map_err(|_| unresolvable())?;
            Ok((song, resolved))
        })
        .collect::<Result<_, RunError>>()?;
    let unique = merge_duplicates(resolved)?;
    let folders = files::distinct_names(unique.iter().map(|(song, _)| song.name.as_str()));
    for ((song, _), folder) in unique.iter().zip(&folders) {
        if *folder != song.name {
            tracing::info!("{}: filed in the folder {folder:?}", song.name);
        }
    }
    Ok(unique
        .into_iter()
        .zip(folders)
        .map(|((song, resolved), folder)| PlannedSong {
            url: resolved.to_string(),
            path: resolved.path().to_string(),
            song,
            folder,
        })
        .collect())
}

/// Drops a song listed again with the same URL and key (a warning names it; the first entry's
/// name is kept). The same URL with another key would be a different mix filed as the same
/// song, so that is an error.
fn merge_duplicates(songs: Vec<(Song, Url)>) -> Result<Vec<(Song, Url)>, RunError> {
    let mut unique: Vec<(Song, Url)> = Vec::with_capacity(songs.len());
    for (entry, (song, url)) in songs.into_iter().enumerate() {
        match unique.iter().position(|(_, kept)| *kept == url) {
            None => unique.push((song, url)),
            Some(first) if unique[first].0.key == song.key => {
                tracing::warn!(
                    "song #{} ({:?}) is listed again as song #{} ({:?}): downloaded once",
                    first + 1,
                    unique[first].0.name,
                    entry + 1,
                    song.name
                );
            }
            Some(first) => {
                return Err(RunError::ConflictingSong {
                    url: url.to_string(),
                    first_key: unique[first].0.key,
                    key: song.key,
                });
            }
        }
    }
    Ok(unique)
}

/// Name prefix of the browser's incoming folder in the download directory (the owner's pid
/// follows; see `browser::leftovers`).
pub const INCOMING_PREFIX: &str = ".incoming-";

/// Creates the download directory, proves it is writable, and makes the browser's incoming
/// directory inside it (same file system, so filing a download is a rename).
pub(crate) fn prepare_download_dir(download_dir: &Path) -> Result<tempfile::TempDir, RunError> {
    let failed = |source| RunError::DownloadDir {
        path: download_dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(download_dir).map_err(failed)?;
    // Absolute, because the browser resolves its download directory on its own.
    let absolute = std::path::absolute(download_dir).map_err(failed)?;
    // Named after this process, so the next start removes it should this run be killed.
    crate::browser::leftovers::remove_stale(&absolute, INCOMING_PREFIX);
    let incoming = tempfile::Builder::new()
        .prefix(&crate::browser::leftovers::owned_prefix(INCOMING_PREFIX))
        .tempdir_in(&absolute)
        .map_err(failed)?;
    tempfile::tempfile_in(incoming.path()).map_err(failed)?;
    Ok(incoming)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(songs: Option<Vec<Song>>) -> RunOptions {
        RunOptions {
            songs,
            ..RunOptions::default()
        }
    }

    fn song(url: &str) -> Song {
        Song {
            url: url.into(),
            name: "Song".into(),
            description: None,
            key: 0,
        }
    }

    fn named(url: &str, name: &str, key: i32) -> Song {
        Song {
            url: url.into(),
            name: name.into(),
            description: None,
            key,
        }
    }

    #[test]
    fn songs_with_the_same_name_get_distinct_folders_in_order() {
        let stage = Url::parse("http://127.0.0.1:4000").unwrap();
        let songs = vec![
            named("/a/one.html", "Mix", 0),
            named("/a/two.html", "Mix", 0),
            named("/a/three.html", ".", 0),
            named("/a/four.html", "..", 0),
        ];
        let planned = plan_songs(&options(Some(songs)), true, &stage).unwrap();
        let folders: Vec<&str> = planned.iter().map(|song| song.folder.as_str()).collect();
        assert_eq!(folders, ["Mix", "Mix (2)", "untitled", "untitled (2)"]);
    }

    #[test]
    fn the_same_song_listed_twice_is_downloaded_once() {
        let stage = Url::parse("http://127.0.0.1:4000").unwrap();
        let songs = vec![
            named("/a/one.html", "One", 2),
            named("/a/two.html", "Two", 0),
            named("http://elsewhere.example/a/one.html", "One again", 2),
        ];
        let planned = plan_songs(&options(Some(songs)), true, &stage).unwrap();
        let names: Vec<&str> = planned.iter().map(|song| song.song.name.as_str()).collect();
        assert_eq!(names, ["One", "Two"]);
        assert_eq!(planned[0].folder, "One");
    }

    #[test]
    fn the_same_song_in_two_keys_is_an_error_naming_both() {
        let stage = Url::parse("http://127.0.0.1:4000").unwrap();
        let songs = vec![
            named("/a/one.html", "One", 2),
            named("/a/one.html", "One", -1),
        ];
        let message = plan_songs(&options(Some(songs)), true, &stage)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("/a/one.html") && message.contains("+2") && message.contains("-1"),
            "{message}"
        );
    }

    #[test]
    fn the_stage_takes_only_the_path_of_a_real_site_url() {
        let stage = Url::parse("http://127.0.0.1:4000").unwrap();
        let planned = plan_songs(
            &options(Some(vec![song(
                "https://www.karaoke-version.com/custombackingtrack/a/b.html",
            )])),
            true,
            &stage,
        )
        .unwrap();
        assert_eq!(
            planned[0].url,
            "http://127.0.0.1:4000/custombackingtrack/a/b.html"
        );
        assert_eq!(planned[0].path, "/custombackingtrack/a/b.html");
    }

    #[test]
    fn a_real_site_keeps_absolute_urls_and_resolves_paths() {
        let site = Url::parse("https://www.karaoke-version.com/").unwrap();
        let songs = vec![
            song("https://other.example/x/y.html"),
            song("/custombackingtrack/a/b.html"),
        ];
        let planned = plan_songs(&options(Some(songs)), false, &site).unwrap();
        assert_eq!(planned[0].url, "https://other.example/x/y.html");
        assert_eq!(
            planned[1].url,
            "https://www.karaoke-version.com/custombackingtrack/a/b.html"
        );
    }

    #[test]
    fn without_songs_the_stage_uses_its_catalog_and_a_site_is_an_error() {
        let stage = Url::parse("http://127.0.0.1:4000").unwrap();
        let planned = plan_songs(&options(None), true, &stage).unwrap();
        assert_eq!(planned.len(), demo_catalog().len());
        assert_eq!(planned[0].song.name, demo_catalog()[0].title);
        let error = plan_songs(&options(None), false, &stage).unwrap_err();
        assert!(matches!(error, RunError::NoSongs));
    }

    #[test]
    fn credentials_in_a_site_url_are_refused_and_never_shown() {
        for url in [
            "https://me:hunter2@www.example.com/",
            "https://me:hun ter2@www.example.com/x",
        ] {
            let message = parse_base_url(url).unwrap_err().to_string();
            assert!(
                !message.contains("hunter2") && !message.contains("hun ter2"),
                "{message}"
            );
            assert!(message.contains("www.example.com"), "{message}");
        }
        assert_eq!(
            without_userinfo("http://127.0.0.1:9/a@b"),
            "http://127.0.0.1:9/a@b"
        );
    }

    #[test]
    fn only_http_sites_are_accepted() {
        assert!(parse_base_url("https://www.karaoke-version.com").is_ok());
        let message = parse_base_url("ftp://example.com").unwrap_err().to_string();
        assert!(message.contains("only http:// and https://"), "{message}");
        assert!(parse_base_url("not a url").is_err());
    }

    #[test]
    fn the_incoming_directory_is_absolute_and_inside_the_download_directory() {
        let root = tempfile::tempdir().unwrap();
        let downloads = root.path().join("downloads");
        let incoming = prepare_download_dir(&downloads).unwrap();
        assert!(incoming.path().is_absolute());
        assert_eq!(incoming.path().parent(), Some(downloads.as_path()));
        let path = incoming.path().to_path_buf();
        drop(incoming);
        assert!(
            !path.exists(),
            "the incoming directory is removed after the run"
        );
    }

    #[test]
    fn an_unwritable_download_directory_is_named() {
        let root = tempfile::tempdir().unwrap();
        let blocker = root.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let message = prepare_download_dir(&blocker.join("downloads"))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("not writable") && message.contains("downloads"),
            "{message}"
        );
    }
}
