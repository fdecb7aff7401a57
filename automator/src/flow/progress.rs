//! The live progress of a run and the log writer that prints above it instead of tearing it.
//!
//! On a terminal (stdout and stderr both) it is one bar on stderr: `song i/N`, tracks done,
//! elapsed and ETA, then what is happening to which track. The bar measures songs, so its
//! length is known from the plan before the first song opens; within a song it advances by
//! the song's finished tracks, and it never moves backwards (retry passes do not rewind it).
//! When either stream is not a terminal (piped, redirected, CI) there is no bar: one plain
//! line per finished track goes to stdout as it happens.
//!
//! The ETA is the median of the finished tracks' times × the tracks still to do: the rest
//! of the current song, pending retries, and for each song not yet opened the mean number of
//! tracks of the songs opened so far. Song opening and login are not in the model, so the
//! ETA runs a little short; before the first track finishes there is none.

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

/// What the display knows about the run so far (no I/O: the rules are tested on it).
#[derive(Debug, Clone)]
pub struct Tally {
    /// Songs in the plan.
    songs: usize,
    /// The song being worked on (0-based) and the furthest song opened.
    current: Option<usize>,
    furthest: Option<usize>,
    /// Tracks selected in each song opened so far (first pass).
    tracks_per_song: Vec<Option<usize>>,
    /// The current song's first-pass tracks finished.
    song_done: usize,
    /// Retry attempts announced and not finished yet.
    retries_pending: usize,
    /// Every finished track attempt's time.
    track_times: Vec<Duration>,
    /// The furthest the bar has been, in songs (it never goes back).
    position: f64,
}

impl Tally {
    /// A run of `songs` planned songs.
    pub fn new(songs: usize) -> Tally {
        Tally {
            songs,
            current: None,
            furthest: None,
            tracks_per_song: vec![None; songs],
            song_done: 0,
            retries_pending: 0,
            track_times: Vec::new(),
            position: 0.0,
        }
    }

    /// Song `index` (0-based, in plan order) is opened, for its first pass or a retry.
    pub fn song(&mut self, index: usize) {
        if self.current != Some(index) {
            self.song_done = 0;
        }
        self.current = Some(index);
        self.furthest = self.furthest.max(Some(index));
        if index >= self.tracks_per_song.len() {
            self.tracks_per_song.resize(index + 1, None);
            self.songs = self.songs.max(index + 1);
        }
        self.advance();
    }

    /// The current song's first pass will attempt `count` tracks.
    pub fn tracks(&mut self, count: usize) {
        if let Some(index) = self.current {
            self.tracks_per_song[index] = Some(count);
        }
        self.advance();
    }

    /// A retry pass will attempt `count` tracks again.
    pub fn retries(&mut self, count: usize) {
        self.retries_pending += count;
    }

    /// One track attempt finished after `took`.
    pub fn track_done(&mut self, took: Duration) {
        if self.retries_pending > 0 {
            self.retries_pending -= 1;
        } else {
            self.song_done += 1;
        }
        self.track_times.push(took);
        self.advance();
    }

    /// Tracks attempted so far (retries count again).
    pub fn tracks_done(&self) -> usize {
        self.track_times.len()
    }

    /// `song i/N` for the display (1-based), or `None` before the first song.
    pub fn song_of(&self) -> Option<(usize, usize)> {
        self.current.map(|index| (index + 1, self.songs))
    }

    /// How far the run is, 0 to 1, in songs; never less than it was.
    pub fn fraction(&self) -> f64 {
        if self.songs == 0 {
            return 0.0;
        }
        (self.position / self.songs as f64).clamp(0.0, 1.0)
    }

    fn advance(&mut self) {
        let Some(index) = self.current else { return };
        let within = match self.tracks_per_song[index] {
            Some(total) if total > 0 => (self.song_done as f64 / total as f64).min(1.0),
            _ => 0.0,
        };
        self.position = self.position.max(index as f64 + within);
    }

    /// Tracks still to attempt: the rest of the current song, pending retries, and the mean
    /// tracks per opened song for every song not opened yet. `None` before any song opened.
    pub fn tracks_left(&self) -> Option<f64> {
        let opened: Vec<usize> = self.tracks_per_song.iter().flatten().copied().collect();
        if opened.is_empty() {
            return None;
        }
        let mean = opened.iter().sum::<usize>() as f64 / opened.len() as f64;
        let in_song = match (
            self.current,
            self.current.and_then(|i| self.tracks_per_song[i]),
        ) {
            (Some(index), Some(total)) if Some(index) == self.furthest => {
                total.saturating_sub(self.song_done)
            }
            _ => 0,
        };
        let unopened = self
            .songs
            .saturating_sub(self.furthest.map_or(0, |f| f + 1));
        Some(in_song as f64 + self.retries_pending as f64 + unopened as f64 * mean)
    }

