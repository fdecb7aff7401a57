//! One reading of the memory a run holds, from `/proc`: resident memory (`VmRSS`) of the
//! automator and of every browser process it started (the processes carrying its run tag,
//! see [`crate::browser::processes`], and all their descendants by parent pid: Chromium's
//! zygote-forked renderers rewrite their command line over the environment, so the tag alone
//! misses them), by process kind; open file
//! descriptors; and the bytes waiting in the download folder's incoming directories.
//!
//! Summed RSS counts pages shared between Chromium's processes once per process, so the
//! total overstates the machine's memory use; it is the quantity whose *growth* a leak shows.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::browser::processes::processes_started_by;

/// Bytes per MiB, the unit of every memory figure in the soak report.
const MIB: f64 = 1024.0 * 1024.0;

/// Why a sample was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleCause {
    /// The fixed interval elapsed.
    Interval,
    /// A track attempt just finished (the points of the leak regression).
    TrackBoundary,
}

/// The memory of the run at one moment. Sizes in MiB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemorySample {
    /// Seconds since the soak started.
    pub at_seconds: f64,
    pub cause: SampleCause,
    /// 1-based round under way.
    pub round: usize,
    /// Track attempts finished so far.
    pub tracks_done: usize,
    /// The automator's own resident memory.
    pub automator_mb: f64,
    /// Resident memory summed over the browser process tree.
    pub browser_mb: f64,
    /// `browser_mb` by process kind: `chromedriver`, `browser` (Chromium's main process) and
    /// Chromium's `--type=` (`renderer`, `gpu-process`, `utility`, `zygote`,
    /// `crashpad-handler`, …).
    pub browser_by_kind: BTreeMap<String, f64>,
    pub browser_processes: usize,
    pub automator_fds: usize,
    pub browser_fds: usize,
    /// Bytes in the download folder's `.incoming-*` directories, in MiB.
    pub incoming_mb: f64,
}

/// What `/proc` says right now; `download_dir` is where the incoming directories live.
pub fn read_memory(download_dir: &Path) -> Reading {
    let own = std::process::id();
    let mut by_kind: BTreeMap<String, f64> = BTreeMap::new();
    let mut browser_fds = 0;
    let mut processes = 0;
    for pid in browser_tree(&processes_started_by(own)) {
        let Some(rss) = resident_bytes(pid) else {
            continue;
        };
        processes += 1;
        *by_kind.entry(process_kind(pid)).or_default() += rss as f64 / MIB;
        browser_fds += open_fds(pid).unwrap_or(0);
    }
    Reading {
        automator_mb: resident_bytes(own).unwrap_or(0) as f64 / MIB,
        browser_mb: by_kind.values().fold(0.0, |total, mb| total + mb),
        browser_by_kind: by_kind,
        browser_processes: processes,
        automator_fds: open_fds(own).unwrap_or(0),
        browser_fds,
        incoming_mb: incoming_bytes(download_dir) as f64 / MIB,
    }
}

/// Resident memory in MiB of one browser: the processes carrying `run_tag` (its
/// chromedriver, Chromium and helpers; see [`crate::browser::processes`]) and all their
/// descendants. 0 when none is alive.
pub fn browser_mb(run_tag: &str) -> f64 {
    browser_tree(&crate::browser::processes::tagged_processes(run_tag))
        .into_iter()
        .filter_map(resident_bytes)
        .map(|bytes| bytes as f64 / MIB)
        .sum()
}

/// A [`MemorySample`] without its when and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub automator_mb: f64,
    pub browser_mb: f64,
    pub browser_by_kind: BTreeMap<String, f64>,
    pub browser_processes: usize,
    pub automator_fds: usize,
    pub browser_fds: usize,
    pub incoming_mb: f64,
}

/// `roots` and every live descendant of theirs.
fn browser_tree(roots: &[u32]) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_pid(pid)?)))
        .collect();
    descendants(roots, &parents)
}

/// `roots` plus every pid whose chain of parents (`(pid, parent)` pairs) reaches a root.
fn descendants(roots: &[u32], parents: &[(u32, u32)]) -> Vec<u32> {
    let mut tree: Vec<u32> = roots.to_vec();
    let mut next = 0;
    while next < tree.len() {
        let parent = tree[next];
        let children: Vec<u32> = parents
            .iter()
            .filter(|(pid, ppid)| *ppid == parent && !tree.contains(pid))
            .map(|(pid, _)| *pid)
            .collect();
        tree.extend(children);
        next += 1;
    }
    tree
}

