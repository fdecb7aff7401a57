//! Track management: open a song page, check it is purchased, discover its tracks, set intro
//! count and key, and solo one track at a time — waiting for the server per `solo_wait`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::config::SoloWait;

use super::context::FlowContext;
use super::error::FlowError;
use super::scripts;

/// One track of a song page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInfo {
    /// The `data-index` of the track.
    pub index: usize,
    /// The caption, e.g. `Lead Vocal`.
    pub name: String,
}

/// What a song page offers the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SongAccess {
    Purchased(Vec<TrackInfo>),
    /// The page shows "Add to cart" and no download link.
    NotPurchased,
}

/// Opens the song page and reads what it offers.
#[tracing::instrument(
    skip_all,
    fields(tier = "component", component = "track_management"),
    err
)]
pub async fn open_song(ctx: &FlowContext<'_>, url: &str) -> Result<SongAccess, FlowError> {
    load_song_page(ctx, url).await?;
    if !check_purchased(ctx).await? {
        return Ok(SongAccess::NotPurchased);
    }
    Ok(SongAccess::Purchased(discover_tracks(ctx).await?))
}

#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management"), err)]
async fn load_song_page(ctx: &FlowContext<'_>, url: &str) -> Result<(), FlowError> {
    ctx.driver.navigate(&ctx.url(url), 2).await?;
    Ok(())
}

/// `true` when the page has the download link; `false` when it offers "Add to cart" instead.
#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management"), err)]
async fn check_purchased(ctx: &FlowContext<'_>) -> Result<bool, FlowError> {
    let site = ctx.site;
    let state = ctx
        .driver
        .execute(
            "song_page_state",
            scripts::SONG_PAGE_STATE,
            vec![
                json!(site.login.username_input),
                json!(site.song.download_link),
                json!(site.song.not_purchased_text),
            ],
        )
        .await?;
    let flag = |name: &str| state.get(name).and_then(Value::as_bool).unwrap_or(false);
    if flag("login") {
        return Err(FlowError::SessionExpired);
    }
    if flag("download") {
        return Ok(true);
    }
    if flag("cart") {
        return Ok(false);
    }
    Err(FlowError::UnexpectedPage(format!(
        "neither a download link ({}) nor {:?}",
        site.song.download_link, site.song.not_purchased_text
    )))
}

#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management", tracks = tracing::field::Empty), err)]
async fn discover_tracks(ctx: &FlowContext<'_>) -> Result<Vec<TrackInfo>, FlowError> {
    let song = &ctx.site.song;
    let found = ctx
        .driver
        .execute(
            "discover_tracks",
            scripts::DISCOVER_TRACKS,
            vec![
                json!(song.track),
                json!(song.track_index_attribute),
                json!(song.track_caption),
                json!(song.max_tracks),
            ],
        )
        .await?;
    let tracks = parse_tracks(&found)?;
    tracing::Span::current().record("tracks", tracks.len());
    Ok(tracks)
}

fn parse_tracks(found: &Value) -> Result<Vec<TrackInfo>, FlowError> {
    let rows = found.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut tracks = Vec::with_capacity(rows.len());
    for row in rows {
        let index = row.get(0).and_then(Value::as_u64);
        let name = row
            .get(1)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim();
        match index {
            Some(index) if !name.is_empty() => tracks.push(TrackInfo {
                index: index as usize,
                name: name.to_string(),
            }),
            _ => {
                return Err(FlowError::UnexpectedPage(format!(
                    "a track without index or caption: {row}"
                )));
            }
        }
    }
    if tracks.is_empty() {
        return Err(FlowError::UnexpectedPage("no tracks found".into()));
    }
    let mut indices: Vec<usize> = tracks.iter().map(|track| track.index).collect();
    indices.sort_unstable();
    indices.dedup();
    if indices.len() != tracks.len() {
        return Err(FlowError::UnexpectedPage(
            "two tracks share an index".into(),
        ));
    }
    Ok(tracks)
}

/// Ticks the intro-count checkbox when `on` and it is not ticked yet (and the reverse).
#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management"), err)]
pub async fn set_intro_count(ctx: &FlowContext<'_>, on: bool) -> Result<(), FlowError> {
    let selector = &ctx.site.song.intro_count_checkbox;
    let checked = ctx
        .driver
        .execute(
            "intro_count_state",
            scripts::CHECKBOX_STATE,
            vec![json!(selector)],
        )
        .await?;
    match checked.as_bool() {
        None => Err(FlowError::UnexpectedPage(format!(
            "no intro count checkbox ({selector})"
        ))),
        Some(state) if state == on => Ok(()),
        Some(_) => {
            let checkbox = ctx.driver.find(selector).await?;
            ctx.driver.click(&checkbox).await?;
            Ok(())
        }
    }
}

