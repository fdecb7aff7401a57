//! The stage's demo catalog and demo account: the in-code equivalent of a `songs.yaml`
//! for the replica site, so the automator can run offline against known songs.

/// The demo account's login (the `frm_login` field). Shown by `automator stage` so a person can
/// log in; the server never logs submitted credentials.
pub const DEMO_USERNAME: &str = "demo@stage.local";

/// The demo account's password (the `frm_password` field).
pub const DEMO_PASSWORD: &str = "karaoke-demo";

/// A song is "complex" (slower solo switching on the real site) when it has more tracks than this.
pub const SIMPLE_TRACK_LIMIT: usize = 8;

/// One song of the stage's catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSong {
    /// Artist as displayed, e.g. `"The Night Owls"`.
    pub artist: &'static str,
    /// Song title as displayed.
    pub title: &'static str,
    /// Page path, `/custombackingtrack/<artist>/<song>.html`.
    pub path: &'static str,
    /// Track names in page order (`.track[data-index="i"]` has `tracks[i]`).
    pub tracks: &'static [&'static str],
    /// Whether the demo account owns the song (unpurchased songs show "Add to cart").
    pub purchased: bool,
    /// How the site names this song's mix files (the real site's names vary per song).
    pub names: NameStyle,
}

/// The shapes of mix file names seen on the real site (issue 12's evidence). Every form adds
/// the key shift when it is not 0 (`-1`, `+2`); where depends on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameStyle {
    /// `Artist_Song(Track_Custom_Backing_Track-1).mp3` (no key suffix at key 0).
    Suffix,
    /// `Artist_Song(Custom_Backing_Track+2).mp3`: the name carries no instrument at all.
    NoInstrument,
    /// `(-1)Track_Custom_Backing_Track.mp3`: key first, no artist or song.
    Prefix,
}

impl CatalogSong {
    /// The song page's URL on a site at `base` (e.g. a stage's [`url`](super::Stage::url)).
    pub fn url(&self, base: &str) -> String {
        format!("{}{}", base.trim_end_matches('/'), self.path)
    }

    /// More than [`SIMPLE_TRACK_LIMIT`] tracks: the site switches solos more slowly.
    pub fn complex(&self) -> bool {
        self.tracks.len() > SIMPLE_TRACK_LIMIT
    }

    /// Whether the track at `index` is a click (metronome) track, which the site applies slowly.
    pub fn is_click_track(&self, index: usize) -> bool {
        self.tracks
            .get(index)
            .is_some_and(|name| name.to_ascii_lowercase().contains("click"))
    }
}

const DEMO_CATALOG: &[CatalogSong] = &[
    CatalogSong {
        artist: "The Night Owls",
        title: "Paper Moon Parade",
        path: "/custombackingtrack/the-night-owls/paper-moon-parade.html",
        tracks: &["Drums", "Bass", "Electric Guitar", "Piano", "Lead Vocal"],
        purchased: true,
        names: NameStyle::Suffix,
    },
    CatalogSong {
        artist: "Metronomicon",
        title: "Count Me In",
        path: "/custombackingtrack/metronomicon/count-me-in.html",
        tracks: &[
            "Intro count Click",
            "Drums",
            "Bass",
            "Acoustic Guitar",
            "Backing Vocals",
            "Lead Vocal",
        ],
        purchased: true,
        names: NameStyle::Suffix,
    },
    CatalogSong {
        artist: "Grand Parlour Orchestra",
        title: "Fifteen Ways Home",
        path: "/custombackingtrack/grand-parlour-orchestra/fifteen-ways-home.html",
        tracks: &[
            "Intro count Click",
            "Drum Kit",
            "Percussion",
            "Bass",
            "Rhythm Guitar",
            "Lead Guitar",
            "Piano",
            "Organ",
            "Strings",
            "Brass",
            "Saxophone",
            "Synth Pad",
            "Backing Vocals",
            "Choir",
            "Lead Vocal",
        ],
        purchased: true,
        names: NameStyle::Suffix,
    },
    CatalogSong {
        artist: "Velvet Static",
        title: "Don't Wake the Neighbours",
        path: "/custombackingtrack/velvet-static/dont-wake-the-neighbours.html",
        tracks: &[
            "Drums",
            "Bass",
            "Rhythm Guitar",
            "Lead Guitar",
            "Keyboard",
            "Harmonica",
            "Backing Vocals",
            "Lead Vocal",
        ],
        purchased: true,
        names: NameStyle::Suffix,
    },
    CatalogSong {
        artist: "Unsigned Hopefuls",
        title: "Not Yet Yours",
        path: "/custombackingtrack/unsigned-hopefuls/not-yet-yours.html",
        tracks: &["Drums", "Bass", "Guitar", "Lead Vocal"],
        purchased: false,
        names: NameStyle::Suffix,
    },
    CatalogSong {
        artist: "The Modulators",
        title: "Shifting Keys",
        path: "/custombackingtrack/the-modulators/shifting-keys.html",
        tracks: &[
            "Intro Count (Click + Key)",
            "Drum Kit",
            "Bass",
            "Piano",
            "Lead Vocal",
        ],
        purchased: true,
        names: NameStyle::Suffix,
    },
    CatalogSong {
        artist: "Anonymous Ensemble",
        title: "Nameless Tune",
        path: "/custombackingtrack/anonymous-ensemble/nameless-tune.html",
        tracks: &["Drums", "Bass", "Guitar"],
        purchased: true,
        names: NameStyle::NoInstrument,
    },
    CatalogSong {
        artist: "Prefix Club",
        title: "Count Off",
        path: "/custombackingtrack/prefix-club/count-off.html",
        tracks: &["Intro count Click", "Drums", "Bass"],
        purchased: true,
        names: NameStyle::Prefix,
    },
];

