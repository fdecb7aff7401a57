//! The live progress of a run and the log writer that prints above it instead of tearing it.
//!
//! On a terminal (stdout and stderr both) it is one bar on stderr: `song i/N`, tracks done,
//! elapsed and ETA, then what is happening to which track. The bar measures songs, so its
//! length is known from the plan before the first song opens; within a song it advances by
//! the song's finished tracks, and it never moves backwards (retry passes do not rewind it).
//! When either stream is not a terminal (piped, redirected, CI) there is no bar: one plain
//! line per finished track goes to stdout as it happens.
//!
//! With several browser sessions (`--sessions N`) the bar shows the songs opened so far
//! (`songs i/N`) and every session's song with its tracks done (`s1: Song A 3/8 · s2: Song B
//! 1/5`); each plain line is tagged with the session that finished the track (`s2 · …`). A
//! song counts as complete once its session has let it go, and as the fraction of its tracks
//! done before that, so the bar still never moves backwards.
//!
//! The ETA is the median of the finished tracks' times × the tracks still to do ÷ the
//! sessions: the rest of each session's song, pending retries, and for each song not yet
//! opened the mean number of tracks of the songs opened so far. Song opening and login are not
//! in the model, so the ETA runs a little short; before the first track finishes there is none.

use std::io::{IsTerminal, Write};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar currently on screen, shared with [`LogWriter`] so log lines suspend it.
static ACTIVE_BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Steps of the bar: it measures songs in thousandths.
const BAR_STEPS: u64 = 1000;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Not at all (library use, A/B runs).
    Off,
    /// A redrawn bar on stderr.
    Bar,
    /// One plain line per finished track on stdout.
    Lines,
}

impl Mode {
    /// The bar only when both streams are terminals: a bar on a terminal stderr next to a
    /// piped stdout would tear the lines the pipe shows on the same screen.
    pub fn choose(enabled: bool, stdout_terminal: bool, stderr_terminal: bool) -> Mode {
        match (enabled, stdout_terminal && stderr_terminal) {
            (false, _) => Mode::Off,
            (true, true) => Mode::Bar,
            (true, false) => Mode::Lines,
        }
    }
}

/// What one session is doing, as the tally sees it.
#[derive(Debug, Clone, Default)]
struct SessionTally {
    /// The song it works on (0-based, plan order).
    song: Option<usize>,
    /// Retry attempts it announced and has not finished yet.
    retries_pending: usize,
}

/// What the display knows about the run so far (no I/O: the rules are tested on it).
/// Sessions are numbered from 0 here; the display shows them from 1 (`s1`).
#[derive(Debug, Clone)]
pub struct Tally {
    /// Songs in the plan.
    songs: usize,
    sessions: Vec<SessionTally>,
    /// Tracks selected in each song opened so far (first pass).
    tracks_per_song: Vec<Option<usize>>,
    /// First-pass tracks finished, per song.
    done_per_song: Vec<usize>,
    /// Songs opened at least once.
    opened: Vec<bool>,
    /// Songs whose session has let them go (finished, or handed back to the queue).
    released: Vec<bool>,
    /// Every finished track attempt's time.
    track_times: Vec<Duration>,
    /// The furthest the bar has been, in songs (it never goes back).
    position: f64,
}

impl Tally {
    /// A run of `songs` planned songs and one session.
    pub fn new(songs: usize) -> Tally {
        Tally::with_sessions(songs, 1)
    }

    /// A run of `songs` planned songs worked on by `sessions` sessions (at least one).
    pub fn with_sessions(songs: usize, sessions: usize) -> Tally {
        Tally {
            songs,
            sessions: vec![SessionTally::default(); sessions.max(1)],
            tracks_per_song: vec![None; songs],
            done_per_song: vec![0; songs],
            opened: vec![false; songs],
            released: vec![false; songs],
            track_times: Vec::new(),
            position: 0.0,
        }
    }

    fn session_mut(&mut self, session: usize) -> &mut SessionTally {
        if session >= self.sessions.len() {
            self.sessions.resize(session + 1, SessionTally::default());
        }
        &mut self.sessions[session]
    }

    /// Session `session` opens song `index` (0-based, in plan order), for its first pass or a
    /// retry.
    pub fn song(&mut self, session: usize, index: usize) {
        if index >= self.songs {
            self.songs = index + 1;
            self.tracks_per_song.resize(self.songs, None);
            self.done_per_song.resize(self.songs, 0);
            self.opened.resize(self.songs, false);
            self.released.resize(self.songs, false);
        }
        self.session_mut(session).song = Some(index);
        self.opened[index] = true;
        self.advance();
    }