    /// Median finished track time × [`tracks_left`](Self::tracks_left); `None` until a track
    /// has finished.
    pub fn eta(&self) -> Option<Duration> {
        let median = median(&self.track_times)?;
        Some(median.mul_f64(self.tracks_left()?))
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

/// The status shared by the bar and the lines: `song 2/3 · 7 tracks done · ETA 12s`.
pub fn status(tally: &Tally) -> String {
    let song = match tally.song_of() {
        Some((index, total)) => format!("song {index}/{total}"),
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

/// One plain line for a finished track, e.g.
/// `[0:07] song 1/3 · 2 tracks done · ETA 9s · Paper Moon Parade › Bass: ok in 1.4s`.
pub fn track_line(
    elapsed: Duration,
    tally: &Tally,
    song: &str,
    track: &str,
    ok: bool,
    took: Duration,
) -> String {
    let seconds = elapsed.as_secs();
    format!(
        "[{}:{:02}] {} · {song} › {track}: {} in {:.1}s",
        seconds / 60,
        seconds % 60,
        status(tally),
        if ok { "ok" } else { "failed" },
        took.as_secs_f64()
    )
}

struct Shared {
    tally: Tally,
    song: String,
}

/// Progress of one run; see the module documentation for what each mode shows.
pub struct Progress {
    mode: Mode,
    bar: ProgressBar,
    started: Instant,
    shared: Mutex<Shared>,
}

impl Progress {
    /// Progress for a run of `songs` planned songs, shown when `enabled` in the mode the
    /// terminals allow ([`Mode::choose`]).
    pub fn new(enabled: bool, songs: usize) -> Progress {
        let mode = Mode::choose(
            enabled,
            std::io::stdout().is_terminal(),
            std::io::stderr().is_terminal(),
        );
        Progress::with_mode(mode, songs)
    }

    /// Progress in an explicit mode.
    pub fn with_mode(mode: Mode, songs: usize) -> Progress {
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
        let progress = Progress {
            mode,
            bar,
            started: Instant::now(),
            shared: Mutex::new(Shared {
                tally: Tally::new(songs),
                song: String::new(),
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

    fn redraw(&self, shared: &Shared, doing: &str) {
        if self.mode != Mode::Bar {
            return;
        }
        self.bar
            .set_position((shared.tally.fraction() * BAR_STEPS as f64).round() as u64);
        self.bar
            .set_message(format!("{} · {doing}", status(&shared.tally)));
    }

    /// What the run is doing before or between songs (starting the browser, logging in).
    pub fn phase(&self, phase: &str) {
        self.redraw(&self.lock(), phase);
    }

    /// Song `index` (0-based, plan order) named `name` is being opened.
    pub fn song(&self, index: usize, name: &str) {
        let mut shared = self.lock();
        shared.tally.song(index);
        shared.song = name.to_owned();
        self.redraw(&shared, name);
    }

    /// What is happening to which track, e.g. `Bass — waiting for the mix`.
    pub fn state(&self, track: &str, state: &str) {
        let shared = self.lock();
        let doing = format!("{} › {track} — {state}", shared.song);
        self.redraw(&shared, &doing);
    }

    /// The current song's first pass attempts `count` tracks.
    pub fn add_tracks(&self, count: usize) {
        let mut shared = self.lock();
        shared.tally.tracks(count);
        let song = shared.song.clone();
        self.redraw(&shared, &song);
    }

    /// A retry pass re-attempts `count` tracks already counted.
    pub fn add_retries(&self, count: usize) {
        self.lock().tally.retries(count);
    }

    /// Track `track` finished after `took` (downloaded when `ok`, else given up for this pass).
    pub fn track_done(&self, track: &str, took: Duration, ok: bool) {
        let mut shared = self.lock();
        shared.tally.track_done(took);
        match self.mode {
            Mode::Lines => {
                let line = track_line(
                    self.started.elapsed(),
                    &shared.tally,
                    &shared.song,
                    track,
                    ok,
                    took,
                );
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{line}");
                let _ = stdout.flush();
            }
            Mode::Bar => {
                let song = shared.song.clone();
                self.redraw(&shared, &song);
            }
            Mode::Off => {}
        }
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
            tally.song(index);
            seen.push(tally.fraction());
            tally.tracks(tracks);
            for _ in 0..tracks {
                tally.track_done(seconds(1.0));
                seen.push(tally.fraction());
            }
        }
        tally.song(0);
        tally.retries(1);
        seen.push(tally.fraction());
        tally.track_done(seconds(1.0));
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
        tally.song(0);
        tally.tracks(4);
        assert_eq!(tally.eta(), None);
        // 1 s, 1 s, 10 s: the median (1 s) ignores the one slow track.
        for took in [1.0, 1.0, 10.0] {
            tally.track_done(seconds(took));
        }
        // Left: 1 in this song + 2 songs not opened × 4 tracks (the mean so far) = 9.
        assert_eq!(tally.tracks_left(), Some(9.0));
        assert_eq!(tally.eta(), Some(seconds(9.0)));
        tally.track_done(seconds(3.0));
        tally.song(1);
        tally.tracks(2);
        // Median of 1, 1, 3, 10 = 2 s; left: 2 here + 1 song × mean(4, 2) = 3 → 5 tracks.
        assert_eq!(tally.tracks_left(), Some(5.0));
        assert_eq!(tally.eta(), Some(seconds(10.0)));
        tally.retries(1);
        assert_eq!(tally.tracks_left(), Some(6.0));
    }

    #[test]
    fn a_final_retry_pass_counts_only_the_retries_left() {
        let mut tally = Tally::new(2);
        for index in 0..2 {
            tally.song(index);
            tally.tracks(2);
            tally.track_done(seconds(2.0));
            tally.track_done(seconds(2.0));
        }
        tally.song(0);
        tally.retries(1);
        assert_eq!(tally.tracks_left(), Some(1.0));
        tally.track_done(seconds(2.0));
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
        tally.song(0);
        tally.tracks(3);
        tally.track_done(seconds(1.4));
        let line = track_line(
            seconds(7.2),
            &tally,
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
        let failed = track_line(seconds(75.0), &tally, "S", "Drums", false, seconds(3.0));
        assert!(failed.starts_with("[1:15] ") && failed.ends_with("S › Drums: failed in 3.0s"));
    }
}
