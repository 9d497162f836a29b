//! The fit of the score's weights: L2-regularised logistic regression on
//! factor values (each 0–1) with weights kept non-negative (every factor is
//! one the research finds raises defect risk; a negative weight would be
//! noise the score could not explain), by projected gradient descent, the
//! two classes weighted equally (fixed blocks are few). A few thousand rows
//! and ten factors: plain loops, no crate needed.

use crate::blocks::{Weights, FACTORS};

/// L2 strength (on the standardised coefficients, not the intercept).
const LAMBDA: f64 = 0.01;
const STEPS: usize = 2000;
const LEARNING_RATE: f64 = 1.0;
/// A repository's own fit counts `fixed / (fixed + PRIOR_FIXED)` against
/// the defaults: with 50 fixed blocks to fit on, half each.
pub const PRIOR_FIXED: f64 = 50.0;

/// Fitted coefficients, scaled to points adding up to 100 (the ranking of a
/// linear score does not change with its scale). `None` if every coefficient
/// came out zero or the rows lack one of the classes. Each factor is
/// standardised first (mean 0, deviation 1 over the rows, classes weighted
/// equally), so the penalty and the steps treat them alike however their
/// values spread; the coefficients are scaled back to the 0–1 values.
pub fn fit(rows: &[(Weights, bool)]) -> Option<Weights> {
    let positives = rows.iter().filter(|(_, y)| *y).count();
    let negatives = rows.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Balanced: each class carries half the total weight.
    let weight = |y: bool| {
        if y {
            0.5 / positives as f64
        } else {
            0.5 / negatives as f64
        }
    };
    let n = FACTORS.len();
    let mut mean = [0.0f64; FACTORS.len()];
    let mut sd = [0.0f64; FACTORS.len()];
    for (x, y) in rows {
        for i in 0..n {
            mean[i] += weight(*y) * x[i];
        }
    }
    for (x, y) in rows {
        for i in 0..n {
            sd[i] += weight(*y) * (x[i] - mean[i]).powi(2);
        }
    }
    for s in &mut sd {
        *s = if *s > 1e-12 { s.sqrt() } else { 1.0 };
    }
    let z: Vec<(Weights, f64, f64)> = rows
        .iter()
        .map(|(x, y)| {
            let mut z = [0.0; FACTORS.len()];
            for i in 0..n {
                z[i] = (x[i] - mean[i]) / sd[i];
            }
            (z, if *y { 1.0 } else { 0.0 }, weight(*y))
        })
        .collect();
    let mut beta = [0.0f64; FACTORS.len()];
    let mut intercept = 0.0f64;
    for _ in 0..STEPS {
        let mut grad = [0.0f64; FACTORS.len()];
        let mut grad_b = 0.0;
        for (x, target, weight) in &z {
            let t = intercept + (0..n).map(|i| beta[i] * x[i]).sum::<f64>();
            let p = 1.0 / (1.0 + (-t.clamp(-30.0, 30.0)).exp());
            let err = (p - target) * weight;
            grad_b += err;
            for i in 0..n {
                grad[i] += err * x[i];
            }
        }
        intercept -= LEARNING_RATE * grad_b;
        for i in 0..n {
            let g = grad[i] + LAMBDA * beta[i];
            beta[i] = (beta[i] - LEARNING_RATE * g).max(0.0);
        }
    }
    let raw: Vec<f64> = (0..n).map(|i| beta[i] / sd[i]).collect();
    let total: f64 = raw.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return None;
    }
    let mut points = [0.0; FACTORS.len()];
    for i in 0..n {
        points[i] = raw[i] / total * 100.0;
    }
    Some(points)
}

/// A repository's own fit on `fixed` fixed blocks, blended with `defaults`:
/// its share grows with the evidence (`fixed / (fixed + PRIOR_FIXED)`), so a
/// window with a handful of fixes does not throw away what public histories
/// say.
pub fn blend(own: &Weights, defaults: &Weights, fixed: usize) -> Weights {
    let share = fixed as f64 / (fixed as f64 + PRIOR_FIXED);
    let mut out = [0.0; FACTORS.len()];
    for i in 0..FACTORS.len() {
        out[i] = share * own[i] + (1.0 - share) * defaults[i];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factor_that_separates_gets_the_weight() {
        // Fixed blocks have factor 0 high and factor 1 random; unfixed ones the reverse of nothing.
        let mut rows = Vec::new();
        for i in 0..200 {
            let fixed = i % 4 == 0;
            let mut x = [0.0; FACTORS.len()];
            x[0] = if fixed { 0.8 } else { 0.1 } + (i % 7) as f64 * 0.01;
            x[1] = (i % 5) as f64 / 5.0;
            rows.push((x, fixed));
        }
        let w = fit(&rows).expect("a fit");
        assert!(w[0] > 90.0, "{w:?}");
        assert!((w.iter().sum::<f64>() - 100.0).abs() < 1e-9);
        assert!(w.iter().all(|v| *v >= 0.0));
    }

    #[test]
    fn the_own_fit_counts_more_with_more_fixes() {
        let mut own = [0.0; FACTORS.len()];
        own[0] = 100.0;
        let mut defaults = [0.0; FACTORS.len()];
        defaults[1] = 100.0;
        assert_eq!(blend(&own, &defaults, 50)[0], 50.0);
        assert!((blend(&own, &defaults, 150)[0] - 75.0).abs() < 1e-9);
        assert!((blend(&own, &defaults, 150).iter().sum::<f64>() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn one_class_is_no_fit() {
        assert_eq!(fit(&[([0.5; FACTORS.len()], true)]), None);
    }
}
