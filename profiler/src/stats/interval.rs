//! A point estimate with its confidence interval.

use serde::{Deserialize, Serialize};

/// A point estimate with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// The point estimate, in the unit of the quantity (a ratio for the A/B effect).
    pub estimate: f64,
    /// Lower bound of the interval.
    pub low: f64,
    /// Upper bound of the interval.
    pub high: f64,
    /// Coverage the interval was built for (0.95 for a 95% interval).
    pub level: f64,
}

impl ConfidenceInterval {
    /// Whether `value` lies inside the interval (bounds included).
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inside() {
        let interval = ConfidenceInterval {
            estimate: 1.0,
            low: 0.9,
            high: 1.1,
            level: 0.95,
        };
        assert!(interval.contains(0.9) && interval.contains(1.1) && interval.contains(1.0));
        assert!(!interval.contains(0.89) && !interval.contains(1.2));
    }
}
