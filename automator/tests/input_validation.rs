//! Bad input on the command line and in every input file: exit code 2, one line that names the
//! flag or the file, no panic, and no browser started (each run here ends before one would).

mod support;

use std::path::Path;

/// Runs `automator` in `directory` with `args` and returns its one error line.
fn usage_error(directory: &Path, args: &[&str]) -> String {
    let run = support::run_automator(directory, args, &[]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run.usage_error().to_string()
}

#[test]
fn negative_numbers_name_their_flag() {
    let directory = tempfile::tempdir().unwrap();
    for (args, flag) in [
        (&["--max-tracks", "-1"][..], "--max-tracks"),
        (&["--time-scale", "-1"], "--time-scale"),
        (&["--seed", "-1"], "--seed"),
        (&["stage", "--seed", "-1"], "--seed"),
    ] {
        let line = usage_error(directory.path(), args);
        assert!(line.contains(flag), "{args:?}: {line}");
        assert!(!line.contains("unexpected argument"), "{args:?}: {line}");
    }
}

#[test]
fn a_time_scale_too_large_for_a_timer_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let line = usage_error(
        directory.path(),
        &["--time-scale", "1e300", "--max-tracks", "1"],
    );
    assert!(
        line.contains("--time-scale") && line.contains("at most 100"),
        "{line}"
    );
    let line = usage_error(directory.path(), &["stage", "--time-scale", "1e300"]);
    assert!(
        line.contains("--time-scale") && line.contains("from 0 to 100"),
        "{line}"
    );
}

#[test]
fn a_knob_of_1e300_seconds_names_the_file_and_knob() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("knobs.toml"),
        "download_max_wait = 1e300\n",
    )
    .unwrap();
    let line = usage_error(directory.path(), &["--knobs", "knobs.toml"]);
    assert!(
        line.contains("knobs.toml") && line.contains("download_max_wait"),
        "{line}"
    );
    assert!(line.contains("at most 86400"), "{line}");
}

#[test]
fn the_most_negative_key_is_out_of_range() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("songs.yaml"),
        "songs:\n  - url: /custombackingtrack/the-night-owls/paper-moon-parade.html\n    key: -9223372036854775808\n",
    )
    .unwrap();
    let line = usage_error(directory.path(), &["--songs", "songs.yaml"]);
    assert!(
        line.contains("songs.yaml") && line.contains("song #1") && line.contains("`key`"),
        "{line}"
    );
    assert!(line.contains("±12"), "{line}");
}

#[test]
fn an_empty_partial_suffix_names_the_site_profile() {
    let directory = tempfile::tempdir().unwrap();
    let profile = automator::config::site_profile::DEFAULT_SITE_PROFILE
        .replace("partial_suffix = \".crdownload\"", "partial_suffix = \"\"");
    std::fs::write(directory.path().join("site.toml"), profile).unwrap();
    let line = usage_error(directory.path(), &["--site-profile", "site.toml"]);
    assert!(
        line.contains("site.toml") && line.contains("partial_suffix"),
        "{line}"
    );
}

#[test]
fn the_same_song_in_two_keys_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("songs.yaml"),
        "songs:\n  - url: /custombackingtrack/the-night-owls/paper-moon-parade.html\n    key: 2\n  - url: /custombackingtrack/the-night-owls/paper-moon-parade.html\n    key: -1\n",
    )
    .unwrap();
    let run = support::run_automator(
        directory.path(),
        &["--songs", "songs.yaml", "--time-scale", "0.05"],
        &[],
    );
    let line = run.usage_error();
    assert!(
        line.contains("paper-moon-parade.html") && line.contains("+2") && line.contains("-1"),
        "{line}"
    );
}
