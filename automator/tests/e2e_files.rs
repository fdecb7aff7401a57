//! The user's files against real headless Chromium and the stage: a song folder named like a
//! folder of the user's keeps its files, a symbolic link is never followed, songs with the
//! same name get folders of their own, a song listed twice is downloaded once, a name too long
//! for the file system is cut, and a download that arrives late is filed, not thrown away.

mod support;

use std::path::Path;

use automator::config::{Knobs, Song};
use automator::flow::SongStatus;
use automator::stage::{FaultSpec, StageConfig};
use automator::{RunOptions, Target, run};

use support::{CLICK_SONG, COMPLEX_SONG, SIMPLE_SONG};

fn named(path: &str, name: &str) -> Song {
    Song {
        name: name.to_string(),
        ..support::stage_song(path)
    }
}

fn stage() -> Target {
    Target::Stage(StageConfig::default())
}

/// The mp3 files of a folder, by name.
fn mp3s(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".mp3"))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_files_stay_and_a_symlink_is_never_followed() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("holiday.jpg"),
        b"outside the download dir",
    )
    .unwrap();
    let home = directory.path().join("home");
    std::fs::create_dir_all(home.join("Documents/taxes")).unwrap();
    std::fs::write(home.join("Documents/important.txt"), b"important").unwrap();
    std::fs::write(home.join("Documents/taxes/2025.pdf"), b"taxes").unwrap();
    std::os::unix::fs::symlink(outside.path(), home.join("Linked")).unwrap();
    let long_name = "€".repeat(100);
    let options = RunOptions {
        songs: Some(vec![
            named(SIMPLE_SONG, "Documents"),
            named(CLICK_SONG, "Linked"),
            named(COMPLEX_SONG, &long_name),
        ]),
        max_tracks: Some(1),
        download_dir: home.clone(),
        ..support::fast_run_options(directory.path())
    };
    let outcome = run(&options, &Knobs::default(), &stage()).await.unwrap();
    support::assert_no_browser_processes_of_this_test();

    assert_eq!(
        std::fs::read(home.join("Documents/important.txt")).unwrap(),
        b"important"
    );
    assert_eq!(
        std::fs::read(home.join("Documents/taxes/2025.pdf")).unwrap(),
        b"taxes"
    );
    assert_eq!(mp3s(&home.join("Documents")), ["Drums.mp3"]);

    let linked = &outcome.songs[1];
    match &linked.status {
        SongStatus::Failed(reason) => assert!(reason.contains("symbolic link"), "{reason}"),
        other => panic!("the symlinked song folder was used: {other:?}"),
    }
    let outside_files: Vec<_> = std::fs::read_dir(outside.path()).unwrap().collect();
    assert_eq!(
        outside_files.len(),
        1,
        "nothing was written through the link"
    );
    assert_eq!(
        std::fs::read(outside.path().join("holiday.jpg")).unwrap(),
        b"outside the download dir"
    );

    let long = &outcome.songs[2];
    assert_eq!(long.status, SongStatus::Done, "{outcome:#?}");
    let folder = long.folder.as_ref().unwrap();
    let folder_name = folder.file_name().unwrap().to_str().unwrap();
    assert_eq!(folder_name, "€".repeat(66), "cut to 198 of 300 bytes");
    assert_eq!(mp3s(folder).len(), 1);

    let ok: Vec<&str> = outcome
        .tracks
        .iter()
        .filter(|track| track.ok)
        .map(|track| track.song.as_str())
        .collect();
    assert_eq!(
        ok,
        ["Documents", long_name.as_str()],
        "{:#?}",
        outcome.tracks
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn songs_with_one_name_get_their_own_folders_and_a_repeated_song_is_merged() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![
            named(SIMPLE_SONG, "Mix"),
            named(CLICK_SONG, "Mix"),
            named(SIMPLE_SONG, "Mix"),
        ]),
        max_tracks: Some(2),
        ..support::fast_run_options(directory.path())
    };
    let outcome = run(&options, &Knobs::default(), &stage()).await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    assert_eq!(
        outcome.songs.len(),
        2,
        "the repeated song is downloaded once"
    );
    assert_eq!(outcome.tracks.len(), 4);
    assert!(outcome.all_ok(), "{:#?}", outcome.tracks);
    let downloads = &options.download_dir;
    assert_eq!(
        outcome.songs[0].folder.as_deref(),
        Some(downloads.join("Mix").as_path())
    );
    assert_eq!(
        outcome.songs[1].folder.as_deref(),
        Some(downloads.join("Mix (2)").as_path())
    );
    assert_eq!(mp3s(&downloads.join("Mix")), ["Bass.mp3", "Drums.mp3"]);
    assert_eq!(
        mp3s(&downloads.join("Mix (2)")),
        ["Drums.mp3", "Intro count Click.mp3"]
    );
    support::assert_right_mixes_in_place(&outcome, downloads);
}

/// The repro: with `download_max_wait = 20` at time scale 0.2 (4 s), 60% of transfers
/// are slow, so Bass's first download (seed 5: 1.3 s mix + 4.4 s slow transfer of a realistic
/// size) outlives its wait and arrives while the retry runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_that_arrives_late_is_filed_not_thrown_away() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![named(SIMPLE_SONG, "Paper Moon Parade")]),
        max_tracks: Some(2),
        time_scale: 0.2,
        ..support::fast_run_options(directory.path())
    };
    let knobs = Knobs {
        download_max_wait: 20.0,
        ..Knobs::default()
    };
    let target = Target::Stage(StageConfig {
        faults: FaultSpec::parse("slow_download=0.6").unwrap(),
        seed: 5,
        ..StageConfig::default()
    });
    let outcome = run(&options, &knobs, &target).await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    assert!(outcome.all_ok(), "{:#?}", outcome.tracks);
    let bass = &outcome.tracks[1];
    assert_eq!(
        (bass.name.as_str(), bass.attempts),
        ("Bass", 2),
        "the first download timed out and was filed on the second attempt"
    );
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
}

/// The second repro: cut and slow transfers and a stuck mix on Count Me In (seed 2).
/// Bass's first download is reported dropped, yet its complete mix arrives afterwards; the
/// retry files that mix instead of failing the track.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_mix_after_a_cut_or_slow_transfer_is_filed() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![named(CLICK_SONG, "Count Me In")]),
        max_tracks: Some(3),
        ..support::fast_run_options(directory.path())
    };
    let target = Target::Stage(StageConfig {
        faults: FaultSpec::parse("cut_download=0.3,slow_download=0.3,mix_stuck=0.1").unwrap(),
        seed: 2,
        ..StageConfig::default()
    });
    let outcome = run(&options, &Knobs::default(), &target).await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    assert!(outcome.all_ok(), "{:#?}", outcome.tracks);
    assert_eq!(outcome.tracks.len(), 3);
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
}
