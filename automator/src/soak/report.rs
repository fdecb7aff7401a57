//! The soak report: `logs/performance/soak_<stamp>.json` (kind `soak`, beside the profile
//! reports — a file of its own so the profile schema stays as it is) and its text summary.

use std::path::Path;

use profiler::soak::LeakVerdict;
use profiler::stats::format_seconds;
use serde::{Deserialize, Serialize};

use super::key_rounds::KeyAcrossRounds;
use super::memory::MemorySample;
use super::summary::{ColdWarm, RoundFigures, SeriesSummary, SessionSummary};

/// Keys the text summary's "Latency across rounds" table lists (all are in the JSON).
const KEYS_ACROSS_ROUNDS_SHOWN: usize = 12;

/// Version of the soak file layout.
pub const SOAK_SCHEMA: u32 = 1;
/// The `kind` field that tells a soak file apart from the other JSON reports.
pub const SOAK_KIND: &str = "soak";

/// Everything a soak measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoakReport {
    pub schema: u32,
    /// Always [`SOAK_KIND`].
    pub kind: String,
    /// RFC 3339 time the soak started.
    pub started_at: String,
    pub time_scale: f64,
    /// `--repeat`, `--duration` (seconds), `--restart-browser-every` as given.
    pub repeat: Option<u32>,
    pub duration_seconds: Option<f64>,
    pub restart_browser_every: Option<u32>,
    pub wall_seconds: f64,
    pub rounds: Vec<RoundFigures>,
    pub cold_warm: ColdWarm,
    /// Seconds between interval samples (track-boundary samples come on top).
    pub sample_interval_seconds: f64,
    pub memory_summary: Vec<SeriesSummary>,
    /// Track attempts left out of the leak trend at the start.
    pub leak_warmup_tracks: usize,
    /// Browser-tree memory over completed tracks, MiB per 100 tracks; `None` with
    /// `leak_unavailable` saying why.
    pub leak: Option<LeakVerdict>,
    pub leak_unavailable: Option<String>,
    /// `--fail-on-leak`, MiB per 100 tracks: judged on the whole browser tree over the
    /// soak's tracks and on each session's browser over its own tracks.
    pub fail_on_leak_mb: Option<f64>,
    /// With `--sessions N` (N > 1): each session's browser memory and leak verdict; the
    /// series themselves are in each sample's `sessions`. Empty with one session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<SessionSummary>,
    /// With `--profile`: per key, its median in each round and their p50/p90/p99 over the
    /// rounds (milliseconds); empty without a profiler.
    #[serde(default)]
    pub keys_across_rounds: Vec<KeyAcrossRounds>,
    pub samples: Vec<MemorySample>,
}

impl SoakReport {
    /// Whether `--fail-on-leak` fails this soak: the whole browser tree or any session's
    /// browser grows beyond the limit.
    pub fn leak_gate_fails(&self) -> bool {
        !self.leaking().is_empty()
    }

    /// What `--fail-on-leak` fails on, in words: `browser tree` and/or `session N`. A leak in
    /// one of N sessions grows the sum 1/N as fast per track of the soak, so the sum alone
    /// would let it through; each session is judged over its own tracks, with the same limit.
    pub fn leaking(&self) -> Vec<String> {
        let Some(limit) = self.fail_on_leak_mb else {
            return Vec::new();
        };
        let exceeds = |leak: &Option<LeakVerdict>| leak.is_some_and(|v| v.exceeds(limit));
        let mut leaking = Vec::new();
        if exceeds(&self.leak) {
            leaking.push("browser tree".to_owned());
        }
        for session in &self.sessions {
            if exceeds(&session.leak) {
                leaking.push(format!("session {}", session.session));
            }
        }
        leaking
    }

