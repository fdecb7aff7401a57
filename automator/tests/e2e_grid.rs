//! End to end through a real Selenium Grid 4 on loopback (the jar from npm, Java 17, the
//! machine's headless Chromium): a hub with two nodes, two runs at once, each session on its
//! own node, and every file back through Grid's managed downloads, the same as a direct run.
//!
//! One test, one Grid: Java's start-up is the main cost, so the hub and nodes start while the
//! direct run goes on.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use support::grid::Grid;

/// Three tracks each: file names with the key first (`Count Off`), and with no instrument at
/// all (`Nameless Tune`: the monitor verifies its files by the page's solo state, so a mirrored
/// file must appear while that state still holds).
const COUNT_OFF: &str = "/custombackingtrack/prefix-club/count-off.html";
const NAMELESS_TUNE: &str = "/custombackingtrack/anonymous-ensemble/nameless-tune.html";

/// Knobs of every run here: the stall timeout at its 20 s default would be 0.4 s at time scale
/// 0.02, less than one look at the node's folder can take through the hub on a busy two-core
/// machine (a remote transfer's progress shows locally once per look); 5 s scaled.
const KNOBS: &str = "download_stall_timeout = 250.0\n";

fn run_args<'a>(webdriver: Option<&'a str>, download_dir: &'a str) -> Vec<&'a str> {
    let mut args = vec![
        "--songs",
        "songs.yaml",
        "--knobs",
        "knobs.toml",
        "--time-scale",
        "0.02",
        "--download-dir",
        download_dir,
    ];
    if let Some(url) = webdriver {
        args.extend(["--webdriver", url]);
    }
    args
}

/// Every file under `folder` by its path inside it, with its bytes.
fn inventory(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    support::files_under(folder)
        .into_iter()
        .map(|file| {
            let name = file.strip_prefix(folder).unwrap().display().to_string();
            (name, std::fs::read(&file).unwrap())
        })
        .collect()
}

/// How many files the run's managed-downloads mirror said it brought back (summed over the
/// run's browser sessions).
fn brought_back(stderr: &str) -> usize {
    stderr
        .lines()
        .filter_map(|line| {
            line.split("managed downloads: ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum()
}

/// Asserts every filed file is a complete stage mix of the track its name says.
fn assert_complete_mixes(files: &BTreeMap<String, Vec<u8>>) {
    for (name, bytes) in files {
        let tag = automator::stage::read_mix_tag(bytes)
            .unwrap_or_else(|error| panic!("{name} is not a complete mix: {error}"));
        let track = Path::new(name).file_stem().unwrap().to_string_lossy();
        assert_eq!(tag.solo.as_deref(), Some(track.as_ref()), "{name}");
    }
}

#[test]
fn two_runs_through_a_hub_use_both_nodes_and_file_the_same_mixes_as_a_direct_run() {
    let folders = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for (folder, song) in folders.iter().zip([COUNT_OFF, NAMELESS_TUNE]) {
        support::write_songs(folder.path(), &[song]);
        std::fs::write(folder.path().join("knobs.toml"), KNOBS).unwrap();
    }
    let _lock = support::browser_lock();
    let mut grid = Grid::hub_and_nodes(2);
    let direct = support::run_automator(folders[1].path(), &run_args(None, "direct"), &[]);
    direct.succeeded();
    assert_eq!(
        brought_back(&direct.stderr),
        0,
        "a direct run saves locally:\n{}",
        direct.stderr
    );
    grid.wait_until_ready(2);
    let mut runs: Vec<_> = folders
        .iter()
        .map(|folder| {
            support::spawn_automator(folder.path(), &run_args(Some(grid.url()), "downloads"), &[])
        })
        .collect();

    // Which node serves each session, read from the hub while the runs go on; and how many
    // processes carry the Grid's marker (more than its three JVMs once the nodes' browsers
    // run, so the final no-leftover check covers chromedriver and Chromium too).
    let mut node_of_session: HashMap<String, String> = HashMap::new();
    let mut most_grid_processes = 0;
    while runs
        .iter_mut()
        .any(|run| run.child.try_wait().unwrap().is_none())
    {
        node_of_session.extend(grid.nodes_by_session());
        most_grid_processes = most_grid_processes.max(grid.processes().len());
        std::thread::sleep(Duration::from_millis(50));
    }
    let outputs: Vec<_> = runs
        .into_iter()
        .map(|run| {
            let output = run.child.wait_with_output().unwrap();
            support::assert_no_processes_marked(&run.marker);
            output
        })
        .collect();
    grid.stop();
    assert!(
        most_grid_processes > 3,
        "the nodes' browsers carry the Grid's marker: at most {most_grid_processes} processes seen"
    );

    for (folder, output) in folders.iter().zip(&outputs) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        );
        let files = inventory(&folder.path().join("downloads"));
        assert_eq!(files.len(), 3, "{:?}", files.keys());
        assert_complete_mixes(&files);
        assert_eq!(
            brought_back(&stderr),
            files.len(),
            "every filed file came through the managed-downloads mirror:\n{stderr}"
        );
    }
    let through_grid = inventory(&folders[1].path().join("downloads"));
    let direct = inventory(&folders[1].path().join("direct"));
    assert_eq!(
        through_grid.keys().collect::<Vec<_>>(),
        direct.keys().collect::<Vec<_>>(),
        "the same file names"
    );
    for (name, bytes) in &through_grid {
        assert_eq!(bytes.len(), direct[name].len(), "size of {name}");
        assert!(bytes == &direct[name], "contents of {name}");
    }
    let mut nodes: Vec<&String> = node_of_session.values().collect();
    nodes.sort();
    nodes.dedup();
    assert_eq!(
        node_of_session.len(),
        2,
        "one session per run: {node_of_session:?}"
    );
    assert_eq!(
        nodes.len(),
        2,
        "the two sessions ran on different nodes: {node_of_session:?}"
    );
}

/// Serves one HTTP request on a loopback port with `body` as JSON; returns the port.
fn serve_status_once(body: &'static str) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// A Grid whose only node is on another machine and keeps downloads to itself: the files
/// could never arrive, so the run stops before any song, with one line naming the fix.
#[test]
fn a_grid_without_managed_downloads_on_another_machine_is_refused_before_any_song() {
    let port = serve_status_once(
        r#"{"value": {"ready": true, "nodes": [{"uri": "http://10.0.0.7:5555", "availability": "UP",
            "slots": [{"stereotype": {"browserName": "chrome", "platformName": "linux"}}]}]}}"#,
    );
    let directory = tempfile::tempdir().unwrap();
    support::write_songs(directory.path(), &[COUNT_OFF]);
    std::fs::write(directory.path().join("knobs.toml"), KNOBS).unwrap();
    let webdriver = format!("http://grid-user:grid-secret@127.0.0.1:{port}");
    let finished = support::run_automator(
        directory.path(),
        &run_args(Some(&webdriver), "downloads"),
        &[],
    );
    let line = finished.usage_error();
    assert!(line.contains("--enable-managed-downloads true"), "{line}");
    assert!(!line.contains("grid-secret"), "{line}");
    assert!(
        support::files_under(&directory.path().join("downloads")).is_empty(),
        "no song was worked on"
    );
}
