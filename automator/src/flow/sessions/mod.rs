//! Several browser sessions working through one run (`--sessions N`).
//!
//! The song is the unit of work: its solo state lives on its page (and on the site, per song),
//! so one song is only ever worked on by one session at a time. The songs wait in a shared
//! [`SongQueue`]; N session workers, futures on the run's own task, each with its own
//! chromedriver, Chromium and incoming download folder, take the next song, run one pass over
//! it and hand back what follows (an immediate retry of its failed tracks at the front of the
//! queue, the final retry at the back). A session whose browser dies hands its song back to
//! the front of the queue and starts a fresh browser. Each song's results live in one
//! [`SongState`](super::song_pass::SongState) slot, so the outcome is assembled in plan order
//! whatever the sessions' order, and a stopped run keeps every finished track.
//!
//! Why one chromedriver per session (not N sessions on one chromedriver): a crash or kill of
//! one browser takes nothing else with it, every browser's processes carry their own run tag
//! (so the watchdog, the leftover sweep and the memory figure are per session), and it is the
//! shape a Selenium Grid gives anyway (independent sessions). The cost is one chromedriver
//! (about 15 MB) per session.

mod env;
mod figures;
mod queue;
mod shared;
mod worker;

pub(crate) use env::RunEnv;
pub use figures::SessionFigures;
pub(crate) use queue::SongQueue;
pub(crate) use shared::RunShared;
pub(crate) use worker::{SessionSlot, work};
