//! Real profiles for unit tests, recorded by the profiler layer from a few spans shaped like
//! the automator's.

use profiler::{Config, Profile, ProfilerLayer};
use tracing_subscriber::prelude::*;

/// A profile with `songs` song passes (`automation.song`), each with `solo_waits` calls of
/// `track_management.wait_for_solo`.
pub fn profile_with(songs: usize, solo_waits: usize) -> Profile {
    let (layer, handle) = ProfilerLayer::new(Config::default());
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..songs {
            let song = tracing::info_span!("song", tier = "system", component = "automation");
            let _song = song.enter();
            for _ in 0..solo_waits {
                let wait = tracing::info_span!("wait_for_solo", tier = "method", component = "track_management");
                let _wait = wait.enter();
                std::hint::black_box((0..1000).sum::<u64>());
            }
        }
    });
    handle.snapshot("test")
}
