//! Self-contained HTML reports: one file with inline CSS and inline SVG charts, no scripts
//! and no network, so it opens from anywhere and people can look instead of read.

mod comparison;
mod context;
mod escape;
mod flame;
pub(crate) mod histogram;
mod memory_chart;
mod page;
mod profile;
mod svg;

pub use comparison::render_comparison;
pub use context::RunContext;
pub use escape::escape;
pub use profile::{render_profile, render_profile_with};
