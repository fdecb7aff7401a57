//! The recorder's clock: nanoseconds since the recorder started, read as cheaply as the
//! platform allows.
//!
//! Every profiled span reads the clock two to four times (creation, close, and enter and
//! exit when busy time is measured), so the clock is a large share of the per-span cost.
//! On x86-64 with an invariant time-stamp counter (the counter Linux itself uses for
//! `CLOCK_MONOTONIC` when it is the clock source) one `rdtsc` usually costs about half of
//! `Instant::now()`. Which is cheaper is a property of the machine (the CPU model, the
//! hypervisor, whether it traps or scales the counter), not of the architecture, so the
//! recorder times both when the process first needs a clock and keeps the cheaper one;
//! elsewhere `Instant` is used.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Monotonic nanoseconds since the clock was created.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    source: Source,
    /// `Instant` read at creation, beside the source's own origin: reading `n` is the
    /// moment `origin + n` ns, so other code can place this clock's readings among its own
    /// `Instant`s (the Chrome trace takes the profiler's span times this way).
    origin: Instant,
}

#[derive(Debug, Clone)]
enum Source {
    /// Ticks of the time-stamp counter, scaled by a calibrated 32.32 fixed-point factor.
    #[cfg(target_arch = "x86_64")]
    Tsc {
        origin: u64,
        ns_per_tick_q32: u64,
    },
    Instant {
        origin: Instant,
    },
    /// Time set by hand, for deterministic tests.
    #[cfg(test)]
    Manual(std::sync::Arc<std::sync::atomic::AtomicU64>),
}

impl Clock {
    pub(crate) fn new() -> Clock {
        #[cfg(target_arch = "x86_64")]
        if let Some(ns_per_tick_q32) = tsc::calibration() {
            return Clock {
                origin: Instant::now(),
                source: Source::Tsc {
                    origin: tsc::read(),
                    ns_per_tick_q32,
                },
            };
        }
        Clock::monotonic()
    }

    /// A clock on `Instant` only, whatever the hardware offers.
    pub(crate) fn monotonic() -> Clock {
        let origin = Instant::now();
        Clock {
            source: Source::Instant { origin },
            origin,
        }
    }

    /// The moment of reading `ns`, as an `Instant`. Two readings keep their exact
    /// difference; against `Instant::now()` a counter reading is off by the counter's
    /// calibration error (about 10 µs per second since the clock was created).
    #[inline]
    pub(crate) fn instant_at(&self, ns: u64) -> Instant {
        self.origin + Duration::from_nanos(ns)
    }

    /// Nanoseconds since this clock was created.
    #[inline]
    pub(crate) fn now(&self) -> u64 {
        match &self.source {
            #[cfg(target_arch = "x86_64")]
            Source::Tsc {
                origin,
                ns_per_tick_q32,
            } => {
                let ticks = tsc::read().saturating_sub(*origin);
                ((u128::from(ticks) * u128::from(*ns_per_tick_q32)) >> 32) as u64
            }
            Source::Instant { origin } => origin.elapsed().as_nanos() as u64,
            #[cfg(test)]
            Source::Manual(now) => now.load(std::sync::atomic::Ordering::SeqCst),
        }
    }

