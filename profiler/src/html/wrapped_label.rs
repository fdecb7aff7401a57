//! Chart labels that are never cut: a long key name is broken into lines at its natural
//! joints (after `.`, `_`, `/`, `:`, `-` or a space), and the whole name is also the label's
//! tooltip. `download_management.monitor_download_completion` stays readable in full.

use std::fmt::Write;

use super::escape::escape;

/// Line height of a wrapped label, in SVG units (12 px text).
pub(crate) const LINE_HEIGHT: f64 = 14.0;

/// Splits `text` into lines of at most `width` characters, breaking after a joint where one
/// lies in the line, else hard at `width`. Nothing is dropped: the lines joined give `text`.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while chars.len() - start > width {
        let window = &chars[start..start + width];
        let cut = window
            .iter()
            .rposition(|c| matches!(c, '.' | '_' | '/' | ':' | '-' | ' '))
            .filter(|position| *position > 0)
            .map_or(width, |position| position + 1);
        lines.push(chars[start..start + cut].iter().collect());
        start += cut;
    }
    lines.push(chars[start..].iter().collect());
    lines
}

/// An SVG `<text>` with `text` wrapped to `width` characters, the lines centred vertically
/// on `middle`, anchored at `x` (`start`, `middle` or `end`), with the full text as tooltip.
pub(crate) fn wrapped_text(text: &str, width: usize, x: f64, middle: f64, anchor: &str) -> String {
    let lines = wrap(text, width);
    let first = middle + 4.0 - LINE_HEIGHT * (lines.len() as f64 - 1.0) / 2.0;
    let mut svg = format!(
        "<text class=\"label\" text-anchor=\"{anchor}\"><title>{}</title>",
        escape(text)
    );
    for (index, line) in lines.iter().enumerate() {
        let _ = write!(
            svg,
            "<tspan x=\"{x:.1}\" y=\"{:.1}\">{}</tspan>",
            first + LINE_HEIGHT * index as f64,
            escape(line)
        );
    }
    svg.push_str("</text>");
    svg
}

/// Lines `text` takes when wrapped to `width` characters.
pub(crate) fn line_count(text: &str, width: usize) -> usize {
    wrap(text, width).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_break_at_their_joints_and_lose_nothing() {
        let key = "track_management.finalize_solo_activation_after_the_mix_settled";
        let lines = wrap(key, 40);
        assert_eq!(
            lines,
            [
                "track_management.finalize_solo_",
                "activation_after_the_mix_settled"
            ]
        );
        assert_eq!(lines.concat(), key);
        assert_eq!(wrap("short", 40), ["short"]);
        let unbroken = "x".repeat(90);
        assert_eq!(
            wrap(&unbroken, 40)
                .iter()
                .map(String::len)
                .collect::<Vec<_>>(),
            [40, 40, 10]
        );
    }

    #[test]
    fn every_line_is_a_tspan_and_the_whole_name_the_tooltip() {
        let svg = wrapped_text("a.<b>.c", 3, 10.0, 50.0, "end");
        assert_eq!(svg.matches("<tspan").count(), 3);
        assert!(svg.contains("<title>a.&lt;b&gt;.c</title>"));
        assert!(!svg.contains("<b>"));
    }
}
