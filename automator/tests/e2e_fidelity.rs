//! Fidelity suite (issue 12): for each way the real site is known to behave, the stage behaves
//! so in a real headless Chromium, and the automator copes with it. One test per difference:
//! (1) no track-classed wrapper, (2) toggling solos, (3) modal texts absent from the source,
//! (4) the ready modal covers the page, (5) megabyte mixes and stalled transfers, (6) the
//! file-name forms, (7) the key display; plus a script finding tracks through the nearest
//! "track" ancestor, as code written against the real site does.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use automator::browser::{Browser, Driver};
use automator::config::{Knobs, Song};
use automator::stage::{
    FaultKind, FaultSpec, Ledger, Stage, StageConfig, TimingModel, find_song, read_mix_tag,
};
use automator::{RunOptions, Target, run};
use serde_json::{Value, json};
use support::SIMPLE_SONG;

/// Every browser wait gives up after this long.
const PATIENCE: Duration = Duration::from_secs(30);

/// A stage, a Chromium saving into `<scratch>/downloads`, logged in as the demo account.
struct Session {
    stage: Stage,
    browser: Browser,
    downloads: PathBuf,
    _scratch: tempfile::TempDir,
}

impl Session {
    async fn start(config: StageConfig) -> Session {
        let stage = Stage::start(config).await.unwrap();
        let scratch = tempfile::tempdir().unwrap();
        let downloads = scratch.path().join("downloads");
        let browser = Browser::start(&support::headless_browser_options(downloads.clone()))
            .await
            .expect("a headless Chromium session");
        let session = Session {
            stage,
            browser,
            downloads,
            _scratch: scratch,
        };
        let driver = session.driver();
        driver
            .navigate(&format!("{}/login", session.stage.url()), 0)
            .await
            .unwrap();
        let user = driver.find("input[name=frm_login]").await.unwrap();
        driver
            .type_text(&user, automator::stage::DEMO_USERNAME)
            .await
            .unwrap();
        let password = driver.find("input[name=frm_password]").await.unwrap();
        driver
            .type_text(&password, automator::stage::DEMO_PASSWORD)
            .await
            .unwrap();
        let submit = driver.find("input[name=sbm]").await.unwrap();
        driver.click_and_wait_for_page(&submit).await.unwrap();
        driver.find_link("My Account").await.expect("logged in");
        session
    }

    fn driver(&self) -> &Driver {
        self.browser.driver()
    }

    fn ledger(&self) -> Ledger {
        self.stage.ledger()
    }

    async fn open(&self, song: &str) {
        self.driver()
            .navigate(&format!("{}{song}", self.stage.url()), 0)
            .await
            .unwrap();
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.driver().execute("test", script, args).await.unwrap()
    }

