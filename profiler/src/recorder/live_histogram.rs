//! A duration histogram that one thread records into while others read it.
//!
//! The buckets are exactly those of an HDR histogram with
//! [`HISTOGRAM_DIGITS`](super::aggregate::HISTOGRAM_DIGITS) significant digits (256
//! sub-buckets per power of two), so adding it into a merged `hdrhistogram::Histogram`
//! loses nothing. Recording is an index computation and a load and store of one counter:
//! the owning thread is the only writer. Counters live in pages of one power of two each,
//! allocated on first use, so a key pays only for the range of durations it really has.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use super::aggregate::{MergedHistogram, record_n};

/// Counters per page: half of the 256 sub-buckets, one power of two of values.
const PAGE: usize = 128;
const PAGE_BITS: u32 = PAGE.trailing_zeros();
/// Pages for every `u64`: two for 0..256, then one per further power of two.
const PAGES: usize = 2 + (64 - 8);

type Page = [AtomicU32; PAGE];

#[derive(Debug)]
pub(crate) struct LiveHistogram {
    pages: [OnceLock<Box<Page>>; PAGES],
}

impl Default for LiveHistogram {
    fn default() -> Self {
        LiveHistogram {
            pages: std::array::from_fn(|_| OnceLock::new()),
        }
    }
}

impl LiveHistogram {
    /// Counts one value. Only the owning thread may call this. A counter saturates after
    /// 4 billion calls of one key in one bucket on one thread between resets.
    #[inline]
    pub(crate) fn record(&self, value: u64) {
        let index = index_of(value);
        let page = self.pages[index >> PAGE_BITS].get_or_init(new_page);
        let counter = &page[index & (PAGE - 1)];
        counter.store(counter.load(Relaxed).saturating_add(1), Relaxed);
    }

    /// Adds every count into `merged`.
    pub(crate) fn add_to(&self, merged: &mut MergedHistogram) {
        for (page_index, page) in self.pages.iter().enumerate() {
            let Some(page) = page.get() else { continue };
            for (offset, counter) in page.iter().enumerate() {
                let count = counter.load(Relaxed);
                if count > 0 {
                    let value = lowest_value(page_index * PAGE + offset);
                    record_n(merged, value, u64::from(count));
                }
            }
        }
    }
}

fn new_page() -> Box<Page> {
    Box::new(std::array::from_fn(|_| AtomicU32::new(0)))
}

/// The HDR counts index of `value` (unit magnitude 0, 128 half sub-buckets): values below
/// 256 are exact, above that each power of two is split into 128 equal buckets.
#[inline]
fn index_of(value: u64) -> usize {
    let bucket = 56 - (value | 0xFF).leading_zeros();
    let sub_bucket = value >> bucket;
    ((bucket as usize) << PAGE_BITS) + sub_bucket as usize
}

/// The smallest value that falls into counts index `index`.
fn lowest_value(index: usize) -> u64 {
    let bucket = (index >> PAGE_BITS).saturating_sub(1);
    let sub_bucket = index - (bucket << PAGE_BITS);
    (sub_bucket as u64) << bucket
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::aggregate::{new_histogram, record_value};

    #[test]
    fn indices_cover_every_value_and_round_trip_to_their_bucket() {
        for value in (0..2_000u64).chain([255, 256, 511, 512, 1 << 40, u64::MAX]) {
            let index = index_of(value);
            assert!(index < PAGES * PAGE, "{value} → {index}");
            let lowest = lowest_value(index);
            assert!(lowest <= value, "{value}: bucket starts at {lowest}");
            assert_eq!(index_of(lowest), index);
            if value < 256 {
                assert_eq!(lowest, value, "small values are exact");
            }
        }
    }

    #[test]
    fn adds_up_to_the_same_histogram_as_recording_directly() {
        let live = LiveHistogram::default();
        let mut direct: MergedHistogram = new_histogram();
        for step in 0..5_000u64 {
            let value = step * step * 37 + step;
            live.record(value);
            record_value(&mut direct, value);
        }
        let mut merged: MergedHistogram = new_histogram();
        live.add_to(&mut merged);
        assert_eq!(merged, direct);
        assert_eq!(merged.len(), 5_000);
    }

    #[test]
    fn allocates_only_the_pages_it_uses() {
        let live = LiveHistogram::default();
        live.record(1_000);
        live.record(1_001);
        let used = live
            .pages
            .iter()
            .filter(|page| page.get().is_some())
            .count();
        assert_eq!(used, 1);
    }
}
