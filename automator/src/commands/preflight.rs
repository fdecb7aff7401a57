//! What `automator` reads and checks before it writes anything: a rejected command line (an
//! unknown preset, a missing or corrupt baseline, a bad knobs file or site profile, a
//! chromedriver that is not there) is one line and exit code 2 with no report folder, trace
//! file or "Profile reports in…" line left behind.

use super::error::CommandError;
use super::preset_scope::PresetScope;
use super::profile_run::ProfiledRunPlan;
use super::run_inputs::prepare_run;
use super::setup::SetupInputs;
use crate::browser::chromedriver::check_chromedriver;
use crate::cli::Cli;
use crate::flow::{RunOptions, Target};

/// The outcome of the checks.
pub enum Checked {
    /// A command that writes nothing before its own checks pass (the stage, listing or
    /// showing baselines, comparing two saved files), or a preset command whose inputs were
    /// all read and found good (it reads them again when it starts).
    Command,
    /// A plain run or soak, ready to go.
    Run(Box<PreparedRun>),
}

/// Everything a plain run or soak needs, read and checked.
pub struct PreparedRun {
    /// The gate and exports around the run.
    pub plan: ProfiledRunPlan,
    pub options: RunOptions,
    pub target: Target,
    /// The configuration, with `--preset` applied.
    pub preset: PresetScope,
}

/// Reads and checks every input of `cli` in the order the command would, writing nothing.
pub fn preflight(cli: &Cli) -> Result<Checked, CommandError> {
    let runs_nothing = cli.command.is_some()
        || cli.list_baselines
        || cli.show_baseline.is_some()
        || (cli.compare.is_some() && cli.against.is_some());
    if runs_nothing {
        return Ok(Checked::Command);
    }
    if let Some(name) = &cli.baseline_test {
        super::baseline_test_runs(cli)?;
        SetupInputs::read(cli, &[name])?;
        check_browser(cli)?;
        return Ok(Checked::Command);
    }
    if let Some(names) = &cli.ab_test {
        super::ab_test_flags(cli)?;
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        SetupInputs::read(cli, &names)?;
        check_browser(cli)?;
        return Ok(Checked::Command);
    }
    if cli.scaling.is_some() {
        super::scaling_levels::check_scaling(cli)?;
        let presets: Vec<&str> = cli.preset.as_deref().into_iter().collect();
        SetupInputs::read(cli, &presets)?;
        check_browser(cli)?;
        return Ok(Checked::Command);
    }
    let plan = ProfiledRunPlan::prepare(cli, super::gate_flags(cli))?;
    let (options, knobs, target) =
        prepare_run(cli).map_err(|error| CommandError::Prepare(error.to_string()))?;
    let preset = PresetScope::enter(cli.preset.as_deref(), cli.baselines.as_deref(), knobs)?;
    check_browser(cli)?;
    Ok(Checked::Run(Box::new(PreparedRun {
        plan,
        options,
        target,
        preset,
    })))
}

/// The chromedriver this command will start, unless it drives a WebDriver endpoint.
fn check_browser(cli: &Cli) -> Result<(), CommandError> {
    match &cli.webdriver {
        Some(_) => Ok(()),
        None => Ok(check_chromedriver(&cli.chromedriver)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// The checks of `args`, with an executable chromedriver unless `args` name one.
    fn checked(args: &[&str]) -> Result<Checked, CommandError> {
        let mut argv = vec!["automator"];
        if !args.contains(&"--chromedriver") {
            argv.extend(["--chromedriver", "/bin/sh"]);
        }
        argv.extend_from_slice(args);
        preflight(&Cli::try_parse_from(argv).unwrap())
    }

    #[test]
    fn a_plain_run_is_prepared_with_its_preset() {
        let Ok(Checked::Run(run)) = checked(&["--preset", "current", "--max-tracks", "1"]) else {
            panic!("a good command line is prepared");
        };
        assert_eq!(run.preset.preset(), Some("current"));
        assert_eq!(run.options.max_tracks, Some(1));
        assert_eq!(run.options.chromedriver, std::path::Path::new("/bin/sh"));
    }

    #[test]
    fn every_kind_of_bad_input_is_found_before_anything_runs() {
        let folder = tempfile::tempdir().unwrap();
        let corrupt = folder.path().join("corrupt.json");
        std::fs::write(&corrupt, "{ not json").unwrap();
        let corrupt = corrupt.to_str().unwrap();
        for (args, expected) in [
            (&["--preset", "curent"][..], "curent"),
            (&["--ab-test", "current", "curent"], "curent"),
            (&["--baseline-test", "curent"], "curent"),
            (
                &["--compare", "/nonexistent/base.json"],
                "/nonexistent/base.json",
            ),
            (&["--compare", corrupt], "corrupt.json"),
            (&["--knobs", "/nonexistent/knobs.toml"], "knobs.toml"),
            (&["--site-profile", "/nonexistent/site.toml"], "site.toml"),
            (
                &["--chromedriver", "/nonexistent/chromedriver"],
                "/nonexistent/chromedriver",
            ),
        ] {
            let error = checked(args)
                .err()
                .unwrap_or_else(|| panic!("{args:?} passed"));
            let message = error.to_string();
            assert!(message.contains(expected), "{args:?}: {message}");
            assert_eq!(error.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn a_webdriver_endpoint_needs_no_chromedriver() {
        assert!(matches!(
            checked(&[
                "--chromedriver",
                "/nonexistent/cd",
                "--webdriver",
                "http://127.0.0.1:1"
            ]),
            Ok(Checked::Run(_))
        ));
        assert!(matches!(
            checked(&["--chromedriver", "/nonexistent/cd", "--list-baselines"]),
            Ok(Checked::Command)
        ));
    }
}
