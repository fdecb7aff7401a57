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

/// Every path and name the folder's contents were before `automator` ran in it.
fn snapshot(directory: &Path) -> Vec<std::path::PathBuf> {
    let mut entries = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path.clone());
            }
            entries.push(path);
        }
    }
    entries.sort();
    entries
}

/// A rejected command line is one line and exit 2, and writes nothing: no report folder, no
/// trace, no "Profile reports in…", whichever input is bad and whatever it was combined with.
#[test]
fn a_rejected_command_line_writes_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let folder = directory.path();
    std::fs::write(folder.join("corrupt.json"), "{ \"keys\": [1, 2").unwrap();
    std::fs::write(folder.join("knobs.toml"), "solo_wait = \"sometimes\"\n").unwrap();
    std::fs::write(folder.join("site.toml"), "selectors = 3\n").unwrap();
    std::fs::write(folder.join("songs.yaml"), "songs: 12\n").unwrap();
    let before = snapshot(folder);
    for (args, named) in [
        (&["--profile", "--preset", "curent"][..], "curent"),
        (&["--preset", "curent", "--repeat", "2"], "curent"),
        (&["--profile", "--ab-test", "current", "curent"], "curent"),
        (&["--profile", "--baseline-test", "curent"], "curent"),
        (
            &["--profile", "--compare", "no_such_baseline"],
            "no_such_baseline",
        ),
        (&["--baseline", "corrupt.json"], "corrupt.json"),
        (
            &["--save-baseline", "nightly", "--knobs", "knobs.toml"],
            "knobs.toml",
        ),
        (&["--profile", "--knobs", "knobs.toml"], "knobs.toml"),
        (&["--profile", "--site-profile", "site.toml"], "site.toml"),
        (&["--profile", "--songs", "songs.yaml"], "songs.yaml"),
        (&["--profile", "--knobs", "missing.toml"], "missing.toml"),
        (
            &["--profile", "--chromedriver", "/nonexistent/cd"],
            "/nonexistent/cd",
        ),
        (
            &["--profile", "--export-junit", "gate.xml"],
            "--export-junit",
        ),
        (&["--profile", "--runs", "0"], "--runs"),
    ] {
        let run = support::run_automator(folder, args, &[]);
        let line = run.usage_error();
        assert!(line.contains(named), "{args:?}: {line}");
        assert!(run.stdout.is_empty(), "{args:?} printed:\n{}", run.stdout);
        assert_eq!(snapshot(folder), before, "{args:?} wrote into the folder");
    }
}

#[test]
fn a_missing_chromedriver_is_one_line_before_anything_starts() {
    let directory = tempfile::tempdir().unwrap();
    let run = support::run_automator(
        directory.path(),
        &["--profile", "--chromedriver", "/nonexistent/chromedriver"],
        &[],
    );
    let line = run.usage_error();
    assert!(
        line.contains("chromedriver not found at /nonexistent/chromedriver")
            && line.contains("--chromedriver"),
        "{line}"
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let plain_file = elsewhere.path().join("chromedriver");
    std::fs::write(&plain_file, "not a program").unwrap();
    let plain_file = plain_file.to_str().unwrap();
    let from_environment = support::run_automator(
        directory.path(),
        &["--max-tracks", "1"],
        &[("AUTOMATOR_CHROMEDRIVER", plain_file)],
    );
    let line = from_environment.usage_error();
    assert!(
        line.contains(&format!("{plain_file} is not an executable file")),
        "{line}"
    );
    assert!(snapshot(directory.path()).is_empty());
}

/// `--baseline NAME` (criterion's spelling) and `--compare NAME` are the same flag: the same
/// baseline is read and the same comparison printed.
#[test]
fn baseline_and_compare_compare_alike() {
    let directory = tempfile::tempdir().unwrap();
    let missing = |flag: &str| {
        support::run_automator(directory.path(), &[flag, "nightly"], &[])
            .usage_error()
            .to_string()
    };
    assert_eq!(missing("--baseline"), missing("--compare"));
    assert!(missing("--baseline").contains("no baseline named `nightly`"));

    let empty = profiler::baseline::PerformanceBaseline::from_profiles("empty", &[]);
    empty.save(&directory.path().join("a.json")).unwrap();
    empty.save(&directory.path().join("b.json")).unwrap();
    let compared = |flag: &str| {
        let run = support::run_automator(
            directory.path(),
            &[flag, "a.json", "--against", "b.json"],
            &[],
        );
        run.succeeded();
        run.stdout
    };
    let criterion = compared("--baseline");
    assert!(criterion.starts_with("Regression gate"), "{criterion}");
    assert_eq!(criterion, compared("--compare"));
}
