//! The linear readout of a reservoir, trained by ridge regression.
//!
//! Solved in f64 on the host, by Cholesky. The normal matrix XᵀX of reservoir states is badly
//! conditioned (condition numbers of 1e8–1e12 with a small λ are usual, since neighbouring
//! units carry nearly the same signal), so f32 loses the solution; WGSL has no f64; and the
//! system is only (features + 1)² — microseconds to milliseconds on a CPU, against the seconds
//! the reservoir itself runs.

use nalgebra::{DMatrix, DVector};

use crate::error::{NeuroError, Result};

/// Readout weights `y = w₀ + Σ_j w_{j+1}·x_j`, fitted by [`Ridge::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct Ridge {
    /// `features + 1` weights, the bias first.
    pub weights: Vec<f64>,
}

impl Ridge {
    /// Fits `target` (one value per row) from `states` (row-major `[rows, features]`) by
    /// minimising `‖y − Xw‖² + λ‖w_{1..}‖²`, X being the states with a leading column of ones.
    /// The bias is not penalised, so the readout's offset is free whatever λ is.
    ///
    /// Errors: a shape mismatch, no rows, non-finite data, λ negative or not finite, and a
    /// normal matrix that is not numerically positive definite (raise λ).
    pub fn fit(states: &[f64], rows: usize, features: usize, target: &[f64], lambda: f64) -> Result<Ridge> {
        check_shape("states", states, rows, features)?;
        if rows == 0 {
            return Err(NeuroError::Range { argument: "rows", value: "0".into(), expected: "at least one training row".into() });
        }
        if target.len() != rows {
            return Err(NeuroError::Shape { argument: "target", actual: vec![target.len()], expected: format!("[{rows}] (one value per row)") });
        }
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(NeuroError::Range { argument: "lambda", value: lambda.to_string(), expected: "a finite ridge penalty >= 0".into() });
        }
        for (argument, values) in [("states", states), ("target", target)] {
            if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
                return Err(NeuroError::Range { argument, value: bad.to_string(), expected: "finite values".into() });
            }
        }
        let n = features + 1;
        let (gram, rhs) = normal_equations(states, features, target);
        let mut a = DMatrix::from_fn(n, n, |i, j| gram[i.min(j) * n + i.max(j)]);
        // The bias (index 0) is left out of the penalty.
        for j in 1..n {
            a[(j, j)] += lambda;
        }
        let not_definite = || NeuroError::Range {
            argument: "lambda",
            value: lambda.to_string(),
            expected: "a larger ridge penalty: XᵀX + λI is not numerically positive definite at this λ (try 1e-6 or more)".into(),
        };
        let cholesky = a.cholesky().ok_or_else(not_definite)?;
        let weights = cholesky.solve(&DVector::from_vec(rhs));
        if weights.iter().any(|w| !w.is_finite()) {
            return Err(not_definite());
        }
        Ok(Ridge { weights: weights.iter().copied().collect() })
    }

    /// The readout of each of `rows` rows of `states` (row-major `[rows, features]`).
    ///
    /// # Panics
    /// When `states.len() != rows × features`, `features` being `weights.len() − 1`.
    pub fn predict(&self, states: &[f64], rows: usize) -> Vec<f64> {
        let Some((bias, weights)) = self.weights.split_first() else {
            return vec![0.0; rows];
        };
        let features = weights.len();
        assert!(
            rows.checked_mul(features) == Some(states.len()),
            "Ridge::predict: `states` has {} values, expected rows × features = {rows} × {features}",
            states.len()
        );
        if features == 0 {
            return vec![*bias; rows];
        }
        states.chunks_exact(features).map(|row| bias + row.iter().zip(weights).map(|(x, w)| x * w).sum::<f64>()).collect()
    }
}

fn check_shape(argument: &'static str, values: &[f64], rows: usize, features: usize) -> Result<()> {
    match rows.checked_mul(features) {
        Some(len) if len == values.len() => Ok(()),
        _ => Err(NeuroError::Shape { argument, actual: vec![values.len()], expected: format!("[{rows} × {features}] values (rows × features)") }),
    }
}

/// XᵀX (upper triangle, row-major `[n, n]`, n = features + 1) and Xᵀy, X with its column of
/// ones. Accumulated one row at a time over contiguous slices, which vectorises; the whole
/// state matrix with its extra column is never copied.
fn normal_equations(states: &[f64], features: usize, target: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = features + 1;
    let mut gram = vec![0.0; n * n];
    let mut rhs = vec![0.0; n];
    let mut row = vec![1.0; n];
    for (r, y) in target.iter().enumerate() {
        row[1..].copy_from_slice(&states[r * features..(r + 1) * features]);
        for i in 0..n {
            let xi = row[i];
            for (g, xj) in gram[i * n + i..(i + 1) * n].iter_mut().zip(&row[i..]) {
                *g += xi * xj;
            }
            rhs[i] += xi * y;
        }
    }
    (gram, rhs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [−1, 1).
    fn values(count: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn recovers_a_linear_map_from_noiseless_data() {
        let (rows, features) = (60, 3);
        let states = values(rows * features, 5);
        let truth = [0.5, 2.0, -1.0, 0.25];
        let target: Vec<f64> = states.chunks(features).map(|x| truth[0] + truth[1] * x[0] + truth[2] * x[1] + truth[3] * x[2]).collect();
        let ridge = Ridge::fit(&states, rows, features, &target, 1e-9).unwrap();
        for (w, t) in ridge.weights.iter().zip(truth) {
            assert!((w - t).abs() < 1e-6, "weights {:?}, expected {truth:?}", ridge.weights);
        }
        let prediction = ridge.predict(&states, rows);
        assert!(prediction.iter().zip(&target).all(|(p, y)| (p - y).abs() < 1e-6));
    }

    #[test]
    fn refuses_bad_lambda_and_shapes() {
        let states = values(20, 1);
        let target = values(10, 2);
        for lambda in [-1.0, f64::NAN, f64::INFINITY] {
            let error = Ridge::fit(&states, 10, 2, &target, lambda).unwrap_err();
            assert!(matches!(error, NeuroError::Range { argument: "lambda", .. }), "{error}");
        }
        assert!(matches!(Ridge::fit(&states, 10, 3, &target, 1e-6), Err(NeuroError::Shape { argument: "states", .. })));
        assert!(matches!(Ridge::fit(&states, 10, 2, &target[..9], 1e-6), Err(NeuroError::Shape { argument: "target", .. })));
        assert!(matches!(Ridge::fit(&[], 0, 2, &[], 1e-6), Err(NeuroError::Range { argument: "rows", .. })));
    }

    #[test]
    fn a_singular_system_asks_for_a_larger_lambda() {
        // A dead unit (always 0) makes XᵀX singular when nothing regularises it.
        let mut states = values(20, 3);
        for row in states.chunks_mut(2) {
            row[1] = 0.0;
        }
        let target = values(10, 4);
        let error = Ridge::fit(&states, 10, 2, &target, 0.0).unwrap_err();
        assert!(matches!(error, NeuroError::Range { argument: "lambda", .. }), "{error}");
        assert!(Ridge::fit(&states, 10, 2, &target, 1e-6).is_ok());
    }
}
