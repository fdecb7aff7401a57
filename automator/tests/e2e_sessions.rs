//! Several browser sessions (`--sessions N`) against real headless Chromium and the stage:
//! two sessions file exactly the files one session files, each song in its own folder with no
//! wrong mix; the piped lines name the session; the trace shows the sessions overlapping on
//! tracks of their own; a session whose
//! browser is killed mid-song hands the song back and the run still completes; no browser
//! process survives.

mod support;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use automator::stage::{MixTag, StageConfig, read_mix_tag};
use automator::{RunOptions, Target, run};
use serde_json::Value;

use support::{COMPLEX_SONG, SIMPLE_SONG, files_under, run_automator, write_songs};

/// The simple song and the two three-track songs: small, and between them all three file-name
/// forms that need the page's solo state or the key to verify.
const SMALL_SONGS: [&str; 3] = [
    SIMPLE_SONG,
    "/custombackingtrack/anonymous-ensemble/nameless-tune.html",
    "/custombackingtrack/prefix-club/count-off.html",
];

/// What a filed mix is, independent of the order the site made the mixes in: its tag without
/// the stage's mix id (a counter in request order), and the length and hash of everything
/// after the tag (the audio, drawn from the seed, the song and the track).
#[derive(Debug, PartialEq)]
struct Fingerprint {
    tag: MixTag,
    audio_bytes: usize,
    audio_hash: u64,
}

fn fingerprint(path: &Path) -> Fingerprint {
    let bytes = std::fs::read(path).unwrap();
    let mut tag = read_mix_tag(&bytes)
        .unwrap_or_else(|error| panic!("{} is not a complete mix: {error}", path.display()));
    tag.mix_id = 0;
    // ID3v2: a 10-byte header whose last four bytes are the tag's size, 7 bits per byte.
    let size = bytes[6..10]
        .iter()
        .fold(0usize, |size, byte| (size << 7) | usize::from(*byte));
    let audio = &bytes[10 + size..];
    let mut hasher = std::hash::DefaultHasher::new();
    audio.hash(&mut hasher);
    Fingerprint {
        tag,
        audio_bytes: audio.len(),
        audio_hash: hasher.finish(),
    }
}

/// Every filed mix under `downloads/`, by path relative to it (incoming folders are gone).
fn filed_mixes(downloads: &Path) -> BTreeMap<PathBuf, Fingerprint> {
    files_under(downloads)
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(downloads).unwrap().to_path_buf();
            assert!(
                !relative.to_string_lossy().starts_with(".incoming-"),
                "an incoming folder was left: {}",
                relative.display()
            );
            let fingerprint = fingerprint(&path);
            (relative, fingerprint)
        })
        .collect()
}

/// Every file sits in the folder of the song its tag names, under the name of the track it
/// has soloed (no file of one song in another's folder, no wrong mix).
fn assert_each_mix_in_its_own_song_folder(mixes: &BTreeMap<PathBuf, Fingerprint>) {
    for (path, mix) in mixes {
        let folder = path.parent().unwrap().to_string_lossy();
        assert_eq!(
            folder,
            mix.tag.song,
            "{} holds another song's mix",
            path.display()
        );
        let stem = path.file_stem().unwrap().to_string_lossy();
        assert_eq!(
            Some(stem.as_ref()),
            mix.tag.solo.as_deref(),
            "{} holds another track's mix",
            path.display()
        );
    }
}

/// Complete span events named `name` as (session, tid, start, end) in microseconds.
fn spans_by_session(events: &[Value], name: &str) -> Vec<(u64, u64, f64, f64)> {
    events
        .iter()
        .filter(|event| event["ph"] == "X" && event["name"] == name)
        .filter_map(|event| {
            let start = event["ts"].as_f64()?;
            Some((
                event["args"]["session"].as_u64()?,
                event["tid"].as_u64()?,
                start,
                start + event["dur"].as_f64()?,
            ))
        })
        .collect()
}

