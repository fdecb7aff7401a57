//! HTML and JavaScript of the replica site. The DOM contract (class names, input names, link
//! texts, `onclick` attributes, modal texts) matches the real site exactly, because the
//! automator's selectors come from a profile describing the real site.

use super::catalog::CatalogSong;
use super::mix::{MAX_KEY_SHIFT, SoloView};

/// Shown while a mix is generated.
pub(crate) const CREATING_TEXT: &str = "Creating your custom backing track… please wait";
/// Shown when the mix is ready and the download starts.
pub(crate) const READY_TEXT: &str = "Your download will begin in a moment… you can also click on the link below to manually begin your download:";
/// Shown when mix generation failed.
pub(crate) const FAILED_TEXT: &str =
    "Sorry, we could not create your custom backing track. Please try again.";
/// Shown when a request from the page failed.
pub(crate) const ERROR_TEXT: &str = "Sorry, something went wrong. Please try again.";
/// Shown when a mix request was refused by the rate limit (HTTP 429); `{s}` is the
/// `Retry-After` in seconds. It contains the generic failure phrase, so a client that cannot
/// read the status still sees a failure (an assumption: the real site's 429 page is unknown).
pub(crate) const BUSY_TEXT: &str =
    "Sorry, something went wrong: too many requests. Please try again in {s} seconds.";
/// Shown on the login form after wrong credentials.
pub(crate) const LOGIN_ERROR_TEXT: &str = "Incorrect e-mail address or password.";

