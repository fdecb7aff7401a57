//! Retained memory: at each point of a run, the least memory in use from that point to the end.
//!
//! A browser's resident memory climbs between garbage collections (and renderer swaps) and
//! falls when they run, so a soak sees sawteeth. A trend fitted on the raw readings of one
//! climb reports growth even when the run later gives all of it back. The retained floor
//! keeps only memory that was never given back within the run: a reclaim lowers the floor of
//! every point before it, while a leak keeps the floor rising. The floor is never above the
//! reading and never falls from one point to the next.

use super::trend::{Trend, TrendError, theil_sen};

/// The trend of memory never given back: the Theil–Sen slope of the [`retained_floor`] of
/// `points` (`(x, y)` in the run's order), with Sen's interval widened above to at least what
/// the run kept: the last reading less the floor at the first point, plus one typical change
/// between successive readings, over the `x` between the first and the last point.
///
/// Why widen: the floor of a run whose memory came back is flat, so its pairwise slopes are
/// all 0 and Sen's interval would claim no growth at all ("≤ 0"). What the data rule out is
/// only growth that would have been kept: more than the end's reading above the start's
/// floor, give or take one reading's wobble (the median absolute change between successive
/// readings, a robust scale of how much one reading moves).
///
/// # Errors
///
/// [`TrendError`] as [`theil_sen`]: fewer than [`super::MIN_TREND_POINTS`] distinct `x`, or a
/// coordinate not finite.
pub fn retained_trend(points: &[(f64, f64)]) -> Result<Trend, TrendError> {
    let floor = retained_floor(points);
    let mut trend = theil_sen(&floor)?;
    let steps: Vec<f64> = points
        .windows(2)
        .map(|pair| (pair[1].1 - pair[0].1).abs())
        .collect();
    let wobble = crate::stats::median(&steps).unwrap_or(0.0);
    if let (Some(first), Some(last)) = (floor.first(), points.last())
        && last.0 > first.0
    {
        let kept = (last.1 - first.1 + wobble) / (last.0 - first.0);
        trend.high = trend.high.max(kept);
    }
    Ok(trend)
}

/// The retained floor of `points` (`(x, y)`, in the run's order): each `y` replaced by the
/// least `y` at or after it. Same length and `x` values as `points`.
pub fn retained_floor(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut floor = points.to_vec();
    let mut least = f64::INFINITY;
    for (_, y) in floor.iter_mut().rev() {
        least = least.min(*y);
        *y = least;
    }
    floor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_climb_given_back_at_the_end_leaves_a_flat_floor() {
        let points = [(1.0, 100.0), (2.0, 110.0), (3.0, 120.0), (4.0, 101.0)];
        assert_eq!(
            retained_floor(&points),
            [(1.0, 100.0), (2.0, 101.0), (3.0, 101.0), (4.0, 101.0)]
        );
    }

    #[test]
    fn a_climb_given_back_has_no_slope_and_a_bound_from_the_end_over_the_start() {
        let mut points: Vec<(f64, f64)> = (0..30).map(|x| (x as f64, 100.0 + x as f64)).collect();
        points.extend((30..36).map(|x| (x as f64, 100.0 + x as f64 / 10.0)));
        let trend = retained_trend(&points).unwrap();
        assert_eq!((trend.slope, trend.low), (0.0, 0.0));
        // The end (103.5) over the start's floor (100.0), plus the median step (1.0: 29 steps
        // of 1.0, five of 0.1 and one fall), over 35 steps.
        assert!((trend.high - 4.5 / 35.0).abs() < 1e-12, "{trend:?}");
    }

    #[test]
    fn memory_kept_every_step_is_growth_at_its_rate() {
        let points: Vec<(f64, f64)> = (0..12)
            .map(|x| {
                (
                    x as f64,
                    100.0 + 5.0 * x as f64 + if x % 2 == 0 { 3.0 } else { 0.0 },
                )
            })
            .collect();
        let trend = retained_trend(&points).unwrap();
        assert!(
            trend.low > 0.0 && (trend.slope - 5.0).abs() < 1.0,
            "{trend:?}"
        );
    }

    #[test]
    fn memory_never_given_back_is_the_floor() {
        let points = [(1.0, 100.0), (2.0, 125.0), (3.0, 120.0), (4.0, 140.0)];
        assert_eq!(
            retained_floor(&points),
            [(1.0, 100.0), (2.0, 120.0), (3.0, 120.0), (4.0, 140.0)]
        );
        assert!(retained_floor(&[]).is_empty());
    }
}
