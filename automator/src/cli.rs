//! The command line: the original's flags, plus `automator stage` to serve the replica site.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::browser::chromedriver::DEFAULT_CHROMEDRIVER;
use crate::stage::{FaultSpec, StageArgs};

/// Downloads custom backing tracks (one mix per soloed track) from a karaoke site with headless
/// Chromium, and profiles where the time goes, tier by tier.
///
/// Without --site it runs against the embedded stage (a local replica of the site with its
/// demo account and demo catalog), so everything works offline. Credentials for a real site
/// come from KV_USERNAME / KV_PASSWORD (environment or a .env file), never from the command line.
///
/// Every file and name the command line mentions is read and checked before anything is
/// written: a bad one is one `error:` line and exit code 2.
///
/// `-h` prints a short line per flag; `--help` prints the details.
#[derive(Debug, Parser)]
#[command(
    name = "automator",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
#[command(group = clap::ArgGroup::new("soak").args(["repeat", "duration"]).multiple(true).conflicts_with_all(["compare", "save_baseline"]))]
#[command(group = clap::ArgGroup::new("preset_runs").args(["baseline_test", "ab_test", "scaling"]).multiple(true))]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Profile the run: text, JSON, HTML and Chrome-trace reports in logs/performance/.
    ///
    /// Writes logs/performance/performance_<stamp>.log (text), .json, .html (self-contained:
    /// call tree, histograms, memory, failures, a link to the trace) and trace_<stamp>.json
    /// (Chrome trace for chrome://tracing, Perfetto or speedscope), also after a failed or
    /// interrupted run. Implied by --save-baseline and --compare when they run the automation.
    #[arg(long, help_heading = RUN)]
    pub profile: bool,

    /// List the configuration presets and the knobs each changes.
    ///
    /// Presets are read from --baselines DIR, else ./baselines/ when it exists, else the
    /// presets built into this binary (current, download_only, optimized, pre_optimization,
    /// solo_only). The built-in default configuration is `optimized`.
    #[arg(long, help_heading = PRESETS)]
    pub list_baselines: bool,

    /// Run under one preset --runs times and save the runs as a preset-run file.
    ///
    /// The file, logs/performance/baselines/baseline_<NAME>_<stamp>.json, holds the preset,
    /// its knobs, the machine, and per run the durations, per-track times, success counts,
    /// errors and the run's own profile. Against the stage the time scale is 0.03 unless
    /// --time-scale says otherwise.
    #[arg(long, value_name = "NAME", help_heading = PRESETS)]
    pub baseline_test: Option<String>,

    /// A/B-compare two presets, runs interleaved A B B A … on the same songs and tracks.
    ///
    /// Each run gets a fresh profile. Reports time per track (time spent in the songs over
    /// tracks attempted; browser start and login excluded) for each preset, the ratio B/A of
    /// geometric means with a 95% interval and p-value from one model (Welch's t-test on log
    /// time per track), a rank-sum permutation p-value as a robustness check, a verdict
    /// (faster / no meaningful difference within ±5% / inconclusive with the runs needed),
    /// correct tracks, where the time moved per key with intervals and which knob differences
    /// explain it. Saves a baseline file per preset and the comparison as JSON, Markdown and
    /// HTML in logs/performance/baselines/.
    ///
    /// Early stop: after every complete A B B A block the runs so far are analysed, and the
    /// test stops when at least 4 runs per preset give p < 0.0002 (stricter than the final
    /// 0.05, so looking early does not inflate false alarms); a clear difference stops after
    /// 4 runs each. Against the stage the time scale is 0.03 unless --time-scale says
    /// otherwise (`--ab-test current solo_only --max-tracks 2` takes about 4 minutes). With
    /// --fail-on-regression, exits 1 when B is significantly slower than A.
    #[arg(long, num_args = 2, value_names = ["A", "B"], help_heading = PRESETS)]
    pub ab_test: Option<Vec<String>>,

    /// Runs per preset, per --scaling level, or repetitions of a gated run [default: 3 for
    /// --baseline-test and --scaling (at least 2), 8 for --ab-test, 1 otherwise]
    ///
    /// --ab-test may stop early (see there). With --save-baseline / --compare the profiled run
    /// is repeated N times; the gate tests timing only with 2 or more runs per side, and 3 are
    /// recommended.
    #[arg(long, value_name = "N", allow_negative_numbers = true, help_heading = PRESETS)]
    pub runs: Option<u32>,

    /// Warm-up runs per preset for --baseline-test and --ab-test (per level for --scaling),
    /// discarded.
    ///
    /// They run first (alternating A B for --ab-test), are shown as "warm-up" lines, and are
    /// in neither the statistics nor the saved files: for a first run that pays for cold
    /// caches or a browser download.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "preset_runs", help_heading = PRESETS)]
    pub warmup: u32,

    /// Folder of preset files, one TOML file per preset [default: ./baselines/ when it
    /// exists, else the built-in presets]
    #[arg(long, value_name = "DIR", help_heading = PRESETS)]
    pub baselines: Option<PathBuf>,

    /// Run once under this preset; the configuration is restored afterwards.
    ///
    /// For example `automator --profile --preset current`. See --list-baselines for the names.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["baseline_test", "ab_test"], help_heading = PRESETS)]
    pub preset: Option<String>,

    /// At most N tracks per song (1 or more).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..), help_heading = RUN)]
    pub max_tracks: Option<u32>,

    /// The songs to download, a YAML file [default: the stage's demo catalog, or ./songs.yaml
    /// with --site]
    ///
    /// Format: `songs: [{url, name?, description?, key?}]`.
    #[arg(long, value_name = "FILE", help_heading = RUN)]
    pub songs: Option<PathBuf>,

    /// The real site's base URL, e.g. https://www.karaoke-version.com [default: the embedded
    /// stage]
    #[arg(long, value_name = "URL", help_heading = RUN)]
    pub site: Option<String>,

    /// Where mixes are filed, as <DIR>/<Song>/<Track>.mp3.
    #[arg(long, value_name = "DIR", default_value = "downloads", help_heading = RUN)]
    pub download_dir: PathBuf,

    /// Show the browser window (debugging).
    #[arg(long, help_heading = RUN)]
    pub headed: bool,

    /// Log in even if a saved session is still valid.
    #[arg(long, help_heading = RUN)]
    pub force_login: bool,

    /// Delete the saved session first.
    #[arg(long, help_heading = RUN)]
    pub clear_session: bool,

    /// Multiply every wait (and the stage's delays) by F [default: 1; 0.03 for --ab-test and
    /// --baseline-test against the stage]
    ///
    /// For example 0.05 runs 20x faster. Allowed: greater than 0, at most 100.
    #[arg(long, value_name = "F", allow_negative_numbers = true, value_parser = parse_time_scale, help_heading = RUN)]
    pub time_scale: Option<f64>,

    /// Exit 1 when --compare finds a regression, or --ab-test finds B significantly slower.
    ///
    /// A broken --limit always exits 1.
    #[arg(long, help_heading = GATE)]
    pub fail_on_regression: bool,

    /// Noise threshold of the regression gate in percent [default: 20]
    ///
    /// A key regresses when its per-run median moved by more than this AND Welch's t-test on
    /// the log per-run values (Benjamini–Hochberg-adjusted within its family: system and
    /// component keys, or method and operation keys) says the shift is real and its change per run reaches the --min-share floor; or when its success rate
    /// dropped (Fisher's exact test). A negative value is refused.
    #[arg(long, value_name = "PCT", allow_negative_numbers = true, help_heading = GATE)]
    pub threshold: Option<f64>,

    /// With --fail-on-regression: do not fail on an untested change.
    ///
    /// An untested change is a key slower beyond the threshold, or failing more often, with
    /// too few runs or calls to test. Without this flag such a change fails the gate; the
    /// report names it either way.
    #[arg(long, help_heading = GATE)]
    pub allow_untested: bool,

    /// A threshold for one key or a family, e.g. `download_management.*=50`; repeatable.
    #[arg(long, value_name = "KEY=PCT", help_heading = GATE)]
    pub key_threshold: Vec<String>,

    /// A hard limit checked on the run, e.g. `track_management.solo_track:p95<33ms`; repeatable.
    ///
    /// Metrics: mean, p50, p90, p95, p99, max. Units: ns, us, ms, s, min.
    #[arg(long, value_name = "KEY:METRIC<DURATION", help_heading = GATE)]
    pub limit: Vec<String>,

    /// Save this run's profiles as a performance baseline (implies --profile).
    ///
    /// After this run (or its --runs repetitions), one sample per run. A NAME (letters,
    /// digits, `.`, `_`, `-`) is stored as logs/performance/baselines/<NAME>.json; a value
    /// ending in `.json` is a file path. The profile reports of --profile are written too.
    #[arg(long, value_name = "NAME|FILE", help_heading = GATE)]
    pub save_baseline: Option<String>,

    /// Print a saved baseline (gate baseline, profile JSON report or preset-run file) and exit.
    #[arg(long, value_name = "NAME|FILE", help_heading = GATE)]
    pub show_baseline: Option<String>,

    /// Compare this run with a saved baseline (implies --profile).
    ///
    /// Compares this run (or its --runs repetitions), or the file given with --against, per
    /// key: regression / untested change / improvement / within noise / not testable / no
    /// change, hard limits, and a warning when the machines differ. The baseline is read
    /// before the browser starts. A run writes the profile reports of --profile too (not
    /// with --against, which runs nothing). Exit codes: 0 ok, 1 regression (or untested
    /// change, see --allow-untested) with --fail-on-regression or a broken --limit, 2 bad
    /// input. `--baseline NAME` is criterion's spelling of the same flag.
    #[arg(long, visible_alias = "baseline", value_name = "NAME|FILE", help_heading = GATE)]
    pub compare: Option<String>,

    /// With --compare: compare this saved file instead of running.
    #[arg(long, value_name = "NAME|FILE", requires = "compare", help_heading = GATE)]
    pub against: Option<String>,

    /// Knob overrides on top of the default configuration, a TOML file.
    ///
    /// For example `solo_wait = "poll"`; see --list-baselines for the knobs.
    #[arg(long, value_name = "FILE", help_heading = RUN)]
    pub knobs: Option<PathBuf>,

    /// A site profile (selectors and site facts) replacing the built-in one.
    #[arg(long, value_name = "FILE", help_heading = RUN)]
    pub site_profile: Option<PathBuf>,

    /// Where the login session is kept between runs.
    #[arg(long, value_name = "FILE", default_value = "logs/session.json", help_heading = RUN)]
    pub session_file: PathBuf,

    /// The chromedriver to start (unless --webdriver is given).
    ///
    /// A bare name (no `/`) is looked up on PATH. Checked before anything starts: a missing or
    /// non-executable file is an error (exit code 2). Chromium itself is the first of chromium, chromium-browser, google-chrome
    /// and google-chrome-stable on PATH.
    #[arg(long, value_name = "PATH", env = "AUTOMATOR_CHROMEDRIVER", default_value = DEFAULT_CHROMEDRIVER, help_heading = RUN)]
    pub chromedriver: PathBuf,

    /// Soak: run the catalog N times in one process.
    ///
    /// Fresh downloads each round, one browser unless --restart-browser-every, sampling the
    /// memory of the automator and of the whole browser process tree; prints per-round
    /// figures, cold vs warm tracks, the memory series' start/peak/end and a leak verdict, and
    /// saves logs/performance/soak_<stamp>.json.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..), conflicts_with_all = ["baseline_test", "ab_test"], help_heading = SOAK)]
    pub repeat: Option<u32>,

    /// Soak: start new rounds until this much time has passed, e.g. 90s, 10m, 1h 30m.
    ///
    /// The round under way finishes. With --repeat, whichever ends first.
    #[arg(long, value_name = "D", value_parser = crate::soak::command::parse_duration, conflicts_with_all = ["baseline_test", "ab_test"], help_heading = SOAK)]
    pub duration: Option<std::time::Duration>,

    /// Soak: exit 1 when the browser's memory grows by more than MB per 100 tracks.
    ///
    /// Growth is detected when the 95% interval of the Theil–Sen slope of the browser process
    /// tree's memory never given back (the least from each track on) lies above zero, and its
    /// estimate exceeds MB.
    #[arg(long, value_name = "MB", allow_negative_numbers = true, value_parser = parse_leak_limit, requires = "soak", help_heading = SOAK)]
    pub fail_on_leak: Option<f64>,

    /// Soak: replace the browser (new chromedriver, Chromium and login) after every K songs.
    #[arg(long, value_name = "K", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..), requires = "soak", help_heading = SOAK)]
    pub restart_browser_every: Option<u32>,

    /// Use a running W3C WebDriver endpoint (e.g. a Selenium Grid) instead of chromedriver.
    #[arg(long, value_name = "URL", help_heading = GRID)]
    pub webdriver: Option<String>,

    /// Stage only: faults to inject, e.g. `http500=0.05,solo_stuck=0.05`.
    #[arg(long, value_name = "SPEC", default_value = "none", value_parser = FaultSpec::parse, help_heading = STAGE)]
    pub faults: FaultSpec,

    /// Stage only: seed of its timing and fault draws (0 to 18446744073709551615).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        allow_negative_numbers = true,
        help_heading = STAGE
    )]
    pub seed: u64,

    /// Browser sessions working at once: each has its own chromedriver, Chromium and incoming
    /// download folder, and takes the next song from a shared queue (a song is never split:
    /// its solo state lives on its page). Files, summary and reports are the same as with one
    /// session; the login is done once and its cookies reused by the other sessions.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64), help_heading = GRID)]
    pub sessions: u32,

    /// Stage only: mixes the site generates at once (1 to 1024); more wait in a FIFO queue,
    /// reported as queue time apart from service time.
    #[arg(long, value_name = "K", default_value_t = crate::stage::DEFAULT_CAPACITY, allow_negative_numbers = true, value_parser = crate::stage::parse_capacity, help_heading = STAGE)]
    pub capacity: usize,

    /// Stage only: mix requests the account may make, e.g. `6/min` (also N/s, N/h; scaled by
    /// --time-scale); more get HTTP 429 with Retry-After, and the automator backs off.
    #[arg(long, value_name = "N/min", value_parser = crate::stage::RateLimit::parse, help_heading = STAGE)]
    pub rate_limit: Option<crate::stage::RateLimit>,

    /// A scaling study: the same songs at each session count (e.g. 1,2,4,8), --runs fresh
    /// runs per level interleaved with a rotating start, after --warmup runs per level.
    ///
    /// Reports throughput (tracks per minute), per-track latency p50/p95, speedup and
    /// efficiency (speedup / N) with 95% intervals, the knee where one more session stops
    /// paying, and whether the site (queue time in the stage's ledger, HTTP 429s) or this
    /// machine (CPU, the browsers' memory) limits past it. Text on stdout; JSON, text and HTML
    /// in logs/performance/scaling_<stamp>.*. Against the stage the default time scale is 0.03.
    #[arg(long, value_name = "LEVELS", value_parser = crate::commands::scaling_levels::parse_levels, help_heading = GRID, conflicts_with_all = ["ab_test", "baseline_test", "save_baseline", "compare", "soak"])]
    pub scaling: Option<crate::commands::scaling_levels::ScalingLevels>,

    /// Write the profile, the gate's verdict or the A/B comparison as JSON to FILE.
    ///
    /// The profile of a plain --profile run, the gate's verdict and report with --compare,
    /// the comparison with --ab-test; written atomically.
    #[arg(long, value_name = "FILE", help_heading = OUTPUT)]
    pub export_json: Option<PathBuf>,

    /// Write the profile, the gate or the A/B comparison as Markdown to FILE.
    ///
    /// The gate's and the A/B's Markdown is also appended to $GITHUB_STEP_SUMMARY when that
    /// is set.
    #[arg(long, value_name = "FILE", help_heading = OUTPUT)]
    pub export_markdown: Option<PathBuf>,

    /// Write Bencher Metric Format JSON to FILE.
    ///
    /// Shape: {"<key>": {"latency": {"value": ns, "lower_value": ns, "upper_value": ns}}}.
    #[arg(long, value_name = "FILE", help_heading = OUTPUT)]
    pub export_bmf: Option<PathBuf>,

    /// With --compare: write the gate as JUnit XML to FILE.
    ///
    /// One test case per key and hard limit, a failure per regression.
    #[arg(long, value_name = "FILE", help_heading = OUTPUT)]
    pub export_junit: Option<PathBuf>,

    /// Practical-significance floor of the regression gate, in percent of the run [default: 1]
    ///
    /// A key's change counts only when its change per run (the mean per-run total of its
    /// calls, now minus baseline) is at least this share of the baseline run's wall time
    /// (the `automation.run` key); smaller ones are reported as negligible and never fail.
    /// While the run is not slower, a method/operation key must clear the floor at its 95%
    /// interval's low end. 0 turns the floor off.
    #[arg(long, value_name = "PCT", allow_negative_numbers = true, help_heading = GATE)]
    pub min_share: Option<f64>,
}

