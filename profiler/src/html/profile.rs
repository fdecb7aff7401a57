//! The HTML report of one profile run: the run header, time by tier, the call tree as an
//! icicle chart, the slowest keys, per-key latency histograms, the call tree as a table,
//! memory (and, for a long run, memory over the run with its leak verdict) and failures.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use super::context::RunContext;
use super::escape::escape;
use super::flame::icicle;
use super::histogram::histogram;
use super::memory_chart::memory_over_run;
use super::page::{facts_list, machine_text, page};
use super::svg::{Bar, Spread, bars, percentiles};
use crate::profile::{CallEdge, KeyStats, Profile, children_by_parent};
use crate::stats::format_duration_ns;

/// Keys in the tables and distribution chart (the rest are in the JSON report).
const TOP_KEYS: usize = 25;
const CHART_KEYS: usize = 15;
/// Keys that get a latency histogram (slowest by total time first).
const HISTOGRAM_KEYS: usize = 12;
/// The call tree stops here even if the recorded edges form a very deep (or cyclic) graph.
const MAX_DEPTH: usize = 12;

fn duration(nanoseconds: u64) -> String {
    format_duration_ns(nanoseconds as f64)
}

/// A self-contained HTML page for `profile`, with only what the profile records in the
/// header. Same as [`render_profile_with`] and a default [`RunContext`].
pub fn render_profile(profile: &Profile) -> String {
    render_profile_with(profile, &RunContext::default(), None)
}

/// A self-contained HTML page for `profile`, its header completed with `context` (preset,
/// time scale, target, a link to the trace). `html_dir` is the directory the page will be
/// written to, so the trace link can be relative; `None` links the trace by file name.
pub fn render_profile_with(
    profile: &Profile,
    context: &RunContext,
    html_dir: Option<&Path>,
) -> String {
    let mut body = String::new();
    header(&mut body, profile, context, html_dir);
    tiers(&mut body, profile);
    flame(&mut body, profile);
    slowest(&mut body, profile);
    cold_warm(&mut body, profile);
    histograms(&mut body, profile);
    distributions(&mut body, profile);
    body.push_str("<section id=\"tree\"><h2>Call tree (table)</h2>\n<details><summary>Every call path with its count, total and share of the parent</summary><div class=\"scroll\"><table class=\"tree\">\n<tr><th>key</th><th class=\"num\">calls</th><th class=\"num\">total</th><th class=\"num\">share of parent</th></tr>\n");
    body.push_str(&call_tree_rows(&profile.tree));
    body.push_str("</table></div></details></section>\n");
    memory(&mut body, profile);
    if let Some(memory) = &context.memory {
        body.push_str(&memory_over_run(memory));
    }
    failures(&mut body, profile);
    page(&format!("Profile: {}", profile.session.name), &body)
}

