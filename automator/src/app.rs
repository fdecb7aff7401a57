//! What `automator` does with its command line: check every input it names (writing nothing
//! until they all pass), set up logging (and profiling with `--profile`), run the automation or serve the stage, print the summary, and turn every
//! outcome into an exit code — 0 all ok, 1 some tracks failed, 2 bad input or setup, 128 + the
//! signal's number when SIGINT, SIGTERM or SIGHUP interrupted the run (130, 143, 129).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::prelude::*;

use profiler::html::RunContext;
use profiler::report::ReportError;
use profiler::{ProfilerHandle, ProfilerLayer};

use crate::cli::{Cli, Command};
use crate::commands::preflight::{Checked, PreparedRun, preflight};
use crate::commands::{self, CommandError, ProfiledRunEnd};
use crate::flow::Rounds;
use crate::flow::RunError;
use crate::flow::progress::{LogWriter, print_line};
use crate::log_line::{LogLine, is_for_people};
use crate::profiling::ProfileReports;
use crate::signals;
use crate::soak::command::SoakSettings;
use crate::soak::run_soak;
use crate::stage::{StageError, run_standalone};

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
    // Nothing is written (no report folder, no trace, no "Profile reports in…") before every
    // input the command line names has been read and checked.
    let checked = match preflight(&cli) {
        Ok(checked) => checked,
        Err(error) => return commands::report(&error),
    };
    let observed = match install_subscriber(
        commands::needs_profiler(&cli),
        commands::writes_profile_reports(&cli),
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
    let mut soak_memory = None;
    let result = runtime.block_on(dispatch(
        &cli,
        checked,
        observed.profiler.as_ref(),
        &mut soak_memory,
    ));
    drop(runtime);
    let code = match result {
        Ok(code) => code,
        Err(error) => report_error(&error),
    };
    match (&observed.reports, &observed.profiler) {
        (Some(reports), Some(profiler)) => {
            let mut context = run_context(&cli);
            if let Some(memory) = soak_memory {
                context = context.memory(memory);
            }
            code.max(write_profile_reports(reports, profiler, context))
        }
        _ => code,
    }
}

/// Writes the `--profile` reports (also after a failed or interrupted run) and prints where
/// they are. A report that cannot be written is a warning naming the file and the reason;
/// it does not change the run's exit code.
fn write_profile_reports(
    reports: &ProfileReports,
    profiler: &ProfilerHandle,
    context: RunContext,
) -> u8 {
    let written = reports.write(profiler, context);
    let listed = [
        ("text report: ", &written.log),
        ("json report: ", &written.json),
        ("chrome trace:", &written.trace),
        ("html report: ", &written.html),
    ];
    let lines: Vec<String> = listed
        .iter()
        .filter_map(|(label, path)| Some(format!("\n  {label} {}", path.as_ref()?.display())))
        .collect();
    if !lines.is_empty() {
        print_line(&format!(
            "Profile reports in {}:{}",
            reports.dir().display(),
            lines.concat()
        ));
    }
    for failed in &written.failed {
        eprintln!("warning: report not written: {failed}");
    }
    EXIT_OK
}

/// What the HTML report's header says about the run beyond the profile: preset (when one
/// was named), time scale, target, knobs file.
fn run_context(cli: &Cli) -> RunContext {
    let mut context = RunContext::default().time_scale(cli.time_scale.unwrap_or(1.0));
    if let Some(preset) = &cli.preset {
        context = context.preset(preset);
    }
    context = context.target(match &cli.site {
        Some(url) => url.clone(),
        None => "stage (embedded replica)".to_owned(),
    });
    if let Some(knobs) = &cli.knobs {
        context = context.fact("knobs file", knobs.display().to_string());
    }
    context
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
    let (profiler_layer, profiler) = match with_profiler.then(|| {
        // The trace (composed after the profiler) takes the profiler's span times.
        ProfilerLayer::new(profiler::Config::default().share_span_times(with_reports))
    }) {
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

/// Runs the command; a soak leaves its memory series in `soak_memory` for the HTML report.
async fn dispatch(
    cli: &Cli,
    checked: Checked,
    profiler: Option<&ProfilerHandle>,
    soak_memory: &mut Option<profiler::soak::MemoryOverRun>,
) -> Result<u8, AppError> {
    if let Some(Command::Stage(args)) = &cli.command {
        run_standalone(args.clone()).await?;
        return Ok(EXIT_OK);
    }
    // From here on SIGINT, SIGTERM and SIGHUP stop the command in order (see `signals`).
    let _signals = signals::Listener::install().inspect_err(|error| {
        tracing::warn!("cannot listen for Ctrl-C, SIGTERM and SIGHUP: {error}")
    });
    let run = match checked {
        Checked::Run(run) => *run,
        // Every command line the checks leave to a command is one `commands::dispatch` runs.
        Checked::Command => {
            return Ok(commands::dispatch(cli, profiler)
                .await
                .unwrap_or(EXIT_BAD_INPUT));
        }
    };
    let PreparedRun {
        plan,
        options,
        target,
        preset,
    } = run;
    if cli.is_soak() {
        let settings = SoakSettings {
            rounds: Rounds {
                repeat: cli.repeat,
                duration: cli.duration,
                restart_browser_every: cli.restart_browser_every,
            },
            fail_on_leak_mb: cli.fail_on_leak,
            report_dir: None,
        };
        let end = run_soak(&options, &preset.knobs(), &target, &settings, profiler).await?;
        *soak_memory = Some(end.memory);
        let code = end.code;
        if let Some(restored) = preset.finish()? {
            print_line(&restored);
        }
        return Ok(match signals::received() {
            Some(signal) => signal.exit_code(),
            None => code,
        });
    }
    let end = commands::run_profiled(&plan, profiler, &options, &preset.knobs(), &target).await?;
    if let Some(restored) = preset.finish()? {
        print_line(&restored);
    }
    Ok(match end {
        ProfiledRunEnd::Interrupted => signals::interrupted_exit_code(),
        ProfiledRunEnd::Finished { all_ok: false, .. } => EXIT_FAILED_TRACKS,
        ProfiledRunEnd::Finished { gate_exit_code, .. } => gate_exit_code,
    })
}
