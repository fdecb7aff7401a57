//! Signals, kills and secrets against real headless Chromium: SIGTERM and SIGHUP stop a run in
//! order (reports written, exit 128 + signal, nothing left behind); after a SIGKILL of the
//! automator's process group no browser process survives and the next start removes what a
//! killed run left; no child process carries the credentials; the session file is private;
//! an HTTP 500 right after the login does not abort the run.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::{
    SIMPLE_SONG, files_under, run_automator, spawn_automator, wait_for_first_file, write_songs,
};

const USERNAME: &str = "someone@example.com";
const PASSWORD: &str = "hunter2-not-for-children";

/// Arguments of a short run of one song; `TMPDIR` points into the test's folder so Chromium's
/// profile folder can be checked.
fn short_run<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--songs",
        "songs.yaml",
        "--max-tracks",
        "2",
        "--time-scale",
        "0.05",
    ];
    args.extend_from_slice(extra);
    args
}

fn environment(tmp: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("TMPDIR", tmp.display().to_string()),
        ("KV_USERNAME", USERNAME.to_string()),
        ("KV_PASSWORD", PASSWORD.to_string()),
    ]
}

fn borrowed<'a>(environment: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    environment
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

/// The names in `folder` that start with `prefix`.
fn named(folder: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default()
}

/// A pid no process has (a reaped child's).
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Live (not zombie) processes of process group `group`.
fn group_members(group: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                let fields: Vec<&str> = stat
                    .rsplit_once(')')
                    .map(|(_, rest)| rest.split_whitespace().collect())
                    .unwrap_or_default();
                // After the command: state, ppid, pgrp.
                fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string()
            })
        })
        .collect()
}

/// Waits until every `folder` is gone (5 s at most); returns those still there.
fn still_there(folders: &[PathBuf]) -> Vec<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<PathBuf> = folders.iter().filter(|f| f.exists()).cloned().collect();
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops a `--profile` run with `signal` after its first file and checks the orderly stop.
fn stop_with(signal: libc::c_int, expected_code: i32) {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let tmp = directory.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    write_songs(directory.path(), &[SIMPLE_SONG]);
    let environment = environment(&tmp);
    let running = spawn_automator(
        directory.path(),
        &short_run(&["--profile"]),
        &borrowed(&environment),
    );
    let first_file = wait_for_first_file(&directory.path().join("downloads"));
    let automator = running.child.id();
    let children: Vec<u32> = running
        .processes()
        .into_iter()
        .filter(|pid| *pid != automator)
        .collect();
    assert!(
        children.len() >= 3,
        "chromedriver, Chromium and its helpers run: {children:?}"
    );
    for pid in &children {
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        let text = String::from_utf8_lossy(&environ);
        assert!(
            !text.contains("KV_USERNAME")
                && !text.contains("KV_PASSWORD")
                && !text.contains(PASSWORD),
            "process {pid} inherited the credentials"
        );
    }
    let run = running.signal_and_wait(signal);
    assert_eq!(
        run.code,
        Some(expected_code),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run.printed("(interrupted)").printed("Profile reports in");
    assert!(
        first_file.is_file(),
        "a file downloaded before the signal is kept"
    );
    let reports = files_under(&directory.path().join("logs/performance"));
    for suffix in [".log", ".json", ".html"] {
        assert!(
            reports
                .iter()
                .any(|path| path.to_string_lossy().ends_with(suffix)),
            "a {suffix} report was written: {reports:?}"
        );
    }
    assert_eq!(
        named(&directory.path().join("downloads"), ".incoming-"),
        Vec::<String>::new()
    );
    assert_eq!(named(&tmp, "automator-chromium-"), Vec::<String>::new());
    let session = directory.path().join("logs/session.json");
    let mode = std::fs::metadata(&session).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} holds a session cookie", session.display());
    for output in [&run.stdout, &run.stderr] {
        assert!(!output.contains(PASSWORD));
    }
}

#[test]
fn sigterm_stops_the_run_in_order_and_exits_143() {
    stop_with(libc::SIGTERM, 143);
}

#[test]
fn sighup_stops_the_run_in_order_and_exits_129() {
    stop_with(libc::SIGHUP, 129);
}