/// The headings `--help` groups the flags under, in this order (clap orders headings by the
/// first flag that names each, so the fields of [`Cli`] keep that order).
pub const RUN: &str = "Run";
/// See [`RUN`].
pub const PRESETS: &str = "Presets and A/B";
/// See [`RUN`].
pub const GATE: &str = "Regression gate";
/// See [`RUN`].
pub const SOAK: &str = "Soak";
/// See [`RUN`].
pub const GRID: &str = "Sessions and Grid";
/// See [`RUN`].
pub const STAGE: &str = "Stage";
/// See [`RUN`].
pub const OUTPUT: &str = "Output";
/// Every heading, in the order `--help` shows them.
pub const HEADINGS: [&str; 7] = [RUN, PRESETS, GATE, SOAK, GRID, STAGE, OUTPUT];

/// The largest `--time-scale`: every knob and stage delay is multiplied by it, and 100 × the
/// largest knob (one day) still fits a timer; nobody needs a run slower than 100× real time.
pub const MAX_TIME_SCALE: f64 = 100.0;

/// `--time-scale F`: a finite number in (0, [`MAX_TIME_SCALE`]].
pub fn parse_time_scale(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(scale) if scale.is_finite() && scale > 0.0 && scale <= MAX_TIME_SCALE => Ok(scale),
        _ => Err(format!(
            "use a number greater than 0 and at most {MAX_TIME_SCALE} (e.g. 1 or 0.05)"
        )),
    }
}

