//! The profiler's own start and end of a span, left in the span's extensions for the
//! Chrome trace layer, so that the trace and the report time each span identically.
//!
//! Without them each layer reads the clock itself, and a preemption between the two
//! layers' reads (a whole scheduler slice on a loaded machine) lands in only one figure.
//! Written only when [`Config::share_span_times`](super::Config::share_span_times) is on:
//! looking a span up in the registry costs more than the rest of the profiler's work.

use std::time::Instant;

/// When the profiler opened and closed a span. The trace layer must run after the
/// profiler in each callback (compose it outside: `.with(profiler).with(trace)`), so
/// `start` is set when it sees the span open and `end` when it sees it close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpanTimes {
    pub(crate) start: Instant,
    pub(crate) end: Option<Instant>,
}
