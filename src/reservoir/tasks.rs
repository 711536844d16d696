//! Benchmark series for reservoir computing, generated from a seed: NARMA-10 (a nonlinear
//! system with a ten-step memory) and Mackey-Glass (τ = 17, mildly chaotic), plus the NRMSE
//! both are scored with. The same seed gives the same series on every machine.

use crate::rng::SplitMix64 as Rng;

/// Above this the NARMA-10 recurrence has left its bounded regime and grows without limit.
const NARMA_LIMIT: f64 = 1e3;

/// NARMA-10 over `steps` steps: `(inputs, targets)`, both of length `steps`.
///
/// The inputs are u_t ~ U[0, 0.5]. In the usual notation the system is
/// `y_{t+1} = 0.3·y_t + 0.05·y_t·Σ_{i=0}^{9} y_{t−i} + 1.5·u_{t−9}·u_t + 0.1`, with
/// y_0 … y_9 = 0. `targets[t]` is y_{t+1}: the first output that depends on u_t, so the task
/// is to produce `targets[t]` from `inputs[0..=t]` with nothing left to anticipate. Hence
/// `targets[t] = 0` for t < 9, `targets[9] = 1.5·u_0·u_9 + 0.1`, and for t ≥ 10
/// `targets[t] = 0.3·targets[t−1] + 0.05·targets[t−1]·Σ_{i=1}^{10} targets[t−i] + 1.5·u_{t−9}·u_t + 0.1`.
///
/// For rare input draws the recurrence diverges. When any |y| exceeds 1e3 (or is not finite)
/// the whole series is redrawn from seed + 1 (then + 2, …), so the result is still a pure
/// function of `seed`; a bounded series typically stays below 1.
pub fn narma10(steps: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut seed = seed;
    loop {
        if let Some(series) = narma10_once(steps, seed) {
            return series;
        }
        seed = seed.wrapping_add(1);
    }
}

/// One NARMA-10 draw, or `None` when it diverges.
fn narma10_once(steps: usize, seed: u64) -> Option<(Vec<f64>, Vec<f64>)> {
    // Mixed so that seeds 0, 1, 2, … do not start SplitMix64 on neighbouring states.
    let mut rng = Rng(seed ^ 0x4E41_524D_4131_3030);
    let inputs: Vec<f64> = (0..steps).map(|_| 0.5 * rng.uniform()).collect();
    let mut targets = vec![0.0; steps];
    for t in 9..steps {
        let history: f64 = if t >= 10 { targets[t - 10..t].iter().sum() } else { 0.0 };
        let previous = targets[t - 1];
        let y = 0.3 * previous + 0.05 * previous * history + 1.5 * inputs[t - 9] * inputs[t] + 0.1;
        if !(y.abs() <= NARMA_LIMIT) {
            return None;
        }
        targets[t] = y;
    }
    Some((inputs, targets))
}

/// Mackey-Glass constants: delay τ, production β, decay γ, exponent n.
const MG_TAU: f64 = 17.0;
const MG_BETA: f64 = 0.2;
const MG_GAMMA: f64 = 0.1;
const MG_EXPONENT: i32 = 10;
/// Euler step (time units) and sub-steps per returned sample (one time unit).
const MG_DT: f64 = 0.1;
const MG_SUBSTEPS: usize = 10;
/// Time units integrated and thrown away before the first sample, so the seeded initial
/// history has settled onto the attractor.
const MG_TRANSIENT: usize = 1000;

/// The Mackey-Glass series `dx/dt = β·x(t−τ)/(1 + x(t−τ)^n) − γ·x(t)` with τ = 17, β = 0.2,
/// γ = 0.1, n = 10, sampled every time unit: `steps` values.
///
/// Integration is explicit Euler with dt = 0.1 and the delayed term read from a buffer of the
/// last τ/dt = 170 sub-steps: the usual discretisation of echo-state benchmarks, which keeps
/// the delay exact where a Runge-Kutta step would need the history between grid points. The
/// initial history is 1.2 plus uniform noise in ±0.01 drawn from `seed`, and the first 1000
/// time units are discarded.
///
/// The values returned are `tanh(x − 1)` (Jaeger's normalisation), which maps the attractor
/// (x ≈ 0.4 … 1.35) into about −0.55 … 0.35. The one-step prediction task is input
/// `series[t]`, target `series[t + 1]`: ask for `steps + 1` values to get `steps` pairs.
pub fn mackey_glass(steps: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng(seed ^ 0x4D41_434B_4559_474C);
    let delay = (MG_TAU / MG_DT).round() as usize;
    let mut noisy = || 1.2 + 0.02 * (rng.uniform() - 0.5);
    // ring[n % delay] holds x at sub-step n − delay when sub-step n is taken.
    let mut ring: Vec<f64> = (0..delay).map(|_| noisy()).collect();
    let mut x = noisy();
    let mut n = 0usize;
    let mut advance = |x: &mut f64| {
        let slot = n % delay;
        let delayed = ring[slot];
        ring[slot] = *x;
        *x += MG_DT * (MG_BETA * delayed / (1.0 + delayed.powi(MG_EXPONENT)) - MG_GAMMA * *x);
        n += 1;
    };
    for _ in 0..MG_TRANSIENT * MG_SUBSTEPS {
        advance(&mut x);
    }
    let mut series = Vec::with_capacity(steps);
    for _ in 0..steps {
        series.push((x - 1.0).tanh());
        for _ in 0..MG_SUBSTEPS {
            advance(&mut x);
        }
    }
    series
}

