//! Finding the processes a run started, whoever their parent is now.
//!
//! chromedriver is spawned with `AUTOMATOR_RUN_TAG=<tag>` in its environment; Chromium and all
//! its helpers inherit it. Scanning `/proc/*/environ` for the tag finds every process of the
//! run, even ones that left the process group or were re-parented to init.

use std::sync::atomic::{AtomicU64, Ordering};

/// Environment variable that marks every process of one run.
pub const RUN_TAG_VAR: &str = "AUTOMATOR_RUN_TAG";

/// A tag unique to this process and call (pid, start time, counter).
pub fn new_run_tag() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Process ids whose environment carries `RUN_TAG_VAR=tag` (excluding zombies and this
/// process).
pub fn tagged_processes(tag: &str) -> Vec<u32> {
    processes_with_environment(RUN_TAG_VAR, tag)
}

/// Process ids whose environment has `variable=value` (excluding zombies and this process).
pub fn processes_with_environment(variable: &str, value: &str) -> Vec<u32> {
    let needle = format!("{variable}={value}");
    processes_whose_environment(|entry| entry == needle.as_bytes())
}

/// Browser processes started by the process `pid` (their run tag begins with `<pid>-`), found
/// even after they were re-parented.
pub fn processes_started_by(pid: u32) -> Vec<u32> {
    let prefix = format!("{RUN_TAG_VAR}={pid}-");
    processes_whose_environment(|entry| entry.starts_with(prefix.as_bytes()))
}

/// Scans `/proc` for live processes (not zombies, not this one) with an environment entry
/// matching `matches`. Unreadable entries (other users' processes, exits mid-scan) are skipped.
fn processes_whose_environment(matches: impl Fn(&[u8]) -> bool) -> Vec<u32> {
    let own_pid = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != own_pid && !is_zombie(*pid))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|environ| environ.split(|byte| *byte == 0).any(&matches))
        })
        .collect()
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X")
    })
}

/// Sends SIGKILL to every process carrying the tag; returns how many there were.
pub fn kill_tagged_processes(tag: &str) -> usize {
    let pids = tagged_processes(tag);
    for pid in &pids {
        if let Ok(pid) = libc::pid_t::try_from(*pid) {
            // SAFETY: kill(2) has no memory-safety preconditions; a stale pid only yields ESRCH.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
    pids.len()
}

/// Sends SIGKILL to a whole process group.
pub fn kill_process_group(group: u32) {
    if let Ok(group) = libc::pid_t::try_from(group)
        && group > 1
    {
        // SAFETY: killpg(2) has no memory-safety preconditions; a stale group yields ESRCH.
        unsafe {
            libc::killpg(group, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    /// `sleep 30` carrying `tag`, once `/proc` shows its new environment (on a busy machine
    /// that can lag the spawn by a moment).
    fn spawn_tagged(tag: &str, own_group: bool) -> std::process::Child {
        let mut command = std::process::Command::new("sleep");
        command.arg("30").env(RUN_TAG_VAR, tag);
        if own_group {
            command.process_group(0);
        }
        let child = command.spawn().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !tagged_processes(tag).contains(&child.id()) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child
    }

    #[test]
    fn finds_and_kills_a_tagged_child_in_its_own_group() {
        let tag = new_run_tag();
        let mut child = spawn_tagged(&tag, true);
        assert_eq!(tagged_processes(&tag), vec![child.id()]);
        assert!(tagged_processes(&new_run_tag()).is_empty());
        kill_process_group(child.id());
        child.wait().unwrap();
        assert!(tagged_processes(&tag).is_empty());
    }

    #[test]
    fn kill_tagged_reaches_a_process_outside_the_group() {
        let tag = new_run_tag();
        let mut child = spawn_tagged(&tag, false);
        assert_eq!(kill_tagged_processes(&tag), 1);
        child.wait().unwrap();
        assert!(tagged_processes(&tag).is_empty());
    }

    #[test]
    fn children_are_found_by_the_pid_in_their_tag() {
        let mut child = spawn_tagged(&new_run_tag(), false);
        assert!(processes_started_by(std::process::id()).contains(&child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!processes_started_by(std::process::id()).contains(&child.id()));
    }

    #[test]
    fn tags_are_unique() {
        assert_ne!(new_run_tag(), new_run_tag());
    }
}
