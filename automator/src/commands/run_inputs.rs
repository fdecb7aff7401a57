//! What every run reads before it starts: songs, credentials, knobs and site profile, from the
//! command line into run options, a configuration and a target. Each problem is one line
//! naming the file or flag (exit code 2), found before any browser starts.

use std::path::{Path, PathBuf};

use crate::cli::Cli;
use crate::config::knobs::parse_knobs;
use crate::config::{
    Credentials, CredentialsError, Knobs, SiteProfile, SiteProfileError, SongsError, load_songs,
};
use crate::flow::{RunOptions, Target};
use crate::stage::StageConfig;

/// An input of a run that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RunInputsError {
    #[error(transparent)]
    Songs(#[from] SongsError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    SiteProfile(#[from] SiteProfileError),
    #[error("knobs file {path}{location}: {message}")]
    Knobs {
        path: PathBuf,
        location: String,
        message: String,
    },
    #[error("no songs: --site needs --songs FILE or a songs.yaml in the current directory")]
    NoSongsFile,
}

/// Reads every input of a run (songs, credentials, knobs, site profile) into its options,
/// failing on the first bad one.
pub fn prepare_run(cli: &Cli) -> Result<(RunOptions, Knobs, Target), RunInputsError> {
    let site_profile = match &cli.site_profile {
        Some(path) => SiteProfile::load(path)?,
        None => SiteProfile::default(),
    };
    let knobs = match &cli.knobs {
        Some(path) => load_knobs(path)?,
        None => Knobs::default(),
    };
    let songs_file = match (&cli.songs, &cli.site) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(_)) => {
            let default = PathBuf::from("songs.yaml");
            if !default.is_file() {
                return Err(RunInputsError::NoSongsFile);
            }
            Some(default)
        }
        (None, None) => None,
    };
    let songs = songs_file.as_deref().map(load_songs).transpose()?;
    let target = match &cli.site {
        Some(url) => Target::Site {
            url: url.clone(),
            credentials: Credentials::from_environment(Path::new(".env"))?,
        },
        None => Target::Stage(StageConfig {
            faults: cli.faults.clone(),
            seed: cli.seed,
            capacity: cli.capacity,
            rate_limit: cli.rate_limit,
            ..StageConfig::default()
        }),
    };
    let options = RunOptions {
        songs,
        max_tracks: cli.max_tracks.map(|max| max as usize),
        download_dir: cli.download_dir.clone(),
        session_file: Some(cli.session_file.clone()),
        force_login: cli.force_login,
        clear_session: cli.clear_session,
        time_scale: cli.time_scale.unwrap_or(1.0),
        webdriver: cli.webdriver.clone(),
        headed: cli.headed,
        site_profile,
        show_progress: true,
        stop_on_ctrl_c: true,
        sessions: cli.sessions as usize,
        ..RunOptions::default()
    };
    Ok((options, knobs, target))
}

/// A TOML file of knob overrides on top of the default configuration.
fn load_knobs(path: &Path) -> Result<Knobs, RunInputsError> {
    let text = std::fs::read_to_string(path).map_err(|error| RunInputsError::Knobs {
        path: path.to_path_buf(),
        location: String::new(),
        message: error.to_string(),
    })?;
    parse_knobs(&text, path).map_err(|error| RunInputsError::Knobs {
        path: error.path,
        location: error.location,
        message: error.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn a_bad_knobs_file_names_file_line_and_knob() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("knobs.toml");
        std::fs::write(&path, "solo_wait = \"poll\"\nsolo_delay = 1.0\n").unwrap();
        let message = load_knobs(&path).unwrap_err().to_string();
        assert!(
            message.contains("knobs.toml line 2") && message.contains("solo_delay"),
            "{message}"
        );
        std::fs::write(&path, "download_check_interval = 0.0\n").unwrap();
        let message = load_knobs(&path).unwrap_err().to_string();
        assert!(message.contains("download_check_interval"), "{message}");
        std::fs::write(&path, "solo_wait = \"poll\"\n").unwrap();
        assert_eq!(
            load_knobs(&path).unwrap().solo_wait,
            crate::config::SoloWait::Poll
        );
    }

    #[test]
    fn the_stage_is_the_default_target_with_its_demo_catalog() {
        let cli = Cli::try_parse_from(["automator", "--time-scale", "0.05", "--max-tracks", "2"])
            .unwrap();
        let (options, knobs, target) = prepare_run(&cli).unwrap();
        assert!(matches!(target, Target::Stage(_)));
        assert!(
            options.songs.is_none(),
            "the run falls back to the demo catalog"
        );
        assert_eq!((options.time_scale, options.max_tracks), (0.05, Some(2)));
        assert_eq!(knobs, Knobs::default());
    }

    #[test]
    fn a_missing_songs_file_is_named() {
        let cli = Cli::try_parse_from(["automator", "--songs", "/nonexistent/songs.yaml"]).unwrap();
        let message = prepare_run(&cli).unwrap_err().to_string();
        assert!(message.contains("/nonexistent/songs.yaml"), "{message}");
    }
}