    /// Polls `script` until it returns `true`.
    async fn until(&self, what: &str, script: &str, args: Vec<Value>) {
        let deadline = Instant::now() + PATIENCE;
        while self.js(script, args.clone()).await != json!(true) {
            assert!(Instant::now() < deadline, "never: {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The indices whose solo button shows `is-active`.
    async fn soloed(&self) -> Value {
        self.js(
            "return Array.from(document.querySelectorAll('[data-index]'))
               .filter(r => r.querySelector('button.track__solo').classList.contains('is-active'))
               .map(r => Number(r.getAttribute('data-index')));",
            vec![],
        )
        .await
    }

    /// Clicks solo button `index` (a DOM click) and waits until the page shows `soloed`.
    async fn click_solo(&self, index: usize, soloed: Value) {
        self.js(
            "document.querySelector('[data-index=\"' + arguments[0] + '\"] button.track__solo').click();",
            vec![json!(index)],
        )
        .await;
        let deadline = Instant::now() + PATIENCE;
        while self.soloed().await != soloed {
            assert!(
                Instant::now() < deadline,
                "solo state never became {soloed}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn shutdown(self) {
        let tag = self.browser.run_tag().to_string();
        self.browser.shutdown().await;
        support::assert_no_processes_left(&tag);
        self.stage.shutdown().await;
    }
}

fn fast_stage() -> StageConfig {
    StageConfig {
        time_scale: 0.05,
        ..StageConfig::default()
    }
}

/// Names in `dir` now.
fn names_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until a finished `.mp3` is in `dir` and no partial file is left.
async fn finished_download(dir: &Path) -> PathBuf {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let names = names_in(dir);
        let partial = names.iter().any(|name| name.ends_with(".crdownload"));
        if let Some(done) = names.iter().find(|name| name.ends_with(".mp3"))
            && !partial
        {
            return dir.join(done);
        }
        assert!(
            Instant::now() < deadline,
            "no download in {dir:?}: {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Difference 1: no ancestor of a track row has a class containing "track".
#[tokio::test]
async fn no_element_around_the_track_rows_has_a_track_class() {
    let _lock = support::browser_lock();
    let session = Session::start(fast_stage()).await;
    session.open(SIMPLE_SONG).await;
    let wrappers = session
        .js(
            "const rows = Array.from(document.querySelectorAll('[data-index]'));
             const bad = [];
             rows.forEach(function (row) {
               for (let up = row.parentElement; up; up = up.parentElement) {
                 if ((up.getAttribute('class') || '').includes('track')) { bad.push(up.className); }
               }
             });
             return [rows.length, bad];",
            vec![],
        )
        .await;
    assert_eq!(wrappers, json!([5, []]));
    session.shutdown().await;
}

/// Code written against the real site finds a solo button's track as the nearest ancestor
/// whose class contains "track": on the stage that is the row, with the right `data-index`;
/// soloing through it solos that track on the server.
#[tokio::test]
async fn a_script_finding_tracks_by_the_nearest_track_ancestor_gets_each_data_index() {
    let _lock = support::browser_lock();
    let session = Session::start(fast_stage()).await;
    let song = find_song(SIMPLE_SONG).unwrap();
    session.open(SIMPLE_SONG).await;
    let found = session
        .js(
            "return Array.from(document.querySelectorAll('button.track__solo')).map(function (button) {
               const track = document.evaluate(\"ancestor::*[contains(@class, 'track')][1]\", button,
                 null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
               return [track ? track.getAttribute('data-index') : null,
                       track ? track.querySelector('.track__caption').textContent : null];
             });",
            vec![],
        )
        .await;
    let expected: Vec<Value> = song
        .tracks
        .iter()
        .enumerate()
        .map(|(index, name)| json!([index.to_string(), name]))
        .collect();
    assert_eq!(found, json!(expected));

    // Solo the fourth track through the ancestor the script found.
    session
        .js(
            "const button = document.querySelectorAll('button.track__solo')[3];
             const track = document.evaluate(\"ancestor::*[contains(@class, 'track')][1]\", button,
               null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
             track.querySelector('button.track__solo').click();",
            vec![],
        )
        .await;
    let deadline = Instant::now() + PATIENCE;
    while session.soloed().await != json!([3]) {
        assert!(Instant::now() < deadline, "track 3 never soloed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let records = session.ledger().records();
    assert_eq!(
        (
            records.len(),
            records[0].track,
            records[0].track_name.as_str()
        ),
        (1, 3, "Piano")
    );
    session.shutdown().await;
}

/// Difference 2 on the stage: a click on an active solo turns it off, several tracks can be
/// soloed at once, and the server mixes what is soloed.
#[tokio::test]
async fn solo_buttons_toggle_and_several_tracks_mix_together() {
    let _lock = support::browser_lock();
    let session = Session::start(fast_stage()).await;
    session.open(SIMPLE_SONG).await;
    session.click_solo(0, json!([0])).await;
    session.click_solo(2, json!([0, 2])).await;
    session
        .js("document.querySelector('a.download').click();", vec![])
        .await;
    let file = finished_download(&session.downloads).await;
    let tag = read_mix_tag(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(tag.solo.as_deref(), Some("Drums + Electric Guitar"));
    let mixes = session.ledger().mixes();
    assert_eq!(
        (mixes[0].mix_of, mixes[0].soloed.clone()),
        (None, vec![0, 2])
    );
    session
        .js("document.querySelector('.modal__close').click();", vec![])
        .await;
    session.click_solo(0, json!([2])).await;
    session.click_solo(2, json!([])).await;
    session.shutdown().await;
}

/// Difference 2, the automator's side: with solos left on from track to track (the stage keeps
/// them), every mix it downloads was made from exactly its track's solo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_automator_leaves_exactly_the_wanted_solo_before_each_mix() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![support::stage_song(SIMPLE_SONG)]),
        max_tracks: Some(3),
        ..support::fast_run_options(directory.path())
    };
    let outcome = support::run_all_ok_on_default_stage(&options).await;
    assert!(outcome.tracks.iter().all(|t| t.attempts == 1 && t.verified));
    // Each file's tag names one track (a mix of several would say "A + B").
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
}

/// Difference 3: the modal texts are not in the page source before a download; the modal
/// shows them once one is asked for.
#[tokio::test]
async fn modal_texts_are_not_in_the_page_source_before_a_download() {
    let _lock = support::browser_lock();
    let session = Session::start(fast_stage()).await;
    session.open(SIMPLE_SONG).await;
    let source = session
        .driver()
        .execute_async(
            "source",
            "const done = arguments[arguments.length - 1];
             fetch(location.href).then(r => r.text()).then(done);",
            vec![],
            PATIENCE,
        )
        .await
        .unwrap();
    let source = source.as_str().unwrap().to_lowercase();
    assert!(source.contains("createmixer"), "the song page's source");
    let site = automator::config::SiteProfile::default();
    for text in [&site.download.creating_text, &site.download.ready_text] {
        assert!(
            !source.contains(&text.to_lowercase()),
            "{text} in the source"
        );
    }
    session
        .js("document.querySelector('a.download').click();", vec![])
        .await;
    session
        .until(
            "the modal shows the creating or the ready text",
            "const t = document.querySelector('.modal__message').textContent.toLowerCase();
             return t.includes(arguments[0].toLowerCase()) || t.includes(arguments[1].toLowerCase());",
            vec![
                json!(site.download.creating_text),
                json!(site.download.ready_text),
            ],
        )
        .await;
    session.shutdown().await;
}

/// Difference 4: after a download the modal stays open and a native click on a solo button is
/// intercepted until the modal is closed.
#[tokio::test]
async fn the_ready_modal_intercepts_native_clicks_until_it_is_closed() {
    let _lock = support::browser_lock();
    let session = Session::start(fast_stage()).await;
    session.open(SIMPLE_SONG).await;
    session
        .js("document.querySelector('a.download').click();", vec![])
        .await;
    finished_download(&session.downloads).await;
    let driver = session.driver();
    let solo = driver
        .find("[data-index=\"1\"] button.track__solo")
        .await
        .unwrap();
    let intercepted = driver.click(&solo).await.unwrap_err().to_string();
    assert!(
        intercepted.contains("intercepted"),
        "expected an intercepted click, got: {intercepted}"
    );
    assert!(
        session.ledger().records().is_empty(),
        "the click never reached the button"
    );
    let close = driver.find(".modal__close").await.unwrap();
    driver.click(&close).await.unwrap();
    driver
        .click(&solo)
        .await
        .expect("the page is reachable again");
    let deadline = Instant::now() + PATIENCE;
    while session.soloed().await != json!([1]) {
        assert!(Instant::now() < deadline, "solo 1 never applied");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    session.shutdown().await;
}

/// Difference 5: at scale 1 a mix is 3–15 MB, a valid MP3, and Chromium's partial file lasts
/// at least a second. The seed is the one (of 200) with the quickest mix, to keep the test short.
#[tokio::test]
async fn mixes_are_megabytes_and_the_partial_file_lasts_a_second_at_scale_one() {
    let _lock = support::timing_lock();
    let song = find_song(SIMPLE_SONG).unwrap();
    let seed = (0..200u64)
        .min_by_key(|seed| {
            TimingModel::new(1.0, *seed).mix_generation(song.path, None, 1)
                + TimingModel::new(1.0, *seed).transfer(song.path, None, 1, 1, false)
        })
        .unwrap();
    let session = Session::start(StageConfig {
        time_scale: 1.0,
        seed,
        ..StageConfig::default()
    })
    .await;
    session.open(SIMPLE_SONG).await;
    session
        .js("document.querySelector('a.download').click();", vec![])
        .await;
    let deadline = Instant::now() + PATIENCE;
    let (mut first, mut last) = (None, None);
    let file = loop {
        let names = names_in(&session.downloads);
        if names.iter().any(|name| name.ends_with(".crdownload")) {
            let now = Instant::now();
            first.get_or_insert(now);
            last = Some(now);
        } else if let Some(done) = names.iter().find(|name| name.ends_with(".mp3")) {
            break session.downloads.join(done);
        }
        assert!(Instant::now() < deadline, "no download: {names:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let partial_for = last.unwrap() - first.expect("a .crdownload phase");
    assert!(partial_for >= Duration::from_millis(900), "{partial_for:?}");
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        (3_000_000..=15_100_000).contains(&bytes.len()),
        "{}",
        bytes.len()
    );
    let tag = read_mix_tag(&bytes).expect("a valid MP3");
    assert!(tag.audio_frames > 7000, "{}", tag.audio_frames);
    session.shutdown().await;
}

/// Difference 5, stalls: a transfer that stops mid-way is noticed (its partial file stops
/// growing for `download_stall_timeout`) and asked for again. The seed makes the first download
/// stall and the second not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_transfer_is_detected_and_asked_for_again() {
    let _lock = support::browser_lock();
    let faults = FaultSpec::none().with(FaultKind::StallDownload, 0.5);
    let context = |attempt: u32| format!("{SIMPLE_SONG}|0|{attempt}|1");
    let seed = (0..500u64)
        .find(|seed| {
            faults.fires(FaultKind::StallDownload, *seed, &context(1))
                && !faults.fires(FaultKind::StallDownload, *seed, &context(2))
        })
        .unwrap();
    let directory = tempfile::tempdir().unwrap();
    let options = RunOptions {
        songs: Some(vec![support::stage_song(SIMPLE_SONG)]),
        max_tracks: Some(1),
        ..support::fast_run_options(directory.path())
    };
    let knobs = Knobs {
        download_stall_timeout: 10.0,
        ..Knobs::default()
    };
    let target = Target::Stage(StageConfig {
        faults,
        seed,
        ..StageConfig::default()
    });
    let outcome = run(&options, &knobs, &target).await.unwrap();
    support::assert_no_browser_processes_of_this_test();
    assert!(outcome.all_ok(), "{:#?}", outcome.tracks);
    assert_eq!(outcome.tracks[0].attempts, 2, "{:#?}", outcome.tracks);
    support::assert_right_mixes_in_place(&outcome, &options.download_dir);
}

/// Difference 6: names with the key, without an instrument, the "(Click + Key)" click track
/// and the prefix form are all recognised; each file is filed as `<Track>(<key>).mp3` and
/// holds that track's mix; a name without a track is verified by the solo state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_file_name_form_is_recognised_and_filed_with_the_key() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    let song = |path: &str, key: i32| Song {
        key,
        ..support::stage_song(path)
    };
    let songs = vec![
        song("/custombackingtrack/the-modulators/shifting-keys.html", -1),
        song(
            "/custombackingtrack/anonymous-ensemble/nameless-tune.html",
            2,
        ),
        song("/custombackingtrack/prefix-club/count-off.html", -1),
    ];
    let options = RunOptions {
        songs: Some(songs),
        max_tracks: Some(2),
        ..support::fast_run_options(directory.path())
    };
    let outcome = support::run_all_ok_on_default_stage(&options).await;
    assert_eq!(outcome.tracks.len(), 6);
    let expected = [
        ("Shifting Keys", "Intro Count (Click + Key)", -1),
        ("Shifting Keys", "Drum Kit", -1),
        ("Nameless Tune", "Drums", 2),
        ("Nameless Tune", "Bass", 2),
        ("Count Off", "Intro count Click", -1),
        ("Count Off", "Drums", -1),
    ];
    for (song, track, key) in expected {
        let file = options
            .download_dir
            .join(song)
            .join(format!("{track}({key:+}).mp3"));
        let tag = read_mix_tag(&std::fs::read(&file).unwrap_or_else(|e| panic!("{file:?}: {e}")))
            .unwrap();
        assert_eq!(
            (tag.solo.as_deref(), tag.key),
            (Some(track), key),
            "{file:?}"
        );
    }
    assert!(
        outcome
            .tracks
            .iter()
            .all(|t| t.verified && t.wrong_mixes == 0)
    );
}

/// Difference 7: the key is the text of a class-less `div` inside `.pitch`, labelled by
/// `.pitch__caption`.
#[tokio::test]
async fn the_key_shows_in_a_classless_div_inside_pitch() {
    let _lock = support::browser_lock();
    let session = Session::start(fast_stage()).await;
    session.open(SIMPLE_SONG).await;
    let read = "const div = document.querySelector('.pitch > div:not([class])');
                return [div ? div.textContent : null,
                        document.querySelector('.pitch .pitch__caption').textContent,
                        document.querySelectorAll('.pitch__value, .pitch__label').length];";
    assert_eq!(session.js(read, vec![]).await, json!(["0", "Key", 0]));
    let up = session
        .driver()
        .find(".pitch button.btn--pitch.pitch__button[onclick*='+ 1']")
        .await
        .unwrap();
    session.driver().click(&up).await.unwrap();
    session.driver().click(&up).await.unwrap();
    assert_eq!(session.js(read, vec![]).await, json!(["+2", "Key", 0]));
    session.shutdown().await;
}