fn header(body: &mut String, profile: &Profile, context: &RunContext, html_dir: Option<&Path>) {
    let session = &profile.session;
    let _ = writeln!(
        body,
        "<header id=\"run\"><h1>Profile: {}</h1>",
        escape(&session.name)
    );
    let mut facts: Vec<(String, String)> = vec![
        (
            "started".to_owned(),
            format!("{} (UTC)", session.started_at),
        ),
        ("wall time".to_owned(), duration(session.duration_ns)),
    ];
    facts.extend(context.facts());
    facts.push(("machine".to_owned(), machine_text(&session.machine)));
    if let Some(commit) = &session.git_commit {
        facts.push(("commit".to_owned(), commit.clone()));
    }
    let calls: u64 = profile.keys.iter().map(|key| key.count).sum();
    let failed: u64 = profile.keys.iter().map(|key| key.failures).sum();
    facts.push((
        "spans".to_owned(),
        format!(
            "{calls} calls of {} keys, {failed} failed",
            profile.keys.len()
        ),
    ));
    let trace_link = context.trace_href(html_dir).map_or_else(String::new, |href| {
        let name = context
            .trace
            .as_ref()
            .and_then(|trace| trace.file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!(
            "<dt>trace</dt><dd><a id=\"trace-link\" href=\"{}\">{}</a> (open in ui.perfetto.dev or chrome://tracing)</dd>",
            escape(&href),
            escape(&name)
        )
    });
    facts_list(body, &facts, &trace_link);
    body.push_str("</header>\n");
}

fn tiers(body: &mut String, profile: &Profile) {
    body.push_str(
        "<section id=\"tiers\"><h2>Time by tier (self time, nested time not counted twice)</h2>\n",
    );
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
    body.push_str("</section>\n");
}

fn flame(body: &mut String, profile: &Profile) {
    body.push_str("<section id=\"flame\"><h2>Call tree (icicle chart)</h2>\n<p class=\"legend\">Callers on top, callees below; width = total wall time, so the empty space under a box is its self time. Hover a box for calls, total and self time. Colour = tier: ");
    for tier in crate::tier::Tier::ALL {
        let _ = write!(
            body,
            "<span><i class=\"swatch t-{0}\"></i>{0}</span>",
            tier.as_str()
        );
    }
    body.push_str("</p>\n");
    if profile.tree.is_empty() {
        body.push_str("<p>No profiled spans were recorded.</p>\n");
    } else {
        body.push_str(&icicle(&profile.tree, &profile.keys));
    }
    body.push_str("</section>\n");
}

fn slowest(body: &mut String, profile: &Profile) {
    body.push_str("<section id=\"keys\"><h2>Slowest keys</h2>\n<div class=\"scroll\"><table>\n<tr><th>key</th><th>tier</th><th class=\"num\">calls</th><th class=\"num\">total</th><th class=\"num\">self</th><th class=\"num\">mean</th><th class=\"num\">p50</th><th class=\"num\">p95</th><th class=\"num\">p99</th><th class=\"num\">failures</th></tr>\n");
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
    body.push_str("</table></div></section>\n");
}

/// Each `…@cold` key beside its warm counterpart (see [`crate::report::cold_warm`]).
fn cold_warm(body: &mut String, profile: &Profile) {
    let pairs = crate::report::cold_warm::pairs(profile);
    if pairs.is_empty() {
        return;
    }
    body.push_str("<section id=\"cold-warm\"><h2>Cold vs warm</h2>\n<p class=\"legend\">cold: the first of its kind after a start (e.g. the first track of a browser session); warm: the rest</p>\n<div class=\"scroll\"><table>\n<tr><th>key</th><th>phase</th><th class=\"num\">calls</th><th class=\"num\">mean</th><th class=\"num\">p50</th><th class=\"num\">p90</th><th class=\"num\">p99</th></tr>\n");
    for pair in pairs {
        let key = crate::report::cold_warm::warm_key(&pair.cold.key);
        for (phase, stats) in [("cold", Some(pair.cold)), ("warm", pair.warm)] {
            let Some(stats) = stats else { continue };
            let _ = writeln!(
                body,
                "<tr><td><code>{}</code></td><td>{phase}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(key),
                stats.count,
                format_duration_ns(stats.mean_ns),
                duration(stats.p50_ns),
                duration(stats.p90_ns),
                duration(stats.p99_ns)
            );
        }
    }
    body.push_str("</table></div></section>\n");
}

fn histograms(body: &mut String, profile: &Profile) {
    body.push_str("<section id=\"histograms\"><h2>Latency histograms</h2>\n<p class=\"legend\"><span>calls per duration bin, log scale of duration</span><span>solid: median</span><span>dashed: p95</span><span>hover a bar for its range and count</span></p>\n<div class=\"histograms\">\n");
    let mut drawn = 0;
    for key in profile.keys.iter().take(HISTOGRAM_KEYS) {
        let Some(svg) = histogram(key) else { continue };
        drawn += 1;
        let _ = writeln!(
            body,
            "<figure><figcaption><code>{}</code> · {} calls · {} tier</figcaption>{svg}</figure>",
            escape(&key.key),
            key.count,
            key.tier
        );
    }
    body.push_str("</div>\n");
    if drawn == 0 {
        body.push_str("<p>No recorded durations.</p>\n");
    } else if profile.keys.len() > HISTOGRAM_KEYS {
        let _ = writeln!(
            body,
            "<p class=\"meta\">The {HISTOGRAM_KEYS} slowest keys by total time; every key's buckets are in the JSON report.</p>"
        );
    }
    body.push_str("</section>\n");
}

fn distributions(body: &mut String, profile: &Profile) {
    body.push_str("<section id=\"distributions\"><h2>Distributions per call, side by side</h2>\n<p class=\"legend\"><span>line: min–max</span><span>box: median–p95</span><span>tick: p99</span><span>bold: median</span><span>log scale</span></p>\n");
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
    body.push_str("</section>\n");
}

fn mebibytes(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / f64::from(1u32 << 20))
}

