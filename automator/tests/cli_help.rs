//! `--help`: grouped under the documented headings in order, wrapped to the width the terminal
//! (here `COLUMNS`) gives, defaults written one way, short with `-h` and detailed with
//! `--help`, and every "implies" it states is what the program does.

use clap::Parser;

use automator::cli::{Cli, HEADINGS};

/// The help printed by `automator <flag>` with `COLUMNS=<columns>` (stdout is a pipe here, so
/// clap takes the width from `COLUMNS`).
fn help(flag: &str, columns: usize) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_automator"))
        .arg(flag)
        .env("COLUMNS", columns.to_string())
        .env_remove("AUTOMATOR_CHROMEDRIVER")
        .output()
        .expect("the automator binary runs");
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

/// The position of each heading line (`Run:`) in `text`.
fn heading_lines(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            line.strip_suffix(':')
                .is_some_and(|heading| HEADINGS.contains(&heading))
        })
        .collect()
}

#[test]
fn flags_are_grouped_under_the_headings_in_order() {
    for flag in ["-h", "--help"] {
        let text = help(flag, 80);
        let found: Vec<&str> = heading_lines(&text)
            .iter()
            .map(|(_, line)| line.trim_end_matches(':'))
            .collect();
        assert_eq!(found, HEADINGS, "{flag}:\n{text}");
        let options = text.find("\nOptions:\n").unwrap();
        let options_block = &text[options..text.find("\nRun:\n").unwrap()];
        assert!(
            options_block.contains("--help") && !options_block.contains("--profile"),
            "only help and version stand outside the headings:\n{options_block}"
        );
    }
}

#[test]
fn every_flag_sits_under_a_heading() {
    let command = <Cli as clap::CommandFactory>::command();
    let loose: Vec<&str> = command
        .get_arguments()
        .filter(|arg| {
            arg.get_long()
                .is_some_and(|long| long != "help" && long != "version")
        })
        .filter(|arg| {
            arg.get_help_heading()
                .is_none_or(|h| !HEADINGS.contains(&h))
        })
        .filter_map(|arg| arg.get_long())
        .collect();
    assert!(loose.is_empty(), "flags without a heading: {loose:?}");
}

#[test]
fn help_wraps_to_the_given_width() {
    for flag in ["-h", "--help"] {
        let text = help(flag, 80);
        let too_long: Vec<&str> = text
            .lines()
            .filter(|line| line.chars().count() > 80)
            .collect();
        assert!(too_long.is_empty(), "{flag} at 80 columns: {too_long:#?}");
        let wide = help(flag, 200);
        let longest = wide.lines().map(|line| line.chars().count()).max();
        assert!(
            longest > Some(120),
            "{flag} uses a wide terminal ({longest:?} columns)"
        );
    }
}

#[test]
fn short_help_is_one_line_per_flag_and_long_help_has_the_details() {
    let short = help("-h", 100);
    let long = help("--help", 100);
    assert!(short.lines().count() * 2 < long.lines().count());
    for detail in [
        "Early stop",
        "Benjamini–Hochberg",
        "Theil–Sen",
        "speedscope",
    ] {
        assert!(!short.contains(detail), "-h shows {detail:?}");
        assert!(long.contains(detail), "--help lacks {detail:?}");
    }
}

#[test]
fn defaults_are_written_one_way() {
    for flag in ["-h", "--help"] {
        let text = help(flag, 100);
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(!flat.contains("(default"), "{flag}");
        let prose = flat
            .match_indices("default:")
            .filter(|(at, _)| !flat[..*at].ends_with('['));
        assert_eq!(prose.count(), 0, "{flag}: a default outside `[default: …]`");
        for default in [
            "[default: downloads]",
            "[default: logs/session.json]",
            "[default: /usr/bin/chromedriver]",
            "[default: none]",
            "[default: 0]",
            "[default: 20]",
            "[default: 1; 0.03 for --ab-test and --baseline-test against the stage]",
            "[default: 3 for --baseline-test and --scaling (at least 2), 8 for --ab-test, 1 otherwise]",
        ] {
            assert!(flat.contains(default), "{flag} lacks {default}");
        }
    }
}

