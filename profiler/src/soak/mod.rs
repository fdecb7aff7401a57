//! Long runs: is a quantity growing with the work done? A robust trend (Theil–Sen slope with
//! Sen's rank-based confidence interval), the leak verdict built on it, and the memory series
//! a long run hands to the HTML report.

pub mod leak;
pub mod series;
pub mod trend;

pub use leak::{LeakVerdict, leak_verdict};
pub use series::{MemoryOverRun, MemorySeries, SeriesPoint, SeriesVerdict};
pub use trend::{MIN_TREND_POINTS, Trend, TrendError, theil_sen};
