//! What follows a profiled single run: the HTML report beside the text, JSON and trace
//! reports, `--save-baseline`, and `--compare` of this run against a baseline.

use std::path::{Path, PathBuf};

use profiler::Profile;
use profiler::baseline::PerformanceBaseline;

use super::error::CommandError;
use super::paths::{PERFORMANCE_DIR, Stamp, write_file};
use super::regression_gate::{compare_to_baseline, save_baseline};
use crate::cli::Cli;
use crate::flow::progress::print_line;

/// Writes the self-contained HTML report of `profile` to `path`
/// (`logs/performance/performance_<stamp>.html`).
pub fn write_profile_html(profile: &Profile, path: &Path) -> Result<PathBuf, CommandError> {
    write_file(path, &profiler::html::render_profile(profile))?;
    Ok(path.to_path_buf())
}

/// The HTML report of a `--profile` run, then `--save-baseline` and `--compare` for the run
/// just profiled; returns the gate's exit code (0 without `--compare`).
pub fn after_profiled_run(cli: &Cli, profile: &Profile) -> Result<u8, CommandError> {
    if cli.profile {
        let path = Path::new(PERFORMANCE_DIR).join(format!("performance_{}.html", Stamp::now().file));
        write_profile_html(profile, &path)?;
        print_line(&format!("HTML report: {}", path.display()));
    }
    let mut exit_code = 0;
    // Compare before saving, so `--compare X --save-baseline X` checks against the old X.
    if let Some(argument) = &cli.compare {
        let current = PerformanceBaseline::from_profile("this run", profile);
        let outcome = compare_to_baseline(argument, &current, &super::gate_flags(cli))?;
        print_line(&outcome.text);
        exit_code = outcome.exit_code;
    }
    if let Some(argument) = &cli.save_baseline {
        let path = save_baseline(argument, profile)?;
        print_line(&format!("Saved the performance baseline: {}", path.display()));
    }
    Ok(exit_code)
}
