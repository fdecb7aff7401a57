//! Long runs: is a quantity growing with the work done? A robust trend (Theil–Sen slope with
//! Sen's rank-based confidence interval) and the leak verdict built on it.

pub mod leak;
pub mod trend;

pub use leak::{LeakVerdict, leak_verdict};
pub use trend::{MIN_TREND_POINTS, Trend, TrendError, theil_sen};
