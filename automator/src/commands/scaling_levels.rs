//! The inputs of `--scaling 1,2,4,8`, checked before any browser starts: the session counts
//! ([`parse_levels`], also clap's parser for the flag) and the repeats per level
//! ([`scaling_runs`]). Both are plain functions so a preflight step can call them too.

use super::error::CommandError;
use crate::cli::Cli;

/// The most sessions one level may ask for: the same bound as `--sessions`.
pub const MAX_LEVEL: usize = 64;

/// Measured runs per level when `--runs` is not given: three, the fewest that give an interval
/// with some width to trust; two is the fewest the statistics accept at all.
pub const DEFAULT_SCALING_RUNS: usize = 3;

/// The session counts of a scaling study, ascending, distinct, each in 1..=[`MAX_LEVEL`], at
/// least two of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalingLevels(pub Vec<usize>);

/// `1,2,4,8` → the levels, sorted ascending. The error is the one-line reason with the fix.
pub fn parse_levels(text: &str) -> Result<ScalingLevels, String> {
    let mut levels = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        match part.parse::<usize>() {
            Ok(level) if (1..=MAX_LEVEL).contains(&level) => levels.push(level),
            _ => {
                return Err(format!(
                    "`{part}` is not a session count: give whole numbers from 1 to {MAX_LEVEL} separated by commas, e.g. 1,2,4,8"
                ));
            }
        }
    }
    levels.sort_unstable();
    if let Some(pair) = levels.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(format!(
            "{} is given twice: give each session count once, e.g. 1,2,4,8",
            pair[0]
        ));
    }
    if levels.len() < 2 {
        return Err(
            "one session count is nothing to compare: give at least two, e.g. 1,2,4,8".into(),
        );
    }
    Ok(ScalingLevels(levels))
}

/// Measured runs per level from `--runs` (default [`DEFAULT_SCALING_RUNS`]): at least 2, since
/// throughput's interval and the knee's test need the spread across repeats.
pub fn scaling_runs(given: Option<u32>) -> Result<usize, CommandError> {
    match given {
        None => Ok(DEFAULT_SCALING_RUNS),
        Some(runs) if runs >= 2 => Ok(runs as usize),
        Some(runs) => Err(CommandError::BadFlag {
            flag: "--runs",
            problem: format!(
                "{runs} run(s) per level is too few for --scaling: give 2 or more (the intervals need a spread across repeats)"
            ),
        }),
    }
}

/// Every `--scaling` input of `cli` that can be checked without starting anything: the levels
/// (already parsed by clap) and `--runs`. `Ok(None)` when the command line is not a scaling
/// study.
pub fn check_scaling(cli: &Cli) -> Result<Option<(ScalingLevels, usize)>, CommandError> {
    let Some(levels) = &cli.scaling else {
        return Ok(None);
    };
    Ok(Some((levels.clone(), scaling_runs(cli.runs)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_sorted_and_spaces_are_allowed() {
        assert_eq!(
            parse_levels("4, 1,2").unwrap(),
            ScalingLevels(vec![1, 2, 4])
        );
        assert_eq!(parse_levels("1,64").unwrap(), ScalingLevels(vec![1, 64]));
    }

    #[test]
    fn zero_words_and_too_many_sessions_name_the_bad_part() {
        for (text, bad) in [
            ("0,2", "`0`"),
            ("x", "`x`"),
            ("1,,2", "``"),
            ("1,65", "`65`"),
        ] {
            let message = parse_levels(text).unwrap_err();
            assert!(message.starts_with(bad), "{text}: {message}");
            assert!(message.contains("e.g. 1,2,4,8"), "{message}");
        }
    }

    #[test]
    fn a_repeated_or_single_level_is_refused() {
        assert!(
            parse_levels("2,1,2")
                .unwrap_err()
                .starts_with("2 is given twice")
        );
        assert!(parse_levels("4").unwrap_err().contains("at least two"));
    }

    #[test]
    fn runs_default_to_three_and_fewer_than_two_are_refused() {
        assert_eq!(scaling_runs(None).unwrap(), DEFAULT_SCALING_RUNS);
        assert_eq!(scaling_runs(Some(2)).unwrap(), 2);
        let error = scaling_runs(Some(1)).unwrap_err();
        assert!(error.to_string().starts_with("--runs: 1 run(s)"), "{error}");
        assert_eq!(error.exit_code(), 2);
    }
}
