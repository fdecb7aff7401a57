//! How much of a parent's lifetime its children covered, so that self time is the wall
//! time nobody below accounted for.
//!
//! Children may overlap (async children joined concurrently), so the coverage is the
//! union of their intervals, not the sum of their durations.

/// Union of child intervals, in recorder nanoseconds. Bounded: at most [`OPEN_INTERVALS`]
/// disjoint intervals are kept; older ones are settled into a running total. A child that
/// closes after an interval was settled and lies wholly before it is then not counted —
/// an approximation that needs more than `OPEN_INTERVALS` children out of order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Coverage {
    settled_ns: u64,
    settled_until: u64,
    open: [(u64, u64); OPEN_INTERVALS],
    len: usize,
}

const OPEN_INTERVALS: usize = 4;

impl Coverage {
    /// Adds the child interval `[start, end)`.
    pub(crate) fn add(&mut self, start: u64, end: u64) {
        let start = start.max(self.settled_until);
        if end <= start {
            return;
        }
        let (mut start, mut end) = (start, end);
        // Absorb every open interval that touches the new one, keeping the rest sorted.
        let mut kept = [(0, 0); OPEN_INTERVALS];
        let mut kept_len = 0;
        let mut insert_at = None;
        for &(open_start, open_end) in &self.open[..self.len] {
            if open_end < start {
                kept[kept_len] = (open_start, open_end);
                kept_len += 1;
            } else if open_start > end {
                insert_at.get_or_insert(kept_len);
                kept[kept_len] = (open_start, open_end);
                kept_len += 1;
            } else {
                start = start.min(open_start);
                end = end.max(open_end);
            }
        }
        let insert_at = insert_at.unwrap_or(kept_len);
        if kept_len == OPEN_INTERVALS {
            // Full: settle the earliest interval to make room.
            let (first_start, first_end) = kept[0];
            if insert_at == 0 {
                // The new interval is the earliest: settle it directly.
                self.settle(start, end);
                self.open = kept;
                self.len = kept_len;
                return;
            }
            self.settle(first_start, first_end);
            kept.copy_within(1.., 0);
            kept_len -= 1;
            return self.place(kept, kept_len, insert_at - 1, (start, end));
        }
        self.place(kept, kept_len, insert_at, (start, end));
    }

    fn place(
        &mut self,
        kept: [(u64, u64); OPEN_INTERVALS],
        kept_len: usize,
        at: usize,
        interval: (u64, u64),
    ) {
        let mut open = [(0, 0); OPEN_INTERVALS];
        open[..at].copy_from_slice(&kept[..at]);
        open[at] = interval;
        open[at + 1..=kept_len].copy_from_slice(&kept[at..kept_len]);
        self.open = open;
        self.len = kept_len + 1;
    }

    fn settle(&mut self, start: u64, end: u64) {
        self.settled_ns += end - start;
        self.settled_until = end;
    }

    /// Nanoseconds covered by children.
    pub(crate) fn covered_ns(&self) -> u64 {
        self.settled_ns
            + self.open[..self.len]
                .iter()
                .map(|&(start, end)| end - start)
                .sum::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covered(intervals: &[(u64, u64)]) -> u64 {
        let mut coverage = Coverage::default();
        for &(start, end) in intervals {
            coverage.add(start, end);
        }
        coverage.covered_ns()
    }

    #[test]
    fn sequential_children_add_up() {
        assert_eq!(covered(&[(0, 10), (10, 15), (20, 30)]), 25);
    }

    #[test]
    fn overlapping_children_count_once() {
        // Two async children joined concurrently: [0, 10) and [2, 8) close in end order.
        assert_eq!(covered(&[(2, 8), (0, 10)]), 10);
        assert_eq!(covered(&[(0, 6), (4, 12)]), 12);
        assert_eq!(covered(&[(5, 9), (0, 3), (2, 6)]), 9);
    }

    #[test]
    fn many_sequential_children_stay_exact_beyond_the_open_capacity() {
        let intervals: Vec<(u64, u64)> = (0..100).map(|i| (i * 10, i * 10 + 7)).collect();
        assert_eq!(covered(&intervals), 700);
    }

    #[test]
    fn an_out_of_order_earliest_child_is_settled_not_lost() {
        let mut intervals: Vec<(u64, u64)> = (1..=4).map(|i| (i * 10, i * 10 + 5)).collect();
        intervals.push((0, 5));
        assert_eq!(covered(&intervals), 25);
    }

    #[test]
    fn empty_and_inverted_intervals_are_ignored() {
        assert_eq!(covered(&[(5, 5), (9, 3)]), 0);
    }
}
