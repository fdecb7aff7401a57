//! The knee: the smallest concurrency after which one more level stops paying.
//!
//! A step from level N to the next level pays when the throughput gain (next / N) is
//! significant — the lower end of its 1 − α Welch interval on log time per unit lies above 1
//! — *and* the estimated gain is at least [`ScalingConfig::min_gain`](super::ScalingConfig)
//! (10% by default), so a real but tiny gain does not count. The knee is the first N whose
//! step does not pay; when every step pays there is no knee within the levels tried.

use serde::{Deserialize, Serialize};

use super::level::LevelSummary;

/// Where one more level stopped paying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knee {
    /// The knee's concurrency; `None` when every step paid (the knee lies beyond the
    /// largest level tried).
    pub concurrency: Option<usize>,
    /// The level after the knee, whose step did not pay.
    pub next: Option<usize>,
    /// One sentence: which step did not pay and why.
    pub reason: String,
}

/// Finds the knee over `levels` (ascending, each but the first with a step gain).
pub(crate) fn find_knee(levels: &[LevelSummary], min_gain: f64, unit: &str) -> Knee {
    for pair in levels.windows(2) {
        let (here, next) = (&pair[0], &pair[1]);
        let Some(gain) = next.step_gain else {
            continue;
        };
        let significant = gain.low > 1.0;
        let large = gain.estimate >= 1.0 + min_gain;
        if significant && large {
            continue;
        }
        let why = if !significant {
            format!(
                "the {:.0}% interval {:.2}–{:.2} includes no gain",
                gain.level * 100.0,
                gain.low,
                gain.high
            )
        } else {
            format!("a gain below the {:.0}% that counts", min_gain * 100.0)
        };
        return Knee {
            concurrency: Some(here.concurrency),
            next: Some(next.concurrency),
            reason: format!(
                "going from {} to {} raised {unit}s per minute by {:.2}x: {why}",
                here.concurrency, next.concurrency, gain.estimate
            ),
        };
    }
    let top = levels.last().map_or(0, |level| level.concurrency);
    Knee {
        concurrency: None,
        next: None,
        reason: format!(
            "every step up to {top} raised {unit}s per minute significantly by at least {:.0}%: the knee lies beyond {top}",
            min_gain * 100.0
        ),
    }
}
