//! What the layer records beyond timings.

use crate::tier::Tier;

/// Settings of a [`ProfilerLayer`](super::ProfilerLayer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Per tier (indexed like [`Tier::ALL`]): sample resident memory at open and close.
    memory: [bool; 4],
    /// Per tier: read the clock on every enter and exit to measure busy time.
    busy: [bool; 4],
    open_span_capacity: usize,
    /// Leave each span's start and end in its extensions for the Chrome trace layer.
    share_span_times: bool,
}

impl Default for Config {
    /// Memory sampling on for `system` and `component` spans (few, long), off for `method`
    /// and `operation` spans (many, short), because each sample costs a system call.
    /// Busy time on for every tier but `operation`: it doubles the clock reads of a span,
    /// and an operation (one external command) is the short leaf whose wall time matters.
    fn default() -> Self {
        Config {
            memory: [true, true, false, false],
            busy: [true, true, true, false],
            open_span_capacity: 4096,
            share_span_times: false,
        }
    }
}

impl Config {
    /// Turns resident-memory sampling on or off for spans of `tier`.
    pub fn sample_memory(mut self, tier: Tier, enabled: bool) -> Self {
        self.memory[tier_index(tier)] = enabled;
        self
    }

    /// Whether spans of `tier` sample resident memory (set by [`Config::sample_memory`]).
    pub fn samples_memory(&self, tier: Tier) -> bool {
        self.memory[tier_index(tier)]
    }

    /// Turns busy-time measurement on or off for spans of `tier`. Off, a span reads the
    /// clock twice (open, close) instead of four times, and its busy time is reported as 0.
    pub fn measure_busy_time(mut self, tier: Tier, enabled: bool) -> Self {
        self.busy[tier_index(tier)] = enabled;
        self
    }

    /// Whether spans of `tier` measure busy time (set by [`Config::measure_busy_time`]).
    pub fn measures_busy_time(&self, tier: Tier) -> bool {
        self.busy[tier_index(tier)]
    }

    /// How many profiled spans are expected to be open at once. More still work (they
    /// spill into a slower locked map); fewer save memory (about 250 bytes per span).
    pub fn open_span_capacity(mut self, capacity: usize) -> Self {
        self.open_span_capacity = capacity;
        self
    }

    /// Leaves each profiled span's start and end (the profiler's own clock readings) in the
    /// span's extensions, where a [`TraceLayer`](crate::chrome::TraceLayer) composed after
    /// this layer (`.with(profiler).with(trace)`) takes them: each trace event then lasts
    /// exactly the wall time the report counts. Off by default: it costs two registry
    /// look-ups per profiled span. [`init`](crate::init) turns it on with the trace.
    pub fn share_span_times(mut self, enabled: bool) -> Self {
        self.share_span_times = enabled;
        self
    }

    /// Whether spans leave their start and end for the trace (set by
    /// [`Config::share_span_times`]).
    pub fn shares_span_times(&self) -> bool {
        self.share_span_times
    }

    pub(crate) fn capacity(&self) -> usize {
        self.open_span_capacity
    }
}

fn tier_index(tier: Tier) -> usize {
    match tier {
        Tier::System => 0,
        Tier::Component => 1,
        Tier::Method => 2,
        Tier::Operation => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_time_defaults_to_all_but_operations_and_is_adjustable() {
        let config = Config::default();
        let measured: Vec<bool> = Tier::ALL
            .map(|tier| config.measures_busy_time(tier))
            .to_vec();
        assert_eq!(measured, [true, true, true, false]);
        let config = config.measure_busy_time(Tier::Operation, true);
        assert!(config.measures_busy_time(Tier::Operation));
    }

    #[test]
    fn memory_sampling_defaults_to_the_long_tiers_and_is_adjustable() {
        let config = Config::default();
        assert!(config.samples_memory(Tier::System));
        assert!(config.samples_memory(Tier::Component));
        assert!(!config.samples_memory(Tier::Method));
        assert!(!config.samples_memory(Tier::Operation));
        let config = config
            .sample_memory(Tier::Operation, true)
            .sample_memory(Tier::System, false);
        assert!(config.samples_memory(Tier::Operation));
        assert!(!config.samples_memory(Tier::System));
    }
}
