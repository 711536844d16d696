//! CPU reference of the WOx dynamic memristor used as a reservoir node (Du et al., Nat. Commun.
//! 8:2204, 2017; the same device family as Moon et al., Nat. Electron. 2019).
//!
//! ```text
//! w_t = clamp(w_{t−1} + dt·(λ·sinh(η·V_t) − (w_{t−1} − w_min)/τ), 0, 1)
//! I_t = (1 − w_t)·α·(1 − e^{−β·V_t}) + w_t·γ·sinh(δ·V_t)
//! ```
//!
//! w is the fraction of the film in the conducting state: a voltage pulse grows it (sinh: a
//! strong threshold-like nonlinearity), and it relaxes towards w_min with time constant τ (the
//! short-term memory a reservoir needs). The current is read through the state: a Schottky-like
//! term for the insulating part and a tunnelling-like term for the conducting part. Explicit
//! Euler with step dt; w is clipped to [0, 1], the physical range of a fraction.
//!
//! Layout: voltages `[T, N]` (volts), the initial state `[N]`, the trajectory `[T, 2, N]`
//! (plane 0 the state w_t, plane 1 the current I_t in amperes). f32 throughout: the currents
//! span 1e-9 to 1e-3 A, below f16's range at the low end.

/// The f32 constants the kernel and the reference both use, derived once from the user's
/// parameters (so both start from the same rounded values).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WoxCoefficients {
    /// α (A).
    pub alpha: f32,
    /// β (1/V).
    pub beta: f32,
    /// γ (A).
    pub gamma: f32,
    /// δ (1/V).
    pub delta: f32,
    /// λ·dt: growth per step per unit sinh.
    pub lambda_dt: f32,
    /// η (1/V).
    pub eta: f32,
    /// w_min.
    pub w_min: f32,
    /// dt/τ: relaxation per step.
    pub dt_over_tau: f32,
}

/// One step: the next state and the current read through it, in the kernel's order.
#[inline]
pub fn step(c: &WoxCoefficients, w: f32, v: f32) -> (f32, f32) {
    let grown = w + c.lambda_dt * (c.eta * v).sinh() - (w - c.w_min) * c.dt_over_tau;
    let next = clamp_keep_nan(grown, 0.0, 1.0);
    let current = (1.0 - next) * c.alpha * (1.0 - (-c.beta * v).exp()) + next * c.gamma * (c.delta * v).sinh();
    (next, current)
}

/// `clamp` that lets NaN through (the crate's non-finite policy: a NaN drive poisons its node
/// instead of landing on a bound).
#[inline]
fn clamp_keep_nan(x: f32, lo: f32, hi: f32) -> f32 {
    if x.is_nan() { x } else { x.clamp(lo, hi) }
}

/// The trajectory `[T, 2, N]` of `steps` updates from `initial` `[N]`.
pub fn forward(c: &WoxCoefficients, voltage: &[f32], initial: &[f32], steps: usize, neurons: usize) -> Vec<f32> {
    let mut out = vec![0.0; steps * 2 * neurons];
    for n in 0..neurons {
        let mut w = initial[n];
        for t in 0..steps {
            let (next, current) = step(c, w, voltage[t * neurons + n]);
            w = next;
            out[(t * 2) * neurons + n] = next;
            out[(t * 2 + 1) * neurons + n] = current;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coefficients() -> WoxCoefficients {
        WoxCoefficients { alpha: 1e-8, beta: 0.5, gamma: 1e-5, delta: 4.0, lambda_dt: 1e-3 * 1e-3, eta: 8.0, w_min: 0.1, dt_over_tau: 1e-3 / 0.05 }
    }

    #[test]
    fn pulses_grow_the_state_and_silence_relaxes_it_to_w_min() {
        let c = coefficients();
        // Ten 1.5 V pulses, then 500 steps of rest.
        let voltage: Vec<f32> = (0..510).map(|t| if t < 10 { 1.5 } else { 0.0 }).collect();
        let out = forward(&c, &voltage, &[0.1], 510, 1);
        let w = |t: usize| out[t * 2];
        assert!(w(9) > 0.4, "ten pulses raise w well above w_min: {}", w(9));
        assert!((1..10).all(|t| w(t) > w(t - 1)), "w grows under every pulse");
        assert!((11..510).all(|t| w(t) < w(t - 1) && w(t) > 0.1), "w relaxes monotonically towards w_min");
        // After 500 steps of 1 ms (ten τ), the excess over w_min has decayed by about e^-10.
        assert!((w(509) - 0.1) < 1e-3, "relaxed: {}", w(509));
        // With no voltage there is no current; under a pulse the conducting part dominates.
        assert_eq!(out[509 * 2 + 1], 0.0);
        assert!(out[9 * 2 + 1] > out[1], "a grown state conducts more");
    }

    #[test]
    fn the_state_stays_a_fraction_and_nan_stays_nan() {
        let c = coefficients();
        let out = forward(&c, &[10.0, -10.0, f32::NAN], &[0.5], 3, 1);
        assert_eq!((out[0], out[2]), (1.0, 0.0), "huge pulses clip at 1 and 0");
        assert!(out[4].is_nan() && out[5].is_nan(), "a NaN voltage poisons the node");
    }
}