    /// A clock that reads `now` (nanoseconds), which the test advances.
    #[cfg(test)]
    pub(crate) fn manual(now: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Clock {
        Clock {
            source: Source::Manual(now),
            origin: Instant::now(),
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod tsc {
    use super::*;

    #[inline]
    pub(super) fn read() -> u64 {
        // SAFETY: `rdtsc` has no preconditions on x86-64; it only reads a counter.
        unsafe { core::arch::x86_64::_rdtsc() }
    }

    /// The calibrated scale, or `None` when the counter is not invariant (it could then
    /// drift with frequency changes or differ between cores) or when reading it measured
    /// slower than `Instant::now()` on this machine.
    pub(super) fn calibration() -> Option<u64> {
        static CALIBRATION: OnceLock<Option<u64>> = OnceLock::new();
        *CALIBRATION.get_or_init(|| {
            if !is_invariant() {
                return None;
            }
            let costs = ReadCosts::measure();
            if !costs.counter_is_cheaper() {
                return None;
            }
            calibrate()
        })
    }

    /// What one read of each clock costs on this machine, in nanoseconds.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub(super) struct ReadCosts {
        pub(super) counter_ns: f64,
        pub(super) instant_ns: f64,
    }

    impl ReadCosts {
        /// Times batches of reads of each clock, alternating, and keeps each clock's
        /// fastest batch: the fastest is the one least disturbed by preemption or by
        /// other work on the machine. Takes well under a millisecond.
        pub(super) fn measure() -> ReadCosts {
            const READS: u32 = 256;
            const BATCHES: usize = 16;
            let mut counter_ns = f64::INFINITY;
            let mut instant_ns = f64::INFINITY;
            for _ in 0..BATCHES {
                let started = Instant::now();
                let mut sum = 0u64;
                for _ in 0..READS {
                    sum = sum.wrapping_add(read());
                }
                std::hint::black_box(sum);
                counter_ns = counter_ns.min(per_read(started.elapsed(), READS));
                let started = Instant::now();
                for _ in 0..READS {
                    std::hint::black_box(Instant::now());
                }
                instant_ns = instant_ns.min(per_read(started.elapsed(), READS));
            }
            ReadCosts {
                counter_ns,
                instant_ns,
            }
        }

        /// Keep the counter unless `Instant` measured cheaper (ties go to the counter,
        /// which needs no system-call fallback).
        pub(super) fn counter_is_cheaper(&self) -> bool {
            self.counter_ns <= self.instant_ns
        }
    }

    fn per_read(elapsed: Duration, reads: u32) -> f64 {
        elapsed.as_nanos() as f64 / f64::from(reads)
    }

    fn is_invariant() -> bool {
        let highest = core::arch::x86_64::__cpuid(0x8000_0000).eax;
        if highest < 0x8000_0007 {
            return false;
        }
        let power = core::arch::x86_64::__cpuid(0x8000_0007);
        power.edx & (1 << 8) != 0
    }

    /// Measures ticks against `Instant` over a few milliseconds; the read jitter (tens of
    /// nanoseconds) makes the scale accurate to about one part in 10^5.
    fn calibrate() -> Option<u64> {
        let (start_instant, start_ticks) = (Instant::now(), read());
        std::thread::sleep(Duration::from_millis(5));
        let (elapsed, end_ticks) = (start_instant.elapsed(), read());
        let ticks = end_ticks
            .checked_sub(start_ticks)
            .filter(|&ticks| ticks > 0)?;
        let ns_per_tick = elapsed.as_nanos() as f64 / ticks as f64;
        // Anything outside 10 MHz..100 GHz means the counter is not what we think it is.
        (0.01..100.0)
            .contains(&ns_per_tick)
            .then_some((ns_per_tick * (1u64 << 32) as f64) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_monotonic_clock_over_a_short_sleep() {
        let clock = Clock::new();
        let reference = Instant::now();
        let start = clock.now();
        std::thread::sleep(Duration::from_millis(20));
        let measured = clock.now() - start;
        let expected = reference.elapsed().as_nanos() as u64;
        let difference = measured.abs_diff(expected);
        assert!(
            difference < expected / 50,
            "clock measured {measured} ns, Instant {expected} ns ({:?})",
            clock.source
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_counter_is_kept_only_when_it_reads_no_slower_than_instant() {
        let costs = |counter_ns, instant_ns| tsc::ReadCosts {
            counter_ns,
            instant_ns,
        };
        assert!(costs(12.0, 25.0).counter_is_cheaper());
        assert!(costs(25.0, 25.0).counter_is_cheaper());
        assert!(!costs(40.0, 25.0).counter_is_cheaper());
        let measured = tsc::ReadCosts::measure();
        assert!(measured.counter_ns.is_finite() && measured.instant_ns.is_finite());
        let chosen_tsc = matches!(Clock::new().source, Source::Tsc { .. });
        assert_eq!(
            chosen_tsc,
            tsc::calibration().is_some(),
            "the clock follows the one decision made for the process"
        );
    }

    #[test]
    fn never_goes_backwards() {
        let clock = Clock::new();
        let mut previous = clock.now();
        for _ in 0..10_000 {
            let now = clock.now();
            assert!(now >= previous);
            previous = now;
        }
    }
}
