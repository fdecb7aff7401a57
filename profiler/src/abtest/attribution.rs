//! Which knob differences explain the change in run time.
//!
//! The caller knows its own naming: a [`KnobMap`] says which keys a group of knobs acts on
//! ("keys containing `solo`" → `solo_*` knobs). Each key's self time is assigned to the first
//! rule whose pattern it contains; a group's change is the difference of its per-run self
//! time totals, B − A, with a Welch interval, and the groups' p-values are Holm-adjusted.
//! A rule only *explains* the delta if the two presets actually differ in one of its knobs;
//! time that moved in a rule without a knob difference is reported as such.
//!
//! Shares of the change assume **sequential work**: one thing at a time, so the keys' self
//! times add up to (at most) the run's wall time and a group's change is that part of the
//! change in wall time. When the keys' summed self time exceeds the wall time (spans
//! overlapped: parallel downloads, concurrent requests), busy time saved in one group need
//! not shorten the run, and a knob that raises parallelism adds busy time while cutting wall
//! time; then no shares are given (see [`Attribution::share_of_change`]). Shares are also
//! withheld while the total change is not significant: a share of noise is noise.

use serde::{Deserialize, Serialize};

use super::key_delta::{Judgement, KeyDelta, KeyReading, judge_all, self_seconds_per_run};
use super::sample::RunSample;
use super::schedule::Arm;
use crate::preset::KnobChange;
use crate::stats::WelchTest;

/// Keys whose name contains `key_pattern` (case-insensitive) are governed by `knobs`
/// (exact names, or prefixes ending in `*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnobRule {
    /// Substring a key's name must contain (case-insensitive) to fall under this rule.
    pub key_pattern: String,
    /// Knob names the rule governs, exact or prefixes ending in `*` (`solo_*`).
    pub knobs: Vec<String>,
}

impl KnobRule {
    fn matches_key(&self, key: &str) -> bool {
        key.to_lowercase()
            .contains(&self.key_pattern.to_lowercase())
    }

    fn matches_knob(&self, knob: &str) -> bool {
        self.knobs
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => knob.starts_with(prefix),
                None => knob == pattern,
            })
    }
}

/// Rules tried in order; the first matching rule gets the key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnobMap {
    /// The rules, tried in order.
    pub rules: Vec<KnobRule>,
}

impl KnobMap {
    /// An empty map: every key is [`UNMAPPED`].
    pub fn new() -> KnobMap {
        KnobMap::default()
    }

    /// Adds a rule: keys containing `key_pattern` are governed by `knobs`.
    pub fn rule(mut self, key_pattern: &str, knobs: &[&str]) -> KnobMap {
        self.rules.push(KnobRule {
            key_pattern: key_pattern.to_string(),
            knobs: knobs.iter().map(|knob| knob.to_string()).collect(),
        });
        self
    }
}

/// The part of the run-time change that falls on one rule's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// The rule's [`KnobRule::key_pattern`], or [`UNMAPPED`] for keys no rule claimed.
    pub key_pattern: String,
    /// Knobs of this rule whose values differ between A (`from`) and B (`to`).
    pub knobs: Vec<KnobChange>,
    /// The keys assigned to the rule, largest change first.
    pub keys: Vec<String>,
    /// Summed self-time change per run, B − A, seconds.
    pub delta_per_run: f64,
    /// `delta_per_run` over the change of the mean run time, as arithmetic (can exceed 1 or
    /// be negative when other keys moved the other way, and is meaningless when the total
    /// change is noise); reports print [`Attribution::share_of_change`] instead.
    pub share: f64,
    /// Welch test and interval of the group's self seconds per run, B − A.
    #[serde(default)]
    pub interval: Option<WelchTest>,
    /// The group's p-value after Holm's adjustment over all groups.
    #[serde(default)]
    pub holm_p_value: Option<f64>,
    /// What the group's Holm-adjusted test says: moved, negligible, unclear or not testable.
    #[serde(default)]
    pub reading: KeyReading,
    /// `share`, given only when the change in run time is significant and the work was
    /// sequential (keys' self time within the wall time); `None` otherwise.
    #[serde(default)]
    pub share_of_change: Option<f64>,
}

/// `key_pattern` of the keys no rule claimed.
pub const UNMAPPED: &str = "(unmapped)";

impl Attribution {
    /// Whether this holds the keys no rule claimed.
    pub fn is_unmapped(&self) -> bool {
        self.key_pattern == UNMAPPED
    }

    /// Whether a configuration difference can explain this part of the change.
    pub fn explained_by_knobs(&self) -> bool {
        !self.knobs.is_empty()
    }
}

/// What the attribution needs besides the key deltas.
pub(crate) struct AttributionInput<'a> {
    pub runs: &'a [&'a RunSample],
    pub knob_differences: &'a [KnobChange],
    pub map: &'a KnobMap,
    /// Change of the mean run time, B − A, seconds.
    pub run_delta: f64,
    pub judgement: Judgement,
    /// Whether shares of the change may be printed (significant total, sequential work).
    pub shares: bool,
}

