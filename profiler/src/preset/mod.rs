//! Configuration presets: named knob overrides kept as TOML files, applied to a live serde
//! configuration for the duration of a guard, and compared knob by knob.
//!
//! ```
//! use profiler::preset::{LiveConfig, Preset};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Serialize, Deserialize)]
//! struct Knobs { solo_activation_delay: f64 }
//!
//! let text = "name = \"slow\"\ndescription = \"Long blind waits\"\n[knobs]\nsolo_activation_delay = 12.0\n";
//! let preset = Preset::parse(text, "baselines/slow.toml".as_ref()).unwrap();
//! let live = LiveConfig::new(Knobs { solo_activation_delay: 5.0 });
//! {
//!     let _guard = live.apply(&preset).unwrap();
//!     assert_eq!(live.get().solo_activation_delay, 12.0);
//! }
//! assert_eq!(live.get().solo_activation_delay, 5.0);
//! ```

mod definition;
mod diff;
mod error;
mod interrupt;
mod listing;
mod live;
mod overlay;
mod set;

pub use definition::Preset;
pub use diff::{KnobChange, diff_configs, format_knob_value};
pub use error::{InvalidKnob, Location, PresetError};
pub use interrupt::{INTERRUPTED_EXIT_CODE, InterruptSignal, Interrupted};
pub use live::{LiveConfig, PresetGuard};
pub use set::PresetSet;
