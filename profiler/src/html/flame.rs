//! The icicle chart of the call tree: roots on top, each call below its caller, widths in
//! proportion to total wall time, so the gap under a box is its self time. Drawn as inline
//! SVG with a `<title>` per box for the hover details (no script needed).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

use super::escape::escape;
use crate::profile::{CallEdge, KeyStats, children_by_parent};
use crate::stats::format_duration_ns;

const WIDTH: f64 = 1000.0;
const ROW: f64 = 22.0;
/// Boxes narrower than this (viewBox units, about a pixel) are not drawn.
const MIN_WIDTH: f64 = 0.5;
/// Boxes narrower than this get no label (the tooltip still has it).
const LABEL_MIN_WIDTH: f64 = 36.0;
/// Approximate width of one label character at 12px (viewBox units).
const CHAR_WIDTH: f64 = 7.0;
/// The chart stops descending here even if the edges form a deep (or cyclic) graph.
const MAX_DEPTH: usize = 12;

/// One box of the chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    pub key: String,
    pub parent: Option<String>,
    pub depth: usize,
    pub x: f64,
    pub width: f64,
    /// Wall time of this call path, nanoseconds (the edge's total).
    pub total_ns: u64,
    pub calls: u64,
}

/// The laid-out boxes and how many were too narrow to draw.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub frames: Vec<Frame>,
    pub hidden: usize,
    /// Wall time the full chart width stands for (the roots' total), nanoseconds.
    pub scale_ns: u64,
}

/// Lays out the call tree. A key's children share its box in proportion to their edge
/// totals over the key's own total (summed over all its callers), so a key called from two
/// places shows its callees under both, each in proportion. Children that ran concurrently
/// (adding up to more than their parent) are squeezed to fit the parent's box.
pub(crate) fn layout(edges: &[CallEdge]) -> Layout {
    let children = children_by_parent(edges);
    let mut key_totals: HashMap<&str, u64> = HashMap::new();
    for edge in edges {
        *key_totals.entry(edge.child.as_str()).or_default() += edge.total_ns;
    }
    let roots_total: u64 = children
        .get(&None)
        .map_or(0, |roots| roots.iter().map(|edge| edge.total_ns).sum());
    let mut layout = Layout {
        scale_ns: roots_total,
        ..Layout::default()
    };
    if roots_total == 0 {
        return layout;
    }
    let walk = Walk {
        children: &children,
        key_totals: &key_totals,
    };
    let mut path = HashSet::new();
    walk.place(None, 0.0, WIDTH, roots_total, 0, &mut path, &mut layout);
    layout
}

struct Walk<'a> {
    children: &'a BTreeMap<Option<&'a str>, Vec<&'a CallEdge>>,
    key_totals: &'a HashMap<&'a str, u64>,
}

impl<'a> Walk<'a> {
    #[allow(clippy::too_many_arguments)]
    fn place(
        &self,
        parent: Option<&'a str>,
        x: f64,
        width: f64,
        parent_total: u64,
        depth: usize,
        path: &mut HashSet<&'a str>,
        layout: &mut Layout,
    ) {
        let Some(edges) = self.children.get(&parent) else {
            return;
        };
        let children_total: u64 = edges.iter().map(|edge| edge.total_ns).sum();
        let fit = if children_total > parent_total {
            parent_total as f64 / children_total as f64
        } else {
            1.0
        };
        let mut left = x;
        for edge in edges {
            let child_width = width * edge.total_ns as f64 / parent_total.max(1) as f64 * fit;
            if child_width < MIN_WIDTH {
                layout.hidden += 1;
                continue;
            }
            layout.frames.push(Frame {
                key: edge.child.clone(),
                parent: parent.map(str::to_owned),
                depth,
                x: left,
                width: child_width,
                total_ns: edge.total_ns,
                calls: edge.count,
            });
            let key = edge.child.as_str();
            if depth + 1 < MAX_DEPTH && path.insert(key) {
                let key_total = self.key_totals.get(key).copied().unwrap_or(edge.total_ns);
                self.place(
                    Some(key),
                    left,
                    child_width,
                    key_total,
                    depth + 1,
                    path,
                    layout,
                );
                path.remove(key);
            }
            left += child_width;
        }
    }
}

fn duration(nanoseconds: u64) -> String {
    format_duration_ns(nanoseconds as f64)
}

/// The label that fits `width`, cut at the front (the end of a key names the step).
fn fitted_label(key: &str, width: f64) -> Option<String> {
    if width < LABEL_MIN_WIDTH {
        return None;
    }
    let room = ((width - 6.0) / CHAR_WIDTH).floor() as usize;
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= room {
        return Some(key.to_owned());
    }
    let kept = room.saturating_sub(1);
    (kept >= 3).then(|| {
        format!(
            "…{}",
            chars[chars.len() - kept..].iter().collect::<String>()
        )
    })
}

