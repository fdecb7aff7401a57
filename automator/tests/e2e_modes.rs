//! The automation against the stage in real headless Chromium, in process: every `solo_wait`
//! and `download_wait` mode downloads the right mixes; a server that mixes a stale solo state
//! (the `stale_mix` fault) gives wrong mixes that are caught and retried; injected faults end with every track downloaded or
//! reported; a saved session is reused. No browser process outlives a test.

mod support;

use automator::config::{DownloadWait, Knobs, SoloWait};
use automator::flow::SongStatus;
use automator::flow::auth::LoginKind;
use automator::stage::{FaultSpec, Stage, StageConfig};
use automator::{RunOptions, Target, run};

use support::{CLICK_SONG, COMPLEX_SONG, SIMPLE_SONG, UNPURCHASED_SONG, stage_song};

fn stage() -> Target {
    Target::Stage(StageConfig::default())
}

async fn run_modes(solo_wait: SoloWait, download_wait: DownloadWait, song: &str) {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![stage_song(song)]),
        max_tracks: Some(3),
        ..support::fast_run_options(directory.path())
    };
    let knobs = Knobs {
        solo_wait,
        download_wait,
        // Long enough for the stage's slowest solo (a click track of a complex song).
        solo_activation_delay_simple: 12.0,
        solo_activation_delay_complex: 15.0,
        download_monitoring_initial_wait: 2.0,
        download_check_interval: 1.0,
        ..Knobs::default()
    };
    let outcome = run(&options, &knobs, &stage()).await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    assert_eq!(outcome.tracks.len(), 3, "{outcome:#?}");
    assert!(outcome.all_ok(), "{:#?}", outcome.tracks);
    assert!(
        outcome
            .tracks
            .iter()
            .all(|track| track.attempts == 1 && track.wrong_mixes == 0)
    );
    assert!(
        outcome.tracks.iter().all(|track| track.intrinsic.is_some()),
        "the ledger gives every track its intrinsic time"
    );
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_solo_wait_with_directory_polling() {
    run_modes(SoloWait::Fixed, DownloadWait::Poll, CLICK_SONG).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polled_solo_wait_with_file_system_events() {
    run_modes(SoloWait::Poll, DownloadWait::Watch, COMPLEX_SONG).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observed_solo_wait_with_directory_polling() {
    run_modes(SoloWait::Observe, DownloadWait::Poll, SIMPLE_SONG).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_mixes_from_the_server_are_caught_and_retried() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![stage_song(SIMPLE_SONG)]),
        max_tracks: Some(3),
        ..support::fast_run_options(directory.path())
    };
    // Every mix request whose solo differs from the song's previous request gets the previous
    // track's mix; asking again for the same solo gets the right one.
    let target = Target::Stage(StageConfig {
        faults: FaultSpec::parse("stale_mix=1").unwrap(),
        ..StageConfig::default()
    });
    let outcome = run(&options, &Knobs::default(), &target).await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    let wrong: Vec<u32> = outcome
        .tracks
        .iter()
        .map(|track| track.wrong_mixes)
        .collect();
    assert_eq!(
        wrong,
        vec![0, 1, 1],
        "the first track has no previous mix; each later one gets exactly one stale mix: {:#?}",
        outcome.tracks
    );
    assert!(outcome.tracks.iter().all(|track| track.ok), "{outcome:#?}");
    for track in outcome.tracks.iter().filter(|track| track.wrong_mixes > 0) {
        assert!(
            track.attempts > track.wrong_mixes || !track.ok,
            "a wrong mix is never counted as a success: {track:#?}"
        );
        assert!(track.attempts >= 2, "a wrong mix is retried: {track:#?}");
    }
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_end_with_every_track_downloaded_or_reported() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![stage_song(SIMPLE_SONG), stage_song(CLICK_SONG)]),
        max_tracks: Some(3),
        ..support::fast_run_options(directory.path())
    };
    let knobs = Knobs {
        solo_max_wait: 20.0,
        download_max_wait: 40.0,
        ..Knobs::default()
    };
    let faults = FaultSpec::parse(
        "http500=0.08,solo_stuck=0.1,mix_fail=0.1,mix_stuck=0.05,slow_download=0.1,cut_download=0.1,session_expiry=0.03",
    )
    .unwrap();
    let target = Target::Stage(StageConfig {
        faults,
        seed: 11,
        ..StageConfig::default()
    });
    let outcome = run(&options, &knobs, &target).await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    assert_eq!(outcome.tracks.len(), 6, "{outcome:#?}");
    for track in &outcome.tracks {
        assert!(
            track.ok || track.error.is_some(),
            "every track is downloaded or reported: {track:#?}"
        );
    }
    assert!(
        outcome.tracks.iter().any(|track| track.ok),
        "faults at these rates still let most tracks through"
    );
    assert!(
        outcome.tracks.iter().any(|track| track.attempts > 1),
        "some fault forced a retry: {:#?}",
        outcome.tracks
    );
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_song_not_purchased_is_reported_and_skipped() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![stage_song(UNPURCHASED_SONG), stage_song(SIMPLE_SONG)]),
        max_tracks: Some(1),
        ..support::fast_run_options(directory.path())
    };
    let outcome = run(&options, &Knobs::default(), &stage()).await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    assert_eq!(outcome.songs[0].status, SongStatus::NotPurchased);
    assert_eq!(outcome.songs[1].status, SongStatus::Done);
    assert!(
        outcome.all_ok(),
        "a song the account does not own is not a failure"
    );
    assert!(
        !options.download_dir.join(&outcome.songs[0].name).exists(),
        "no folder for a skipped song"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_session_is_reused_until_forced_or_cleared() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let stage = Stage::start(StageConfig {
        time_scale: 0.05,
        ..StageConfig::default()
    })
    .await
    .unwrap();
    let target = Target::Site {
        url: stage.url().to_string(),
        credentials: automator::config::Credentials {
            username: automator::stage::DEMO_USERNAME.into(),
            password: automator::config::Secret::new(automator::stage::DEMO_PASSWORD),
        },
    };
    let options = RunOptions {
        songs: Some(vec![stage_song(SIMPLE_SONG)]),
        max_tracks: Some(1),
        ..support::fast_run_options(directory.path())
    };
    let first = run(&options, &Knobs::default(), &target).await.unwrap();
    assert_eq!(first.login, Some(LoginKind::Fresh));
    let second = run(&options, &Knobs::default(), &target).await.unwrap();
    assert_eq!(second.login, Some(LoginKind::Reused));
    let forced = run(
        &RunOptions {
            force_login: true,
            ..options.clone()
        },
        &Knobs::default(),
        &target,
    )
    .await
    .unwrap();
    assert_eq!(forced.login, Some(LoginKind::Fresh));
    let cleared = run(
        &RunOptions {
            clear_session: true,
            ..options.clone()
        },
        &Knobs::default(),
        &target,
    )
    .await
    .unwrap();
    assert_eq!(cleared.login, Some(LoginKind::Fresh));
    assert!(
        [first, second, forced, cleared]
            .iter()
            .all(|outcome| outcome.all_ok())
    );
    stage.shutdown().await;
    support::assert_no_browser_processes_of_this_test();
}