    /// The text summary: rounds, cold versus warm, memory start/peak/end, leak verdict.
    pub fn render_text(&self) -> String {
        let mut text = format!(
            "Soak: {} round(s) in {}\n  round  ok  failed  wall      median/track\n",
            self.rounds.len(),
            format_seconds(self.wall_seconds)
        );
        for round in &self.rounds {
            text.push_str(&format!(
                "  {:>5}  {:>2}  {:>6}  {:<8}  {}{}\n",
                round.round,
                round.tracks_ok,
                round.tracks_failed,
                format_seconds(round.wall_seconds),
                round
                    .median_track_seconds
                    .map_or("-".into(), format_seconds),
                if round.interrupted {
                    "  (interrupted)"
                } else {
                    ""
                }
            ));
        }
        text.push_str("Cold vs warm (first track of a browser session vs the rest):\n");
        for cold in &self.cold_warm.cold {
            text.push_str(&format!(
                "  cold (session from round {}): browser start to first track filed {}, the track itself {}\n",
                cold.round,
                format_seconds(cold.to_first_track_seconds),
                format_seconds(cold.first_track_seconds)
            ));
        }
        text.push_str(&format!(
            "  warm: {} track attempt(s), median {}, p90 {}\n",
            self.cold_warm.warm_attempts,
            self.cold_warm
                .warm_median_seconds
                .map_or("-".into(), format_seconds),
            self.cold_warm
                .warm_p90_seconds
                .map_or("-".into(), format_seconds)
        ));
        if !self.keys_across_rounds.is_empty() {
            text.push_str(&format!(
                "Latency across rounds (each key's median per round, then p50/p90/p99 over the rounds; {} slowest):\n  {:<46} {:>6} {:>9} {:>9} {:>9}\n",
                KEYS_ACROSS_ROUNDS_SHOWN.min(self.keys_across_rounds.len()),
                "key",
                "rounds",
                "p50",
                "p90",
                "p99"
            ));
            for key in self
                .keys_across_rounds
                .iter()
                .take(KEYS_ACROSS_ROUNDS_SHOWN)
            {
                text.push_str(&format!(
                    "  {:<46} {:>6} {:>9} {:>9} {:>9}\n",
                    key.key,
                    key.per_round_p50_ms.len(),
                    format_seconds(key.p50_ms / 1e3),
                    format_seconds(key.p90_ms / 1e3),
                    format_seconds(key.p99_ms / 1e3)
                ));
            }
        }
        text.push_str(&format!(
            "Memory over time ({} samples, every {} and at each track):\n  {:<26} {:>9} {:>9} {:>9}\n",
            self.samples.len(),
            format_seconds(self.sample_interval_seconds),
            "series",
            "start",
            "peak",
            "end"
        ));
        for series in &self.memory_summary {
            let (start, peak, end) = match series.unit.as_str() {
                "MiB" => (
                    format!("{:.1} MB", series.start),
                    format!("{:.1} MB", series.peak),
                    format!("{:.1} MB", series.end),
                ),
                _ => (
                    format!("{:.0}", series.start),
                    format!("{:.0}", series.peak),
                    format!("{:.0}", series.end),
                ),
            };
            text.push_str(&format!(
                "  {:<26} {start:>9} {peak:>9} {end:>9}\n",
                series.series
            ));
        }
        text.push_str(&format!(
            "Leak verdict (browser tree RSS never given back, over completed tracks, Theil–Sen, after {} warm-up track(s)): ",
            self.leak_warmup_tracks
        ));
        match (&self.leak, &self.leak_unavailable) {
            (Some(verdict), _) => text.push_str(&verdict.to_string()),
            (None, Some(why)) => text.push_str(&format!("not available: {why}")),
            (None, None) => text.push_str("not available"),
        }
        self.render_sessions(&mut text);
        if let Some(limit) = self.fail_on_leak_mb {
            let leaking = self.leaking();
            text.push_str(&format!(
                "\n--fail-on-leak {limit} MB per 100 tracks: {}",
                match leaking.is_empty() {
                    true => "passed".to_owned(),
                    false => format!("FAILED ({})", leaking.join(", ")),
                }
            ));
        }
        text
    }

    /// The per-session table (`--sessions N`, N > 1): each session's own browser tree.
    fn render_sessions(&self, text: &mut String) {
        if self.sessions.is_empty() {
            return;
        }
        text.push_str(&format!(
            "\nMemory per session (each session's own chromedriver and Chromium tree; growth over its own tracks after its warm-up):\n  {:>7} {:>6} {:>10} {:>10} {:>10}  growth per 100 tracks\n",
            "session", "tracks", "start", "peak", "end"
        ));
        for session in &self.sessions {
            let growth = match (&session.leak, &session.leak_unavailable) {
                (Some(verdict), _) => verdict.to_string(),
                (None, Some(why)) => format!("not available: {why}"),
                (None, None) => "not available".to_owned(),
            };
            text.push_str(&format!(
                "  {:>7} {:>6} {:>10} {:>10} {:>10}  {growth}\n",
                session.session,
                session.tracks_done,
                format!("{:.1} MB", session.start_mb),
                format!("{:.1} MB", session.peak_mb),
                format!("{:.1} MB", session.end_mb),
            ));
        }
        text.pop();
    }

