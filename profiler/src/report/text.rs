//! The human-readable report: what ran, where the time went, what failed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

use crate::profile::{CallEdge, KeyStats, Profile, children_by_parent};
use crate::stats::format_duration_ns;
use crate::text_table::{Align, TextTable};

/// How many keys the "slowest keys" table lists.
const SLOWEST_KEYS: usize = 20;
/// How many lines the call tree may take before it is cut.
const TREE_LINES: usize = 200;
/// Recursion depth after which the call tree stops descending.
const TREE_DEPTH: usize = 12;

/// Renders the whole report as aligned plain text.
pub fn render(profile: &Profile) -> String {
    let mut out = String::new();
    header(&mut out, profile);
    tiers(&mut out, profile);
    slowest(&mut out, profile);
    out.push_str(&super::cold_warm::render_text(profile));
    out.push_str(&super::distribution::render_text(profile));
    tree(&mut out, profile);
    memory(&mut out, profile);
    failures(&mut out, profile);
    out
}

fn duration(nanoseconds: u64) -> String {
    format_duration_ns(nanoseconds as f64)
}

fn percent(part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        return "-".to_owned();
    }
    format!("{:.1}%", 100.0 * part / whole)
}

fn section(out: &mut String, title: &str) {
    let _ = write!(out, "\n{title}\n{}\n", "-".repeat(title.chars().count()));
}

fn header(out: &mut String, profile: &Profile) {
    let session = &profile.session;
    let title = format!("Performance report: {}", session.name);
    let _ = writeln!(out, "{title}\n{}", "=".repeat(title.chars().count()));
    let machine = &session.machine;
    let mut machine_line = format!(
        "{}, {} cores, {:.1} GiB, {}",
        machine.cpu_model,
        machine.cores,
        machine.memory_bytes as f64 / f64::from(1u32 << 30),
        machine.os
    );
    if !machine.hostname.is_empty() {
        let _ = write!(machine_line, " (host {})", machine.hostname);
    }
    let calls: u64 = profile.keys.iter().map(|key| key.count).sum();
    let failed: u64 = profile.keys.iter().map(|key| key.failures).sum();
    let mut lines = vec![
        ("Started", format!("{} (UTC)", session.started_at)),
        ("Duration", duration(session.duration_ns)),
        ("Machine", machine_line),
    ];
    if let Some(commit) = &session.git_commit {
        lines.push(("Commit", commit.clone()));
    }
    lines.push((
        "Spans",
        format!(
            "{calls} calls of {} keys, {failed} failed (schema {})",
            profile.keys.len(),
            profile.schema
        ),
    ));
    for (label, value) in lines {
        let _ = writeln!(out, "{label:<9} {value}");
    }
}

fn tiers(out: &mut String, profile: &Profile) {
    section(out, "Time by tier (self time: nested spans counted once)");
    let self_total: u64 = profile.tiers.iter().map(|tier| tier.self_ns).sum();
    let mut table = TextTable::new(&[
        ("Tier", Align::Left),
        ("Calls", Align::Right),
        ("Self time", Align::Right),
        ("Share", Align::Right),
        ("Wall incl. nested", Align::Right),
        ("In flight", Align::Right),
    ]);
    for tier in &profile.tiers {
        table.row(vec![
            tier.tier.to_string(),
            tier.calls.to_string(),
            duration(tier.self_ns),
            percent(tier.self_ns as f64, self_total as f64),
            duration(tier.total_ns),
            in_flight(tier.concurrency),
        ]);
    }
    table.row(vec![
        "all tiers".to_owned(),
        profile
            .tiers
            .iter()
            .map(|tier| tier.calls)
            .sum::<u64>()
            .to_string(),
        duration(self_total),
        percent(self_total as f64, self_total as f64),
        String::new(),
        String::new(),
    ]);
    out.push_str(&table.render());
    out.push_str(&self_time_note(profile, self_total));
}

/// The average number of spans open at once, as a table cell.
fn in_flight(concurrency: f64) -> String {
    if concurrency > 0.0 {
        format!("{concurrency:.2}")
    } else {
        "-".to_owned()
    }
}

