//! The guard [`init`](super::init) returns: it owns the session's outputs and writes them
//! exactly once, explicitly, on drop, or from a Ctrl-C handler.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::chrome::ChromeTraceGuard;
use crate::recorder::ProfilerHandle;
use crate::report::{self, ReportError, Stamp};

/// Where one session's reports were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPaths {
    pub log: PathBuf,
    pub json: PathBuf,
    pub html: Option<PathBuf>,
    pub trace: Option<PathBuf>,
}

impl std::fmt::Display for SessionPaths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "text report:  {}", self.log.display())?;
        write!(f, "json report:  {}", self.json.display())?;
        if let Some(html) = &self.html {
            write!(f, "\nhtml report:  {}", html.display())?;
        }
        if let Some(trace) = &self.trace {
            write!(f, "\nchrome trace: {}", trace.display())?;
        }
        Ok(())
    }
}

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
    Done(Result<SessionPaths, String>),
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
                let outcome = self.write();
                *written = Written::Done(outcome.as_ref().cloned().map_err(ToString::to_string));
                return outcome;
            }
            Written::Done(Ok(paths)) => return Ok(paths.clone()),
            Written::Done(Err(reason)) => {
                format!("the first attempt to write the reports failed: {reason}")
            }
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

    fn write(&self) -> Result<SessionPaths, ReportError> {
        let mut profile = self.handle.snapshot(&self.name);
        profile.session.git_commit = crate::baseline::current_git_commit();
        // The trace is finished even when the reports fail, so it is never left invalid.
        let trace = self
            .chrome
            .as_ref()
            .map(ChromeTraceGuard::finish)
            .transpose();
        let paths = report::write_reports(&profile, &self.dir, &self.stamp)?;
        let html = match self.html {
            true => Some(report::write_html(&profile, &self.dir, &self.stamp)?),
            false => None,
        };
        Ok(SessionPaths {
            log: paths.log,
            json: paths.json,
            html,
            trace: trace?,
        })
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
    /// return the same paths without writing again.
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
    pub fn finish(&self) -> Result<SessionPaths, ReportError> {
        self.session.write_once()
    }
}