    /// The session's song's first pass will attempt `count` tracks.
    pub fn tracks(&mut self, session: usize, count: usize) {
        if let Some(index) = self.session_mut(session).song {
            self.tracks_per_song[index] = Some(count);
        }
        self.advance();
    }

    /// The session's retry pass will attempt `count` tracks again.
    pub fn retries(&mut self, session: usize, count: usize) {
        self.session_mut(session).retries_pending += count;
    }

    /// One track attempt of the session finished after `took`.
    pub fn track_done(&mut self, session: usize, took: Duration) {
        let state = self.session_mut(session);
        if state.retries_pending > 0 {
            state.retries_pending -= 1;
        } else if let Some(index) = state.song {
            self.done_per_song[index] += 1;
        }
        self.track_times.push(took);
        self.advance();
    }

    /// The session let its song go (done for now, or handed back to the queue): the song
    /// counts as complete for the bar from now on.
    pub fn release(&mut self, session: usize) {
        let state = self.session_mut(session);
        state.retries_pending = 0;
        if let Some(index) = state.song.take() {
            self.released[index] = true;
        }
        self.advance();
    }

    /// Tracks attempted so far (retries count again).
    pub fn tracks_done(&self) -> usize {
        self.track_times.len()
    }

    /// `song i/N` for the display (1-based): with one session the song being worked on,
    /// with several the songs opened so far; `None` before the first song.
    pub fn song_of(&self) -> Option<(usize, usize)> {
        if self.sessions.len() == 1 {
            let current = self.sessions[0].song.or_else(|| self.last_opened())?;
            return Some((current + 1, self.songs));
        }
        let opened = self.opened.iter().filter(|opened| **opened).count();
        (opened > 0).then_some((opened, self.songs))
    }

    fn last_opened(&self) -> Option<usize> {
        self.opened.iter().rposition(|opened| *opened)
    }

    /// The session's song (0-based) and its first-pass tracks done and selected, when known.
    pub fn session_song(&self, session: usize) -> Option<(usize, usize, Option<usize>)> {
        let index = self.sessions.get(session)?.song?;
        Some((
            index,
            self.done_per_song[index],
            self.tracks_per_song[index],
        ))
    }

    /// How many sessions the run has.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// How far the run is, 0 to 1, in songs; never less than it was.
    pub fn fraction(&self) -> f64 {
        if self.songs == 0 {
            return 0.0;
        }
        (self.position / self.songs as f64).clamp(0.0, 1.0)
    }

    fn advance(&mut self) {
        let complete: f64 = (0..self.songs)
            .map(|index| {
                if self.released[index] {
                    return 1.0;
                }
                match self.tracks_per_song[index] {
                    Some(total) if total > 0 => {
                        (self.done_per_song[index] as f64 / total as f64).min(1.0)
                    }
                    _ => 0.0,
                }
            })
            .sum();
        self.position = self.position.max(complete);
    }

    /// Tracks still to attempt: the rest of each session's song, pending retries, and the mean tracks per opened song for every song not opened yet.
    /// `None` before any song opened.
    pub fn tracks_left(&self) -> Option<f64> {
        let opened: Vec<usize> = self.tracks_per_song.iter().flatten().copied().collect();
        if opened.is_empty() {
            return None;
        }
        let mean = opened.iter().sum::<usize>() as f64 / opened.len() as f64;
        let in_songs: usize = self
            .sessions
            .iter()
            .map(|session| {
                let in_song = session.song.map_or(0, |index| {
                    self.tracks_per_song[index]
                        .map_or(0, |total| total.saturating_sub(self.done_per_song[index]))
                });
                in_song + session.retries_pending
            })
            .sum();
        let unopened = self.opened.iter().filter(|opened| !**opened).count();
        Some(in_songs as f64 + unopened as f64 * mean)
    }

    /// Median finished track time × [`tracks_left`](Self::tracks_left) ÷ sessions; `None`
    /// until a track has finished.
    pub fn eta(&self) -> Option<Duration> {
        let median = median(&self.track_times)?;
        Some(median.mul_f64(self.tracks_left()? / self.sessions.len() as f64))
    }
}

