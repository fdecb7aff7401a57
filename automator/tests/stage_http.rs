//! The stage over real HTTP (reqwest with a cookie store): login and sessions, purchase gating,
//! the solo delay and the correctness trap, the MP3 files, the ledger, and every fault kind.

use std::time::Duration;

use automator::stage::{
    DEMO_PASSWORD, DEMO_USERNAME, FaultKind, FaultSpec, MixStatus, RateLimit, Stage, StageConfig,
    StageError, TimingModel, TransferOutcome, demo_catalog, full_mix_file_name, mix_file_name,
    read_mix_tag,
};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use serde_json::{Value, json};

/// Fast enough for tests, slow enough that ordering is observable.
const SCALE: f64 = 0.02;
const SIMPLE: &str = "/custombackingtrack/the-night-owls/paper-moon-parade.html";
const UNPURCHASED: &str = "/custombackingtrack/unsigned-hopefuls/not-yet-yours.html";

async fn start(time_scale: f64, faults: &str) -> Stage {
    Stage::start(StageConfig {
        time_scale,
        faults: FaultSpec::parse(faults).unwrap(),
        seed: 7,
        ..StageConfig::default()
    })
    .await
    .unwrap()
}

/// A browser-like client that keeps cookies and shows redirects instead of following them.
struct Visitor {
    http: reqwest::Client,
    base: String,
}

impl Visitor {
    fn new(stage: &Stage) -> Visitor {
        Visitor {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: stage.url().to_owned(),
        }
    }

    async fn logged_in(stage: &Stage) -> Visitor {
        let visitor = Visitor::new(stage);
        let response = visitor.login(DEMO_USERNAME, DEMO_PASSWORD, None).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        visitor
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    async fn text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        (response.status(), response.text().await.unwrap())
    }

