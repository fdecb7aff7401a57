//! A watchdog that ends the browser when the automator dies without stopping it (SIGKILL, OOM
//! killer, a crash in a destructor).
//!
//! Why it is needed: chromedriver runs in its own process group (so the terminal's Ctrl-C
//! reaches only the automator, which then stops the browser in order), and Chromium's crashpad
//! handlers start their own sessions and are re-parented to init. A SIGKILL of the automator or
//! of its process group reaches none of them. chromedriver itself gets `PR_SET_PDEATHSIG` (see
//! `chromedriver`), but Chromium is chromedriver's child and outlives it.
//!
//! How: a tiny `/bin/sh` in a process group of its own holds the read end of a pipe whose only
//! write end is in the automator (close-on-exec, so no browser process inherits it). An orderly
//! stop writes `done` and the watchdog exits; when the automator dies the kernel closes the write
//! end, the watchdog reads end-of-file, kills chromedriver's process group and every process
//! carrying the run's tag (crashpad included), removes the run's temporary folders, and exits.
//! It is a shell script rather than a mode of the automator binary so that any program linking
//! the library (the test binaries too) gets the same protection. It ignores SIGINT and SIGHUP,
//! which a terminal sends to its processes, and never outlives its own cleanup.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::config::credentials::CREDENTIAL_VARS;

use super::processes::RUN_TAG_VAR;

/// `$1` process group, `$2` the `VAR=tag` environment entry, then the folders to remove.
/// `grep -z` reads `/proc/*/environ` as NUL-separated entries (a zombie's is empty, so it no
/// longer matches). The folders are removed only once every process is gone (at most 5 s):
/// a Chromium that is still dying would otherwise write into its profile while it is removed.
const SCRIPT: &str = r#"trap '' INT HUP
IFS= read -r word
[ "$word" = done ] && exit 0
group=$1 entry=$2
shift 2
kill -KILL -- "-$group" 2>/dev/null
round=0
while [ "$round" -lt 50 ]; do
  left=
  for file in $(grep -lsxzF -e "$entry" /proc/[0-9]*/environ); do
    pid=${file#/proc/}
    kill -KILL "${pid%/environ}" 2>/dev/null && left=yes
  done
  [ -z "$left" ] && break
  sleep 0.1
  round=$((round + 1))
done
rm -rf -- "$@"
"#;

/// The shell that runs the watchdog.
const SHELL: &str = "/bin/sh";

/// A running watchdog; stop it with [`Watchdog::dismiss`] once the browser is gone.
#[derive(Debug)]
pub struct Watchdog {
    child: Child,
    /// The automator's end of the pipe; closing it without `done` sets the watchdog off.
    line: Option<std::io::PipeWriter>,
}

impl Watchdog {
    /// Starts a watchdog for the browser whose chromedriver leads process `group` and whose
    /// processes carry `run_tag`; `folders` are removed after those processes are killed.
    pub fn start(group: u32, run_tag: &str, folders: &[PathBuf]) -> std::io::Result<Watchdog> {
        use std::os::unix::process::CommandExt;
        let (reader, writer) = std::io::pipe()?;
        let mut command = Command::new(SHELL);
        command
            .arg("-c")
            .arg(SCRIPT)
            .arg("automator-watchdog")
            .arg(group.to_string())
            .arg(format!("{RUN_TAG_VAR}={run_tag}"))
            .args(folders)
            .stdin(reader)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .env_remove(RUN_TAG_VAR)
            .process_group(0);
        for variable in CREDENTIAL_VARS {
            command.env_remove(variable);
        }
        let child = command.spawn()?;
        Ok(Watchdog {
            child,
            line: Some(writer),
        })
    }

    /// The browser was stopped in order: the watchdog exits without touching anything, and
    /// is reaped.
    pub fn dismiss(mut self) {
        if let Some(mut line) = self.line.take() {
            let _ = line.write_all(b"done\n");
        }
        let _ = self.child.wait();
    }

    /// The watchdog's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Watchdog {
    /// Dropped without [`Watchdog::dismiss`]: close the line, so the watchdog cleans up as if
    /// the automator had died, and reap it.
    fn drop(&mut self) {
        if self.line.take().is_some() {
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::processes::{new_run_tag, tagged_processes};
    use std::os::unix::process::CommandExt;

    /// `sleep 30` in a new process group carrying `tag`, once `/proc` shows it.
    fn spawn_tagged(tag: &str) -> std::process::Child {
        let child = Command::new("sleep")
            .arg("30")
            .env(RUN_TAG_VAR, tag)
            .process_group(0)
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !tagged_processes(tag).contains(&child.id()) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child
    }

    #[test]
    fn when_its_line_closes_it_kills_the_group_and_the_tagged_and_removes_the_folders() {
        let tag = new_run_tag();
        let mut leader = spawn_tagged(&tag);
        let mut straggler = spawn_tagged(&tag);
        let folder = tempfile::tempdir().unwrap().keep();
        std::fs::write(folder.join("Login Data"), b"user").unwrap();
        let watchdog = Watchdog::start(leader.id(), &tag, std::slice::from_ref(&folder)).unwrap();
        drop(watchdog);
        assert!(
            leader.wait().unwrap().code().is_none(),
            "killed by a signal"
        );
        assert!(
            straggler.wait().unwrap().code().is_none(),
            "killed by a signal"
        );
        assert!(!folder.exists());
    }

    #[test]
    fn dismissed_it_touches_nothing() {
        let tag = new_run_tag();
        let mut leader = spawn_tagged(&tag);
        let folder = tempfile::tempdir().unwrap();
        let watchdog = Watchdog::start(leader.id(), &tag, &[folder.path().to_path_buf()]).unwrap();
        let pid = watchdog.id();
        watchdog.dismiss();
        assert!(folder.path().exists());
        assert_eq!(tagged_processes(&tag), vec![leader.id()]);
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "reaped"
        );
        leader.kill().unwrap();
        leader.wait().unwrap();
    }
}