fn median(times: &[Duration]) -> Option<Duration> {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        length if length % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2),
    }
}

/// `12s`, `1m05s`, `1h02m`: short enough for a status line.
pub fn short_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64().round() as u64;
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h{:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

/// The status shared by the bar and the lines: `song 2/3 · 7 tracks done · ETA 12s` (with
/// several sessions `songs 4/8 · …`: the songs opened so far).
pub fn status(tally: &Tally) -> String {
    let word = if tally.sessions() == 1 {
        "song"
    } else {
        "songs"
    };
    let song = match tally.song_of() {
        Some((index, total)) => format!("{word} {index}/{total}"),
        None => format!("{} songs planned", tally.songs),
    };
    let eta = match tally.eta() {
        Some(eta) => format!("ETA {}", short_duration(eta)),
        None => "ETA after the first track".to_owned(),
    };
    let done = tally.tracks_done();
    format!(
        "{song} · {done} track{} done · {eta}",
        if done == 1 { "" } else { "s" }
    )
}

/// Every session's part of the bar, e.g. `s1: Song A 3/8 · s2: Song B 1/5 · s3: logging in`:
/// its song with the first-pass tracks done and selected, or what it is doing between songs.
/// `names[i]` and `phases[i]` are session *i*'s song name and phase.
pub fn sessions_status(tally: &Tally, names: &[String], phases: &[String]) -> String {
    (0..tally.sessions())
        .map(|session| {
            let label = format!("s{}", session + 1);
            let name = names.get(session).map_or("", String::as_str);
            let phase = phases.get(session).map_or("", String::as_str);
            match tally.session_song(session) {
                Some((_, done, Some(total))) => format!("{label}: {name} {done}/{total}"),
                Some(_) => format!("{label}: {name} opening"),
                None if phase.is_empty() => format!("{label}: waiting"),
                None => format!("{label}: {phase}"),
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// One plain line for a finished track, e.g.
/// `[0:07] song 1/3 · 2 tracks done · ETA 9s · Paper Moon Parade › Bass: ok in 1.4s`; with
/// several sessions the session that finished it comes first: `[0:07] s2 · songs 3/8 · …`.
pub fn track_line(
    elapsed: Duration,
    tally: &Tally,
    session: usize,
    song: &str,
    track: &str,
    ok: bool,
    took: Duration,
) -> String {
    let seconds = elapsed.as_secs();
    let tag = if tally.sessions() == 1 {
        String::new()
    } else {
        format!("s{} · ", session + 1)
    };
    format!(
        "[{}:{:02}] {tag}{} · {song} › {track}: {} in {:.1}s",
        seconds / 60,
        seconds % 60,
        status(tally),
        if ok { "ok" } else { "failed" },
        took.as_secs_f64()
    )
}

struct Shared {
    tally: Tally,
    /// Each session's song name and what it is doing.
    songs: Vec<String>,
    phases: Vec<String>,
}

/// Progress of one run; see the module documentation for what each mode shows. Every method
/// takes the session (0-based); [`SessionProgress`] binds one.
pub struct Progress {
    mode: Mode,
    bar: ProgressBar,
    started: Instant,
    shared: Mutex<Shared>,
}

impl Progress {
    /// Progress for a run of `songs` planned songs by `sessions` sessions, shown when
    /// `enabled` in the mode the terminals allow ([`Mode::choose`]).
    pub fn new(enabled: bool, songs: usize, sessions: usize) -> Progress {
        let mode = Mode::choose(
            enabled,
            std::io::stdout().is_terminal(),
            std::io::stderr().is_terminal(),
        );
        Progress::with_mode(mode, songs, sessions)
    }

    /// Progress in an explicit mode.
    pub fn with_mode(mode: Mode, songs: usize, sessions: usize) -> Progress {
        let target = match mode {
            Mode::Bar => ProgressDrawTarget::stderr(),
            Mode::Off | Mode::Lines => ProgressDrawTarget::hidden(),
        };
        let bar = ProgressBar::with_draw_target(Some(BAR_STEPS), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:24} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        if mode == Mode::Bar {
            bar.enable_steady_tick(Duration::from_millis(200));
            *lock_active() = Some(bar.clone());
        }
        let sessions = sessions.max(1);
        let progress = Progress {
            mode,
            bar,
            started: Instant::now(),
            shared: Mutex::new(Shared {
                tally: Tally::with_sessions(songs, sessions),
                songs: vec![String::new(); sessions],
                phases: vec![String::new(); sessions],
            }),
        };
        progress.redraw(&progress.lock(), "starting");
        progress
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// `doing` is what the one session is doing; with several sessions the bar shows every
    /// session's song instead.
    fn redraw(&self, shared: &Shared, doing: &str) {
        if self.mode != Mode::Bar {
            return;
        }
        self.bar
            .set_position((shared.tally.fraction() * BAR_STEPS as f64).round() as u64);
        let message = if shared.tally.sessions() == 1 {
            format!("{} · {doing}", status(&shared.tally))
        } else {
            format!(
                "{} · {}",
                status(&shared.tally),
                sessions_status(&shared.tally, &shared.songs, &shared.phases)
            )
        };
        self.bar.set_message(message);
    }

    /// What `session` is doing before or between songs (starting the browser, logging in).
    pub fn phase(&self, session: usize, phase: &str) {
        let mut shared = self.lock();
        if let Some(slot) = shared.phases.get_mut(session) {
            *slot = phase.to_owned();
        }
        self.redraw(&shared, phase);
    }

    /// `session` opens song `index` (0-based, plan order) named `name`.
    pub fn song(&self, session: usize, index: usize, name: &str) {
        let mut shared = self.lock();
        shared.tally.song(session, index);
        if let Some(slot) = shared.songs.get_mut(session) {
            *slot = name.to_owned();
        }
        self.redraw(&shared, name);
    }

    /// What is happening to which track of the session's song, e.g. `Bass — soloing`.
    pub fn state(&self, session: usize, track: &str, state: &str) {
        let shared = self.lock();
        let song = shared.songs.get(session).map_or("", String::as_str);
        let doing = format!("{song} › {track} — {state}");
        self.redraw(&shared, &doing);
    }

    /// The session's song's first pass attempts `count` tracks.
    pub fn add_tracks(&self, session: usize, count: usize) {
        let mut shared = self.lock();
        shared.tally.tracks(session, count);
        let song = shared.songs.get(session).cloned().unwrap_or_default();
        self.redraw(&shared, &song);
    }

    /// The session's retry pass re-attempts `count` tracks already counted.
    pub fn add_retries(&self, session: usize, count: usize) {
        self.lock().tally.retries(session, count);
    }

    /// The session let its song go: done for now, or handed back to the queue.
    pub fn release(&self, session: usize) {
        let mut shared = self.lock();
        shared.tally.release(session);
        if let Some(phase) = shared.phases.get_mut(session) {
            phase.clear();
        }
        self.redraw(&shared, "");
    }

    /// A track of the session's song finished after `took` (downloaded when `ok`, else given
    /// up for this pass).
    pub fn track_done(&self, session: usize, track: &str, took: Duration, ok: bool) {
        let mut shared = self.lock();
        shared.tally.track_done(session, took);
        let song = shared.songs.get(session).cloned().unwrap_or_default();
        match self.mode {
            Mode::Lines => {
                let line = track_line(
                    self.started.elapsed(),
                    &shared.tally,
                    session,
                    &song,
                    track,
                    ok,
                    took,
                );
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{line}");
                let _ = stdout.flush();
            }
            Mode::Bar => self.redraw(&shared, &song),
            Mode::Off => {}
        }
    }
}

/// One session's view of the run's [`Progress`]: the same calls without the session.
#[derive(Clone)]
pub struct SessionProgress {
    progress: std::sync::Arc<Progress>,
    session: usize,
}

impl SessionProgress {
    /// Session `session` (0-based) of `progress`.
    pub fn new(progress: std::sync::Arc<Progress>, session: usize) -> SessionProgress {
        SessionProgress { progress, session }
    }

    pub fn phase(&self, phase: &str) {
        self.progress.phase(self.session, phase);
    }

    pub fn song(&self, index: usize, name: &str) {
        self.progress.song(self.session, index, name);
    }

    pub fn state(&self, track: &str, state: &str) {
        self.progress.state(self.session, track, state);
    }

    pub fn add_tracks(&self, count: usize) {
        self.progress.add_tracks(self.session, count);
    }

    pub fn add_retries(&self, count: usize) {
        self.progress.add_retries(self.session, count);
    }

    pub fn release(&self) {
        self.progress.release(self.session);
    }

    pub fn track_done(&self, track: &str, took: Duration, ok: bool) {
        self.progress.track_done(self.session, track, took, ok);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.mode == Mode::Bar {
            *lock_active() = None;
        }
        self.bar.finish_and_clear();
    }
}

fn lock_active() -> MutexGuard<'static, Option<ProgressBar>> {
    ACTIVE_BAR
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
}

/// A `tracing_subscriber` writer for stderr that hides the progress bar while a line is
/// written, so log lines and the bar never overwrite each other.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = lock_active().clone();
        match bar {
            Some(bar) => bar.suspend(|| std::io::stderr().write_all(buf))?,
            None => std::io::stderr().write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> LogWriter {
        LogWriter
    }
}

/// Prints a line to stdout above the progress bar (for the summary and report paths).
pub fn print_line(line: &str) {
    let bar = lock_active().clone();
    match bar {
        Some(bar) => bar.suspend(|| println!("{line}")),
        None => println!("{line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(value: f64) -> Duration {
        Duration::from_secs_f64(value)
    }

    #[test]
    fn the_bar_only_on_two_terminals_plain_lines_otherwise() {
        assert_eq!(Mode::choose(true, true, true), Mode::Bar);
        assert_eq!(Mode::choose(true, false, true), Mode::Lines);
        assert_eq!(Mode::choose(true, true, false), Mode::Lines);
        assert_eq!(Mode::choose(false, false, false), Mode::Off);
        assert_eq!(Mode::choose(false, true, true), Mode::Off);
    }

    #[test]
    fn the_total_is_the_planned_songs_before_the_first_song_opens() {
        let tally = Tally::new(3);
        assert_eq!(tally.fraction(), 0.0);
        assert_eq!(tally.song_of(), None);
        assert_eq!(
            status(&tally),
            "3 songs planned · 0 tracks done · ETA after the first track"
        );
    }

    #[test]
    fn the_bar_never_moves_backwards_through_songs_and_retries() {
        // The run: 3 songs of 3, 3 and 6 tracks, then a final retry in song 1.
        let mut tally = Tally::new(3);
        let mut seen = vec![tally.fraction()];
        for (index, tracks) in [(0, 3), (1, 3), (2, 6)] {
            tally.song(0, index);
            seen.push(tally.fraction());
            tally.tracks(0, tracks);
            for _ in 0..tracks {
                tally.track_done(0, seconds(1.0));
                seen.push(tally.fraction());
            }
        }
        tally.song(0, 0);
        tally.retries(0, 1);
        seen.push(tally.fraction());
        tally.track_done(0, seconds(1.0));
        seen.push(tally.fraction());
        assert!(seen.windows(2).all(|pair| pair[1] >= pair[0]), "{seen:?}");
        assert_eq!(seen[1], 0.0);
        assert!((seen[4] - 1.0 / 3.0).abs() < 1e-12, "{seen:?}");
        assert_eq!(*seen.last().unwrap(), 1.0);
        assert_eq!(tally.song_of(), Some((1, 3)));
        assert_eq!(tally.tracks_done(), 13);
    }

    #[test]
    fn the_eta_is_the_median_track_time_times_the_tracks_left() {
        let mut tally = Tally::new(3);
        tally.song(0, 0);
        tally.tracks(0, 4);
        assert_eq!(tally.eta(), None);
        // 1 s, 1 s, 10 s: the median (1 s) ignores the one slow track.
        for took in [1.0, 1.0, 10.0] {
            tally.track_done(0, seconds(took));
        }
        // Left: 1 in this song + 2 songs not opened × 4 tracks (the mean so far) = 9.
        assert_eq!(tally.tracks_left(), Some(9.0));
        assert_eq!(tally.eta(), Some(seconds(9.0)));
        tally.track_done(0, seconds(3.0));
        tally.song(0, 1);
        tally.tracks(0, 2);
        // Median of 1, 1, 3, 10 = 2 s; left: 2 here + 1 song × mean(4, 2) = 3 → 5 tracks.
        assert_eq!(tally.tracks_left(), Some(5.0));
        assert_eq!(tally.eta(), Some(seconds(10.0)));
        tally.retries(0, 1);
        assert_eq!(tally.tracks_left(), Some(6.0));
    }

    #[test]
    fn a_final_retry_pass_counts_only_the_retries_left() {
        let mut tally = Tally::new(2);
        for index in 0..2 {
            tally.song(0, index);
            tally.tracks(0, 2);
            tally.track_done(0, seconds(2.0));
            tally.track_done(0, seconds(2.0));
        }
        tally.song(0, 0);
        tally.retries(0, 1);
        assert_eq!(tally.tracks_left(), Some(1.0));
        tally.track_done(0, seconds(2.0));
        assert_eq!(tally.eta(), Some(Duration::ZERO));
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(seconds(9.4)), "9s");
        assert_eq!(short_duration(seconds(65.0)), "1m05s");
        assert_eq!(short_duration(seconds(3720.0)), "1h02m");
    }

    #[test]
    fn a_finished_track_is_one_plain_line() {
        let mut tally = Tally::new(3);
        tally.song(0, 0);
        tally.tracks(0, 3);
        tally.track_done(0, seconds(1.4));
        let line = track_line(
            seconds(7.2),
            &tally,
            0,
            "Paper Moon Parade",
            "Bass",
            true,
            seconds(1.4),
        );
        assert_eq!(
            line,
            "[0:07] song 1/3 · 1 track done · ETA 11s · Paper Moon Parade › Bass: ok in 1.4s"
        );
        assert!(!line.contains('\n') && !line.contains('\r') && !line.contains('\u{1b}'));
        let failed = track_line(seconds(75.0), &tally, 0, "S", "Drums", false, seconds(3.0));
        assert!(failed.starts_with("[1:15] ") && failed.ends_with("S › Drums: failed in 3.0s"));
    }

    #[test]
    fn two_sessions_advance_the_bar_together_and_never_backwards() {
        // Songs of 4, 2 and 2 tracks; s1 takes song 0, s2 song 1, then s2 takes song 2.
        let mut tally = Tally::with_sessions(3, 2);
        let mut seen = vec![tally.fraction()];
        tally.song(0, 0);
        tally.tracks(0, 4);
        tally.song(1, 1);
        tally.tracks(1, 2);
        assert_eq!(tally.song_of(), Some((2, 3)));
        tally.track_done(0, seconds(1.0));
        seen.push(tally.fraction());
        tally.track_done(1, seconds(1.0));
        seen.push(tally.fraction());
        // 1/4 of song 0 and 1/2 of song 1: 0.75 of 3 songs.
        assert!((tally.fraction() - 0.25).abs() < 1e-12, "{seen:?}");
        tally.track_done(1, seconds(1.0));
        tally.release(1);
        tally.song(1, 2);
        tally.tracks(1, 2);
        seen.push(tally.fraction());
        assert_eq!(tally.session_song(1), Some((2, 0, Some(2))));
        assert_eq!(tally.session_song(0), Some((0, 1, Some(4))));
        // Left: 3 in song 0, 2 in song 2; two sessions share them at the median 1 s.
        assert_eq!(tally.tracks_left(), Some(5.0));
        assert_eq!(tally.eta(), Some(seconds(2.5)));
        for _ in 0..3 {
            tally.track_done(0, seconds(1.0));
            seen.push(tally.fraction());
        }
        tally.release(0);
        for _ in 0..2 {
            tally.track_done(1, seconds(1.0));
            seen.push(tally.fraction());
        }
        tally.release(1);
        seen.push(tally.fraction());
        assert!(seen.windows(2).all(|pair| pair[1] >= pair[0]), "{seen:?}");
        assert_eq!(*seen.last().unwrap(), 1.0);
    }

    #[test]
    fn with_several_sessions_each_shows_its_song_and_lines_carry_the_session() {
        let mut tally = Tally::with_sessions(8, 3);
        tally.song(0, 0);
        tally.tracks(0, 8);
        for _ in 0..3 {
            tally.track_done(0, seconds(2.0));
        }
        tally.song(1, 1);
        tally.tracks(1, 5);
        tally.track_done(1, seconds(2.0));
        let names = ["Song A".to_string(), "Song B".to_string(), String::new()];
        let phases = [String::new(), String::new(), "logging in".to_string()];
        assert_eq!(
            sessions_status(&tally, &names, &phases),
            "s1: Song A 3/8 · s2: Song B 1/5 · s3: logging in"
        );
        let line = track_line(
            seconds(9.0),
            &tally,
            1,
            "Song B",
            "Bass",
            true,
            seconds(2.0),
        );
        assert!(
            line.starts_with("[0:09] s2 · songs 2/8 · 4 tracks done · ETA "),
            "{line}"
        );
        assert!(line.ends_with("Song B › Bass: ok in 2.0s"), "{line}");
    }
}
