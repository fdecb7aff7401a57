//! The order of the runs: every repeat runs each level once, and the starting level rotates
//! from one repeat to the next (1 2 4 8, 2 4 8 1, 4 8 1 2, …), so a slow drift of the machine
//! or the site does not always fall on the same level, and no level always runs first.

/// One planned run: which concurrency, which repeat (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Concurrency of the run (sessions, threads, workers).
    pub concurrency: usize,
    /// Repeat the run belongs to (0-based).
    pub repeat: usize,
}

/// `repeats` rounds over `levels`, round *r* rotated left by *r* places.
pub fn rotated(levels: &[usize], repeats: usize) -> Vec<Slot> {
    (0..repeats)
        .flat_map(|repeat| {
            (0..levels.len()).map(move |position| Slot {
                concurrency: levels[(position + repeat) % levels.len()],
                repeat,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_repeat_starts_one_level_later_and_runs_every_level_once() {
        let order: Vec<usize> = rotated(&[1, 2, 4, 8], 3)
            .iter()
            .map(|slot| slot.concurrency)
            .collect();
        assert_eq!(order, [1, 2, 4, 8, 2, 4, 8, 1, 4, 8, 1, 2]);
        let repeats: Vec<usize> = rotated(&[1, 2], 2).iter().map(|slot| slot.repeat).collect();
        assert_eq!(repeats, [0, 0, 1, 1]);
        assert!(rotated(&[1, 2], 0).is_empty());
    }
}