/// Normalised root-mean-square error `sqrt(mean((y − ŷ)²) / var(y))`, with y the target and
/// var its population variance: 0 for a perfect prediction, 1 for predicting the target's
/// mean. NaN when the slices differ in length or are empty; infinite (or NaN) when the target
/// is constant.
pub fn nrmse(prediction: &[f64], target: &[f64]) -> f64 {
    if prediction.len() != target.len() || target.is_empty() {
        return f64::NAN;
    }
    let count = target.len() as f64;
    let mean = target.iter().sum::<f64>() / count;
    let variance = target.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / count;
    let squared_error = prediction.iter().zip(target).map(|(p, y)| (y - p).powi(2)).sum::<f64>() / count;
    (squared_error / variance).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narma10_follows_its_recurrence_and_stays_bounded() {
        let (u, y) = narma10(2000, 7);
        assert_eq!((u.len(), y.len()), (2000, 2000));
        assert!(u.iter().all(|v| (0.0..0.5).contains(v)), "inputs outside [0, 0.5)");
        assert!(y.iter().all(|v| v.is_finite() && v.abs() < 1.0), "max |y| {}", y.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        assert!(y[..9].iter().all(|v| *v == 0.0));
        assert!((y[9] - (1.5 * u[0] * u[9] + 0.1)).abs() < 1e-15);
        for t in [10, 11, 57, 1000, 1999] {
            let sum: f64 = y[t - 10..t].iter().sum();
            let expected = 0.3 * y[t - 1] + 0.05 * y[t - 1] * sum + 1.5 * u[t - 9] * u[t] + 0.1;
            assert!((y[t] - expected).abs() < 1e-12, "t = {t}: {} vs {expected}", y[t]);
        }
        // Not a flat line: the task has something to learn.
        let tail = &y[100..];
        let mean = tail.iter().sum::<f64>() / tail.len() as f64;
        assert!(tail.iter().any(|v| (v - mean).abs() > 0.05));
    }

    #[test]
    fn narma10_is_deterministic_per_seed() {
        assert_eq!(narma10(500, 3), narma10(500, 3));
        assert_ne!(narma10(500, 3).0, narma10(500, 4).0);
        assert_eq!(narma10(0, 1), (vec![], vec![]));
    }

    #[test]
    fn mackey_glass_is_bounded_varied_and_deterministic() {
        let series = mackey_glass(1500, 11);
        assert_eq!(series.len(), 1500);
        // tanh(x − 1) of the attractor's x ≈ 0.4 … 1.35, with some room.
        assert!(series.iter().all(|v| v.is_finite() && (-0.75..0.5).contains(v)), "range {:?}", range(&series));
        let (lo, hi) = range(&series);
        assert!(hi - lo > 0.4, "the series barely moves: {lo} … {hi}");
        assert_eq!(series, mackey_glass(1500, 11));
        assert_ne!(series, mackey_glass(1500, 12));
        // One-step pairs are close (the series is smooth at a one-unit sampling) but not equal.
        let mean_step = series.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / 1499.0;
        assert!(mean_step > 1e-3 && mean_step < 0.1, "mean |Δ| {mean_step}");
    }

    fn range(values: &[f64]) -> (f64, f64) {
        values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
    }

    #[test]
    fn nrmse_is_zero_for_the_target_and_one_for_its_mean() {
        let target: Vec<f64> = (0..100).map(|i| (i as f64 * 0.3).sin()).collect();
        assert_eq!(nrmse(&target, &target), 0.0);
        let mean = target.iter().sum::<f64>() / 100.0;
        assert!((nrmse(&vec![mean; 100], &target) - 1.0).abs() < 1e-12);
        assert!(nrmse(&target[..5], &target).is_nan());
        assert!(nrmse(&[], &[]).is_nan());
    }
}
