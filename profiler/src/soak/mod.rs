//! Long runs: is a quantity growing with the work done? A robust trend (Theil–Sen slope with
//! Sen's rank-based confidence interval), the retained floor a leak is judged on (memory never
//! given back), the leak verdict built on them, and the memory series a long run hands to the
//! HTML report.

pub mod leak;
pub mod retained;
pub mod series;
pub mod trend;

pub use leak::{LeakVerdict, leak_verdict};
pub use retained::{retained_floor, retained_trend};
pub use series::{MemoryOverRun, MemorySeries, SeriesPoint, SeriesVerdict};
pub use trend::{MIN_TREND_POINTS, Trend, TrendError, theil_sen};