#[test]
fn after_a_sigkill_of_the_process_group_nothing_survives_and_the_next_start_cleans_up() {
    // Alone: it judges how long the browser outlives the kill (under 5 s).
    let _lock = support::timing_lock();
    let directory = tempfile::tempdir().unwrap();
    let tmp = directory.path().join("tmp");
    let downloads = directory.path().join("downloads");
    std::fs::create_dir_all(&tmp).unwrap();
    write_songs(directory.path(), &[SIMPLE_SONG]);
    let environment = environment(&tmp);
    let mut running = spawn_automator(directory.path(), &short_run(&[]), &borrowed(&environment));
    wait_for_first_file(&downloads);
    let pid = running.child.id();
    let folders: Vec<PathBuf> = named(&tmp, "automator-chromium-")
        .into_iter()
        .map(|name| tmp.join(name))
        .chain(
            named(&downloads, ".incoming-")
                .into_iter()
                .map(|name| downloads.join(name)),
        )
        .collect();
    assert_eq!(
        folders.len(),
        2,
        "a profile and an incoming folder: {folders:?}"
    );
    // Chromium's renderers and zygotes carry no environment marker, but stay in chromedriver's
    // process group.
    let chromedriver_group = running
        .processes()
        .into_iter()
        .find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "chromedriver")
        })
        .expect("chromedriver runs");
    assert!(group_members(chromedriver_group).len() >= 3);
    // SAFETY: killpg(2) on the group of a child we own; no memory is involved.
    unsafe {
        libc::killpg(pid as libc::pid_t, libc::SIGKILL);
    }
    running.child.wait().unwrap();
    let killed_at = Instant::now();
    support::assert_no_processes_marked(&running.marker);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !group_members(chromedriver_group).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        group_members(chromedriver_group),
        Vec::<u32>::new(),
        "chromedriver's group"
    );
    let seconds = killed_at.elapsed().as_secs_f64();
    assert!(
        seconds < 5.0,
        "the browser outlived the automator by {seconds:.1} s"
    );
    assert_eq!(
        still_there(&folders),
        Vec::<PathBuf>::new(),
        "the watchdog removes the folders"
    );

    // A run killed together with its watchdog leaves its folders; the next start removes
    // them, and keeps the folders of a run still going (this test process stands in for it).
    let dead = dead_pid();
    let alive = std::process::id();
    let stale = [
        tmp.join(format!("automator-chromium-{dead}-abcdef")),
        downloads.join(format!(".incoming-{dead}-abcdef")),
    ];
    let live = [
        tmp.join(format!("automator-chromium-{alive}-abcdef")),
        downloads.join(format!(".incoming-{alive}-abcdef")),
    ];
    for folder in stale.iter().chain(&live) {
        std::fs::create_dir_all(folder.join("Default")).unwrap();
        std::fs::write(folder.join("Default/Web Data"), USERNAME).unwrap();
    }
    let next = run_automator(
        directory.path(),
        &[
            "--songs",
            "songs.yaml",
            "--max-tracks",
            "1",
            "--time-scale",
            "0.05",
        ],
        &borrowed(&environment),
    );
    next.succeeded();
    assert!(
        stale.iter().all(|folder| !folder.exists()),
        "{stale:?} removed"
    );
    assert!(live.iter().all(|folder| folder.exists()), "{live:?} kept");
}

/// The reproduction: an HTTP 500 on the page right after a successful login made the
/// retry look for the "Log in" link while already logged in (exit 2).
#[test]
fn an_http_500_right_after_the_login_does_not_stop_the_run() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let run = run_automator(
        directory.path(),
        &[
            "--time-scale",
            "0.05",
            "--faults",
            "http500=0.1",
            "--seed",
            "4",
            "--max-tracks",
            "1",
        ],
        &[],
    );
    run.succeeded().printed("tracks downloaded, 0 failed");
}

/// The exit code of an interrupted run is the same in every mode: SIGTERM during a baseline
/// test exits 143 (as `--profile` does), after restoring the configuration.
#[test]
fn sigterm_during_a_baseline_test_exits_143_and_restores_the_configuration() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    write_songs(directory.path(), &[SIMPLE_SONG]);
    let running = spawn_automator(
        directory.path(),
        &short_run(&["--baseline-test", "current", "--runs", "3"]),
        &[],
    );
    wait_for_first_file(&directory.path().join("downloads"));
    let run = running.signal_and_wait(libc::SIGTERM);
    assert_eq!(
        run.code,
        Some(143),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run.printed("Configuration restored");
    assert!(
        run.stderr.contains("error: interrupted by SIGTERM"),
        "{}",
        run.stderr
    );
}
