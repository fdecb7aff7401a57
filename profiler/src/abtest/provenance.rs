//! Where and when an A/B test ran, and in which order: what a reader needs before trusting a
//! ratio (the date, the machine, the warm-up) and to see drift (the run order).

use serde::{Deserialize, Serialize};

use super::sample::RunSample;
use super::schedule::{Arm, Schedule};
use crate::machine::MachineInfo;

/// The circumstances of an A/B test. Every field may be empty: a comparison read from a JSON
/// file written before this existed, or analysed from hand-made samples, lacks them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// RFC 3339 UTC start of the first measured run (from its profile), if known.
    #[serde(default)]
    pub started_at: Option<String>,
    /// The machine the first measured run's profile was taken on, if known.
    #[serde(default)]
    pub machine: Option<MachineInfo>,
    /// Discarded warm-up runs per arm before the measured ones; `None` when the caller did
    /// not say (only the runner knows; [`super::analyze`] alone cannot).
    #[serde(default)]
    pub warmup_runs_per_arm: Option<usize>,
    /// The arm of every measured run, in the order they ran (both arms interleaved).
    #[serde(default)]
    pub run_order: Vec<Arm>,
}

impl Provenance {
    /// What the samples themselves record: the order, the first run's start and machine.
    pub(crate) fn of_runs(runs: &[RunSample]) -> Provenance {
        let first = runs.first().map(|run| &run.profile.session);
        Provenance {
            started_at: first
                .map(|session| session.started_at.clone())
                .filter(|started| !started.is_empty()),
            machine: first
                .map(|session| session.machine.clone())
                .filter(|machine| *machine != MachineInfo::default()),
            warmup_runs_per_arm: None,
            run_order: runs.iter().map(|run| run.arm).collect(),
        }
    }

    /// The measured runs in the order they ran, each with its arm and its wall time in
    /// seconds, pairing [`run_order`](Self::run_order) with each arm's `run_seconds` (which
    /// are in schedule order). Without a usable run order (older files) the A B B A
    /// schedule is assumed.
    pub fn run_sequence(&self, a_seconds: &[f64], b_seconds: &[f64]) -> Vec<(Arm, f64)> {
        let counts = |order: &[Arm], arm: Arm| order.iter().filter(|run| **run == arm).count();
        let order = if counts(&self.run_order, Arm::A) == a_seconds.len()
            && counts(&self.run_order, Arm::B) == b_seconds.len()
        {
            self.run_order.clone()
        } else {
            assumed_order(a_seconds.len(), b_seconds.len())
        };
        let (mut a, mut b) = (a_seconds.iter(), b_seconds.iter());
        order
            .into_iter()
            .filter_map(|arm| {
                let next = match arm {
                    Arm::A => a.next(),
                    Arm::B => b.next(),
                };
                next.map(|seconds| (arm, *seconds))
            })
            .collect()
    }
}

/// The A B B A schedule cut to `a` runs of A and `b` of B, the rest of the longer arm after it.
fn assumed_order(a: usize, b: usize) -> Vec<Arm> {
    let mut left = [a, b];
    let mut order: Vec<Arm> = Schedule::interleaved(a.max(b))
        .into_iter()
        .filter(|arm| {
            let slot = &mut left[usize::from(*arm == Arm::B)];
            let keep = *slot > 0;
            *slot = slot.saturating_sub(1);
            keep
        })
        .collect();
    order.extend(std::iter::repeat_n(Arm::A, left[0]));
    order.extend(std::iter::repeat_n(Arm::B, left[1]));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use Arm::{A, B};

    #[test]
    fn the_recorded_order_pairs_each_arm_with_its_own_run_times() {
        let provenance = Provenance {
            run_order: vec![A, B, B, A, A, B],
            ..Provenance::default()
        };
        assert_eq!(
            provenance.run_sequence(&[10.0, 11.0, 12.0], &[5.0, 6.0, 7.0]),
            vec![
                (A, 10.0),
                (B, 5.0),
                (B, 6.0),
                (A, 11.0),
                (A, 12.0),
                (B, 7.0)
            ]
        );
    }

    #[test]
    fn without_a_matching_order_the_abba_schedule_is_assumed() {
        let old_file = Provenance::default();
        assert_eq!(
            old_file.run_sequence(&[1.0, 2.0], &[3.0, 4.0, 5.0]),
            vec![(A, 1.0), (B, 3.0), (B, 4.0), (A, 2.0), (B, 5.0)]
        );
    }
}
