//! The guard [`init`](super::init) returns: it owns the session's outputs and writes them
//! exactly once, explicitly, on drop, or from a Ctrl-C handler.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::chrome::ChromeTraceGuard;
use crate::html::RunContext;
use crate::recorder::ProfilerHandle;
use crate::report::{self, ReportError, Stamp};

/// Where one session's reports were written, and which could not be (each also printed as
/// a warning on stderr when the session writes them).
pub type SessionPaths = report::WrittenReports;

pub(crate) struct Session {
    pub(crate) name: String,
    pub(crate) dir: PathBuf,
    pub(crate) stamp: Stamp,
    pub(crate) handle: ProfilerHandle,
    pub(crate) chrome: Option<ChromeTraceGuard>,
    pub(crate) html: bool,
    written: Mutex<Written>,
}

enum Written {
    Not,
    Done(SessionPaths),
    /// Setup failed: nothing is written, and nothing is said on drop.
    Abandoned,
}

impl Session {
    pub(crate) fn new(
        name: String,
        dir: PathBuf,
        stamp: Stamp,
        handle: ProfilerHandle,
        chrome: Option<ChromeTraceGuard>,
        html: bool,
    ) -> Session {
        Session {
            name,
            dir,
            stamp,
            handle,
            chrome,
            html,
            written: Mutex::new(Written::Not),
        }
    }

    fn write_once(&self) -> Result<SessionPaths, ReportError> {
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        let reason = match &*written {
            Written::Not => {
                let paths = self.write();
                *written = Written::Done(paths.clone());
                return Ok(paths);
            }
            Written::Done(paths) => return Ok(paths.clone()),
            Written::Abandoned => "profiling was never set up".to_owned(),
        };
        Err(ReportError::Trace {
            path: self.dir.clone(),
            reason,
        })
    }

    /// Gives up the session because setup failed: no reports, and the partial trace goes.
    pub(crate) fn abandon(&self) {
        *self.written.lock().unwrap_or_else(PoisonError::into_inner) = Written::Abandoned;
        if let Some(chrome) = &self.chrome {
            chrome.abandon();
        }
    }

    fn abandoned(&self) -> bool {
        matches!(
            *self.written.lock().unwrap_or_else(PoisonError::into_inner),
            Written::Abandoned
        )
    }

    /// Writes every report; one that fails is a warning naming the file and the reason,
    /// and the others are still written.
    fn write(&self) -> SessionPaths {
        let mut profile = self.handle.snapshot(&self.name);
        profile.session.git_commit = crate::baseline::current_git_commit();
        let html = self.html.then(RunContext::default);
        let paths = report::write_all(
            &profile,
            &self.dir,
            &self.stamp,
            html.as_ref(),
            self.chrome.as_ref(),
        );
        for failed in &paths.failed {
            eprintln!("profiler: warning: {failed}");
        }
        paths
    }
}

/// Keeps the profiling session of [`init`](super::init) alive; writes its reports when
/// dropped unless [`write_reports`](Self::write_reports) already did.
pub struct ProfilerGuard {
    pub(crate) session: Arc<Session>,
}

impl ProfilerGuard {
    /// The handle on the session's statistics (snapshot, reset).
    pub fn handle(&self) -> ProfilerHandle {
        self.session.handle.clone()
    }

    /// The timestamp in this session's file names.
    pub fn stamp(&self) -> &Stamp {
        &self.session.stamp
    }

    /// Takes the final snapshot and writes every report, once: later calls and the drop
    /// return the same paths without writing again. A report that cannot be written is
    /// listed in [`SessionPaths::failed`] (and printed as a warning), not an error; the
    /// error is only for a session whose setup failed.
    ///
    /// # Errors
    ///
    /// [`ReportError`] only when the session's setup failed; reports that cannot be written are
    /// listed in [`SessionPaths::failed`].
    pub fn write_reports(&self) -> Result<SessionPaths, ReportError> {
        self.session.write_once()
    }

    /// A handle that can write the reports from another thread, e.g. the program's own
    /// Ctrl-C handler.
    pub fn finisher(&self) -> SessionFinisher {
        SessionFinisher {
            session: Arc::clone(&self.session),
        }
    }
}

impl Drop for ProfilerGuard {
    fn drop(&mut self) {
        if self.session.abandoned() {
            return;
        }
        if let Err(error) = self.session.write_once() {
            eprintln!("profiler: {error}");
        }
    }
}

/// Writes a session's reports from anywhere (cloneable, `Send + Sync`).
#[derive(Clone)]
pub struct SessionFinisher {
    session: Arc<Session>,
}

impl SessionFinisher {
    /// Same as [`ProfilerGuard::write_reports`].
    ///
    /// # Errors
    ///
    /// As [`ProfilerGuard::write_reports`].
    pub fn finish(&self) -> Result<SessionPaths, ReportError> {
        self.session.write_once()
    }
}