    /// Writes the report as pretty JSON, atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        json.push('\n');
        profiler::atomic::write_atomic(path, json.as_bytes())
    }
}

/// A soak report of nothing (no rounds, samples or verdicts) for unit tests to fill in.
#[cfg(test)]
pub(crate) fn empty_report() -> SoakReport {
    SoakReport {
        schema: SOAK_SCHEMA,
        kind: SOAK_KIND.into(),
        started_at: String::new(),
        time_scale: 0.05,
        repeat: Some(10),
        duration_seconds: None,
        restart_browser_every: None,
        wall_seconds: 10.0,
        rounds: Vec::new(),
        cold_warm: ColdWarm {
            cold: Vec::new(),
            warm_attempts: 0,
            warm_median_seconds: None,
            warm_p90_seconds: None,
        },
        sample_interval_seconds: 0.2,
        memory_summary: Vec::new(),
        leak_warmup_tracks: 2,
        leak: None,
        leak_unavailable: None,
        fail_on_leak_mb: None,
        sessions: Vec::new(),
        keys_across_rounds: Vec::new(),
        samples: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use profiler::soak::{Trend, leak_verdict};

    use super::*;
    use crate::soak::summary::SessionSummary;

    fn verdict(slope: f64) -> Option<LeakVerdict> {
        Some(leak_verdict(Trend {
            slope,
            low: slope * 0.8,
            high: slope * 1.2,
            points: 8,
        }))
    }

    fn session(session: usize, leak: Option<LeakVerdict>) -> SessionSummary {
        SessionSummary {
            session,
            tracks_done: 10,
            start_mb: 1000.0,
            peak_mb: 1210.0,
            end_mb: 1200.0,
            leak_warmup_tracks: 2,
            leak_unavailable: leak
                .is_none()
                .then(|| "2 point(s) with distinct x, a trend with a 95% interval needs at least 6; run longer".into()),
            leak,
        }
    }

    fn report(total: Option<LeakVerdict>, sessions: Vec<SessionSummary>) -> SoakReport {
        SoakReport {
            leak: total,
            fail_on_leak_mb: Some(1000.0),
            sessions,
            ..empty_report()
        }
    }

    #[test]
    fn the_gate_fails_on_any_session_beyond_the_limit_and_names_it() {
        // One of two browsers leaks 1500 MB per 100 of its tracks: the sum, 750 per 100
        // tracks of the soak, passes; the session does not.
        let soak = report(
            verdict(750.0),
            vec![session(1, verdict(1500.0)), session(2, verdict(0.0))],
        );
        assert!(soak.leak_gate_fails());
        assert_eq!(soak.leaking(), ["session 1"]);
        let text = soak.render_text();
        assert!(
            text.ends_with("--fail-on-leak 1000 MB per 100 tracks: FAILED (session 1)"),
            "{text}"
        );
        assert!(text.contains(
            "        1     10  1000.0 MB  1210.0 MB  1200.0 MB  grows 1500.0 MB per 100 tracks (95% CI 1200.0 to 1800.0)\n"
        ), "{text}");
        assert!(text.contains(
            "        2     10  1000.0 MB  1210.0 MB  1200.0 MB  no growth detected (≤ 0.0 MB per 100 tracks)\n"
        ), "{text}");
    }

    #[test]
    fn a_session_without_a_verdict_says_why_and_does_not_fail_the_gate() {
        let soak = report(
            verdict(100.0),
            vec![session(1, None), session(2, verdict(10.0))],
        );
        assert!(!soak.leak_gate_fails());
        let text = soak.render_text();
        assert!(
            text.contains("not available: 2 point(s) with distinct x"),
            "{text}"
        );
        assert!(
            text.ends_with("--fail-on-leak 1000 MB per 100 tracks: passed"),
            "{text}"
        );
    }

    #[test]
    fn one_session_prints_no_session_table_and_the_gate_judges_the_tree() {
        let soak = report(verdict(1500.0), Vec::new());
        assert_eq!(soak.leaking(), ["browser tree"]);
        let text = soak.render_text();
        assert!(!text.contains("Memory per session"), "{text}");
        assert!(text.ends_with("FAILED (browser tree)"), "{text}");
        let json = serde_json::to_string(&soak).unwrap();
        assert!(
            !json.contains("\"sessions\""),
            "no empty per-session field: {json}"
        );
    }
}