#[test]
fn two_sessions_file_exactly_what_one_files_and_the_trace_shows_both_at_once() {
    let _lock = support::browser_lock();
    let serial = tempfile::tempdir().unwrap();
    let parallel = tempfile::tempdir().unwrap();
    let common = [
        "--time-scale",
        "0.02",
        "--max-tracks",
        "2",
        "--songs",
        "songs.yaml",
    ];
    for (directory, extra) in [
        (serial.path(), &["--sessions", "1"][..]),
        (parallel.path(), &["--sessions", "2", "--profile"][..]),
    ] {
        write_songs(directory, &SMALL_SONGS);
        let args: Vec<&str> = common.iter().chain(extra).copied().collect();
        let run = run_automator(directory, &args, &[]);
        run.succeeded()
            .printed("Summary: 6 of 6 tracks downloaded, 0 failed");
        assert!(!run.stdout.contains("wrong mix"), "{}", run.stdout);
        // Piped: one plain line per finished track, tagged with its session when there are
        // several.
        let lines: Vec<&str> = run
            .stdout
            .lines()
            .filter(|line| line.contains(": ok in "))
            .collect();
        assert_eq!(lines.len(), 6, "{}", run.stdout);
        if directory == parallel.path() {
            for session in ["] s1 · songs ", "] s2 · songs "] {
                assert!(
                    lines.iter().any(|line| line.contains(session)),
                    "no line of {session}: {lines:#?}"
                );
            }
            run.printed("Sessions: s1 ");
        } else {
            assert!(
                lines.iter().all(|line| line.contains("] song ")),
                "{lines:#?}"
            );
        }
    }
    let one = filed_mixes(&serial.path().join("downloads"));
    let two = filed_mixes(&parallel.path().join("downloads"));
    assert_eq!(one.len(), 6, "{:?}", one.keys());
    assert_each_mix_in_its_own_song_folder(&two);
    assert_eq!(one, two, "two sessions filed other files than one session");

    let reports = files_under(&parallel.path().join("logs/performance"));
    let report = |prefix: &str| {
        reports
            .iter()
            .find(|path| {
                let name = path.file_name().unwrap().to_string_lossy();
                name.starts_with(prefix) && name.ends_with(".json")
            })
            .unwrap_or_else(|| panic!("no {prefix}*.json in {reports:?}"))
            .clone()
    };
    // One key per span name whatever the session: the sessions add up.
    let profile: profiler::Profile =
        serde_json::from_slice(&std::fs::read(report("performance_")).unwrap()).unwrap();
    let count = |key: &str| {
        profile
            .keys
            .iter()
            .find(|stats| stats.key == key)
            .map_or(0, |stats| stats.count)
    };
    assert_eq!(count("automation.session"), 2);
    assert_eq!(count("automation.song"), 3, "one pass per song");
    let trace = profiler::chrome::viewer::TraceSummary::load(&report("trace_")).unwrap();
    assert!(trace.misnested.is_empty(), "{:#?}", trace.misnested);
    let sessions = spans_by_session(&trace.events, "automation.session");
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let (first, second) = (sessions[0], sessions[1]);
    assert_ne!(first.0, second.0, "two different sessions");
    assert_ne!(first.1, second.1, "each session on its own track");
    for (session, track, _, _) in &sessions {
        assert_eq!(trace.track_names[track], format!("session {session}"));
    }
    assert!(
        first.2 < second.3 && second.2 < first.3,
        "the sessions ran at the same time: {sessions:?}"
    );
    let songs = spans_by_session(&trace.events, "automation.song");
    let overlapping = songs.iter().any(|a| {
        songs
            .iter()
            .any(|b| a.0 != b.0 && a.1 != b.1 && a.2 < b.3 && b.2 < a.3)
    });
    assert!(
        overlapping,
        "no two songs of different sessions overlap on separate tracks: {songs:?}"
    );
}

