//! Soak mode (`--repeat N`, `--duration D`): the catalog run round after round in one
//! process, with the memory of the automator and of the whole browser process tree sampled
//! over time and at every track boundary, per-round figures, the first track of each browser
//! session reported apart (cold) from the rest (warm), and a leak verdict from the robust
//! trend of browser memory over completed tracks. With `--sessions N` every reading also
//! splits the browser tree by session, and each session's browser gets its own verdict.

pub mod chart;
pub mod command;
pub mod key_rounds;
pub mod memory;
pub mod report;
pub mod sampler;
pub mod summary;

pub use command::run_soak;