/// What the self times add up to: the roots' wall time when work ran one span at a time,
/// more when spans overlapped (each concurrent line of work counts its own time).
fn self_time_note(profile: &Profile, self_total: u64) -> String {
    let roots_ns: u64 = profile
        .tree
        .iter()
        .filter(|edge| edge.parent.is_none())
        .map(|edge| edge.total_ns)
        .sum();
    if roots_ns == 0 {
        return String::new();
    }
    let tolerance = roots_ns / 100;
    let mut note = if self_total > roots_ns + tolerance {
        format!(
            "Self times add up to {}, {:.2}x the roots' wall time ({}): spans overlapped \
             (each concurrent span counts its own time), or roots were still open.\n",
            duration(self_total),
            self_total as f64 / roots_ns as f64,
            duration(roots_ns)
        )
    } else if self_total + tolerance >= roots_ns {
        format!(
            "Self times add up to the roots' wall time ({}): under each root, one span ran at a time.\n",
            duration(roots_ns)
        )
    } else {
        String::new()
    };
    let session_ns = profile.session.duration_ns;
    if session_ns > 0 && roots_ns > session_ns + session_ns / 100 {
        let _ = writeln!(
            note,
            "Root spans ran concurrently: their wall time is {:.2}x the {} session.",
            roots_ns as f64 / session_ns as f64,
            duration(session_ns)
        );
    }
    note
}

fn failures_cell(key: &KeyStats) -> String {
    match key.failures {
        0 => "0".to_owned(),
        failures => format!(
            "{failures} ({})",
            percent(failures as f64, key.count as f64)
        ),
    }
}

fn slowest(out: &mut String, profile: &Profile) {
    section(out, "Slowest keys (by total wall time)");
    if profile.keys.is_empty() {
        out.push_str("no profiled spans were recorded\n");
        return;
    }
    let mut keys: Vec<&KeyStats> = profile.keys.iter().collect();
    keys.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.key.cmp(&b.key)));
    let mut table = TextTable::new(&[
        ("Key", Align::Left),
        ("Tier", Align::Left),
        ("Calls", Align::Right),
        ("Total", Align::Right),
        ("Self", Align::Right),
        ("Mean", Align::Right),
        ("p50", Align::Right),
        ("p95", Align::Right),
        ("p99", Align::Right),
        ("Max", Align::Right),
        ("In flight", Align::Right),
        ("Failed", Align::Right),
    ]);
    for key in keys.iter().take(SLOWEST_KEYS) {
        table.row(vec![
            key.key.clone(),
            key.tier.to_string(),
            key.count.to_string(),
            duration(key.total_ns),
            duration(key.self_ns),
            format_duration_ns(key.mean_ns),
            duration(key.p50_ns),
            duration(key.p95_ns),
            duration(key.p99_ns),
            duration(key.max_ns),
            in_flight(key.concurrency),
            failures_cell(key),
        ]);
    }
    out.push_str(&table.render());
    if keys.len() > SLOWEST_KEYS {
        let _ = writeln!(out, "... and {} more keys", keys.len() - SLOWEST_KEYS);
    }
}

fn tree(out: &mut String, profile: &Profile) {
    section(
        out,
        "Call tree (share = part of the parent's total wall time)",
    );
    let totals: HashMap<&str, u64> = profile
        .keys
        .iter()
        .map(|key| (key.key.as_str(), key.total_ns))
        .collect();
    let children = children_by_parent(&profile.tree);
    let mut table = TextTable::new(&[
        ("Call", Align::Left),
        ("Calls", Align::Right),
        ("Total", Align::Right),
        ("Mean", Align::Right),
        ("Share", Align::Right),
    ]);
    let mut walk = TreeWalk {
        children: &children,
        totals: &totals,
        table: &mut table,
        lines: 0,
        cut: 0,
        concurrent: false,
        path: HashSet::new(),
    };
    walk.visit(None, 0);
    let (cut, concurrent) = (walk.cut, walk.concurrent);
    if profile.tree.is_empty() {
        out.push_str("no profiled spans were recorded\n");
        return;
    }
    out.push_str(&table.render());
    if cut > 0 {
        let _ = writeln!(out, "... {cut} more calls not shown");
    }
    if concurrent {
        out.push_str("(a share above 100% means those calls ran concurrently)\n");
    }
}

struct TreeWalk<'a> {
    children: &'a BTreeMap<Option<&'a str>, Vec<&'a CallEdge>>,
    totals: &'a HashMap<&'a str, u64>,
    table: &'a mut TextTable,
    lines: usize,
    cut: usize,
    /// Whether some children add up to more than their parent (async calls in parallel).
    concurrent: bool,
    /// Keys on the current path, so recursion (a key calling itself) stops.
    path: HashSet<&'a str>,
}