/// Moves the key to `semitones` with the pitch buttons and checks the page shows it.
#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management", key = semitones), err)]
pub async fn set_key(ctx: &FlowContext<'_>, semitones: i32) -> Result<(), FlowError> {
    let song = &ctx.site.song;
    let value_selector = format!("{} {}", song.pitch, song.pitch_value);
    let shown = read_key(ctx, &value_selector).await?;
    let current = parse_key(&shown).ok_or_else(|| FlowError::KeyNotSet {
        wanted: semitones,
        shown: shown.clone(),
    })?;
    if current == semitones {
        return Ok(());
    }
    let marker = if semitones > current {
        &song.pitch_up_onclick
    } else {
        &song.pitch_down_onclick
    };
    let button_selector = format!(
        "{} {}[onclick*={}]",
        song.pitch,
        song.pitch_button,
        json!(marker)
    );
    let button = ctx.driver.find(&button_selector).await?;
    for _ in 0..(semitones - current).unsigned_abs() {
        ctx.driver.click(&button).await?;
    }
    let shown = read_key(ctx, &value_selector).await?;
    match parse_key(&shown) {
        Some(now) if now == semitones => Ok(()),
        _ => Err(FlowError::KeyNotSet {
            wanted: semitones,
            shown,
        }),
    }
}

async fn read_key(ctx: &FlowContext<'_>, selector: &str) -> Result<String, FlowError> {
    let text = ctx
        .driver
        .execute("read_key", scripts::TEXT_OF, vec![json!(selector)])
        .await?;
    text.as_str()
        .map(str::to_string)
        .ok_or_else(|| FlowError::UnexpectedPage(format!("no key value ({selector})")))
}

/// `"+2"`, `"-3"`, `"0"` (and a typographic minus) → semitones.
fn parse_key(shown: &str) -> Option<i32> {
    let normalized = shown.trim().replace('\u{2212}', "-");
    normalized
        .strip_prefix('+')
        .unwrap_or(&normalized)
        .parse()
        .ok()
}

/// Makes `track` the only soloed track and waits, per `solo_wait`, until the server shows
/// exactly that. Solo buttons toggle and several tracks can be soloed at once (the real site),
/// so every other active solo is clicked off and the wanted one clicked on only if it is off;
/// the state is read back after the clicks, so the mix is requested from exactly one solo.
#[tracing::instrument(skip_all, fields(tier = "component", component = "track_management", track = track.index), err)]
pub async fn solo_track(
    ctx: &FlowContext<'_>,
    track: &TrackInfo,
    track_count: usize,
) -> Result<(), FlowError> {
    activate_solo(ctx, track).await?;
    wait_for_solo(ctx, track, track_count).await
}

/// The soloed tracks' indices as the page shows them now.
pub async fn soloed_tracks(ctx: &FlowContext<'_>) -> Result<Vec<usize>, FlowError> {
    let song = &ctx.site.song;
    let states = ctx
        .driver
        .execute(
            "solo_states",
            &scripts::solo_states(),
            vec![
                json!(song.track_index_attribute),
                json!(song.solo_button),
                json!(song.solo_active_class),
            ],
        )
        .await?;
    Ok(active_indices(&states))
}

/// `[[index, active], …]` → the active indices.
fn active_indices(states: &Value) -> Vec<usize> {
    states
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|row| row.get(1).and_then(Value::as_bool) == Some(true))
        .filter_map(|row| row.get(0).and_then(Value::as_u64))
        .map(|index| index as usize)
        .collect()
}

/// Which solo buttons to click so that only `wanted` stays soloed: every other active one
/// (turning it off), then `wanted` unless it is already on.
fn solo_clicks(active: &[usize], wanted: usize) -> Vec<usize> {
    let mut clicks: Vec<usize> = active.iter().copied().filter(|i| *i != wanted).collect();
    if !active.contains(&wanted) {
        clicks.push(wanted);
    }
    clicks
}

/// The solo button of the track with `index`: inside the element carrying that index, found
/// by the index attribute alone (no class of an ancestor is relied on).
fn solo_button_selector(ctx: &FlowContext<'_>, index: usize) -> String {
    let song = &ctx.site.song;
    format!(
        "[{}=\"{}\"] {}",
        song.track_index_attribute, index, song.solo_button
    )
}

