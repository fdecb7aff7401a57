//! The Theil–Sen slope of `y` on `x` with Sen's (1968) distribution-free 95% confidence
//! interval. Robust: up to ~29% of the points may be outliers (a garbage collection, a
//! renderer restart) without moving the slope, and no normality is assumed.
//!
//! Method (Hollander & Wolfe, *Nonparametric Statistical Methods*, §9.4): the slope is the
//! median of the `N` pairwise slopes `(y_j − y_i) / (x_j − x_i)` over pairs with `x_i ≠ x_j`.
//! With `C = z₀.₉₇₅ · √(n(n−1)(2n+5)/18)` (the normal approximation of Kendall's S), the
//! interval runs from the `⌊(N − C)/2⌋`-th to the `⌈(N + C)/2⌉ + 1`-th ordered pairwise slope
//! (1-based), which is slightly conservative.

/// The 0.975 quantile of the standard normal distribution.
const Z_975: f64 = 1.959_963_984_540_054;

/// The fewest points for which the 95% interval exists (with 5, its lower rank is below 1).
pub const MIN_TREND_POINTS: usize = 6;

/// A slope with its 95% confidence interval, in units of `y` per unit of `x`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trend {
    /// The Theil–Sen slope: the median of the pairwise slopes.
    pub slope: f64,
    /// Lower end of Sen's 95% interval.
    pub low: f64,
    /// Upper end of Sen's 95% interval.
    pub high: f64,
    /// Points the trend was fitted on.
    pub points: usize,
}

impl Trend {
    /// The same trend per `factor` units of `x` (e.g. per 100 tracks instead of per track).
    pub fn scaled(self, factor: f64) -> Trend {
        Trend {
            slope: self.slope * factor,
            low: self.low * factor,
            high: self.high * factor,
            points: self.points,
        }
    }
}

/// Why no trend could be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrendError {
    /// Fewer points with distinct x than the interval needs ([`MIN_TREND_POINTS`]).
    #[error(
        "{have} point(s) with distinct x, a trend with a 95% interval needs at least {need}; run longer"
    )]
    TooFewPoints {
        /// Points with distinct x given.
        have: usize,
        /// Points with distinct x needed.
        need: usize,
    },
    /// An x or y is NaN or infinite.
    #[error("a point is not a finite number")]
    NotFinite,
}

/// The Theil–Sen slope of the points `(x, y)` with its 95% interval (see the module docs).
pub fn theil_sen(points: &[(f64, f64)]) -> Result<Trend, TrendError> {
    if points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return Err(TrendError::NotFinite);
    }
    let mut distinct: Vec<f64> = points.iter().map(|(x, _)| *x).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let n = distinct.len();
    let too_few = TrendError::TooFewPoints {
        have: n,
        need: MIN_TREND_POINTS,
    };
    if n < MIN_TREND_POINTS {
        return Err(too_few);
    }
    let mut slopes = Vec::with_capacity(points.len() * points.len() / 2);
    for (i, (xi, yi)) in points.iter().enumerate() {
        for (xj, yj) in &points[i + 1..] {
            if xi != xj {
                slopes.push((yj - yi) / (xj - xi));
            }
        }
    }
    slopes.sort_by(f64::total_cmp);
    let count = slopes.len();
    let n = n as f64;
    let c = Z_975 * (n * (n - 1.0) * (2.0 * n + 5.0) / 18.0).sqrt();
    let lower_rank = ((count as f64 - c) / 2.0).floor();
    let upper_rank = ((count as f64 + c) / 2.0).ceil() + 1.0;
    if lower_rank < 1.0 {
        return Err(too_few);
    }
    let upper_rank = (upper_rank as usize).min(count);
    Ok(Trend {
        slope: median_of_sorted(&slopes),
        low: slopes[lower_rank as usize - 1],
        high: slopes[upper_rank - 1],
        points: points.len(),
    })
}

fn median_of_sorted(sorted: &[f64]) -> f64 {
    let middle = sorted.len() / 2;
    match sorted.len() % 2 {
        0 => (sorted[middle - 1] + sorted[middle]) / 2.0,
        _ => sorted[middle],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_line_has_its_slope_and_a_zero_width_interval() {
        let points: Vec<(f64, f64)> = (0..10).map(|x| (x as f64, 3.0 + 2.5 * x as f64)).collect();
        let trend = theil_sen(&points).unwrap();
        assert_eq!((trend.slope, trend.low, trend.high), (2.5, 2.5, 2.5));
        assert_eq!(trend.points, 10);
    }

    #[test]
    fn one_wild_outlier_does_not_move_the_slope() {
        let mut points: Vec<(f64, f64)> = (0..12).map(|x| (x as f64, x as f64)).collect();
        points[5].1 = 1000.0;
        let trend = theil_sen(&points).unwrap();
        assert_eq!(trend.slope, 1.0);
        assert!(trend.low <= 1.0 && trend.high >= 1.0, "{trend:?}");
    }

    #[test]
    fn flat_noise_has_an_interval_around_zero() {
        // y alternates around 100: no trend.
        let points: Vec<(f64, f64)> = (0..20)
            .map(|x| (x as f64, 100.0 + if x % 2 == 0 { 1.0 } else { -1.0 }))
            .collect();
        let trend = theil_sen(&points).unwrap();
        assert!(trend.low <= 0.0 && trend.high >= 0.0, "{trend:?}");
        assert!(trend.slope.abs() < 0.5, "{trend:?}");
    }

    /// Sen's ranks for n = 6 (N = 15 slopes): C = 1.96·√(6·5·17/18) = 10.43, so the interval is
    /// the 2nd to the 14th ordered slope.
    #[test]
    fn the_interval_takes_sens_ranks() {
        let ys = [0.0, 1.0, 4.0, 9.0, 16.0, 25.0];
        let points: Vec<(f64, f64)> = ys.iter().enumerate().map(|(x, y)| (x as f64, *y)).collect();
        let mut slopes = Vec::new();
        for i in 0..6 {
            for j in i + 1..6 {
                slopes.push((ys[j] - ys[i]) / (j - i) as f64);
            }
        }
        slopes.sort_by(f64::total_cmp);
        let trend = theil_sen(&points).unwrap();
        assert_eq!((trend.low, trend.high), (slopes[1], slopes[13]));
        assert_eq!(trend.slope, slopes[7]);
    }

    #[test]
    fn too_few_distinct_points_are_refused() {
        let points = [
            (1.0, 1.0),
            (1.0, 2.0),
            (2.0, 3.0),
            (3.0, 3.0),
            (4.0, 1.0),
            (5.0, 0.0),
        ];
        assert_eq!(
            theil_sen(&points),
            Err(TrendError::TooFewPoints { have: 5, need: 6 })
        );
        assert_eq!(theil_sen(&[(f64::NAN, 1.0)]), Err(TrendError::NotFinite));
    }

    #[test]
    fn scaling_gives_the_trend_per_hundred() {
        let trend = Trend {
            slope: 0.5,
            low: 0.25,
            high: 1.0,
            points: 8,
        }
        .scaled(100.0);
        assert_eq!((trend.slope, trend.low, trend.high), (50.0, 25.0, 100.0));
    }
}
