//! The leak verdict: memory growth per 100 units of work (tracks), in words.

use std::fmt;

use super::trend::Trend;

/// Whether memory grew with the work done, from a [`Trend`] already scaled to MB per 100
/// tracks.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum LeakVerdict {
    /// The interval includes zero (or lies below it): growth, if any, is at most `bound_mb`
    /// (the interval's upper end, floored at 0).
    NoGrowth {
        /// Growth is at most this many MB per 100 tracks.
        bound_mb: f64,
        /// The fitted trend, MB per 100 tracks.
        trend: Trend,
    },
    /// The whole interval lies above zero.
    Grows {
        /// The fitted trend, MB per 100 tracks.
        trend: Trend,
    },
}

/// The verdict on `per_100`: memory in MB regressed on completed tracks, scaled to 100 tracks.
pub fn leak_verdict(per_100: Trend) -> LeakVerdict {
    if per_100.low > 0.0 {
        LeakVerdict::Grows { trend: per_100 }
    } else {
        LeakVerdict::NoGrowth {
            bound_mb: per_100.high.max(0.0),
            trend: per_100,
        }
    }
}

impl LeakVerdict {
    /// The `--fail-on-leak MB` gate: growth was detected and its estimate exceeds `limit_mb`.
    pub fn exceeds(&self, limit_mb: f64) -> bool {
        matches!(self, LeakVerdict::Grows { trend } if trend.slope > limit_mb)
    }

    /// The fitted trend, MB per 100 tracks, whichever the verdict.
    pub fn trend(&self) -> Trend {
        match self {
            LeakVerdict::NoGrowth { trend, .. } | LeakVerdict::Grows { trend } => *trend,
        }
    }
}

impl fmt::Display for LeakVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeakVerdict::NoGrowth { bound_mb, .. } => {
                write!(f, "no growth detected (≤ {bound_mb:.1} MB per 100 tracks)")
            }
            LeakVerdict::Grows { trend } => write!(
                f,
                "grows {:.1} MB per 100 tracks (95% CI {:.1} to {:.1})",
                trend.slope, trend.low, trend.high
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trend(slope: f64, low: f64, high: f64) -> Trend {
        Trend {
            slope,
            low,
            high,
            points: 10,
        }
    }

    #[test]
    fn an_interval_above_zero_is_growth_and_the_gate_compares_the_estimate() {
        let verdict = leak_verdict(trend(250.0, 180.0, 320.0));
        assert_eq!(
            verdict.to_string(),
            "grows 250.0 MB per 100 tracks (95% CI 180.0 to 320.0)"
        );
        assert!(verdict.exceeds(200.0));
        assert!(!verdict.exceeds(300.0));
    }

    #[test]
    fn an_interval_around_zero_is_no_growth_bounded_by_its_upper_end() {
        let verdict = leak_verdict(trend(3.0, -4.0, 12.5));
        assert_eq!(
            verdict.to_string(),
            "no growth detected (≤ 12.5 MB per 100 tracks)"
        );
        assert!(!verdict.exceeds(0.0));
        let shrinking = leak_verdict(trend(-9.0, -12.0, -2.0));
        assert_eq!(
            shrinking.to_string(),
            "no growth detected (≤ 0.0 MB per 100 tracks)"
        );
    }
}
