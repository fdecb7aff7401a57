//! Fixtures shared by the automator's integration tests.
#![allow(dead_code)]

pub mod gate;
pub mod grid;

use std::fs::File;
use std::path::{Path, PathBuf};

/// A machine-wide lock on driving real Chromium, released when dropped (or when the process
/// dies). Browser tests spend most of their time in the stage's scaled waits, so two of them
/// (nextest runs two at a time on the two-core test machine) can share it ([`browser_lock`]).
/// A test whose assertions rest on measured time (a verdict, a gate, a ratio of durations)
/// takes it alone ([`timing_lock`]): another browser starting beside it would be part of what
/// it measures.
pub struct BrowserLock {
    _file: File,
}

/// Waits for a share of the browser lock: for tests whose assertions do not depend on how fast
/// the machine is.
pub fn browser_lock() -> BrowserLock {
    take_browser_lock(File::lock_shared)
}

/// Waits for the browser lock alone: for tests that measure time and judge it.
pub fn timing_lock() -> BrowserLock {
    take_browser_lock(File::lock)
}

fn take_browser_lock(lock: fn(&File) -> std::io::Result<()>) -> BrowserLock {
    let path = std::env::temp_dir().join("automator-e2e-browser.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|error| panic!("cannot open the browser lock {}: {error}", path.display()));
    lock(&file).unwrap_or_else(|error| panic!("cannot take the browser lock: {error}"));
    BrowserLock { _file: file }
}

/// The chromedriver the tests use.
pub fn chromedriver() -> PathBuf {
    PathBuf::from(automator::browser::chromedriver::DEFAULT_CHROMEDRIVER)
}

/// Options for a headless Chromium started by the test itself (our own chromedriver), saving
/// downloads to `download_dir`.
pub fn headless_browser_options(download_dir: PathBuf) -> automator::browser::BrowserOptions {
    automator::browser::BrowserOptions {
        webdriver: None,
        chromedriver: chromedriver(),
        headed: false,
        download_dir,
        command_timeout: std::time::Duration::from_secs(30),
        script_timeout: std::time::Duration::from_secs(30),
        temporary_dirs: Vec::new(),
    }
}

/// Waits (a few seconds at most) for `find` to come back empty and returns what it found last:
/// a process killed a moment ago may still be on its way out on a busy machine.
fn left_after_grace(find: impl Fn() -> Vec<u32>) -> Vec<u32> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left = find();
        if left.is_empty() || std::time::Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Asserts no process carries the run tag any more (Chromium, its helpers, chromedriver).
pub fn assert_no_processes_left(run_tag: &str) {
    let left = left_after_grace(|| automator::browser::processes::tagged_processes(run_tag));
    assert!(
        left.is_empty(),
        "processes of run {run_tag} still alive: {left:?}"
    );
}

/// Environment variable the tests put on a spawned `automator`, inherited by every process it
/// starts, so leftovers can be found after it exited.
pub const TEST_MARKER_VAR: &str = "AUTOMATOR_TEST_MARKER";

/// Asserts no process carries `AUTOMATOR_TEST_MARKER=marker` any more.
pub fn assert_no_processes_marked(marker: &str) {
    let left = left_after_grace(|| {
        automator::browser::processes::processes_with_environment(TEST_MARKER_VAR, marker)
    });
    assert!(
        left.is_empty(),
        "processes marked {marker} still alive: {left:?}"
    );
}

/// Asserts no browser process started by this test process (chromedriver, Chromium and its
/// helpers carry a run tag that begins with our pid) is still alive.
pub fn assert_no_browser_processes_of_this_test() {
    let left =
        left_after_grace(
            || automator::browser::processes::processes_started_by(std::process::id()),
        );
    assert!(
        left.is_empty(),
        "browser processes of this test still alive: {left:?}"
    );
}

/// Run options for a fast, quiet run against the stage inside `directory`.
pub fn fast_run_options(directory: &Path) -> automator::RunOptions {
    automator::RunOptions {
        download_dir: directory.join("downloads"),
        session_file: Some(directory.join("session.json")),
        time_scale: 0.05,
        show_progress: false,
        stop_on_ctrl_c: false,
        ..automator::RunOptions::default()
    }
}

/// Runs the automation in this test process with `options` and the default knobs against a
/// stage of the default configuration; asserts that it left no browser process behind and
/// that every track and song succeeded, and returns the outcome for further assertions.
pub async fn run_all_ok_on_default_stage(options: &automator::RunOptions) -> automator::RunOutcome {
    let outcome = automator::run(
        options,
        &automator::config::Knobs::default(),
        &automator::Target::Stage(automator::stage::StageConfig::default()),
    )
    .await
    .unwrap();
    assert_no_browser_processes_of_this_test();
    assert!(outcome.all_ok(), "{:#?}", outcome.tracks);
    outcome
}

/// A song of the stage's demo catalog, by page path.
pub fn stage_song(path: &str) -> automator::config::Song {
    let song = automator::stage::find_song(path)
        .unwrap_or_else(|| panic!("{path} is not in the demo catalog"));
    automator::config::Song {
        url: song.path.to_string(),
        name: song.title.to_string(),
        description: None,
        key: 0,
    }
}

/// The simple (5-track) and the complex (15-track) demo songs, and the one not purchased.
pub const SIMPLE_SONG: &str = "/custombackingtrack/the-night-owls/paper-moon-parade.html";
pub const COMPLEX_SONG: &str = "/custombackingtrack/grand-parlour-orchestra/fifteen-ways-home.html";
pub const CLICK_SONG: &str = "/custombackingtrack/metronomicon/count-me-in.html";
pub const UNPURCHASED_SONG: &str = "/custombackingtrack/unsigned-hopefuls/not-yet-yours.html";

/// Asserts every successful track's file is where it belongs (`<downloads>/<Song>/<Track>.mp3`)
/// and is a complete stage mix of exactly that track; and that the song folders hold nothing
/// else (no wrong mix was filed).
pub fn assert_right_mixes_in_place(outcome: &automator::RunOutcome, download_dir: &Path) {
    for track in outcome.tracks.iter().filter(|track| track.ok) {
        let folder = outcome
            .songs
            .iter()
            .find(|song| song.path == track.song_path)
            .and_then(|song| song.folder.clone())
            .unwrap_or_else(|| download_dir.join(&track.song));
        let expected = folder.join(format!("{}.mp3", track.name));
        let file = track
            .file
            .as_ref()
            .unwrap_or_else(|| panic!("{} › {} has no file", track.song, track.name));
        assert_eq!(file, &expected, "file of {} › {}", track.song, track.name);
        let bytes = std::fs::read(file)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
        let tag = automator::stage::read_mix_tag(&bytes)
            .unwrap_or_else(|error| panic!("{} is not a complete mix: {error}", file.display()));
        assert_eq!(
            tag.solo.as_deref(),
            Some(track.name.as_str()),
            "{} holds the wrong mix",
            file.display()
        );
    }
    for song in &outcome.songs {
        if let Some(folder) = &song.folder {
            let filed: Vec<_> = std::fs::read_dir(folder)
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .collect();
            let ok = outcome
                .tracks
                .iter()
                .filter(|track| track.ok && track.song_path == song.path)
                .count();
            assert_eq!(filed.len(), ok, "{} holds {filed:?}", folder.display());
        }
    }
}

/// The output of one `automator` process run by a test.
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Asserts the run exited 0, showing both streams when it did not.
    pub fn succeeded(&self) -> &Self {
        self.exited_with(0)
    }

    /// Asserts the run exited with `code`, showing both streams when it did not.
    pub fn exited_with(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts the run printed `text` on stdout.
    pub fn printed(&self, text: &str) -> &Self {
        assert!(self.stdout.contains(text), "{}", self.stdout);
        self
    }

    /// Asserts the run failed as bad input is meant to (exit code 2 and exactly one
    /// `error: …` line on stderr) and returns that line.
    pub fn usage_error(&self) -> &str {
        assert_eq!(self.code, Some(2), "{}", self.stderr);
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one error line, got:\n{}",
            self.stderr
        );
        assert!(lines[0].starts_with("error: "), "{}", self.stderr);
        lines[0]
    }
}

