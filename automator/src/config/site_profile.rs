//! The site profile: every selector, text and naming fact about the target site, kept in a
//! data file (`automator/site/karaoke-version.toml`) so a user can fix it when the site changes.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The built-in profile of the real site (the stage serves the same DOM).
pub const DEFAULT_SITE_PROFILE: &str = include_str!("../../site/karaoke-version.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteProfile {
    pub name: String,
    pub login: LoginProfile,
    pub song: SongProfile,
    pub download: DownloadProfile,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginProfile {
    pub link_text: String,
    pub username_input: String,
    pub password_input: String,
    pub submit_button: String,
    pub logged_in_text: String,
    pub session_probe_path: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SongProfile {
    pub track: String,
    pub track_index_attribute: String,
    pub track_caption: String,
    pub solo_button: String,
    pub solo_active_class: String,
    pub intro_count_checkbox: String,
    pub pitch: String,
    pub pitch_button: String,
    pub pitch_up_onclick: String,
    pub pitch_down_onclick: String,
    pub pitch_value: String,
    pub download_link: String,
    pub not_purchased_text: String,
    pub max_tracks: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadProfile {
    pub creating_text: String,
    pub ready_text: String,
    pub failed_texts: Vec<String>,
    pub modal_close: String,
    pub file_pattern: String,
    pub word_separator: String,
    pub partial_suffix: String,
    /// The forms of mix file names the site uses, as examples with the track each names
    /// (checked against the name reader by a unit test, so a user adding a form learns at once
    /// whether it is understood).
    #[serde(default)]
    pub name_variants: Vec<NameVariant>,
}

/// One form of mix file name seen on the site.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameVariant {
    /// A file name of this form, e.g. `Artist_Song(Bass_Custom_Backing_Track-1).mp3`.
    pub example: String,
    /// The track caption it names; absent when the name carries no track.
    pub track: Option<String>,
    /// Where the form is known from (`"evidence: …"` or `"assumption: …"`).
    pub source: String,
}

/// What a mix file's name says about the track it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedTrack<'a> {
    /// The name carries a track, e.g. `Drum_Kit` or `Intro_Count_(Click_+_Key)`.
    Track(&'a str),
    /// A mix file name that carries no track (`Artist_Song(Custom_Backing_Track+2).mp3`).
    None,
}

#[derive(Debug, thiserror::Error)]
pub enum SiteProfileError {
    #[error("cannot read site profile {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("site profile {path}{location}: {message}")]
    Invalid {
        path: PathBuf,
        location: String,
        message: String,
    },
}

impl Default for SiteProfile {
    fn default() -> Self {
        SiteProfile::parse(
            DEFAULT_SITE_PROFILE,
            Path::new("<built-in karaoke-version.toml>"),
        )
        .unwrap_or_else(|error| {
            unreachable!("the built-in site profile is checked by a unit test: {error}")
        })
    }
}

impl SiteProfile {
    /// Reads a profile file (`--site-profile FILE`).
    pub fn load(path: &Path) -> Result<SiteProfile, SiteProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| SiteProfileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        SiteProfile::parse(&text, path)
    }

    /// Parses and checks a profile; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<SiteProfile, SiteProfileError> {
        let invalid = |location: String, message: String| SiteProfileError::Invalid {
            path: path.to_path_buf(),
            location,
            message,
        };
        let profile: SiteProfile = toml::from_str(text).map_err(|error| {
            let location = error
                .span()
                .map(|span| format!(" line {}", line_of(text, span.start)))
                .unwrap_or_default();
            invalid(location, error.message().to_string())
        })?;
        profile
            .download
            .pattern_parts()
            .map_err(|problem| invalid(String::new(), problem))?;
        if profile.download.partial_suffix.trim().is_empty() {
            return Err(invalid(
                String::new(),
                "`download.partial_suffix` is empty: set the suffix of a file the browser is still transferring (Chromium: \".crdownload\")".into(),
            ));
        }
        if profile.song.max_tracks == 0 {
            return Err(invalid(
                String::new(),
                "`song.max_tracks` must be at least 1".into(),
            ));
        }
        Ok(profile)
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text.get(..byte)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// The literal text after `{track}` in the file pattern (the pattern must also have literal
/// text right before it), which is what marks the track in a downloaded file's name.
struct PatternParts<'a> {
    /// Everything after `{track}`, e.g. `_Custom_Backing_Track).mp3`.
    closing: &'a str,
}

impl DownloadProfile {
    fn pattern_parts(&self) -> Result<PatternParts<'_>, String> {
        let pattern = &self.file_pattern;
        let (before, after) = pattern.split_once("{track}").ok_or_else(|| {
            format!("`download.file_pattern` {pattern:?} has no {{track}} placeholder")
        })?;
        let opening = before
            .rsplit_once('}')
            .map_or(before, |(_, literal)| literal);
        if opening.is_empty() || after.is_empty() || after.contains('{') {
            return Err(format!(
                "`download.file_pattern` {pattern:?} must have literal text right before {{track}} and only literal text after it"
            ));
        }
        Ok(PatternParts { closing: after })
    }

    /// Whether `file_name` looks like a finished download of this site (not a partial one).
    pub fn is_mix_file(&self, file_name: &str) -> bool {
        self.read_mix_name(file_name).is_some()
    }

    /// Reads a mix file name in any of the site's forms (see `name_variants`): the track part
    /// sits before the marker (the pattern's literal after `{track}` without its closing
    /// bracket and extension, `_Custom_Backing_Track`), inside the bracket that closes after
    /// the marker (brackets in the track, `(Click_+_Key)`, are balanced) or, with no closing
    /// bracket, after a leading key `(-1)`; a key (`-1`, `+2`) may follow the marker; a browser
    /// copy's ` (1)` before the extension is allowed. `None`: not a finished mix file.
    pub fn read_mix_name<'a>(&self, file_name: &'a str) -> Option<NamedTrack<'a>> {
        let parts = self.pattern_parts().ok()?;
        if file_name.ends_with(&self.partial_suffix) {
            return None;
        }
        let (closing_stem, extension) = parts.closing.rsplit_once('.')?;
        let stem = file_name.strip_suffix(extension)?.strip_suffix('.')?;
        let stem = strip_copy_number(stem);
        let marker = closing_stem.trim_end_matches(')');
        let core = marker.trim_start_matches(self.word_separator.as_str());
        let at = stem.rfind(core)?;
        let tail = &stem[at + core.len()..];
        let bracketed = tail.ends_with(')');
        if !is_key(tail.strip_suffix(')').unwrap_or(tail)) {
            return None;
        }
        let head = &stem[..at];
        let Some(track_end) = head.strip_suffix(self.word_separator.as_str()) else {
            return (head.is_empty() || head.ends_with('(')).then_some(NamedTrack::None);
        };
        let track = if bracketed {
            &track_end[opening_bracket(track_end)? + 1..]
        } else {
            strip_key_prefix(track_end)
        };
        Some(match track.is_empty() {
            true => NamedTrack::None,
            false => NamedTrack::Track(track),
        })
    }

    /// The track part of a downloaded file's name, e.g. `Lead_Vocal`; `None` when it is no
    /// mix file or names no track.
    pub fn track_in_file_name<'a>(&self, file_name: &'a str) -> Option<&'a str> {
        match self.read_mix_name(file_name)? {
            NamedTrack::Track(track) => Some(track),
            NamedTrack::None => None,
        }
    }

    /// Whether `file_name` is the mix of the track captioned `track_caption`: the file name
    /// carries the track that was soloed on the server, so any other name is a wrong mix.
    pub fn names_track(&self, file_name: &str, track_caption: &str) -> bool {
        self.track_in_file_name(file_name)
            .is_some_and(|track| same_track(track, track_caption))
    }
}