#[test]
fn the_profile_help_names_every_report_it_writes() {
    let long = help("--help", 100);
    let start = long.find("--profile").unwrap();
    let profile = &long[start..start + long[start..].find("--max-tracks").unwrap()];
    let profile = profile.split_whitespace().collect::<Vec<_>>().join(" ");
    for report in [
        "performance_<stamp>.log (text)",
        ".json",
        ".html",
        "trace_<stamp>.json (Chrome trace",
    ] {
        assert!(profile.contains(report), "{report}: {profile}");
    }
}

/// Each flag whose help says "implies --profile" writes the profile reports.
#[test]
fn every_implies_in_the_help_holds() {
    let long = help("--help", 1000);
    let implying: Vec<&str> = long
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|pair| pair[1].contains("(implies --profile)"))
        .filter_map(|pair| pair[0].split_whitespace().next())
        .collect();
    assert_eq!(implying, ["--save-baseline", "--compare"]);
    for flag in implying {
        let cli = Cli::try_parse_from(["automator", flag, "nightly"]).unwrap();
        assert!(!cli.profile);
        assert!(
            automator::commands::writes_profile_reports(&cli),
            "{flag} writes no profile reports"
        );
    }
    let files_only =
        Cli::try_parse_from(["automator", "--compare", "a.json", "--against", "b.json"]).unwrap();
    assert!(
        !automator::commands::writes_profile_reports(&files_only),
        "comparing two files runs nothing, so there is no profile to report"
    );
    let listing = Cli::try_parse_from(["automator", "--profile", "--list-baselines"]).unwrap();
    assert!(!automator::commands::writes_profile_reports(&listing));
}

#[test]
fn the_design_card_flags_keep_their_spelling() {
    let short = help("-h", 100);
    for flag in ["--profile", "--ab-test <A> <B>", "--list-baselines"] {
        assert!(short.contains(flag), "{flag}");
    }
}

#[test]
fn baseline_is_the_criterion_spelling_of_compare() {
    let criterion = Cli::try_parse_from(["automator", "--baseline", "nightly"]).unwrap();
    let ours = Cli::try_parse_from(["automator", "--compare", "nightly"]).unwrap();
    assert_eq!(criterion.compare, ours.compare);
    assert_eq!(criterion.compare.as_deref(), Some("nightly"));
    assert!(
        Cli::try_parse_from(["automator", "--baseline", "a", "--compare", "b"]).is_err(),
        "one baseline per comparison"
    );
    assert!(help("-h", 100).contains("[alias: --baseline]"));
}

/// `automator -h` in a real terminal (a pseudo-terminal of 70 columns made by util-linux's
/// `script`), with or without `NO_COLOR`: the text without its escape sequences and carriage
/// returns, and whether it had any.
fn help_in_a_terminal(no_color: bool) -> (String, bool) {
    let mut command = std::process::Command::new("script");
    command
        .args([
            "-qec",
            &format!(
                "stty cols 70 rows 30; '{}' -h",
                env!("CARGO_BIN_EXE_automator")
            ),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null())
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR");
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let output = command.output().expect("util-linux `script` runs");
    let raw = String::from_utf8(output.stdout).unwrap();
    let mut plain = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI … final byte (a letter).
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            '\r' => {}
            c => plain.push(c),
        }
    }
    (plain, raw.contains('\u{1b}'))
}

#[test]
fn in_a_terminal_help_wraps_to_its_width_and_no_color_turns_styles_off() {
    let (plain, styled) = help_in_a_terminal(false);
    assert!(plain.contains("Regression gate:"), "{plain}");
    let too_long: Vec<&str> = plain
        .lines()
        .filter(|line| line.chars().count() > 70)
        .collect();
    assert!(too_long.is_empty(), "a 70-column terminal: {too_long:#?}");
    assert!(styled, "headings are styled on a terminal");
    let (plain, styled) = help_in_a_terminal(true);
    assert!(plain.contains("Regression gate:"), "{plain}");
    assert!(!styled, "NO_COLOR: no escape sequences");
}