/// The icicle chart as inline SVG; `keys` give each box its tier (colour) and self time.
pub(crate) fn icicle(edges: &[CallEdge], keys: &[KeyStats]) -> String {
    let layout = layout(edges);
    let stats: HashMap<&str, &KeyStats> = keys.iter().map(|key| (key.key.as_str(), key)).collect();
    let depth = layout
        .frames
        .iter()
        .map(|frame| frame.depth + 1)
        .max()
        .unwrap_or(0);
    let height = (ROW * depth as f64).max(ROW);
    let mut svg = format!(
        "<svg class=\"flame\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" aria-label=\"Call tree as an icicle chart\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for frame in &layout.frames {
        let stat = stats.get(frame.key.as_str());
        let tier = stat.map_or("unknown", |stat| stat.tier.as_str());
        let mut tooltip = format!(
            "{}\n{} calls · total {} ({:.1}% of the chart)",
            frame.key,
            frame.calls,
            duration(frame.total_ns),
            frame.total_ns as f64 * 100.0 / layout.scale_ns.max(1) as f64
        );
        if let Some(parent) = &frame.parent {
            let _ = write!(tooltip, " · called from {parent}");
        }
        if let Some(stat) = stat {
            let _ = write!(
                tooltip,
                "\nself {} of {} total for the key over all its callers · {tier} tier",
                duration(stat.self_ns),
                duration(stat.total_ns)
            );
        }
        let y = ROW * frame.depth as f64;
        let _ = write!(
            svg,
            "<g><title>{}</title><rect class=\"frame t-{tier}\" x=\"{:.2}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"{:.1}\" rx=\"2\"/>",
            escape(&tooltip),
            frame.x,
            frame.width,
            ROW - 2.0
        );
        if let Some(label) = fitted_label(&frame.key, frame.width) {
            let _ = write!(
                svg,
                "<text x=\"{:.2}\" y=\"{:.1}\">{}</text>",
                frame.x + 4.0,
                y + ROW * 0.68,
                escape(&label)
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    if layout.hidden > 0 {
        let _ = write!(
            svg,
            "<p class=\"meta\">{} calls too narrow to draw (under 0.05% of the chart) are left out.</p>",
            layout.hidden
        );
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tests::edge;

    fn frame<'a>(layout: &'a Layout, key: &str) -> Vec<&'a Frame> {
        layout
            .frames
            .iter()
            .filter(|frame| frame.key == key)
            .collect()
    }

    #[test]
    fn children_sit_under_their_parent_in_proportion_leaving_self_time_as_a_gap() {
        let layout = layout(&[
            edge(None, "run", 100),
            edge(Some("run"), "solo", 50),
            edge(Some("run"), "download", 25),
        ]);
        let run = frame(&layout, "run")[0];
        let solo = frame(&layout, "solo")[0];
        let download = frame(&layout, "download")[0];
        assert_eq!((run.x, run.width, run.depth), (0.0, WIDTH, 0));
        assert_eq!((solo.x, solo.width, solo.depth), (0.0, 500.0, 1));
        assert_eq!((download.x, download.width), (500.0, 250.0));
        assert_eq!(layout.scale_ns, 100);
    }

    #[test]
    fn a_key_with_two_callers_shows_its_callees_under_both_in_proportion() {
        let layout = layout(&[
            edge(None, "a", 60),
            edge(None, "b", 40),
            edge(Some("a"), "shared", 30),
            edge(Some("b"), "shared", 10),
            edge(Some("shared"), "leaf", 20),
        ]);
        let leaves = frame(&layout, "leaf");
        assert_eq!(leaves.len(), 2);
        // "shared" totals 40 ns over both callers; "leaf" is half of it under each.
        let widths: Vec<f64> = leaves.iter().map(|leaf| leaf.width).collect();
        assert_eq!(widths, [150.0, 50.0]);
        assert_eq!(leaves[1].x, 600.0);
    }

    #[test]
    fn concurrent_children_are_squeezed_into_their_parent() {
        let layout = layout(&[
            edge(None, "run", 100),
            edge(Some("run"), "x", 150),
            edge(Some("run"), "y", 50),
        ]);
        let x = frame(&layout, "x")[0];
        let y = frame(&layout, "y")[0];
        assert_eq!((x.width, y.x, y.width), (750.0, 750.0, 250.0));
    }

    #[test]
    fn cycles_end_and_tiny_calls_are_counted_not_drawn() {
        let layout = layout(&[
            edge(None, "a", 1_000_000),
            edge(Some("a"), "b", 500_000),
            edge(Some("b"), "a", 400_000),
            edge(Some("a"), "tiny", 1),
        ]);
        assert!(layout.frames.len() <= 4, "{:?}", layout.frames);
        assert!(layout.hidden >= 1);
        assert!(layout.frames.iter().all(|frame| frame.depth < MAX_DEPTH));
    }

    #[test]
    fn labels_are_cut_from_the_front_or_left_to_the_tooltip() {
        assert_eq!(fitted_label("run", 100.0).as_deref(), Some("run"));
        assert_eq!(
            fitted_label("track_management.solo_track", 87.0).as_deref(),
            Some("…solo_track")
        );
        assert_eq!(fitted_label("run", 20.0), None);
    }

    #[test]
    fn hostile_keys_stay_text() {
        let svg = icicle(&[edge(None, "<script>x</script>", 10)], &[]);
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        assert!(icicle(&[], &[]).ends_with("</svg>"));
    }
}
