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

    /// List the configuration presets and the knobs each changes relative to the default.
    ///
    /// Presets are read from --baselines DIR, else ./baselines/ when it exists, else the
    /// presets built into this binary (current, download_only, optimized, pre_optimization,
    /// solo_only). The built-in default configuration is `optimized`.
    #[arg(long)]
    pub list_baselines: bool,

    /// Run under one preset --runs times (default 3) and save
    /// logs/performance/baselines/baseline_<NAME>_<YYYYMMDD_HHMMSS>.json.
    ///
    /// The file holds the preset, its knobs, the machine, and per run the durations, per-track
    /// times, success counts, errors and the run's own profile. Against the stage the default
    /// time scale is 0.03 (see --time-scale).
    #[arg(long, value_name = "NAME")]
    pub baseline_test: Option<String>,

    /// A/B-compare two presets: runs interleaved A B B A … on the same songs and tracks, one
    /// fresh profile per run.
    ///
    /// Reports time per track (time spent in the songs over tracks attempted; browser start
    /// and login excluded) for each preset, the ratio B/A of geometric means with a 95%
    /// interval and p-value from one model (Welch's t-test on log time per track), a
    /// rank-sum permutation p-value as a robustness check, a verdict (faster / no meaningful
    /// difference within ±5% / inconclusive with the runs needed), correct tracks, where the
    /// time moved per key with intervals and which knob differences explain it. Saves a
    /// baseline file per preset and the comparison as JSON, Markdown and HTML in
    /// logs/performance/baselines/.
    ///
    /// --runs defaults to 8 per preset. Early stop: after every complete A B B A block the
    /// runs so far are analysed, and the test stops when at least 4 runs per preset give
    /// p < 0.0002 (stricter than the final 0.05, so looking early does not inflate false
    /// alarms); a clear difference stops after 4 runs each.
    /// Against the stage the default time scale is 0.03 (a default
    /// `--ab-test current solo_only --max-tracks 2` takes about 4 minutes).
    /// With --fail-on-regression, exits 1 when B is significantly slower than A.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    pub ab_test: Option<Vec<String>>,

    /// Runs per preset for --baseline-test (default 3) and --ab-test (default 8, may stop
    /// early).
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,

    /// Folder of preset files (one TOML file per preset); default ./baselines/ when it
    /// exists, else the presets built into this binary.
    #[arg(long, value_name = "DIR")]
    pub baselines: Option<PathBuf>,

    /// Run once under this preset (e.g. `--profile --preset current`); the configuration is
    /// restored afterwards.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["baseline_test", "ab_test"])]
    pub preset: Option<String>,

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
    /// Default 1, except --ab-test and --baseline-test against the stage, which default to
    /// 0.03.
    #[arg(long, value_name = "F")]
    pub time_scale: Option<f64>,

    /// Exit 1 when --compare finds a regression (or --ab-test finds B significantly slower).
    /// A broken --limit always exits 1.
    #[arg(long)]
    pub fail_on_regression: bool,

    /// Noise threshold of the regression gate in percent (default 20): a key regresses when
    /// its median moved by more than this AND a Mann-Whitney U test (Holm-adjusted over all
    /// keys) says the shift is real.
    #[arg(long, value_name = "PCT")]
    pub threshold: Option<f64>,

    /// A threshold for one key or a family (`download_management.*=50`); repeatable.
    #[arg(long, value_name = "KEY=PCT")]
    pub key_threshold: Vec<String>,

    /// A hard limit checked on the run, e.g. `track_management.solo_track:p95<33ms`
    /// (metrics mean, p50, p90, p95, p99, max; units ns, us, ms, s, min); repeatable.
    #[arg(long, value_name = "KEY:METRIC<DURATION")]
    pub limit: Vec<String>,

    /// After this run, save its profile as a performance baseline (implies --profile). A NAME
    /// is stored as logs/performance/baselines/<NAME>.json; a value with `/` or ending in
    /// `.json` is a file path.
    #[arg(long, value_name = "NAME|FILE")]
    pub save_baseline: Option<String>,

    /// Print a saved baseline (gate baseline, profile JSON report or preset-run file) and exit.
    #[arg(long, value_name = "NAME|FILE")]
    pub show_baseline: Option<String>,

    /// Compare this run (implies --profile), or the file given with --against, with a saved
    /// baseline: per key regression / improvement / within noise / no change, hard limits,
    /// and a warning when the machines differ. Exit codes: 0 ok, 1 regression with
    /// --fail-on-regression or a broken --limit, 2 bad input.
    #[arg(long, value_name = "NAME|FILE")]
    pub compare: Option<String>,

    /// With --compare: compare this saved file instead of running.
    #[arg(long, value_name = "NAME|FILE", requires = "compare")]
    pub against: Option<String>,

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
        assert_eq!(
            ab.ab_test,
            Some(vec!["current".to_string(), "solo_only".to_string()])
        );
        assert!(
            Cli::try_parse_from(["automator", "--list-baselines"])
                .unwrap()
                .list_baselines
        );
    }

    #[test]
    fn the_stage_subcommand_takes_its_own_flags() {
        let cli = Cli::try_parse_from([
            "automator",
            "stage",
            "--port",
            "8080",
            "--time-scale",
            "0.5",
        ])
        .unwrap();
        let Some(Command::Stage(args)) = cli.command else {
            panic!("expected the stage subcommand")
        };
        assert_eq!((args.port, args.time_scale), (8080, 0.5));
    }

    #[test]
    fn bad_values_are_rejected_by_the_parser() {
        assert!(Cli::try_parse_from(["automator", "--max-tracks", "0"]).is_err());
        assert!(Cli::try_parse_from(["automator", "--faults", "meteor=1"]).is_err());
        assert!(Cli::try_parse_from(["automator", "--ab-test", "current"]).is_err());
    }
}