const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
.header { display: flex; justify-content: space-between; padding: 12px 24px; background: #2b2d42; }
.header a { color: #fff; margin-left: 16px; text-decoration: none; }
main { max-width: 760px; margin: 24px auto; padding: 0 16px; }
.track { display: flex; align-items: center; gap: 12px; padding: 6px 0; border-bottom: 1px solid #ddd; }
.track__caption { flex: 1; }
.track__solo { min-width: 64px; }
.track__solo.is-active { background: #ef233c; color: #fff; }
.controls { display: flex; gap: 24px; align-items: center; margin: 16px 0; }
.pitch { display: flex; gap: 8px; align-items: center; }
.pitch > div { min-width: 2em; text-align: center; font-weight: bold; }
.download, .add-to-cart { display: inline-block; padding: 10px 16px; background: #2b2d42; color: #fff; text-decoration: none; border: 0; }
.error, .notice { color: #b00020; }
.modal { position: fixed; inset: 0; z-index: 1000; background: rgba(0,0,0,.4); display: flex; align-items: center; justify-content: center; }
.modal[hidden] { display: none; }
.modal__box { background: #fff; padding: 24px; max-width: 480px; }
"#;

/// The site's chrome around every page; `logged_in` picks "Log in" or "My Account".
fn layout(title: &str, logged_in: bool, body: &str) -> String {
    let account = if logged_in {
        r#"<a href="/my/index.html" class="account-link">My Account</a> <a href="/logout">Log out</a>"#
    } else {
        r#"<a href="/login" class="login-link">Log in</a>"#
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title} – Stage Karaoke</title><style>{STYLE}</style></head>\
         <body><header class=\"header\"><a href=\"/\" class=\"logo\">Stage Karaoke</a>\
         <nav>{account}</nav></header><main>{body}</main></body></html>",
        title = escape(title),
    )
}

/// Home page: the catalog, and the account link.
pub(crate) fn home(logged_in: bool, songs: &[CatalogSong]) -> String {
    let items = song_links(songs.iter());
    let body = format!(
        "<h1>Custom backing tracks</h1>\
         <p>A local replica of the karaoke site, for the automator and for people.</p>\
         <ul class=\"catalog\">{items}</ul>"
    );
    layout("Home", logged_in, &body)
}

/// One `<li>` a song, linking to its page: "Artist – Title".
fn song_links<'a>(songs: impl Iterator<Item = &'a CatalogSong>) -> String {
    songs
        .map(|song| {
            format!(
                "<li><a href=\"{}\">{} – {}</a></li>",
                escape(song.path),
                escape(song.artist),
                escape(song.title)
            )
        })
        .collect()
}

/// Login form; `next` is where a successful login goes.
pub(crate) fn login(next: &str, failed: bool) -> String {
    let error = if failed {
        format!("<p class=\"error\">{LOGIN_ERROR_TEXT}</p>")
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Log in</h1>{error}\
         <form method=\"post\" action=\"/login\" class=\"login-form\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <p><label>E-mail <input type=\"text\" name=\"frm_login\" autocomplete=\"username\"></label></p>\
         <p><label>Password <input type=\"password\" name=\"frm_password\" autocomplete=\"current-password\"></label></p>\
         <p><input type=\"submit\" name=\"sbm\" value=\"Sign in\"></p></form>",
        next = escape(next)
    );
    layout("Log in", false, &body)
}

/// The account page: purchased songs.
pub(crate) fn account(songs: &[CatalogSong]) -> String {
    let items = song_links(songs.iter().filter(|song| song.purchased));
    let body = format!("<h1>My Account</h1><h2>My custom backing tracks</h2><ul>{items}</ul>");
    layout("My Account", true, &body)
}

/// A song page: tracks with solo buttons, intro count, key, and the download link (or
/// "Add to cart" when not purchased), driven by the `mixer` global. As on the real site: no
/// element around the track rows has a class containing "track", the key shows in a class-less
/// `div` inside `.pitch`, and the modal texts are not in the page until a download is asked for.
pub(crate) fn song(song: &CatalogSong, solo: SoloView) -> String {
    let tracks: String = song
        .tracks
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let active = if solo.soloed.contains(&index) {
                " is-active"
            } else {
                ""
            };
            format!(
                "<div class=\"track\" data-index=\"{index}\">\
                 <span class=\"track__caption\">{}</span>\
                 <button type=\"button\" class=\"track__solo{active}\" onclick=\"mixer.solo({index})\">Solo</button></div>",
                escape(name)
            )
        })
        .collect();
    let purchase = if song.purchased {
        r##"<a href="#" class="download" onclick="mixer.getMix();return false;">Download your custom backing track</a>"##
    } else {
        r#"<button type="button" class="btn btn--cart add-to-cart">Add to cart</button>"#
    };
    let config = serde_json::json!({
        "song": song.path,
        "tracks": song.tracks,
        "purchased": song.purchased,
        "soloed": solo.soloed,
        "version": solo.version,
        "maxKey": MAX_KEY_SHIFT,
        "text": {
            "error": ERROR_TEXT,
            "busy": BUSY_TEXT,
        },
    });
    let body = format!(
        "<h1 class=\"song__title\">{title}</h1><p class=\"song__artist\">{artist}</p>\
         <div class=\"mixer\"><div class=\"mixer__list\">{tracks}</div>\
         <div class=\"controls\">\
         <label><input type=\"checkbox\" id=\"precount\" onchange=\"mixer.setPrecount(this.checked)\"> Intro count</label>\
         <div class=\"pitch\"><span class=\"pitch__caption\">Key</span>\
         <button type=\"button\" class=\"btn btn--pitch pitch__button\" onclick=\"mixer.setKey(mixer.key - 1)\">-</button>\
         <div>0</div>\
         <button type=\"button\" class=\"btn btn--pitch pitch__button\" onclick=\"mixer.setKey(mixer.key + 1)\">+</button>\
         </div></div>\
         <p class=\"notice\" hidden></p>{purchase}</div>\
         <div id=\"mix-modal\" class=\"modal\" hidden><div class=\"modal__box\">\
         <p class=\"modal__message\"></p><p class=\"modal__link\"></p>\
         <button type=\"button\" class=\"modal__close\" onclick=\"mixer.closeModal()\">Close</button></div></div>\
         <script>var mixer = createMixer({config});\n{MIXER_JS}</script>",
        title = escape(song.title),
        artist = escape(song.artist),
        config = script_json(&config),
    );
    layout(&format!("{} – {}", song.artist, song.title), true, &body)
}

/// The `leak=MB` fault: a script that opens a hidden same-origin window and fills a buffer of
/// `mb` MiB held by that window's global, so the memory outlives the song page (navigation
/// frees the page's own globals, not another window's) and grows with every visit.
pub fn leak_script(mb: u32) -> String {
    format!(
        "<script>(function(){{var w=window.open('about:blank','_blank');\
         if(w){{w.document.write('<script>window.kept=new Uint8Array({mb}*1048576).fill(7)<\\/script>');\
         w.document.close();}}}})();</script></body>"
    )
}

/// A plain error page.
pub(crate) fn error(status: u16, message: &str, logged_in: bool) -> String {
    let body = format!(
        "<h1>Error {status}</h1><p class=\"error\">{}</p>",
        escape(message)
    );
    layout(&format!("Error {status}"), logged_in, &body)
}

/// The page's mixer: a solo click asks the server to turn that solo on, or off when it is
/// active; `is-active` follows the server's applied solos (learned by long-polling); `getMix()`
/// drives the download modal with the texts the server sends.
const MIXER_JS: &str = r#"
function createMixer(config) {
  var m = {
    song: config.song, tracks: config.tracks, purchased: config.purchased,
    soloed: config.soloed, requestedSolo: null, version: config.version,
    key: 0, precount: false, mix: null, mixStatus: null
  };
  function toLogin() { window.location.href = '/login?next=' + encodeURIComponent(m.song); }
  function checked(response) {
    if (response.status === 401) { toLogin(); throw new Error('session expired'); }
    if (response.status === 429) {
      var busy = new Error('HTTP 429'); busy.retryAfter = response.headers.get('Retry-After') || '?';
      throw busy;
    }
    if (!response.ok) { throw new Error('HTTP ' + response.status); }
    return response.json();
  }
  function post(url, data) {
    return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                        body: JSON.stringify(data) }).then(checked);
  }
  function notice(text) {
    var el = document.querySelector('.notice');
    el.textContent = text || ''; el.hidden = !text;
  }
  function showSolo(state) {
    m.version = state.version; m.soloed = state.soloed;
    document.querySelectorAll('.track').forEach(function (track) {
      var active = state.soloed.indexOf(Number(track.getAttribute('data-index'))) >= 0;
      track.querySelector('.track__solo').classList.toggle('is-active', active);
    });
  }
  function pollSolo() {
    fetch('/api/solo-state?song=' + encodeURIComponent(m.song) + '&since=' + m.version)
      .then(checked)
      .then(function (state) { showSolo(state); pollSolo(); })
      .catch(function () { setTimeout(pollSolo, 250); });
  }
  function showModal(text, mix) {
    document.getElementById('mix-modal').hidden = false;
    document.querySelector('.modal__message').textContent = text;
    var link = document.querySelector('.modal__link');
    link.textContent = '';
    if (mix) {
      var a = document.createElement('a');
      a.href = mix.url; a.textContent = mix.file_name; a.className = 'modal__download';
      link.appendChild(a);
    }
  }
  function watchMix(id) {
    fetch('/api/mix/' + id).then(checked).then(function (mix) {
      if (!m.mix || m.mix.id !== id) { return; }
      m.mix = mix; m.mixStatus = mix.status;
      if (mix.status === 'generating') { watchMix(id); }
      else if (mix.status === 'ready') {
        showModal(mix.message, mix);
        window.location.assign(mix.url);
      } else { showModal(mix.message, null); }
    }).catch(function () {
      if (m.mix && m.mix.id === id) { setTimeout(function () { watchMix(id); }, 250); }
    });
  }
  m.solo = function (index) {
    var on = m.soloed.indexOf(index) < 0;
    m.requestedSolo = index; notice('');
    post('/api/solo', { song: m.song, track: index, on: on })
      .catch(function () { notice(config.text.error); });
  };
  m.setKey = function (key) {
    m.key = Math.max(-config.maxKey, Math.min(config.maxKey, key));
    document.querySelector('.pitch > div').textContent = m.key > 0 ? '+' + m.key : String(m.key);
  };
  m.setPrecount = function (on) {
    m.precount = !!on; document.getElementById('precount').checked = m.precount;
  };
  m.getMix = function () {
    if (!m.purchased) { return; }
    m.mix = null; m.mixStatus = 'requested';
    showModal('', null);
    post('/api/mix', { song: m.song, key: m.key, precount: m.precount })
      .then(function (mix) {
        m.mix = mix; m.mixStatus = mix.status; showModal(mix.message, null); watchMix(mix.id);
      })
      .catch(function (error) {
        m.mixStatus = 'error';
        showModal(error && error.retryAfter
          ? config.text.busy.replace('{s}', error.retryAfter) : config.text.error, null);
      });
  };
  m.closeModal = function () { document.getElementById('mix-modal').hidden = true; };
  setTimeout(pollSolo, 0);
  return m;
}
"#;

/// JSON safe to embed in a `<script>` element.
fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace("</", "<\\/")
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::catalog::demo_catalog;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Don't & go</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Don&#39;t &amp; go&lt;/a&gt;"
        );
    }

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let json = script_json(&serde_json::json!({ "name": "</script><b>" }));
        assert!(!json.contains("</"));
    }

    #[test]
    fn layout_shows_log_in_or_my_account() {
        let out = home(false, demo_catalog());
        assert!(out.contains(r#"<a href="/login" class="login-link">Log in</a>"#));
        assert!(!out.contains("My Account"));
        let inside = home(true, demo_catalog());
        assert!(inside.contains("My Account"));
        assert!(!inside.contains(">Log in<"));
    }

    #[test]
    fn song_page_marks_only_the_applied_solo_active() {
        let song = &demo_catalog()[0];
        let page = super::song(
            song,
            SoloView {
                version: 3,
                soloed: vec![1, 3],
            },
        );
        assert_eq!(page.matches("track__solo is-active").count(), 2);
        for text in [CREATING_TEXT, READY_TEXT, FAILED_TEXT] {
            assert!(!page.contains(text), "{text}");
        }
        assert!(page.contains(r#"<span class="pitch__caption">Key</span>"#));
        assert!(page.contains("<div>0</div>"));
        assert!(page.contains(r#"<div class="track" data-index="1"><span class="track__caption">Bass</span><button type="button" class="track__solo is-active""#));
        assert!(page.contains(r#"onclick="mixer.getMix();return false;""#));
        assert!(page.contains(r#"onclick="mixer.setKey(mixer.key + 1)""#));
        assert!(page.contains(r#"onclick="mixer.setKey(mixer.key - 1)""#));
        assert!(page.contains(r#"id="precount""#));
    }

    #[test]
    fn unpurchased_song_offers_the_cart_instead_of_a_download() {
        let song = demo_catalog().iter().find(|s| !s.purchased).unwrap();
        let page = super::song(
            song,
            SoloView {
                version: 0,
                soloed: Vec::new(),
            },
        );
        assert!(page.contains("Add to cart"));
        assert!(!page.contains("class=\"download\""));
    }

    #[test]
    fn login_form_has_the_real_site_field_names_and_keeps_next() {
        let page = login("/custombackingtrack/a/b.html", true);
        for needle in [
            r#"name="frm_login""#,
            r#"name="frm_password""#,
            r#"name="sbm""#,
            LOGIN_ERROR_TEXT,
        ] {
            assert!(page.contains(needle), "{needle}");
        }
        assert!(page.contains(r#"name="next" value="/custombackingtrack/a/b.html""#));
        assert!(!login("/", false).contains(LOGIN_ERROR_TEXT));
    }
}
