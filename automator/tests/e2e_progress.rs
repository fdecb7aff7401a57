//! Progress as a pipe sees it: the built binary with stdout piped (not a terminal) prints one
//! plain line per finished track while it runs, `song i/N` from the plan, no bar codes.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use automator::stage::find_song;
use support::{SIMPLE_SONG, UNPURCHASED_SONG, assert_no_processes_marked, write_songs};

#[test]
fn piped_output_gets_one_plain_line_per_finished_track_as_it_happens() {
    let _lock = support::browser_lock();
    let directory = tempfile::tempdir().unwrap();
    write_songs(directory.path(), &[SIMPLE_SONG, UNPURCHASED_SONG]);
    let marker = automator::browser::processes::new_run_tag();
    let mut child = support::automator_command(
        directory.path(),
        &[
            "--time-scale",
            "0.05",
            "--max-tracks",
            "3",
            "--songs",
            "songs.yaml",
        ],
        &marker,
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the automator binary runs");
    let mut stderr = child.stderr.take().unwrap();
    let drain = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let mut lines = Vec::new();
    let mut running_at_first_track = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if running_at_first_track.is_none() && line.contains(": ok in ") {
            running_at_first_track = Some(child.try_wait().unwrap().is_none());
        }
        lines.push(line);
    }
    let status = child.wait().unwrap();
    let stderr = drain.join().unwrap();
    assert_no_processes_marked(&marker);
    let stdout = lines.join("\n");
    assert_eq!(
        status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );

    // Two more tracks, a song and the shutdown were still to come when the first line arrived.
    assert_eq!(running_at_first_track, Some(true), "{stdout}");
    let song = find_song(SIMPLE_SONG).unwrap();
    let track_lines: Vec<&String> = lines.iter().filter(|line| line.contains(" › ")).collect();
    assert_eq!(track_lines.len(), 3, "{stdout}");
    for (done, (line, track)) in track_lines.iter().zip(song.tracks).enumerate() {
        let count = match done + 1 {
            1 => "1 track done".to_owned(),
            more => format!("{more} tracks done"),
        };
        assert!(line.starts_with("[0:"), "{line}");
        assert!(
            line.contains(&format!("song 1/2 · {count} · ETA ")),
            "{line}"
        );
        assert!(
            line.contains(&format!("{} › {track}: ok in ", song.title)) && line.ends_with('s'),
            "{line}"
        );
        assert!(!line.contains("ETA after"), "{line}");
    }
    assert!(
        !stdout.contains('\r') && !stdout.contains('\u{1b}'),
        "bar codes in the pipe: {stdout:?}"
    );
    assert!(
        stdout.contains("Summary: 3 of 3 tracks downloaded"),
        "{stdout}"
    );
}
