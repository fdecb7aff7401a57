//! The order in which the two arms run.
//!
//! Runs alternate in mirrored pairs, A B B A, A B B A, …: within every block of four each arm
//! runs twice, once early and once late, so a linear drift (a warming cache, a server slowing
//! down, thermal throttling) adds the same amount to both arms, and neither arm always goes
//! first after the other. Plain alternation A B A B would hand B every "second" slot.

use serde::{Deserialize, Serialize};

/// One of the two presets under comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Arm {
    /// The first preset given, the reference: ratios are B over A.
    A,
    /// The second preset given.
    B,
}

/// Runs per ABBA block; early stopping is considered only at block ends, where both arms
/// have had the same number of runs under the same drift.
pub const BLOCK_LEN: usize = 4;

/// The run order of an A/B test.
pub struct Schedule;

impl Schedule {
    /// `2 × runs_per_arm` runs in ABBA order; each arm runs exactly `runs_per_arm` times
    /// (an odd count ends with a half block, A B).
    pub fn interleaved(runs_per_arm: usize) -> Vec<Arm> {
        (0..2 * runs_per_arm)
            .map(|position| match position % BLOCK_LEN {
                0 | 3 => Arm::A,
                _ => Arm::B,
            })
            .collect()
    }

    /// Whether the run at `position` (0-based) completes an ABBA block.
    pub fn is_block_end(position: usize) -> bool {
        position % BLOCK_LEN == BLOCK_LEN - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Arm::{A, B};

    #[test]
    fn mirrors_each_pair_and_balances_the_arms() {
        assert_eq!(Schedule::interleaved(4), vec![A, B, B, A, A, B, B, A]);
        assert_eq!(Schedule::interleaved(3), vec![A, B, B, A, A, B]);
        assert_eq!(Schedule::interleaved(1), vec![A, B]);
        assert!(Schedule::interleaved(0).is_empty());
        for runs in 1..12 {
            let order = Schedule::interleaved(runs);
            assert_eq!(order.iter().filter(|arm| **arm == A).count(), runs);
            assert_eq!(order.iter().filter(|arm| **arm == B).count(), runs);
        }
    }

    #[test]
    fn a_linear_drift_adds_the_same_to_both_arms_over_whole_blocks() {
        let order = Schedule::interleaved(6);
        let drift = |arm: Arm| -> usize {
            order
                .iter()
                .enumerate()
                .filter(|(_, candidate)| **candidate == arm)
                .map(|(position, _)| position)
                .sum()
        };
        // Positions 0..12 are three whole blocks: A gets 0+3+4+7+8+11, B 1+2+5+6+9+10.
        assert_eq!(drift(A), drift(B));
        assert!(Schedule::is_block_end(3) && Schedule::is_block_end(7));
        assert!(!Schedule::is_block_end(4));
    }
}
