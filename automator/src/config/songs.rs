//! `songs.yaml`: the list of songs to download, in the original's format
//! (`songs: [{url, name?, description?, key?}]`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// How far the key of a song can be moved, in semitones, either way.
pub const MAX_KEY_SHIFT: i32 = 12;

/// One song to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Song {
    /// Absolute URL, or a path (`/custombackingtrack/...`) resolved against the target site.
    pub url: String,
    /// Folder name under the download directory; defaults to the URL's last path segment.
    pub name: String,
    pub description: Option<String>,
    /// Semitones to shift the key by (−12..=12); 0 leaves the key alone.
    pub key: i32,
}

/// Why a songs file cannot be used. Every message names the file and, where it applies,
/// the entry (1-based) and the field.
#[derive(Debug, thiserror::Error)]
pub enum SongsError {
    #[error("cannot read songs file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("songs file {path} is not valid YAML{location}: {message}")]
    Syntax {
        path: PathBuf,
        location: String,
        message: String,
    },
    #[error(
        "songs file {path} has no songs (expected `songs:` with a list of `- url: ...` entries)"
    )]
    Empty { path: PathBuf },
    #[error("songs file {path}, song #{entry}: {problem}")]
    Entry {
        path: PathBuf,
        entry: usize,
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    songs: Vec<RawSong>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSong {
    url: Option<String>,
    name: Option<String>,
    description: Option<String>,
    key: Option<RawKey>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawKey {
    Number(i64),
    Text(String),
}

/// Reads and validates a songs file.
pub fn load_songs(path: &Path) -> Result<Vec<Song>, SongsError> {
    let text = std::fs::read_to_string(path).map_err(|source| SongsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_songs(&text, path)
}

/// Parses and validates the text of a songs file; `path` only names it in errors.
pub fn parse_songs(text: &str, path: &Path) -> Result<Vec<Song>, SongsError> {
    let raw: RawFile = if text.trim().is_empty() {
        RawFile { songs: Vec::new() }
    } else {
        serde_saphyr::from_str(text).map_err(|error| syntax_error(path, &error))?
    };
    if raw.songs.is_empty() {
        return Err(SongsError::Empty {
            path: path.to_path_buf(),
        });
    }
    raw.songs
        .into_iter()
        .enumerate()
        .map(|(index, song)| {
            validate_song(song).map_err(|problem| SongsError::Entry {
                path: path.to_path_buf(),
                entry: index + 1,
                problem,
            })
        })
        .collect()
}

fn syntax_error(path: &Path, error: &serde_saphyr::Error) -> SongsError {
    let location = error
        .location()
        .map(|location| format!(" at line {}, column {}", location.line(), location.column()))
        .unwrap_or_default();
    let rendered = error.to_string();
    let message = rendered
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("unreadable YAML")
        .to_string();
    SongsError::Syntax {
        path: path.to_path_buf(),
        location,
        message,
    }
}

fn validate_song(raw: RawSong) -> Result<Song, String> {
    let url = raw
        .url
        .map(|url| url.trim().to_string())
        .unwrap_or_default();
    if url.is_empty() {
        return Err(
            "`url` is missing (every song needs the URL of its custom backing track page)".into(),
        );
    }
    if !(url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/')) {
        return Err(format!(
            "`url` {url:?} must start with http://, https:// or / (a path on the target site)"
        ));
    }
    let name = match raw.name.map(|name| name.trim().to_string()) {
        Some(name) if !name.is_empty() => name,
        _ => name_from_url(&url).ok_or_else(|| {
            format!("`url` {url:?} has no page name to name the song folder after; add `name:`")
        })?,
    };
    let key = match raw.key {
        None => 0,
        Some(key) => parse_key(&key)?,
    };
    Ok(Song {
        url,
        name,
        description: raw.description,
        key,
    })
}

fn parse_key(key: &RawKey) -> Result<i32, String> {
    let value = match key {
        RawKey::Number(number) => *number,
        RawKey::Text(text) => {
            let trimmed = text.trim();
            let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
            digits.parse::<i64>().map_err(|_| {
                format!(
                    "`key` {text:?} is not a number of semitones (write e.g. 2, \"+2\" or \"-3\")"
                )
            })?
        }
    };
    // `unsigned_abs`, because `i64::MIN.abs()` overflows.
    match i32::try_from(value) {
        Ok(key) if value.unsigned_abs() <= u64::from(MAX_KEY_SHIFT.unsigned_abs()) => Ok(key),
        _ => Err(format!(
            "`key` {value} is out of range (the site shifts by at most ±{MAX_KEY_SHIFT} semitones)"
        )),
    }
}

/// `https://host/custombackingtrack/artist/song-title.html` → `song-title`.
fn name_from_url(url: &str) -> Option<String> {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let segment = without_query.trim_end_matches('/').rsplit('/').next()?;
    let stem = segment.strip_suffix(".html").unwrap_or(segment);
    (!stem.is_empty() && !stem.contains(':')).then(|| stem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Song>, SongsError> {
        parse_songs(text, Path::new("songs.yaml"))
    }

    #[test]
    fn reads_the_original_format_with_optional_fields() {
        let songs = parse(
            "songs:\n  - url: https://www.karaoke-version.com/custombackingtrack/queen/bohemian-rhapsody.html\n    name: Bohemian Rhapsody\n    description: the long one\n    key: \"+2\"\n  - url: /custombackingtrack/abba/waterloo.html\n    key: -3\n",
        )
        .unwrap();
        assert_eq!(songs.len(), 2);
        assert_eq!(songs[0].name, "Bohemian Rhapsody");
        assert_eq!(songs[0].description.as_deref(), Some("the long one"));
        assert_eq!(songs[0].key, 2);
        assert_eq!(songs[1].name, "waterloo");
        assert_eq!(songs[1].key, -3);
        assert_eq!(songs[1].url, "/custombackingtrack/abba/waterloo.html");
    }

    #[test]
    fn key_accepts_int_and_signed_text_within_twelve() {
        for (written, expected) in [("5", 5), ("\"-12\"", -12), ("\"+12\"", 12), ("0", 0)] {
            let songs =
                parse(&format!("songs:\n  - url: /a/b.html\n    key: {written}\n")).unwrap();
            assert_eq!(songs[0].key, expected, "key {written}");
        }
    }

    #[test]
    fn out_of_range_key_names_file_entry_and_range() {
        let error =
            parse("songs:\n  - url: /a/b.html\n  - url: /a/c.html\n    key: 13\n").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("songs.yaml"), "{message}");
        assert!(message.contains("song #2"), "{message}");
        assert!(message.contains("±12"), "{message}");
    }

    #[test]
    fn the_most_negative_key_is_out_of_range_not_zero() {
        for written in [
            "-9223372036854775808",
            "9223372036854775807",
            "\"-9223372036854775808\"",
            "-13",
            "4294967296",
        ] {
            let message = parse(&format!("songs:\n  - url: /a/b.html\n    key: {written}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                message.contains("song #1") && message.contains("out of range"),
                "{written}: {message}"
            );
        }
    }

    #[test]
    fn non_numeric_key_is_explained() {
        let message = parse("songs:\n  - url: /a/b.html\n    key: up\n")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("song #1") && message.contains("\"up\""),
            "{message}"
        );
    }

    #[test]
    fn missing_url_is_reported_per_entry() {
        let message = parse("songs:\n  - name: Nameless\n")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("song #1") && message.contains("`url` is missing"),
            "{message}"
        );
    }

    #[test]
    fn relative_urls_without_a_slash_are_rejected() {
        let message = parse("songs:\n  - url: www.example.com/x.html\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("must start with"), "{message}");
    }

    #[test]
    fn empty_files_and_empty_lists_say_what_is_expected() {
        for text in ["", "songs: []\n"] {
            let message = parse(text).unwrap_err().to_string();
            assert!(message.contains("has no songs"), "{message}");
        }
    }

    #[test]
    fn malformed_yaml_is_one_line_with_a_location() {
        let message = parse("songs:\n  - url: [unclosed\n")
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("songs file songs.yaml is not valid YAML"),
            "{message}"
        );
        assert!(message.contains("line"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn unknown_fields_are_rejected_rather_than_ignored() {
        let message = parse("songs:\n  - url: /a/b.html\n    keys: 2\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("keys"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn unreadable_file_names_the_path() {
        let message = load_songs(Path::new("/nonexistent/songs.yaml"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("/nonexistent/songs.yaml"), "{message}");
    }
}