    async fn login(&self, user: &str, password: &str, next: Option<&str>) -> reqwest::Response {
        let mut form = vec![
            ("frm_login", user),
            ("frm_password", password),
            ("sbm", "Sign in"),
        ];
        if let Some(next) = next {
            form.push(("next", next));
        }
        self.http
            .post(format!("{}/login", self.base))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    async fn post_json(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn solo(&self, song: &str, track: usize) -> StatusCode {
        self.post_json("/api/solo", json!({ "song": song, "track": track }))
            .await
            .0
    }

    /// Turns the solo of `track` off (what a click on an active solo button sends).
    async fn solo_off(&self, song: &str, track: usize) -> StatusCode {
        self.post_json(
            "/api/solo",
            json!({ "song": song, "track": track, "on": false }),
        )
        .await
        .0
    }

    /// Long-polls until exactly `soloed` are soloed; returns the state.
    async fn wait_soloed(&self, song: &str, soloed: &[usize]) -> Value {
        let mut since = 0;
        loop {
            let state = self.solo_state(song, since).await;
            if state["soloed"] == json!(soloed) {
                return state;
            }
            since = state["version"].as_u64().unwrap();
        }
    }

    /// Long-polls until the song's applied solo version exceeds `since`.
    async fn solo_state(&self, song: &str, since: u64) -> Value {
        self.get(&format!("/api/solo-state?song={song}&since={since}"))
            .await
            .json()
            .await
            .unwrap()
    }

    async fn mix(&self, song: &str, key: i32, precount: bool) -> (StatusCode, Value) {
        self.post_json(
            "/api/mix",
            json!({ "song": song, "key": key, "precount": precount }),
        )
        .await
    }

    /// Long-polls a mix until it is no longer generating.
    async fn finished_mix(&self, id: u64) -> Value {
        loop {
            let view: Value = self
                .get(&format!("/api/mix/{id}"))
                .await
                .json()
                .await
                .unwrap();
            if view["status"] != "generating" {
                return view;
            }
        }
    }

    /// Solos `track`, waits until the server applied it, and requests and awaits a mix.
    async fn ready_mix(&self, song: &str, track: usize, key: i32, precount: bool) -> Value {
        let since = self.solo_state_now(song).await;
        assert_eq!(self.solo(song, track).await, StatusCode::ACCEPTED);
        let state = self.solo_state(song, since).await;
        assert_eq!(state["soloed"], json!([track]));
        let (status, mix) = self.mix(song, key, precount).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        self.finished_mix(mix["id"].as_u64().unwrap()).await
    }

    /// The song's current solo version, as embedded in its page's `mixer` configuration.
    async fn solo_state_now(&self, song: &str) -> u64 {
        let page = self.text(song).await.1;
        let start = page.find("\"version\":").unwrap() + "\"version\":".len();
        page[start..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

fn song(path: &str) -> &'static automator::stage::CatalogSong {
    demo_catalog().iter().find(|s| s.path == path).unwrap()
}

#[tokio::test]
async fn home_offers_log_in_until_logged_in_then_my_account() {
    let stage = start(SCALE, "none").await;
    let visitor = Visitor::new(&stage);
    let (status, home) = visitor.text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains(r#"<a href="/login" class="login-link">Log in</a>"#));
    assert!(!home.contains("My Account"));

    let login = visitor.text("/login").await.1;
    for field in [
        r#"name="frm_login""#,
        r#"name="frm_password""#,
        r#"name="sbm""#,
    ] {
        assert!(login.contains(field), "login form lacks {field}");
    }

    let response = visitor.login(DEMO_USERNAME, DEMO_PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/my/index.html");
    let (status, account) = visitor.text("/my/index.html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(account.contains("<h1>My Account</h1>"));
    let home = visitor.text("/").await.1;
    assert!(home.contains("My Account") && !home.contains(">Log in<"));
    assert!(
        !stage.ledger().pages().is_empty(),
        "pages are recorded with their think time"
    );
    stage.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_show_an_error_and_open_no_session() {
    let stage = start(SCALE, "none").await;
    let visitor = Visitor::new(&stage);
    for (user, password) in [
        (DEMO_USERNAME, "wrong"),
        ("nobody@stage.local", DEMO_PASSWORD),
    ] {
        let response = visitor.login(user, password, None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("set-cookie").is_none());
        let page = response.text().await.unwrap();
        assert!(page.contains("Incorrect e-mail address or password."));
        assert!(
            !page.contains(DEMO_PASSWORD),
            "the password is never echoed"
        );
    }
    assert_eq!(
        visitor.get("/my/index.html").await.status(),
        StatusCode::FOUND
    );
    stage.shutdown().await;
}

#[tokio::test]
async fn protected_pages_redirect_to_login_and_login_returns_to_them() {
    let stage = start(SCALE, "none").await;
    let visitor = Visitor::new(&stage);
    let account = visitor.get("/my/index.html").await;
    assert_eq!(account.status(), StatusCode::FOUND);
    assert_eq!(location(&account), "/login?next=%2Fmy%2Findex.html");

    let page = visitor.get(SIMPLE).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(
        location(&page),
        "/login?next=%2Fcustombackingtrack%2Fthe-night-owls%2Fpaper-moon-parade.html"
    );
    let form = visitor.text(&location(&page)).await.1;
    assert!(form.contains(&format!(r#"name="next" value="{SIMPLE}""#)));

    let back = visitor
        .login(DEMO_USERNAME, DEMO_PASSWORD, Some(SIMPLE))
        .await;
    assert_eq!(location(&back), SIMPLE);
    assert_eq!(visitor.get(SIMPLE).await.status(), StatusCode::OK);

    let elsewhere = visitor
        .login(DEMO_USERNAME, DEMO_PASSWORD, Some("//evil.example/"))
        .await;
    assert_eq!(location(&elsewhere), "/my/index.html", "no open redirect");

    let stranger = Visitor::new(&stage);
    assert_eq!(stranger.solo(SIMPLE, 0).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        stranger.get("/api/mix/1").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stranger.mix(SIMPLE, 0, false).await.0,
        StatusCode::UNAUTHORIZED
    );
    stage.shutdown().await;
}

#[tokio::test]
async fn sessions_expire_after_their_ttl_and_end_on_logout() {
    let stage = Stage::start(StageConfig {
        time_scale: SCALE,
        session_ttl: Some(Duration::from_millis(300)),
        ..StageConfig::default()
    })
    .await
    .unwrap();
    let visitor = Visitor::logged_in(&stage).await;
    assert_eq!(visitor.get("/my/index.html").await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        visitor.get("/my/index.html").await.status(),
        StatusCode::FOUND
    );

    let other = Visitor::logged_in(&stage).await;
    assert_eq!(other.get("/logout").await.status(), StatusCode::FOUND);
    assert_eq!(
        other.get("/my/index.html").await.status(),
        StatusCode::FOUND
    );
    stage.shutdown().await;
}

#[tokio::test]
async fn song_page_follows_the_real_sites_dom_contract() {
    let stage = start(SCALE, "none").await;
    let visitor = Visitor::logged_in(&stage).await;
    for entry in demo_catalog().iter().filter(|s| s.purchased) {
        let (status, page) = visitor.text(entry.path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            page.matches(r#"<div class="track" data-index=""#).count(),
            entry.tracks.len()
        );
        for (index, name) in entry.tracks.iter().enumerate() {
            let track = format!(
                r#"<div class="track" data-index="{index}"><span class="track__caption">{}</span><button type="button" class="track__solo""#,
                name.replace('\'', "&#39;")
            );
            assert!(
                page.contains(&track),
                "{}: track {index} markup",
                entry.path
            );
        }
        assert!(
            !page.contains("track__solo is-active"),
            "nothing is soloed yet"
        );
        assert!(page.contains(r#"<input type="checkbox" id="precount""#));
        assert!(page.contains(r#"<div class="pitch">"#));
        assert_eq!(
            page.matches(r#"class="btn btn--pitch pitch__button""#)
                .count(),
            2
        );
        assert!(page.contains(r#"onclick="mixer.setKey(mixer.key + 1)""#));
        assert!(page.contains(r#"onclick="mixer.setKey(mixer.key - 1)""#));
        assert!(page.contains(r#"<span class="pitch__caption">Key</span>"#));
        assert!(page.contains(
            r#"pitch__button" onclick="mixer.setKey(mixer.key - 1)">-</button><div>0</div>"#
        ));
        assert!(page.contains(r#"class="download" onclick="mixer.getMix();return false;""#));
        assert!(page.contains("var mixer = createMixer("));
        assert!(!page.contains("Add to cart"));
    }
    let (status, _) = visitor
        .text("/custombackingtrack/nobody/nothing.html")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    stage.shutdown().await;
}

#[tokio::test]
async fn unpurchased_song_shows_add_to_cart_and_refuses_mixes() {
    let stage = start(SCALE, "none").await;
    let visitor = Visitor::logged_in(&stage).await;
    let page = visitor.text(UNPURCHASED).await.1;
    assert!(page.contains("Add to cart"));
    assert!(!page.contains(r#"class="download""#));
    let (status, body) = visitor.mix(UNPURCHASED, 0, false).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["error"].as_str().unwrap().contains("not purchased"));
    assert!(stage.ledger().mixes().is_empty());
    stage.shutdown().await;
}

#[tokio::test]
async fn solo_is_applied_only_after_the_planned_delay_and_shows_on_the_page() {
    let stage = start(SCALE, "none").await;
    let visitor = Visitor::logged_in(&stage).await;
    assert_eq!(visitor.solo(SIMPLE, 2).await, StatusCode::ACCEPTED);
    let state = visitor.solo_state(SIMPLE, 0).await;
    assert_eq!(state, json!({ "version": 1, "soloed": [2] }));

    let record = &stage.ledger().records()[0];
    assert_eq!(
        (record.track, record.track_name.as_str(), record.attempt),
        (2, "Electric Guitar", 1)
    );
    let planned = record.solo_delay_planned.unwrap();
    assert!(
        (0.3 * SCALE..=2.0 * SCALE).contains(&planned.as_secs_f64()),
        "{planned:?}"
    );
    let applied = record.solo_applied.unwrap();
    assert!(applied - record.solo_requested >= planned);
    assert_eq!(record.intrinsic(), applied - record.solo_requested);

    let page = visitor.text(SIMPLE).await.1;
    assert!(page.contains(
        r#"<button type="button" class="track__solo is-active" onclick="mixer.solo(2)">"#
    ));
    assert_eq!(page.matches("track__solo is-active").count(), 1);
    assert_eq!(visitor.solo(SIMPLE, 99).await, StatusCode::BAD_REQUEST);
    stage.shutdown().await;
}

#[tokio::test]
async fn mix_requested_before_the_solo_is_applied_is_the_previous_mix() {
    let entry = song(SIMPLE);
    // Seed 7 at scale 0.2 keeps Lead Vocal's first solo pending for over 300 ms: ample time
    // for the next request to arrive first (the draw is deterministic, so this cannot flake).
    let pending = TimingModel::new(0.2, 7).solo_delay(entry, 4, 1);
    assert!(pending >= Duration::from_millis(300), "{pending:?}");
    let stage = start(0.2, "none").await;
    let visitor = Visitor::logged_in(&stage).await;

    let (_, before_any) = visitor.mix(SIMPLE, 0, false).await;
    assert_eq!(
        before_any["file_name"],
        full_mix_file_name(entry.artist, entry.title)
    );

    visitor.solo(SIMPLE, 0).await;
    assert_eq!(visitor.solo_state(SIMPLE, 0).await["soloed"], json!([0]));
    // Turning Drums off takes at least 0.3 s × 0.2 too: the early mix still sees Drums alone.
    assert!(TimingModel::new(0.2, 7).unsolo_delay(entry, 0, 1) >= Duration::from_millis(60));
    visitor.solo_off(SIMPLE, 0).await;
    visitor.solo(SIMPLE, 4).await;
    let (_, early) = visitor.mix(SIMPLE, 0, false).await;
    assert_eq!(
        early["file_name"],
        "The_Night_Owls_Paper_Moon_Parade(Drums_Custom_Backing_Track).mp3"
    );
    visitor.wait_soloed(SIMPLE, &[4]).await;
    let (_, late) = visitor.mix(SIMPLE, 0, false).await;
    assert_eq!(
        late["file_name"],
        mix_file_name(entry.artist, entry.title, "Lead Vocal")
    );

    let records = stage.ledger().records();
    let vocal = records.iter().find(|r| r.track == 4).unwrap();
    let mixes_of: Vec<_> = vocal.mixes.iter().map(|m| m.mix_of).collect();
    assert_eq!(mixes_of, [Some(0), Some(4)]);
    assert!(vocal.mixes[0].requested < vocal.solo_applied.unwrap());
    assert_eq!(vocal.served_mix_track(), Some(Some(4)));
    let full = &stage.ledger().mixes()[0];
    assert_eq!((full.mix_of, full.mix_of_name.as_deref()), (None, None));
    stage.shutdown().await;
}

/// Independent check of the MPEG-1 Layer III frame chain (not using the stage's reader).
fn mpeg_frames(audio: &[u8]) -> usize {
    let mut offset = 0;
    let mut frames = 0;
    while offset < audio.len() {
        let header = &audio[offset..offset + 4];
        assert_eq!(header[0], 0xFF, "frame sync at {offset}");
        assert_eq!(header[1] & 0xFE, 0xFA, "MPEG-1 Layer III at {offset}");
        let kbps = [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ][usize::from(header[2] >> 4)];
        let rate = [44_100, 48_000, 32_000][usize::from((header[2] >> 2) & 3)];
        offset += 144 * kbps * 1000 / rate + usize::from((header[2] >> 1) & 1);
        frames += 1;
    }
    assert_eq!(
        offset,
        audio.len(),
        "the last frame ends at the end of the file"
    );
    frames
}

#[tokio::test]
async fn download_is_a_valid_mp3_attachment_tagged_with_the_mix() {
    let stage = start(SCALE, "none").await;
    let visitor = Visitor::logged_in(&stage).await;
    let mix = visitor.ready_mix(SIMPLE, 1, -2, true).await;
    assert_eq!(mix["status"], "ready");
    let response = visitor.get(mix["url"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "audio/mpeg");
    assert_eq!(
        response.headers()[CONTENT_DISPOSITION],
        "attachment; filename=\"The_Night_Owls_Paper_Moon_Parade(Bass_Custom_Backing_Track-2).mp3\""
    );
    let length: usize = response.headers()[CONTENT_LENGTH]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len(), length);

    assert_eq!(&bytes[..3], b"ID3");
    assert!(matches!(bytes[3], 3 | 4));
    let tag_size = bytes[6..10]
        .iter()
        .fold(0usize, |acc, b| (acc << 7) | usize::from(*b));
    assert!(mpeg_frames(&bytes[10 + tag_size..]) >= 10);
    let tag = read_mix_tag(&bytes).unwrap();
    assert_eq!(tag.solo.as_deref(), Some("Bass"));
    assert_eq!((tag.key, tag.precount), (-2, true));
    assert_eq!(
        (tag.artist.as_str(), tag.song.as_str()),
        ("The Night Owls", "Paper Moon Parade")
    );
    assert_eq!(tag.mix_id, mix["id"].as_u64().unwrap());

    let record = &stage.ledger().records()[0];
    assert!(record.delivered());
    assert_eq!(record.bytes_served(), length as u64);
    let transfer = &record.mixes[0].transfers[0];
    assert_eq!(transfer.outcome, TransferOutcome::Complete);
    assert!(transfer.duration() >= transfer.planned);
    assert!((1.0 * SCALE..=6.0 * SCALE).contains(&transfer.planned.as_secs_f64()));
    let generation = record.mixes[0].generation_planned.unwrap().as_secs_f64();
    assert!((4.0 * SCALE..=9.0 * SCALE).contains(&generation));
    assert!(record.intrinsic() >= record.solo_delay_planned.unwrap() + transfer.planned);
    stage.shutdown().await;
}

#[tokio::test]
async fn ledger_is_served_as_json_and_can_be_cleared() {
    let stage = start(SCALE, "none").await;
    let visitor = Visitor::logged_in(&stage).await;
    let mix = visitor.ready_mix(SIMPLE, 4, 0, false).await;
    visitor
        .get(mix["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();

    let ledger: Value = visitor.get("/__stage/ledger").await.json().await.unwrap();
    let record = &ledger["records"][0];
    assert_eq!(record["track_name"], "Lead Vocal");
    assert!(record["solo_applied"].as_f64().unwrap() > record["solo_requested"].as_f64().unwrap());
    assert_eq!(record["mixes"][0]["status"], "ready");
    assert_eq!(ledger["mixes_served"][0]["mix_of"], 4);
    assert_eq!(ledger["mixes_served"][0]["requested_for"], 4);
    assert_eq!(ledger["mixes_served"][0]["outcome"], "complete");
    assert!(ledger["pages"].as_array().unwrap().len() >= 2);
    let served = stage.ledger().mixes_served();
    assert_eq!(served[0].bytes_served, served[0].total_bytes);

    let cleared = visitor
        .http
        .delete(format!("{}/__stage/ledger", stage.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(stage.ledger().records().is_empty());
    let info: Value = visitor.get("/__stage/info").await.json().await.unwrap();
    assert_eq!(info["time_scale"], SCALE);
    assert_eq!(
        info["songs"].as_array().unwrap().len(),
        demo_catalog().len()
    );
    stage.shutdown().await;
}

#[tokio::test]
async fn fault_http500_fails_requests() {
    let stage = start(SCALE, "http500=1").await;
    let visitor = Visitor::new(&stage);
    assert_eq!(
        visitor.get("/").await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let login = visitor.login(DEMO_USERNAME, DEMO_PASSWORD, None).await;
    assert_eq!(login.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let faults = stage.ledger().faults();
    assert_eq!(faults.len(), 2);
    assert!(faults.iter().all(|f| f.kind == FaultKind::Http500));
    assert_eq!(faults[1].context, "POST /login|1");
    // Admin endpoints are never faulted.
    assert_eq!(
        visitor.get("/__stage/ledger").await.status(),
        StatusCode::OK
    );
    stage.shutdown().await;
}

#[tokio::test]
async fn fault_solo_stuck_never_applies_the_solo() {
    let stage = start(SCALE, "solo_stuck=1").await;
    let visitor = Visitor::logged_in(&stage).await;
    assert_eq!(visitor.solo(SIMPLE, 0).await, StatusCode::ACCEPTED);
    // Well past the longest possible delay (2.0 s × scale).
    tokio::time::sleep(Duration::from_secs_f64(4.0 * SCALE)).await;
    let record = &stage.ledger().records()[0];
    assert_eq!(
        (record.solo_delay_planned, record.solo_applied),
        (None, None)
    );
    assert!(
        !visitor
            .text(SIMPLE)
            .await
            .1
            .contains("track__solo is-active")
    );
    assert_eq!(stage.ledger().faults()[0].kind, FaultKind::SoloStuck);
    stage.shutdown().await;
}

#[tokio::test]
async fn fault_mix_fail_reports_a_failed_mix_that_cannot_be_downloaded() {
    let stage = start(SCALE, "mix_fail=1").await;
    let visitor = Visitor::logged_in(&stage).await;
    let mix = visitor.ready_mix(SIMPLE, 0, 0, false).await;
    assert_eq!(mix["status"], "failed");
    let download = visitor.get(mix["url"].as_str().unwrap()).await;
    assert_eq!(download.status(), StatusCode::CONFLICT);
    let record = &stage.ledger().mixes()[0];
    assert_eq!(record.status, MixStatus::Failed);
    assert!(record.failed.is_some() && record.ready.is_none());
    stage.shutdown().await;
}

#[tokio::test]
async fn fault_mix_stuck_never_finishes_the_mix() {
    let stage = start(SCALE, "mix_stuck=1").await;
    let visitor = Visitor::logged_in(&stage).await;
    let (status, mix) = visitor.mix(SIMPLE, 0, false).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(mix["status"], "generating");
    tokio::time::sleep(Duration::from_secs_f64(12.0 * SCALE)).await;
    let download = visitor.get(mix["url"].as_str().unwrap()).await;
    assert_eq!(download.status(), StatusCode::CONFLICT);
    let record = &stage.ledger().mixes()[0];
    assert_eq!(
        (record.status, record.generation_planned, record.ready),
        (MixStatus::Stuck, None, None)
    );
    stage.shutdown().await;
}

#[tokio::test]
async fn fault_slow_download_transfers_ten_times_slower() {
    let stage = start(SCALE, "slow_download=1").await;
    let visitor = Visitor::logged_in(&stage).await;
    let mix = visitor.ready_mix(SIMPLE, 0, 0, false).await;
    let bytes = visitor
        .get(mix["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert!(
        read_mix_tag(&bytes).is_ok(),
        "a slow download is still complete"
    );
    let transfer = &stage.ledger().mixes()[0].transfers[0];
    assert!(transfer.planned.as_secs_f64() >= 10.0 * 0.3 * SCALE);
    assert!(transfer.duration() >= transfer.planned);
    assert_eq!(stage.ledger().faults()[0].kind, FaultKind::SlowDownload);
    stage.shutdown().await;
}

#[tokio::test]
async fn fault_cut_download_stops_halfway() {
    let stage = start(SCALE, "cut_download=1").await;
    let visitor = Visitor::logged_in(&stage).await;
    let mix = visitor.ready_mix(SIMPLE, 0, 0, false).await;
    let response = visitor.get(mix["url"].as_str().unwrap()).await;
    let promised: usize = response.headers()[CONTENT_LENGTH]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = response.bytes().await;
    assert!(
        body.is_err(),
        "the connection is cut before Content-Length bytes arrive"
    );
    let served = &stage.ledger().mixes_served()[0];
    assert_eq!(served.outcome, TransferOutcome::Cut);
    assert!(served.bytes_served > 0 && served.bytes_served < promised as u64);
    assert!(!stage.ledger().records()[0].delivered());
    stage.shutdown().await;
}

#[tokio::test]
async fn fault_session_expiry_logs_the_visitor_out() {
    let stage = start(SCALE, "session_expiry=1").await;
    let visitor = Visitor::logged_in(&stage).await;
    let account = visitor.get("/my/index.html").await;
    assert_eq!(account.status(), StatusCode::FOUND);
    assert!(location(&account).starts_with("/login?next="));
    let faults = stage.ledger().faults();
    assert_eq!(faults.len(), 1, "only a live session can expire");
    assert_eq!(faults[0].kind, FaultKind::SessionExpiry);
    assert_eq!(visitor.solo(SIMPLE, 0).await, StatusCode::UNAUTHORIZED);
    stage.shutdown().await;
}

#[tokio::test]
async fn the_same_seed_reproduces_delays_and_faults() {
    async fn run(seed: u64) -> (Vec<StatusCode>, Vec<Duration>) {
        let stage = Stage::start(StageConfig {
            time_scale: 0.001,
            faults: FaultSpec::parse("http500=0.5").unwrap(),
            seed,
            ..StageConfig::default()
        })
        .await
        .unwrap();
        let visitor = Visitor::new(&stage);
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(visitor.get("/").await.status());
        }
        let think = stage.ledger().pages().iter().map(|p| p.think).collect();
        stage.shutdown().await;
        (statuses, think)
    }
    let (first, think) = run(11).await;
    assert_eq!(run(11).await, (first.clone(), think.clone()));
    assert!(first.contains(&StatusCode::OK) && first.contains(&StatusCode::INTERNAL_SERVER_ERROR));
    assert_ne!(run(12).await.1, think, "another seed draws other delays");
}

#[tokio::test]
async fn bad_configuration_is_refused_with_a_clear_error() {
    let bad = Stage::start(StageConfig {
        time_scale: -1.0,
        ..StageConfig::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(bad, StageError::InvalidTimeScale { .. }));
    assert!(bad.to_string().contains("time scale -1"));

    let stage = start(SCALE, "none").await;
    let taken = Stage::start(StageConfig {
        port: stage.addr().port(),
        ..StageConfig::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(taken, StageError::Bind { .. }));
    assert!(taken.to_string().contains("--port"));
    stage.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_pending_long_polls() {
    let stage = start(SCALE, "none").await;
    let visitor = Visitor::logged_in(&stage).await;
    let poll = tokio::spawn(async move { visitor.solo_state(SIMPLE, 0).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    stage.shutdown().await;
    let answered = tokio::time::timeout(Duration::from_secs(5), poll).await;
    let state = answered
        .expect("the long-poll ends with the stage")
        .unwrap();
    assert_eq!(state, json!({ "version": 0, "soloed": [] }));
}

#[tokio::test]
async fn mixes_beyond_the_capacity_queue_first_come_first_served() {
    let stage = Stage::start(StageConfig {
        time_scale: SCALE,
        seed: 7,
        capacity: 2,
        ..StageConfig::default()
    })
    .await
    .unwrap();
    let visitor = Visitor::logged_in(&stage).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, mix) = visitor.mix(SIMPLE, 0, false).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{mix}");
        ids.push(mix["id"].as_u64().unwrap());
    }
    for id in &ids {
        assert_eq!(visitor.finished_mix(*id).await["status"], "ready");
    }
    let mixes = stage.ledger().mixes();
    let [first, second, third] = mixes.as_slice() else {
        panic!("three mixes: {mixes:#?}");
    };
    // Slots are handed out in arrival order (FIFO).
    assert!(first.started.unwrap() <= second.started.unwrap());
    assert!(second.started.unwrap() <= third.started.unwrap());
    // The third waited for the first slot to be freed, about one service time.
    let freed = first.ready.unwrap().min(second.ready.unwrap());
    let started = third.started.unwrap();
    assert!(
        started >= freed,
        "started {started:?} before a slot was free at {freed:?}"
    );
    let shortest_service = first
        .generation_planned
        .unwrap()
        .min(second.generation_planned.unwrap());
    assert!(
        third.queue() + (third.requested - first.requested) >= shortest_service,
        "queued {:?}",
        third.queue()
    );
    // Its own service time is still the timing model's: ready − started ≥ planned.
    assert!(third.ready.unwrap() - started >= third.generation_planned.unwrap());
    assert_eq!(
        third.intrinsic(),
        third.queue() + (third.ready.unwrap() - started),
        "intrinsic = queue + service"
    );
    let json: Value = visitor.get("/__stage/ledger").await.json().await.unwrap();
    assert!(json["mixes"][2]["started"].as_f64().unwrap() >= freed.as_secs_f64());
    let info: Value = visitor.get("/__stage/info").await.json().await.unwrap();
    assert_eq!(
        (info["capacity"].as_u64(), &info["rate_limit"]),
        (Some(2), &Value::Null)
    );
    stage.shutdown().await;
}

#[tokio::test]
async fn mix_requests_over_the_rate_limit_get_429_with_retry_after_in_seconds() {
    let stage = Stage::start(StageConfig {
        time_scale: SCALE,
        rate_limit: Some(RateLimit::parse("2/min").unwrap()),
        ..StageConfig::default()
    })
    .await
    .unwrap();
    let visitor = Visitor::logged_in(&stage).await;
    for _ in 0..2 {
        assert_eq!(visitor.mix(SIMPLE, 0, false).await.0, StatusCode::ACCEPTED);
    }
    let refused = visitor
        .http
        .post(format!("{}/api/mix", visitor.base))
        .json(&json!({ "song": SIMPLE, "key": 0, "precount": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // The window is 60 s × 0.02 = 1.2 s, so the wait is 1 or 2 whole seconds.
    let retry_after: u64 = refused.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is delay-seconds, an integer");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("too many"),
        "{body}"
    );
    let ledger = stage.ledger();
    assert_eq!(ledger.mixes().len(), 2, "a refused request makes no mix");
    let limited = ledger.rate_limited();
    assert_eq!(limited.len(), 1);
    assert_eq!(
        (limited[0].song.as_str(), limited[0].retry_after_secs),
        (SIMPLE, retry_after)
    );
    let info: Value = visitor.get("/__stage/info").await.json().await.unwrap();
    assert_eq!(info["rate_limit"], "2/min");
    stage.shutdown().await;
}
