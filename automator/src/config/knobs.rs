//! The live configuration of a run: every timing decision the automation makes, in one
//! serde struct so presets can overlay it and A/B tests can swap it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the automation knows the server applied a solo before it requests the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SoloWait {
    /// Blind sleeps, as the original did: `solo_activation_delay` for the audio server to
    /// sync, then `solo_activation_delay_simple` / `_complex` to finalize the activation.
    Fixed,
    /// Read the solo button's class every `solo_poll_interval`, up to `solo_max_wait`.
    Poll,
    /// One async script with a MutationObserver that resolves the moment the button turns
    /// active (bounded by `solo_max_wait`).
    Observe,
}

/// How the automation notices the downloaded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DownloadWait {
    /// Sleep `download_monitoring_initial_wait`, then list the directory every
    /// `download_check_interval`, up to `download_max_wait`.
    Poll,
    /// File-system events (inotify), bounded by `download_max_wait`.
    Watch,
}

/// Every knob of a run. Durations are seconds (f64) so presets read like the original's.
///
/// `Default` is the best configuration we know (the `optimized` preset): event-driven solo
/// and download detection, no initial wait, no pause between tracks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Knobs {
    pub solo_wait: SoloWait,
    /// First blind wait of `fixed` mode: the original's "wait for audio server sync".
    pub solo_activation_delay: f64,
    /// Second blind wait of `fixed` mode ("finalize solo activation") for songs of 8 tracks
    /// or fewer.
    pub solo_activation_delay_simple: f64,
    /// Second blind wait of `fixed` mode for songs of more than 8 tracks.
    pub solo_activation_delay_complex: f64,
    pub solo_poll_interval: f64,
    /// Upper bound of the poll and observe waits; past it the solo counts as not applied.
    pub solo_max_wait: f64,
    pub download_monitoring_initial_wait: f64,
    pub download_check_interval: f64,
    pub download_max_wait: f64,
    /// A transfer whose partial file has not grown for this long counts as stalled and is
    /// asked for again (`download_wait = "watch"`; the real site's downloads can stall).
    pub download_stall_timeout: f64,
    pub download_wait: DownloadWait,
    pub between_tracks_pause: f64,
    /// Bound of every single WebDriver command (page loads, scripts, element look-ups).
    pub webdriver_default_timeout: f64,
}

/// The longest any knob may be, in seconds (one day): longer waits are typos (`1e300`), and
/// this bound times the largest `--time-scale` still fits a timer.
pub const MAX_KNOB_SECONDS: f64 = 86_400.0;

/// Songs with more tracks than this use `solo_activation_delay_complex`.
pub const SIMPLE_SONG_MAX_TRACKS: usize = 8;

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            solo_wait: SoloWait::Observe,
            solo_activation_delay: 5.0,
            solo_activation_delay_simple: 5.0,
            solo_activation_delay_complex: 5.0,
            solo_poll_interval: 0.2,
            solo_max_wait: 30.0,
            download_monitoring_initial_wait: 0.0,
            download_check_interval: 0.5,
            download_max_wait: 300.0,
            download_stall_timeout: 20.0,
            download_wait: DownloadWait::Watch,
            between_tracks_pause: 0.0,
            webdriver_default_timeout: 30.0,
        }
    }
}

/// A knob that cannot be used as it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("knob `{knob}` is {value}: {problem}")]
pub struct KnobError {
    pub knob: &'static str,
    pub value: f64,
    pub problem: &'static str,
}

/// Why a knobs file (`--knobs FILE`) cannot be used: one line naming the file, the line where
/// known, and the problem.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("knobs file {path}{location}: {message}")]
pub struct KnobsFileError {
    pub path: PathBuf,
    pub location: String,
    pub message: String,
}

/// Parses and validates a knobs file (TOML overrides on top of the default configuration);
/// `path` only names it in errors.
pub fn parse_knobs(text: &str, path: &Path) -> Result<Knobs, KnobsFileError> {
    let error = |location: String, message: String| KnobsFileError {
        path: path.to_path_buf(),
        location,
        message: one_line(&message),
    };
    let knobs: Knobs = toml::from_str(text).map_err(|parse| {
        let location = parse
            .span()
            .and_then(|span| text.get(..span.start))
            .map(|before| format!(" line {}", before.matches('\n').count() + 1))
            .unwrap_or_default();
        error(location, parse.message().to_string())
    })?;
    knobs
        .validate()
        .map_err(|invalid| error(String::new(), invalid.to_string()))?;
    Ok(knobs)
}

