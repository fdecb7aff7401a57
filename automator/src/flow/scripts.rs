//! The JavaScript the automation runs in the page. Each script is one WebDriver command, so
//! composite reads cost one round trip; selectors and texts come in as arguments from the
//! site profile, never written here.

/// `[login_input, download_link, cart_text]` → `{login, download, cart}`: what kind of page
/// the browser is on.
pub const SONG_PAGE_STATE: &str = r#"
const [loginInput, downloadLink, cartText] = arguments;
const text = document.body ? document.body.innerText : '';
return {
  login: !!document.querySelector('input[name="' + loginInput + '"]'),
  download: !!document.querySelector(downloadLink),
  cart: text.includes(cartText),
};
"#;

/// `[track, index_attribute, caption, max]` → `[[index, caption], …]` in page order.
pub const DISCOVER_TRACKS: &str = r#"
const [trackSel, indexAttr, captionSel, max] = arguments;
return Array.from(document.querySelectorAll(trackSel)).slice(0, max).map(function (track) {
  const caption = track.querySelector(captionSel);
  return [Number(track.getAttribute(indexAttr)), caption ? caption.textContent.trim() : ''];
});
"#;

/// `[selector]` → `true`/`false` (checked), or `null` when the checkbox is missing.
pub const CHECKBOX_STATE: &str = r#"
const box = document.querySelector(arguments[0]);
return box ? !!box.checked : null;
"#;

/// `[selector]` → the trimmed text of the element, or `null`.
pub const TEXT_OF: &str = r#"
const element = document.querySelector(arguments[0]);
return element ? element.textContent.trim() : null;
"#;

/// Shared by the solo scripts. Finds each track's solo button inside the element carrying the
/// track's index (never through an ancestor's class, which on the real site is no track row).
/// `state()` is `'active'` when exactly the wanted track is soloed, `'error'` when the page
/// shows one of the failure texts, else `null`.
const SOLO_STATE_FUNCTION: &str = r#"
function soloStates(indexAttr, buttonSel, activeClass) {
  return Array.from(document.querySelectorAll('[' + indexAttr + ']')).map(function (row) {
    const button = row.querySelector(buttonSel);
    return [Number(row.getAttribute(indexAttr)), !!button && button.classList.contains(activeClass)];
  });
}
function soloState(indexAttr, buttonSel, activeClass, wanted, errorTexts) {
  const active = soloStates(indexAttr, buttonSel, activeClass)
    .filter(function (s) { return s[1]; }).map(function (s) { return s[0]; });
  if (active.length === 1 && active[0] === wanted) { return 'active'; }
  const text = document.body ? document.body.innerText.toLowerCase() : '';
  if (errorTexts.some(function (t) { return text.includes(t.toLowerCase()); })) { return 'error'; }
  return null;
}
"#;

/// `[index_attr, button, active_class]` → `[[index, active], …]` in page order.
pub fn solo_states() -> String {
    format!("{SOLO_STATE_FUNCTION}\nreturn soloStates(arguments[0], arguments[1], arguments[2]);")
}

/// `[index_attr, button, active_class, wanted, error_texts]` → `'active'` (exactly `wanted`
/// soloed), `'error'` or `null` (one poll).
pub fn solo_state() -> String {
    format!(
        "{SOLO_STATE_FUNCTION}\nreturn soloState(arguments[0], arguments[1], arguments[2], arguments[3], arguments[4]);"
    )
}

/// Async: `[index_attr, button, active_class, wanted, error_texts, max_ms]` → `'active'`,
/// `'error'` or `'timeout'`, resolved by a MutationObserver the moment the state changes.
pub fn observe_solo() -> String {
    format!(
        "{SOLO_STATE_FUNCTION}\n{}",
        r#"
const [indexAttr, buttonSel, activeClass, wanted, errorTexts, maxMs] = arguments;
const done = arguments[arguments.length - 1];
settleOnChange(function () { return soloState(indexAttr, buttonSel, activeClass, wanted, errorTexts); }, maxMs, done);
"#
    ) + SETTLE_ON_CHANGE
}

/// Async: `[ready_text, failed_texts, max_ms]` → `'ready'`, `'failed: <text>'` or
/// `'timeout'` once the download modal says the mix is ready or failed.
pub fn observe_readiness() -> String {
    String::from(
        r#"
const [readyText, failedTexts, maxMs] = arguments;
const done = arguments[arguments.length - 1];
function readiness() {
  const text = document.body ? document.body.innerText.toLowerCase() : '';
  if (text.includes(readyText.toLowerCase())) { return 'ready'; }
  const failed = failedTexts.find(function (t) { return text.includes(t.toLowerCase()); });
  return failed ? 'failed: ' + failed : null;
}
settleOnChange(readiness, maxMs, done);
"#,
    ) + SETTLE_ON_CHANGE
}

/// `[failed_texts]` → `true` when the page shows a failure text (one poll).
pub const PAGE_FAILED: &str = r#"
const text = document.body ? document.body.innerText.toLowerCase() : '';
return arguments[0].some(function (t) { return text.includes(t.toLowerCase()); });
"#;

/// `[selector]` → `true` after clicking the element, `false` when there is none. One command
/// instead of a W3C find + click pair, which costs ~50 ms in chromedriver (it synthesises and
/// awaits real input events); the page's handlers see the same `click`.
pub const CLICK: &str = r#"
const element = document.querySelector(arguments[0]);
if (!element) { return false; }
element.click();
return true;
"#;

/// `[selector]`: clicks the element if it is displayed (closing the download modal).
pub const CLICK_IF_VISIBLE: &str = r#"
const element = document.querySelector(arguments[0]);
if (element && element.offsetParent !== null) { element.click(); return true; }
return false;
"#;

/// Calls `done(check())` as soon as `check()` is non-null: immediately, on any DOM mutation,
/// or `done('timeout')` after `maxMs`.
const SETTLE_ON_CHANGE: &str = r#"
function settleOnChange(check, maxMs, done) {
  let finished = false, observer = null, timer = null;
  function finish(result) {
    if (finished) { return; }
    finished = true;
    if (observer) { observer.disconnect(); }
    clearTimeout(timer);
    done(result);
  }
  const now = check();
  if (now) { finish(now); return; }
  observer = new MutationObserver(function () { const state = check(); if (state) { finish(state); } });
  observer.observe(document.documentElement,
    { subtree: true, childList: true, attributes: true, characterData: true });
  timer = setTimeout(function () { finish('timeout'); }, maxMs);
}
"#;

/// `[text, login_input]` → `{contains, login, path}`: whether the page shows `text`, whether it
/// is a login form, and the current path.
pub const LOGIN_STATE: &str = r#"
const [text, loginInput] = arguments;
return {
  contains: !!document.body && document.body.innerText.includes(text),
  login: !!document.querySelector('input[name="' + loginInput + '"]'),
  path: location.pathname,
};
"#;
