//! The commit a measurement belongs to, so a baseline says what code it describes.

use std::path::Path;
use std::process::{Command, Stdio};

/// `git rev-parse HEAD` in `directory`; `None` when git is missing or it is not a repository.
pub fn git_commit_in(directory: &Path) -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(directory)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let commit = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !commit.is_empty()).then_some(commit)
}

/// [`git_commit_in`] the current directory.
pub fn current_git_commit() -> Option<String> {
    git_commit_in(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_repository_there_is_no_commit() {
        let directory = tempfile::tempdir().unwrap();
        assert_eq!(git_commit_in(directory.path()), None);
    }

    #[test]
    fn inside_a_repository_it_is_a_full_hash() {
        let directory = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(directory.path())
                .output()
                .map(|output| output.status.success())
                .unwrap_or(false)
        };
        if !git(&["init", "-q"]) {
            return; // git is not installed: nothing to read, covered by the test above
        }
        assert!(git(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x"
        ]));
        let commit = git_commit_in(directory.path()).unwrap();
        assert_eq!(commit.len(), 40, "{commit}");
        assert!(commit.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