/// The same figures as the text report's Memory section, with the peak drawn per key.
fn memory(body: &mut String, profile: &Profile) {
    body.push_str(
        "<section id=\"memory\"><h2>Memory (resident set size, sampled tiers only)</h2>\n",
    );
    let sampled: Vec<(&KeyStats, &crate::profile::MemoryStats)> = profile
        .keys
        .iter()
        .filter_map(|key| key.memory.as_ref().map(|memory| (key, memory)))
        .collect();
    if sampled.is_empty() {
        body.push_str("<p>No samples (sampling is configured per tier; on for system and component by default).</p></section>\n");
        return;
    }
    let peak_bars: Vec<Bar> = sampled
        .iter()
        .map(|(key, memory)| Bar {
            label: key.key.clone(),
            value: memory.peak_bytes as f64,
            text: format!(
                "peak {}, {}",
                mebibytes(memory.peak_bytes as f64),
                signed_mebibytes(memory.total_delta_bytes)
            ),
            class: "memory",
        })
        .collect();
    body.push_str(&bars(&peak_bars, "Peak resident set size per key"));
    body.push_str("<div class=\"scroll\"><table>\n<tr><th>key</th><th class=\"num\">samples</th><th class=\"num\">before (mean)</th><th class=\"num\">after (mean)</th><th class=\"num\">change (total)</th><th class=\"num\">peak</th></tr>\n");
    for (key, memory) in sampled {
        let _ = writeln!(
            body,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&key.key),
            memory.samples,
            mebibytes(memory.mean_before_bytes as f64),
            mebibytes(memory.mean_after_bytes as f64),
            signed_mebibytes(memory.total_delta_bytes),
            mebibytes(memory.peak_bytes as f64)
        );
    }
    body.push_str("</table></div></section>\n");
}

fn signed_mebibytes(bytes: i64) -> String {
    format!(
        "{}{}",
        if bytes > 0 { "+" } else { "" },
        mebibytes(bytes as f64)
    )
}

/// The same figures as the text report's Failures section: most failures first.
fn failures(body: &mut String, profile: &Profile) {
    body.push_str("<section id=\"failures\"><h2>Failures</h2>\n");
    let mut failed: Vec<&KeyStats> = profile.keys.iter().filter(|key| key.failures > 0).collect();
    if failed.is_empty() {
        body.push_str("<p>None: every profiled call succeeded.</p></section>\n");
        return;
    }
    failed.sort_by(|a, b| b.failures.cmp(&a.failures).then_with(|| a.key.cmp(&b.key)));
    body.push_str("<div class=\"scroll\"><table>\n<tr><th>key</th><th class=\"num\">failed</th><th class=\"num\">calls</th><th class=\"num\">rate</th><th>last error</th></tr>\n");
    for key in failed {
        let _ = writeln!(
            body,
            "<tr class=\"failed\"><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}%</td><td>{}</td></tr>",
            escape(&key.key),
            key.failures,
            key.count,
            share(key.failures, key.count),
            escape(key.last_error.as_deref().unwrap_or("-"))
        );
    }
    body.push_str("</table></div></section>\n");
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
