//! The command line: the original's flags, plus `automator stage` to serve the replica site.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::stage::{FaultSpec, StageArgs};

/// Downloads custom backing tracks (one mix per soloed track) from a karaoke site with headless
/// Chromium, and profiles where the time goes, tier by tier.
///
/// Without --site it runs against the embedded stage (a local replica of the site with its
/// demo account and demo catalog), so everything works offline. Credentials for a real site
/// come from KV_USERNAME / KV_PASSWORD (environment or a .env file), never from the command line.
#[derive(Debug, Parser)]
#[command(name = "automator", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Profile the run and write text, JSON and Chrome-trace reports into logs/performance/.
    #[arg(long)]
    pub profile: bool,

    /// List the configuration presets in baselines/ and the knobs each changes.
    #[arg(long)]
    pub list_baselines: bool,

    /// Run under one preset and save a baseline file (see --runs).
    #[arg(long, value_name = "NAME")]
    pub baseline_test: Option<String>,

    /// A/B-compare two presets, interleaving their runs (see --runs).
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    pub ab_test: Option<Vec<String>>,

    /// Runs per preset for --baseline-test and --ab-test.
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,

    /// At most N tracks per song.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tracks: Option<u32>,

    /// songs.yaml to download (`songs: [{url, name?, description?, key?}]`). Default: the
    /// stage's demo catalog, or ./songs.yaml with --site.
    #[arg(long, value_name = "FILE")]
    pub songs: Option<PathBuf>,

    /// The real site's base URL (e.g. https://www.karaoke-version.com); default: the stage.
    #[arg(long, value_name = "URL")]
    pub site: Option<String>,

    /// Use a running W3C WebDriver endpoint (e.g. a Selenium Grid) instead of chromedriver.
    #[arg(long, value_name = "URL")]
    pub webdriver: Option<String>,

    /// Where mixes are filed, as <DIR>/<Song>/<Track>.mp3.
    #[arg(long, value_name = "DIR", default_value = "downloads")]
    pub download_dir: PathBuf,

    /// Show the browser window (debugging).
    #[arg(long)]
    pub headed: bool,

    /// Log in even if a saved session is still valid.
    #[arg(long)]
    pub force_login: bool,

    /// Delete the saved session first.
    #[arg(long)]
    pub clear_session: bool,

    /// Multiply every wait (and the stage's delays) by F; e.g. 0.05 runs 20x faster.
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    pub time_scale: f64,

    /// Exit 1 when a comparison finds a regression.
    #[arg(long)]
    pub fail_on_regression: bool,

    /// Regression threshold in percent.
    #[arg(long, value_name = "PCT")]
    pub threshold: Option<f64>,

    /// Knob overrides (TOML, e.g. `solo_wait = "poll"`) on top of the default configuration.
    #[arg(long, value_name = "FILE")]
    pub knobs: Option<PathBuf>,

    /// A site profile (selectors and site facts) replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub site_profile: Option<PathBuf>,

    /// Where the login session is kept between runs.
    #[arg(long, value_name = "FILE", default_value = "logs/session.json")]
    pub session_file: PathBuf,

    /// Stage only: faults to inject, e.g. `http500=0.05,solo_stuck=0.05`.
    #[arg(long, value_name = "SPEC", default_value = "none", value_parser = FaultSpec::parse)]
    pub faults: FaultSpec,

    /// Stage only: seed of its timing and fault draws.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the replica site on its own, for a person to browse (until Ctrl-C).
    Stage(StageArgs),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_card_commands_parse() {
        let profile = Cli::try_parse_from(["automator", "--profile"]).unwrap();
        assert!(profile.profile && profile.command.is_none());
        let ab = Cli::try_parse_from(["automator", "--ab-test", "current", "solo_only"]).unwrap();
        assert_eq!(ab.ab_test, Some(vec!["current".to_string(), "solo_only".to_string()]));
        assert!(Cli::try_parse_from(["automator", "--list-baselines"]).unwrap().list_baselines);
    }

    #[test]
    fn the_stage_subcommand_takes_its_own_flags() {
        let cli = Cli::try_parse_from(["automator", "stage", "--port", "8080", "--time-scale", "0.5"]).unwrap();
        let Some(Command::Stage(args)) = cli.command else { panic!("expected the stage subcommand") };
        assert_eq!((args.port, args.time_scale), (8080, 0.5));
    }

    #[test]
    fn bad_values_are_rejected_by_the_parser() {
        assert!(Cli::try_parse_from(["automator", "--max-tracks", "0"]).is_err());
        assert!(Cli::try_parse_from(["automator", "--faults", "meteor=1"]).is_err());
        assert!(Cli::try_parse_from(["automator", "--ab-test", "current"]).is_err());
    }
}
