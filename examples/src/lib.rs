//! Example programs for the `profiler` crate; they live in `src/bin/`:
//!
//! - `tiered_demo`: a four-tier program (system → component → method → operation) with
//!   failures and a nested async part, set up with `profiler::init`; writes the text, JSON,
//!   HTML and Chrome-trace reports into `logs/performance/` and prints their paths.
//!   `--fail` makes it end with an error, `--hold-ms N` keeps it busy for N ms (to try
//!   Ctrl-C): the reports are written either way.
//! - `existing_subscriber`: a program that already has its own `tracing` subscriber adds
//!   the profiler layer (and a Chrome trace) to it, and measures two runs with a reset in
//!   between.