/// The main Chromium process of a browser this test started (not a helper, not chromedriver).
fn chromium_main_processes() -> Vec<u32> {
    automator::browser::processes::processes_started_by(std::process::id())
        .into_iter()
        .filter(|pid| {
            let command_line = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let command_line = String::from_utf8_lossy(&command_line);
            command_line.contains("--user-data-dir=") && !command_line.contains("--type=")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_browser_is_replaced_and_the_run_completes() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![stage_song(SIMPLE_SONG)]),
        max_tracks: Some(4),
        ..support::fast_run_options(directory.path())
    };
    let song_folder = options
        .download_dir
        .join(automator::stage::find_song(SIMPLE_SONG).unwrap().title);
    let crash = tokio::spawn(async move {
        loop {
            let filed = std::fs::read_dir(&song_folder)
                .map(|entries| entries.count())
                .unwrap_or(0);
            if filed >= 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let victims = chromium_main_processes();
        for pid in &victims {
            // SAFETY: kill(2) on a process this test started; no memory is involved.
            unsafe {
                libc::kill(*pid as libc::pid_t, libc::SIGKILL);
            }
        }
        victims.len()
    });
    let outcome = run(&options, &Knobs::default(), &stage()).await.unwrap();
    let killed = crash.await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    assert_eq!(killed, 1, "one Chromium was killed mid-run");
    assert!(
        outcome.all_ok(),
        "every track still downloaded: {:#?}",
        outcome.tracks
    );
    assert!(
        outcome.tracks.iter().any(|track| track.attempts >= 2),
        "the track cut off by the crash was tried again in a new browser: {:#?}",
        outcome.tracks
    );
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_webdriver_endpoint_is_used_instead_of_spawning_chromedriver() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let tag = automator::browser::processes::new_run_tag();
    let external =
        automator::browser::chromedriver::ChromeDriver::start(&support::chromedriver(), &tag, &[])
            .await
            .unwrap();
    let options = RunOptions {
        songs: Some(vec![stage_song(SIMPLE_SONG)]),
        max_tracks: Some(2),
        webdriver: Some(external.url()),
        ..support::fast_run_options(directory.path())
    };
    let outcome = run(&options, &Knobs::default(), &stage()).await.unwrap();
    assert!(outcome.all_ok(), "{:#?}", outcome.tracks);
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
    let chromium_of_the_endpoint = || -> Vec<u32> {
        automator::browser::processes::tagged_processes(&tag)
            .into_iter()
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .is_ok_and(|name| name.trim() != "chromedriver")
            })
            .collect()
    };
    // Chromium's helpers exit a moment after the session is closed; on a busy machine give
    // them a few seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !chromium_of_the_endpoint().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let chromium_left = chromium_of_the_endpoint();
    assert!(
        chromium_left.is_empty(),
        "closing the session ends the endpoint's Chromium: {chromium_left:?}"
    );
    drop(external);
    support::assert_no_processes_left(&tag);
}
