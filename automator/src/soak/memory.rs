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

use crate::browser::processes::RUN_TAG_VAR;

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
    /// `browser_mb` of each session's own browser tree (`--sessions N`, N > 1; empty with
    /// one session, whose browser is the whole tree), in session order. A browser counts
    /// here once its start is logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<SessionMemory>,
}

/// One session's browser in a reading (`--sessions N` with N > 1): the tree of the processes
/// carrying the run tags of the browsers that session started. Sizes in MiB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMemory {
    /// 1-based, as in the progress (`s1`) and the run summary.
    pub session: usize,
    /// Resident memory summed over this session's browser tree (0 while it has none).
    pub browser_mb: f64,
    pub browser_processes: usize,
    /// Track attempts this session had finished at the reading (filled in from the soak's
    /// log once the soak is over: the x of its leak regression).
    #[serde(default)]
    pub tracks_done: usize,
}

/// The browsers of a run by session: run tag to 1-based session. A reading splits the
/// browser tree by these tags; a browser whose start is not logged yet counts in the totals
/// only.
pub type SessionTags = BTreeMap<String, usize>;

/// What `/proc` says right now; `download_dir` is where the incoming directories live.
pub fn read_memory(download_dir: &Path) -> Reading {
    read_memory_by_session(download_dir, &SessionTags::new())
}

/// [`read_memory`], with the browser tree also split by session: one entry per session
/// named in `sessions` (by its browsers' run tags), in session order. One scan of `/proc`
/// finds the tagged processes and their descendants for every session at once.
pub fn read_memory_by_session(download_dir: &Path, sessions: &SessionTags) -> Reading {
    let own = std::process::id();
    let table = scan_processes(own);
    let tagged: Vec<(u32, &str)> = table
        .iter()
        .filter_map(|process| Some((process.pid, process.run_tag.as_deref()?)))
        .collect();
    let roots: Vec<u32> = tagged.iter().map(|(pid, _)| *pid).collect();
    let parents: Vec<(u32, u32)> = table
        .iter()
        .map(|process| (process.pid, process.parent))
        .collect();
    let mut by_kind: BTreeMap<String, f64> = BTreeMap::new();
    let mut by_session: BTreeMap<usize, SessionMemory> = sessions
        .values()
        .map(|&session| {
            let empty = SessionMemory {
                session,
                browser_mb: 0.0,
                browser_processes: 0,
                tracks_done: 0,
            };
            (session, empty)
        })
        .collect();
    let mut browser_fds = 0;
    let mut processes = 0;
    for (pid, root) in trees(&roots, &parents) {
        let Some(rss) = resident_bytes(pid) else {
            continue;
        };
        let mb = rss as f64 / MIB;
        processes += 1;
        *by_kind.entry(process_kind(pid)).or_default() += mb;
        browser_fds += open_fds(pid).unwrap_or(0);
        let tag = tagged[root].1;
        if let Some(session) = sessions.get(tag).and_then(|n| by_session.get_mut(n)) {
            session.browser_mb += mb;
            session.browser_processes += 1;
        }
    }
    Reading {
        automator_mb: resident_bytes(own).unwrap_or(0) as f64 / MIB,
        browser_mb: by_kind.values().fold(0.0, |total, mb| total + mb),
        browser_by_kind: by_kind,
        browser_processes: processes,
        automator_fds: open_fds(own).unwrap_or(0),
        browser_fds,
        incoming_mb: incoming_bytes(download_dir) as f64 / MIB,
        sessions: by_session.into_values().collect(),
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
    /// Per session, when [`read_memory_by_session`] was given sessions; empty otherwise.
    pub sessions: Vec<SessionMemory>,
}

/// A live process in `/proc`: its parent, and the run tag in its environment when the tag
/// is one this process gave (`<own pid>-…`, see [`crate::browser::processes`]).
struct ProcessEntry {
    pid: u32,
    parent: u32,
    run_tag: Option<String>,
}

/// Every process but this one and zombies, read in one pass over `/proc` (stat for the
/// parent, environ for the run tag). Processes that exit mid-scan are skipped.
fn scan_processes(own: u32) -> Vec<ProcessEntry> {
    let prefix = format!("{RUN_TAG_VAR}={own}-");
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != own)
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (state, parent) = state_and_parent(&stat)?;
            if state == "Z" || state == "X" {
                return None;
            }
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            let run_tag = environ
                .split(|byte| *byte == 0)
                .find(|entry| entry.starts_with(prefix.as_bytes()))
                .map(|entry| String::from_utf8_lossy(&entry[RUN_TAG_VAR.len() + 1..]).into_owned());
            Some(ProcessEntry {
                pid,
                parent,
                run_tag,
            })
        })
        .collect()
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
    trees(roots, parents)
        .into_iter()
        .map(|(pid, _)| pid)
        .collect()
}

