//! The HTML report of one profile run: time by tier, the slowest keys, their distributions,
//! the call tree and failures.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::escape::escape;
use super::page::page;
use super::svg::{Bar, Spread, bars, percentiles};
use crate::profile::{CallEdge, Profile, children_by_parent};
use crate::stats::format_duration_ns;

/// Keys in the tables and distribution chart (the rest are in the JSON report).
const TOP_KEYS: usize = 25;
const CHART_KEYS: usize = 15;
/// The call tree stops here even if the recorded edges form a very deep (or cyclic) graph.
const MAX_DEPTH: usize = 12;

fn duration(nanoseconds: u64) -> String {
    format_duration_ns(nanoseconds as f64)
}

/// A self-contained HTML page for `profile`.
pub fn render_profile(profile: &Profile) -> String {
    let session = &profile.session;
    let mut body = format!(
        "<h1>Profile: {}</h1>\n<p class=\"meta\">started {} · wall time {} · {} · {} cores · {}{}</p>\n",
        escape(&session.name),
        escape(&session.started_at),
        duration(session.duration_ns),
        escape(&session.machine.cpu_model),
        session.machine.cores,
        escape(&session.machine.os),
        session
            .git_commit
            .as_deref()
            .map(|commit| format!(" · commit <code>{}</code>", escape(commit)))
            .unwrap_or_default()
    );

    body.push_str("<h2>Time by tier (self time, nested time not counted twice)</h2>\n");
    let tier_total: u64 = profile.tiers.iter().map(|tier| tier.self_ns).sum();
    let tier_bars: Vec<Bar> = profile
        .tiers
        .iter()
        .map(|tier| Bar {
            label: tier.tier.to_string(),
            value: tier.self_ns as f64,
            text: format!(
                "{} ({:.0}%, {} calls)",
                duration(tier.self_ns),
                share(tier.self_ns, tier_total),
                tier.calls
            ),
            class: "",
        })
        .collect();
    body.push_str(&bars(&tier_bars, "Self time per tier"));

    body.push_str("<h2>Slowest keys</h2>\n<div class=\"scroll\"><table>\n<tr><th>key</th><th>tier</th><th class=\"num\">calls</th><th class=\"num\">total</th><th class=\"num\">self</th><th class=\"num\">mean</th><th class=\"num\">p50</th><th class=\"num\">p95</th><th class=\"num\">p99</th><th class=\"num\">failures</th></tr>\n");
    for key in profile.keys.iter().take(TOP_KEYS) {
        let _ = writeln!(
            body,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num{}\">{}</td></tr>",
            escape(&key.key),
            key.tier,
            key.count,
            duration(key.total_ns),
            duration(key.self_ns),
            format_duration_ns(key.mean_ns),
            duration(key.p50_ns),
            duration(key.p95_ns),
            duration(key.p99_ns),
            if key.failures > 0 { " failed" } else { "" },
            key.failures
        );
    }
    body.push_str("</table></div>\n");

    body.push_str("<h2>Distributions per call</h2>\n<p class=\"legend\"><span>line: min–max</span><span>box: median–p95</span><span>tick: p99</span><span>bold: median</span><span>log scale</span></p>\n");
    let spreads: Vec<Spread> = profile
        .keys
        .iter()
        .take(CHART_KEYS)
        .map(|key| Spread {
            label: key.key.clone(),
            min: key.min_ns as f64,
            p50: key.p50_ns as f64,
            p95: key.p95_ns as f64,
            p99: key.p99_ns as f64,
            max: key.max_ns as f64,
            text: format!("median {}", duration(key.p50_ns)),
        })
        .collect();
    body.push_str(&percentiles(&spreads, "Per-key distributions"));

    body.push_str("<h2>Call tree</h2>\n<div class=\"scroll\"><table class=\"tree\">\n<tr><th>key</th><th class=\"num\">calls</th><th class=\"num\">total</th><th class=\"num\">share of parent</th></tr>\n");
    body.push_str(&call_tree_rows(&profile.tree));
    body.push_str("</table></div>\n");

    let failed: Vec<_> = profile.keys.iter().filter(|key| key.failures > 0).collect();
    if !failed.is_empty() {
        body.push_str("<h2>Failures</h2>\n<ul>\n");
        for key in failed {
            let _ = writeln!(
                body,
                "<li class=\"failed\"><code>{}</code>: {} of {} calls failed{}</li>",
                escape(&key.key),
                key.failures,
                key.count,
                key.last_error
                    .as_deref()
                    .map(|error| format!(" — last error: {}", escape(error)))
                    .unwrap_or_default()
            );
        }
        body.push_str("</ul>\n");
    }
    page(&format!("Profile: {}", session.name), &body)
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Rows of the call tree, depth-first from the roots, children by total time.
fn call_tree_rows(edges: &[CallEdge]) -> String {
    let children = children_by_parent(edges);
    let mut rows = String::new();
    let mut path = BTreeSet::new();
    let roots_total: u64 = children
        .get(&None)
        .map_or(0, |roots| roots.iter().map(|edge| edge.total_ns).sum());
    walk(&children, None, roots_total, 0, &mut path, &mut rows);
    rows
}

fn walk<'a>(
    children: &BTreeMap<Option<&'a str>, Vec<&'a CallEdge>>,
    parent: Option<&'a str>,
    parent_total: u64,
    depth: usize,
    path: &mut BTreeSet<&'a str>,
    rows: &mut String,
) {
    let Some(edges) = children.get(&parent) else {
        return;
    };
    for edge in edges {
        let _ = writeln!(
            rows,
            "<tr><td>{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}%</td></tr>",
            "  ".repeat(depth),
            escape(&edge.child),
            edge.count,
            duration(edge.total_ns),
            share(edge.total_ns, parent_total)
        );
        // A key calling itself (recursion) or a malformed tree must not loop forever.
        if depth + 1 < MAX_DEPTH && path.insert(edge.child.as_str()) {
            walk(
                children,
                Some(edge.child.as_str()),
                edge.total_ns,
                depth + 1,
                path,
                rows,
            );
            path.remove(edge.child.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(parent: Option<&str>, child: &str, total_ns: u64) -> CallEdge {
        CallEdge {
            parent: parent.map(str::to_string),
            child: child.to_string(),
            count: 1,
            total_ns,
        }
    }

    #[test]
    fn the_tree_nests_children_under_parents_with_their_share() {
        let rows = call_tree_rows(&[
            edge(None, "app.run", 100),
            edge(Some("app.run"), "track.solo", 75),
            edge(Some("app.run"), "track.download", 25),
        ]);
        let lines: Vec<&str> = rows.lines().collect();
        assert!(lines[0].contains("<td>app.run</td>") && lines[0].contains("100.0%"));
        assert!(lines[1].contains("<td>  track.solo</td>") && lines[1].contains("75.0%"));
        assert!(lines[2].contains("<td>  track.download</td>") && lines[2].contains("25.0%"));
    }

    #[test]
    fn cycles_in_the_tree_end_instead_of_looping() {
        let rows = call_tree_rows(&[
            edge(None, "a.x", 10),
            edge(Some("a.x"), "a.y", 5),
            edge(Some("a.y"), "a.x", 2),
        ]);
        assert!(rows.lines().count() <= 4, "{rows}");
    }
}