impl<'a> TreeWalk<'a> {
    fn visit(&mut self, parent: Option<&'a str>, depth: usize) {
        let Some(edges) = self.children.get(&parent) else {
            return;
        };
        for edge in edges {
            if self.lines >= TREE_LINES {
                self.cut += 1;
                continue;
            }
            self.lines += 1;
            let recursive = self.path.contains(edge.child.as_str());
            let share = match parent {
                Some(parent) => {
                    let parent_total = self.totals.get(parent).copied().unwrap_or(0);
                    self.concurrent |= edge.total_ns > parent_total;
                    percent(edge.total_ns as f64, parent_total as f64)
                }
                None => String::new(),
            };
            let label = format!(
                "{}{}{}",
                "  ".repeat(depth),
                edge.child,
                if recursive { " (recursive)" } else { "" }
            );
            self.table.row(vec![
                label,
                edge.count.to_string(),
                duration(edge.total_ns),
                duration(edge.total_ns / edge.count.max(1)),
                share,
            ]);
            if !recursive && depth + 1 < TREE_DEPTH {
                self.path.insert(edge.child.as_str());
                self.visit(Some(edge.child.as_str()), depth + 1);
                self.path.remove(edge.child.as_str());
            }
        }
    }
}

fn mebibytes(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / f64::from(1u32 << 20))
}

fn memory(out: &mut String, profile: &Profile) {
    section(out, "Memory (resident set size, sampled tiers only)");
    let sampled: Vec<&KeyStats> = profile
        .keys
        .iter()
        .filter(|key| key.memory.is_some())
        .collect();
    if sampled.is_empty() {
        out.push_str("no samples (sampling is configured per tier; on for system and component by default)\n");
        return;
    }
    let mut table = TextTable::new(&[
        ("Key", Align::Left),
        ("Samples", Align::Right),
        ("Before (mean)", Align::Right),
        ("After (mean)", Align::Right),
        ("Change (total)", Align::Right),
        ("Peak", Align::Right),
    ]);
    for key in sampled {
        let Some(memory) = &key.memory else { continue };
        let change = memory.total_delta_bytes as f64;
        table.row(vec![
            key.key.clone(),
            memory.samples.to_string(),
            mebibytes(memory.mean_before_bytes as f64),
            mebibytes(memory.mean_after_bytes as f64),
            format!(
                "{}{}",
                if change > 0.0 { "+" } else { "" },
                mebibytes(change)
            ),
            mebibytes(memory.peak_bytes as f64),
        ]);
    }
    out.push_str(&table.render());
}