/// The stage's songs, in display order: simple songs, one with an "Intro count Click" track,
/// a 15-track complex song, one song the demo account has not purchased, and one song per
/// file-name form of the real site (key in the name with a "(Click + Key)" track, no
/// instrument in the name, key prefix).
pub fn demo_catalog() -> &'static [CatalogSong] {
    DEMO_CATALOG
}

/// Finds a catalog song by its page path (e.g. `/custombackingtrack/x/y.html`).
pub fn find_song(path: &str) -> Option<&'static CatalogSong> {
    DEMO_CATALOG.iter().find(|song| song.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_covers_every_kind_of_song_the_automator_must_handle() {
        let songs = demo_catalog();
        assert!(songs.len() >= 4);
        assert!(songs.iter().any(|s| !s.complex() && s.purchased));
        assert!(songs.iter().any(|s| s.complex() && s.tracks.len() == 15));
        assert!(songs.iter().any(|s| !s.purchased));
        assert!(
            songs
                .iter()
                .any(|s| s.tracks.contains(&"Intro count Click"))
        );
    }

    #[test]
    fn paths_follow_the_site_pattern_and_are_unique() {
        for song in demo_catalog() {
            assert!(
                song.path.starts_with("/custombackingtrack/"),
                "{}",
                song.path
            );
            assert!(song.path.ends_with(".html"), "{}", song.path);
            assert_eq!(song.path.matches('/').count(), 3, "{}", song.path);
            assert!((1..=15).contains(&song.tracks.len()));
            assert_eq!(find_song(song.path), Some(song));
        }
        assert_eq!(find_song("/custombackingtrack/nobody/nothing.html"), None);
    }

    #[test]
    fn urls_join_base_and_path() {
        let song = &demo_catalog()[0];
        let expected = format!("http://127.0.0.1:9{}", song.path);
        assert_eq!(song.url("http://127.0.0.1:9"), expected);
        assert_eq!(song.url("http://127.0.0.1:9/"), expected);
    }

    #[test]
    fn click_tracks_are_recognised_by_name() {
        let song = find_song("/custombackingtrack/metronomicon/count-me-in.html").unwrap();
        assert!(song.is_click_track(0));
        assert!(!song.is_click_track(1));
        assert!(!song.is_click_track(99));
    }

    #[test]
    fn every_name_form_of_the_real_site_has_a_demo_song() {
        for style in [
            NameStyle::Suffix,
            NameStyle::NoInstrument,
            NameStyle::Prefix,
        ] {
            assert!(
                demo_catalog()
                    .iter()
                    .any(|s| s.purchased && s.names == style)
            );
        }
        assert!(
            demo_catalog()
                .iter()
                .any(|s| s.tracks.contains(&"Intro Count (Click + Key)"))
        );
    }

    #[test]
    fn eight_tracks_is_still_simple() {
        let eight = demo_catalog().iter().find(|s| s.tracks.len() == 8).unwrap();
        assert!(!eight.complex());
    }
}
