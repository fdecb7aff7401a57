//! Property tests over every input file a user writes: songs.yaml, knobs files, presets and
//! site profiles. Arbitrary text and mutations of valid files never panic, and every error is
//! one line that names the file.

use std::path::Path;

use automator::config::knobs::parse_knobs;
use automator::config::site_profile::DEFAULT_SITE_PROFILE;
use automator::config::songs::parse_songs;
use automator::config::{Knobs, SiteProfile};
use profiler::preset::Preset;
use proptest::prelude::*;

const SONGS: &str = "songs:\n  - url: https://www.karaoke-version.com/custombackingtrack/queen/bohemian-rhapsody.html\n    name: Bohemian Rhapsody\n    description: the long one\n    key: \"+2\"\n  - url: /custombackingtrack/abba/waterloo.html\n    key: -3\n";
const KNOBS: &str = "solo_wait = \"fixed\"\nsolo_activation_delay = 12.0\nsolo_activation_delay_simple = 15.0\ndownload_wait = \"poll\"\ndownload_max_wait = 90.0\nbetween_tracks_pause = 0.5\n";
const PRESET: &str = "name = \"current\"\ndescription = \"the original's waits\"\n\n[knobs]\nsolo_wait = \"fixed\"\nsolo_activation_delay = 12.0\ndownload_max_wait = 90.0\n";

/// Text likely to hit the parsers' edges: numbers at the limits of their types, signs,
/// quotes, brackets, separators and non-ASCII.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-9223372036854775808".to_string()),
        Just("18446744073709551616".to_string()),
        Just("1e300".to_string()),
        Just("-1e300".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("\"\"".to_string()),
        Just("key: ".to_string()),
        Just("= ".to_string()),
        Just("[".to_string()),
        Just("{".to_string()),
        Just("\n".to_string()),
        Just("€".to_string()),
        Just("- ".to_string()),
        Just("&a *a".to_string()),
        "\\PC{0,12}",
    ]
}

/// A valid file with a few edits: text replaced, inserted or cut at arbitrary (char) positions.
fn mutated(valid: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<prop::sample::Index>(), 0usize..8, fragment()), 1..5).prop_map(
        move |edits| {
            let mut text: Vec<char> = valid.chars().collect();
            for (at, cut, insert) in edits {
                let start = at.index(text.len() + 1);
                let end = (start + cut).min(text.len());
                text.splice(start..end, insert.chars());
            }
            text.into_iter().collect()
        },
    )
}

fn input(valid: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![mutated(valid), "\\PC{0,200}", any::<String>()]
}

fn assert_one_line(message: &str, file: &str) {
    assert!(!message.contains('\n'), "not one line: {message}");
    assert!(message.contains(file), "does not name {file}: {message}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn songs_files_never_panic_and_errors_are_one_line(text in input(SONGS)) {
        match parse_songs(&text, Path::new("fuzz-songs.yaml")) {
            Ok(songs) => {
                prop_assert!(!songs.is_empty());
                prop_assert!(songs.iter().all(|song| song.key.abs() <= 12 && !song.name.is_empty()));
            }
            Err(error) => assert_one_line(&error.to_string(), "fuzz-songs.yaml"),
        }
    }

    #[test]
    fn knobs_files_never_panic_and_errors_are_one_line(text in input(KNOBS)) {
        match parse_knobs(&text, Path::new("fuzz-knobs.toml")) {
            Ok(knobs) => prop_assert!(knobs.validate().is_ok()),
            Err(error) => assert_one_line(&error.to_string(), "fuzz-knobs.toml"),
        }
    }

    #[test]
    fn presets_never_panic_and_errors_are_one_line(text in input(PRESET)) {
        let applied = Preset::parse(&text, Path::new("fuzz-preset.toml"))
            .and_then(|preset| preset.apply_to(&Knobs::default()));
        match applied {
            Ok(knobs) => {
                // A preset that parses still goes through the knobs' own check before a run.
                if let Err(error) = knobs.validate() {
                    prop_assert!(!error.to_string().contains('\n'));
                }
            }
            Err(error) => assert_one_line(&error.to_string(), "fuzz-preset.toml"),
        }
    }

    #[test]
    fn site_profiles_never_panic_and_errors_are_one_line(text in input(DEFAULT_SITE_PROFILE)) {
        match SiteProfile::parse(&text, Path::new("fuzz-site.toml")) {
            Ok(profile) => {
                prop_assert!(!profile.download.partial_suffix.trim().is_empty());
                // Every name question the flow asks of a parsed profile answers without panicking.
                let name = "A_B(Bass_Custom_Backing_Track) (1).mp3";
                let _ = profile.download.is_mix_file(name);
                let _ = profile.download.names_track(name, "Bass");
            }
            Err(error) => assert_one_line(&error.to_string(), "fuzz-site.toml"),
        }
    }
}

/// The mutations start from files that are valid, so they explore the edges of real input.
#[test]
fn the_seed_files_are_valid() {
    assert_eq!(
        parse_songs(SONGS, Path::new("songs.yaml")).unwrap().len(),
        2
    );
    assert_eq!(
        parse_knobs(KNOBS, Path::new("knobs.toml"))
            .unwrap()
            .download_max_wait,
        90.0
    );
    let preset = Preset::parse(PRESET, Path::new("current.toml")).unwrap();
    let knobs: Knobs = preset.apply_to(&Knobs::default()).unwrap();
    assert_eq!(knobs.solo_activation_delay, 12.0);
    SiteProfile::parse(DEFAULT_SITE_PROFILE, Path::new("site.toml")).unwrap();
}