/// Every pid of [`descendants`] with the index in `roots` of the root whose tree it is in
/// (the nearest root up its chain of parents: a root is always in its own tree).
fn trees(roots: &[u32], parents: &[(u32, u32)]) -> Vec<(u32, usize)> {
    let mut tree: Vec<(u32, usize)> = roots.iter().copied().zip(0..).collect();
    let mut seen: std::collections::HashSet<u32> = roots.iter().copied().collect();
    let mut next = 0;
    while next < tree.len() {
        let (parent, root) = tree[next];
        for (pid, _) in parents.iter().filter(|(_, ppid)| *ppid == parent) {
            if seen.insert(*pid) {
                tree.push((*pid, root));
            }
        }
        next += 1;
    }
    tree
}

/// The parent pid from `/proc/<pid>/stat`.
fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(state_and_parent(&stat)?.1)
}

/// The state and parent pid of a `/proc/<pid>/stat` line (the two fields past the `)` that
/// ends the command name, which may itself contain spaces and parentheses).
fn state_and_parent(stat: &str) -> Option<(&str, u32)> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    Some((state, fields.next()?.parse().ok()?))
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
    use crate::browser::processes::new_run_tag;

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
    fn each_process_belongs_to_the_tree_of_its_nearest_root() {
        // Root 10 (index 0) → 11 → 12; root 20 (index 1) → 21; 30 is nobody's.
        let parents = [(11, 10), (12, 11), (21, 20), (30, 1), (10, 1), (20, 1)];
        let mut owned = trees(&[10, 20], &parents);
        owned.sort_unstable();
        assert_eq!(owned, [(10, 0), (11, 0), (12, 0), (20, 1), (21, 1)]);
    }

    #[test]
    fn stat_gives_state_and_parent_past_a_command_name_with_parentheses() {
        let stat = "4242 (Web Content (x)) S 4200 4242 4242 0 -1 4194560";
        assert_eq!(state_and_parent(stat), Some(("S", 4200)));
        assert_eq!(state_and_parent("7 (zombie) Z 1 7 7"), Some(("Z", 1)));
        assert_eq!(state_and_parent("garbage"), None);
    }

    /// A shell carrying `tag` with two `sleep` children (which inherit the tag, as Chromium's
    /// helpers do), once all three show in `/proc` (on a busy machine that can lag the spawn).
    fn tagged_shell_with_two_children(tag: &str) -> std::process::Child {
        let shell = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30 & wait"])
            .env(RUN_TAG_VAR, tag)
            .spawn()
            .unwrap();
        let tags = SessionTags::from([(tag.to_owned(), 1)]);
        let folder = std::env::temp_dir();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while read_memory_by_session(&folder, &tags).sessions[0].browser_processes < 3
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        shell
    }

    #[test]
    fn one_reading_splits_the_browser_tree_by_the_sessions_run_tags() {
        let (first, second) = (new_run_tag(), new_run_tag());
        let mut shells = [
            tagged_shell_with_two_children(&first),
            tagged_shell_with_two_children(&second),
        ];
        let tags = SessionTags::from([(first.clone(), 1), (second.clone(), 2)]);
        let folder = tempfile::tempdir().unwrap();
        let reading = read_memory_by_session(folder.path(), &tags);
        assert_eq!(
            reading
                .sessions
                .iter()
                .map(|session| (session.session, session.browser_processes))
                .collect::<Vec<_>>(),
            [(1, 3), (2, 3)]
        );
        assert!(
            reading
                .sessions
                .iter()
                .all(|session| session.browser_mb > 0.0)
        );
        // The totals hold both sessions (and any other tagged process of this test binary).
        let split: f64 = reading
            .sessions
            .iter()
            .map(|session| session.browser_mb)
            .sum();
        assert!(reading.browser_mb >= split, "{reading:?}");
        assert!(reading.browser_processes >= 6);
        // Without sessions, no split.
        assert!(read_memory(folder.path()).sessions.is_empty());
        crate::browser::processes::kill_tagged_processes(&first);
        crate::browser::processes::kill_tagged_processes(&second);
        for shell in &mut shells {
            shell.wait().unwrap();
        }
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
