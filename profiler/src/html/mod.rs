//! Self-contained HTML reports: one file with inline CSS and inline SVG charts, no scripts
//! and no network, so it opens from anywhere and people can look instead of read.

mod comparison;
mod context;
mod escape;
mod flame;
mod histogram;
mod level_chart;
mod moved_bars;
mod page;
mod profile;
mod ratio_chart;
mod run_order;
mod scaling;
mod svg;
mod wrapped_label;

pub use comparison::{render_comparison, render_comparison_with};
pub use context::RunContext;
pub use escape::escape;
pub use profile::{render_profile, render_profile_with};
pub use scaling::render_scaling;
