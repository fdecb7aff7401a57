//! Benjamini–Hochberg adjusted p-values: the gate's correction across keys.
//!
//! Why not Holm: with ~40 keys and 3 runs per side, Holm asks the most significant key for
//! p < 0.05 / 40, which a Welch test with 2–4 degrees of freedom reaches only for enormous
//! effects; a 9x slowdown of `solo_track` measured in 3 + 3 runs stayed "within noise".
//! Benjamini–Hochberg controls the false discovery rate; when nothing changed (same
//! configuration reruns, the case a gate must keep quiet) every discovery is false, so it then
//! bounds the chance of any false alarm by α, as Holm does. When something really regressed,
//! the gate fails anyway, and the other keys that moved with it are reported with it.

/// BH-adjusted p-values in the input order: `p_(i) · m / i` over the sorted p-values, made
/// monotone from the largest down and capped at 1 (R's `p.adjust(p, "BH")`).
pub fn bh_adjust(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![1.0; m];
    let mut running = 1.0_f64;
    for (rank, &index) in order.iter().enumerate().rev() {
        let value = (p_values[index] * m as f64 / (rank + 1) as f64).min(1.0);
        running = running.min(value);
        adjusted[index] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_textbook_step_up() {
        // scipy.stats.false_discovery_control([0.01, 0.04, 0.03, 0.005, 0.5]) (= R p.adjust "BH")
        let adjusted = bh_adjust(&[0.01, 0.04, 0.03, 0.005, 0.5]);
        let expected = [0.025, 0.05, 0.05, 0.025, 0.5];
        for (got, want) in adjusted.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{adjusted:?}");
        }
        assert_eq!(bh_adjust(&[]), Vec::<f64>::new());
        assert_eq!(bh_adjust(&[0.3]), vec![0.3]);
    }
}
