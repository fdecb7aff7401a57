//! Numbers as people read them in reports: durations with sensible units, p-values,
//! percentages and ratios. One place, so the text, Markdown and HTML reports agree.

/// A duration in nanoseconds with a unit chosen for its size and three significant digits:
/// `850 ns`, `12.3 µs`, `4.56 ms`, `52.3 s`, `452 s`, `12 min 05 s`. Seconds are kept up to
/// ten minutes so that run times stay comparable at a glance.
pub fn format_duration_ns(nanoseconds: f64) -> String {
    if !nanoseconds.is_finite() {
        return "–".to_string();
    }
    if nanoseconds == 0.0 {
        return "0 s".to_string();
    }
    let sign = if nanoseconds < 0.0 { "-" } else { "" };
    let magnitude = nanoseconds.abs();
    let (value, unit) = if magnitude < 1e3 {
        return format!("{sign}{magnitude:.0} ns");
    } else if magnitude < 1e6 {
        (magnitude / 1e3, "µs")
    } else if magnitude < 1e9 {
        (magnitude / 1e6, "ms")
    } else if magnitude < 600e9 {
        (magnitude / 1e9, "s")
    } else {
        let total_seconds = (magnitude / 1e9).round() as u64;
        return format!(
            "{sign}{} min {:02} s",
            total_seconds / 60,
            total_seconds % 60
        );
    };
    format!("{sign}{} {unit}", three_significant(value))
}

/// [`format_duration_ns`] for seconds.
pub fn format_seconds(seconds: f64) -> String {
    format_duration_ns(seconds * 1e9)
}

/// A signed change of seconds: `+1.20 s`, `-340 ms`, or `0 s` for no change.
pub fn format_signed_seconds(seconds: f64) -> String {
    let text = format_seconds(seconds);
    if seconds > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// `p = 0.003`, `p = 0.41`, or `p < 0.001` (more digits claim precision the test lacks).
pub fn format_p_value(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_string()
    } else if p < 0.1 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

/// A relative change as a signed percentage: `+21.3%`, `-4.0%`.
pub fn format_change(relative: f64) -> String {
    format!("{:+.1}%", relative * 100.0)
}

/// A ratio with two decimals: `1.92x`.
pub fn format_ratio(ratio: f64) -> String {
    format!("{ratio:.2}x")
}

fn three_significant(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2}")
    } else if value < 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(format_duration_ns(850.0), "850 ns");
        assert_eq!(format_duration_ns(12_345.0), "12.3 µs");
        assert_eq!(format_duration_ns(4_561_000.0), "4.56 ms");
        assert_eq!(format_duration_ns(52.34e9), "52.3 s");
        assert_eq!(format_duration_ns(125e9), "125 s");
        assert_eq!(format_duration_ns(725e9), "12 min 05 s");
        assert_eq!(format_duration_ns(0.0), "0 s");
        assert_eq!(format_signed_seconds(1.2), "+1.20 s");
        assert_eq!(format_signed_seconds(-0.34), "-340 ms");
        assert_eq!(format_signed_seconds(0.0), "0 s");
        assert_eq!(format_duration_ns(-2.5e6), "-2.50 ms");
        assert_eq!(format_duration_ns(f64::NAN), "–");
        assert_eq!(format_seconds(0.5), "500 ms");
    }

    #[test]
    fn p_values_ratios_and_changes() {
        assert_eq!(format_p_value(0.0031), "p = 0.003");
        assert_eq!(format_p_value(0.0004), "p < 0.001");
        assert_eq!(format_p_value(0.4123), "p = 0.41");
        assert_eq!(format_change(0.2134), "+21.3%");
        assert_eq!(format_change(-0.04), "-4.0%");
        assert_eq!(format_ratio(1.9234), "1.92x");
    }
}