/// `--fail-on-leak MB`: a finite number ≥ 0.
pub fn parse_leak_limit(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(limit) if limit.is_finite() && limit >= 0.0 => Ok(limit),
        _ => Err("use MB per 100 tracks, a number at least 0 (e.g. 50)".into()),
    }
}

impl Cli {
    /// Whether this command line is a soak (`--repeat` or `--duration`).
    pub fn is_soak(&self) -> bool {
        self.repeat.is_some() || self.duration.is_some()
    }

    /// Parses `std::env::args`; a usage error is printed as one line (`error: …` naming the
    /// flag and the allowed values, without clap's follow-up tip) and exits with code 2.
    /// `--help` and `--version` print as usual.
    pub fn parse_or_exit() -> Cli {
        Cli::try_parse().unwrap_or_else(|error| {
            if !error.use_stderr() {
                error.exit();
            }
            eprintln!("{}", one_line_usage_error(&error));
            std::process::exit(2);
        })
    }
}

/// A clap error as one line: its first paragraph, joined
/// (`error: invalid value '-1' for '--max-tracks <N>': …`, or
/// `error: the following required arguments were not provided: <--ab-test <A> <B>|…>`).
pub fn one_line_usage_error(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let line = rendered
        .lines()
        .map(str::trim)
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match line.is_empty() {
        true => "error: invalid command line (see --help)".to_string(),
        false => line,
    }
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

    /// The first line of the parser's error for `args`.
    fn usage_error(args: &[&str]) -> String {
        let mut argv = vec!["automator"];
        argv.extend_from_slice(args);
        one_line_usage_error(&Cli::try_parse_from(argv).unwrap_err())
    }

    #[test]
    fn negative_and_huge_numbers_are_errors_naming_the_flag() {
        for (args, flag) in [
            (&["--max-tracks", "-1"][..], "--max-tracks"),
            (&["--time-scale", "-1"], "--time-scale"),
            (&["--time-scale", "1e300"], "--time-scale"),
            (&["--time-scale", "0"], "--time-scale"),
            (&["--time-scale", "NaN"], "--time-scale"),
            (&["--seed", "-1"], "--seed"),
            (&["--runs", "-3"], "--runs"),
            (&["--repeat", "0"], "--repeat"),
            (&["--duration", "soon"], "--duration"),
            (&["--fail-on-leak", "-5"], "--fail-on-leak"),
            (&["--restart-browser-every", "0"], "--restart-browser-every"),
        ] {
            let line = usage_error(args);
            assert!(
                line.starts_with("error: invalid value") && line.contains(flag),
                "{args:?}: {line}"
            );
        }
        assert!(usage_error(&["--time-scale", "1e300"]).contains("at most 100"));
    }

    #[test]
    fn the_stage_capacity_and_rate_limit_reach_the_embedded_stage() {
        let cli = Cli::try_parse_from(["automator"]).unwrap();
        assert_eq!(
            (cli.capacity, cli.rate_limit),
            (crate::stage::DEFAULT_CAPACITY, None)
        );
        let cli =
            Cli::try_parse_from(["automator", "--capacity", "2", "--rate-limit", "6/min"]).unwrap();
        assert_eq!(cli.capacity, 2);
        assert_eq!(
            cli.rate_limit.map(|limit| limit.to_string()).as_deref(),
            Some("6/min")
        );
        assert!(usage_error(&["--capacity", "0"]).contains("--capacity"));
        assert!(usage_error(&["--rate-limit", "fast"]).contains("N/min"));
    }

    #[test]
    fn the_largest_time_scale_is_accepted() {
        let cli = Cli::try_parse_from(["automator", "--time-scale", "100"]).unwrap();
        assert_eq!(cli.time_scale, Some(MAX_TIME_SCALE));
        // A negative threshold reaches the regression gate, whose error names the flag, rather
        // than being taken for an unknown flag `-5`.
        let cli = Cli::try_parse_from(["automator", "--threshold", "-5"]).unwrap();
        assert_eq!(cli.threshold, Some(-5.0));
    }

    #[test]
    fn bad_values_are_rejected_by_the_parser() {
        assert!(Cli::try_parse_from(["automator", "--max-tracks", "0"]).is_err());
        assert!(Cli::try_parse_from(["automator", "--faults", "meteor=1"]).is_err());
        assert!(Cli::try_parse_from(["automator", "--ab-test", "current"]).is_err());
        assert!(
            Cli::try_parse_from(["automator", "--warmup", "1"]).is_err(),
            "--warmup only means something for the preset commands"
        );
    }

    #[test]
    fn soak_flags_parse_and_the_gate_needs_a_soak() {
        let cli = Cli::try_parse_from([
            "automator",
            "--repeat",
            "20",
            "--duration",
            "10m",
            "--fail-on-leak",
            "50",
            "--restart-browser-every",
            "4",
        ])
        .unwrap();
        assert!(cli.is_soak());
        assert_eq!(cli.duration, Some(std::time::Duration::from_secs(600)));
        assert_eq!(
            (cli.repeat, cli.fail_on_leak, cli.restart_browser_every),
            (Some(20), Some(50.0), Some(4))
        );
        assert!(!Cli::try_parse_from(["automator"]).unwrap().is_soak());
        assert!(Cli::try_parse_from(["automator", "--fail-on-leak", "5"]).is_err());
        assert!(
            Cli::try_parse_from(["automator", "--repeat", "2", "--ab-test", "a", "b"]).is_err()
        );
    }

    #[test]
    fn warmup_defaults_to_none_and_goes_with_the_preset_commands() {
        let ab =
            Cli::try_parse_from(["automator", "--ab-test", "a", "b", "--warmup", "2"]).unwrap();
        assert_eq!(ab.warmup, 2);
        let baseline = Cli::try_parse_from(["automator", "--baseline-test", "a"]).unwrap();
        assert_eq!(baseline.warmup, 0);
    }
}