fn failures(out: &mut String, profile: &Profile) {
    section(out, "Failures");
    let mut failed: Vec<&KeyStats> = profile.keys.iter().filter(|key| key.failures > 0).collect();
    if failed.is_empty() {
        out.push_str("none\n");
        return;
    }
    failed.sort_by(|a, b| b.failures.cmp(&a.failures).then_with(|| a.key.cmp(&b.key)));
    let mut table = TextTable::new(&[
        ("Key", Align::Left),
        ("Failed", Align::Right),
        ("Calls", Align::Right),
        ("Rate", Align::Right),
        ("Last error", Align::Left),
    ]);
    for key in failed {
        let last_error = key
            .last_error
            .as_deref()
            .unwrap_or("-")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        table.row(vec![
            key.key.clone(),
            key.failures.to_string(),
            key.count.to_string(),
            percent(key.failures as f64, key.count as f64),
            last_error,
        ]);
    }
    out.push_str(&table.render());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::MachineInfo;
    use crate::profile::{Histogram, MemoryStats, PROFILE_SCHEMA, SessionInfo, TierTotals};
    use crate::tier::Tier;

    fn stats(key: &str, tier: Tier, count: u64, total_ns: u64, self_ns: u64) -> KeyStats {
        let (component, name) = key.split_once('.').unwrap();
        KeyStats {
            key: key.to_owned(),
            tier,
            component: component.to_owned(),
            name: name.to_owned(),
            count,
            successes: count,
            failures: 0,
            last_error: None,
            total_ns,
            self_ns,
            busy_ns: total_ns,
            min_ns: total_ns / count,
            max_ns: total_ns / count,
            mean_ns: (total_ns / count) as f64,
            stddev_ns: 0.0,
            p50_ns: total_ns / count,
            p90_ns: total_ns / count,
            p95_ns: total_ns / count,
            p99_ns: total_ns / count,
            histogram: Histogram::default(),
            memory: None,
            threads: vec!["main".to_owned()],
            first_start_ns: 0,
            last_end_ns: total_ns,
            concurrency: 1.0,
        }
    }

    fn edge(parent: Option<&str>, child: &str, count: u64, total_ns: u64) -> CallEdge {
        CallEdge {
            parent: parent.map(str::to_owned),
            child: child.to_owned(),
            count,
            total_ns,
        }
    }

    fn sample() -> Profile {
        let mut sign_in = stats("auth.sign_in", Tier::Component, 4, 400_000_000, 300_000_000);
        sign_in.failures = 1;
        sign_in.successes = 3;
        sign_in.last_error = Some("wrong password\nfor ann".to_owned());
        let mut run = stats("app.run", Tier::System, 1, 1_000_000_000, 500_000_000);
        run.memory = Some(MemoryStats {
            samples: 1,
            mean_before_bytes: 10 << 20,
            mean_after_bytes: 11 << 20,
            total_delta_bytes: 1 << 20,
            peak_bytes: 12 << 20,
        });
        Profile {
            schema: PROFILE_SCHEMA,
            session: SessionInfo {
                name: "demo".to_owned(),
                started_at: "2025-08-05T11:12:04Z".to_owned(),
                duration_ns: 1_500_000_000,
                machine: MachineInfo {
                    cpu_model: "Test CPU".to_owned(),
                    cores: 2,
                    memory_bytes: 8 << 30,
                    os: "TestOS".to_owned(),
                    hostname: "box".to_owned(),
                },
                git_commit: Some("abc123".to_owned()),
            },
            tiers: vec![
                TierTotals {
                    tier: Tier::System,
                    calls: 1,
                    self_ns: 500_000_000,
                    total_ns: 1_000_000_000,
                    concurrency: 1.0,
                },
                TierTotals {
                    tier: Tier::Component,
                    calls: 4,
                    self_ns: 300_000_000,
                    total_ns: 400_000_000,
                    concurrency: 1.0,
                },
                TierTotals {
                    tier: Tier::Method,
                    calls: 2,
                    self_ns: 100_000_000,
                    total_ns: 100_000_000,
                    concurrency: 1.0,
                },
                TierTotals {
                    tier: Tier::Operation,
                    calls: 0,
                    self_ns: 0,
                    total_ns: 0,
                    concurrency: 0.0,
                },
            ],
            keys: vec![
                run,
                sign_in,
                stats("auth.hash", Tier::Method, 2, 100_000_000, 100_000_000),
            ],
            tree: vec![
                edge(None, "app.run", 1, 1_000_000_000),
                edge(Some("app.run"), "auth.sign_in", 4, 400_000_000),
                edge(Some("auth.sign_in"), "auth.hash", 2, 100_000_000),
                edge(Some("auth.hash"), "auth.hash", 1, 10_000_000),
            ],
        }
    }

    fn line_starting<'a>(text: &'a str, start: &str) -> &'a str {
        text.lines()
            .find(|line| line.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no line starting with {start:?} in\n{text}"))
    }

    #[test]
    fn the_header_names_session_time_machine_and_commit() {
        let text = render(&sample());
        assert!(text.starts_with("Performance report: demo\n========================\n"));
        assert_eq!(
            line_starting(&text, "Started"),
            "Started   2025-08-05T11:12:04Z (UTC)"
        );
        assert_eq!(line_starting(&text, "Duration"), "Duration  1.50 s");
        assert_eq!(
            line_starting(&text, "Machine"),
            "Machine   Test CPU, 2 cores, 8.0 GiB, TestOS (host box)"
        );
        assert_eq!(line_starting(&text, "Commit"), "Commit    abc123");
        assert_eq!(
            line_starting(&text, "Spans"),
            "Spans     7 calls of 3 keys, 1 failed (schema 1)"
        );
    }

    #[test]
    fn tiers_show_self_time_shares_that_add_up() {
        let text = render(&sample());
        let system: Vec<&str> = line_starting(&text, "system").split_whitespace().collect();
        assert_eq!(
            system,
            ["system", "1", "500", "ms", "55.6%", "1.00", "s", "1.00"]
        );
        let operation: Vec<&str> = line_starting(&text, "operation")
            .split_whitespace()
            .collect();
        assert_eq!(operation.last(), Some(&"-"), "no operations, no figure");
        assert!(line_starting(&text, "component").contains("33.3%"));
        assert!(line_starting(&text, "all tiers").contains("100.0%"));
    }

    #[test]
    fn tables_are_aligned() {
        let text = render(&sample());
        let header = line_starting(&text, "Key  ");
        let tier_column = header.find("Tier").unwrap();
        let calls_end = header.find("Calls").unwrap() + "Calls".len();
        for (key, tier, calls) in [
            ("app.run", "system", "1"),
            ("auth.sign_in", "component", "4"),
        ] {
            let row = text
                .lines()
                .find(|line| line.starts_with(key) && line.contains("ms"))
                .unwrap();
            assert!(row[tier_column..].starts_with(tier), "{row:?}");
            assert_eq!(&row[calls_end - calls.len()..calls_end], calls, "{row:?}");
        }
    }

    #[test]
    fn the_call_tree_indents_children_shows_parent_share_and_stops_at_recursion() {
        let text = render(&sample());
        let root = text
            .lines()
            .find(|line| line.starts_with("app.run ") && line.ends_with("1.00 s"));
        assert!(root.is_some(), "the root has no share column:\n{text}");
        let sign_in = text
            .lines()
            .find(|line| line.starts_with("  auth.sign_in"))
            .unwrap();
        assert!(sign_in.ends_with("40.0%"), "{sign_in}");
        let hash = text
            .lines()
            .find(|line| line.starts_with("    auth.hash"))
            .unwrap();
        assert!(hash.ends_with("25.0%"), "{hash}");
        let recursive = text
            .lines()
            .find(|line| line.contains("auth.hash (recursive)"))
            .unwrap();
        assert!(recursive.starts_with("      auth.hash"));
        assert!(!text.contains("ran concurrently"));

        let mut concurrent = sample();
        concurrent.tree[2].total_ns = 600_000_000;
        let text = render(&concurrent);
        assert!(
            text.lines()
                .any(|line| line.starts_with("    auth.hash") && line.ends_with("150.0%"))
        );
        assert!(text.contains("(a share above 100% means those calls ran concurrently)"));
    }

    #[test]
    fn concurrent_work_is_shown_per_key_and_said_of_the_self_times() {
        // Four requests of 66 ms in flight at once under a 68 ms root, as `tokio::spawn`
        // with `.in_current_span()` records them.
        let mut profile = sample();
        let mut request = stats("net.request", Tier::Method, 4, 264_000_000, 264_000_000);
        request.last_end_ns = 68_000_000;
        request.concurrency = 264.0 / 68.0;
        profile.keys = vec![
            stats("app.run", Tier::System, 1, 68_000_000, 2_000_000),
            request,
        ];
        profile.tree = vec![
            edge(None, "app.run", 1, 68_000_000),
            edge(Some("app.run"), "net.request", 4, 264_000_000),
        ];
        profile.tiers[0].self_ns = 2_000_000;
        profile.tiers[1].self_ns = 0;
        profile.tiers[2].self_ns = 264_000_000;
        profile.session.duration_ns = 70_000_000;
        let text = render(&profile);
        let row: Vec<&str> = line_starting(&text, "net.request")
            .split_whitespace()
            .collect();
        assert_eq!(
            row[row.len() - 2..],
            ["3.88", "0"],
            "in flight, then failed"
        );
        assert!(text.contains(
            "Self times add up to 266 ms, 3.91x the roots' wall time (68.0 ms): spans overlapped"
        ));
        assert!(!text.contains("Root spans ran concurrently"));

        // The same requests as four separate roots (spawned without `.in_current_span()`).
        profile.keys.remove(0);
        profile.tiers[0].self_ns = 0;
        profile.tree = vec![edge(None, "net.request", 4, 264_000_000)];
        let text = render(&profile);
        assert!(text.contains("Self times add up to the roots' wall time (264 ms)"));
        assert!(text.contains(
            "Root spans ran concurrently: their wall time is 3.77x the 70.0 ms session."
        ));
    }

    #[test]
    fn sequential_self_times_are_said_to_add_up_to_the_roots() {
        let mut profile = sample();
        profile.tiers[0].self_ns = 600_000_000;
        let text = render(&profile);
        assert!(text.contains(
            "Self times add up to the roots' wall time (1.00 s): under each root, one span ran at a time."
        ));
    }

    #[test]
    fn memory_and_failures_are_listed() {
        let text = render(&sample());
        assert!(text.contains("Memory (resident set size"));
        let row = text
            .lines()
            .find(|line| line.starts_with("app.run") && line.contains("MiB"))
            .unwrap();
        assert!(row.contains("10.0 MiB") && row.contains("+1.0 MiB") && row.contains("12.0 MiB"));
        let failure = text
            .lines()
            .find(|line| line.starts_with("auth.sign_in") && line.contains("wrong password"))
            .unwrap();
        assert!(failure.contains("25.0%"));
        assert!(
            failure.ends_with("wrong password for ann"),
            "newlines are flattened"
        );
    }

    #[test]
    fn an_empty_profile_says_so() {
        let mut profile = sample();
        profile.keys.clear();
        profile.tree.clear();
        let text = render(&profile);
        assert!(text.contains("no profiled spans were recorded"));
        assert!(text.contains("Failures\n--------\nnone"));
        assert!(
            !text
                .chars()
                .any(|c| c as u32 > 0x2000 && c != '…' && c != 'µ'),
            "plain text only"
        );
    }
}