/// Whether a track part of a file name and a caption name the same track.
pub fn same_track(file_part: &str, caption: &str) -> bool {
    normalized(file_part) == normalized(caption)
}

/// `Name (3)` → `Name`: the browser numbers a copy whose name is taken.
fn strip_copy_number(stem: &str) -> &str {
    stem.strip_suffix(')')
        .and_then(|inner| inner.rsplit_once(" ("))
        .filter(|(_, number)| !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
        .map_or(stem, |(unnumbered, _)| unnumbered)
}

/// `""`, `-1`, `+2`: no key or a signed key shift.
fn is_key(text: &str) -> bool {
    text.is_empty()
        || text
            .strip_prefix(['+', '-'])
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// `(-1)Intro_count_Click` → `Intro_count_Click`.
fn strip_key_prefix(text: &str) -> &str {
    text.strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
        .filter(|(key, _)| !key.is_empty() && is_key(key))
        .map_or(text, |(_, rest)| rest)
}

/// Byte offset of the `(` that opens the bracket still open at the end of `text`.
fn opening_bracket(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in text.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => return Some(at),
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The letters and digits of a name, lower-cased, so `Lead Vocal`, `Lead_Vocal`, `lead-vocal`
/// and the site's `Dont` for `Don't` compare equal.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_profile_parses_and_carries_the_spec_facts() {
        let profile = SiteProfile::default();
        assert_eq!(profile.login.link_text, "Log in");
        assert_eq!(profile.login.username_input, "frm_login");
        assert_eq!(profile.login.session_probe_path, "/my/index.html");
        assert_eq!(profile.song.solo_button, "button.track__solo");
        assert_eq!(profile.song.download_link, "a.download");
        assert_eq!(profile.song.not_purchased_text, "Add to cart");
        assert_eq!(profile.song.max_tracks, 15);
        assert_eq!(profile.download.partial_suffix, ".crdownload");
    }

    #[test]
    fn finds_the_track_in_a_download_file_name() {
        let download = SiteProfile::default().download;
        let name = "The_Night_Owls_Paper_Moon_Parade(Lead_Vocal_Custom_Backing_Track).mp3";
        assert_eq!(download.track_in_file_name(name), Some("Lead_Vocal"));
        assert!(download.names_track(name, "Lead Vocal"));
        assert!(!download.names_track(name, "Lead Guitar"));
        assert!(download.is_mix_file(name));
    }

    #[test]
    fn a_track_name_with_parentheses_in_the_song_is_still_found() {
        let download = SiteProfile::default().download;
        let name = "Artist_Song_(Live)(Intro_count_Click_Custom_Backing_Track).mp3";
        assert!(download.names_track(name, "Intro count Click"));
    }

    #[test]
    fn punctuation_the_site_drops_does_not_break_the_match() {
        let download = SiteProfile::default().download;
        assert!(download.names_track("A_B(Dont_Stop_Custom_Backing_Track).mp3", "Don't Stop"));
        assert!(!download.names_track("A_B(Full_Mix_Custom_Backing_Track).mp3", "Drums"));
    }

    #[test]
    fn every_mix_the_stage_names_is_told_apart_from_the_other_tracks() {
        let download = SiteProfile::default().download;
        for song in crate::stage::demo_catalog() {
            let full_mix = crate::stage::full_mix_file_name(song.artist, song.title);
            for track in song.tracks {
                let name = crate::stage::mix_file_name(song.artist, song.title, track);
                assert!(download.is_mix_file(&name), "{name}");
                assert!(download.names_track(&name, track), "{name} is {track}");
                for other in song.tracks.iter().filter(|other| *other != track) {
                    assert!(!download.names_track(&name, other), "{name} is not {other}");
                }
                assert!(
                    !download.names_track(&full_mix, track),
                    "{full_mix} is not {track}"
                );
            }
        }
    }

    #[test]
    fn a_copy_the_browser_numbered_names_the_same_track() {
        let download = SiteProfile::default().download;
        let copy = "A_B(Bass_Custom_Backing_Track) (1).mp3";
        assert_eq!(download.track_in_file_name(copy), Some("Bass"));
        assert!(download.is_mix_file(copy) && download.names_track(copy, "Bass"));
        assert!(download.names_track("A_B(Bass_Custom_Backing_Track) (12).mp3", "Bass"));
        for not_a_copy in [
            "A_B(Bass_Custom_Backing_Track) ().mp3",
            "A_B(Bass_Custom_Backing_Track) (x).mp3",
            "A_B(Bass_Custom_Backing_Track) (1).wav",
            "A_B(Bass_Custom_Backing_Track) (1).mp3.crdownload",
        ] {
            assert!(!download.is_mix_file(not_a_copy), "{not_a_copy}");
        }
    }

    #[test]
    fn partial_and_foreign_files_are_not_mixes() {
        let download = SiteProfile::default().download;
        assert!(!download.is_mix_file("A_B(Drums_Custom_Backing_Track).mp3.crdownload"));
        assert!(!download.is_mix_file("notes.txt"));
        assert!(!download.names_track("A_B(Drums_Custom_Backing_Track).mp3.crdownload", "Drums"));
    }

    #[test]
    fn every_name_variant_of_the_profile_reads_as_its_track() {
        let download = SiteProfile::default().download;
        assert!(download.name_variants.len() >= 5);
        for variant in &download.name_variants {
            let read = download.read_mix_name(&variant.example);
            match &variant.track {
                Some(track) => assert!(
                    download.names_track(&variant.example, track),
                    "{} should name {track}: {read:?}",
                    variant.example
                ),
                None => assert_eq!(read, Some(NamedTrack::None), "{}", variant.example),
            }
            assert!(
                variant.source.starts_with("evidence") || variant.source.starts_with("assumption"),
                "{}",
                variant.source
            );
        }
    }

    #[test]
    fn every_name_form_the_stage_serves_reads_back() {
        let download = SiteProfile::default().download;
        for song in crate::stage::demo_catalog() {
            for track in song.tracks {
                for key in [-1, 0, 2] {
                    let name = crate::stage::song_mix_file_name(song, Some(track), key);
                    let read = download.read_mix_name(&name);
                    match song.names {
                        crate::stage::NameStyle::NoInstrument => {
                            assert_eq!(read, Some(NamedTrack::None), "{name}")
                        }
                        _ => assert!(download.names_track(&name, track), "{name}: {read:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_keys_name_the_file_and_line() {
        let text = DEFAULT_SITE_PROFILE.replace("max_tracks = 15", "max_tracks = 15\nsolo = \"x\"");
        let error = SiteProfile::parse(&text, Path::new("custom.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("site profile custom.toml line "),
            "{error}"
        );
        assert!(error.contains("solo"), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }

    #[test]
    fn a_pattern_without_a_track_placeholder_is_rejected() {
        let text = DEFAULT_SITE_PROFILE.replace("({track}_Custom", "(_Custom");
        let error = SiteProfile::parse(&text, Path::new("custom.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("{track}"), "{error}");
    }

    #[test]
    fn an_empty_partial_suffix_is_rejected() {
        let text = DEFAULT_SITE_PROFILE
            .replace("partial_suffix = \".crdownload\"", "partial_suffix = \"\"");
        let error = SiteProfile::parse(&text, Path::new("custom.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("site profile custom.toml")
                && error.contains("`download.partial_suffix` is empty"),
            "{error}"
        );
    }

    #[test]
    fn missing_file_is_named() {
        let error = SiteProfile::load(Path::new("/nonexistent/site.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("/nonexistent/site.toml"), "{error}");
    }
}