/// The parent pid from `/proc/<pid>/stat` (the field after the state, past the `)` that ends
/// the command name, which may itself contain spaces and parentheses).
fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// `VmRSS` of `/proc/<pid>/status` in bytes; `None` once the process is gone.
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

fn open_fds(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

fn process_kind(pid: u32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    kind_of_cmdline(&cmdline)
}

/// The kind of a process from its NUL-separated command line.
fn kind_of_cmdline(cmdline: &[u8]) -> String {
    let mut arguments: Vec<String> = cmdline
        .split(|byte| *byte == 0)
        .filter(|argument| !argument.is_empty())
        .map(|argument| String::from_utf8_lossy(argument).into_owned())
        .collect();
    // A zygote-forked Chromium process retitles itself: one space-separated string.
    if let [single] = arguments.as_slice() {
        arguments = single.split_whitespace().map(str::to_owned).collect();
    }
    let program = arguments
        .first()
        .and_then(|first| first.rsplit('/').next())
        .unwrap_or_default();
    if program.contains("chromedriver") {
        return "chromedriver".into();
    }
    if let Some(kind) = arguments
        .iter()
        .find_map(|argument| argument.strip_prefix("--type="))
    {
        return kind.to_owned();
    }
    if program.contains("chrom") {
        "browser".into()
    } else {
        "other".into()
    }
}

/// Bytes of the files under `download_dir/.incoming-*` (one level of subfolders is enough:
/// the browser writes downloads flat into the incoming directory).
fn incoming_bytes(download_dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(download_dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with(".incoming-")
        })
        .filter_map(|entry| std::fs::read_dir(entry.path()).ok())
        .flatten()
        .filter_map(|file| file.ok()?.metadata().ok())
        .filter(|metadata| metadata.is_file())
        .map(|metadata| metadata.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_program_and_its_type_flag() {
        assert_eq!(
            kind_of_cmdline(b"/usr/bin/chromedriver\0--port=1\0"),
            "chromedriver"
        );
        assert_eq!(
            kind_of_cmdline(b"/usr/lib/chromium/chromium\0--type=renderer\0--lang=en\0"),
            "renderer"
        );
        assert_eq!(
            kind_of_cmdline(b"/usr/lib/chromium/chromium\0--type=gpu-process\0"),
            "gpu-process"
        );
        assert_eq!(
            kind_of_cmdline(b"/usr/lib/chromium/chromium\0--headless\0--no-sandbox\0"),
            "browser"
        );
        assert_eq!(kind_of_cmdline(b"/bin/sleep\x0030\0"), "other");
        assert_eq!(
            kind_of_cmdline(b"/usr/lib/chromium/chromium --type=renderer --lang=en\0\0\0"),
            "renderer"
        );
    }

    #[test]
    fn the_tree_holds_the_roots_and_all_their_descendants() {
        // 10 → 11 → 12, 10 → 13; 20 is unrelated; 30 is a root's grandchild via 31.
        let parents = [(11, 10), (12, 11), (13, 10), (20, 1), (31, 30), (32, 31)];
        let mut tree = descendants(&[10, 30], &parents);
        tree.sort_unstable();
        assert_eq!(tree, [10, 11, 12, 13, 30, 31, 32]);
    }

    #[test]
    fn a_child_process_is_in_the_tree_of_its_parent() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        assert_eq!(parent_pid(child.id()), Some(std::process::id()));
        assert!(browser_tree(&[std::process::id()]).contains(&child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn vm_rss_is_read_in_kilobytes() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t  2048 kB\nThreads: 3\n";
        assert_eq!(parse_vm_rss(status), Some(2048 * 1024));
        assert_eq!(parse_vm_rss("Name:\tkthreadd\n"), None);
    }

    #[test]
    fn this_process_has_memory_and_descriptors() {
        let folder = tempfile::tempdir().unwrap();
        let incoming = folder.path().join(".incoming-abc");
        std::fs::create_dir(&incoming).unwrap();
        std::fs::write(incoming.join("part.crdownload"), vec![0u8; 1024 * 1024]).unwrap();
        std::fs::write(folder.path().join("filed.mp3"), vec![0u8; 4096]).unwrap();
        let reading = read_memory(folder.path());
        assert!(reading.automator_mb > 0.0);
        assert!(reading.automator_fds >= 3, "stdin, stdout, stderr at least");
        assert_eq!(reading.incoming_mb, 1.0);
    }
}
