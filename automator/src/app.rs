//! What `automator` does with its command line: set up logging (and profiling with
//! `--profile`), run the automation or serve the stage, print the summary, and turn every
//! outcome into an exit code — 0 all ok, 1 some tracks failed, 2 bad input or setup.

use std::path::{Path, PathBuf};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::prelude::*;

use profiler::report::ReportError;
use profiler::{ProfilerHandle, ProfilerLayer};

use crate::cli::{Cli, Command};
use crate::commands::{self, CommandError, PresetScope};
use crate::config::{
    Credentials, CredentialsError, Knobs, SiteProfile, SiteProfileError, SongsError, load_songs,
};
use crate::flow::progress::{LogWriter, print_line};
use crate::flow::{RunError, RunOptions, Target};
use crate::log_line::{LogLine, is_for_people};
use crate::profiling::ProfileReports;
use crate::stage::{StageConfig, StageError, run_standalone};

/// Exit code of a run where every track was downloaded.
pub const EXIT_OK: u8 = 0;
/// Exit code of a run where some track or song failed.
pub const EXIT_FAILED_TRACKS: u8 = 1;
/// Exit code of bad input or a setup problem.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Everything that stops `automator` before or instead of a run (exit code 2). Each message is
/// one line naming the file or flag and what to do.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
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
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Stage(#[from] StageError),
    #[error(
        "{flag} is not available in this build yet (presets and A/B tests arrive with the baselines work)"
    )]
    NotAvailable { flag: &'static str },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error(transparent)]
    Reports(#[from] ReportError),
    #[error(transparent)]
    Command(#[from] CommandError),
}

/// Runs the command line and returns the process exit code.
pub fn main(cli: Cli) -> u8 {
    let observed = match install_subscriber(
        commands::needs_profiler(&cli),
        cli.profile,
        commands::quiet_log_filter(&cli),
    ) {
        Ok(observed) => observed,
        Err(error) => return report_error(&AppError::Reports(error)),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return report_error(&AppError::Runtime(error)),
    };
    let result = runtime.block_on(dispatch(&cli, observed.profiler.as_ref()));
    drop(runtime);
    let code = match result {
        Ok(code) => code,
        Err(error) => report_error(&error),
    };
    match (&observed.reports, &observed.profiler) {
        (Some(reports), Some(profiler)) => code.max(write_profile_reports(reports, profiler)),
        _ => code,
    }
}

/// Writes the `--profile` reports (also after a failed or interrupted run) and prints where
/// they are; a report that cannot be written is a setup error (exit code 2).
fn write_profile_reports(reports: &ProfileReports, profiler: &ProfilerHandle) -> u8 {
    match reports.write(profiler) {
        Ok([text, json, trace, html]) => {
            print_line(&format!(
                "Profile reports in {}:\n  text report:  {}\n  json report:  {}\n  chrome trace: {}\n  html report:  {}",
                reports.dir().display(),
                text.display(),
                json.display(),
                trace.display(),
                html.display()
            ));
            EXIT_OK
        }
        Err(error) => report_error(&AppError::Reports(error)),
    }
}

fn report_error(error: &AppError) -> u8 {
    if let AppError::Command(error) = error {
        return commands::report(error);
    }
    eprintln!("error: {error}");
    EXIT_BAD_INPUT
}

/// The profiling installed for this command line.
struct Observed {
    /// The profiler layer's handle, when the command line needs it (`--profile`, the preset
    /// commands, the regression gate).
    profiler: Option<ProfilerHandle>,
    /// The Chrome trace and report files of `--profile`.
    reports: Option<ProfileReports>,
}

/// Logs go to stderr above the progress bar (`RUST_LOG` overrides the default level); the
/// profiler layer is only installed when the command line needs it, and the Chrome trace only
/// with `--profile`.
fn install_subscriber(
    with_profiler: bool,
    with_reports: bool,
    quiet_filter: Option<&str>,
) -> Result<Observed, ReportError> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(quiet_filter.unwrap_or("warn,automator=info")));
    let logs = tracing_subscriber::fmt::layer()
        .event_format(LogLine)
        .with_writer(LogWriter)
        .with_filter(filter.and(filter_fn(is_for_people)));
    let (profiler_layer, profiler) =
        match with_profiler.then(|| ProfilerLayer::new(profiler::Config::default())) {
            Some((layer, handle)) => (Some(layer), Some(handle)),
            None => (None, None),
        };
    let (trace_layer, reports) = match with_reports {
        true => {
            let (layer, reports) = ProfileReports::start()?;
            (Some(layer), Some(reports))
        }
        false => (None, None),
    };
    let registry = tracing_subscriber::registry()
        .with(logs)
        .with(profiler_layer)
        .with(trace_layer);
    if let Err(error) = registry.try_init() {
        eprintln!("warning: logging was already set up: {error}");
        return Ok(Observed {
            profiler: None,
            reports: None,
        });
    }
    Ok(Observed { profiler, reports })
}

async fn dispatch(cli: &Cli, profiler: Option<&ProfilerHandle>) -> Result<u8, AppError> {
    if let Some(Command::Stage(args)) = &cli.command {
        run_standalone(args.clone()).await?;
        return Ok(EXIT_OK);
    }
    if let Some(code) = commands::dispatch(cli, profiler).await {
        return Ok(code);
    }
    // The gate's and exports' inputs are checked before anything starts a browser.
    let plan = commands::ProfiledRunPlan::prepare(cli, commands::gate_flags(cli))?;
    let (options, knobs, target) = prepare_run(cli)?;
    let preset = PresetScope::enter(cli.preset.as_deref(), cli.baselines.as_deref(), knobs)?;
    let (all_ok, gate) =
        commands::run_profiled(&plan, profiler, &options, &preset.knobs(), &target).await?;
    if let Some(restored) = preset.finish()? {
        print_line(&restored);
    }
    Ok(if !all_ok { EXIT_FAILED_TRACKS } else { gate })
}

/// Reads every input of a run (songs, credentials, knobs, site profile) into its options,
/// failing on the first bad one.
pub fn prepare_run(cli: &Cli) -> Result<(RunOptions, Knobs, Target), AppError> {
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
                return Err(AppError::NoSongsFile);
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
        ..RunOptions::default()
    };
    Ok((options, knobs, target))
}

/// A TOML file of knob overrides on top of the default configuration.
fn load_knobs(path: &Path) -> Result<Knobs, AppError> {
    let text = std::fs::read_to_string(path).map_err(|error| AppError::Knobs {
        path: path.to_path_buf(),
        location: String::new(),
        message: error.to_string(),
    })?;
    let knobs: Knobs = toml::from_str(&text).map_err(|error| AppError::Knobs {
        path: path.to_path_buf(),
        location: error
            .span()
            .map(|span| format!(" line {}", text[..span.start].matches('\n').count() + 1))
            .unwrap_or_default(),
        message: error.message().to_string(),
    })?;
    knobs.validate().map_err(|error| AppError::Knobs {
        path: path.to_path_buf(),
        location: String::new(),
        message: error.to_string(),
    })?;
    Ok(knobs)
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