/// A message on one line (a parser's message may span several).
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Knobs {
    /// The same configuration with every duration multiplied by `time_scale`, so a run against
    /// a stage sped up by the same factor keeps its shape.
    pub fn scaled(&self, time_scale: f64) -> Knobs {
        let mut scaled = self.clone();
        for (_, value) in scaled.durations_mut() {
            *value *= time_scale;
        }
        scaled
    }

    /// Checks every duration is finite, from 0 to [`MAX_KNOB_SECONDS`], and intervals/limits
    /// are positive.
    pub fn validate(&self) -> Result<(), KnobError> {
        let mut copy = self.clone();
        for (knob, value) in copy.durations_mut() {
            let value = *value;
            if !value.is_finite() || value < 0.0 {
                return Err(KnobError {
                    knob,
                    value,
                    problem: "must be a finite number of seconds ≥ 0",
                });
            }
            if value > MAX_KNOB_SECONDS {
                return Err(KnobError {
                    knob,
                    value,
                    problem: "must be at most 86400 seconds (one day)",
                });
            }
            let must_be_positive = matches!(
                knob,
                "solo_poll_interval"
                    | "solo_max_wait"
                    | "download_check_interval"
                    | "download_max_wait"
                    | "download_stall_timeout"
                    | "webdriver_default_timeout"
            );
            if must_be_positive && value == 0.0 {
                return Err(KnobError {
                    knob,
                    value,
                    problem: "must be greater than 0",
                });
            }
        }
        Ok(())
    }

    /// The first blind wait of `solo_wait = "fixed"`: the audio server's sync.
    pub fn fixed_sync_delay(&self) -> Duration {
        seconds_to_duration(self.solo_activation_delay)
    }

    /// The second blind wait of `solo_wait = "fixed"`, by the song's size: the original
    /// waited this again after the sync wait ("21 s + 21 s fallback" in its profile).
    pub fn fixed_finalize_delay(&self, track_count: usize) -> Duration {
        let seconds = if track_count <= SIMPLE_SONG_MAX_TRACKS {
            self.solo_activation_delay_simple
        } else {
            self.solo_activation_delay_complex
        };
        seconds_to_duration(seconds)
    }

    /// Every duration knob with its name, for scaling and validation in one place.
    fn durations_mut(&mut self) -> [(&'static str, &mut f64); 11] {
        [
            ("solo_activation_delay", &mut self.solo_activation_delay),
            (
                "solo_activation_delay_simple",
                &mut self.solo_activation_delay_simple,
            ),
            (
                "solo_activation_delay_complex",
                &mut self.solo_activation_delay_complex,
            ),
            ("solo_poll_interval", &mut self.solo_poll_interval),
            ("solo_max_wait", &mut self.solo_max_wait),
            (
                "download_monitoring_initial_wait",
                &mut self.download_monitoring_initial_wait,
            ),
            ("download_check_interval", &mut self.download_check_interval),
            ("download_max_wait", &mut self.download_max_wait),
            ("download_stall_timeout", &mut self.download_stall_timeout),
            ("between_tracks_pause", &mut self.between_tracks_pause),
            (
                "webdriver_default_timeout",
                &mut self.webdriver_default_timeout,
            ),
        ]
    }
}

/// Seconds as a `Duration`; negative or non-finite values (rejected by `validate`) become zero
/// rather than panicking.
pub fn seconds_to_duration(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_optimized_preset() {
        let knobs = Knobs::default();
        assert_eq!(knobs.solo_wait, SoloWait::Observe);
        assert_eq!(knobs.download_wait, DownloadWait::Watch);
        assert_eq!(knobs.download_monitoring_initial_wait, 0.0);
        assert_eq!(knobs.download_max_wait, 300.0);
        assert_eq!(knobs.between_tracks_pause, 0.0);
        knobs.validate().unwrap();
    }

    #[test]
    fn scaling_multiplies_every_duration_and_keeps_the_modes() {
        let knobs = Knobs {
            between_tracks_pause: 2.0,
            ..Knobs::default()
        };
        let scaled = knobs.scaled(0.5);
        assert_eq!(scaled.solo_max_wait, 15.0);
        assert_eq!(scaled.download_max_wait, 150.0);
        assert_eq!(scaled.between_tracks_pause, 1.0);
        assert_eq!(scaled.webdriver_default_timeout, 15.0);
        assert_eq!(scaled.solo_poll_interval, 0.1);
        assert_eq!(scaled.solo_wait, knobs.solo_wait);
        assert_eq!(scaled.download_wait, knobs.download_wait);
    }

    #[test]
    fn a_partial_toml_overlays_the_default_with_lowercase_modes() {
        let knobs: Knobs = toml::from_str(
            "solo_wait = \"fixed\"\ndownload_wait = \"poll\"\nsolo_activation_delay_complex = 21.0\n",
        )
        .unwrap();
        assert_eq!(knobs.solo_wait, SoloWait::Fixed);
        assert_eq!(knobs.download_wait, DownloadWait::Poll);
        assert_eq!(knobs.solo_activation_delay_complex, 21.0);
        assert_eq!(knobs.download_max_wait, Knobs::default().download_max_wait);
    }

    #[test]
    fn unknown_knobs_and_unknown_modes_are_rejected() {
        let unknown = toml::from_str::<Knobs>("solo_delay = 3.0\n").unwrap_err();
        assert!(unknown.to_string().contains("solo_delay"), "{unknown}");
        let bad_mode = toml::from_str::<Knobs>("solo_wait = \"sleep\"\n").unwrap_err();
        assert!(bad_mode.to_string().contains("sleep"), "{bad_mode}");
    }

    #[test]
    fn round_trips_through_toml_with_the_exact_field_names() {
        let text = toml::to_string(&Knobs::default()).unwrap();
        for name in [
            "solo_wait",
            "solo_activation_delay",
            "solo_activation_delay_simple",
            "solo_activation_delay_complex",
            "solo_poll_interval",
            "solo_max_wait",
            "download_monitoring_initial_wait",
            "download_check_interval",
            "download_max_wait",
            "download_stall_timeout",
            "download_wait",
            "between_tracks_pause",
            "webdriver_default_timeout",
        ] {
            assert!(
                text.contains(&format!("{name} = ")),
                "{name} missing from {text}"
            );
        }
        assert_eq!(toml::from_str::<Knobs>(&text).unwrap(), Knobs::default());
    }

    #[test]
    fn fixed_delay_depends_on_the_song_size() {
        let knobs = Knobs {
            solo_activation_delay: 12.0,
            solo_activation_delay_simple: 15.0,
            solo_activation_delay_complex: 21.0,
            ..Knobs::default()
        };
        assert_eq!(knobs.fixed_sync_delay(), Duration::from_secs(12));
        assert_eq!(knobs.fixed_finalize_delay(8), Duration::from_secs(15));
        assert_eq!(knobs.fixed_finalize_delay(9), Duration::from_secs(21));
    }

    #[test]
    fn validation_names_the_bad_knob() {
        let negative = Knobs {
            between_tracks_pause: -1.0,
            ..Knobs::default()
        };
        assert_eq!(
            negative.validate().unwrap_err().knob,
            "between_tracks_pause"
        );
        let zero_interval = Knobs {
            download_check_interval: 0.0,
            ..Knobs::default()
        };
        assert_eq!(
            zero_interval.validate().unwrap_err().knob,
            "download_check_interval"
        );
        let huge = Knobs {
            download_max_wait: 1e300,
            ..Knobs::default()
        };
        let message = huge.validate().unwrap_err().to_string();
        assert!(
            message.contains("download_max_wait") && message.contains("at most 86400"),
            "{message}"
        );
        let a_day = Knobs {
            download_max_wait: MAX_KNOB_SECONDS,
            ..Knobs::default()
        };
        a_day.validate().unwrap();
        let infinite = Knobs {
            solo_max_wait: f64::INFINITY,
            ..Knobs::default()
        };
        assert!(
            infinite
                .validate()
                .unwrap_err()
                .to_string()
                .contains("solo_max_wait")
        );
    }
}
