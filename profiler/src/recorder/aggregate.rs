//! Running statistics of one key, as kept per thread and merged for a snapshot.

use hdrhistogram::{Counter, Histogram};

use super::keys::KeyId;

/// Significant decimal digits kept by the duration histograms: 1 part in 256 of relative
/// precision, and a few kilobytes per key, however many calls are recorded.
pub(crate) const HISTOGRAM_DIGITS: u8 = 2;

/// Merged histograms count in `u64`; a thread's own counts are a
/// [`LiveHistogram`](super::live_histogram::LiveHistogram).
pub(crate) type MergedHistogram = Histogram<u64>;

/// Everything known about one finished span, as handed from the layer to the recorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpanRecord {
    pub(crate) key: KeyId,
    /// The nearest profiled ancestor, `None` for a root.
    pub(crate) parent: Option<KeyId>,
    pub(crate) failed: bool,
    pub(crate) wall_ns: u64,
    pub(crate) self_ns: u64,
    pub(crate) busy_ns: u64,
    /// When the span closed, recorder nanoseconds; it opened `wall_ns` earlier.
    pub(crate) closed_ns: u64,
    pub(crate) memory: Option<MemorySample>,
}

/// Resident set size when the span opened and closed, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemorySample {
    pub(crate) before: u64,
    pub(crate) after: u64,
}

/// The most recent error text of a key; `at` (recorder nanoseconds) orders errors recorded
/// on different threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastError {
    pub(crate) at: u64,
    pub(crate) text: String,
}

/// Call-tree edge as seen from the child: how often and how long it ran under `parent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParentEdge {
    pub(crate) parent: Option<KeyId>,
    pub(crate) count: u64,
    pub(crate) total_ns: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MemoryAggregate {
    pub(crate) samples: u64,
    pub(crate) sum_before: u128,
    pub(crate) sum_after: u128,
    pub(crate) total_delta: i128,
    pub(crate) peak: u64,
}

impl MemoryAggregate {
    pub(crate) fn record(&mut self, sample: MemorySample) {
        self.samples += 1;
        self.sum_before += u128::from(sample.before);
        self.sum_after += u128::from(sample.after);
        self.total_delta += i128::from(sample.after) - i128::from(sample.before);
        self.peak = self.peak.max(sample.after).max(sample.before);
    }
}

/// Running totals of one key: everything but the distribution. Merging two gives the
/// totals of all their calls, which is how per-thread shards become one profile.
#[derive(Debug, Clone)]
pub(crate) struct KeyTotals {
    pub(crate) count: u64,
    pub(crate) successes: u64,
    pub(crate) failures: u64,
    pub(crate) total_ns: u64,
    pub(crate) self_ns: u64,
    pub(crate) busy_ns: u64,
    pub(crate) min_ns: u64,
    pub(crate) max_ns: u64,
    /// Exact sum of squared wall times, for the standard deviation.
    pub(crate) sum_squares: u128,
    /// Earliest opening and latest close of a span of the key, recorder nanoseconds: the
    /// window its `total_ns` was spent in, which tells how many ran at once on average.
    pub(crate) first_start_ns: u64,
    pub(crate) last_end_ns: u64,
    pub(crate) memory: MemoryAggregate,
    /// Usually one or two parents, so a short list beats a map.
    pub(crate) parents: Vec<ParentEdge>,
    pub(crate) last_error: Option<LastError>,
}

impl Default for KeyTotals {
    fn default() -> Self {
        KeyTotals {
            count: 0,
            successes: 0,
            failures: 0,
            total_ns: 0,
            self_ns: 0,
            busy_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
            sum_squares: 0,
            first_start_ns: u64::MAX,
            last_end_ns: 0,
            memory: MemoryAggregate::default(),
            parents: Vec::new(),
            last_error: None,
        }
    }
}

/// An empty auto-resizing histogram: it grows only as far as the largest value recorded.
pub(crate) fn new_histogram<C: Counter>() -> Histogram<C> {
    Histogram::new(HISTOGRAM_DIGITS).unwrap_or_else(|_| {
        unreachable!("{HISTOGRAM_DIGITS} significant digits is a valid histogram precision")
    })
}