/// The pid of a Chromium main process (not a helper: no `--type=`) started by this process.
fn a_chromium_of_this_test() -> Option<u32> {
    automator::browser::processes::processes_started_by(std::process::id())
        .into_iter()
        .find(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            cmdline.contains("--user-data-dir") && !cmdline.contains("--type=")
        })
}

#[test]
fn a_killed_browser_hands_its_song_back_and_the_run_still_files_everything() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let second = "/custombackingtrack/velvet-static/dont-wake-the-neighbours.html";
    let options = RunOptions {
        songs: Some(vec![
            support::stage_song(COMPLEX_SONG),
            support::stage_song(second),
        ]),
        time_scale: 0.02,
        sessions: 2,
        ..support::fast_run_options(directory.path())
    };
    let downloads = options.download_dir.clone();
    let folders =
        ["Fifteen Ways Home", "Don't Wake the Neighbours"].map(|name| downloads.join(name));
    // Once both songs have some tracks filed and neither is complete, both sessions are in
    // the middle of a song: kill one Chromium.
    let killer = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            let filed = folders
                .clone()
                .map(|folder| std::fs::read_dir(folder).map_or(0, |entries| entries.count()));
            if filed[0] >= 1 && filed[0] < 13 && filed[1] >= 1 && filed[1] < 6 {
                let pid = a_chromium_of_this_test().expect("a Chromium is running");
                // SAFETY: kill(2) on a process this test started; no memory is involved.
                unsafe {
                    libc::kill(pid as libc::pid_t, libc::SIGKILL);
                }
                return Some(filed);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        None
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let outcome = runtime
        .block_on(run(
            &options,
            &automator::config::Knobs::default(),
            &Target::Stage(StageConfig::default()),
        ))
        .unwrap();
    let killed_at = killer.join().unwrap();
    assert!(
        killed_at.is_some(),
        "the two songs never ran at the same time"
    );
    support::assert_no_browser_processes_of_this_test();
    let lost: Vec<_> = outcome
        .sessions
        .iter()
        .filter(|session| session.browsers_lost > 0)
        .collect();
    assert_eq!(lost.len(), 1, "{:#?}", outcome.sessions);
    assert_eq!(lost[0].browsers_lost, 1);
    let passes: usize = outcome.sessions.iter().map(|session| session.passes).sum();
    assert_eq!(
        passes, 3,
        "the song of the lost browser was handed back once"
    );
    assert!(outcome.all_ok(), "{:#?}", outcome.tracks);
    assert_eq!(outcome.tracks.len(), 15 + 8);
    assert!(outcome.tracks.iter().all(|track| track.wrong_mixes == 0));
    support::assert_right_mixes_in_place(&outcome, &downloads);
    assert_each_mix_in_its_own_song_folder(&filed_mixes(&downloads));
    for session in &outcome.sessions {
        assert!(
            session.peak_browser_mb.is_some_and(|mb| mb > 10.0),
            "the memory of session {} was read: {:?}",
            session.session,
            session.peak_browser_mb
        );
    }
}

#[test]
fn ctrl_c_closes_every_session_in_order() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    write_songs(directory.path(), &SMALL_SONGS);
    let (first, run) = support::run_automator_until_first_file(
        directory.path(),
        &[
            "--time-scale",
            "0.02",
            "--songs",
            "songs.yaml",
            "--sessions",
            "2",
        ],
    );
    // `run_automator_until_first_file` has asserted that no process of the run is left.
    assert_eq!(run.code, Some(130), "{}\n{}", run.stdout, run.stderr);
    assert!(first.is_file(), "{} was kept", first.display());
    assert!(run.stdout.contains("(interrupted)"), "{}", run.stdout);
    let incoming: Vec<_> = std::fs::read_dir(directory.path().join("downloads"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().starts_with(".incoming-"))
        .collect();
    assert!(incoming.is_empty(), "incoming folders left: {incoming:?}");
}
