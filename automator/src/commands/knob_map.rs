//! Which of the automator's profiler keys each group of knobs acts on, so an A/B comparison
//! can say which knob differences explain where the time moved.
//!
//! Attribution uses self time (see `profiler::abtest`): a fixed solo wait is self time of
//! `track_management.wait_for_solo_server_sync` and `track_management.finalize_solo_activation`
//! (polled and observed waits of `track_management.wait_for_solo`), download polling is self time of
//! `download_management.monitor_download_polling`, and the pause between tracks is self time
//! of the song pass (`automation.song`).

use profiler::abtest::KnobMap;

/// The automator's key → knob rules, tried in order.
pub fn automator_knob_map() -> KnobMap {
    KnobMap::new()
        .rule("solo", &["solo_*"])
        .rule("download", &["download_*"])
        .rule("automation.song", &["between_tracks_pause"])
        .rule("browser", &["webdriver_default_timeout"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use profiler::abtest::KnobRule;

    fn rule_for<'a>(map: &'a KnobMap, key: &str) -> Option<&'a KnobRule> {
        map.rules.iter().find(|rule| {
            key.to_lowercase()
                .contains(&rule.key_pattern.to_lowercase())
        })
    }

    #[test]
    fn the_waiting_methods_map_to_their_knobs() {
        let map = automator_knob_map();
        assert_eq!(
            rule_for(&map, "track_management.wait_for_solo")
                .unwrap()
                .knobs,
            ["solo_*"]
        );
        assert_eq!(
            rule_for(&map, "download_management.monitor_download_polling")
                .unwrap()
                .knobs,
            ["download_*"]
        );
        assert_eq!(
            rule_for(&map, "automation.song").unwrap().knobs,
            ["between_tracks_pause"]
        );
        assert!(rule_for(&map, "authentication.login").is_none());
    }
}