/// The built `automator` binary, ready to run in `directory` with `args`: marked with `marker`
/// so that every process it starts can be found afterwards, and without credentials or log
/// settings, chromedriver path or terminal width from the test's own environment.
pub fn automator_command(directory: &Path, args: &[&str], marker: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_automator"));
    command
        .args(args)
        .current_dir(directory)
        .env(TEST_MARKER_VAR, marker)
        .env_remove("KV_USERNAME")
        .env_remove("KV_PASSWORD")
        .env_remove("RUST_LOG")
        .env_remove("AUTOMATOR_CHROMEDRIVER")
        .env_remove("COLUMNS");
    command
}

fn finished(output: std::process::Output) -> Finished {
    Finished {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the built `automator` binary in `directory` with `args` and extra environment, marked
/// so that every process it starts can be found afterwards; asserts none is left.
pub fn run_automator(directory: &Path, args: &[&str], environment: &[(&str, &str)]) -> Finished {
    let marker = automator::browser::processes::new_run_tag();
    let mut command = automator_command(directory, args, &marker);
    for (name, value) in environment {
        command.env(name, value);
    }
    let output = command.output().expect("the automator binary runs");
    assert_no_processes_marked(&marker);
    finished(output)
}

/// Runs the built `automator` binary like [`run_automator`] but presses Ctrl-C (SIGINT) as
/// soon as its first track is filed under `downloads/`; returns that file and the output once
/// the process has exited, and asserts it left no process behind.
pub fn run_automator_until_first_file(directory: &Path, args: &[&str]) -> (PathBuf, Finished) {
    let running = spawn_automator(directory, args, &[]);
    let first_file = wait_for_first_file(&directory.join("downloads"));
    (first_file, running.signal_and_wait(libc::SIGINT))
}

/// A spawned `automator` process, marked so that every process it starts can be found.
pub struct Running {
    pub child: std::process::Child,
    pub marker: String,
}

impl Running {
    /// Every live process the run started (chromedriver, Chromium, crashpad, the watchdog).
    pub fn processes(&self) -> Vec<u32> {
        automator::browser::processes::processes_with_environment(TEST_MARKER_VAR, &self.marker)
    }

    /// Sends `signal` to the automator, waits for it to exit, and asserts that no process it
    /// started is left.
    pub fn signal_and_wait(self, signal: libc::c_int) -> Finished {
        // SAFETY: kill(2) on a child we own; no memory is involved.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, signal);
        }
        let output = self
            .child
            .wait_with_output()
            .expect("the automator binary exits");
        assert_no_processes_marked(&self.marker);
        finished(output)
    }
}

/// Starts the built `automator` binary in `directory` with `args` and extra environment, in a
/// process group of its own (as a shell job would be), with stdout and stderr captured.
pub fn spawn_automator(directory: &Path, args: &[&str], environment: &[(&str, &str)]) -> Running {
    use std::os::unix::process::CommandExt;
    let marker = automator::browser::processes::new_run_tag();
    let mut command = automator_command(directory, args, &marker);
    for (name, value) in environment {
        command.env(name, value);
    }
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("the automator binary runs");
    Running { child, marker }
}

/// Waits (a minute at most) until a track is filed under `downloads` and returns its path.
pub fn wait_for_first_file(downloads: &Path) -> PathBuf {
    let started = std::time::Instant::now();
    loop {
        let filed = files_under(downloads).into_iter().find(|path| {
            path.extension().is_some_and(|extension| extension == "mp3")
                && !path.to_string_lossy().contains(".incoming-")
        });
        if let Some(file) = filed {
            return file;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no track was filed within a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A `songs.yaml` of demo songs in `directory`, named after their titles (the song folders'
/// names).
pub fn write_songs(directory: &Path, paths: &[&str]) {
    let entries: String = paths
        .iter()
        .map(|path| {
            let song = automator::stage::find_song(path)
                .unwrap_or_else(|| panic!("{path} is not in the demo catalog"));
            format!("  - url: {path}\n    name: \"{}\"\n", song.title)
        })
        .collect();
    std::fs::write(directory.join("songs.yaml"), format!("songs:\n{entries}")).unwrap();
}

/// Every regular file under `directory`, recursively.
pub fn files_under(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