#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management", clicks = tracing::field::Empty), err)]
async fn activate_solo(ctx: &FlowContext<'_>, track: &TrackInfo) -> Result<(), FlowError> {
    let active = soloed_tracks(ctx).await?;
    let clicks = solo_clicks(&active, track.index);
    tracing::Span::current().record("clicks", clicks.len());
    for index in clicks {
        let selector = solo_button_selector(ctx, index);
        let clicked = ctx
            .driver
            .execute("click_solo", scripts::CLICK, vec![json!(selector)])
            .await?;
        if clicked.as_bool() != Some(true) {
            return Err(FlowError::UnexpectedPage(format!(
                "no solo button ({selector})"
            )));
        }
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management", mode = ?ctx.knobs.solo_wait), err)]
async fn wait_for_solo(
    ctx: &FlowContext<'_>,
    track: &TrackInfo,
    track_count: usize,
) -> Result<(), FlowError> {
    let knobs = ctx.knobs;
    let song = &ctx.site.song;
    let arguments = || {
        vec![
            json!(song.track_index_attribute),
            json!(song.solo_button),
            json!(song.solo_active_class),
            json!(track.index),
            json!(ctx.site.download.failed_texts),
        ]
    };
    let max_wait = ctx.seconds(knobs.solo_max_wait);
    let state = match knobs.solo_wait {
        SoloWait::Fixed => {
            wait_for_solo_server_sync(knobs.fixed_sync_delay()).await;
            finalize_solo_activation(knobs.fixed_finalize_delay(track_count)).await;
            confirm_solo_after_blind_wait(ctx, arguments(), max_wait).await?
        }
        SoloWait::Poll => poll_solo(ctx, arguments(), max_wait).await?,
        SoloWait::Observe => observe_solo(ctx, arguments(), max_wait).await?,
    };
    match state.as_str() {
        "active" => Ok(()),
        "error" => Err(FlowError::SoloRejected { index: track.index }),
        _ => Err(FlowError::SoloNotApplied {
            index: track.index,
            waited: max_wait.as_secs_f64(),
        }),
    }
}

/// Resolves (one async script, a MutationObserver) the moment the page shows exactly the
/// wanted solo, at once when it already does; `'timeout'` after `max_wait`.
async fn observe_solo(
    ctx: &FlowContext<'_>,
    mut arguments: Vec<Value>,
    max_wait: Duration,
) -> Result<String, FlowError> {
    arguments.push(json!(max_wait.as_millis() as u64));
    let state = ctx
        .driver
        .execute_async(
            "observe_solo",
            &scripts::observe_solo(),
            arguments,
            max_wait,
        )
        .await?;
    Ok(state.as_str().unwrap_or("timeout").to_string())
}

/// After the blind waits of `solo_wait = "fixed"`: the knob chooses how long to wait blindly,
/// never whether the mix is of the right track. A mix requested before the solo is applied
/// is the previous mix (a wrong file to download, reject and ask for again), so when the blind
/// waits were too short for this solo (a click track applies in 2–6 s on the real site) this
/// waits on until the page shows it; when they sufficed it costs one script round trip. Its
/// own span, so a profile shows when a blind wait was too short.
#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management"), err)]
async fn confirm_solo_after_blind_wait(
    ctx: &FlowContext<'_>,
    arguments: Vec<Value>,
    max_wait: Duration,
) -> Result<String, FlowError> {
    observe_solo(ctx, arguments, max_wait).await
}

/// The original's first blind solo wait, kept as its own span so profiles show both.
#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management"))]
async fn wait_for_solo_server_sync(delay: std::time::Duration) {
    tokio::time::sleep(delay).await;
}

/// The original's second blind solo wait ("safety buffer"), sized by the song.
#[tracing::instrument(skip_all, fields(tier = "method", component = "track_management"))]
async fn finalize_solo_activation(delay: std::time::Duration) {
    tokio::time::sleep(delay).await;
}

/// Reads the solo state every `solo_poll_interval` until it settles or `max_wait` passes.
async fn poll_solo(
    ctx: &FlowContext<'_>,
    arguments: Vec<Value>,
    max_wait: Duration,
) -> Result<String, FlowError> {
    let started = Instant::now();
    let interval = ctx.seconds(ctx.knobs.solo_poll_interval);
    let script = scripts::solo_state();
    loop {
        let state = ctx
            .driver
            .execute("poll_solo", &script, arguments.clone())
            .await?;
        if let Some(state) = state.as_str() {
            return Ok(state.to_string());
        }
        if started.elapsed() >= max_wait {
            return Ok("timeout".to_string());
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_as_the_page_shows_them() {
        assert_eq!(parse_key("+2"), Some(2));
        assert_eq!(parse_key("-3"), Some(-3));
        assert_eq!(parse_key("\u{2212}4"), Some(-4));
        assert_eq!(parse_key(" 0 "), Some(0));
        assert_eq!(parse_key("Key"), None);
    }

    #[test]
    fn only_the_wanted_solo_stays_on() {
        assert_eq!(solo_clicks(&[], 2), vec![2]);
        assert_eq!(solo_clicks(&[2], 2), Vec::<usize>::new());
        assert_eq!(solo_clicks(&[0, 2, 4], 2), vec![0, 4]);
        assert_eq!(solo_clicks(&[1], 3), vec![1, 3]);
        assert_eq!(
            active_indices(&json!([[0, false], [1, true], [2, true]])),
            vec![1, 2]
        );
    }

    #[test]
    fn discovered_tracks_must_have_unique_indices_and_captions() {
        let good = json!([[0, "Drums"], [1, "Bass"]]);
        assert_eq!(
            parse_tracks(&good).unwrap()[1],
            TrackInfo {
                index: 1,
                name: "Bass".into()
            }
        );
        assert!(parse_tracks(&json!([])).is_err());
        assert!(parse_tracks(&json!([[0, "Drums"], [0, "Bass"]])).is_err());
        assert!(parse_tracks(&json!([[0, ""]])).is_err());
        assert!(parse_tracks(&json!([[null, "Drums"]])).is_err());
    }
}