/// Records `value`, growing the histogram if needed (saturating if it cannot grow).
pub(crate) fn record_value<C: Counter>(histogram: &mut Histogram<C>, value: u64) {
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

/// Records `count` times `value`, growing the histogram if needed.
pub(crate) fn record_n(histogram: &mut MergedHistogram, value: u64, count: u64) {
    if histogram.record_n(value, count).is_err() {
        histogram.saturating_record_n(value, count);
    }
}

/// The value at `quantile` (0..=1) of `histogram`, never outside `min..=max`.
pub(crate) fn quantile_ns(histogram: &MergedHistogram, quantile: f64, min: u64, max: u64) -> u64 {
    if histogram.is_empty() {
        return 0;
    }
    histogram
        .value_at_quantile(quantile)
        .clamp(min, max.max(min))
}

impl KeyTotals {
    pub(crate) fn record(&mut self, record: &SpanRecord) {
        self.count += 1;
        if record.failed {
            self.failures += 1;
        } else {
            self.successes += 1;
        }
        let wall = record.wall_ns;
        self.total_ns = self.total_ns.saturating_add(wall);
        self.self_ns = self.self_ns.saturating_add(record.self_ns);
        self.busy_ns = self.busy_ns.saturating_add(record.busy_ns);
        self.min_ns = self.min_ns.min(wall);
        self.max_ns = self.max_ns.max(wall);
        self.sum_squares = self
            .sum_squares
            .saturating_add(u128::from(wall) * u128::from(wall));
        self.first_start_ns = self
            .first_start_ns
            .min(record.closed_ns.saturating_sub(wall));
        self.last_end_ns = self.last_end_ns.max(record.closed_ns);
        if let Some(sample) = record.memory {
            self.memory.record(sample);
        }
        match self
            .parents
            .iter_mut()
            .find(|edge| edge.parent == record.parent)
        {
            Some(edge) => {
                edge.count += 1;
                edge.total_ns = edge.total_ns.saturating_add(wall);
            }
            None => self.parents.push(ParentEdge {
                parent: record.parent,
                count: 1,
                total_ns: wall,
            }),
        }
    }

    pub(crate) fn note_error(&mut self, error: LastError) {
        if self
            .last_error
            .as_ref()
            .is_none_or(|last| last.at <= error.at)
        {
            self.last_error = Some(error);
        }
    }

    pub(crate) fn merge(&mut self, other: &KeyTotals) {
        self.count += other.count;
        self.successes += other.successes;
        self.failures += other.failures;
        self.total_ns = self.total_ns.saturating_add(other.total_ns);
        self.self_ns = self.self_ns.saturating_add(other.self_ns);
        self.busy_ns = self.busy_ns.saturating_add(other.busy_ns);
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
        self.sum_squares = self.sum_squares.saturating_add(other.sum_squares);
        self.first_start_ns = self.first_start_ns.min(other.first_start_ns);
        self.last_end_ns = self.last_end_ns.max(other.last_end_ns);
        let memory = &mut self.memory;
        memory.samples += other.memory.samples;
        memory.sum_before += other.memory.sum_before;
        memory.sum_after += other.memory.sum_after;
        memory.total_delta += other.memory.total_delta;
        memory.peak = memory.peak.max(other.memory.peak);
        for edge in &other.parents {
            match self
                .parents
                .iter_mut()
                .find(|own| own.parent == edge.parent)
            {
                Some(own) => {
                    own.count += edge.count;
                    own.total_ns = own.total_ns.saturating_add(edge.total_ns);
                }
                None => self.parents.push(*edge),
            }
        }
        if let Some(error) = &other.last_error {
            self.note_error(error.clone());
        }
    }

    /// Population standard deviation of the wall times, exact up to the final square root.
    pub(crate) fn stddev_ns(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        let count = u128::from(self.count);
        let sum = u128::from(self.total_ns);
        let variance_times_count_squared = count
            .checked_mul(self.sum_squares)
            .zip(sum.checked_mul(sum))
            .map(|(scaled, squared)| scaled.saturating_sub(squared) as f64);
        match variance_times_count_squared {
            Some(value) => value.sqrt() / self.count as f64,
            None => {
                let mean = self.total_ns as f64 / self.count as f64;
                (self.sum_squares as f64 / self.count as f64 - mean * mean)
                    .max(0.0)
                    .sqrt()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: u32, parent: Option<u32>, wall_ns: u64, failed: bool) -> SpanRecord {
        SpanRecord {
            key: KeyId(key),
            parent: parent.map(KeyId),
            failed,
            wall_ns,
            self_ns: wall_ns / 2,
            busy_ns: wall_ns,
            closed_ns: wall_ns,
            memory: None,
        }
    }

    fn exact_quantile(sorted: &[u64], quantile: f64) -> u64 {
        let rank = ((quantile * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    /// Records `values` on two "threads" and merges their totals, as a snapshot does.
    fn merged(values: &[u64]) -> (KeyTotals, MergedHistogram) {
        let (mut left, mut right) = (KeyTotals::default(), KeyTotals::default());
        let mut histogram = new_histogram();
        for (index, &value) in values.iter().enumerate() {
            let side = if index % 2 == 0 {
                &mut left
            } else {
                &mut right
            };
            side.record(&record(0, None, value, false));
            record_value(&mut histogram, value);
        }
        left.merge(&right);
        (left, histogram)
    }

    #[test]
    fn percentiles_match_exact_values_within_the_histogram_precision() {
        // A skewed, known distribution: 1..=10_000 microseconds, squared to stretch the tail.
        let values: Vec<u64> = (1..=10_000u64).map(|i| i * i * 10).collect();
        let reversed: Vec<u64> = values.iter().rev().copied().collect();
        let (aggregate, histogram) = merged(&reversed);
        for quantile in [0.5, 0.9, 0.95, 0.99] {
            let exact = exact_quantile(&values, quantile);
            let estimated = quantile_ns(&histogram, quantile, aggregate.min_ns, aggregate.max_ns);
            let error = estimated.abs_diff(exact) as f64 / exact as f64;
            assert!(
                error <= 1.0 / 128.0,
                "p{}: exact {exact}, histogram {estimated}",
                quantile * 100.0
            );
        }
        assert_eq!(aggregate.min_ns, 10);
        assert_eq!(aggregate.max_ns, 1_000_000_000);
    }

    #[test]
    fn small_values_are_exact() {
        let values: Vec<u64> = (1..=100).collect();
        let (totals, histogram) = merged(&values);
        let at = |quantile| quantile_ns(&histogram, quantile, totals.min_ns, totals.max_ns);
        assert_eq!((at(0.5), at(0.9), at(0.99), at(1.0)), (50, 90, 99, 100));
    }

    #[test]
    fn mean_and_standard_deviation_are_exact() {
        let values: Vec<u64> = [2, 4, 4, 4, 5, 5, 7, 9]
            .map(|value| value * 1_000_000)
            .to_vec();
        let (totals, _) = merged(&values);
        assert_eq!(totals.total_ns, 40_000_000);
        assert_eq!(totals.stddev_ns(), 2_000_000.0);
    }

    #[test]
    fn merging_equals_recording_everything_in_one_place() {
        let records: Vec<SpanRecord> = (0..200u64)
            .map(|i| {
                record(
                    0,
                    if i % 3 == 0 { None } else { Some(1) },
                    1_000 + i * 37,
                    i % 7 == 0,
                )
            })
            .collect();
        let mut whole = KeyTotals::default();
        let (mut left, mut right) = (KeyTotals::default(), KeyTotals::default());
        for (index, each) in records.iter().enumerate() {
            whole.record(each);
            if index % 2 == 0 {
                left.record(each)
            } else {
                right.record(each)
            }
        }
        left.merge(&right);
        assert_eq!(left.count, whole.count);
        assert_eq!(left.failures, whole.failures);
        assert_eq!(left.successes + left.failures, 200);
        assert_eq!((left.min_ns, left.max_ns), (whole.min_ns, whole.max_ns));
        assert_eq!(left.sum_squares, whole.sum_squares);
        let mut left_edges = left.parents.clone();
        let mut whole_edges = whole.parents.clone();
        left_edges.sort_by_key(|edge| edge.parent);
        whole_edges.sort_by_key(|edge| edge.parent);
        assert_eq!(left_edges, whole_edges);
    }

    #[test]
    fn the_latest_error_wins_regardless_of_merge_order() {
        let mut early = KeyTotals::default();
        early.note_error(LastError {
            at: 5,
            text: "early".into(),
        });
        let mut late = KeyTotals::default();
        late.note_error(LastError {
            at: 9,
            text: "late".into(),
        });
        let mut merged = late.clone();
        merged.merge(&early);
        assert_eq!(merged.last_error.unwrap().text, "late");
        early.merge(&late);
        assert_eq!(early.last_error.unwrap().text, "late");
    }

    #[test]
    fn memory_samples_track_delta_and_peak() {
        let mut aggregate = KeyTotals::default();
        for (before, after) in [(100, 150), (150, 120)] {
            aggregate.record(&SpanRecord {
                memory: Some(MemorySample { before, after }),
                ..record(0, None, 10, false)
            });
        }
        assert_eq!(aggregate.memory.samples, 2);
        assert_eq!(aggregate.memory.total_delta, 20);
        assert_eq!(aggregate.memory.peak, 150);
    }
}
