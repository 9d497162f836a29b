//! The fit of the score's weights: L2-regularised logistic regression on
//! factor values (each 0–1) with weights kept non-negative (every factor is
//! one the research finds raises defect risk; a negative weight would be
//! noise the score could not explain), by projected gradient descent, the
//! two classes weighted equally (fixed blocks are few). A few thousand rows
//! and ten factors: plain loops, no crate needed.

use crate::blocks::{Weights, FACTORS};

/// L2 strength (per row, on the weights only, not the intercept).
const LAMBDA: f64 = 0.01;
const STEPS: usize = 3000;
const LEARNING_RATE: f64 = 0.5;

/// Fitted coefficients, scaled to points adding up to 100 (the ranking of a
/// linear score does not change with its scale). `None` if every coefficient
/// came out zero or the rows lack one of the classes.
pub fn fit(rows: &[(Weights, bool)]) -> Option<Weights> {
    let positives = rows.iter().filter(|(_, y)| *y).count();
    let negatives = rows.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Balanced: each class carries half the total weight.
    let w_pos = 0.5 / positives as f64;
    let w_neg = 0.5 / negatives as f64;
    let n = FACTORS.len();
    let mut beta = [0.0f64; FACTORS.len()];
    let mut intercept = 0.0f64;
    for _ in 0..STEPS {
        let mut grad = [0.0f64; FACTORS.len()];
        let mut grad_b = 0.0;
        for (x, y) in rows {
            let z = intercept + (0..n).map(|i| beta[i] * x[i]).sum::<f64>();
            let p = 1.0 / (1.0 + (-z).exp());
            let (target, weight) = if *y { (1.0, w_pos) } else { (0.0, w_neg) };
            let err = (p - target) * weight;
            grad_b += err;
            for i in 0..n {
                grad[i] += err * x[i];
            }
        }
        intercept -= LEARNING_RATE * grad_b * 4.0;
        for i in 0..n {
            let g = grad[i] + LAMBDA * beta[i];
            beta[i] = (beta[i] - LEARNING_RATE * 4.0 * g).max(0.0);
        }
    }
    let total: f64 = beta.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return None;
    }
    let mut points = [0.0; FACTORS.len()];
    for i in 0..n {
        points[i] = beta[i] / total * 100.0;
    }
    Some(points)
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
    fn one_class_is_no_fit() {
        assert_eq!(fit(&[([0.5; FACTORS.len()], true)]), None);
    }
}
