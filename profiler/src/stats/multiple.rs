//! Correction for testing many keys at once.
//!
//! A regression gate tests every key of a profile; with 50 keys and α = 0.05, two or three
//! would look "significant" by chance alone. Holm's step-down adjustment keeps the chance of
//! even one false alarm across all keys at α, and is uniformly more powerful than Bonferroni.

/// Holm-adjusted p-values, in the input order. Compare each with α directly.
pub fn holm_adjust(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![1.0; m];
    let mut running_max: f64 = 0.0;
    for (rank, &index) in order.iter().enumerate() {
        let scaled = ((m - rank) as f64 * p_values[index]).min(1.0);
        running_max = running_max.max(scaled);
        adjusted[index] = running_max;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_r_p_adjust_holm() {
        // p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
        let adjusted = holm_adjust(&[0.01, 0.04, 0.03, 0.005]);
        let expected = [0.03, 0.06, 0.06, 0.02];
        for (actual, expected) in adjusted.iter().zip(expected) {
            assert!((actual - expected).abs() < 1e-12, "{adjusted:?}");
        }
        assert_eq!(holm_adjust(&[0.9, 0.8]), vec![1.0, 1.0]);
        assert!(holm_adjust(&[]).is_empty());
    }
}
