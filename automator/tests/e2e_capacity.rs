//! The site's capacity against real headless Chromium: a stage whose account may request only
//! two mixes per (scaled) minute answers the third with HTTP 429 and `Retry-After`; the
//! automator holds off as asked, asks again, and still files the right mix of every track,
//! reporting the 429s, the time held off and the stage's queue time apart from its service time.

mod support;

use automator::flow::summary::render_summary;
use automator::stage::{RateLimit, StageConfig};
use automator::{RunOptions, Target, run};

use support::SIMPLE_SONG;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_run_backs_off_and_still_files_every_track() {
    let _lock = support::timing_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![support::stage_song(SIMPLE_SONG)]),
        max_tracks: Some(3),
        time_scale: 0.02,
        ..support::fast_run_options(directory.path())
    };
    // Two mixes per minute, scaled: a 1.2 s window. Three tracks take well under that, so the
    // third track's first mix request is refused.
    let target = Target::Stage(StageConfig {
        capacity: 1,
        rate_limit: Some(RateLimit::parse("2/min").unwrap()),
        ..StageConfig::default()
    });
    let outcome = run(&options, &Default::default(), &target).await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    assert!(outcome.all_ok(), "{:#?}", outcome.tracks);
    assert_eq!(outcome.tracks.len(), 3);
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
    let stats = &outcome.mix_requests;
    assert!(stats.rate_limited >= 1, "{stats:?}");
    assert_eq!(
        stats.requests,
        3 + stats.rate_limited,
        "every refused request was asked again: {stats:?}"
    );
    assert!(
        outcome.tracks.iter().all(|track| track.attempts == 1),
        "a 429 is held off within the attempt, not failed: {:#?}",
        outcome.tracks
    );
    // Retry-After is whole seconds (1 or 2 for a 1.2 s window), and it was honoured.
    assert!(
        stats.backoff.as_secs() >= u64::from(stats.rate_limited),
        "{stats:?}"
    );
    for track in &outcome.tracks {
        let (queue, intrinsic) = (track.queue.unwrap(), track.intrinsic.unwrap());
        assert!(queue <= intrinsic, "{track:#?}");
    }
    let summary = render_summary(&outcome);
    assert!(
        summary.contains(&format!("HTTP 429 (rate limit) {} ×", stats.rate_limited)),
        "{summary}"
    );
    assert!(summary.contains("(queued for a mix slot "), "{summary}");
}