/// One attribution per rule that had keys or knob differences, largest |change| first,
/// plus the keys no rule claimed (`key_pattern` = [`UNMAPPED`]).
pub(crate) fn attribute(deltas: &[KeyDelta], input: &AttributionInput) -> Vec<Attribution> {
    let map = input.map;
    let rule_of = |key: &str| {
        map.rules
            .iter()
            .position(|rule| rule.matches_key(key))
            .unwrap_or(map.rules.len())
    };
    let share_of = |delta: f64| {
        if input.run_delta.abs() > 0.0 {
            delta / input.run_delta
        } else {
            0.0
        }
    };
    let mut groups: Vec<(Vec<&KeyDelta>, f64)> = vec![(Vec::new(), 0.0); map.rules.len() + 1];
    for delta in deltas {
        let index = rule_of(&delta.key);
        groups[index].0.push(delta);
        groups[index].1 += delta.self_delta();
    }
    let mut attributions: Vec<Attribution> = groups
        .into_iter()
        .enumerate()
        .filter_map(|(index, (mut keys, delta_per_run))| {
            let (key_pattern, knobs) = match map.rules.get(index) {
                Some(rule) => (
                    rule.key_pattern.clone(),
                    input
                        .knob_differences
                        .iter()
                        .filter(|change| rule.matches_knob(&change.knob))
                        .cloned()
                        .collect::<Vec<_>>(),
                ),
                None => (UNMAPPED.to_string(), Vec::new()),
            };
            if keys.is_empty() && knobs.is_empty() {
                return None;
            }
            keys.sort_by(|x, y| y.self_delta().abs().total_cmp(&x.self_delta().abs()));
            let per_run =
                |arm: Arm| self_seconds_per_run(input.runs, arm, |key| rule_of(key) == index);
            let interval = input.judgement.test(&per_run(Arm::A), &per_run(Arm::B));
            let share = share_of(delta_per_run);
            Some(Attribution {
                key_pattern,
                knobs,
                keys: keys.iter().map(|delta| delta.key.clone()).collect(),
                delta_per_run,
                share,
                interval,
                holm_p_value: None,
                reading: KeyReading::NotTestable,
                share_of_change: input.shares.then_some(share),
            })
        })
        .collect();
    let judged = judge_all(
        attributions.iter().map(|attribution| {
            (
                attribution.interval.map(|test| test.p_value),
                attribution.interval,
            )
        }),
        &input.judgement,
    );
    for (attribution, (holm, reading)) in attributions.iter_mut().zip(judged) {
        attribution.holm_p_value = holm;
        attribution.reading = reading;
    }
    attributions.sort_by(|x, y| y.delta_per_run.abs().total_cmp(&x.delta_per_run.abs()));
    attributions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tier::Tier;

    fn delta(key: &str, self_a: f64, self_b: f64) -> KeyDelta {
        KeyDelta {
            key: key.to_string(),
            tier: Tier::Method,
            calls_per_run_a: 1.0,
            calls_per_run_b: 1.0,
            total_per_run_a: self_a,
            total_per_run_b: self_b,
            self_per_run_a: self_a,
            self_per_run_b: self_b,
            self_test: None,
            holm_p_value: None,
            reading: KeyReading::NotTestable,
        }
    }

    /// Attribution without runs (no intervals), shares allowed.
    fn attribute_deltas(
        deltas: &[KeyDelta],
        knobs: &[KnobChange],
        map: &KnobMap,
        run_delta: f64,
    ) -> Vec<Attribution> {
        let input = AttributionInput {
            runs: &[],
            knob_differences: knobs,
            map,
            run_delta,
            judgement: Judgement {
                alpha: 0.05,
                margin_seconds: 0.1,
            },
            shares: true,
        };
        attribute(deltas, &input)
    }

    fn change(knob: &str) -> KnobChange {
        KnobChange {
            knob: knob.to_string(),
            from: Some(toml::Value::Float(12.0)),
            to: Some(toml::Value::Float(5.0)),
        }
    }

    #[test]
    fn assigns_self_time_to_the_first_matching_rule_with_its_differing_knobs() {
        let deltas = [
            delta("track_management.finalize_solo_activation", 12.0, 5.0),
            delta("track_management.solo_track", 0.5, 0.5),
            delta("download_management.monitor_download", 31.0, 30.5),
            delta("authentication.login", 1.0, 1.5),
        ];
        let map = KnobMap::new()
            .rule("solo", &["solo_*"])
            .rule("download", &["download_*"]);
        let knobs = [
            change("solo_activation_delay"),
            change("solo_activation_delay_simple"),
        ];
        let attributions = attribute_deltas(&deltas, &knobs, &map, -7.0);
        assert_eq!(attributions.len(), 3);
        let solo = &attributions[0];
        assert_eq!(solo.key_pattern, "solo");
        assert_eq!(solo.delta_per_run, -7.0);
        assert_eq!((solo.share, solo.share_of_change), (1.0, Some(1.0)));
        assert_eq!(solo.knobs.len(), 2);
        assert_eq!(solo.keys[0], "track_management.finalize_solo_activation");
        // Download time barely moved and no download knob differs: not explained by knobs.
        let download = attributions
            .iter()
            .find(|a| a.key_pattern == "download")
            .unwrap();
        assert!(!download.explained_by_knobs());
        let unmapped = attributions.iter().find(|a| a.is_unmapped()).unwrap();
        assert_eq!(unmapped.keys, vec!["authentication.login"]);
    }

    #[test]
    fn a_rule_with_differing_knobs_but_no_keys_is_still_listed() {
        let map = KnobMap::new().rule("pause", &["between_tracks_pause"]);
        let attributions = attribute_deltas(&[], &[change("between_tracks_pause")], &map, 0.0);
        assert_eq!(attributions.len(), 1);
        assert_eq!(
            (attributions[0].delta_per_run, attributions[0].share),
            (0.0, 0.0)
        );
    }
}
