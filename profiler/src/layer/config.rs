//! What the layer records beyond timings.

use crate::tier::Tier;

/// Settings of a [`ProfilerLayer`](super::ProfilerLayer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Per tier (indexed like [`Tier::ALL`]): sample resident memory at open and close.
    memory: [bool; 4],
    open_span_capacity: usize,
}

impl Default for Config {
    /// Memory sampling on for `system` and `component` spans (few, long), off for `method`
    /// and `operation` spans (many, short), because each sample costs a system call.
    fn default() -> Self {
        Config {
            memory: [true, true, false, false],
            open_span_capacity: 4096,
        }
    }
}

impl Config {
    /// Turns resident-memory sampling on or off for spans of `tier`.
    pub fn sample_memory(mut self, tier: Tier, enabled: bool) -> Self {
        self.memory[tier_index(tier)] = enabled;
        self
    }

    pub fn samples_memory(&self, tier: Tier) -> bool {
        self.memory[tier_index(tier)]
    }

    /// How many profiled spans are expected to be open at once. More still work (they
    /// spill into a slower locked map); fewer save memory (about 250 bytes per span).
    pub fn open_span_capacity(mut self, capacity: usize) -> Self {
        self.open_span_capacity = capacity;
        self
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
